"""The static search index: character n-gram postings in hashed shards, one plain-text file per item.

Chinese has no spaces, so words are not segmented: every single character and every pair of adjacent
characters is a key. A query term of one or two characters is answered exactly by its own key; a longer
term by intersecting its pairs, and the reader's browser then checks the exact substring in the item's
text before showing it. ``theme/static/search/search.js`` implements the same rules as ``run_query``.

Every file is named by a hash of its bytes: the meta file by ``ENTRY``, the shards and item files by the meta
file. A page that holds one build's meta file asks only for that build's files: a later build's are under other
names, and one it asks for may be gone but is never different. The page asks for ``ENTRY`` at every search and
loads the index again once that names another meta file (search.js).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import operator
import re
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

from fraudsite.defang import defang as defang_address
from fraudsite.derived import blob_value
from fraudsite.model import SECTION_NAMES, pack_bytes
from fraudsite.scriptjson import escape_for_script

if TYPE_CHECKING:
    from fraudsite.model import Item

TITLE, SUMMARY, BODY = 1, 2, 4  # field bits in a posting; a lower bit ranks higher
MASK_BITS = 3
SHARD_TARGET_BYTES = 8_000  # raw JSON per gram shard; measured (bench/search): smaller shards cut bytes per query, more files
DOC_FIELDS = ("path", "title", "summary", "body", "date", "section", "type", "urgent", "expired", "details", "type_name")
SECTIONS = list(SECTION_NAMES.items())  # each section's key and name, in the meta file's order
# Characters of a file's hash in its name (base32, 25 bits): another build's file of that number differs from
# it in them but for one chance in 33 million; each costs the meta file a byte per file. search.js has the same.
NAME_LENGTH = 5
ENTRY = "current.json"  # names the meta file: a few bytes, which search.js fetches afresh at every search


@dataclass(frozen=True)
class SearchDoc:
    """One item as the index carries it: plain text only, scam addresses defanged."""

    path: str  # site-relative URL path, such as cases/x/
    title: str
    summary: str
    body: str  # body text, then the signs and the advice: what the page shows as text, from which passages are cut
    date: str  # YYYY-MM-DD, shown beside the result
    section: str  # cases or notices
    type: str  # fraud type key, "" for notices
    urgent: bool = False  # an urgent notice not yet expired: the result shows 紧急, as lists do
    expired: bool = False  # a notice past its expiry by the build's clock: the result shows 已过期
    # What the page's details show, values without their labels (损失金额, 标签, 发布单位…, words every page has):
    # the type name, the loss, the tags, the issuer, the audiences. Matched as body; no passage is cut from it.
    details: str = ""
    # The fraud type's name, ranked as the title: an item of type 冒充公检法 is about 公检法 more than one that
    # mentions it
    type_name: str = ""


@dataclass
class SearchIndex:
    """Everything the search page loads: meta, gram shards and one file per item, as files."""

    meta: dict[str, Any]
    docs: list[SearchDoc]  # by number: oldest first
    files: dict[str, bytes] = field(default_factory=dict)  # index-relative path (``ENTRY``, ...) -> bytes
    total: int = 0  # the keys' and postings' JSON length, which sets the shard count
    shards: dict[int, bytes] = field(default_factory=dict)  # the gram shards in ``files``, by number
    shard_keys: dict[int, str] = field(default_factory=dict)  # their SHA-256 in hex (named and stored by it)


_FOLD = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF41, 0xFF5B)]}
_FOLD.update({code: code - 0xFEE0 + 0x20 for code in range(0xFF21, 0xFF3B)})
_FOLD.update({code: code + 0x20 for code in range(0x41, 0x5B)})
# The characters ``_FOLD`` changes, in runs: translating only these, not every character of a Chinese text (a
# dictionary lookup each), took fold from a fifth of the index keys' time to a thirtieth.
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FOLD)) + "]+")
# Key characters: ASCII letters and digits, Latin letters, CJK and other scripts; not CJK or full-width punctuation.
_KEY_RUN = re.compile("[0-9A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u2E80-\u2FFF\u3040-\uFE0F"
                      "\uFE70-\uFEFF\uFF66-\U0010FFFF]+")


# A comma (or full-width comma) between digits that groups thousands: 3,500 and ３，５００ are 3500.
_DIGIT_GROUP = re.compile("([0-9\uFF10-\uFF19])[,\uFF0C](?=[0-9\uFF10-\uFF19]{3}(?![0-9\uFF10-\uFF19]))")


def join_digit_groups(text: str) -> str:
    """Drop thousands separators, so an amount matches however it is written (lists show 3,500, text has 3500)."""
    return _DIGIT_GROUP.sub(r"\1", text)


def fold(text: str) -> str:
    """Fold for matching without changing length: full-width letters and digits to ASCII, ASCII to lower case."""
    return _FOLDABLE.sub(_fold_run, text)


def _fold_run(run: re.Match[str]) -> str:
    """One run of ``_FOLDABLE`` characters, folded."""
    return run.group().translate(_FOLD)


def runs(text: str) -> list[str]:
    """Maximal runs of key characters in folded text."""
    return _KEY_RUN.findall(text)


def matchable(text: str) -> str:
    """Text as terms are matched in it: folded, digit groups joined (as ``split_terms`` joins a query's)."""
    return fold(join_digit_groups(text))


def text_grams(text: str) -> set[str]:
    """Every key of a text (``matchable``): each key character, and each pair of adjacent key characters."""
    grams: set[str] = set()
    for run in runs(matchable(text)):
        grams.update(run)
        grams.update(map(operator.add, run, run[1:]))  # each pair, without slicing in a Python loop
    return grams


def term_grams(term: str) -> list[str]:
    """The fewest keys whose postings contain every item with ``term``: pairs of each run, or the lone character."""
    grams: list[str] = []
    for run in runs(fold(term)):
        pairs = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        grams += [g for g in pairs if g not in grams]
    return grams


def is_exact(term: str) -> bool:
    """Whether a term's postings are exactly the items containing it: one run of at most two characters."""
    folded = fold(term)
    return len(folded) <= 2 and runs(folded) == [folded] and not any(map(_digit, folded))


def gram_hash(gram: str) -> int:
    """FNV-1a over code points, 32 bits; search.js computes the same."""
    value = 0x811C9DC5
    for ch in gram:
        value = ((value ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return value


_TERM_BREAK = re.compile("[\\s\u3000，、；。！？：,;!?“”‘’\"'「」『』《》〈〉（）()【】<>|＜＞｜]+")  # spaces, quotes, punctuation
# A dash, slash or dot between two Chinese (or full-width) characters parts terms too (刷单-返利, 刷单/返利, 刷单·返利);
# between ASCII ones it stays, as in an address (pay-refund.example/x).
_WIDE_JOINER = re.compile(r"(?<=[^\x00-\x7f])[-/·－／・](?=[^\x00-\x7f])")


def split_terms(query: str) -> list[str]:
    """Terms between spaces (ASCII or ideographic), quotes, Chinese punctuation (“刷单”, 学费，二维码) and joiners
    between Chinese characters (``_WIDE_JOINER``), digit groups joined as in the index text, each without what is
    not a key character at either end; duplicates and punctuation-only terms dropped."""
    terms: list[str] = []
    parts = [piece for part in _TERM_BREAK.split(join_digit_groups(query)) for piece in _WIDE_JOINER.split(part)]
    for part in parts:
        keys = list(_KEY_RUN.finditer(fold(part)))  # fold keeps every character's place
        term = part[keys[0].start(): keys[-1].end()] if keys else ""
        if term and fold(term) not in [fold(t) for t in terms]:
            terms.append(term)
    return terms


def needle_forms(term: str) -> list[str]:
    """What a term is looked for as in folded text: itself, and as an address is written in the index
    (``www.12321.cn`` as ``www[.]12321[.]cn``: the index holds addresses defanged, as the pages show them)."""
    plain, defanged = fold(term), fold(defang_address(term))
    return [plain] if plain == defanged else [plain, defanged]


def find(folded: str, needle: str, start: int = 0) -> int:
    """Where ``needle`` is in ``folded`` (``matchable`` text) from ``start``, or -1; a number only where it stands
    alone as one (3500 is not found in 23500, nor in 23,500)."""
    at = folded.find(needle, start)
    while at >= 0:
        before, after = folded[at - 1: at] if at else "", folded[at + len(needle): at + len(needle) + 1]
        if not (_digit(needle[:1]) and _digit(before)) and not (_digit(needle[-1:]) and _digit(after)):
            return at
        at = folded.find(needle, at + 1)
    return -1


def _digit(char: str) -> bool:
    return "0" <= char <= "9"


Kind = tuple[str, str, bool]  # what the meta file holds of a doc: its section, its type, whether it has expired
DocGrams = tuple[str, str, str]  # the keys of a doc's title, summary and body, each joined by KEY_SEPARATOR
KEY_SEPARATOR = "\x1f"  # no key holds a control character


def doc_grams(doc: SearchDoc) -> DocGrams:
    """Every key of a doc, by field (the costly part of indexing: a build keeps them with the doc).

    Joined into one string per field: ten thousand docs' keys as sets would take over half a gigabyte.
    """
    title = KEY_SEPARATOR.join(text_grams(doc.title) | text_grams(doc.type_name))
    return title, KEY_SEPARATOR.join(text_grams(doc.summary)), KEY_SEPARATOR.join(text_grams(doc.body) | text_grams(doc.details))


def split_grams(joined: str) -> set[str]:
    """One field's keys from ``doc_grams``."""
    return set(joined.split(KEY_SEPARATOR)) if joined else set()


def build_index(newest_first: list[SearchDoc], sections: list[tuple[str, str]],
                types: list[tuple[str, str]], grams: list[DocGrams] | None = None,
                doc_names: list[str] | None = None) -> SearchIndex:
    """Postings for every key, sharded by hash so one query loads only the shards of its keys.

    Items are numbered oldest first, so publishing a new item adds files instead of renumbering them all.
    ``grams``, each doc's ``doc_grams`` in the same order, saves making them again. Given ``doc_names`` (the
    ``content_name`` of each item file, oldest first), the per-item files are left to the caller (``doc_file``,
    at ``doc_path``), which can make them only when needed.
    """
    docs = newest_first[::-1]
    keys = grams[::-1] if grams is not None else map(doc_grams, docs)
    item_files = [doc_file(doc) for doc in docs] if doc_names is None else []
    names = [content_name(data) for data in item_files] if doc_names is None else doc_names
    index = replace(index_grams(zip(keys, names), [doc_kind(doc) for doc in docs], sections, types),
                    docs=docs)
    for number, data in enumerate(item_files):
        index.files[doc_path(index.meta, number)] = data
    return index


def index_grams(oldest_first: Iterable[tuple[DocGrams, str]], kinds: list[Kind],
                sections: list[tuple[str, str]], types: list[tuple[str, str]]) -> SearchIndex:
    """``build_index`` from each doc's keys and its item file's ``content_name`` alone, oldest first, taken one
    at a time (no docs, no item files); ``kinds``: each doc's ``Kind``, in the same order."""
    # Unsigned 32-bit arrays of ``doc << MASK_BITS | mask``, not lists of ints or pairs: ten thousand items make
    # 15 million postings (60 MB so; each further copy of them all raised the builder's peak as much).
    postings: defaultdict[str, array[int]] = defaultdict(partial(array, "I"))
    names: list[str] = []
    for number, (joined, name) in enumerate(oldest_first):
        names.append(name)
        title, summary, body = map(split_grams, joined)
        heading = title | summary
        numbered = number << MASK_BITS
        for gram in heading:  # field_mask, written out: called a million times at 10,000 items
            postings[gram].append(numbered | (gram in title) * TITLE | (gram in summary) * SUMMARY | (gram in body) * BODY)
        # Most keys are in the body alone: appended by loops that run in C.
        deque(map(array.append, map(postings.__getitem__, body - heading), repeat(numbered | BODY)), maxlen=0)
    encoded = {gram: encode_postings(postings.pop(gram)) for gram in list(postings)}  # each freed as encoded
    total = sum(len(g.encode()) + json_list_length(v) for g, v in encoded.items())
    shard_count = shards_for(total)
    shards: list[dict[str, array[int]]] = [{} for _ in range(shard_count)]
    for gram in sorted(encoded):
        shards[gram_hash(gram) % shard_count][gram] = encoded.pop(gram)
    shard_files = {}
    for number in range(shard_count):  # each shard's postings freed once its JSON is made
        shard, shards[number] = shards[number], {}
        shard_files[number] = dump_json({gram: postings.tolist() for gram, postings in shard.items()})
        del shard
    shard_keys = {number: file_key(data) for number, data in shard_files.items()}
    meta = index_meta(kinds, sections, types, [hash_name(key) for key in shard_keys.values()], names)
    return SearchIndex(meta, [], index_files(meta, shard_files), total, shard_files, shard_keys)


def indexed_from_entry(entry: dict, _source: tuple[Item, bool] | None) -> tuple[SearchDoc, DocGrams]:
    """The inverse of ``channels.search.indexed_entry``: a stored document and its keys."""
    title, summary, body = entry["grams"]
    return SearchDoc(**entry["doc"]), (title, summary, body)


def packed_file(doc: SearchDoc) -> tuple[bytes, str]:
    """An item file, packed (``pack_bytes``), and the name the meta file gives it."""
    file = doc_file(doc)
    return pack_bytes(file), content_name(file)


def index_blobs(oldest_keys: list[str | None], kinds: list[Kind], types: list[tuple[str, str]],
                earlier: dict[str, str], blobs: Iterable[bytes],
                remake: Callable[[int], tuple[SearchDoc, DocGrams]] | None = None
                ) -> tuple[SearchIndex, list[bytes | None]]:
    """``index_grams`` of the documents as the store keeps them (``indexed_blobs``), oldest first, each decoded
    only when its turn comes (all at once, they took 90 MB at 10,000 items); and each item file, packed, unless
    the last index had it (``earlier``: its name by document key). A stored entry of another shape is made
    again by ``remake`` (its number); without one, it raises.
    """
    packed: list[bytes | None] = []

    def oldest_first() -> Iterator[tuple[DocGrams, str]]:
        for number, (blob, key) in enumerate(zip(blobs, oldest_keys)):
            try:
                doc, grams = indexed_from_entry(blob_value(blob), None)
            except (KeyError, TypeError, ValueError):  # UnpackError is a ValueError
                if remake is None:
                    raise
                doc, grams = remake(number)
            file, name = (None, earlier[key]) if key in earlier else packed_file(doc)
            packed.append(file)
            yield grams, name

    return index_grams(oldest_first(), kinds, SECTIONS, types), packed



@dataclass(frozen=True)
class Earlier:
    """The index the last build wrote, as much as patching it needs."""

    shard_names: list[str]  # its shards' ``content_name``, by number (so its shard count)
    total: int  # its keys' and postings' JSON length, which set the shard count
    docs: dict[int, DocGrams]  # the earlier keys of each doc that changed, by number (oldest first)
    read_shard: Callable[[int], dict[str, list[int]]]  # an earlier shard file, parsed


def update_index(kinds: list[Kind], sections: list[tuple[str, str]], types: list[tuple[str, str]],
                 changed: dict[int, DocGrams], earlier: Earlier, doc_names: list[str]) -> SearchIndex | None:
    """The index ``build_index`` would make, as the meta files and the shard files that differ from ``earlier``'s.

    For an edit: the docs are numbered as before (``kinds``: each doc's ``Kind``, newest first), and
    ``changed`` holds the new keys of those that changed, by number (oldest first; ``earlier.docs`` their old
    keys). Only the keys whose field mask changed are touched; None if the shard count would change.
    The result's ``docs`` is empty: the unchanged item files are as they were, the changed ones the caller's
    (``doc_names``: every item file's ``content_name``, oldest first).
    """
    fresh = {number: [split_grams(field) for field in grams] for number, grams in changed.items()}
    touched: defaultdict[int, set[str]] = defaultdict(set)
    for number, old in earlier.docs.items():
        before, after = [split_grams(field) for field in old], fresh[number]
        for gram in set().union(*before, *after):
            if field_mask(gram, *before) != field_mask(gram, *after):
                touched[gram_hash(gram) % len(earlier.shard_names)].add(gram)
    total, files = earlier.total, {}
    for shard_number in sorted(touched):
        shard = earlier.read_shard(shard_number)
        for gram in touched[shard_number]:
            postings = decode_postings(shard.get(gram, []))
            if gram in shard:
                total -= len(gram.encode()) + json_list_length(shard.pop(gram))
            for number, fields in fresh.items():
                mask = field_mask(gram, *fields)
                if mask:
                    postings[number] = mask
                else:
                    postings.pop(number, None)
            if postings:
                numbered = [number << MASK_BITS | postings[number] for number in sorted(postings)]
                shard[gram] = encode_postings(numbered).tolist()
                total += len(gram.encode()) + json_list_length(shard[gram])
        files[shard_number] = dump_json(shard)
    if shards_for(total) != len(earlier.shard_names):
        return None
    shard_names, shard_keys = list(earlier.shard_names), {}
    for number, data in files.items():
        shard_keys[number] = file_key(data)
        shard_names[number] = hash_name(shard_keys[number])
    meta = index_meta(kinds[::-1], sections, types, shard_names, doc_names)
    return SearchIndex(meta, [], index_files(meta, files), total, files, shard_keys)


def field_mask(gram: str, title: set[str], summary: set[str], body: set[str]) -> int:
    """The fields a key is in, as posting bits."""
    return (gram in title) * TITLE | (gram in summary) * SUMMARY | (gram in body) * BODY


def shards_for(total: int) -> int:
    """How many shards keys and postings of this JSON length are split into."""
    return max(1, math.ceil(total / SHARD_TARGET_BYTES))


def index_meta(kinds: list[Kind], sections: list[tuple[str, str]], types: list[tuple[str, str]],
               shard_names: list[str], doc_names: list[str]) -> dict[str, Any]:
    """The meta file: counts, names, each doc's facet from its section and type, the expired notices' numbers
    (ranked below current items), every file's name (oldest first)."""
    type_index = {key: number + 1 for number, (key, _) in enumerate(types)}
    return {
        "version": 2,
        "count": len(kinds),
        "shards": len(shard_names),
        "sections": [list(s) for s in sections],
        "types": [list(t) for t in types],
        "facets": encode_facets([type_index.get(kind, 0) if section == "cases" else 0 for section, kind, _ in kinds]),
        "expired": [number for number, (_, _, expired) in enumerate(kinds) if expired],
        "shard_names": "".join(shard_names),  # NAME_LENGTH characters each, by number
        "doc_names": "".join(doc_names),
    }


def index_files(meta: dict[str, Any], shards: dict[int, bytes]) -> dict[str, bytes]:
    """``meta_files`` and the given gram shards (by number), by path."""
    return {**meta_files(meta), **{shard_path(meta, number): data for number, data in shards.items()}}


def meta_files(meta: dict[str, Any]) -> dict[str, bytes]:
    """The meta file, named by its hash, and ``ENTRY``, which names it."""
    data = dump_json(meta)
    path = f"meta.{content_name(data)}.json"
    return {ENTRY: dump_json({"meta": path}), path: data}


def read_meta(load: Callable[[str], Any]) -> dict[str, Any]:
    """The meta file ``ENTRY`` names, parsed (``load`` as ``run_query``'s)."""
    return load(load(ENTRY)["meta"])


def content_name(data: bytes) -> str:
    """What names a file of the index besides its number: a hash of its bytes (``NAME_LENGTH``)."""
    return hash_name(file_key(data))


def file_key(data: bytes) -> str:
    """A file's SHA-256 in hex: a shard's key in the derived store, of which ``hash_name`` makes its name."""
    return hashlib.sha256(data).hexdigest()


def hash_name(sha256: str) -> str:
    """``content_name`` from the bytes' SHA-256 in hex (as the derived store keys a shard): base32, lower case,
    as a server on a case-blind file system still tells apart."""
    return base64.b32encode(bytes.fromhex(sha256)[:5]).decode("ascii")[:NAME_LENGTH].lower()


def shard_path(meta: dict[str, Any], number: int) -> str:
    """A gram shard's file, as the meta file names it (search.js: shardPath)."""
    return _named("grams", meta["shard_names"], number)


def doc_path(meta: dict[str, Any], number: int) -> str:
    """An item's file, as the meta file names it (search.js: docPath)."""
    return _named("docs", meta["doc_names"], number)


def _named(folder: str, names: str, number: int) -> str:
    return f"{folder}/{number}.{names[number * NAME_LENGTH:(number + 1) * NAME_LENGTH]}.json"


def split_names(names: str) -> list[str]:
    """The names the meta file joins (``shard_names``, ``doc_names``), by number."""
    return [names[at:at + NAME_LENGTH] for at in range(0, len(names), NAME_LENGTH)]


def doc_file(doc: SearchDoc) -> bytes:
    """An item's own index file: its fields, which the browser checks a match against."""
    return dump_json([getattr(doc, name) for name in DOC_FIELDS])


def doc_kind(doc: SearchDoc) -> Kind:
    """What the meta file holds of a doc: its ``Kind``."""
    return doc.section, doc.type, doc.expired


FACET_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def encode_facets(facets: list[int]) -> str | list[int]:
    """Per item 0 (a notice) or its fraud type's position + 1: one character each, a list if types run past 61."""
    if max(facets, default=0) < len(FACET_DIGITS):
        return "".join(FACET_DIGITS[f] for f in facets)
    return facets


def facet_of(meta: dict, doc_number: int) -> int:
    """An item's facet number from the meta file, whichever form it has."""
    facets = meta["facets"]
    return FACET_DIGITS.index(facets[doc_number]) if isinstance(facets, str) else facets[doc_number]


def encode_postings(numbered: Sequence[int]) -> array[int]:
    """``[doc << 3 | mask, ...]`` (docs ascending) as ``(doc - previous doc) << 3 | mask``; previous starts at -1.

    Subtracting the previous doc shifted leaves the mask bits as they are: a loop in C, no pairs made."""
    previous = chain((-1 << MASK_BITS,), map(operator.and_, numbered, repeat(-1 << MASK_BITS)))
    return array("I", map(operator.sub, numbered, previous))


def json_list_length(numbers: Sequence[int]) -> int:
    """``len(json.dumps(numbers))`` without making the text: brackets, ", " between, the digits."""
    return 2 + 2 * max(len(numbers) - 1, 0) + sum(map(len, map(str, numbers)))


def decode_postings(encoded: list[int]) -> dict[int, int]:
    """Doc number -> field mask."""
    result, previous = {}, -1
    for value in encoded:
        previous += value >> MASK_BITS
        result[previous] = value & 0b111
    return result


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, safe to inline in HTML or a script: ``< > &`` and U+2028/9 escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return escape_for_script(text).encode("utf-8")


# Starts after anything but a Latin letter or digit: 链接https://… is an address too (\b saw none between 接 and h).
_URL = re.compile(r"(?i)(?<![a-z0-9_])(?:(https?|ftp)://|www\.)[^\s\u3000-\u303f\uff00-\uffef\"'<>]+")


def defang(text: str, scam_urls: tuple[str, ...] = ()) -> str:
    """Make addresses unclickable everywhere: ``http`` -> ``hxxp``, dots in the host as ``[.]``."""
    for address in sorted(scam_urls, key=len, reverse=True):
        if address:
            text = text.replace(address, defang_address(address))
    return _URL.sub(lambda m: defang_address(m.group()), text)


@dataclass
class QueryResult:
    """What the search page shows: the matching docs in rank order and their count."""

    docs: list[int]  # doc numbers (oldest item is 0), best first
    levels: dict[int, int]  # doc -> rank score (sum over terms of 0 title, 1 summary, 2 body)
    apart: list[str] = field(default_factory=list)  # the terms searched instead of the query's (``words_apart``)
    some: list[str] = field(default_factory=list)  # found nowhere all together: the words of which results have some
    shortened: bool = False  # a long query searched as far as ``MAX_QUERY_SHARDS`` allows (``bounded_terms``)


def field_level(mask: int) -> int:
    """0 for a title match, 1 for summary, 2 for body."""
    return 0 if mask & TITLE else 1 if mask & SUMMARY else 2


def run_query(query: str, load: Callable[[str], Any], section: str = "", fraud_type: str = "") -> QueryResult:
    """The reference search (search.js does the same): candidates from postings, then exact substring checks; a
    query found nowhere, whatever the filters, searched again for its words apart (``words_apart``), and found
    nowhere apart either, for some of them (``some_words``); a long one as far as ``bounded_terms`` reaches.

    ``load(path)`` returns the parsed JSON of an index file such as ``ENTRY``; every doc is verified
    here, while the browser verifies lazily, page by page, and takes a query its first 40 candidates all lack
    (``CHECK_BUDGET``) as found nowhere.
    """
    meta = read_meta(load)
    typed = split_terms(query)
    terms = bounded_terms(typed, meta["shards"])
    if not terms:
        return QueryResult([], {})
    shards: dict[int, dict[str, list[int]]] = {}
    rank = partial(_ranked, load=load, meta=meta, shards=shards)
    found = replace(rank(terms, section=section, fraud_type=fraud_type), shortened=terms != typed)
    if found.docs or (section or fraud_type) and rank(terms).docs:  # found, if only where the filters hide it
        return found
    apart = words_apart(terms, partial(_gram_count, load, meta, shards))
    if apart:
        found = replace(found, docs=[], levels={}, apart=apart)
        found_apart = rank(apart, section=section, fraud_type=fraud_type)
        if found_apart.docs or (section or fraud_type) and rank(apart).docs:
            return replace(found, docs=found_apart.docs, levels=found_apart.levels)
    some = rank(apart or terms, section=section, fraud_type=fraud_type, some=True)
    return replace(found, docs=some.docs, levels=some.levels, some=some.some)


MAX_QUERY_SHARDS = 16  # gram shards a query's keys may lie in (8 KB each): a long paste is searched as far as they go
SOME_WORDS = 6  # words a query found nowhere all together is searched for some of: its rarest (search.js the same)


def bounded_terms(terms: list[str], shard_count: int) -> list[str]:
    """The query's terms as far as their keys lie in at most ``MAX_QUERY_SHARDS`` shards, the term the limit falls
    in cut there: a pasted message of 300 characters asked for 211 files, 1.3 MB at 1,000 items."""
    used: set[int] = set()
    kept: list[str] = []
    for term in terms:
        if len(used | _term_shards(term, shard_count)) > MAX_QUERY_SHARDS:
            fits = [end for end in range(1, len(term))
                    if len(used | _term_shards(term[:end], shard_count)) <= MAX_QUERY_SHARDS]
            return kept + split_terms(term[:fits[-1]])[:1] if fits else kept
        used |= _term_shards(term, shard_count)
        kept.append(term)
    return kept


def _term_shards(term: str, shard_count: int) -> set[int]:
    """The shards of a term's keys, for each of its forms."""
    return {gram_hash(gram) % shard_count for form in needle_forms(term) for gram in term_grams(form)}


def some_words(words: list[str], count: Callable[[str], int]) -> list[str]:
    """Of a query found nowhere all together, the words its results are to have some of: the ``SOME_WORDS``
    rarest (``count``, an estimate from postings) that some item has, of two characters or more (one character
    says little), in the query's order."""
    long = [word for word in words if len("".join(runs(fold(word)))) >= 2 and count(word) > 0]
    rarest = sorted(long, key=lambda word: (count(word), words.index(word)))[:SOME_WORDS]
    return [word for word in words if word in rarest]

def words_apart(terms: list[str], count: Callable[[str], int]) -> list[str] | None:
    """For a query found nowhere as written: its terms of Chinese characters, which may be words a reader ran
    together (兼职刷单, where the text has 兼职 and 刷单 but never side by side: readers of Chinese seldom type
    spaces), cut apart where the two characters side by side are in the fewest items (``count`` of the pair):
    银行卡冻结 is 银行卡 冻结, 兼职刷单 兼职 刷单. None if no term is cut."""
    apart: list[str] = []
    split = False
    for term in terms:
        words = _cut_apart(term, count) if _HAN.fullmatch(term) else [term]
        split = split or len(words) > 1
        for word in words:
            if word not in apart:
                apart.append(word)
    return apart if split else None


def _cut_apart(word: str, count: Callable[[str], int]) -> list[str]:
    """A word of four characters or more cut where both sides keep two (a reader's words are seldom one character
    long), at the rarest pair, the first of equals; one of three only at a pair found nowhere; recursively."""
    if len(word) >= 4:
        cuts = range(2, len(word) - 1)
    elif len(word) == 3:
        cuts = [i for i in (1, 2) if count(fold(word[i - 1: i + 1])) == 0]
    else:
        return [word]
    if not cuts:
        return [word]
    cut = min(cuts, key=lambda i: count(fold(word[i - 1: i + 1])))  # min keeps the first of equals
    return _cut_apart(word[:cut], count) + _cut_apart(word[cut:], count)


def _gram_count(load: Callable[[str], Any], meta: dict, shards: dict[int, dict[str, list[int]]], gram: str) -> int:
    """How many items hold a key of the index."""
    return len(decode_postings(_shard(load, meta, shards, gram).get(gram, [])))


def _shard(load: Callable[[str], Any], meta: dict, shards: dict[int, dict[str, list[int]]], gram: str) -> dict:
    """The shard holding ``gram``, loaded once a query."""
    number = gram_hash(gram) % meta["shards"]
    if number not in shards:
        shards[number] = load(shard_path(meta, number))
    return shards[number]


_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")


def _ranked(terms: list[str], load: Callable[[str], Any], meta: dict, shards: dict[int, dict[str, list[int]]],
            section: str = "", fraud_type: str = "", some: bool = False) -> QueryResult:
    """The items that hold every term, best first; with ``some``, those that hold some of ``some_words`` of the
    terms, most of them first, then the rarer (fewest items altogether)."""
    per_term = _postings_of(terms, load, meta, shards)
    if some:
        counts = {term: len(docs) for term, docs in zip(terms, per_term)}
        chosen = some_words(terms, counts.__getitem__)
        per_term = [docs for term, docs in zip(terms, per_term) if term in chosen]
        terms = chosen
        if not terms:
            return QueryResult([], {})
    candidates = set.union(*(set(t) for t in per_term)) if some else set.intersection(*(set(t) for t in per_term))
    candidates = {d for d in candidates if _facet_ok(meta, d, section, fraud_type)}
    levels: dict[int, int] = {}
    keys: dict[int, tuple[int, ...]] = {}
    for doc_number in candidates:
        masks = [t.get(doc_number, 0) for t in per_term]
        if not all(is_exact(term) for term in terms):
            doc = load(doc_path(meta, doc_number))
            masks = [text_mask(term, *doc[1:4], *doc[9:11]) for term in terms]
        if all(masks) or some and any(masks):
            levels[doc_number] = sum(field_level(m) for m in masks if m)
            # Most words first, then the rarer words (fewer items in all)
            keys[doc_number] = (masks.count(0), sum(counts[t] for t, m in zip(terms, masks) if m)) if some else ()
    expired = set(meta.get("expired", ()))
    # On equal levels a current item before an expired notice, then the newer (higher number) first
    order = sorted(levels, key=lambda d: (*keys[d], levels[d], d in expired, -d))
    return QueryResult(order, levels, some=terms if some else [])


def _postings_of(terms: list[str], load: Callable[[str], Any], meta: dict,
                 shards: dict[int, dict[str, list[int]]]) -> list[dict[int, int]]:
    """For each term, the items whose postings hold all its keys (of one of its forms), with their field masks."""
    per_term: list[dict[int, int]] = []
    for term in terms:
        either: dict[int, int] = {}
        for form in needle_forms(term):  # a pasted http:// link is held as hxxp:// in the index: keys of each form
            found: dict[int, int] | None = None
            for gram in term_grams(form):
                postings = decode_postings(_shard(load, meta, shards, gram).get(gram, []))
                found = postings if found is None else {d: m & postings[d] for d, m in found.items()
                                                        if m & postings.get(d, 0)}
            for doc_number, mask in (found or {}).items():
                either[doc_number] = either.get(doc_number, 0) | mask
        per_term.append(either)
    return per_term


def text_mask(term: str, title: str, summary: str, body: str, details: str = "", type_name: str = "") -> int:
    """The fields that contain ``term`` (one of its ``needle_forms``) as an exact substring of their ``matchable``
    text (``find``); the type name counts as the title, the details as body."""
    forms = needle_forms(term)
    fields = ((TITLE, [title, type_name]), (SUMMARY, [summary]), (BODY, [body, details]))
    return sum(bit for bit, texts in fields
               if any(find(matchable(text), form) >= 0 for text in texts for form in forms))


def _facet_ok(meta: dict, doc_number: int, section: str, fraud_type: str) -> bool:
    facet = facet_of(meta, doc_number)
    if section == "cases" and facet == 0 or section == "notices" and facet != 0:
        return False
    if fraud_type:
        keys = [key for key, _ in meta["types"]]
        return fraud_type in keys and facet == keys.index(fraud_type) + 1
    return True
