"""Sanitised article HTML -> WeChat editor HTML, by walking a parsed tree (never regex over markup).

The WeChat editor keeps only inline ``style`` attributes (no ``<style>``, ``class``, ``id``, scripts,
event attributes or ``position``), loses ``<div>`` styling on save, drops pure black, keeps two
levels of lists, drops lone spaces in code and refuses links outside mp.weixin.qq.com. So:
every element gets its own inline style, blocks are ``<section>``, deeper lists are lifted into the
second level, code spaces become ``&nbsp;``, and outside links become numbered references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from fraudsite.htmlscan import read_html
from fraudsite.urls import ascii_url, on_hosts, same_page_key

# Typography close to WeChat's own articles; text colours are dark greys, never #000.
TEXT = "#333"
MUTED = "#666"
ACCENT = "#c0392b"  # the column's warning red
LINK = "#576b95"  # WeChat's own link blue
OUTER = (f"font-size:16px;line-height:1.75;color:{TEXT};letter-spacing:0.5px;word-break:break-word;"
         "text-align:left;font-family:-apple-system,BlinkMacSystemFont,'PingFang SC','Microsoft YaHei',sans-serif")
STYLES = {
    "h1": f"margin:1.5em 0 0.75em;font-size:20px;font-weight:bold;line-height:1.4;color:{ACCENT}",
    "h2": f"margin:1.5em 0 0.75em;padding-left:10px;border-left:4px solid {ACCENT};font-size:18px;font-weight:bold;"
          "line-height:1.4",
    "h3": "margin:1.25em 0 0.5em;font-size:17px;font-weight:bold;line-height:1.4",
    "h4": f"margin:1em 0 0.5em;font-size:16px;font-weight:bold;color:{ACCENT}",
    "p": "margin:0 0 1em",
    "strong": f"font-weight:bold;color:{ACCENT}",
    "em": "font-style:italic",
    "del": "text-decoration:line-through",
    "u": "text-decoration:underline",
    "mark": "background-color:#fff3bf;padding:0 2px",
    "small": "font-size:14px",
    "sup": "font-size:12px;line-height:0;vertical-align:super",
    "sub": "font-size:12px;line-height:0;vertical-align:sub",
    "code": f"font-size:14px;padding:2px 4px;border-radius:3px;background-color:#f3f4f6;color:{ACCENT};"
            "font-family:Menlo,Consolas,monospace",
    "codeblock": "display:block;margin:1em 0;padding:12px;overflow-x:auto;background-color:#f6f8fa;border-radius:4px",
    "codelines": "display:block;white-space:nowrap;font-size:13px;line-height:1.6;font-family:Menlo,Consolas,monospace",
    "blockquote": "margin:1em 0;padding:10px 14px;border-left:4px solid #d0d0d0;background-color:#f7f7f7;color:#555",
    "quote-p": "margin:0.25em 0",
    "ul": "margin:0 0 1em;padding-left:1.5em;list-style-type:disc",
    "ul2": "margin:0.25em 0;padding-left:1.5em;list-style-type:circle",
    "ol": "margin:0 0 1em;padding-left:1.5em;list-style-type:decimal",
    "ol2": "margin:0.25em 0;padding-left:1.5em;list-style-type:lower-alpha",
    "li": "margin:0.25em 0",
    "li-section": "margin:0",
    "marker": f"color:{MUTED}",  # a bullet or number written out, below the two list levels the editor keeps
    "img": "display:block;max-width:100%;height:auto;margin:1em auto;border-radius:4px",
    "hr": "margin:1.5em 0;border:0;border-top:1px solid #e5e5e5",
    "table-wrap": "margin:1em 0;overflow-x:auto",
    # Not the article's break-word, with which a squeezed column broke 10:20 into 10:2 / 0 rather than scroll: Chinese
    # still wraps between characters, Latin words and numbers at spaces only (``_is_token``: a short cell not at all).
    "table": "border-collapse:collapse;min-width:100%;font-size:14px;line-height:1.6;word-break:normal",
    "th": "padding:6px 8px;border:1px solid #ddd;background-color:#f5f5f5;font-weight:bold;word-break:keep-all",
    "td": "padding:6px 8px;border:1px solid #ddd",  # Chinese wraps anywhere: keep-all made a 375 px phone scroll sideways
    "caption": f"margin:0 0 0.5em;font-size:14px;color:{MUTED};text-align:center",
    "figure": "margin:1em 0",
    "figcaption": f"margin:0.25em 0 0;font-size:14px;color:{MUTED};text-align:center",
    "dt": "margin:0.5em 0 0;font-weight:bold",
    "dd": "margin:0 0 0.5em;padding-left:1.5em",
    "link": f"color:{LINK}",
    "refnum": f"font-size:12px;line-height:0;vertical-align:super;color:{LINK}",
    "notes": "margin:2em 0 0;padding-top:1em;border-top:1px solid #e5e5e5;font-size:13px;color:#666",  # 注释, 参考链接
    "notes-heading": "margin:0 0 0.5em;font-size:15px;font-weight:bold;color:#555",
    "note": "margin:0 0 0.25em",  # one footnote's paragraph, as a reference's
}
# Highlighted blocks: the fraud type's key warning, a case's signs and its advice.
TONES = {
    "warning": f"margin:1em 0;padding:12px 14px;background-color:#fdecea;border-left:4px solid {ACCENT};border-radius:4px",
    "signs": "margin:1em 0;padding:12px 14px;background-color:#fff7e6;border:1px solid #f3d19e;border-radius:6px",
    "advice": "margin:1em 0;padding:12px 14px;background-color:#edf7ee;border:1px solid #b7dfbe;border-radius:6px",
}
TONE_HEADINGS = {
    "signs": "margin:0 0 0.5em;font-size:17px;font-weight:bold;color:#a0520a",
    "advice": "margin:0 0 0.5em;font-size:17px;font-weight:bold;color:#2e7d32",
}

VOID = {"br", "hr", "img", "wbr"}
_LAYOUT_ONLY = {"ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "dl"}  # text between their children is layout
_BLOCKS = {*_LAYOUT_ONLY, "#root", "section", "div", "blockquote", "figure", "li", "p", "pre", "hr", "h1", "h2",
           "h3", "h4", "h5", "h6", "th", "td", "caption", "figcaption", "dt", "dd"}
_INLINE_RENAMES = {"b": "strong", "i": "em", "s": "del", "ins": "u", "kbd": "code"}
_HEADINGS = {"h1": "h1", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
# Elements that only need a style. Rarer tags (del, u, mark, small, dt, dd) become span or section so the
# look rests on the inline style alone, not on how the editor treats those tags.
_SIMPLE = {"p": "p", "hr": "hr", "strong": "strong", "em": "em", "sup": "sup", "sub": "sub", "del": "span",
           "u": "span", "mark": "span", "small": "span", "dt": "section", "dd": "section"}
TAB = "\xa0" * 4


@dataclass
class Node:
    """One element of the parsed or generated tree; children are Nodes or text."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds a Node tree from sanitised (so well-nested) HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_fragment(html: str) -> Node:
    """Parse an HTML fragment into a Node tree under a ``#root`` node."""
    builder = _TreeBuilder()
    read_html(builder, html)
    return builder.root


