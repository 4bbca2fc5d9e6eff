"""Values derived from one item alone (a WeChat article, a search document, a feed entry, a QR code, a clean
privacy scan), kept between builds.

Deriving them costs as much as rendering the Markdown did, and an edit changes one item, so each value
is stored under a digest of everything it is made from: the item as parsed, the configuration, and the
channel's own inputs. The store is tied to the code and libraries (``stamp.code_stamp``), each entry
carries a checksum, and entries no build used are dropped on save. Channels stay free of I/O: the build
opens the store, ``using`` makes it the one ``remember_each`` consults, and the build saves it afterwards.
A preview keeps one store across rebuilds, saved after a build that parsed the site afresh and when it stops.
Without a store (``check``, in-memory renders) every value is made.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from fraudsite.model import UnpackError, pack_bytes, unpack_bytes
from fraudsite.pagememo import Digester, Unkeyable
from fraudsite.stamp import code_stamp

DERIVED_FILE = "derived-cache.bin"
FORMAT = 2
# The file ends with its index's place: magic, offset, length, CRC-32 of the index.
TRAILER = struct.Struct("<8sQQI")
MAGIC = b"FSDERIV2"
DROP_EVERY = 64  # entries read from the mapped file between two drops of its pages (``_drop_pages_read``)
_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)  # where there is no madvise, none either
T = TypeVar("T")


class DerivedStore:
    """Entries by kind and key; ``path`` None keeps them in memory (a preview keeps one across rebuilds).

    The file holds the entries, each compressed JSON or bytes (``model.pack_bytes``), then a JSON index (format,
    code stamp, and per entry its offset, length and CRC-32), then a ``TRAILER`` saying where the index is; only the
    index is parsed when the store opens, an entry when it is asked for. Compressed, a WeChat article takes
    a fifth of its text. The file is memory-mapped, so an entry is read in, and its checksum checked, only
    when a build asks for it. A save appends the new entries and a new index to the file (an edit at
    10,000 items adds 3 MB, mostly the index, instead of writing 100 MB again); when more than half the file
    is entries no build uses any more, it is written afresh.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self.blobs: dict[tuple[str, str], bytes | memoryview] | None = None  # read on first use
        self.unchecked: dict[tuple[str, str], int] = {}  # entries from the file not read yet -> their CRC-32
        self.used: set[tuple[str, str]] = set()
        self.dirty = False
        self.digester = Digester()  # one per build: an item is digested once for every kind (and page keys)
        self.checksums: dict[tuple[str, str], int] = {}  # entries in the file: their recorded CRC-32
        self.placed: dict[tuple[str, str], tuple[int, int]] = {}  # entries in the file: offset, length
        self.source: tuple[int, int] | None = None  # the file they are in: inode, size
        self.mapped_reads = 0  # entries read from the mapped file (``_drop_pages_read``)
        self.noted: set[tuple[str, str]] | None = None  # the entries put since ``note_puts``, if asked

    def _loaded(self) -> dict[tuple[str, str], bytes | memoryview]:
        if self.blobs is None:
            self.blobs, self.checksums, self.placed, self.source = (
                _read(self.path) if self.path is not None else ({}, {}, {}, None))
            self.unchecked = dict(self.checksums)
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
            data = unpack_bytes(blob)
        except UnpackError:
            return None
        finally:
            self._drop_pages_read(blob)
        self.used.add((kind, key))
        return data

    def get_blob(self, kind: str, key: str) -> bytes | None:
        """The stored entry as it was put (``put_blob``: a kind that packs its own), or None."""
        blob = self._checked((kind, key))
        if blob is None:
            return None
        self.used.add((kind, key))
        copy = bytes(blob)  # a copy: the file under a memory-mapped entry may be rewritten by the next save
        self._drop_pages_read(blob)
        return copy

    def _checked(self, name: tuple[str, str]) -> bytes | memoryview | None:
        """An entry's blob, its checksum checked the first time; None if missing, torn or corrupted."""
        blob = self._loaded().get(name)
        if blob is not None and name in self.unchecked and zlib.crc32(blob) != self.unchecked.pop(name):
            del self._loaded()[name]
            return None
        return blob

    def _drop_pages_read(self, blob: bytes | memoryview) -> None:
        """Count an entry read from the mapped file (or checked by ``keep``); every ``DROP_EVERY`` of them, drop
        the map's pages from this process's memory.

        A page read stays in the process's memory, counted against it, as long as the map lives; and reading an
        entry maps pages around it too (the kernel's fault-around: 248 KB for one of 4 KB, measured here). A
        preview's worker that wrote the search documents of 10,000 items from the store held 45 MB of them to the
        end of its round. The file stays in the page cache, and the map in place: a page read again is mapped
        again, quickly. (Dropping the pages around each entry instead cost 9 us an entry: a tenth of a second to
        read 10,000 articles.)
        """
        mapped = blob.obj if isinstance(blob, memoryview) else None
        if isinstance(mapped, mmap.mmap) and _DONTNEED is not None:
            self.mapped_reads += 1
            if self.mapped_reads % DROP_EVERY == 0:
                try:
                    mapped.madvise(_DONTNEED)
                except OSError:  # only memory kept longer: never a failed build
                    pass

    def put(self, kind: str, key: str, value: Any) -> None:
        """Keep a fresh value."""
        self.put_blob(kind, key, blob_of(value))

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        """Keep fresh bytes (a file the next build may patch rather than make)."""
        self.put_blob(kind, key, pack_bytes(data))

    def put_blob(self, kind: str, key: str, blob: bytes) -> None:
        """Keep an entry as ``blob_of`` (or ``pack_bytes``) made it, perhaps in a worker."""
        self._loaded()[(kind, key)] = blob
        self.unchecked.pop((kind, key), None)
        self.checksums.pop((kind, key), None)
        self.placed.pop((kind, key), None)
        self.used.add((kind, key))
        self.dirty = True
        if self.noted is not None:
            self.noted.add((kind, key))

    def keep(self, kind: str, key: str) -> bool:
        """Keep an entry this build needs without reading it; False if there is none."""
        blob = self._checked((kind, key))
        if blob is None:
            return False
        self._drop_pages_read(blob)
        self.used.add((kind, key))
        return True

    def empty(self) -> bool:
        """Whether it holds no entry: a first build's."""
        return not self._loaded()

    def note_puts(self) -> None:
        """From now on, note the entries put, made or replaced (``noted_puts``)."""
        self.noted = set()

    def noted_puts(self) -> dict[tuple[str, str], bytes]:
        """The entries put since ``note_puts``, by (kind, key): one put again under its name (the search index's
        state) too, which a comparison of names before and after missed."""
        blobs = self._loaded()
        return {name: bytes(blobs[name]) for name in self.noted or () if name in blobs}

    def take(self, used: set[tuple[str, str]], made: dict[tuple[str, str], bytes]) -> None:
        """Count what another process used and made for this build (``ahead``) as this build's."""
        for (kind, key), blob in made.items():
            self.put_blob(kind, key, blob)
        self.used |= used

    def start(self) -> None:
        """A new build begins: what it does not use is stale, and its values are new objects."""
        self.used.clear()
        self.digester = Digester()

    def unsaved(self) -> int:
        """How many entries are held in memory only, not yet in the file."""
        return sum(1 for name in self._loaded() if name not in self.placed)

    def let_go(self) -> None:
        """The build is over: the values it made from entries go (held by the digester for its page keys), while
        the store waits for the next build (a preview's, after a save: at 10,000 items, 100 MB)."""
        self.digester = Digester()

    def prune(self) -> bool:
        """Drop the entries this build did not use (a preview's rebuilds replace items for hours); True if any."""
        blobs = self._loaded()
        stale = len(blobs) != len(self.used)
        self.blobs = {name: blobs[name] for name in sorted(self.used)}
        self.dirty |= stale
        return stale

    def save(self, last: bool = False) -> None:
        """Keep only this build's entries; on disk, appended or written afresh (a store that cannot be written
        is skipped). Then the entries are read back from the file, unless this is the ``last`` use of the store
        (the index of every entry: 3 ms at 1,000 items)."""
        self.prune()
        if self.path is None or not self.dirty:
            return
        # An entry from the file keeps its recorded checksum (checked when read, if it was); a new one gets its own.
        checksums = {name: self.checksums[name] if name in self.checksums else zlib.crc32(blob)
                     for name, blob in self.blobs.items()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self._append(checksums):
                self._write_afresh(checksums)
            if last:
                self.dirty = False
                return
            data, index = _open_mapped(self.path), _index_of(self.path)
        except (OSError, ValueError):
            return  # an optimisation: a read-only or full disk must not fail the build
        self.dirty = False
        if index is None:
            return
        blobs, self.checksums, self.placed, self.source = _entries(data, index)
        if isinstance(data, memoryview):  # the entries now come from the file: the build's copies are freed
            self.blobs = blobs
        # Entries not read yet keep their recorded checksum to check; the rest were written or checked just now.
        self.unchecked = {name: crc for name, crc in self.unchecked.items() if name in blobs}

    def _append(self, checksums: dict[tuple[str, str], int]) -> bool:
        """Add the new entries and an index to the file the old ones are in; False if that would not do."""
        assert self.blobs is not None
        live = sum(len(blob) for blob in self.blobs.values())
        try:
            stream = open(self.path, "r+b")
        except OSError:
            return False
        with stream:
            stat = os.fstat(stream.fileno())
            # Another file than the one read (another build wrote it afresh), or mostly entries no longer used.
            if self.source != (stat.st_ino, stat.st_size) or stat.st_size > 2 * live + (1 << 20):
                return False
            offset = stat.st_size
            stream.seek(offset)
            placed = dict(self.placed)
            try:
                for name, blob in self.blobs.items():
                    if name not in placed:
                        stream.write(blob)
                        placed[name] = (offset, len(blob))
                        offset += len(blob)
                stream.write(_index_bytes(placed, checksums, offset))
                stream.flush()
            except BaseException:  # a full disk, an interrupt: the file goes back to what it was, whole
                stream.truncate(stat.st_size)
                raise
        return True

    def _write_afresh(self, checksums: dict[tuple[str, str], int]) -> None:
        assert self.blobs is not None and self.path is not None
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".derived-", suffix=".tmp")
        os.chmod(temporary, 0o644)
        placed, offset = {}, 0
        with os.fdopen(handle, "wb") as stream:
            for name, blob in self.blobs.items():
                stream.write(blob)
                placed[name] = (offset, len(blob))
                offset += len(blob)
            stream.write(_index_bytes(placed, checksums, offset))
        os.replace(temporary, self.path)


