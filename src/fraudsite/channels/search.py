"""Site search: the /search/ page and its static index (see searchindex.py for how matching works)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from functools import partial

from fraudsite.channels.web import base_context
from fraudsite.derived import DerivedStore, active_store, blob_of, remember_each, stored_keys
from fraudsite.markup import plain_text
from fraudsite.model import Case, Item, Notice, is_expired, is_published, unpack_bytes
from fraudsite.parallel import in_new_process
from fraudsite.render import Data, Deferred, Output, Page, format_yuan
from fraudsite.searchindex import (
    SECTIONS,
    DocGrams,
    Earlier,
    Kind,
    SearchDoc,
    SearchIndex,
    content_name,
    defang,
    doc_file,
    doc_grams,
    doc_path,
    hash_name,
    index_blobs,
    indexed_from_entry,
    meta_files,
    shard_path,
    split_names,
    update_index,
)
from fraudsite.site import Site

INDEX_DIR = "search/data/"
SHARD = "search-shard"  # derived-store kind of a shard file's bytes, keyed by their SHA-256
STATE = ("search-index", "state")  # what the last index was made of: doc keys and names, total, shard keys
PATCH_LIMIT = 50  # changed items beyond which a fresh index costs less than patching


def plan(site: Site) -> list[Output] | Deferred:
    """The results page plus every index file; a fresh index is built in the background (``fresh_index``)."""
    items = searchable(site)
    store = active_store()
    keys = stored_keys(store, "search", doc_sources(site, items), site.config.types) if store else [None] * len(items)
    types = list(site.config.type_names.items())
    context = base_context(site, "搜索", "search/", [], noindex=True, index_url=INDEX_DIR,
                           sections=SECTIONS, types=site.config.types)
    state = stored_state(store) if store and None not in keys else None
    page = Page("search/index.html", "search/search.html", context)
    patched = patched_index(store, state, site, items, keys, types) if state else None
    if patched is not None:
        return [page, *patched]
    fresh = fresh_index(store, state, site, items, keys, types)
    return Deferred(lambda: [page, *fresh.finish()], fresh.cancel)


def stored_state(store: DerivedStore) -> dict | None:
    """What the last index was made of (``STATE``): its items' keys and file names, oldest first, its total and
    shard keys."""
    state = store.get(*STATE)
    try:
        docs, names = [str(k) for k in state["docs"]], [str(n) for n in state["names"]]
        if len(names) != len(docs):
            return None
        return {"docs": docs, "names": names, "total": int(state["total"]), "shards": [str(k) for k in state["shards"]]}
    except (TypeError, KeyError, ValueError):
        return None


def indexed(site: Site, items: list[Item]) -> list[tuple[SearchDoc, DocGrams]]:
    """The items' documents with their keys: from the derived store, the rest made on every core."""
    return remember_each("search", doc_sources(site, items), site.config.types, partial(indexed_doc, site=site),
                         indexed_entry, indexed_from_entry)


def indexed_blobs(site: Site, items: list[Item]) -> list[bytes]:
    """``indexed``, each document and its keys as the store keeps them (``blob_of``): a fifth of their size."""
    return remember_each("search", doc_sources(site, items), site.config.types, partial(indexed_blob, site=site),
                         bytes, lambda blob, _: blob, packed=True)


def indexed_blob(source: tuple[Item, bool], site: Site) -> bytes:
    """An item's ``indexed_doc``, stored as the derived store stores it."""
    return blob_of(indexed_entry(indexed_doc(source, site)))


