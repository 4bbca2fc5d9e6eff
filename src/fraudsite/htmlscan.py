"""Read HTML into an ``html.parser.HTMLParser``'s handlers, quickly when it is HTML this program wrote.

Every body is read again after rendering: for its summary, its search text and its WeChat article.
html.parser does that in Python a few characters at a time, a third of a cold build's CPU beside
Markdown. Sanitised HTML (nh3's serialiser) has one regular shape: tags of letters and digits,
attribute values in double quotes, "<" in text escaped, no comments. One regular expression reads that
shape in C; the handlers get the very calls html.parser would make. Anything else (a comment, a script,
a stray "<") is handed to html.parser itself, so the result never depends on which reader ran.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Only ASCII whitespace separates the parts of a tag: html.parser reads "<p\u3000class=...>" as one odd name.
_TOKEN = re.compile(
    r"([^<]+)"  # text
    r"|<([a-zA-Z][a-zA-Z0-9]*)((?:[ \t\n\r\f]+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:=\"[^\"]*\")?)*)[ \t\n\r\f]*(/?)>"  # start
    r"|</([a-zA-Z][a-zA-Z0-9]*)[ \t\n\r\f]*>"  # end tag
    r"|<"  # anything else: not this shape
)
_ATTRIBUTE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:=\"([^\"]*)\")?")
# Elements whose content is not read as HTML (script, style; title and textarea where html.parser knows them):
# html.parser's own handling.
_RAW_TEXT = {*HTMLParser.CDATA_CONTENT_ELEMENTS, *getattr(HTMLParser, "RCDATA_CONTENT_ELEMENTS", ())}


def read_html(parser: HTMLParser, html: str) -> None:
    """Feed ``html`` to ``parser`` and close it, as ``parser.feed(html); parser.close()`` would."""
    events = _events(html)
    if events is None:
        parser.feed(html)
        parser.close()
        return
    for kind, tag, value in events:
        if kind == 0:
            parser.handle_data(tag)
        elif kind == 1:
            parser.handle_starttag(tag, value)
        elif kind == 2:
            parser.handle_startendtag(tag, value)
        else:
            parser.handle_endtag(tag)


def _events(html: str) -> list[tuple[int, str, list]] | None:
    """(0, text, []), (1, tag, attributes) for a start tag, (2, ...) for ``<tag/>``, (3, tag, []) for an end tag;
    None if ``html`` is not wholly of the regular shape."""
    events: list[tuple[int, str, list]] = []
    for match in _TOKEN.finditer(html):
        text, start, attributes, closed, end = match.groups()
        if text is not None:
            events.append((0, unescape(text) if "&" in text else text, []))
        elif start is not None:
            tag = start.lower()
            if tag in _RAW_TEXT:
                return None
            pairs = [(found[1].lower(), None if found[2] is None else unescape(found[2]))
                     for found in _ATTRIBUTE.finditer(attributes)] if attributes else []
            events.append((2 if closed else 1, tag, pairs))
        elif end is not None:
            events.append((3, end.lower(), []))
        else:
            return None
    return events