def _index_bytes(placed: dict[tuple[str, str], tuple[int, int]], checksums: dict[tuple[str, str], int],
                 offset: int) -> bytes:
    """The index of ``placed`` entries and the trailer, to be written at ``offset``."""
    entries = [[kind, key, at, length, checksums[(kind, key)]] for (kind, key), (at, length) in placed.items()
               if (kind, key) in checksums]
    index = json.dumps({"format": FORMAT, "stamp": code_stamp(), "entries": entries}, separators=(",", ":")).encode()
    return index + TRAILER.pack(MAGIC, offset, len(index), zlib.crc32(index))


def open_derived(cache_dir: Path) -> DerivedStore:
    """The store kept in the site's cache folder."""
    return DerivedStore(cache_dir / DERIVED_FILE)


_ACTIVE: list[DerivedStore] = []


def active_store() -> DerivedStore | None:
    """The store channels consult now, if any."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextmanager
def using(store: DerivedStore | None, begin: bool = True) -> Iterator[None]:
    """Make ``store`` the one channels consult while planning; ``begin``: as a new build begins (``start``), else
    for more planning of the same build."""
    if store is None:
        yield
        return
    if begin:
        store.start()
    _ACTIVE.append(store)
    try:
        yield
    finally:
        _ACTIVE.remove(store)


def blob_of(value: Any) -> bytes:
    """A JSON value as the store keeps it: compact JSON, compressed (``pack_bytes``)."""
    return pack_bytes(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def blob_value(blob: bytes) -> Any:
    """The inverse of ``blob_of``."""
    return json.loads(unpack_bytes(blob))


def remember_each(kind: str, items: Sequence[Any], inputs: Any, make: Callable[[Any], T],
                  encode: Callable[[T], Any], decode: Callable[[Any, Any], T], minimum: int = 200,
                  packed: bool = False) -> list[T]:
    """``make(item)`` for the items whose value is not stored under (item, ``inputs``); stored values for the rest.

    The missing values are made on every core (``parallel.ordered_map``, from ``minimum`` items), each worker
    also encoding its values for the store: the build process only files them. ``encode(value)`` is a
    value's JSON entry; ``decode(entry, item)`` rebuilds it from that and the item it belongs to. ``packed``:
    the kind packs its own entries, so ``encode`` gives the stored bytes and ``decode`` gets them back.
    """
    from fraudsite.parallel import ordered_map

    store = active_store()
    if store is None:
        return list(ordered_map(make, items, minimum))
    keys = stored_keys(store, kind, items, inputs)
    found: dict[int, T] = {}
    for index, (item, key) in enumerate(zip(items, keys)):
        # Asked for again in the same build (a preview's checks after its pages' planning): the same objects,
        # not a second copy of every WeChat article held until the build ends (45 MB at 10,000 items).
        known = store.digester.assigned(key, decode) if key else None
        if known is not None:
            found[index] = known
            continue
        entry = (store.get_blob(kind, key) if packed else store.get(kind, key)) if key else None
        if entry is not None:
            try:
                found[index] = decode(entry, item)
            except (KeyError, TypeError, ValueError):  # UnpackError is a ValueError
                pass  # an entry of another shape: make it again
    missing = [index for index in range(len(items)) if index not in found]
    made = ordered_map(partial(_made, make, encode if packed else _json_blob(encode), packed),
                       [(items[i], bool(keys[i])) for i in missing], minimum)
    for index, (value, blob) in zip(missing, made):
        if keys[index]:
            store.put_blob(kind, keys[index], blob)
            if packed:  # read back from its entry, which a packed kind's value can share rather than copy
                value = decode(blob, items[index])
        found[index] = value
    for index, key in enumerate(keys):
        if key:  # page keys use the value's key: made from the same inputs, it is the same value
            store.digester.assign(found[index], key, decode)
    return [found[index] for index in range(len(items))]


def _made(make: Callable[[Any], T], pack: Callable[[T], bytes], packed: bool, job: tuple[Any, bool]
          ) -> tuple[T | None, bytes]:
    """One missing value and, if it has a key to be stored under, its store entry (in a worker). A packed
    kind's value with a key is not sent back: it is read back from its entry."""
    item, keyed = job
    value = make(item)
    return (None if packed and keyed else value), pack(value) if keyed else b""