def fresh_index(store: DerivedStore | None, state: dict | None, site: Site, items: list[Item],
                keys: list[str | None], types: list[tuple[str, str]]) -> Deferred:
    """The index made afresh; its shards and state are kept for the next build to patch.

    Building it is one long serial step (4 s at 10,000 items), so it runs in a new process while the next
    channels plan (``parallel.in_new_process``) on the other cores: on two, in this process. (With workers
    forked beside it, each copying this process's heap as it went, the tree's peak at 10,000 items was 811 MB.)
    """
    oldest_keys = keys[::-1]
    kinds = [item_kind(item, site) for item in reversed(items)]
    # An item in the last index (a new one was published, say) has its file in OUT, and its name in the state:
    # made from the store only if OUT lacks it. Any other is packed now, so the documents' text (70 MB at 10,000
    # items) is not held until it is written, nor inherited by forked workers.
    earlier = dict(zip(state["docs"], state["names"])) if state and store else {}
    oldest_sources = doc_sources(site, items)[::-1]
    arguments = (oldest_keys, kinds, types, earlier)

    def here() -> tuple[SearchIndex, list[bytes | None]]:
        return index_blobs(*arguments, reversed(indexed_blobs(site, items)),
                           remake=lambda number: indexed_doc(oldest_sources[number], site))

    made = in_new_process(index_blobs, arguments, lambda: reversed(indexed_blobs(site, items)), 200, len(items),
                          here, holds_core=True)

    def outputs() -> list[Output]:
        index, packed = made()
        shard_keys = [index.shard_keys[n] for n in range(index.meta["shards"])]
        if store is not None:
            for number, key in enumerate(shard_keys):
                if not store.keep(SHARD, key):
                    store.put_bytes(SHARD, key, index.shards[number])
        item_files = [partial(stored_item_file, store, key) if file is None else partial(unpack_bytes, file)
                      for file, key in zip(packed, oldest_keys)]
        return index_outputs(store, state, index, shard_keys, oldest_keys, item_files)

    return Deferred(outputs, made.cancel)


def patched_index(store: DerivedStore, state: dict, site: Site, items: list[Item], keys: list[str],
                  types: list[tuple[str, str]]) -> list[Output] | None:
    """The last build's index patched for the items whose keys changed; None: make it afresh.

    Only the changed items' documents are read or made: the others' files are kept from OUT by their keys,
    or made from the store if OUT lacks them.
    """
    earlier_keys, total, shard_keys = state["docs"], state["total"], list(state["shards"])
    oldest_keys = keys[::-1]
    changed = [number for number, (old, new) in enumerate(zip(earlier_keys, oldest_keys)) if old != new]
    if len(earlier_keys) != len(keys) or len(changed) > PATCH_LIMIT:
        return None
    unchanged = set(range(len(keys))) - set(changed)
    if not all(store.keep(SHARD, key) for key in shard_keys) or not all(
            store.keep("search", oldest_keys[number]) for number in unchanged):
        return None
    before = {}
    for number in changed:
        entry = store.get("search", earlier_keys[number])  # the earlier version's keys: the last build stored them
        if entry is None:
            return None
        before[number] = indexed_from_entry(entry, None)[1]
    fresh = dict(zip(changed, indexed(site, [items[len(items) - 1 - number] for number in changed])))
    made = {number: doc_file(doc) for number, (doc, _) in fresh.items()}  # their names are in the meta file
    names = [content_name(made[number]) if number in made else name for number, name in enumerate(state["names"])]
    kinds = [item_kind(item, site) for item in items]
    earlier = Earlier([hash_name(key) for key in shard_keys], total, before,
                      lambda n: json.loads(stored_shard(store, shard_keys[n])))
    try:
        index = update_index(kinds, SECTIONS, types, {number: grams for number, (_, grams) in fresh.items()},
                             earlier, names)
    except (TypeError, ValueError, AttributeError):  # a stored shard of another shape
        return None
    if index is None:
        return None
    for number, data in index.shards.items():
        shard_keys[number] = index.shard_keys[number]
        store.put_bytes(SHARD, shard_keys[number], data)
    item_files = [made[number] if number in made else partial(stored_item_file, store, key)
                  for number, key in enumerate(oldest_keys)]
    return index_outputs(store, state, index, shard_keys, oldest_keys, item_files)


def index_outputs(store: DerivedStore | None, state: dict | None, index: SearchIndex, shard_keys: list[str],
                  keys: list[str | None], item_files: list[bytes | Callable[[], bytes]]) -> list[Output]:
    """The index files, keyed: a shard by its bytes, an item file by its document (``keys``, oldest first).

    So a build keeps OUT's files without making them. Also keeps what the next build patches from
    (stored only when it changed: a changed entry makes the store be saved again).
    """
    meta = index.meta
    new_state = {"docs": keys, "names": split_names(meta["doc_names"]), "total": index.total, "shards": shard_keys}
    if store is not None and None not in keys and new_state != state:
        store.put(*STATE, new_state)
    outputs: list[Output] = [Data(INDEX_DIR + path, data) for path, data in meta_files(meta).items()]
    for number, key in enumerate(shard_keys):  # read back from the store when written: not held meanwhile
        content = partial(stored_shard, store, key) if store is not None else index.shards[number]
        outputs.append(Data(INDEX_DIR + shard_path(meta, number), content, (SHARD, key)))
    for number, (content, key) in enumerate(zip(item_files, keys)):
        outputs.append(Data(INDEX_DIR + doc_path(meta, number), content, ("search-doc", key) if key else None))
    return outputs


