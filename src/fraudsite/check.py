"""``fraudsite check``: every validation the build makes, plus editorial checks, without writing anything."""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from fraudsite.build import BuildOptions, plan_outputs, render_stream
from fraudsite.config import Config, load_config
from fraudsite.content import check_body_written, load_content
from fraudsite.errors import BuildFailed, Problem, warning
from fraudsite.markup import line_in_body
from fraudsite.model import Item
from fraudsite.privacy import privacy_rules, read_raw, scan_items
from fraudsite.site import Site
from fraudsite.weeks import day_start, week_start

JSON_FORMAT = 1  # bump when a key of the JSON output changes meaning
SCREEN_SUMMARY_LENGTH = 60  # characters a campus screen shows under a title; ``screen: summary_length`` overrides
_EMPTY_ALT_MARKDOWN = re.compile(r"!\[\s*\]\s*[(\[]")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT_ATTRIBUTE = re.compile(r"""\salt\s*=\s*(?:"\s*\S[^"]*"|'\s*\S[^']*'|[^\s"'>]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class CheckResult:
    """Everything ``check`` found, sorted by file, line and column."""

    problems: tuple[Problem, ...]
    items: int

    @property
    def errors(self) -> list[Problem]:
        """Problems that would stop a build."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth fixing that do not stop a build."""
        return [p for p in self.problems if p.severity != "error"]

    def exit_code(self, strict: bool) -> int:
        """0 when clean, 1 on errors; warnings count only when ``strict``."""
        return 1 if self.errors or (strict and self.warnings) else 0


def check_site(options: BuildOptions) -> CheckResult:
    """Run every check on the site; nothing is written, not even the cache."""
    try:
        config = load_config(options.config_path, options.base_url)
    except BuildFailed as failure:
        return CheckResult(tuple(failure.problems), 0)
    content = load_content(options.site_dir, config)
    now = (options.now or datetime.now(config.tz)).astimezone(config.tz)
    site = Site(config, content.items, now, options.drafts, options.future, options.site_dir)
    problems = list(content.problems)
    problems += privacy_problems(options.site_dir, site)
    problems += unwritten_drafts(options.site_dir, site)
    problems += duplicate_titles(site.items)
    problems += links_to_unpublished(options.site_dir, site)
    problems += item_notes(options.site_dir, site, site.items)
    problems += weekly_cadence(site)
    if not content.errors:
        try:  # every page rendered, to find template errors; the bytes are let go at once (10,000 items: 1 GB)
            for _path, _content in render_stream(plan_outputs(site, options.site_dir), site, options.site_dir):
                pass
        except BuildFailed as failure:
            problems += failure.problems
    return CheckResult(tuple(sorted(set(problems))), len(content.items))


def item_notes(site_dir: Path, site: Site, items: Sequence[Item]) -> list[Problem]:
    """The editorial checks that look at one item alone, for ``items``: a preview shows them on its pages."""
    return (images_without_alt(site_dir, items) + large_images(site_dir, items) + long_screen_summaries(site, items)
            + wechat_problems(site, items))


def privacy_problems(site_dir: Path, site: Site) -> list[Problem]:
    """The build's privacy scan over everything that is or will be published; drafts only warn."""
    try:
        rules = privacy_rules(site.config)
    except BuildFailed as failure:
        return list(failure.problems)
    upcoming = [item for item in site.items if not item.withdrawn]
    return scan_items(site_dir, upcoming, rules, site.withdrawn, drafts_warn=not site.drafts)


def unwritten_drafts(site_dir: Path, site: Site) -> list[Problem]:
    """With ``--drafts`` (drafts checked as if published), a draft's body as the build checks a published one's:
    ``fraudsite new``'s placeholder text left in it is an error, an empty one a warning."""
    problems: list[Problem] = []
    for item in site.items if site.drafts else ():
        if item.draft and not item.withdrawn and (raw := read_raw(site_dir, item)) is not None:
            check_body_written(item.source, raw.body, raw.body_line, problems, bool(getattr(item, "attachments", ())))
    return problems


def duplicate_titles(items: tuple[Item, ...]) -> list[Problem]:
    """Two live items with one title confuse readers and every list."""
    seen: dict[str, Item] = {}
    problems = []
    for item in sorted((i for i in items if not i.withdrawn), key=lambda i: i.source):
        key = re.sub(r"\s+", "", item.title)
        if key in seen:
            problems.append(warning(item.source, item.line("title"), "W610", "title",
                                    f"与 {seen[key].source} 的标题相同；请让标题能区分两篇内容"))
        seen.setdefault(key, item)
    return problems


def links_to_unpublished(site_dir: Path, site: Site) -> list[Problem]:
    """A published page linking to a draft, a scheduled or a withdrawn item sends readers to nothing."""
    published = set(site.published)
    unpublished = [i for i in site.items if i not in published]
    problems = []
    for item in site.published:
        body = item.body_html  # unpacked once per item, not once per target
        for target in unpublished:
            href = f'href="{site.config.base_path}{target.path}'
            if href not in body:
                continue
            if target.withdrawn:
                why, advice = "已撤下", "请删除这个链接，或改为链接到别的内容"
            else:
                why = "还是草稿" if target.draft and not site.drafts else f"要到 {target.date:%Y-%m-%d %H:%M} 才发布"
                advice = "请等它发布后再链接，或删除链接"
            line = _body_line_of(site_dir, item, Path(target.source).name)
            problems.append(warning(item.source, line, "W611", "链接",
                                    f"链接的 {target.source}《{target.title}》{why}，读者点开会找不到；{advice}"))
    return problems


def _body_line_of(site_dir: Path, item: Item, needle: str) -> int:
    source = read_raw(site_dir, item)
    if source is None or not source.body_line:
        return 0
    return line_in_body(source.body, source.body_line, needle)


def images_without_alt(site_dir: Path, items: Sequence[Item]) -> list[Problem]:
    """Every body image needs a description for screen readers: ``![说明](图片.png)``."""
    problems = []
    for item in items:
        source = None if item.withdrawn else read_raw(site_dir, item)
        if source is None or not source.body_line:
            continue
        body = source.body
        spans = [m.start() for m in _EMPTY_ALT_MARKDOWN.finditer(body)]
        spans += [m.start() for m in _IMG_TAG.finditer(body) if not _ALT_ATTRIBUTE.search(m.group())]
        for start in sorted(spans):
            line = source.body_line + body.count("\n", 0, start)
            column = start - (body.rfind("\n", 0, start) + 1) + 1
            found = warning(item.source, line, "W612", "图片",
                            "图片缺少替代文字，读屏软件无法告诉视障读者图中内容；请写成 ![图片内容说明](路径)")
            problems.append(replace(found, column=column))
    return problems


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".svg")
LARGE_IMAGE = 1 << 20  # bytes: also what WeChat's upload of a body image (media/uploadimg) takes at most


