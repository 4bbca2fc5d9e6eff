"""Pages whose inputs did not change are not rendered again (Lektor's idea, without a database).

Each page is keyed by a digest of its template, everything its template receives, and a
stamp of the code, the theme and the configuration. The keys of the last build are kept in
the cache. A page with the same key as last time keeps the file OUT already holds, which is
only trusted while OUT is exactly as the last build left it (the caller checks that).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from fraudsite import __version__

MEMO = "pages.json"


class Unkeyable(Exception):
    """A value whose identity cannot be written down; its page is simply rendered."""


class PageMemo:
    """Last build's page keys and this build's, by output path."""

    def __init__(self, cache_dir: Path | None, stamp: str, trusted: bool, previous: dict[str, str] | None = None,
                 digester: Digester | None = None):
        self.file = cache_dir / MEMO if cache_dir else None  # None: kept in memory by the caller (serve)
        self.stamp = stamp
        self.previous: dict[str, str] = ({} if not trusted else previous if previous is not None else self._load())
        self.current: dict[str, str] = {}
        self.kept = 0  # HTML pages left as they were this build
        self.digest = (digester or Digester()).digest  # shared with the derived store: items digested once

    def _load(self) -> dict[str, str]:
        if self.file is None:
            return {}
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == __version__ and data.get("stamp") == self.stamp:
                return dict(data["pages"])
        except (OSError, ValueError, KeyError, TypeError):  # damaged or not ours: every page is rendered
            pass
        return {}

    def unchanged(self, path: str, template: str, context: Any) -> bool:
        """Record this page's key; True if the last build rendered the same key to the same path."""
        try:
            key = hashlib.sha256(template.encode() + self.digest(context)).hexdigest()
        except Unkeyable:
            return False
        self.current[path] = key
        same = self.previous.get(path) == key
        self.kept += same and path.endswith(".html")  # the summary counts HTML pages
        return same

    def unchanged_bytes(self, path: str, content: bytes) -> bool:
        """Record a data file's key (its SHA-256); True if the last build wrote the same bytes to the same path.

        Cheaper than reading OUT's file to compare, which matters for the thousands of WeChat and search files.
        """
        return self.unchanged_digest(path, hashlib.sha256(content).hexdigest())

    def unchanged_digest(self, path: str, sha256: str) -> bool:
        """``unchanged_bytes`` for bytes whose SHA-256 is known (made and hashed by a worker)."""
        key = "bytes:" + sha256
        self.current[path] = key
        return self.previous.get(path) == key

    def take(self, keys: dict[str, str], kept: int) -> None:
        """Count the keys another process made for this build (``ahead``), and the HTML pages it kept, as this one's."""
        self.current.update(keys)
        self.kept += kept

    def save(self) -> None:
        """Keep this build's keys for the next one (atomically); the version and stamp first (``kept_stamp``)."""
        from fraudsite.uptodate import save_json

        if self.file is not None:
            save_json(self.file, {"version": __version__, "stamp": self.stamp, "pages": self.current})


def kept_stamp(cache_dir: Path) -> str | None:
    """The stamp the last build's page keys were made under (of this version), from the head of their file: the
    keys themselves take milliseconds to read (a fraction of a second at 10,000 items)."""
    try:
        with open(cache_dir / MEMO, "rb") as stream:
            head = stream.read(512)
    except OSError:
        return None
    found = re.match(rb'\{"version": "([^"]*)", "stamp": "([^"]*)"', head)
    return found.group(2).decode() if found and found.group(1).decode() == __version__ else None


