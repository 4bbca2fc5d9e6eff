"""Values derived from one item alone (a WeChat article, a search document, a QR code, a clean privacy scan),
kept between builds.

Deriving them costs as much as rendering the Markdown did, and an edit changes one item, so each value
is stored under a digest of everything it is made from: the item as parsed, the configuration, and the
channel's own inputs. The store is tied to the code and libraries (``cache.code_stamp``), each entry
carries a checksum, and entries no build used are dropped on save. Channels stay free of I/O: the build
opens the store, ``using`` makes it the one ``remember_each`` consults, and the build saves it afterwards.
A preview keeps one store in memory. Without a store (``check``, in-memory renders) every value is made.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from fraudsite.pagememo import Digester, Unkeyable

DERIVED_FILE = "derived-cache.bin"
FORMAT = 1
T = TypeVar("T")


class DerivedStore:
    """Entries by kind and key; ``path`` None keeps them in memory (a preview keeps one across rebuilds).

    The file is a JSON header line (format, code stamp, and per entry its offset, length and CRC-32)
    followed by the entries, each zlib-compressed JSON; only the header is parsed when the store opens,
    an entry when it is asked for. Compressed, a WeChat article takes a fifth of its text. The file is
    memory-mapped, so an entry is read in, and its checksum checked, only when a build asks for it.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self.blobs: dict[tuple[str, str], bytes | memoryview] | None = None  # read on first use
        self.unchecked: dict[tuple[str, str], int] = {}  # entries from the file not read yet -> their CRC-32
        self.used: set[tuple[str, str]] = set()
        self.dirty = False
        self.digester = Digester()  # one per build: an item is digested once for every kind (and page keys)

    def _loaded(self) -> dict[tuple[str, str], bytes | memoryview]:
        if self.blobs is None:
            self.blobs, self.unchecked = _read(self.path) if self.path is not None else ({}, {})
        return self.blobs

    def get(self, kind: str, key: str) -> Any:
        """The stored JSON value, or None (also for an entry that does not decode)."""
        data = self.get_bytes(kind, key)
        try:
            return None if data is None else json.loads(data)
        except ValueError:
            return None

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        """The stored bytes, or None."""
        blob = self._checked((kind, key))
        if blob is None:
            return None
        try:
            data = zlib.decompress(blob)
        except zlib.error:
            return None
        self.used.add((kind, key))
        return data

    def _checked(self, name: tuple[str, str]) -> bytes | memoryview | None:
        """An entry's blob, its checksum checked the first time; None if missing, torn or corrupted."""
        blob = self._loaded().get(name)
        if blob is not None and name in self.unchecked and zlib.crc32(blob) != self.unchecked.pop(name):
            del self._loaded()[name]
            return None
        return blob

    def put(self, kind: str, key: str, value: Any) -> None:
        """Keep a fresh value."""
        self.put_blob(kind, key, blob_of(value))

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        """Keep fresh bytes (a file the next build may patch rather than make)."""
        self.put_blob(kind, key, zlib.compress(data, 1))

    def put_blob(self, kind: str, key: str, blob: bytes) -> None:
        """Keep an entry as ``blob_of`` (or ``zlib.compress`` of bytes) made it, perhaps in a worker."""
        self._loaded()[(kind, key)] = blob
        self.unchecked.pop((kind, key), None)
        self.used.add((kind, key))
        self.dirty = True

    def keep(self, kind: str, key: str) -> bool:
        """Keep an entry this build needs without reading it; False if there is none."""
        if self._checked((kind, key)) is None:
            return False
        self.used.add((kind, key))
        return True

    def start(self) -> None:
        """A new build begins: what it does not use is stale, and its values are new objects."""
        self.used.clear()
        self.digester = Digester()

    def prune(self) -> bool:
        """Drop the entries this build did not use (a preview's rebuilds replace items for hours); True if any."""
        blobs = self._loaded()
        stale = len(blobs) != len(self.used)
        self.blobs = {name: blobs[name] for name in sorted(self.used)}
        self.dirty |= stale
        return stale

    def save(self) -> None:
        """Keep only this build's entries; on disk, atomically (a store that cannot be written is skipped)."""
        self.prune()
        if self.path is None or not self.dirty:
            return
        index, offset = [], 0
        for (kind, key), blob in self.blobs.items():  # an entry never read keeps its recorded checksum
            index.append([kind, key, offset, len(blob), self.unchecked.get((kind, key)) or zlib.crc32(blob)])
            offset += len(blob)
        header = (json.dumps({"format": FORMAT, "stamp": _stamp(), "entries": index}, separators=(",", ":"))
                  + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".derived-", suffix=".tmp")
            os.chmod(temporary, 0o644)
            with os.fdopen(handle, "wb") as stream:
                stream.write(header)
                stream.writelines(self.blobs.values())
            os.replace(temporary, self.path)
            data = _open_mapped(self.path)
        except OSError:
            return  # an optimisation: a read-only or full disk must not fail the build
        self.dirty = False
        if isinstance(data, memoryview):  # the entries now come from the file: the build's copies are freed
            self.blobs = {(kind, key): data[len(header) + offset : len(header) + offset + length]
                          for kind, key, offset, length, _crc in index}
            self.unchecked = {}  # written just now