def serialise(node: Node | str) -> str:
    """HTML for a node; non-breaking spaces written as ``&nbsp;`` so the editor keeps them."""
    parts: list[str] = []
    _write(node, parts.append, {})
    return "".join(parts)


def _write(node: Node | str, out: Callable[[str], None], quoted: dict[str, str]) -> None:
    """``serialise`` into ``out``: one list for the whole article, not a string joined at every level (a third of
    its time). ``quoted``: attribute values escaped so far, mostly the same few styles."""
    if isinstance(node, str):
        out(escape(node, quote=False).replace("\xa0", "&nbsp;"))
        return
    tag = node.tag
    if tag != "#root":
        out(f"<{tag}")
        for name, value in node.attrs.items():
            if (text := quoted.get(value)) is None:
                text = quoted[value] = escape(value)
            out(f' {name}="{text}"')
        out(">")
        if tag in VOID:
            return
    for child in node.children:
        _write(child, out, quoted)
    if tag != "#root":
        out(f"</{tag}>")


def _has_image(node: Node | str) -> bool:
    """Whether a node holds a picture (a paragraph of one has no text, and is not empty)."""
    return isinstance(node, Node) and (node.tag == "img" or any(map(_has_image, node.children)))


def text_of(node: Node | str) -> str:
    """The text inside a node."""
    if isinstance(node, str):
        return node
    return "".join(text_of(child) for child in node.children)


def styled(tag: str, style: str, children: list[Node | str] | None = None, **attrs: str) -> Node:
    """An element carrying only an inline style (plus the attributes given)."""
    return Node(tag, {**attrs, "style": style}, list(children or []))


