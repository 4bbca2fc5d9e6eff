"""Fraudsters' addresses quoted in a case are shown defanged and never become links.

An editor lists them in front matter (``scam_urls: [http://evil.example/pay]``). Every
occurrence in the title, summary, lists and body is written as ``hxxp://evil[.]example/pay``,
and any link to one of those hosts loses its link, in every channel and feed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit


def defang(url: str) -> str:
    """``https://evil.example/x`` -> ``hxxps://evil[.]example/x``; a bare host gets its dots bracketed.

    Already bracketed dots stay as they are, so defanging twice changes nothing.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    host = re.sub(r"(?<!\[)\.(?!\])", "[.]", rest[:cut])
    return f"{_defang_scheme(scheme)}{sep}{host}{rest[cut:]}"


def _defang_scheme(scheme: str) -> str:
    """http -> hxxp, https -> hxxps, ftp -> fxp (any case); a scheme written with its "://" too."""
    return re.sub("(?i)^(f)t(p)", r"\1x\2", re.sub("(?i)^(h)tt(ps?)", r"\1xx\2", scheme))


def scam_hosts(urls: tuple[str, ...]) -> set[str]:
    """The host names of listed scam addresses, lower case, without the dot a host may end in."""
    hosts = set()
    for url in urls:
        host = urlsplit(url if "://" in url else "http://" + url).hostname
        if host and host.rstrip("."):
            hosts.add(host.lower().rstrip("."))
    return hosts


def defang_text(text: str, urls: tuple[str, ...]) -> str:
    """Every listed address, and any other of its hosts or their subdomains, in plain text defanged."""
    hosts = scam_hosts(urls)
    if hosts:
        pattern = "|".join(re.escape(h) for h in sorted(hosts, key=len, reverse=True))
        # The host anywhere (another page of it, www. before it), its scheme defanged too: hxxp://www[.]evil[.]
        # example/other. Its edges are Latin ones: Chinese written right before or after it (链接https://…) does
        # not hide it, nor does an escape (an address inside another's query: ?to=https%3A%2F%2Fevil.example).
        text = re.sub(rf"(?i)(?:(?<=%[0-9A-F]{{2}})|(?<![A-Za-z0-9_\[.-]))((?:https?://|ftp://)?)((?:[a-z0-9-]+\.)*(?:{pattern}))(?![A-Za-z0-9_-])",
                      lambda m: _defang_scheme(m.group(1)) + m.group(2).replace(".", "[.]"), text)
    for url in sorted(urls, key=len, reverse=True):  # one whose host could not be read, as it is written
        text = text.replace(url, defang(url))
    return text
