"""The URL contract: where each kind of page lives, relative to the site root."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import TypeVar
from urllib.parse import quote, urlsplit

T = TypeVar("T")

# What a URL path holds as it is besides ASCII letters and digits: RFC 3986's ``pchar`` and "/".
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
# The ASCII a path cannot hold as it is (all but letters, digits and ``_PATH_SAFE``); written out, since a class
# negating them over all of Unicode took 5 ms to compile in every run of the program.
_NOT_IN_PATH = re.compile(r'[\x00-\x20\x7f"#%<>?\[\\\]^`{|}]')


def url_path(path: str) -> str:
    """A site path as a page's ``href`` or ``src``: ASCII a URL cannot hold (space, %, #, ?, quotes) percent-encoded,
    Chinese kept, which browsers show as it is and encode on the wire (README, "Tag slugs")."""
    return _NOT_IN_PATH.sub(lambda found: quote(found.group()), path)


def host_key(netloc: str) -> str:
    """A URL's host (and port) as two addresses of one site compare: lower case, a Chinese name in its ASCII form
    (反诈.学校.cn as xn--…, as ``base_url`` is written), without a user's name."""
    host = netloc.rpartition("@")[2].lower()
    try:
        return host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:  # not a host name a browser would take
        return host


def base_href(base_path: str) -> str:
    """base_url's path as a page's ``href`` begins: as ``url_path``, but a "%" is kept, which is an escape
    there (an address copied from the browser's address bar, ``/%E5%8F%8D%E8%AF%88/``), not a file name's; one
    that begins no escape (a folder named 50%) is escaped itself."""
    base_path = _LONE_PERCENT.sub("%25", base_path)
    return _NOT_IN_PATH.sub(lambda found: found.group() if found.group() == "%" else quote(found.group()), base_path)


_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def uri_path(path: str) -> str:
    """A site path as RFC 3986 wants it, for XML (feeds, sitemap) and for machines (crawlers, WeChat, QR codes):
    all but ASCII letters, digits and ``_PATH_SAFE`` percent-encoded as UTF-8."""
    return quote(path, safe=_PATH_SAFE)


def site_url(base_url: str, path: str) -> str:
    """The absolute, RFC 3986 URL of a site path (of a base URL with Chinese in it too)."""
    return ascii_url(base_url) + uri_path(path)


def on_hosts(url: str, hosts: set[str]) -> bool:
    """Whether a URL's host is one of ``hosts`` or a subdomain of one (not merely a name ending in the same letters)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")  # pay.evil.example. is the same host
    return any(host == h or host.endswith("." + h) for h in hosts)


def ascii_url(url: str) -> str:
    """A URL made RFC 3986: what it may not hold as it is (Chinese, a space) percent-encoded, escapes kept."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


# Runs of percent-escapes, and what comes before a URL's path: its host is never decoded (punycode stays).
_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_SHOWN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~")


def readable_url(url: str) -> str:
    """A URL as a browser's address bar shows it, for readers: escapes of UTF-8 text decoded (``?wd=反诈``).
    Kept escaped, since decoded they would change the address or not be seen: a delimiter inside a part
    (``%2F``, ``%26``), ``%25``, ``.``, spaces and control or format characters, and bytes that are not UTF-8."""
    url = ascii_url(url)  # a raw space shown as %20, as its escape is
    host = _AUTHORITY.match(url)
    cut = host.end() if host else 0
    return url[:cut] + _ESCAPES.sub(_readable_escapes, url[cut:])


def _readable_escapes(found: re.Match) -> str:
    # surrogateescape: a byte that is not UTF-8 comes back as a lone surrogate, written as its escape again.
    text = bytes.fromhex(found.group().replace("%", "")).decode("utf-8", "surrogateescape")
    # Escaped by hand: quote() leaves ".", "-", "_" and "~" bare, and a bare %2E%2E is a "..", another page.
    return "".join(character if _shown(character) else
                   "".join(f"%{byte:02X}" for byte in character.encode("utf-8", "surrogateescape"))
                   for character in text)


def _shown(character: str) -> bool:
    return character in _SHOWN_ASCII or (character > "\x7f" and unicodedata.category(character)[0] not in "CZ")


def same_page_key(url: str) -> str:
    """What two addresses of one page have in common: ``电信诈骗`` and its escapes, a capital host, no path."""
    parts = urlsplit(readable_url(url))
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower(),
                          path=parts.path or ("/" if parts.netloc else "")).geturl()


@lru_cache(maxsize=4096)  # a site has few tags, each on many items
def tag_slug(tag: str) -> str:
    """A tag's URL segment: NFKC-normalised, lower case, spaces as hyphens, Chinese kept as is.

    ``校园贷`` -> ``校园贷`` (the browser shows it, the server sees UTF-8 percent-encoded),
    ``Apple ID`` -> ``apple-id``. Punctuation that means something in a URL is dropped.
    """
    text = unicodedata.normalize("NFKC", tag).lower().strip()
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"[^\w-]", "", text)
    return re.sub(r"-{2,}", "-", text).strip("-_") or "tag"


SLUG_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def slug_character(character: str) -> bool:
    """What a slug may hold: a-z, 0-9, hyphens and Chinese characters (U+4E00 to U+9FFF). Compared, not
    matched: a regular expression's class of 20,000 characters took CPython 2 ms to compile in every build."""
    return character in SLUG_ASCII or "\u4e00" <= character <= "\u9fff"


def is_slug(text: str) -> bool:
    """Whether ``text`` is a usable last URL segment: ``slug_character``s, not starting with a hyphen."""
    return bool(text) and text[0] != "-" and all(map(slug_character, text))


def list_path(section: str, page: int) -> str:
    """``cases/`` for page 1, ``cases/page/2/`` after."""
    return section if page == 1 else f"{section}page/{page}/"


def paged(base: str, items: Sequence[T], size: int) -> Iterator[tuple[str, Sequence[T], dict]]:
    """A list cut into pages of ``size`` at ``list_path``: each page's path, its items and its pager."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]
    for number, chunk in enumerate(chunks, start=1):
        yield list_path(base, number), chunk, {
            "number": number, "count": len(chunks), "total": len(items),
            "previous": list_path(base, number - 1) if number > 1 else None,
            "next": list_path(base, number + 1) if number < len(chunks) else None}


def page_title(title: str, number: int) -> str:
    """A list's title on its page ``number``: ``典型案例（第 2 页）`` after the first."""
    return title if number == 1 else f"{title}（第 {number} 页）"


def index_file(path: str) -> str:
    """The file that serves a directory URL: ``cases/`` -> ``cases/index.html``."""
    if path == "" or path.endswith("/"):
        return path + "index.html"
    return path


def alias_file(alias: str) -> str:
    """The redirect page an old path gets: ``x.html`` as it is, ``cases/old`` and ``cases/old/`` as a folder's."""
    return alias if alias.endswith(".html") else index_file(alias if alias.endswith("/") else alias + "/")
