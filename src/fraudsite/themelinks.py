"""What a site's own theme loads from elsewhere, addresses from the server's root, or asks of its static files that
are not there: each breaks on a campus intranet under a sub-path, or anywhere, and nothing else would say so until a
page is opened there (``fraudsite check``); and the copies a file manager left among its static files."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from urllib.parse import unquote

import jinja2
from jinja2 import nodes

from fraudsite.errors import Problem, warning
from fraudsite.litter import is_litter, named_as_copy
from fraudsite.markup import line_at, missing_file_advice  # a name in another letter case: said as for content
from fraudsite.theme import static_files

# A resource a page loads (not a link a reader follows: <a href> to another site is fine), in HTML and in CSS.
_LOADED_FROM_ELSEWHERE = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?\s(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|(?:url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)
# An address from the server's root, written out rather than made by url(): /static/style.css is not /fzzl/static/.
_FROM_THE_ROOT = re.compile(r"""\s(?:src|href|action)\s*=\s*["'](/(?!/)[^"'\s>{]*)|url\(\s*["']?(/(?!/)[^"')\s]*)""",
                            re.IGNORECASE)
# What a script loads by itself (Baidu Tongji's hm.src = "https://hm.baidu.com/hm.js?…", fetch("https://…")): an
# address in a string. An XML namespace (createElementNS("http://www.w3.org/2000/svg")) is a name, never fetched.
_ADDRESS_IN_SCRIPT = re.compile(r"""["'`]((?:https?:)?//(?!www\.w3\.org/)[^"'`\s\\]+)""", re.IGNORECASE)
# A template's script element, not one of data (JSON, JSON-LD's "https://schema.org"): a page runs only the former.
_SCRIPT_ELEMENT = re.compile(r"""<script\b(?![^>]*\stype\s*=\s*["']?[^"'\s>]*json)[^>]*>(.*?)</script""",
                             re.IGNORECASE | re.DOTALL)
# srcset="a.png 1x, https://cdn…/a.png 2x": each candidate's address, the one a screen's density picks is loaded.
_SRCSET = re.compile(r"""\ssrcset\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_CANDIDATE = re.compile(r"(?:^|,)\s*([^\s,]+)")
_READ = (".html", ".xml", ".css", ".js")
# A stylesheet's address of its own folder's file: not data:, #id (an SVG filter), another site's or the root's.
_RELATIVE_IN_CSS = re.compile(r"""url\(\s*(["']?)(?![a-z][a-z0-9+.-]*:|[#/])([^"')\s]+)\1\s*\)""", re.IGNORECASE)
# @import "other.css", the other way a stylesheet names a file of its own folder (@import url(…) is url()'s).
_IMPORT_IN_CSS = re.compile(r"""@import\s+(["'])(?![a-z][a-z0-9+.-]*:|[#/])([^"']+)\1""", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
# A script's comments, found past its strings (which the alternation consumes whole, so "https://…" stays):
# // to the line's end, /* … */ across lines.
_JS_COMMENT = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|//[^\n]*|/\*.*?\*/""", re.DOTALL)


def _blank(found: re.Match) -> str:
    """A comment as spaces, its line breaks kept (so lines still count); a string as it is."""
    return found.group() if found.group(1) else re.sub(r"[^\n]", " ", found.group())


def theme_link_problems(site_dir: Path, base_path: str) -> list[Problem]:
    """W405 for each resource the site's theme loads from another site, W406 for each address from the root."""
    problems = []
    for path, text in _theme_files(site_dir / "theme"):
        shown = path.relative_to(site_dir).as_posix()
        for line, address, by_script in _loaded_from_elsewhere(path, text):
            fix = ("请删掉访问统计（如百度统计）、调用别的网站接口的代码；要用的脚本或文件请放进 theme/static/" if by_script
                   else "请把文件放进 theme/static/，用 {{ url('static/文件名') }} 引用")
            problems.append(warning(shown, line, "W405", "", f"从别的网站加载“{address}”：校园内网离线或外网不通时"
                                                             f"页面会缺样式或功能，读者的访问也会被那个网站看到；{fix}"))
        if path.suffix == ".js":  # a script's addresses are the page's, not its own: W406's advice would mislead
            continue
        for start, address in _from_the_root(text):
            fix = (f"请改用 {{{{ url('{address[1:]}') }}}}" if path.suffix != ".css"
                   else "请改用相对于这个样式表的路径（如 ../images/a.png）")
            problems.append(warning(shown, line_at(text, 1, start), "W406", "",
                                    f"“{address}”从服务器根目录算起，网站放在 {base_path} 这样的子路径下时会找不到；{fix}"))
    return problems


def _from_the_root(text: str) -> list[tuple[int, str]]:
    """Each address written from the server's root, where it starts: an attribute's, a stylesheet's url(), and each
    candidate of a srcset (``/static/a.png 2x``)."""
    found = [(m.start(), m.group(1) or m.group(2)) for m in _FROM_THE_ROOT.finditer(text)]
    for srcset in _SRCSET.finditer(text):
        found += [(srcset.start(2) + candidate.start(1), candidate.group(1)) for candidate in _CANDIDATE.finditer(srcset.group(2))
                  if re.match(r"/(?!/)", candidate.group(1))]
    return sorted(found)


def missing_static_problems(site_dir: Path) -> list[Problem]:
    """W408 for each static file the site's theme refers to that neither its theme/static/ nor the built-in one has:
    a template's ``url('static/…')``, a stylesheet's relative ``url(…)`` or ``@import``. Each page would ask for it
    and get a 404."""
    static = static_files(site_dir)
    by_lower = {path.lower(): path for path in static}
    problems = []
    for path, text in _theme_files(site_dir / "theme"):
        shown = path.relative_to(site_dir).as_posix()
        if shown.startswith("theme/templates/"):
            for line, target in _static_urls(text):
                if target not in static:
                    fix = missing_file_advice("./", by_lower.get(target.lower(), ""), "请把文件放进 theme/static/，或改正文件名")
                    problems.append(warning(shown, line, "W408", "", f"url('{target}') 指向的文件在 theme/static/ 里没有"
                                                                     f"（网站的和内置主题的都没有），页面取它会得到 404；{fix}"))
        elif shown.startswith("theme/static/") and path.suffix == ".css":
            folder = posixpath.dirname(shown.removeprefix("theme/"))  # where the stylesheet is published: static/…
            # a comment blanked, its lines kept: an old rule left in one is not a request
            text = _CSS_COMMENT.sub(lambda comment: re.sub(r"[^\n]", " ", comment.group()), text)
            for found in chain(_RELATIVE_IN_CSS.finditer(text), _IMPORT_IN_CSS.finditer(text)):
                target = posixpath.normpath(posixpath.join(folder, unquote(re.split(r"[?#]", found.group(2))[0])))
                if target.startswith("static/") and target not in static:
                    fix = missing_file_advice(f"{folder}/", by_lower.get(target.lower(), ""),
                                              "请把文件放到那里，或改正路径（从样式表所在的文件夹算起，如 ../images/a.png）")
                    problems.append(warning(shown, line_at(text, 1, found.start()), "W408", "",
                                            f"{_as_written(found)} 指向的文件不存在：从这个样式表所在的文件夹算起是 "
                                            f"theme/{target}，那里没有，页面取它会得到 404；{fix}"))
    return problems


def copied_static_problems(site_dir: Path) -> list[Problem]:
    """W409 for each file of the site's theme/static/ named as a file manager names a copy ("logo - 副本.png"): it is
    published with the rest. Only a warning: a theme may mean a name so, and a page may use it."""
    own = (site_dir / "theme" / "static").resolve()
    return [warning(f"theme/{path}", 0, "W409", "", "这个文件的名字像是文件管理器复制出来的副本，会原样发布到网站上；"
                                                   "不需要就删掉它，要用就改一个正式的名字（并改正引用它的地方）")
            for path, source in static_files(site_dir).items()
            if named_as_copy(path.rpartition("/")[2]) and source.resolve().is_relative_to(own)]


def _static_urls(text: str) -> list[tuple[int, str]]:
    """Each ``url('static/…')`` a template calls with a literal path, and its line (none if it does not parse: E401)."""
    try:
        tree = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError:
        return []
    return [(call.lineno, call.args[0].value) for call in tree.find_all(nodes.Call)
            if isinstance(call.node, nodes.Name) and call.node.name == "url" and call.args
            and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str)
            and call.args[0].value.startswith("static/") and not call.args[0].value.endswith("/")]


def _as_written(found: re.Match) -> str:
    """A stylesheet's reference as a message names it: url(a.png), or @import "b.css"."""
    return found.group() if found.group().startswith("@") else f"url({found.group(2)})"


def _loaded_from_elsewhere(path: Path, text: str) -> list[tuple[int, str, bool]]:
    """Each address on another site the file loads, with its line and whether a script loads it, once a line."""
    found = {(line_at(text, 1, m.start()), m.group(1) or m.group(2)): False for m in _LOADED_FROM_ELSEWHERE.finditer(text)}
    scripts = [(0, text)] if path.suffix == ".js" else [(m.start(1), m.group(1)) for m in _SCRIPT_ELEMENT.finditer(text)]
    scripts = [(start, _JS_COMMENT.sub(_blank, script)) for start, script in scripts]  # a comment's address is no load
    for start, script in scripts:
        for address in _ADDRESS_IN_SCRIPT.finditer(script):
            found.setdefault((line_at(text, 1, start + address.start()), address.group(1)), True)
    for srcset in _SRCSET.finditer(text):
        for candidate in _CANDIDATE.finditer(srcset.group(2)):
            if re.match(r"(?:https?:)?//", candidate.group(1), re.IGNORECASE):
                found.setdefault((line_at(text, 1, srcset.start(2) + candidate.start(1)), candidate.group(1)), False)
    return [(line, address, by_script) for (line, address), by_script in found.items()]


def _theme_files(theme: Path) -> Iterator[tuple[Path, str]]:
    """The theme's templates, stylesheets and scripts, with their text (one not read as UTF-8 is E401's, not this)."""
    if not theme.is_dir():
        return
    for path in sorted(theme.rglob("*")):
        if path.suffix in _READ and path.is_file() and not is_litter(path.relative_to(theme).parts):
            try:
                yield path, path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
