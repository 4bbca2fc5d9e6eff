"""Feeds are data (which items, which text) rendered by one template per format."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from urllib.parse import urlsplit

from fraudsite.model import Item, unpack
from fraudsite.render import Page
from fraudsite.urls import ascii_url, site_url


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed: plain-text description, optional full HTML with absolute URLs."""

    title: str
    path: str  # site-relative page path
    guid: str
    published: datetime
    description: str
    # The full HTML, compressed (``model.pack``): read only when the feed is rendered, which an edit build
    # seldom does, though it plans every feed's entries.
    packed_html: bytes = b""
    categories: tuple[str, ...] = ()
    enclosure: tuple[str, str, int] | None = None  # (site-relative path, MIME type, bytes)
    updated: datetime | None = None  # the item's ``updated``: its text changed then, which the feed's date counts

    @property
    def content_html(self) -> str:
        """The full HTML; "" for none."""
        return unpack(self.packed_html)


def entry_blob(entry: FeedEntry) -> bytes:
    """An entry as the derived store keeps it (the website's, made from an item's whole body): the length of
    its other fields, those as JSON, then its HTML as packed."""
    head = json.dumps([entry.title, entry.path, entry.guid, entry.published.isoformat(), entry.description,
                       entry.categories, entry.enclosure], ensure_ascii=False).encode("utf-8")
    return len(head).to_bytes(4, "big") + head + entry.packed_html


def entry_from_blob(blob: bytes, item: Item) -> FeedEntry:
    """The inverse of ``entry_blob``, for ``item``'s entry: its time in the item's own zone (not a bare offset,
    which a template formatting ``%Z`` would show)."""
    size = int.from_bytes(blob[:4], "big")
    title, path, guid, published, description, categories, enclosure = json.loads(blob[4 : 4 + size])
    return FeedEntry(title, path, guid, datetime.fromisoformat(published).astimezone(item.date.tzinfo), description,
                     blob[4 + size :], tuple(categories), (enclosure[0], enclosure[1], enclosure[2]) if enclosure else None,
                     item.updated)


@dataclass(frozen=True)
class FeedLink:
    """A feed as the pages that link it show it: its address and title. Pages hold this, not the feed, so a
    change to its entries (an edit of one of the newest items) does not render every page that links it again."""

    path: str  # site-relative, such as cases/feed.xml
    title: str

    @property
    def anchor(self) -> str:
        """Its entry's id on the 订阅更新 page, which pages link to: ``cases-feed``."""
        return self.path.removesuffix(".xml").replace("/", "-")


@dataclass(frozen=True)
class Feed:
    """An RSS feed: where it lives, what it says about itself, and its entries."""

    path: str  # site-relative, such as cases/feed.xml
    title: str
    description: str
    link: str  # site-relative page the feed belongs to
    entries: tuple[FeedEntry, ...]
    last_build: datetime | None  # when its content last changed (``last_change``): RSS <lastBuildDate>
    ttl: int | None = None  # minutes a reader may keep it before asking again (RSS <ttl>)


def last_change(entries: Sequence[FeedEntry], now: datetime, left: datetime | None = None) -> datetime | None:
    """When a feed's content last changed by ``now``: an entry published or updated (an ``updated`` still to come
    once it has), or an item leaving it (``left``). No build time stamps, so output stays deterministic; a reader
    that goes by it fetches an edited item's new text too, and a feed an item left is newer than its entries."""
    moments = [e.published for e in entries] + [e.updated for e in entries if e.updated and e.updated <= now]
    return max(moments + ([left] if left else []), default=None)


def ended_by(items: Iterable[Item], now: datetime, end: Callable[[Item], datetime | None]) -> list[Item]:
    """The items whose ``end`` came by ``now``, the latest end first: what ``last_left`` looks through."""
    return sorted((item for item in items if (moment := end(item)) and moment <= now), key=end, reverse=True)


def last_left(items: Sequence[Item], size: int, ended: Sequence[Item], end: Callable[[Item], datetime | None],
              since: datetime | None) -> datetime | None:
    """The last moment after ``since`` that an item of ``ended`` (``ended_by``) left the newest ``size`` of
    ``items`` (newest first) as its ``end`` came; None if none did then. Only ends later than ``since`` (the newest
    entry) can say more than the entries do: usually none or one, so the feed before each is worked out again."""
    tried: set[datetime] = set()
    for item in ended:
        moment = end(item)
        if moment is None or (since is not None and moment <= since):
            break
        if moment in tried:
            continue
        tried.add(moment)
        # The feed just before: ``ended`` holds other lists' items too, which this finds in none of its own.
        before = islice((each for each in items
                         if each.date < moment and not ((until := end(each)) and until < moment)), size)
        if any(end(each) == moment for each in before):
            return moment
    return None


# An enclosure's type from this table, not the ``mimetypes`` of the machine that builds: it reads the system's own
# list (/etc/mime.types, the Windows registry), so two machines, or a minimal container, wrote different feeds.
_MEDIA_TYPES = {
    ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",  # WPS's own .wps, .et, .dps have no registered type
    ".zip": "application/zip", ".rar": "application/vnd.rar", ".7z": "application/x-7z-compressed",
    ".txt": "text/plain", ".csv": "text/csv", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml", ".bmp": "image/bmp",
    ".mp3": "audio/mpeg", ".mp4": "video/mp4",
}


def media_type(path: str) -> str:
    """The media type an enclosure of this file is said to be; application/octet-stream for a kind not listed."""
    suffix = path[path.rfind("."):].lower() if "." in path.rpartition("/")[2] else ""
    return _MEDIA_TYPES.get(suffix, "application/octet-stream")


def feed_page(feed: Feed, template: str = "feeds/rss.xml") -> Page:
    """The page that renders a feed."""
    return Page(feed.path, template, {"feed": feed})


_TAG = re.compile(r"<[^>]+>")  # sanitised HTML: text holds no "<", so code shown as text is left as it is
_ROOT_URL = re.compile(r'(\s(?:href|src)=")(/[^/"][^"]*|/)"')
_FRAGMENT = re.compile(r'(\shref=")(#[^"]*)"')


def absolute_urls(html: str, base_url: str, page: str = "") -> str:
    """Make every root-relative ``href``/``src`` absolute, as feed readers need; with ``page`` (site-relative),
    links within it too (footnotes): a reader takes ``#fn:1`` as a place in the feed, or nowhere."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    # RFC 3986, as every other absolute URL of the feeds (``ascii_url``): a page's address holds Chinese, a
    # picture's name a space; escapes and the attribute's own "&amp;" are kept.
    here = site_url(base_url, page)

    def absolute(tag: re.Match) -> str:
        text = _ROOT_URL.sub(lambda m: f'{m.group(1)}{ascii_url(origin + m.group(2))}"', tag.group())
        return _FRAGMENT.sub(lambda m: f'{m.group(1)}{here}{ascii_url(m.group(2))}"', text) if page else text

    return _TAG.sub(absolute, html)


