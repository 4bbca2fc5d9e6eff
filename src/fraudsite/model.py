"""The content model: one case or notice, parsed, validated and rendered once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

SECTION_NAMES = {"cases": "典型案例", "notices": "通知公告"}  # what readers call each section


@dataclass(frozen=True)
class Attachment:
    """A file listed under a notice, copied beside its page."""

    source: str  # path relative to the site folder
    name: str  # file name shown to readers
    url_path: str  # site-relative output path
    kind: str  # "PDF", "Word", ...
    size: int  # bytes
    # The file's stat signature as checked (``uptodate.stat_signature``): a cached notice is checked again when it
    # changes, a file made unreadable too (chmod changes it). Not a page's input.
    stamp: tuple[int, ...] = field(default=(), metadata={"digest": False})


@dataclass(frozen=True, kw_only=True)
class Item:
    """What cases and notices share."""

    section: str  # "cases" or "notices"
    source: str  # path relative to the site folder, forward slashes
    id: str  # stable identity for feed guids; falls back to the source path
    slug: str  # ASCII-safe last URL segment
    title: str
    date: datetime  # publication time, site time zone
    updated: datetime | None = None
    draft: bool = False
    withdrawn: bool = False  # pulled from every list and channel; page says 已撤下
    aliases: tuple[str, ...] = ()  # old site-relative paths that redirect here
    audience: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""  # plain text, never HTML
    cover: str = ""  # site-relative output path of the cover image
    cover_size: int = 0  # its bytes, as read when the item was checked (a feed's enclosure gives them)
    # and its stat signature then: a cached item is made again for a cover changed since (``content._files_hold``)
    cover_stamp: tuple[int, ...] = field(default=(), metadata={"digest": False})
    cover_alt: str = ""  # what the cover shows, for readers who cannot see it
    cover_width: int = 0  # its pixels as shown (``pictures.picture_size``), 0 if not read: the page keeps its room
    cover_height: int = 0
    issuer: str = ""
    # The body as sanitised HTML (site-relative URLs as root paths; every channel's source) and, only with
    # trusted_html: true, as unsanitised HTML for the website pages; compressed (``pack``), see ``body_html``.
    body_packed: bytes = b""
    web_packed: bytes = b""
    screen_title: str = ""
    scam_urls: tuple[str, ...] = ()
    wechat: tuple[tuple[str, str], ...] = ()  # per-item WeChat overrides (title, digest, author)
    privacy_allow: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (source, output) of every image and attachment used
    links: tuple[str, ...] = ()  # the content files its body links to (``content/cases/x.md``), each once
    # Front-matter key -> line, for later checks. No output shows it, so page and derived-value keys leave it
    # out (``pagememo.Digester``): a line added above a key re-renders nothing.
    line_of: tuple[tuple[str, int], ...] = field(default=(), metadata={"digest": False})

    @property
    def body_html(self) -> str:
        """The sanitised body HTML. Kept compressed: ten thousand bodies as text take 200 MB in the build
        process and in every worker it forks; a page unpacks its own in microseconds."""
        return unpack(self.body_packed)

    @property
    def web_html(self) -> str:
        """The unsanitised body HTML for the website, or "" (the site did not opt in)."""
        return unpack(self.web_packed)

    @property
    def path(self) -> str:
        """Site-relative URL path of the item's page, such as ``cases/my-slug/``."""
        return f"{self.section}/{self.slug}/"

    def line(self, key: str) -> int:
        """The front-matter line of ``key``, or 1."""
        return dict(self.line_of).get(key, 1)


@dataclass(frozen=True, kw_only=True)
class Case(Item):
    """A real fraud incident (典型案例), used as a warning."""

    type: str  # a fraud type key
    amount: int | None = None  # loss in yuan
    signs: tuple[str, ...] = ()  # 识别要点
    advice: tuple[str, ...] = ()  # 防范提示


@dataclass(frozen=True, kw_only=True)
class Notice(Item):
    """An announcement (通知/公告) of the campaign."""

    expires: datetime | None = None  # end of validity; a bare date ends at 24:00
    priority: str = "normal"  # "normal" or "urgent"
    pinned: bool = False
    attachments: tuple[Attachment, ...] = ()

    @property
    def urgent(self) -> bool:
        """An urgent notice (a live scam wave) is shown first everywhere."""
        return self.priority == "urgent"


def pack(text: str) -> bytes:
    """Text as compressed UTF-8 (``pack_bytes``); b"" for ""."""
    return pack_bytes(text.encode("utf-8"))


def unpack(packed: bytes) -> str:
    """The inverse of ``pack``."""
    return unpack_bytes(packed).decode("utf-8")


def pack_bytes(data: bytes) -> bytes:
    """Bytes held until written, or kept in the caches, compressed (``pack`` for text).

    Zstandard at level 1: on the bench corpus's WeChat articles and bodies, three times zlib's speed at level 1
    both ways, for the same size. A cold build at 1,000 items spent 0.86 s of CPU compressing with zlib, in
    about 30,000 calls; most of them small, where zlib's per-call set-up weighed most.
    """
    return _codec()[0](data) if data else b""


def unpack_bytes(packed: bytes | memoryview) -> bytes:
    """The inverse of ``pack_bytes``; ``UnpackError`` for bytes it did not make."""
    return _codec()[1](packed) if packed else b""


class UnpackError(ValueError):
    """Bytes ``unpack_bytes`` cannot read: an entry of another format."""


_CODECS = threading.local()  # a compression context is used by one thread at a time: the preview's have their own


def _codec() -> tuple[Callable[[bytes], bytes], Callable[[bytes | memoryview], bytes]]:
    try:
        return _CODECS.pair
    except AttributeError:
        import zstandard  # only where something is packed: a build with nothing to do never loads it

        decompress = zstandard.ZstdDecompressor().decompress

        def unpacked(packed: bytes | memoryview) -> bytes:
            try:
                return decompress(packed)
            except zstandard.ZstdError as error:
                raise UnpackError(str(error)) from None

        _CODECS.pair = zstandard.ZstdCompressor(level=1).compress, unpacked
        return _CODECS.pair


def is_published(item: Item, now: datetime, drafts: bool = False, future: bool = False) -> bool:
    """Published means: not a draft, not withdrawn, and its date has come (unless asked otherwise)."""
    if item.withdrawn:
        return False
    if item.draft and not drafts:
        return False
    return future or item.date <= now


def notice_end(notice: Notice, lifetime_days: int) -> datetime:
    """When a notice stops being current: its expiry, or its date plus the default lifetime."""
    return notice.expires or notice.date + timedelta(days=lifetime_days)


def is_current(notice: Notice, now: datetime, lifetime_days: int) -> bool:
    """Current means: started and not yet ended."""
    return notice.date <= now < notice_end(notice, lifetime_days)


def is_expired(notice: Notice, now: datetime) -> bool:
    """Expired means: it had an explicit expiry, and that has passed (the page shows 已过期)."""
    return notice.expires is not None and notice.expires <= now


def last_edited(item: Item, now: datetime) -> datetime:
    """When an item last changed by ``now``: its ``updated`` once that has come (W619 warns of one to come), else
    its date."""
    return max(item.date, item.updated) if item.updated is not None and item.updated <= now else item.date


def expiry(item: Item) -> datetime | None:
    """When an item expires: a notice's ``expires``; None for a case or a notice without."""
    return item.expires if isinstance(item, Notice) else None


def is_expired_notice(item: Item, now: datetime) -> bool:
    """Whether an item is a notice past its expiry: one the feeds leave out."""
    return isinstance(item, Notice) and is_expired(item, now)
