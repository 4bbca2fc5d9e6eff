"""Feeds are data (which items, which text) rendered by one template per format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from fraudsite.markup import strip_control
from fraudsite.model import Item
from fraudsite.render import Page


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed: plain-text description, optional full HTML with absolute URLs."""

    title: str
    path: str  # site-relative page path
    guid: str
    published: datetime
    description: str
    content_html: str = ""
    categories: tuple[str, ...] = ()
    enclosure: tuple[str, str, int] | None = None  # (site-relative path, MIME type, bytes)


def entry_data(entry: FeedEntry) -> dict:
    """An entry as JSON data (the derived store keeps the website's, made from an item's whole body)."""
    return {"title": entry.title, "path": entry.path, "guid": entry.guid, "published": entry.published.isoformat(),
            "description": entry.description, "content_html": entry.content_html, "categories": list(entry.categories),
            "enclosure": list(entry.enclosure) if entry.enclosure else None}


def entry_from_data(data: dict, item: Item) -> FeedEntry:
    """The inverse of ``entry_data``, for ``item``'s entry: its time in the item's own zone (not a bare offset,
    which a template formatting ``%Z`` would show)."""
    enclosure = data["enclosure"]
    published = datetime.fromisoformat(data["published"]).astimezone(item.date.tzinfo)
    return FeedEntry(data["title"], data["path"], data["guid"], published,
                     data["description"], data["content_html"], tuple(data["categories"]),
                     (enclosure[0], enclosure[1], enclosure[2]) if enclosure else None)


@dataclass(frozen=True)
class Feed:
    """An RSS feed: where it lives, what it says about itself, and its entries."""

    path: str  # site-relative, such as cases/feed.xml
    title: str
    description: str
    link: str  # site-relative page the feed belongs to
    entries: tuple[FeedEntry, ...]

    @property
    def last_build(self) -> datetime | None:
        """The newest entry's date: no build time stamps, so output stays deterministic."""
        return max((e.published for e in self.entries), default=None)


def feed_page(feed: Feed, template: str = "feeds/rss.xml") -> Page:
    """The page that renders a feed."""
    return Page(feed.path, template, {"feed": feed})


_ROOT_URL = re.compile(r'(\s(?:href|src)=")(/[^/"][^"]*|/)"')


def absolute_urls(html: str, base_url: str) -> str:
    """Make every root-relative ``href``/``src`` absolute, as feed readers need."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return _ROOT_URL.sub(lambda m: f'{m.group(1)}{origin}{m.group(2)}"', html)


def clean_text(text: str) -> str:
    """Text safe for XML: control characters removed."""
    return strip_control(text)
