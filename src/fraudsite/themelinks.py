"""What a site's own theme loads from elsewhere, or addresses from the server's root: both break on a campus
intranet under a sub-path, and nothing else would say so until a page is opened there (``fraudsite check``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from fraudsite.errors import Problem, warning
from fraudsite.litter import is_litter
from fraudsite.markup import line_at

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
        for found in _FROM_THE_ROOT.finditer(text):
            address = found.group(1) or found.group(2)
            fix = (f"请改用 {{{{ url('{address[1:]}') }}}}" if path.suffix != ".css"
                   else "请改用相对于这个样式表的路径（如 ../images/a.png）")
            problems.append(warning(shown, line_at(text, 1, found.start()), "W406", "",
                                    f"“{address}”从服务器根目录算起，网站放在 {base_path} 这样的子路径下时会找不到；{fix}"))
    return problems


def _loaded_from_elsewhere(path: Path, text: str) -> list[tuple[int, str, bool]]:
    """Each address on another site the file loads, with its line and whether a script loads it, once a line."""
    found = {(line_at(text, 1, m.start()), m.group(1) or m.group(2)): False for m in _LOADED_FROM_ELSEWHERE.finditer(text)}
    scripts = [(0, text)] if path.suffix == ".js" else [(m.start(1), m.group(1)) for m in _SCRIPT_ELEMENT.finditer(text)]
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
