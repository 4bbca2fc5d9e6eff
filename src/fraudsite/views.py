"""What templates see of an item: its fields plus names, URLs and states worked out once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from fraudsite.config import Audience, FraudType
from fraudsite.derived import active_store
from fraudsite.markup import ends_signed
from fraudsite.model import Case, Item, Notice, is_expired, last_edited
from fraudsite.pagememo import Unkeyable
from fraudsite.site import Site
from fraudsite.urls import tag_slug


@dataclass(frozen=True)
class TagLink:
    """A tag with the path of its page."""

    name: str
    path: str


@dataclass(frozen=True)
class ItemView:
    """An item as templates need it; no template reaches into the model or the clock."""

    item: Item
    path: str  # site-relative, such as cases/x/
    kind: str  # 案例 or 通知
    type: FraudType | None
    audiences: tuple[Audience, ...]
    tags: tuple[TagLink, ...]
    current: bool
    expired: bool
    modified: datetime  # updated if given and come, else date: the sitemap's lastmod

    def __getattr__(self, name: str):
        return getattr(self.item, name)

    @property
    def is_case(self) -> bool:
        """Cases and notices share templates in lists."""
        return isinstance(self.item, Case)

    @property
    def signed(self) -> bool:
        """A notice whose body ends with its own signature (issuer and date): the printed page adds none."""
        return not self.is_case and ends_signed(self.item.body_html, self.item.issuer)


def view_item(item: Item, site: Site) -> ItemView:
    """Work out everything a template shows about one item."""
    config = site.config
    notice = isinstance(item, Notice)
    view = ItemView(
        item=item,
        path=item.path,
        kind="通知" if notice else "案例",
        type=None if notice else config.type_by_key(item.type),  # type: ignore[attr-defined]
        audiences=tuple(config.audience_by_key(key) for key in item.audience),
        tags=tuple(TagLink(tag, f"tags/{tag_slug(tag)}/") for tag in item.tags),
        current=notice and site.is_current(item),  # type: ignore[arg-type]
        expired=notice and is_expired(item, site.now),  # type: ignore[arg-type]
        modified=last_edited(item, site.now),
    )
    store = active_store()
    if store is not None:  # page keys: a view is made from these alone, so they name it (no JSON of its fields)
        digest = store.digester.digest
        try:
            store.digester.assign(view, hashlib.sha256(b"view\0" + digest(item) + digest(config)
                                                       + bytes([view.current, view.expired, view.modified != item.date])).hexdigest())
        except Unkeyable:  # its pages are simply rendered
            pass
    return view
