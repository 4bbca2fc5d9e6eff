"""The parse and render cache in ``SITE_DIR/.fraudsite-cache/``: front matter, Markdown bodies and finished items.

An entry is keyed by the file's path and the SHA-256 of its bytes, and tied to a stamp of the
fraudsite version and of the code that made it. Front matter and bodies depend on the configuration
only through their keys (a body's holds the sub-path and whether raw HTML is trusted), so they outlive
an edit of ``fraudsite.yaml``; finished items are tied to the whole configuration (its hash). Only
entries a build used are kept: after an edit build, those of the files it read again. A rendered
body also records what it looked up about the rest of the site (which
content links resolved to which page, which referenced files existed); the entry is used only
while those answers are still the same. A finished item (checked, body rendered: ``Finished``)
is kept with the problems its own checks found and everything outside its file it relied on, so
a file whose bytes and those answers are unchanged is neither parsed nor checked again: the same
inputs give the same item and problems. Checks that compare items (identities) and the privacy
scan still run on every build. Each file carries a signature of its body (``machine_key``): a
corrupted, truncated, copied or planted cache is discarded and rebuilt, never trusted (the items
file is unpickled only then). It is written atomically.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from fraudsite import uptodate
from fraudsite.config import Config
from fraudsite.errors import Problem
from fraudsite.frontmatter import SourceFile, decode_source, split_front_matter
from fraudsite.markup import LinkContext, RenderedBody, render_body
from fraudsite.model import Item
from fraudsite.stamp import code_stamp
from fraudsite.yamltext import Located

CACHE_FILE = "content-cache.json"
ITEMS_FILE = "content-items.pickle"  # beside CACHE_FILE: items hold dates and bytes, which JSON does not
FORMAT = 2
T = TypeVar("T")


def render_recorded(context: LinkContext) -> tuple[RenderedBody, dict]:
    """Render a body and note what it looked up about the rest of the site (the cache's validity test)."""
    links: dict[str, str | None] = {}
    assets: dict[str, bool] = {}
    variants: dict[str, str] = {}
    nearest: dict[str, str] = {}
    hosts: dict[str, bool] = {}
    pictures: dict[str, list[int]] = {}
    recording = replace(context, item_paths=_RecordingPaths(context.item_paths, links),
                        asset_exists=_recording_check(context.asset_exists, assets),
                        case_variant=_recording_check(context.case_variant, variants),
                        nearest_page=_recording_check(context.nearest_page, nearest),
                        own_host=_recording_check(context.own_host, hosts),
                        picture=_recording_check(context.picture, pictures))
    return render_body(recording), {"links": links, "assets": assets, "variants": variants, "nearest": nearest,
                                    "hosts": hosts, "pictures": pictures}


@dataclass(frozen=True)
class Finished:
    """An item as a build finished it (checked, body rendered), with everything outside its file it relied on."""

    item: Item
    problems: tuple[Problem, ...]  # its own checks' (front matter, body), not those comparing it with others
    # (site-relative source, size or -1, stat signature or ()) of each file it uses: ``content._files_of``
    files: tuple[tuple[str, int, tuple[int, ...]], ...]
    lookups: dict  # what its body looked up (``render_recorded``); empty for a withdrawn item
    digest: str = ""  # its page-key token (``pagememo.Digester``), once a build has worked it out


@dataclass(frozen=True)
class Unsplit:
    """A content file not yet decoded and split (``ContentCache.read_source``), nor read if its stat is as when
    its bytes were last read (``ContentCache.unread``): then ``raw`` is None and ``file`` is where to read it."""

    path: str
    raw: bytes | None
    file: str = ""


# Windows lists no inode and its st_ctime is the creation time: a rewrite could keep the whole stat there.
TRUSTS_STATS = os.name == "posix"


class _Unencodable(Exception):
    """A value the cache cannot store faithfully; the entry is simply not cached."""


@dataclass
class ContentCache:
    """Cached front matter, rendered bodies and finished items; ``used`` entries are the ones kept on save."""

    path: Path | None  # None: in memory only, never saved
    config_hash: str = ""  # set by bind(); finished items belong to this configuration
    sources: dict[str, dict] = field(default_factory=dict)
    bodies: dict[str, dict] = field(default_factory=dict)
    # The keys of the front matter and bodies in CACHE_FILE, which is read only once one of them is wanted (see
    # ``bind``); None once read, or where not known.
    unread_entries: tuple[frozenset[str], frozenset[str]] | None = None
    finished: dict[str, Finished] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # source path -> key of its bytes, this build
    # Source path -> its stat (size, modification and change times, inode) and the key of the bytes read under
    # it: the last build's, and this build's (kept with the finished items).
    known_stats: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    stats: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    settled_before: int = 0  # a file whose times are all before this (file-system time, ns) has settled
    used: set[str] = field(default_factory=set)
    dirty: bool = False
    made: int = 0  # items finished (parsed, checked, rendered) by this process, not reused
    # The bodies ``lookup`` found no rendering of, with their keys, until ``store`` keeps theirs: a key is made once.
    missed: dict[str, tuple[LinkContext, str]] = field(default_factory=dict)

    def unread(self, relative: str, file: str, stat: os.stat_result) -> Unsplit | None:
        """A file left unread (its key noted for this build) because the last build read it under this very stat
        and kept the item it finished, or None: read it (``read_source``).

        As git trusts its index, with its guard: a stat is recorded only when the file last changed well before
        the reading began, by the file system's own clock (``uptodate.settled_before``), since a file rewritten
        within the file system's clock tick (a second on some) keeps its times.
        """
        known = self.known_stats.get(relative)
        if known is None or known[:4] != uptodate.stat_signature(stat) or known[4] not in self.finished:
            return None
        self.digests[relative], self.stats[relative] = known[4], known
        return Unsplit(relative, None, file)

    def read_source(self, relative: str, raw: bytes, defer: bool = False,
                    stat: os.stat_result | None = None) -> tuple[SourceFile | Unsplit | None, Problem | None]:
        """Decode and split a content file (its key noted for this build), reusing the parsed front matter of
        identical bytes.

        ``defer``: a file of which a finished item is kept comes back ``Unsplit``, to be split only if that
        item cannot be used (most files of an edit build are never decoded and split). ``stat``: the file's,
        taken before it was read, recorded for ``unread`` if the file had settled by then.
        """
        key = _digest(relative.encode("utf-8"), raw)
        self.digests[relative] = key
        if stat is not None and max(stat.st_mtime_ns, stat.st_ctime_ns) < self.settled_before:
            self.stats[relative] = (*uptodate.stat_signature(stat), key)
        else:  # not settled, or read with no stat (an Unsplit after all): read again next time
            self.stats.pop(relative, None)
        if defer and key in self.finished:
            return Unsplit(relative, raw), None
        text, trouble = decode_source(relative, raw)
        if trouble is not None:
            return None, trouble
        assert text is not None
        cached = self._entry(0, key)
        if cached is not None:
            source = _source_from_entry(relative, text, cached)
            if source is not None:
                self.used.add(key)
                return source, None
        source, trouble = split_front_matter(relative, text)
        if source is not None and (entry := _source_entry(source)) is not None:
            self.sources[key] = entry
            self.used.add(key)
            self.dirty = True
        return source, trouble

    def lookup(self, context: LinkContext) -> tuple[RenderedBody, dict] | None:
        """The cached rendering of this body and what it looked up, if everything it looked up still holds."""
        key = self._body_key(context)
        cached = self._entry(1, key) if key else None
        if cached is not None and lookups_hold(cached["lookups"], context):
            body = _decode_body(cached["body"])
            if body is not None:
                self.used.add("body:" + key)
                return body, cached["lookups"]
        self.missed[context.source] = (context, key)
        return None

    def _entry(self, kind: int, key: str) -> dict | None:
        """The front matter (``kind`` 0) or body (1) entry of this key, CACHE_FILE read first if it holds one."""
        if self.unread_entries is not None and key in self.unread_entries[kind]:
            self._read_entries()
        return (self.sources, self.bodies)[kind].get(key)

    def _read_entries(self) -> None:
        """Read CACHE_FILE's entries in beside this build's own."""
        self.unread_entries = None
        loaded = _load_entries(self.path) if self.path is not None else None
        if loaded is None:  # a bad, foreign or outdated file is replaced
            self.dirty |= self.path is not None and self.path.exists()
        else:  # this build's own entries stay as they are
            self.sources, self.bodies = {**loaded[0], **self.sources}, {**loaded[1], **self.bodies}

    def set_aside(self) -> None:
        """Let go of the front matter and bodies a ``save`` that returned True just wrote: read back from CACHE_FILE
        only once one is wanted, as in a first build. A preview holds its cache between rebuilds for hours, and at
        10,000 items they are 75 MB."""
        self.unread_entries = (frozenset(k for k in self.sources if k in self.used),
                               frozenset(k for k in self.bodies if "body:" + k in self.used))
        self.sources, self.bodies = {}, {}

    def store(self, context: LinkContext, body: RenderedBody, lookups: dict) -> None:
        """Keep a fresh rendering with what it looked up."""
        missed = self.missed.pop(context.source, None)
        key = missed[1] if missed is not None and missed[0] is context else self._body_key(context)
        encoded = _encode_body(body) if key else None
        if encoded is not None:
            self.bodies[key] = {"body": encoded, "lookups": lookups}
            self.used.add("body:" + key)
            self.dirty = True

    def finished_item(self, relative: str) -> Finished | None:
        """The finished item of the file read this build (``read_source``), if a build made one of these bytes.

        The caller checks that what it relied on still holds (``Finished.files``, ``Finished.lookups``).
        """
        done = self._finished_of(relative)
        if done is not None:
            self.used.add("item:" + self.digests[relative])
        return done

    def known_digest(self, item: Item) -> str:
        """The page-key token kept with this very item, if it is a reused finished item ("" if not)."""
        done = self._finished_of(item.source)
        return done.digest if done is not None and done.item is item else ""

    def _finished_of(self, relative: str) -> Finished | None:
        """The finished item kept for the bytes of this file read this build, if any."""
        key = self.digests.get(relative)
        return self.finished.get(key) if key else None

    def keep_finished(self, relative: str, done: Finished) -> None:
        """Keep a freshly finished item of the file read this build."""
        self.made += 1
        key = self.digests.get(relative)
        if key:
            self.finished[key] = done
            self.used.add("item:" + key)
            self.dirty = True

    def _body_key(self, context: LinkContext) -> str:
        source_key = self.digests.get(context.source)
        return _digest(source_key.encode("ascii"), _context_data(context)) if source_key else ""

    def save(self, known: Callable[[Item], str | None] | None = None) -> bool:
        """Write the entries this build used, atomically; a cache that cannot be written is skipped (False).

        ``known``: the page-key token of an item, where this build worked it out, kept with its finished item.
        """
        if known is not None:
            for key, done in self.finished.items():
                token = known(done.item) if not done.digest else None
                if token:
                    self.finished[key] = replace(done, digest=token)
                    self.dirty = True
        unread = self.unread_entries or (frozenset(), frozenset())
        stale = (set(self.sources) - self.used or {k for k in self.bodies if "body:" + k not in self.used}
                 or {k for k in self.finished if "item:" + k not in self.used}
                 or unread[0] - self.used or {k for k in unread[1] if "body:" + k not in self.used})
        finished, stats = self._kept()
        if self.path is None or not (self.dirty or stale or stats != self.known_stats):
            return True
        if unread[0] & self.used or any("body:" + k in self.used for k in unread[1]):
            self._read_entries()  # used, though still on disk only (``set_aside``): kept
        entries = {"bodies": {k: v for k, v in self.bodies.items() if "body:" + k in self.used},
                   "sources": {k: v for k, v in self.sources.items() if k in self.used}}
        try:  # each file written as it is made: whole, the two took 75 MB at 10,000 items, and their text more
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(entries["sources"]), sorted(entries["bodies"])
            write_checked(self.path.with_name(ITEMS_FILE), self.config_hash, partial(
                pickle.dump, {"finished": finished, "stats": stats, "entries": keys}, protocol=pickle.HIGHEST_PROTOCOL))
            write_checked(self.path, "", partial(dump_entries, entries))
        except OSError:
            return False  # a cache is an optimisation: a read-only or full disk must not fail the build
        self.dirty, self.unread_entries, self.known_stats = False, None, stats  # as saved
        return True

    def _kept(self) -> tuple[dict[str, Finished], dict[str, tuple[int, int, int, int, str]]]:
        """The finished items this build used, and the stats of the files they were read from, as saved."""
        finished = {k: v for k, v in sorted(self.finished.items()) if "item:" + k in self.used}
        return finished, {path: stat for path, stat in sorted(self.stats.items()) if stat[4] in finished}

    def bind(self, config: Config) -> ContentCache:
        """Start a build with this configuration: finished items made under another one are dropped (front
        matter and bodies stay: see the module's note).

        Its first build reads CACHE_FILE only once it wants an entry, where the items file lists the entries there:
        a build that reuses every finished item but the edited file's wants none. The first edit after a cold
        build at 10,000 items read 10,000 of each (a third of a gigabyte) to use none and drop them.
        """
        config_hash = hash_config(config)
        first = not self.config_hash and self.path is not None  # its first build: what the last one left on disk
        if not first and self.used:  # a preview keeps one cache for hours: drop versions of files no longer on disk
            self.sources = {k: v for k, v in self.sources.items() if k in self.used}
            self.bodies = {k: v for k, v in self.bodies.items() if "body:" + k in self.used}
            self.finished = {k: v for k, v in self.finished.items() if "item:" + k in self.used}
        listed = None
        if config_hash != self.config_hash:
            self.config_hash = config_hash
            self.finished, self.stats, listed = (_load_finished(self.path.with_name(ITEMS_FILE), config_hash)
                                                 if self.path is not None else ({}, {}, None))
        if first and listed is not None:
            self.unread_entries = listed
        elif first:  # another configuration's items, or none: every entry may be wanted
            self._read_entries()
        self.known_stats, self.stats = self.stats, {}
        if not TRUSTS_STATS:
            self.settled_before = 0
        elif self.path is not None:
            self.settled_before = uptodate.settled_before(self.path.parent)
        else:
            self.settled_before = time.time_ns() - uptodate.SETTLED_NS
        self.used.clear()
        self.digests.clear()
        self.made = 0
        return self


def open_cache(cache_dir: Path | None) -> ContentCache:
    """The cache kept in ``cache_dir`` (read when a build binds it to its configuration); None: memory only."""
    return ContentCache(cache_dir / CACHE_FILE if cache_dir is not None else None)


def hash_config(config: Config) -> str:
    """A hash of everything in the configuration; the host is left out, as items and bodies use only the sub-path
    (and record whether an image's host is the site's own: ``OwnHost``)."""
    return hashlib.sha256(repr(replace(config, base_url=config.base_path, configured_url="")).encode("utf-8")).hexdigest()


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _context_data(context: LinkContext) -> bytes:
    """Every value of the render context except the site-wide lookups, which are recorded instead; the body as its
    UTF-8 after them (its ``repr`` looked up every Chinese character: 60 ms of a cold build's 1,000 bodies, keyed
    twice each, in the build process). A ``repr`` holds no NUL, so the two parts cannot be told apart wrongly."""
    values = [(name, getattr(context, name)) for name in _KEYED_CONTEXT]
    return repr(values).encode("utf-8") + b"\0" + context.body.encode("utf-8")


_KEYED_CONTEXT = tuple(f.name for f in fields(LinkContext) if f.name not in (
    "body", "item_paths", "asset_exists", "case_variant", "nearest_page", "own_host", "picture", "picture_stamp"))


def user_cache_dir() -> Path:
    """This user's fraudsite folder outside every site: ``~/.cache/fraudsite`` (``$XDG_CACHE_HOME/fraudsite``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fraudsite"


@lru_cache(maxsize=1)
def machine_key() -> bytes:
    """A secret of this user on this machine, kept outside every site (``~/.cache/fraudsite/cache-key``).

    Cache files are signed with it: one damaged, copied from another machine or planted in the site folder
    (the items file is unpickled, compiled templates are code) fails its signature and is made again. If the
    key cannot be kept, this process's own serves: its caches are simply not read by later builds.
    """
    path = user_cache_dir() / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    key = os.urandom(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent)  # private (0600), like the key it becomes
        with os.fdopen(handle, "wb") as stream:
            stream.write(key)
        try:
            os.link(temporary, path)  # never over a key another build made meanwhile: that one is read
        except FileExistsError:
            kept = path.read_bytes()
            key = kept if len(kept) == 32 else key
        finally:
            os.unlink(temporary)
    except OSError:
        pass
    return key


def signature(body: bytes) -> str:
    """``body``'s HMAC-SHA256 under ``machine_key``."""
    return hmac.new(machine_key(), body, hashlib.sha256).hexdigest()


def write_checked(path: Path, config_hash: str, body: bytes | Callable[[_Signing], object]) -> None:
    """Write a cache file atomically: a header line (format, code stamp, configuration, signature), then ``body``.

    ``config_hash``: the configuration the body was made under ("" for what depends on the code alone).
    ``body``: the bytes, or what writes them to the file-like object it is given, signed as they are written.
    """
    def header(signed: str) -> bytes:
        return json.dumps({"format": FORMAT, "stamp": code_stamp(), "config": config_hash, "signature": signed},
                          sort_keys=True).encode("utf-8") + b"\n"

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the cache holds nothing secret
        with os.fdopen(handle, "w+b") as stream:
            stream.write(header("0" * 64))  # as long as the signature, written over it once the body is
            signing = _Signing(stream)
            if callable(body):
                body(signing)
            else:
                signing.write(body)
            stream.seek(0)
            stream.write(header(signing.mac.hexdigest()))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Signing:
    """A file's ``write``, signing what it writes (``signature``)."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.mac = stream, hmac.new(machine_key(), digestmod=hashlib.sha256)

    def write(self, data: bytes) -> None:
        self.mac.update(data)
        self.stream.write(data)


def dump_entries(entries: dict[str, dict[str, Any]], out: _Signing) -> None:
    """``json.dumps(entries, ensure_ascii=False, sort_keys=True)``, written entry by entry: never the whole text.
    (The same text for string keys, which the cache's are: paths and digests.)"""
    out.write(b"{")
    for number, (name, entry) in enumerate(sorted(entries.items())):
        out.write(b"%s%s: {" % (b", " if number else b"", json.dumps(name, ensure_ascii=False).encode("utf-8")))
        for count, key in enumerate(sorted(entry)):
            out.write(b"%s%s: %s" % (b", " if count else b"", json.dumps(key, ensure_ascii=False).encode("utf-8"),
                                      json.dumps(entry[key], ensure_ascii=False, sort_keys=True).encode("utf-8")))
        out.write(b"}")
    out.write(b"}")


def read_checked(path: Path, config_hash: str) -> bytes | None:
    """The body of a cache file that is whole, signed here, of this format, version, code and configuration."""
    try:
        # Unbuffered: the header, then the body read whole into one object sized for it (a buffered reader's
        # leftover joined to the rest, or the file's bytes split, copied 35 MB at 10,000 items).
        with open(path, "rb", buffering=0) as stream:
            start = stream.read(_HEADER_MAX)
            end = start.find(b"\n")
            header = json.loads(start[:end]) if end >= 0 else None
            if (not isinstance(header, dict) or header.get("format") != FORMAT or header.get("stamp") != code_stamp()
                    or header.get("config") != config_hash):
                return None
            stream.seek(end + 1)
            body = stream.readall()
    except (OSError, ValueError):
        return None
    return body if hmac.compare_digest(str(header.get("signature")), signature(body)) else None


_HEADER_MAX = 4096  # a header is about 250 bytes: format, code stamp, configuration hash, signature


def _load_entries(path: Path) -> tuple[dict, dict] | None:
    """The front-matter and body entries of the cache file, if it is whole and of this code."""
    body = read_checked(path, "")
    try:
        entries = json.loads(body) if body is not None else None
        sources, bodies = entries["sources"], entries["bodies"]  # type: ignore[index]
        if not isinstance(sources, dict) or not isinstance(bodies, dict):
            return None
        return sources, bodies
    except (ValueError, KeyError, TypeError):
        return None


def _load_finished(path: Path, config_hash: str
                   ) -> tuple[dict[str, Finished], dict[str, tuple], tuple[frozenset[str], frozenset[str]] | None]:
    """The finished items of the items file, the stats their files were read under and the keys of the front matter
    and body entries the cache file was written with, if it is whole and of this code and configuration; else none.

    Unpickled only after its signature matched: a file written by a build of this user on this machine.
    """
    body = read_checked(path, config_hash)
    try:
        kept = pickle.loads(body) if body is not None else {}
        finished, stats, entries = kept["finished"], kept["stats"], kept["entries"]
        listed = (frozenset(entries[0]), frozenset(entries[1]))
    except Exception:  # whatever a damaged file raises, it is only not used
        return {}, {}, None
    if (not isinstance(finished, dict) or not all(isinstance(v, Finished) for v in finished.values())
            or not isinstance(stats, dict) or not all(isinstance(key, str) for key in listed[0] | listed[1])):
        return {}, {}, None
    return finished, stats, listed


def _source_entry(source: SourceFile) -> dict | None:
    """What to store of a split file: its parsed front matter (the body is cheap to cut again)."""
    entry = {"meta": _encode(source.meta.data), "lines": dict(source.meta.lines),
             "commented": dict(source.meta.commented), "body_line": source.body_line}
    if _decode(entry["meta"]) != source.meta.data:
        return None
    return entry


def _source_from_entry(relative: str, text: str, entry: dict) -> SourceFile | None:
    """Rebuild a split file from its entry and the decoded text; None if the entry is malformed."""
    try:
        body_line, lines, commented = entry["body_line"], entry["lines"], entry["commented"]
        if type(body_line) is not int or body_line < 2:
            return None
        if not all(isinstance(found, dict) and all(isinstance(k, str) and type(v) is int for k, v in found.items())
                   for found in (lines, commented)):
            return None
        all_lines = text.split("\n")
        if body_line - 2 >= len(all_lines) or all_lines[body_line - 2].rstrip() not in ("---", "..."):
            return None
        meta = Located(_decode(entry["meta"]), dict(lines), dict(commented))
        if not isinstance(meta.data, dict):
            return None
        return SourceFile(relative, meta, "\n".join(all_lines[body_line - 1 :]), body_line)
    except (KeyError, TypeError, ValueError, _Unencodable):
        return None


def _encode_body(body: RenderedBody) -> dict | None:
    """A rendered body as JSON data, or None if some value would not come back identical."""
    try:
        encoded = {f.name: _encode(getattr(body, f.name)) for f in fields(body)}
    except _Unencodable:
        return None
    return encoded if _decode_body(encoded) == body else None


def _decode_body(encoded: Any) -> RenderedBody | None:
    """A rendered body back from JSON data; None if it does not fit today's RenderedBody."""
    try:
        return RenderedBody(**{name: _decode(value) for name, value in encoded.items()})
    except (AttributeError, TypeError, ValueError, _Unencodable):
        return None


def _encode(value: Any) -> Any:
    """Plain JSON for text, numbers, lists; tagged objects for dicts, tuples, problems and bytes."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"t": [_encode(v) for v in value]}
    if isinstance(value, Problem):
        return {"p": [_encode(getattr(value, f.name)) for f in fields(Problem)]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, bytes):  # packed HTML: base64 is quicker to read back than the text it packs
        return {"b": base64.b64encode(value).decode("ascii")}
    raise _Unencodable(type(value).__name__)


def _decode(value: Any) -> Any:
    """The inverse of ``_encode``; anything unexpected raises ``_Unencodable``."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        (tag, inner), = value.items()
        if tag == "t" and isinstance(inner, list):
            return tuple(_decode(v) for v in inner)
        if tag == "p" and isinstance(inner, list):
            return Problem(*(_decode(v) for v in inner))
        if tag == "d" and isinstance(inner, dict):
            return {k: _decode(v) for k, v in inner.items()}
        if tag == "b" and isinstance(inner, str):
            try:
                return base64.b64decode(inner, validate=True)
            except ValueError:
                raise _Unencodable("base64") from None
    raise _Unencodable(repr(value)[:40])


def lookups_hold(lookups: Any, context: LinkContext) -> bool:
    """Whether every lookup a rendering made still gives the same answer in ``context`` (its site-wide part)."""
    try:
        links, assets, variants, nearest = lookups["links"], lookups["assets"], lookups["variants"], lookups["nearest"]
        return (all(context.item_paths.get(k) == v for k, v in links.items())
                and all(context.asset_exists(k) == v for k, v in assets.items())
                and all(context.case_variant(k) == v for k, v in variants.items())
                and all(context.nearest_page(k) == v for k, v in nearest.items())
                and all(context.own_host(k) == v for k, v in lookups["hosts"].items())
                # a picture's size and format hold while its file does: checked by its stat, not read again
                and all(context.picture_stamp(k) == v[3:] for k, v in lookups["pictures"].items()))
    except (KeyError, TypeError, AttributeError):
        return False


class _RecordingPaths(dict):
    """The content-path -> page-path map, noting each path the renderer asks about."""

    def __init__(self, data: dict[str, str], record: dict[str, str | None]):
        super().__init__(data)
        self.record = record

    def __contains__(self, key: object) -> bool:
        self.record[str(key)] = super().get(key)  # type: ignore[call-overload]
        return super().__contains__(key)

    def __getitem__(self, key: str) -> str:
        self.record[key] = super().get(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.record[key] = super().get(key)
        return super().get(key, default)


def _recording_check(check: Callable[[str], T], record: dict[str, T]) -> Callable[[str], T]:
    """Wrap a question about the site's files (does it exist, how is it spelt) so each answer is noted."""

    def recorded(relative: str) -> T:
        record[relative] = answer = check(relative)
        return answer

    return recorded
