"""Site search: the /search/ page and its static index (see searchindex.py for how matching works)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import partial

from fraudsite.channels.web import base_context
from fraudsite.derived import DerivedStore, active_store, remember_each, stored_keys
from fraudsite.markup import plain_text
from fraudsite.model import SECTION_NAMES, Case, Item, is_published, pack_bytes, unpack_bytes
from fraudsite.parallel import ordered_map
from fraudsite.render import Data, Output, Page
from fraudsite.searchindex import (
    DocGrams,
    Earlier,
    SearchDoc,
    SearchIndex,
    build_index,
    defang,
    doc_file,
    doc_grams,
    update_index,
)
from fraudsite.site import Site

INDEX_DIR = "search/data/"
SHARD = "search-shard"  # derived-store kind of a shard file's bytes, keyed by their SHA-256
STATE = ("search-index", "state")  # what the last index was made of: doc keys, total, shard keys
PATCH_LIMIT = 50  # changed items beyond which a fresh index costs less than patching


def plan(site: Site) -> list[Output]:
    """The results page plus every index file."""
    items = searchable(site)
    indexed = remember_each("search", items, site.config.types,
                            lambda missing: list(ordered_map(partial(indexed_doc, site=site), missing, minimum=200)),
                            indexed_entry, indexed_from_entry)
    store = active_store()
    keys = stored_keys(store, "search", items, site.config.types) if store else [None] * len(items)
    context = base_context(site, "搜索", "search/", [], noindex=True, index_url=INDEX_DIR,
                           sections=list(SECTION_NAMES.items()), types=site.config.types)
    return [Page("search/index.html", "search/search.html", context),
            *index_outputs(store, indexed, keys, [(t.key, t.name) for t in site.config.types])]


def index_outputs(store: DerivedStore | None, indexed: list[tuple[SearchDoc, DocGrams]], keys: list[str | None],
                  types: list[tuple[str, str]]) -> list[Output]:
    """The index files: the last index patched where only a few items changed, else made afresh.

    Shards and item files are keyed (a shard by its bytes, an item file by its document), so a build
    keeps OUT's files without making them; the patch itself is tested byte-identical to a fresh index.
    """
    docs, grams, oldest_keys = [doc for doc, _ in indexed], [g for _, g in indexed], keys[::-1]
    sections = list(SECTION_NAMES.items())
    patched = patch_stored(store, docs, grams, oldest_keys, sections, types) if store and None not in keys else None
    if patched is not None:
        index, shard_keys = patched
    else:
        index = build_index(docs, sections, types, grams, doc_files=False)
        shard_keys = [hashlib.sha256(index.files[f"grams/{n}.json"]).hexdigest() for n in range(index.meta["shards"])]
        if store is not None:
            for number, key in enumerate(shard_keys):
                store.put_bytes(SHARD, key, index.files[f"grams/{number}.json"])
    if store is not None and None not in keys:
        store.put(*STATE, {"docs": oldest_keys, "total": index.total, "shards": shard_keys})
    outputs: list[Output] = [Data(INDEX_DIR + "meta.json", index.files["meta.json"])]
    for number, key in enumerate(shard_keys):
        path = f"grams/{number}.json"
        outputs.append(Data(INDEX_DIR + path, index.files.get(path) or partial(stored_shard, store, key), (SHARD, key)))
    for number, (doc, key) in enumerate(zip(index.docs, oldest_keys)):
        # Patched, few files are made: each from its document when asked. Made afresh, every file is written:
        # packed now, so the documents' text (70 MB at 10,000 items) is not held until then, nor forked.
        content = partial(doc_file, doc) if patched else partial(unpack_bytes, pack_bytes(doc_file(doc)))
        outputs.append(Data(INDEX_DIR + f"docs/{number}.json", content, ("search-doc", key) if key else None))
    return outputs


def patch_stored(store: DerivedStore, docs: list[SearchDoc], grams: list[DocGrams], keys: list[str],
                 sections: list[tuple[str, str]], types: list[tuple[str, str]]) -> tuple[SearchIndex, list[str]] | None:
    """The last build's index patched for the items whose keys changed, and its shard keys; None: build afresh."""
    state = store.get(*STATE)
    try:
        earlier_keys, total, shard_keys = list(state["docs"]), int(state["total"]), list(state["shards"])
    except (TypeError, KeyError, ValueError):
        return None
    changed = [number for number, (old, new) in enumerate(zip(earlier_keys, keys)) if old != new]
    if len(earlier_keys) != len(keys) or len(changed) > PATCH_LIMIT:
        return None
    if not all(store.keep(SHARD, key) for key in shard_keys):
        return None
    before = {}
    for number in changed:
        entry = store.get("search", earlier_keys[number])  # the earlier version's keys: the last build stored them
        if entry is None:
            return None
        before[number] = indexed_from_entry(entry, None)[1]
    try:
        index = update_index(docs, sections, types, grams,
                             Earlier(len(shard_keys), total, before, lambda n: json.loads(stored_shard(store, shard_keys[n]))))
    except (TypeError, ValueError, AttributeError):  # a stored shard of another shape
        return None
    if index is None:
        return None
    for path, data in index.files.items():
        if path.startswith("grams/"):
            number = int(path.removeprefix("grams/").removesuffix(".json"))
            shard_keys[number] = hashlib.sha256(data).hexdigest()
            store.put_bytes(SHARD, shard_keys[number], data)
    return index, shard_keys


def stored_shard(store: DerivedStore | None, key: str) -> bytes:
    """A shard file's bytes from the derived store (only called for a file OUT does not have)."""
    data = store.get_bytes(SHARD, key) if store is not None else None
    if data is None:
        raise ValueError(f"search shard {key} is not in the store")
    return data


def searchable(site: Site) -> list[Item]:
    """Published items only, newest first; drafts and future items stay out even in a preview build."""
    return [item for item in site.published if is_published(item, site.now)]


def indexed_doc(item: Item, site: Site) -> tuple[SearchDoc, DocGrams]:
    """An item's search document with its index keys."""
    doc = search_doc(item, site)
    return doc, doc_grams(doc)


def indexed_entry(indexed: tuple[SearchDoc, DocGrams]) -> dict:
    """A document and its keys as JSON data for the derived store."""
    doc, grams = indexed
    return {"doc": asdict(doc), "grams": list(grams)}


def indexed_from_entry(entry: dict, _item: Item) -> tuple[SearchDoc, DocGrams]:
    """The inverse of ``indexed_entry``."""
    title, summary, body = entry["grams"]
    return SearchDoc(**entry["doc"]), (title, summary, body)


def search_doc(item: Item, site: Site) -> SearchDoc:
    """An item's searchable plain text; signs, advice, tags and the type name count as body."""
    extra: list[str] = []
    fraud_type = ""
    if isinstance(item, Case):
        fraud_type = item.type
        extra += ["识别要点：" + "；".join(item.signs)] if item.signs else []
        extra += ["防范提示：" + "；".join(item.advice)] if item.advice else []
        extra.append("诈骗类型：" + site.config.type_by_key(item.type).name)
    if item.tags:
        extra.append("标签：" + "、".join(item.tags))
    body = " ".join([plain_text(item.body_html), *extra]).strip()

    def clean(text: str) -> str:
        return defang(text, item.scam_urls)

    return SearchDoc(path=item.path, title=clean(item.title), summary=clean(item.summary), body=clean(body),
                     date=item.date.strftime("%Y-%m-%d"), section=item.section, type=fraud_type)
