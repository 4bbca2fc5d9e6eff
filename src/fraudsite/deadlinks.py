"""Links from a published page to an item readers cannot open: a draft, one scheduled for later, or one withdrawn.

The build and ``fraudsite check`` both say so; the links come with each item (``Item.links``), so no body is read.
"""

from __future__ import annotations

from pathlib import Path

from fraudsite.errors import Problem, warning
from fraudsite.model import Item
from fraudsite.privacy import body_line_of
from fraudsite.site import Site


def links_to_unpublished(site_dir: Path, site: Site) -> list[Problem]:
    """W611 for every published item's link to an unpublished one, at the link's line."""
    published = {id(item) for item in site.published}
    unpublished = {item.source: item for item in site.items if id(item) not in published}
    problems = []
    for item in site.published:
        for target in filter(None, map(unpublished.get, item.links)):
            advice = "请删除这个链接，或改为链接到别的内容" if target.withdrawn else "请等它发布后再链接，或删除链接"
            line = body_line_of(site_dir, item, Path(target.source).name)
            problems.append(warning(item.source, line, "W611", "链接",
                                    f"链接的 {target.source}《{target.title}》{unreachable(target)}，读者点开会找不到；{advice}"))
    return problems


def unreachable(target: Item) -> str:
    """Why readers cannot open an item (W611, and the WeChat articles that wait for it): 已撤下, 还是草稿, or the
    moment it is published."""
    if target.withdrawn:
        return "已撤下"
    return "还是草稿" if target.draft else f"要到 {target.date:%Y-%m-%d %H:%M} 才发布"
