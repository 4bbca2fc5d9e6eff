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
_READ = (".html", ".xml", ".css")


def theme_link_problems(site_dir: Path, base_path: str) -> list[Problem]:
    """W405 for each resource the site's theme loads from another site, W406 for each address from the root."""
    problems = []
    for path, text in _theme_files(site_dir / "theme"):
        shown = path.relative_to(site_dir).as_posix()
        for found in _LOADED_FROM_ELSEWHERE.finditer(text):
            address = found.group(1) or found.group(2)
            problems.append(warning(shown, line_at(text, 1, found.start()), "W405", "",
                                    f"从别的网站加载“{address}”：校园内网离线或外网不通时页面会缺样式或功能，读者的访问"
                                    "也会被那个网站看到；请把文件放进 theme/static/，用 {{ url('static/文件名') }} 引用"))
        for found in _FROM_THE_ROOT.finditer(text):
            address = found.group(1) or found.group(2)
            fix = (f"请改用 {{{{ url('{address[1:]}') }}}}" if path.suffix != ".css"
                   else "请改用相对于这个样式表的路径（如 ../images/a.png）")
            problems.append(warning(shown, line_at(text, 1, found.start()), "W406", "",
                                    f"“{address}”从服务器根目录算起，网站放在 {base_path} 这样的子路径下时会找不到；{fix}"))
    return problems


def _theme_files(theme: Path) -> Iterator[tuple[Path, str]]:
    """The theme's templates and stylesheets, with their text (one not read as UTF-8 is E401's, not this)."""
    if not theme.is_dir():
        return
    for path in sorted(theme.rglob("*")):
        if path.suffix in _READ and path.is_file() and not is_litter(path.relative_to(theme).parts):
            try:
                yield path, path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