def _json_blob(encode: Callable[[T], Any]) -> Callable[[T], bytes]:
    """``encode`` then ``blob_of``: a value's stored entry as JSON."""
    return lambda value: blob_of(encode(value))


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


def _open_mapped(path: Path) -> memoryview | bytes:
    """A store file's bytes: memory-mapped where that is safe, so only the entries asked for are read in.

    Not on Windows, where a mapped file cannot be replaced by the next save.
    """
    with open(path, "rb") as stream:
        if os.name == "posix" and os.fstat(stream.fileno()).st_size > 0:
            return memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
        return stream.read()


def _read(path: Path) -> tuple[dict, dict, dict, tuple[int, int] | None]:
    """A store file's entries (blobs, checksums, places) and its inode and size, if it is of this format and
    code; anything else counts as empty."""
    try:
        data, index = _open_mapped(path), _index_of(path)
        if index is None:
            return {}, {}, {}, None
        return _entries(data, index)
    except (OSError, ValueError, TypeError, KeyError):
        return {}, {}, {}, None


def _index_of(path: Path) -> tuple[list, int, tuple[int, int]] | None:
    """A store file's index entries, where the index begins, and the file's inode and size; None if it is not
    whole, or of another format or code."""
    with open(path, "rb") as stream:
        stat = os.fstat(stream.fileno())
        if stat.st_size < TRAILER.size:
            return None
        stream.seek(stat.st_size - TRAILER.size)
        magic, offset, length, crc = TRAILER.unpack(stream.read(TRAILER.size))
        if magic != MAGIC or offset + length + TRAILER.size != stat.st_size:
            return None
        stream.seek(offset)
        raw = stream.read(length)
    index = json.loads(raw) if zlib.crc32(raw) == crc else None
    if not isinstance(index, dict) or index.get("format") != FORMAT or index.get("stamp") != code_stamp():
        return None
    return index["entries"], offset, (stat.st_ino, stat.st_size)


def _entries(data: bytes | memoryview, index: tuple[list, int, tuple[int, int]]) -> tuple[dict, dict, dict, tuple]:
    """Blobs (slices of ``data``), checksums and places of the entries an index lists."""
    entries, end, source = index
    blobs, checksums, placed = {}, {}, {}
    for kind, key, offset, length, crc in entries:
        name = (str(kind), str(key))
        if 0 <= offset and offset + length <= end:
            blobs[name] = data[offset : offset + length]
            checksums[name] = int(crc)
            placed[name] = (int(offset), int(length))
    return blobs, checksums, placed, source