class Digester:
    """Digests of values built from plain data, dataclasses and containers, each dataclass digested once.

    A value is written out as canonical JSON by the C encoder (dict keys sorted) and hashed; the encoder
    calls back only for what JSON lacks: dataclasses (by their digest), dates, paths, bytes, sets. A list
    and a tuple of the same items count as the same value: a template shows them alike; so do a str subclass
    (Markup) and its text, an int dict key and its digits: which type a context field holds is fixed by the
    code, and the stamp covers the code. Quicker than walking the values in Python, which at 10,000 items
    took a second and a half of every edit.
    """

    def __init__(self) -> None:
        # By object identity, holding the object so its identity cannot pass to another: values are not changed.
        self._digests: dict[int, tuple[Any, str]] = {}
        self._assigned: dict[str, tuple[Any, object]] = {}  # what ``assign`` was given, by key
        self._encode = _canonical_encoder(self._token)

    def assign(self, value: Any, key: str, made_by: object = None) -> None:
        """Let a derived value be known by the key it was made under (a digest of what it was made from).

        Cheaper than digesting it again: a WeChat article holds its whole HTML, and a list holds every article.
        Only dataclasses: a container or scalar may be a shared object (the empty tuple) standing for others.
        """
        if dataclasses.is_dataclass(value):
            self._digests[id(value)] = (value, "=" + key)
            if made_by is not None:
                self._assigned[key] = (value, made_by)

    def assigned(self, key: str, made_by: object) -> Any:
        """The value assigned ``key`` by the same maker (``made_by``, a function): made from the same inputs the same
        way, it is the same value; None if there is none. (One key may stand for values of two shapes.)"""
        found = self._assigned.get(key)
        return found[0] if found is not None and found[1] is made_by else None

    def known(self, value: Any) -> str | None:
        """The token a dataclass was digested to so far (for keeping beside it), if it was."""
        found = self._digests.get(id(value))
        return found[1] if found is not None and found[0] is value else None

    def learn(self, value: Any, token: str) -> None:
        """Let a dataclass be known by the token ``known`` gave for an equal value (a cached item, unpickled)."""
        self._digests[id(value)] = (value, token)

    def digest(self, value: Any) -> bytes:
        """A value's identity as bytes ("#" and a SHA-256, or "=" and the key it was assigned).

        A dataclass's is its token (remembered: only dataclasses are), whether or not it was digested before
        (hashing the JSON of its token the first time gave keys that depended on which channel asked first)."""
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._token(value).encode("ascii")
        return self._hash(value).encode("ascii")

    def _hash(self, value: Any) -> str:
        try:
            text = self._encode(value)
        except (TypeError, ValueError) as error:  # a dict key JSON cannot sort or hold
            raise Unkeyable(str(error)) from None
        return "#" + hashlib.sha256(text.encode("ascii")).hexdigest()

    def _token(self, value: Any) -> Any:
        """What JSON writes for a value it has no form of (the encoder's ``default``)."""
        known = self._digests.get(id(value))  # first: most calls are for values digested already
        if known is not None:
            return known[1]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = _digested_fields(type(value))
            token = self._hash([type(value).__name__, [[name, getattr(value, name)] for name in names]])
            self._digests[id(value)] = (value, token)  # the shared values (items, views, feeds): each digested once
            return token
        if isinstance(value, datetime):
            return ["datetime", value.isoformat()]
        if isinstance(value, date):
            return ["date", value.isoformat()]
        if isinstance(value, Path):
            return ["path", str(value)]
        if isinstance(value, bytes):
            return ["bytes", hashlib.sha256(value).hexdigest()]
        if isinstance(value, (set, frozenset)):
            return ["set", sorted(self._encode(item) for item in value)]
        raise Unkeyable(type(value).__name__)


def _canonical_encoder(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """Canonical JSON (keys sorted, no spaces, ASCII) with ``default`` for what JSON lacks.

    CPython's C encoder, made once: ``JSONEncoder.encode`` makes one in Python on every call, which was most
    of the cost of a page key (50,000 of them in an edit build at 10,000 items). The same text either way."""
    encoder = json.JSONEncoder(sort_keys=True, check_circular=False, separators=(",", ":"), default=default)
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return encoder.encode
    chunks = c_make_encoder(None, default, encode_basestring_ascii, None, ":", ",", True, False, True)
    return lambda value: "".join(chunks(value, 0))


@functools.cache
def _digested_fields(cls: type) -> tuple[str, ...]:
    """A dataclass's fields that count for its digest (a field no output shows may say it does not)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("digest", True))