def wechat_article_url(url: str) -> str:
    """A link to another WeChat article, the one kind the editor keeps, in its https form; "" for any other link.
    Editors paste http:// and upper-case hosts too, which WeChat serves all the same. An article's address is
    ``/s/…`` or ``/s?__biz=…``; the host's other pages (a profile, ``/cgi-bin/…``) the editor refuses."""
    parts = urlsplit(url)
    if (parts.scheme in ("http", "https") and parts.hostname == "mp.weixin.qq.com"
            and (parts.path == "/s" or parts.path.startswith("/s/"))):
        return urlunsplit(("https", "mp.weixin.qq.com", parts.path, parts.query, parts.fragment))
    return ""


WECHAT_IMAGE_HOST = "qpic.cn"  # where images uploaded to WeChat are served from: the one outside host it keeps


@dataclass
class WechatWriter:
    """Converts fragments of one article; collects outside links and local images across them."""

    base_url: str  # the site's absolute base URL, ending in "/"
    page_url: str  # the item's web page, for resolving relative addresses
    references: list[tuple[str, str]] = field(default_factory=list)  # (url, first link text), each page once
    numbers: dict[str, int] = field(default_factory=dict)  # a reference's number by ``same_page_key``
    images: list[str] = field(default_factory=list)  # site-relative paths of local images, each once
    remote: list[str] = field(default_factory=list)  # images on other hosts, which WeChat drops: each once
    notes: list[Node] = field(default_factory=list)  # the footnotes, 注1 …, for the article's end (``notes_block``)

    def convert(self, html: str) -> list[Node | str]:
        """Sanitised HTML -> WeChat nodes."""
        return self._children(parse_fragment(html), list_depth=0)

    def reference(self, url: str, text: str) -> int:
        """The number of an outside link, giving a new page the next number (one page may be written two ways:
        ``电信诈骗`` and its escapes)."""
        key = same_page_key(url)
        if key not in self.numbers:
            self.references.append((url, text))
            self.numbers[key] = len(self.references)
        return self.numbers[key]

    def absolute(self, address: str) -> str:
        """An absolute URL for an address found in the article."""
        return urljoin(self.page_url, address)

    def local_path(self, url: str) -> str | None:
        """The site-relative path of the file a URL under the base URL serves, or None for another host."""
        return unquote(url[len(self.base_url):]) if url.startswith(self.base_url) else None

    def _children(self, node: Node, list_depth: int) -> list[Node | str]:
        result: list[Node | str] = []
        for index, child in enumerate(node.children):
            if isinstance(child, str):
                result += _text(node, index)
            elif converted := self._element(child, list_depth):
                result += converted
            elif result and isinstance(result[-1], str):  # a footnote's way back, dropped: its &nbsp; before it too
                result[-1] = result[-1].rstrip(" \xa0")
        return result

    def _element(self, node: Node, list_depth: int) -> list[Node | str]:
        tag = _INLINE_RENAMES.get(node.tag, node.tag)

        def inner() -> list[Node | str]:
            return self._children(node, list_depth)

        if tag in _HEADINGS:
            return [styled(_HEADINGS[tag], STYLES[_HEADINGS[tag]], inner())]
        if tag == "blockquote":
            children = inner()
            for child in children:
                if isinstance(child, Node) and child.tag == "p":
                    child.attrs["style"] = STYLES["quote-p"]  # the quote's padding already spaces it
            return [styled("blockquote", STYLES["blockquote"], children)]
        if tag in _SIMPLE:
            return [styled(_SIMPLE[tag], STYLES[tag], inner())]
        if tag == "br":
            return [Node("br")]
        if tag == "code":
            return [styled("code", STYLES["code"], [_keep_spaces(text_of(node))])]
        if tag == "pre":
            return [self._code_block(node)]
        if tag in ("ul", "ol"):
            return [self._list(node, list_depth + 1)]
        if tag == "table":
            return [self._table(node)]
        if tag in ("th", "td"):
            style = STYLES[tag] + (";white-space:nowrap" if _is_token(text_of(node)) else "")
            align = _text_align(node.attrs.get("style", ""))
            if align:
                style += f";text-align:{align}"
            spans = {name: node.attrs[name] for name in ("colspan", "rowspan") if node.attrs.get(name, "").isdigit()}
            return [styled(tag, style, inner(), **spans)]
        if tag == "tr":
            return [Node("tr", {}, inner())]
        if tag == "a":
            return self._link(node, list_depth)
        if tag == "img":
            return self._image(node)
        if tag == "figure":
            return [styled("section", STYLES["figure"], inner())]
        if tag == "figcaption":
            return [styled("section", STYLES["figcaption"], inner())]
        if tag == "div" and "footnote" in node.attrs.get("class", "").split():  # kept for the article's end
            self.notes += self._notes(node, list_depth)
            return []
        if tag in ("div", "section", "dl"):
            return [Node("section", {}, inner())]
        return inner()  # span, abbr, thead, tbody and anything else: keep the content, drop the tag

    def _notes(self, footnotes: Node, list_depth: int) -> list[Node]:
        """The footnotes as the text cites them: 注1 before the first paragraph of each (not a list's "1.")."""
        notes: list[Node] = []
        items = [item for listing in footnotes.children if isinstance(listing, Node) and listing.tag == "ol"
                 for item in listing.children if isinstance(item, Node) and item.tag == "li"]
        for number, item in enumerate(items, start=1):
            parts = self._children(item, list_depth)
            first = parts[0] if parts and isinstance(parts[0], Node) and parts[0].tag == "p" else None
            label = f"注{number}\u3000"
            if first is None:
                notes.append(styled("p", STYLES["note"], [label, *parts]))
                continue
            notes.append(styled("p", STYLES["note"], [label, *first.children]))
            notes += [styled("p", STYLES["note"], part.children) if isinstance(part, Node) and part.tag == "p"
                      else part for part in parts[1:] if text_of(part).strip() or _has_image(part)]
        return notes

    def notes_block(self) -> Node:
        """注释: the footnotes at the article's end, before the references; nothing if there are none."""
        if not self.notes:
            return Node("#empty")
        return styled("section", STYLES["notes"], [styled("h3", STYLES["notes-heading"], ["注释"]), *self.notes])

    def _code_block(self, node: Node) -> Node:
        lines = text_of(node).rstrip("\n").split("\n")
        children: list[Node | str] = []
        for number, line in enumerate(lines):
            if number:
                children.append(Node("br"))
            children.append(_keep_spaces(line) or "\xa0")
        return styled("section", STYLES["codeblock"], [styled("code", STYLES["codelines"], children)])

    def _list(self, node: Node, depth: int) -> Node:
        ordered = node.tag == "ol"
        style = STYLES[("ol" if ordered else "ul") + ("2" if depth >= 2 else "")]
        attrs = {"start": node.attrs["start"]} if ordered and node.attrs.get("start", "").isdigit() else {}
        items: list[Node | str] = []
        for child in node.children:
            if isinstance(child, Node) and child.tag == "li":
                items += self._list_items(child, depth)
        return Node("ol" if ordered else "ul", {**attrs, "style": style}, items)

    def _list_items(self, item: Node, depth: int) -> list[Node | str]:
        """One ``li``, its text in sections (the editor styles a bare ``li`` its own way)."""
        return [styled("li", STYLES["li"], self._item_parts(item, depth, indent=0))]

    def _item_parts(self, item: Node, depth: int, indent: int, marker: str = "") -> list[Node | str]:
        """What a list item holds: sections of its text (the first begun with ``marker``) and its lists. Below
        the second level, which the editor flattens, a list's items are sections inside the item above it,
        indented, with their bullet or number written out: never dropped, and never items of the list above,
        which would number them in with its own."""
        section_style = STYLES["li-section"] + (f";padding-left:{indent}em" if indent else "")
        parts: list[Node | str] = []
        run: list[Node | str] = []
        own: int | None = None  # how many parts are the item's own, once a nested list came

        def flush() -> None:
            if run:
                parts.append(styled("section", section_style, run[:]))
                run.clear()

        for index, child in enumerate(item.children):
            if isinstance(child, str):
                run += _text(item, index)
            elif child.tag in ("ul", "ol"):
                flush()
                own = own if own is not None else len(parts)  # parts before the first nested list are the item's
                if depth < 2:
                    parts.append(self._list(child, depth + 1))
                else:
                    parts += self._marked_items(child, depth, indent + 1)
            elif child.tag == "p":
                flush()
                parts.append(styled("section", section_style, self._children(child, depth)))
            else:
                run += self._element(child, depth)
        flush()
        if marker:  # into the item's own first section: a new one if the item begins with a nested list
            if own == 0 or not (parts and isinstance(parts[0], Node) and parts[0].tag == "section"):
                parts.insert(0, styled("section", section_style))
            parts[0].children.insert(0, styled("span", STYLES["marker"], [marker]))
        return parts

    def _marked_items(self, node: Node, depth: int, indent: int) -> list[Node | str]:
        """A list below the second level as sections (``_item_parts``): "• " or its number before each item."""
        number = int(node.attrs["start"]) if node.attrs.get("start", "").isdigit() else 1
        parts: list[Node | str] = []
        for child in node.children:
            if isinstance(child, Node) and child.tag == "li":
                marker = f"{number}. " if node.tag == "ol" else "• "
                parts += self._item_parts(child, depth, indent, marker)
                number += 1
        return parts

    def _table(self, node: Node) -> Node:
        caption: list[Node | str] = []
        rows: list[Node | str] = []
        for child in node.children:
            if isinstance(child, Node) and child.tag == "caption":
                caption.append(styled("section", STYLES["caption"], self._children(child, 0)))
            elif isinstance(child, Node):
                rows += self._element(child, 0)
        table = styled("table", STYLES["table"], [Node("tbody", {}, [r for r in rows if isinstance(r, Node)])])
        return styled("section", STYLES["table-wrap"], caption + [table])

    def _link(self, node: Node, list_depth: int) -> list[Node | str]:
        href = node.attrs.get("href", "")
        if "footnote-backref" in node.attrs.get("class", ""):
            return []  # "back to the text" has no place in a pasted article
        children = self._children(node, list_depth)
        if "footnote-ref" in node.attrs.get("class", ""):  # 注1: not to be taken for an outside link's [1]
            return [f"注{text_of(node).strip()}"]
        if not href or href.startswith("#"):
            return children
        scheme, _, address = href.partition(":")
        if scheme.lower() in ("mailto", "tel"):  # no link in WeChat: the address itself, to copy, not a reference
            address = unquote(address.split("?", 1)[0])
            return children if text_of(node).strip() == address else [*children, f"（{address}）"]
        url = self.absolute(href)
        if article := wechat_article_url(url):
            return [Node("a", {"href": article, "style": STYLES["link"]}, children)]
        number = self.reference(url, text_of(node).strip())
        return [styled("span", STYLES["link"], children), styled("sup", STYLES["refnum"], [f"[{number}]"])]

    def _image(self, node: Node) -> list[Node | str]:
        src = node.attrs.get("src", "")
        url = self.absolute(src) if src else ""
        if urlsplit(url).scheme not in ("http", "https"):  # none (the sanitiser drops a data: or file: one)
            return [alt] if (alt := node.attrs.get("alt", "").strip()) else []  # nothing to upload: its words
        local = self.local_path(url)
        if local and local not in self.images:
            self.images.append(local)
        elif not local and not on_hosts(url, {WECHAT_IMAGE_HOST}) and url not in self.remote:
            self.remote.append(url)
        # Plain ASCII, as ``site_url`` makes the upload placeholders' keys: WeChat fetches the image by it. The alt
        # as the website has it: an empty one marks a picture that says nothing (![](x.png)), a title there misleads.
        alt = {"alt": node.attrs["alt"].strip()} if "alt" in node.attrs else {}
        return [Node("img", {"src": ascii_url(url), **alt, "style": STYLES["img"]})]