def large_images(site_dir: Path, items: Sequence[Item]) -> list[Problem]:
    """An image of several megabytes is slow and costly on a phone, and WeChat refuses a body image over 1 MB."""
    problems = []
    for item in items:
        for source, out in item.files:
            if not source.lower().endswith(IMAGE_SUFFIXES):
                continue
            try:
                size = (site_dir / source).stat().st_size
            except OSError:  # missing: the build said so already
                continue
            if size > LARGE_IMAGE:
                line = item.line("cover") if out == item.cover else _body_line_of(site_dir, item, Path(source).name)
                problems.append(warning(item.source, line, "W615",
                                        "图片", f"图片 {source} 有 {size / (1 << 20):.1f} MB，手机打开慢、耗流量，公众号也上传不了"
                                        "（正文图片限 1 MB）；请压缩到 1 MB 以内，例如另存为宽 1200 像素的 JPG"))
    return problems


def screen_summary_length(config: Config) -> int:
    """How many characters of a summary a campus screen shows."""
    length = config.screen.get("summary_length")
    return length if type(length) is int and length > 0 else SCREEN_SUMMARY_LENGTH


def long_screen_summaries(site: Site, items: Sequence[Item]) -> list[Problem]:
    """A summary longer than a screen shows gets cut mid-sentence in front of a whole hall."""
    limit = screen_summary_length(site.config)
    problems = []
    for item in items:
        if item.withdrawn or len(item.summary) <= limit:
            continue
        written = "summary" in dict(item.line_of)
        advice = "请缩短 summary" if written else "请写一个简短的 summary 字段"
        problems.append(warning(item.source, item.line("summary") if written else 2, "W613", "summary",
                                f"摘要有 {len(item.summary)} 个字，大屏只显示 {limit} 个字；{advice}"))
    return problems


def weekly_cadence(site: Site) -> list[Problem]:
    """The office publishes at least once a week: warn while the current ISO week has nothing, not even scheduled."""
    tz = site.config.tz
    monday = week_start(site.now, tz)
    start, end = day_start(monday, tz), day_start(monday + timedelta(days=7), tz)
    this_week = [i for i in site.items if start <= i.date < end and not i.withdrawn and (site.drafts or not i.draft)]
    if this_week:
        return []
    sunday = monday + timedelta(days=6)
    return [warning("content", 0, "W614", "",
                    f"本周（{monday.month}月{monday.day}日至{sunday.month}月{sunday.day}日）还没有发布或定时发布任何内容；"
                    "专栏每周至少发布一篇，请安排一篇案例或通知")]


def wechat_problems(site: Site, items: Sequence[Item]) -> list[Problem]:
    """The WeChat channel's own limits (title and digest length, ...) for ``items``, when that channel is installed."""
    try:
        wechat = importlib.import_module("fraudsite.channels.wechat")
    except ModuleNotFoundError as missing:
        if missing.name in ("fraudsite.channels.wechat",):
            return []
        raise
    check = getattr(wechat, "check", None)
    return list(check(site, items)) if callable(check) else []


def result_data(result: CheckResult, strict: bool) -> dict:
    """The documented JSON form of a check (README: "fraudsite check")."""
    return {
        "format": JSON_FORMAT,
        "ok": result.exit_code(strict) == 0,
        "strict": strict,
        "items": result.items,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "problems": [
            {"path": p.path, "line": p.line, "column": p.column, "severity": p.severity, "code": p.code,
             "field": p.field, "message": p.message}
            for p in result.problems
        ],
    }


def summary_line(result: CheckResult) -> str:
    """One closing line for the text form."""
    return f"检查完成：{result.items} 篇内容，{len(result.errors)} 个错误，{len(result.warnings)} 个警告。"