def open_derived(cache_dir: Path) -> DerivedStore:
    """The store kept in the site's cache folder."""
    return DerivedStore(cache_dir / DERIVED_FILE)


_ACTIVE: list[DerivedStore] = []


def active_store() -> DerivedStore | None:
    """The store channels consult now, if any."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextmanager
def using(store: DerivedStore | None) -> Iterator[None]:
    """Make ``store`` the one channels consult while planning."""
    if store is None:
        yield
        return
    store.start()
    _ACTIVE.append(store)
    try:
        yield
    finally:
        _ACTIVE.remove(store)


def blob_of(value: Any) -> bytes:
    """A JSON value as the store keeps it: compact JSON, zlib-compressed (level 1: most of the gain, fast)."""
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def remember_each(kind: str, items: Sequence[Any], inputs: Any, make: Callable[[Any], T],
                  encode: Callable[[T], Any], decode: Callable[[Any, Any], T], minimum: int = 200) -> list[T]:
    """``make(item)`` for the items whose value is not stored under (item, ``inputs``); stored values for the rest.

    The missing values are made on every core (``parallel.ordered_map``, from ``minimum`` items), each worker
    also encoding its values for the store: the build process only files them. ``encode(value)`` is a
    value's JSON entry; ``decode(entry, item)`` rebuilds it from that and the item it belongs to.
    """
    from fraudsite.parallel import ordered_map

    store = active_store()
    if store is None:
        return list(ordered_map(make, items, minimum))
    keys = stored_keys(store, kind, items, inputs)
    found: dict[int, T] = {}
    for index, (item, key) in enumerate(zip(items, keys)):
        entry = store.get(kind, key) if key else None
        if entry is not None:
            try:
                found[index] = decode(entry, item)
            except (KeyError, TypeError, ValueError):
                pass  # an entry of another shape: make it again
    missing = [index for index in range(len(items)) if index not in found]
    made = ordered_map(partial(_made, make, encode), [(items[i], bool(keys[i])) for i in missing], minimum)
    for index, (value, blob) in zip(missing, made):
        found[index] = value
        if keys[index]:
            store.put_blob(kind, keys[index], blob)
    for index, key in enumerate(keys):
        if key:  # page keys use the value's key: made from the same inputs, it is the same value
            store.digester.assign(found[index], key)
    return [found[index] for index in range(len(items))]


def _made(make: Callable[[Any], T], encode: Callable[[T], Any], job: tuple[Any, bool]) -> tuple[T, bytes]:
    """One missing value and, if it has a key to be stored under, its store entry (in a worker)."""
    item, keyed = job
    value = make(item)
    return value, blob_of(encode(value)) if keyed else b""


def stored_keys(store: DerivedStore, kind: str, items: Sequence[Any], inputs: Any) -> list[str | None]:
    """The key each item's value has in the store (None: the item cannot be keyed); ``remember_each``'s keys."""
    digester = store.digester
    shared = digester.digest((kind, inputs))
    keys: list[str | None] = []
    for item in items:
        try:
            keys.append(hashlib.sha256(shared + digester.digest(item)).hexdigest())
        except Unkeyable:
            keys.append(None)
    return keys


def _stamp() -> str:
    from fraudsite.cache import code_stamp

    return code_stamp()


def _open_mapped(path: Path) -> memoryview | bytes:
    """A store file's bytes: memory-mapped where that is safe, so only the entries asked for are read in.

    Not on Windows, where a mapped file cannot be replaced by the next save.
    """
    with open(path, "rb") as stream:
        if os.name == "posix" and os.fstat(stream.fileno()).st_size > 0:
            return memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
        return stream.read()


def _read(path: Path) -> tuple[dict[tuple[str, str], bytes | memoryview], dict[tuple[str, str], int]]:
    """The entries of a store file of this format and code, with their checksums; anything else counts as empty."""
    try:
        data = _open_mapped(path)
        end = _line_end(data)
        header = json.loads(bytes(data[:end])) if end > 0 else None
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("stamp") != _stamp():
            return {}, {}
        blobs, checksums = {}, {}
        for kind, key, offset, length, crc in header["entries"]:
            blob = data[end + 1 + offset : end + 1 + offset + length]
            if len(blob) == length:  # a truncated file loses its last entries
                blobs[(str(kind), str(key))] = blob
                checksums[(str(kind), str(key))] = int(crc)
        return blobs, checksums
    except (OSError, ValueError, TypeError, KeyError):
        return {}, {}


def _line_end(data: bytes | memoryview) -> int:
    """Where the first line ends (-1: nowhere), reading only as far as that."""
    step = 1 << 16
    for start in range(0, len(data), step):
        found = bytes(data[start : start + step]).find(b"\n")
        if found >= 0:
            return start + found
    return -1