def _text(parent: Node, index: int) -> list[str]:
    """The text child ``parent.children[index]`` as the article keeps it: blank text between blocks, or at the
    edge of a block, only lays them out (dropped, it costs length alone); between words and inline elements it is
    a space (``**96110** **110**`` must not read 96110110)."""
    text = parent.children[index]
    assert isinstance(text, str)
    if text.strip(" \t\n\r\f") or parent.tag not in _BLOCKS:  # a no-break or ideographic space is meant: kept
        return [text]
    if parent.tag in _LAYOUT_ONLY:
        return []
    neighbours = parent.children[index - 1: index] + parent.children[index + 1: index + 2]
    if len(neighbours) < 2 or any(isinstance(n, Node) and n.tag in _BLOCKS for n in neighbours):
        return []
    return [" "]


def _keep_spaces(text: str) -> str:
    """Code text with every space non-breaking, so the editor keeps indentation and lone spaces."""
    return text.replace("\t", TAB).replace(" ", "\xa0")


def _is_token(text: str) -> bool:
    """Whether a table cell is one short token, such as 10:20, ¥12,800.00 or 2026-11-20, which a line break after
    its hyphen would still split: no space, no Chinese (read well broken anywhere), at most 20 characters."""
    text = text.strip()
    return 0 < len(text) <= 20 and not any(character.isspace() or character >= "\u2e80" for character in text)


def _text_align(style: str) -> str:
    """The ``text-align`` value the sanitiser lets through on table cells, if any."""
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        if name.strip().lower() == "text-align" and value.strip().lower() in ("left", "right", "center"):
            return value.strip().lower()
    return ""
