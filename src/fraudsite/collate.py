"""Chinese names in the order readers look them up: by pinyin, as a dictionary orders them.

In code point order 三 comes before 两 and 二, and 代写 before 安全账户: no reader can find a tag that way. Each
name's key is its readings, one per character (pypinyin, which reads a character by its phrase: 银行 háng; the
column's own words it reads wrong are given in ``READINGS``), with Latin letters and digits as they are, full-width
ones too, lower case (numbers first, in numeric order, then a to z). Loading pypinyin's dictionaries takes a tenth
of a second and 57 MB, so a build keeps each name's key in the derived store and asks pypinyin only for a name
no earlier build has seen (or used), in a forked process: loaded here, its dictionaries were in every worker
forked after it (a cold build's peak went from 138 to 200 MB PSS at 1,000 items). Where the store holds nothing
yet (a first build), that process is forked before the content is read (``readings_ahead``): loading the
dictionaries after it was a sixth of a second of a cold build at 1,000 items with one core idle.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from fraudsite.derived import active_store

if TYPE_CHECKING:
    from fraudsite.derived import DerivedStore
    from fraudsite.parallel import Background, Message

KIND = "pinyin"  # derived-store entries: a name's key, under the name itself
OTHER = "其他"  # the group of names that begin with neither a letter nor a Chinese character
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]")
# Words of fraud cases pypinyin reads wrong (还 hái, 重 zhòng), as its phrase dictionary takes them.
READINGS = {
    "还款": [["huán"], ["kuǎn"]],
    "代还": [["dài"], ["huán"]],
    "还贷": [["huán"], ["dài"]],
    "重置": [["chóng"], ["zhì"]],
    "流血": [["liú"], ["xuè"]],
}


def sort_keys(names: Iterable[str]) -> dict[str, list[str]]:
    """Each name's sort key (compare them, then the names, for a total order)."""
    store = active_store()
    keys: dict[str, list[str]] = {}
    missing = []
    for name in names:
        found = store.get(KIND, name) if store else None
        if isinstance(found, list) and all(isinstance(part, str) for part in found):
            keys[name] = found
        else:
            missing.append(name)
    if missing:
        from fraudsite.parallel import in_background

        reader = _own_reader()
        _ahead.clear()  # asked once
        found = reader.keys(missing) if reader is not None else {}
        rest = [name for name in missing if name not in found]  # no reader, it was not told them, or it died
        if rest:
            found.update(zip(rest, in_background(partial(_readings, rest), 1, len(rest))()))
        for name in missing:
            keys[name] = found[name]
            if store:
                store.put(KIND, name, found[name])
    return keys


class _Reader:
    """The process ``readings_ahead`` forked: it loads pypinyin, is told the names once, reads them and ends."""

    def __init__(self, names: Message, keys: Message, background: Background):
        self.names, self.sent_keys, self.background = names, keys, background
        self.owner = os.getpid()  # a process forked later finds it in ``_ahead`` too, and must leave it alone
        self.told = False

    def tell(self, names: list[str]) -> None:
        if not self.told:
            self.told = True
            try:
                self.names.send(names)
            except OSError:  # no room for them: read elsewhere (``sort_keys``)
                self.close()

    def keys(self, missing: list[str]) -> dict[str, list[str]]:
        """The keys of the names it was told (of ``missing``, if it was told none yet); {} if it died first."""
        self.tell(missing)
        sent, found = self.sent_keys.receive()
        self.close()
        return found if sent and isinstance(found, dict) else {}

    def close(self) -> None:
        self.names.close()
        self.sent_keys.close()
        self.background.cancel()  # ended (and reaped here), or not told (no tags) or the build failed: stopped


_ahead: list[_Reader] = []  # the process ``readings_ahead`` forked, until ``sort_keys`` asks it


def _own_reader() -> _Reader | None:
    return _ahead[0] if _ahead and _ahead[0].owner == os.getpid() else None


@contextmanager
def readings_ahead(store: DerivedStore | None) -> Iterator[None]:
    """Within this, a process forked now loads pypinyin, is told the names by ``names_coming`` (or else by the
    first ``sort_keys`` that lacks keys) and reads them, which that ``sort_keys`` then takes. Only where work is
    forked at all (``parallel.forks``: how many names there are is not known yet) and ``store`` is empty (a first
    build, whose names all lack a key; on a site without tags the reader is forked for nothing)."""
    from fraudsite.parallel import Message, forks, in_background

    if store is None or not forks(2, 2) or not store.empty():
        yield
        return
    messages: list[Message] = []
    try:  # a speed-up only: without a temporary file or a process it is done without
        for _ in range(2):
            messages.append(Message())
        names, keys = messages
        reader = _Reader(names, keys, in_background(partial(_read_sent, names, keys), 2, 2, retry_here=False))
    except OSError:
        for message in messages:
            message.close()
        yield
        return
    keys.forked()
    _ahead[:] = [reader]
    try:
        yield
    finally:
        if _own_reader() is reader:
            _ahead.clear()
        reader.close()


def names_coming(names: Iterable[str]) -> None:
    """Tell the process ``readings_ahead`` forked, if one waits, every name the build may ask keys of: it reads them
    and ends while the build goes on (at 10,000 items, holding pypinyin's 65 MB through the Markdown was the
    build's peak of memory)."""
    reader = _own_reader()
    if reader is not None:
        reader.tell(sorted(set(names)))


def _read_sent(names: Message, keys: Message) -> None:
    """In the process ``readings_ahead`` forked: load pypinyin, wait for the names, read them and send their keys
    (into a file, as ``Message`` sends: a pipe holds 64 KB, and the process would wait there until they are asked
    for, holding pypinyin)."""
    names.forked()
    read = _reader()
    sent, told = names.receive()
    if sent:
        keys.send({name: read(name) for name in told})


def _readings(names: list[str]) -> list[list[str]]:
    read = _reader()
    return [read(name) for name in names]


def _reader() -> Callable[[str], list[str]]:
    """A name's key by pypinyin, loaded now."""
    # Without its phrase dictionary (this variable, read when pypinyin is imported) 银行 would read yín xíng:
    # keys, which the store keeps whatever the environment, would then depend on it.
    os.environ.pop("PYPINYIN_NO_PHRASES", None)
    from pypinyin import Style, lazy_pinyin, load_phrases_dict

    load_phrases_dict(READINGS)

    def read(name: str) -> list[str]:
        # TONE3: the tone as a digit after the syllable (lv4 for ü), so shua1 < shuai4 and ma1 < ma3, as
        # dictionaries order. Other text comes as runs ("APP", "100%“"): only its letters and digits count,
        # full-width ones (ＡＰＰ, typed in a Chinese input method) as their ASCII; a number by its value.
        parts = lazy_pinyin(unicodedata.normalize("NFKC", name), style=Style.TONE3, errors=lambda run: [run])
        cleaned = (_NOT_ALPHANUMERIC.sub("", part.lower()) for part in parts)
        return [part.rjust(20, "0") if part.isdigit() else part for part in cleaned if part]

    return read


def in_order(names: Iterable[str]) -> list[str]:
    """The names by pinyin."""
    return ordered(sort_keys(names))


def ordered(keys: dict[str, list[str]]) -> list[str]:
    """The names of ``sort_keys``'s answer by pinyin."""
    return sorted(keys, key=lambda name: (keys[name], name))


def initial(key: list[str]) -> str:
    """The letter a name is filed under (A to Z), or ``OTHER``."""
    first = key[0][:1].upper() if key else ""
    return first if "A" <= first <= "Z" else OTHER
