"""Chinese names in the order readers look them up: by pinyin, as a dictionary orders them.

In code point order 三 comes before 两 and 二, and 代写 before 安全账户: no reader can find a tag that way. Each
name's key is its readings, one per character (pypinyin, which reads a character by its phrase: 银行 háng; the
column's own words it reads wrong are given in ``READINGS``), with Latin letters and digits as they are, full-width
ones too, lower case (numbers first, in numeric order, then a to z). Loading pypinyin's dictionaries takes a tenth
of a second and 57 MB, so a build keeps each name's key in the derived store and asks pypinyin only for a name
no earlier build has seen (or used), in a forked process: loaded here, its dictionaries were in every worker
forked after it (a cold build's peak went from 138 to 200 MB PSS at 1,000 items).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from functools import partial

from fraudsite.derived import active_store

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

        for name, key in zip(missing, in_background(partial(_readings, missing), 1, len(missing))()):
            keys[name] = key
            if store:
                store.put(KIND, name, key)
    return keys


def _readings(names: list[str]) -> list[list[str]]:
    # Without its phrase dictionary (this variable, read when pypinyin is imported) 银行 would read yín xíng:
    # keys, which the store keeps whatever the environment, would then depend on it.
    os.environ.pop("PYPINYIN_NO_PHRASES", None)
    from pypinyin import Style, lazy_pinyin, load_phrases_dict

    load_phrases_dict(READINGS)
    keys = []
    for name in names:
        # TONE3: the tone as a digit after the syllable (lv4 for ü), so shua1 < shuai4 and ma1 < ma3, as
        # dictionaries order. Other text comes as runs ("APP", "100%“"): only its letters and digits count,
        # full-width ones (ＡＰＰ, typed in a Chinese input method) as their ASCII; a number by its value.
        parts = lazy_pinyin(unicodedata.normalize("NFKC", name), style=Style.TONE3, errors=lambda run: [run])
        cleaned = (_NOT_ALPHANUMERIC.sub("", part.lower()) for part in parts)
        keys.append([part.rjust(20, "0") if part.isdigit() else part for part in cleaned if part])
    return keys


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
