"""Site search: the /search/ page and its static index (see searchindex.py for how matching works)."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial

from fraudsite.channels.web import base_context
from fraudsite.derived import remember_each
from fraudsite.markup import plain_text
from fraudsite.model import SECTION_NAMES, Case, Item, is_published
from fraudsite.parallel import ordered_map
from fraudsite.render import Data, Output, Page
from fraudsite.searchindex import DocGrams, SearchDoc, build_index, defang, doc_grams
from fraudsite.site import Site

INDEX_DIR = "search/data/"


def plan(site: Site) -> list[Output]:
    """The results page plus every index file."""
    indexed = remember_each("search", searchable(site), site.config.types,
                            lambda items: list(ordered_map(partial(indexed_doc, site=site), items, minimum=200)),
                            indexed_entry, indexed_from_entry)
    index = build_index([doc for doc, _ in indexed], list(SECTION_NAMES.items()),
                        [(t.key, t.name) for t in site.config.types], [grams for _, grams in indexed])
    context = base_context(site, "搜索", "search/", [], noindex=True, index_url=INDEX_DIR,
                           sections=list(SECTION_NAMES.items()), types=site.config.types)
    outputs: list[Output] = [Page("search/index.html", "search/search.html", context)]
    outputs += [Data(INDEX_DIR + path, content) for path, content in sorted(index.files.items())]
    return outputs


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
