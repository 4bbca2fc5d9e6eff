"""Markdown to safe HTML, with Chinese typography, content links resolved and assets collected."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.blockprocessors import CodeBlockProcessor
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, TocTreeprocessor, slugify_unicode, unique
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from fraudsite.defang import defang_text, scam_hosts
from fraudsite.errors import Problem, problem, warning
from fraudsite.htmlscan import read_html
from fraudsite.model import SECTION_NAMES, pack, unpack
from fraudsite.pictures import refusal
from fraudsite.urls import base_href, host_key, on_hosts, url_path
from fraudsite.yamltext import strip_control

MORE = "<!--more-->"
MAX_NESTING = 40  # Python-Markdown recurses per level and fails near 500; real content needs a handful
SUMMARY_LENGTH = 120
# Whitespace between two characters beyond ASCII; ``_between_cjk`` then asks whether both are Chinese. A class
# of the Chinese characters themselves took CPython 1 ms to compile, each time it appeared, in every build.
_SOFT_BREAK = re.compile(r"(?<=[^\x00-\x7f])[ \t]*\n[ \t]*(?=[^\x00-\x7f])")
_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_SENTENCE_END = "。！？；…"
_DEEP_PREFIX = re.compile(f"^[ \t>]{{{MAX_NESTING + 1},}}", re.MULTILINE)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "s", "section", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "div": {"footnote"},
    "a": {"footnote-ref", "footnote-backref"},
    "sup": set(),
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@dataclass
class RenderedBody:
    """A body rendered to HTML, with what it refers to."""

    # The HTML packed as the item keeps it (``model.pack``): made in the worker that renders, kept so in the cache.
    packed: bytes  # always sanitised: what screens, WeChat, feeds and search use
    teaser_html: str  # the part before <!--more-->, if any
    trusted_packed: bytes = b""  # unsanitised, only when the site opted in for its website
    assets: list[tuple[str, str]] = field(default_factory=list)  # (source path, output path)
    problems: list[Problem] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # the content files it links to

    @property
    def html(self) -> str:
        """The sanitised HTML."""
        return unpack(self.packed)


# The page path ``LinkContext.item_paths`` gives a content file this build read but could not load (its front
# matter has an error, reported with it): a link to it is not reported as one to a missing file.
UNLOADED = ""


def no_answer(relative: str) -> str:
    """``LinkContext.case_variant`` and ``nearest_page`` of a context that looks at no folder and no other file."""
    return ""


def no_picture(relative: str) -> list[int]:
    """``LinkContext.picture`` and ``picture_stamp`` of a context that looks at no file."""
    return []


@dataclass(frozen=True)
class OwnHost:
    """Whether an address's host is the site's own (its images are not another website's): a lookup, as the
    others, so a body rendered for one base URL is reused under another (``fraudsite serve``'s)."""

    hosts: tuple[str, ...]  # the base URL's and, where another serves the site, fraudsite.yaml's

    def __call__(self, netloc: str) -> bool:
        return host_key(netloc) in self.hosts


@dataclass(frozen=True)
class NearestPage:
    """The content file a link to a missing one most likely means ("" for none), for E301's hint: a class, not a
    closure, as ``AssetCheck`` is."""

    paths: Collection[str]  # every content file of the site, site-relative (the build's own map: read only on a miss)

    def __call__(self, relative: str) -> str:
        import difflib

        # Compared as written from the link's folder: a whole path's shared content/cases/ made any two names close.
        folder = posixpath.dirname(relative)
        written = {posixpath.relpath(path, folder): path for path in sorted(self.paths)}
        found = difflib.get_close_matches(posixpath.basename(relative), list(written), n=1, cutoff=0.8)
        return written[found[0]] if found else ""


@dataclass(frozen=True)
class LinkContext:
    """What rendering one body needs to know about the rest of the site."""

    source: str  # the file being rendered, relative to the site folder
    body: str
    body_line: int
    base_path: str  # such as /fzzl/
    item_paths: dict[str, str]  # content source path -> site-relative page path
    asset_exists: Callable[[str], bool]
    scam_urls: tuple[str, ...] = ()
    trusted_html: bool = False  # the site keeps raw HTML as written for its website (``RenderedBody.trusted_packed``)
    own_host: Callable[[str], bool] = OwnHost(())  # whether a host is the site's own (``OwnHost``)
    # The site-relative path of a file that a missing one names but for letter case ("" for none): a server that
    # tells Chat.PNG from chat.png would not find it even where the editor's computer does.
    case_variant: Callable[[str], str] = no_answer
    nearest_page: Callable[[str], str] = no_answer  # the content file a missing one most likely means
    # A picture's [width, height, what keeps browsers from showing it (``pictures.Picture``), then its file's stat
    # signature: size, modification and change times, inode] ([] unknown), and the signature alone (what a cached
    # body's pictures are checked by): ``AssetCheck.picture``. A linked file is read so too, for whether it can be.
    picture: Callable[[str], list[int]] = no_picture
    picture_stamp: Callable[[str], list[int]] = no_picture


def render_body(context: LinkContext) -> RenderedBody:
    """Render a Markdown body; links to other content files become their page URLs."""
    result = RenderedBody(b"", "")
    depth_line = _too_deep(context.body)
    if depth_line:
        line = context.body_line + depth_line - 1
        result.problems.append(problem(context.source, line, "E015", "正文",
                                       f"列表或引用嵌套超过 {MAX_NESTING} 层；请减少缩进和“>”的层数"))
        return result
    converter = _converter()
    _JOB.context, _JOB.result = context, result
    converter.reset()
    try:
        html = converter.convert(context.body)
        if MORE in context.body:
            converter.reset()
            _JOB.result = RenderedBody(b"", "")  # the teaser's links were already resolved and reported once
            result.teaser_html = sanitise(converter.convert(context.body.split(MORE, 1)[0]))
    except RecursionError:
        result.problems.append(problem(context.source, context.body_line, "E015", "正文",
                                       "正文结构嵌套过深，无法处理；请减少列表缩进和引用层数"))
        return result
    safe = sanitise(html)
    for found in _REMOTE_IMAGE.finditer(safe):  # Markdown's and raw HTML's alike
        address = unescape(found.group(1))
        if context.own_host(urlsplit(address).netloc):
            continue
        result.problems.append(warning(
            context.source, line_at(context.body, context.body_line, address_at(context.body, address)), "W306", "图片",
            f"图片“{address}”在别的网站上：网页不加载它，只显示为一个链接（加载了，读者的每次访问都会被那个网站看到，"
            "校园内网或断网时也显示不出）；请把图片存进 content 目录，用相对路径引用"))
    for found in _WIDE_LINK.finditer(_CODE.sub("", safe)):
        written = unescape(found.group())
        result.problems.append(warning(
            context.source, line_in_body(context.body, context.body_line, written), "W308", "链接",
            f"“{written}”用了中文的括号，不会变成链接，读者看到的是这串原文；请改用英文方括号和圆括号，"
            f"例如 [{unescape(found['text'])}]({_WWW.sub('https://www.', unescape(found['address']))})"))
    result.packed = pack(safe)
    if context.trusted_html:
        result.trusted_packed = pack(html)
    return result


# A link typed with a Chinese keyboard's brackets (【文字】(地址), [文字]（地址）): Markdown leaves it as text. Only an
# address-like target counts, not "【重要】（请转告家人）".
_WIDE_LINK = re.compile(r"(?:\[|【)(?P<text>[^\]】<>\n]+)(?:\]（|】[（(])[ \t]*"
                        r"(?P<address>(?:https?://|www\.|\.{1,2}/)[^\s<>()（）]+|[^\s<>()（）]+?\.md(?:#[^\s<>()（）]*)?)"
                        r"[ \t]*[)）]")
_WWW = re.compile(r"^www\.")  # without its scheme, an address is a file beside the page
_CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)
_REMOTE_IMAGE = re.compile(r'<img\b[^>]*?\ssrc="((?:https?:)?//[^"]*)"', re.IGNORECASE)


def line_in_body(body: str, body_line: int, text: str) -> int:
    """The file line of the first place ``text`` is written in a body starting at ``body_line``; that line if it
    is not there."""
    return line_at(body, body_line, body.find(text))


def line_at(body: str, body_line: int, index: int) -> int:
    """The file line of the character at ``index`` of a body starting at ``body_line``; that line for -1."""
    return body_line + body.count("\n", 0, index) if index >= 0 else body_line


def address_at(body: str, address: str, start: int = 0) -> int:
    """Where, from ``start`` on, ``address`` is written as a link's or a picture's address: whole, after "](" (or
    "](<"), a quote, "=" or a reference's "[name]:". Else where its text is (a missing chat.png is not the
    images/chat.png lines above it); -1 if nowhere."""
    found = re.compile(f"{_BEFORE_ADDRESS}({re.escape(address)}){_AFTER_ADDRESS}", re.MULTILINE).search(body, start)
    return found.start(1) if found else body.find(address, start)


def place_at(body: str, place: str) -> int:
    """Where a link to ``#place`` is written, the address ending there (not the "#事情" of "#事情经过"); else
    where the text is; -1 if nowhere."""
    found = re.search(f"#{re.escape(place)}{_AFTER_ADDRESS}", body)
    return found.start() if found else body.find("#" + place)


_BEFORE_ADDRESS = r"""(?:\]\([ \t]*<?|["'=][ \t]*|^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*<?)"""
_AFTER_ADDRESS = r"""(?=[\s)"'>]|\Z)"""


def _too_deep(body: str) -> int:
    """The 1-based line of the first line nested deeper than MAX_NESTING, or 0."""
    if not _DEEP_PREFIX.search(body):  # such a line starts with more than MAX_NESTING of " ", tab and ">"
        return 0
    for number, line in enumerate(body.split("\n"), start=1):
        stripped = line.lstrip(" \t>")
        prefix = line[: len(line) - len(stripped)]
        quotes = prefix.count(">")
        indent = len(prefix.replace("\t", "    ")) - quotes
        if quotes > MAX_NESTING or indent // 2 > MAX_NESTING * 2:
            return number
    return 0


def sanitise(html: str) -> str:
    """Keep only harmless tags and attributes: no scripts, event handlers, forms, frames or styles."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel=None,
        strip_comments=True,
    )


@dataclass
class _Job:
    """The body being rendered; the one reused converter's processors read it."""

    context: LinkContext | None = None
    result: RenderedBody | None = None


_JOB = _Job()
_CONVERTER: list[markdown.Markdown] = []


def _converter() -> markdown.Markdown:
    """One Markdown converter per process: building one costs a third of rendering a body."""
    if not _CONVERTER:
        _CONVERTER.append(new_converter())
    return _CONVERTER[0]


def new_converter() -> markdown.Markdown:
    """A Markdown converter with the site's extensions.

    Instances, not names: a name is looked up among the installed packages' entry points, and importing
    importlib.metadata for that took 20 ms of every build that renders a body."""
    return markdown.Markdown(
        extensions=[
            TableExtension(),
            FencedCodeExtension(),
            FootnoteExtension(BACKLINK_TITLE="返回正文第 %d 处引用", SUPERSCRIPT_TEXT="{}",
                              BACKLINK_TEXT="&#8617;&#65038;"),  # U+FE0E: ↩ as text, where iOS drew an emoji
            _HeadingIdsExtension(slugify=slugify_unicode, toc_depth="2-4"),
            _SiteExtension(),
        ],
        output_format="html",
    )


class _HeadingIds(TocTreeprocessor):
    """The table-of-contents pass, which a body needs only for its headings' ids unless it has the ``[TOC]``
    marker. Its own way renders each heading's inner HTML and then the whole table, serialised and
    post-processed, for every body: a tenth of rendering one. A heading of plain text gets the same id from its
    text directly; any other heading, or the marker, sends the body the toc extension's own way."""

    def run(self, doc: etree.Element) -> None:
        used, headings = set(), []
        for element in doc.iter():
            if "id" in element.attrib:
                used.add(element.attrib["id"])
            if isinstance(element.tag, str) and self.header_rgx.match(element.tag):
                headings.append(element)
        if (self.marker and _JOB.context and self.marker in _JOB.context.body) or not all(map(_plain, headings)):
            super().run(doc)
            return
        for heading in headings:
            self.set_level(heading)
            if "id" not in heading.attrib:  # as toc's: the inner HTML's text, tags stripped, spaces collapsed
                heading.attrib["id"] = unique(self.slugify(" ".join((heading.text or "").split()), self.sep), used)


def _plain(heading: etree.Element) -> bool:
    """A heading that is text alone, which toc's rendering gives back as it is: no child element, no stashed
    HTML or escaped character (a placeholder between \\x02 and \\x03). What the serialiser escapes
    (``&``, ``<``), toc unescapes again."""
    return not len(heading) and not (heading.text and "\x02" in heading.text)


class _HeadingIdsExtension(TocExtension):
    TreeProcessorClass = _HeadingIds


class _SiteExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # ~~删除线~~ and ==高亮==, as Typora and the WeChat Markdown editors write them: before emphasis (60)
        md.inlinePatterns.register(SimpleTagInlineProcessor(_PAIRED.format("~~"), "del"), "del", 65)
        md.inlinePatterns.register(SimpleTagInlineProcessor(_PAIRED.format("=="), "mark"), "mark", 64)
        if {pattern.name for pattern in md.inlinePatterns._priority} == _KNOWN_INLINE_PATTERNS:
            md.treeprocessors.register(_QuickInlineProcessor(md), "inline", 20)
        md.preprocessors.register(_HashtagLines(md), "hashtag_lines", 15)  # after code blocks are set aside (25)
        md.preprocessors.register(_ListsAsEditorsWriteThem(md), "editors_lists", 14)
        md.parser.blockprocessors.register(_CodeInItemsOnly(md.parser), "code", 80)
        md.treeprocessors.register(_HeadingLevels(md), "heading_levels", 6)  # before toc (5) builds a [TOC]
        md.treeprocessors.register(_ChineseLineJoiner(md), "cjk_soft_break", 5)
        md.treeprocessors.register(_LinkResolver(md), "site_links", 4)
        md.treeprocessors.register(_ScamUrlDefuser(md), "scam_urls", 3)


class _CodeInItemsOnly(CodeBlockProcessor):
    """Text indented by a tab or four spaces is a paragraph, as in Typora, not code in a grey box that scrolls
    sideways on a phone: editors indent a paragraph's first line as Word does (QA), and write code, if ever,
    between ``` lines. Only within a list item, indented beyond the item's text, is it code (CommonMark's way)."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return parent.tag == "li" and super().test(parent, block)


# Text between a pair of marks, not starting or ending with a space or the mark's character (GFM's ~~ rule).
_PAIRED = r"({0})(?![\s{0[0]}])(.+?)(?<![\s{0[0]}]){0}"
# Every inline pattern Python-Markdown registers with our extensions, and the characters one of them needs to
# match: "`", "\\", "[" (links, images, footnotes), "<" (autolinks, raw HTML), "&" (entities), "*" or "_"
# (emphasis), "~~" or "==" (deleted, marked), or two spaces before a line end (a hard break). Chinese prose mostly
# has none of them.
_KNOWN_INLINE_PATTERNS = {"backtick", "escape", "footnote", "reference", "link", "image_link", "image_reference",
                          "short_reference", "short_image_ref", "autolink", "automail", "linebreak", "html", "entity",
                          "em_strong", "del", "mark"}
_INLINE_TRIGGER = re.compile(r"[`\\\[<&*_]|~~|==|  \n")


class _QuickInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, which tries each of its 15 patterns on every text; a text with none of
    their trigger characters is returned as it is (the same result: nothing can match). That saves a quarter of
    the time of rendering a body. Installed only while the registered patterns are exactly the known ones."""

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if not _INLINE_TRIGGER.search(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)  # type: ignore[misc]


# A line that opens with a WeChat-style topic, ``#刷单# 又有新花样``: text, though Python-Markdown would make it a
# heading (it needs no space after the hashes). A heading is written ``## 标题``.
_HASHTAG_LINE = re.compile(r"#[^#\s][^#\n]*#(?!#)")


class _HashtagLines(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return ["\\" + line if _HASHTAG_LINE.match(line) else line for line in lines]


_LIST_ITEM = re.compile(r"( *)([-*+]|\d{1,9}\.)[ \t]+(?=\S)")  # what Python-Markdown takes for an item
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")  # * * *, - - -: a rule, never an item
_NOT_IN_A_LIST = re.compile(r" {0,3}(?:#|>|\|)")  # a heading, a quote, a table row: a list ends before it
_QUOTED = re.compile(r" {0,3}> ?")  # a quoted line's marker, as Python-Markdown strips it
_FENCE_OR_HTML = re.compile(r" {0,3}(?:```|~~~|<[A-Za-z!/?])")


class _ListsAsEditorsWriteThem(Preprocessor):
    """Lists as the editors' previews show them (VS Code, Typora, GitHub: CommonMark), where Python-Markdown
    differs: it wants a blank line before a list and four spaces per level of nesting, and otherwise published a
    list straight after a line of text as that paragraph, and a list nested by two spaces as one level. So a blank
    line is put before a list that interrupts a paragraph (begun by a bullet or by 1., as CommonMark allows), and
    an item nested less than four spaces deeper than the one above is moved to four, with the lines under it; a
    list written Python-Markdown's way is left exactly as it was. Lists inside a quote are made so too, and in a
    quote inside an item. A quote ends where the previews end it (``_ends_quote``)."""

    def run(self, lines: list[str]) -> list[str]:  # tabs are expanded already (normalize_whitespace, 30)
        return self._lists(self._in_quotes(lines))

    def _in_quotes(self, lines: list[str]) -> list[str]:
        """Each run of quoted lines (``> ``) with its lists made so too, as if it stood alone: a notice quotes a
        list of rules straight after its lead-in as often as it writes one; a quote that needs nothing stays."""
        result: list[str] = []
        quoted: list[str] = []  # the run's lines as written
        in_list = False  # the lines are a list's, which Python-Markdown splits at its items itself
        for line in [*lines, None]:
            if line is not None and _QUOTED.match(line):
                if not quoted and not (result[-1].strip() if result else ""):
                    in_list = False  # the quote begins the lines
                quoted.append(line)
                continue
            if quoted:
                result += self._quote(quoted, "")
                if line is not None and _ends_quote(quoted[-1], line, in_list):
                    result.append("")
                quoted = []
            if line is not None:
                if _LIST_ITEM.match(line) and not line.startswith("    "):
                    in_list = True
                elif not (result[-1].strip() if result else "") or _RULE.match(line) or _NOT_IN_A_LIST.match(line):
                    in_list = False  # text after a blank line, a rule, a heading or a table begins other lines
                result.append(line)
        return result

    def _quote(self, quoted: list[str], indent: str) -> list[str]:
        """A run of quoted lines, each begun by ``indent``, with its lists made as in a body of its own."""
        inner = [_QUOTED.sub("", written[len(indent):], count=1) for written in quoted]
        # Fenced code and HTML in a quote are not set aside before this runs, as they are outside one.
        made = inner if any(_FENCE_OR_HTML.match(text) for text in inner) else self.run(inner)
        return quoted if made == inner else [f"{indent}> {text}" if text else f"{indent}>" for text in made]

    def _lists(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        # open items: (indent written, indent given to Python-Markdown, column of the item's text as written)
        levels: list[tuple[int, int, int]] = []
        previous = ""
        top_ordered = False  # the outermost list is numbered
        raw = ""  # what opened the fenced code or HTML the lines are in (```, ~~~ or <), till it ends
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            written = len(line) - len(line.lstrip(" "))
            inside, raw = raw, _raw_after(raw, line[written:])
            rule = _RULE.match(line)
            item = None if rule else _LIST_ITEM.match(line)
            if not line.strip():
                pass
            elif item and (levels or written < 4):
                ordered = item.group(2)[0] not in "-*+"
                while levels and written < levels[-1][0]:
                    levels.pop()
                if len(levels) == 1 and written == levels[0][0] and ordered != top_ordered:
                    # 1. then - (or - then 1.) begins another list in the previews; Python-Markdown goes on with
                    # the first. An empty comment parts them (the sanitiser drops it).
                    result += ["", "<!-- -->", ""]
                    levels.clear()
                starts = not levels
                top_ordered = ordered if starts else top_ordered
                if levels and written == levels[-1][0]:
                    given = levels.pop()[1]
                else:  # a first item, or one nested under the item above
                    given = levels[-1][1] + 4 if levels else written
                if starts and previous.strip() and not (_RULE.match(previous) or _NOT_IN_A_LIST.match(previous)) and (
                        item.group(2)[0] in "-*+" or item.group(2) == "1."):
                    result.append("")  # a list straight after a paragraph's line
                levels.append((written, given, item.end()))
                line = " " * given + line[written:]
            elif levels and (rule or _NOT_IN_A_LIST.match(line)
                             or (not previous.strip() and written <= levels[0][0])):
                levels.clear()  # a rule, a heading or, after a blank line, text at the list's margin ends it
                if rule and previous.strip():  # a rule, not the underline of a heading made of the item's line
                    result.append("")
            elif levels:  # a line of the innermost item it is indented under, moved as that item was
                moved = next((level for level in reversed(levels) if written > level[0]), levels[0])
                indent = " " * (written + moved[1] - moved[0])
                if not inside and line[written] == ">" and 4 <= written < moved[2] + 4:  # a quote in the item, which
                    end = index  # _in_quotes took for code: its lines, and the one after them
                    while end < len(lines) and lines[end].startswith(" " * written) and lines[end][written:written + 1] == ">":
                        end += 1
                    after = lines[end] if end < len(lines) else ""
                    # Made only where the item's next item or a blank line follows: Python-Markdown takes the lines
                    # after a quote into it up to a blank one, and a blank line put there would end the list.
                    if not after.strip() or (_LIST_ITEM.match(after) and len(after) - len(after.lstrip(" ")) < written):
                        if previous.strip():  # straight under the item's text: Python-Markdown sees a quote there at 2
                            indent = " " * (moved[1] + 2)
                        result += self._quote([indent + text[written:] for text in lines[index - 1 : end]], indent)
                        if after.strip() and not previous.strip():  # begun after a blank line: the next item parts
                            result.append("")
                        index, previous = end, result[-1]
                        continue
                line = indent + line[written:]
            result.append(line)
            previous = line
        return result


def _ends_quote(last: str, line: str, in_list: bool) -> bool:
    """Whether ``line``, straight after a quote whose last line is ``last``, is outside the quote as the editors'
    previews show it, though Python-Markdown would take it in: a rule (which made the quote's last line a heading,
    ``&gt; 提示``); and, but in a list's lines (``in_list``: Python-Markdown splits them at each item first, and a
    blank line would part the list), a list item, or any text after a blank quoted line (``>``). A line indented
    four spaces or more goes on with the quote's text, in the previews too."""
    if not line.strip() or line.startswith("    "):
        return False
    if _RULE.match(line):
        return True
    return not in_list and (not _QUOTED.sub("", last, count=1).strip() or bool(_LIST_ITEM.match(line)))


def _raw_after(raw: str, text: str) -> str:
    """What a line (``text``, from its first character) leaves open after lines in ``raw`` (see ``_lists``)."""
    if raw == "<":
        return "" if not text.strip() else raw
    if raw:
        return "" if text.startswith(raw) else raw
    if text.startswith(("```", "~~~")):
        return text[:3]
    return "<" if _FENCE_OR_HTML.match(text) else ""


_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HASH_HEADING = re.compile(r"(#{1,6})(?!#)")  # Python-Markdown needs no space after the hashes
_EQUALS_UNDERLINE = re.compile(r"=+[ \t]*$")  # the line above is a level-1 heading
_PLACEHOLDER = re.compile("\x02[^\x03]*\x03")  # stashed HTML inside a heading's text


class _HeadingLevels(Treeprocessor):
    """The page title is a page's one h1. Editors used to Word write ``#`` for a section: warn, and show every
    heading of such a body one level lower, so it has no second h1 and its levels keep their order. A heading
    that skips a level (``##`` then ``####``) is warned of too: screen readers move from level to level."""

    def run(self, root: etree.Element) -> None:
        headings = [element for element in root.iter() if element.tag in _HEADING_TAGS]
        levels = [int(heading.tag[1]) for heading in headings]
        above = [1, *levels]  # the page title, then each heading's
        wrong = [index for index, level in enumerate(levels) if level == 1 or level > above[index] + 1]
        if wrong and _JOB.context and _JOB.result:
            self._warn(_JOB.context, _JOB.result, headings, levels, wrong)
        if 1 in levels:
            for heading, level in zip(headings, levels):
                heading.tag = f"h{min(level + 1, 6)}"

    @staticmethod
    def _warn(context: LinkContext, result: RenderedBody, headings: list[etree.Element], levels: list[int],
              wrong: list[int]) -> None:
        lines = _heading_lines(context.body, context.body_line)
        for index in wrong:
            level = levels[index]
            same = lines.get(level, [])
            nth = levels[:index].count(level)  # the nth heading of its level is the nth such line
            line = same[nth] if nth < len(same) else context.body_line
            written = "#" * level + " " + _PLACEHOLDER.sub("", "".join(headings[index].itertext())).strip()
            message = (f"“{written}”是一级标题，和页面标题同级；小标题请用两个 #，写成“#{written}”，更小的一层用 ###"
                       "（现暂按低一级显示）" if level == 1 else
                       f"“{written}”跳级了，比上一个标题低了不止一级；小标题从 ## 开始，逐级使用 ##、###、####")
            result.problems.append(warning(context.source, line, "W307", "小标题", message))


def _heading_lines(body: str, body_line: int) -> dict[int, list[int]]:
    """The file lines of a body's headings by level, in order (a rendered heading no longer knows its line): ``#``
    lines, and text underlined with ``===`` as level 1; fenced code left out. Underlining with ``---`` (level 2)
    is not looked for: a level-2 heading is never warned of."""
    found: dict[int, list[int]] = {}
    fence, previous = "", ""
    for number, line in enumerate(body.split("\n")):
        text = line.lstrip(" \t>")  # in a list or quote too
        if fence:
            fence = "" if text.startswith(fence) else fence
        elif text.startswith(("```", "~~~")):
            fence = text[:3]
        elif (hashes := _HASH_HEADING.match(text)) and not _HASHTAG_LINE.match(text):
            found.setdefault(len(hashes.group(1)), []).append(body_line + number)
        elif previous.strip() and _EQUALS_UNDERLINE.match(text):
            found.setdefault(1, []).append(body_line + number - 1)
        previous = text
    return found


class _ChineseLineJoiner(Treeprocessor):
    """A line break between two Chinese characters is not a space: join the lines.

    Also across inline elements: ``[链接](url)`` at a line end followed by Chinese text.
    """

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in ("pre", "code"):
                continue
            if element.text and "\n" in element.text:
                element.text = _SOFT_BREAK.sub(_between_cjk, element.text)
            if element.tail and "\n" in element.tail:
                element.tail = _SOFT_BREAK.sub(_between_cjk, element.tail)
            if len(element):
                self._join_around_children(element)

    @staticmethod
    def _join_around_children(parent: etree.Element) -> None:
        before = parent.text  # the text just before each child: the parent's text, then the previous tail
        previous: etree.Element | None = None
        for child in parent:
            # The cheap tests first: most children have no line break on either side.
            break_before = bool(before and "\n" in before and _BREAK_AT_END.search(before)
                                and _is_cjk(before.rstrip()[-1:]))
            break_after = bool(child.tail and "\n" in child.tail and _BREAK_AT_START.match(child.tail)
                               and _is_cjk(child.tail.lstrip()[:1]))
            inside = "".join(child.itertext()) if break_before or break_after else ""
            if break_before and inside and _is_cjk(inside[0]):
                stripped = _BREAK_AT_END.sub("", before)
                if previous is None:
                    parent.text = stripped
                else:
                    previous.tail = stripped
            if break_after and inside and _is_cjk(inside[-1]):
                child.tail = _BREAK_AT_START.sub("", child.tail)
            before, previous = child.tail, child


_BREAK_AT_END = re.compile(r"[ \t]*\n[ \t]*\Z")
_BREAK_AT_START = re.compile(r"\A[ \t]*\n[ \t]*")


def _is_cjk(character: str) -> bool:
    """Whether a character (the first, if more) is Chinese, Japanese or Korean script or punctuation, or
    full-width: U+2E80 to U+9FFF (CJK symbols and punctuation included), U+F900 to U+FAFF, U+FF00 to U+FFEF."""
    return bool(character) and ("\u2e80" <= character[0] <= "\u9fff" or "\uf900" <= character[0] <= "\ufaff"
                                or "\uff00" <= character[0] <= "\uffef")


def _between_cjk(match: re.Match) -> str:
    """A ``_SOFT_BREAK`` or ``_SPACE`` match: nothing between two Chinese characters, else itself."""
    text = match.string
    return "" if _is_cjk(text[match.start() - 1]) and _is_cjk(text[match.end()]) else match.group()


_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# Raw HTML: a link's or a picture's tag, each of its attributes (quoted either way, or bare), and what holds no
# link at all (a comment, a script's or a style's text), which _LinkResolver leaves alone.
_RAW_TAG = re.compile(r"""<(a|img)\b((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)(\s*/?>)""",
                      re.IGNORECASE)
_RAW_ATTRIBUTE = re.compile(r"""(\s+)([^\s=>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
_RAW_NO_LINKS = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style|textarea)\b.*?(?:</\1\s*>|\Z)",
                           re.DOTALL | re.IGNORECASE)


class _LinkResolver(Treeprocessor):
    """Turn links to content files into page URLs and local images into copied assets."""

    @property
    def context(self) -> LinkContext:
        assert _JOB.context is not None
        return _JOB.context

    @property
    def result(self) -> RenderedBody:
        assert _JOB.result is not None
        return _JOB.result

    def run(self, root: etree.Element) -> None:
        self.reported: dict[str, int] = {}  # where the last problem with each address was found (``_line``)
        self.pictures: dict[str, list[int]] = {}  # each picture of the site's own as read (``LinkContext.picture``)
        for element in root.iter():
            if element.tag == "a" and element.get("href"):
                element.set("href", self._resolve(_as_written(element.get("href", "")), page=True))
            elif element.tag == "img" and element.get("src"):
                copied = len(self.result.assets)
                element.set("src", self._resolve(element.get("src", ""), page=False))
                if len(self.result.assets) > copied and "width" not in element.attrib:
                    self._measure(element, self.result.assets[-1][0])
        # Raw HTML waits in the stash until the text is put together: its links and pictures, resolved and checked
        # the same way (left as written, a link to another item's .md file or a picture beside the file broke).
        stash = self.md.htmlStash
        self.scam_hosts = scam_hosts(self.context.scam_urls)
        stash.rawHtmlBlocks = [self._resolve_raw(block) if isinstance(block, str) else block
                               for block in stash.rawHtmlBlocks]

    def _measure(self, image: etree.Element, source: str) -> None:
        """The width and height of a picture of the site's own, where it can be read (a Markdown picture: raw
        HTML keeps the size its writer gave, or none)."""
        width, height, *_ = self.pictures.get(source) or (0, 0)
        if width and height:
            image.set("width", str(width))
            image.set("height", str(height))

    def _resolve_raw(self, html: str) -> str:
        """Raw HTML with the addresses of its links and pictures resolved, outside comments, scripts and styles."""
        parts, done = [], 0
        for kept in [*_RAW_NO_LINKS.finditer(html), None]:
            end = kept.start() if kept else len(html)
            parts += [_RAW_TAG.sub(self._resolve_raw_tag, html[done:end]), kept.group() if kept else ""]
            done = kept.end() if kept else end
        return "".join(parts)

    def _resolve_raw_tag(self, tag: re.Match) -> str:
        page = tag.group(1).lower() == "a"
        wanted, hosts = ("href" if page else "src"), self.scam_hosts

        def attribute(found: re.Match) -> str:
            written = found.group(3)
            if found.group(2).lower() != wanted or written is None:
                return found.group()
            value = unescape(written[1:-1] if written[0] in "\"'" else written).strip()
            if not value:
                return found.group()
            if page and hosts and on_hosts(value, hosts):  # as _ScamUrlDefuser unlinks Markdown's
                return ""
            return f'{found.group(1)}{found.group(2)}="{escape(self._resolve(value, page=page))}"'

        return f"<{tag.group(1)}{_RAW_ATTRIBUTE.sub(attribute, tag.group(2))}{tag.group(3)}"

    def _resolve(self, target: str, page: bool) -> str:
        ctx = self.context
        field_name = "链接" if page else "图片"
        scheme = (found.group(1).lower() if (found := _SCHEME.match(target)) else "")
        if len(scheme) == 1 or scheme == "file":  # C:/Users/… or file:///C:/…, as Typora and Word write them
            self._fail("E305", field_name, target, "是编辑者自己电脑上的文件，读者打不开；请把文件放进 content 目录，"
                                                   "用相对于本文件的路径引用，例如 images/截图.png")
            return ""
        if scheme and not page and scheme not in ("http", "https"):  # data:, blob: (an image pasted as data)
            shown = target if len(target) <= 40 else target[:40] + "…"
            self._fail("E305", field_name, target, "不是图片文件的地址（可能是直接粘贴进来的图片数据），网页上显示不出来；"
                                                   "请把图片存成文件放进 content 目录，用相对路径引用", shown)
            return ""
        if scheme or re.match(r"//|#|/", target):
            if target.startswith("/") and ctx.base_path != "/" and self._page_of_this_site(ctx, target[1:]):
                self.result.problems.append(warning(
                    ctx.source, self._line(target), "W305", field_name,
                    f"“{target}”以 / 开头，少了网站所在的路径 {ctx.base_path}，在网站上会打不开；"
                    f"请改为链接到内容文件（例如 另一篇.md），或写成 {ctx.base_path}{target[1:]}"))
            return target  # external, anchor or already site-absolute: leave as written
        path, _, fragment = target.partition("#")
        path = unquote(path)  # editors' tools write %20 for a space, %E8%81%8A for 聊 (VS Code's drag and drop)
        if "\\" in path:
            self._fail("E302", field_name, target, "路径中不能用反斜杠；请改用 /")
            return ""
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.source), path))
        if not resolved.startswith("content/"):
            self._fail("E303", field_name, target, "指向了 content 目录以外；请只引用 content 中的文件")
            return ""
        if path.endswith(".md"):
            page = ctx.item_paths.get(resolved)
            if page is None:
                near = ctx.nearest_page(resolved)
                hint = (f"是否想写 {posixpath.relpath(near, posixpath.dirname(ctx.source))}？" if near
                        else "请检查文件名，或删除这个链接")
                self._fail("E301", field_name, target, f"链接的内容文件不存在；{hint}")
                return ""
            if page == UNLOADED:  # that file's own error is reported; the link resolves once it is mended
                return ""
            anchor = f"#{fragment}" if fragment else ""
            self.result.links.append(resolved)
            return base_href(ctx.base_path) + url_path(page) + anchor
        if not ctx.asset_exists(resolved):
            if page and ctx.item_paths.get(resolved + ".md"):  # another item, its name written without .md
                self._fail("E304", field_name, target, f"引用的文件不存在；是否想链接到 {path}.md？链接到另一篇内容要写上 .md")
                return ""
            where = posixpath.dirname(resolved)  # where it is looked for, as the cover's message says
            advice = missing_file_advice(ctx.source, ctx.case_variant(resolved),
                                         f"请把文件放到 {where}/ 下，或改正路径" if resolved.startswith("content/")
                                         else "请把文件放到 content 目录中，或改正路径")
            self._fail("E304", field_name, target, f"引用的文件不存在；{advice}")
            return ""
        if not self._usable(resolved, target, page):
            return ""
        output = asset_output_path(resolved)
        self.result.assets.append((resolved, output))
        return base_href(ctx.base_path) + url_path(output)

    def _usable(self, resolved: str, target: str, page: bool) -> bool:
        """Whether readers get a file of the site's own: a picture shown by their browsers, a linked file that
        can be read to be published; if not, an error says why."""
        reading = self.context.picture(resolved)
        if not page:
            self.pictures[resolved] = reading
        refused = refusal(reading[2], picture=not page) if reading else None
        if refused:
            self._fail(refused[0], "链接" if page else "图片", target, refused[1])
        return refused is None

    @staticmethod
    def _page_of_this_site(ctx: LinkContext, path: str) -> bool:
        """Whether a root-relative path names a list or item page of this site (the college's own pages at the
        root may share names with its folders). Only for a warning: an item published or moved since the body
        was cached does not make it again."""
        page = path.partition("#")[0].partition("?")[0].rstrip("/") + "/"
        return page in {f"{section}/" for section in SECTION_NAMES} or page in ctx.item_paths.values()

    def _fail(self, code: str, field_name: str, target: str, message: str, shown: str = "") -> None:
        self.result.problems.append(
            problem(self.context.source, self._line(target), code, field_name, f"“{shown or target}”{message}"))

    def _line(self, target: str) -> int:
        """The file line of the link or picture with this address that is being resolved: the next one written
        after the last one reported (the same broken address on two lines is reported at each)."""
        ctx = self.context
        at = address_at(ctx.body, target, self.reported.get(target, -1) + 1)
        if at < 0:
            at = address_at(ctx.body, target)
        self.reported[target] = at
        return line_at(ctx.body, ctx.body_line, at)


def _as_written(address: str) -> str:
    """A link's address as the editor wrote it: Python-Markdown hides an autolinked e-mail address
    (``<bwc@example.edu.cn>``) from harvesters as character entities behind its placeholder, which read as a
    missing file's name; the page's link is the same either way."""
    return unescape(address.replace(AMP_SUBSTITUTE, "&")) if AMP_SUBSTITUTE in address else address


class _ScamUrlDefuser(Treeprocessor):
    """Fraudsters' addresses become inert text: links to them are unlinked, their text defanged."""

    def run(self, root: etree.Element) -> None:
        urls = _JOB.context.scam_urls if _JOB.context else ()
        if not urls:
            return
        hosts = scam_hosts(urls)
        for element in root.iter():
            if element.tag == "a" and on_hosts(element.get("href", ""), hosts):  # a listed scam host
                element.tag = "span"
                element.attrib.clear()
            elif element.tag == "img" and on_hosts(element.get("src", ""), hosts):  # its picture: neither loaded nor
                words = f"{element.get('alt', '').strip() or '图片'}（{element.get('src', '')}）"  # linked, its address
                element.tag = "span"  # said as text, defanged below
                element.attrib.clear()
                element.text = words
            if element.text:
                element.text = defang_text(element.text, urls)
            if element.tail:
                element.tail = defang_text(element.tail, urls)
        # Code blocks and raw HTML wait in the stash, outside the tree: shown in full there, too, they were not.
        stash = self.md.htmlStash
        stash.rawHtmlBlocks = [defang_text(block, urls) if isinstance(block, str) else block
                               for block in stash.rawHtmlBlocks]


def missing_file_advice(source: str, variant: str, otherwise: str) -> str:
    """What to do about a file the content file ``source`` refers to that is not there: write its name in the letter
    case of the file that is (``variant``, site-relative, from ``AssetCheck.case_variant``), if one is; else
    ``otherwise``."""
    if not variant:
        return otherwise
    written = posixpath.relpath(variant, posixpath.dirname(source))
    return f"是否想写 {written}？文件名的大小写要和实际文件完全一致，网站服务器区分大小写"


def asset_output_path(source: str) -> str:
    """Where a referenced file is copied: ``content/cases/img/a.png`` -> ``media/cases/img/a.png``."""
    return "media/" + source.removeprefix("content/")


_BLOCKS = {"p", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote", "pre", "dt", "dd"}
_NOT_PROSE = {"h1", "h2", "h3", "h4", "h5", "h6", "table", "pre", "figcaption"}


_BLOCK_MARK = "\x00"  # where a block begins, in the text ``opening_text`` reads


class _TextExtractor(HTMLParser):
    def __init__(self, prose_only: bool, mark: str = " ") -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open elements whose text is left out
        self.skip_tags = {"script", "style", "sup"} | (_NOT_PROSE if prose_only else set())
        self.mark = mark  # written where a block begins
        self.blocks: list[str] = []  # the tag of each block begun, in order

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.skip_tags or (tag == "div" and ("class", "footnote") in attrs):
            self.skipping.append(tag)
        elif tag in _BLOCKS and not self.skip:
            self.parts.append(self.mark)
            self.blocks.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    @property
    def skip(self) -> bool:
        return bool(self.skipping)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def plain_text(html: str, prose_only: bool = False, apart: bool = False) -> str:
    """The readable text of an HTML fragment, whitespace folded, footnotes left out.

    With ``prose_only`` headings, tables and code are left out too, as a summary wants. With ``apart`` blocks
    are kept apart by a space also between Chinese text, as search wants: a heading 工作要求 and the paragraph
    各单位要… after it do not make the phrase 要求各单位.
    """
    if apart:
        return " ".join(text for _, text in _blocks(html, prose_only))
    extractor = _TextExtractor(prose_only)
    read_html(extractor, html)
    return _folded("".join(extractor.parts))


def _blocks(html: str, prose_only: bool) -> list[tuple[str, str]]:
    """The text of each block of an HTML fragment that has any, folded, with the block's tag ("" before the first)."""
    extractor = _TextExtractor(prose_only, _BLOCK_MARK)
    read_html(extractor, html)
    segments = "".join(extractor.parts).split(_BLOCK_MARK)
    return [(tag, text) for tag, segment in zip(["", *extractor.blocks], segments) if (text := _folded(segment))]


def _folded(text: str) -> str:
    """Whitespace folded to single spaces, and none left between two Chinese characters."""
    return _SPACE.sub(_between_cjk, re.sub(r"\s+", " ", text).strip())


_PAUSES = "。！？；…：，、,.;:!?）)」』”’"  # a block ending in one needs no "；" after it


def opening_text(html: str) -> str:
    """The prose a summary is cut from (``plain_text`` with ``prose_only``), its blocks kept apart: "；" between
    two Chinese ones that do not end in a pause (list items read 发广告在朋友圈 run together). A short first
    paragraph ending in a colon before another paragraph, with no comma or stop in it, is a salutation
    (各部门、各二级学院：), as the notices ``fraudsite new`` drafts open: every such summary began with it; a
    sentence leading into a quote (小王接到电话，对方说：) is not."""
    blocks = _blocks(html, prose_only=True)
    first = blocks[0][1] if blocks else ""
    if (len(blocks) > 1 and blocks[0][0] == blocks[1][0] == "p" and first[-1] in "：:" and len(first) <= 30
            and not any(mark in first for mark in "，。；！？,.;!?")):
        del blocks[0]
    opening = ""
    for _, text in blocks:
        if opening and all(_is_cjk(char) or char in "“”‘’" for char in (opening[-1], text[0])):
            opening += "" if opening[-1] in _PAUSES else "；"
        elif opening:
            opening += " "
        opening += text
    return opening


# A signature (落款) ends a notice: the issuer, then the date in figures or Chinese numerals, alone at the end.
_SIGNATURE_DATE = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
                             r"\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日\Z")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SIGNATURE_LENGTH = 40  # characters a signature's line may have: a unit's name, not a sentence


def ends_signed(html: str, issuer: str) -> bool:
    """Whether a notice's body ends with its own signature: a last paragraph ending in a date, with the issuer's
    name before the date in it or alone in the paragraph before. Such a notice gets no second one."""
    if not issuer or not html.rstrip().endswith("</p>"):
        return False
    lines = [unescape(_TAG.sub("", text)).strip() for text in _PARAGRAPH.findall(html[-2000:])]
    date = _SIGNATURE_DATE.search(lines[-1]) if lines else None
    if date is None:
        return False
    signed_by = lines[-1][: date.start()].strip() or (lines[-2] if len(lines) > 1 else "")
    return issuer in signed_by and len(signed_by) <= _SIGNATURE_LENGTH


def shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Cut text to about ``limit`` characters, at the last Chinese sentence end if there is one."""
    text = strip_control(text.strip())
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark) for mark in _SENTENCE_END)
    if cut >= limit // 3:
        return head[: cut + 1]
    if text[limit - 1] in _WORD_CHARACTERS and text[limit] in _WORD_CHARACTERS:  # inside a number or a word:
        start = len(head.rstrip(_WORD_CHARACTERS))  # "损失128…" for 128,000 yuan would say another amount
        head = head[:start] if start >= limit // 3 else head
    return head.rstrip("，、,;；：: ") + "…"


_WORD_CHARACTERS = "0123456789.,%ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