def stored_shard(store: DerivedStore | None, key: str) -> bytes:
    """A shard file's bytes from the derived store (only called for a file OUT does not have)."""
    data = store.get_bytes(SHARD, key) if store is not None else None
    if data is None:
        raise ValueError(f"search shard {key} is not in the store")
    return data


def stored_item_file(store: DerivedStore, key: str) -> bytes:
    """An item file from its document in the derived store (only called for a file OUT does not have)."""
    entry = store.get("search", key)
    if entry is None:
        raise ValueError(f"search document {key} is not in the store")
    return doc_file(indexed_from_entry(entry, None)[0])


def searchable(site: Site) -> list[Item]:
    """Published items only, newest first; drafts and future items stay out even in a preview build."""
    return [item for item in site.published if is_published(item, site.now)]


def doc_sources(site: Site, items: list[Item]) -> list[tuple[Item, bool]]:
    """What each document is made from, so its derived-store key: the item and whether it has expired.

    The clock enters a document only through that flag, so when a notice expires (a moment the build reports
    as its next change) that notice's document and file are made again, and no other.
    """
    return [(item, has_expired(item, site)) for item in items]


def has_expired(item: Item, site: Site) -> bool:
    """A notice past its expiry by the build's clock (lists and its page show 已过期)."""
    return isinstance(item, Notice) and is_expired(item, site.now)


def indexed_doc(source: tuple[Item, bool], site: Site) -> tuple[SearchDoc, DocGrams]:
    """An item's search document with its index keys (``source`` from ``doc_sources``)."""
    doc = search_doc(source[0], site)
    return doc, doc_grams(doc)


def indexed_entry(indexed: tuple[SearchDoc, DocGrams]) -> dict:
    """A document and its keys as JSON data for the derived store."""
    doc, grams = indexed
    return {"doc": asdict(doc), "grams": list(grams)}


def item_kind(item: Item, site: Site) -> Kind:
    """What the index's meta file holds of an item (``searchindex.Kind``)."""
    return item.section, doc_type(item), has_expired(item, site)


def search_doc(item: Item, site: Site) -> SearchDoc:
    """An item's searchable plain text and badges: the body with the signs and the advice its page lists, the
    values of its details (loss, tags, issuer, audiences), each as the page shows it, without the labels every
    page has (标签, 发布单位: indexed, they found every item), and its type's name (ranked as the title)."""
    body = [plain_text(item.body_html, apart=True)]
    details: list[str] = []
    if isinstance(item, Case):
        body += ["；".join(item.signs), "；".join(item.advice)]
        if item.amount is not None:  # found as the cards show it: 98,000 (its digits joined), 12.5 万元
            shown = format_yuan(item.amount).replace(" ", "")
            details.append(shown + (f" {item.amount:,}元" if "万" in shown else ""))
    details += [*item.tags, item.issuer or ""]
    # Whom it is for (离退休人员), which readers search by
    details += [site.config.audience_by_key(key).name for key in item.audience]

    def clean(parts: list[str]) -> str:  # as the page shows it: the index matches 3,500 as 3500 (``matchable``)
        return defang(" ".join(part for part in parts if part), item.scam_urls)

    expired = has_expired(item, site)  # no longer urgent, as its card says (_card.html)
    return SearchDoc(path=item.path, title=clean([item.title]), summary=clean([item.summary]), body=clean(body),
                     date=item.date.strftime("%Y-%m-%d"), section=item.section, type=doc_type(item),
                     urgent=isinstance(item, Notice) and item.urgent and not expired, expired=expired,
                     details=clean(details), type_name=type_name(item, site))


def type_name(item: Item, site: Site) -> str:
    """A case's fraud type name, "" for a notice."""
    return site.config.type_by_key(item.type).name if isinstance(item, Case) else ""


def doc_type(item: Item) -> str:
    """The fraud type a search document (and the index's numbering) gives an item: a case's, "" for a notice."""
    return item.type if isinstance(item, Case) else ""
