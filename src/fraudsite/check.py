"""``fraudsite check``: every validation the build makes, plus editorial checks, without writing anything."""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import Environment

from fraudsite.build import BuildOptions, plan_outputs, render_stream
from fraudsite.clock import chinese_datetime
from fraudsite.config import Config, load_config
from fraudsite.content import check_body_written, load_content
from fraudsite.deadlinks import links_to_unpublished
from fraudsite.errors import BuildFailed, Problem, warning
from fraudsite.markup import place_at, shorten
from fraudsite.model import Item
from fraudsite.privacy import body_line_of, privacy_rules, read_raw, scan_items
from fraudsite.render import make_environment
from fraudsite.site import Site
from fraudsite.themeblocks import stray_block_problems
from fraudsite.themelinks import copied_static_problems, missing_static_problems, theme_link_problems
from fraudsite.urls import base_href, index_file
from fraudsite.weeks import day_start, week_start

JSON_FORMAT = 1  # bump when a key of the JSON output changes meaning
SCREEN_SUMMARY_LENGTH = 60  # characters a campus screen shows under a title; ``screen: summary_length`` overrides
_EMPTY_ALT_MARKDOWN = re.compile(r"!\[\s*\]\s*[(\[]")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT_ATTRIBUTE = re.compile(r"""\salt\s*=\s*(?:"\s*\S[^"]*"|'\s*\S[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_HREF = re.compile(r'\shref="([^"]*)"')
_ID = re.compile(rb'\sid="([^"]*)"')


@dataclass(frozen=True)
class CheckResult:
    """Everything ``check`` found, sorted by file, line and column."""

    problems: tuple[Problem, ...]
    items: int
    published: int = 0  # of ``items``: those a build counts (no draft, nothing withdrawn or scheduled for later)

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
    problems += future_updates(site)
    if not content.errors:
        anchors = AnchorCheck(options.site_dir, site)
        try:  # every page rendered, to find template errors; the bytes are let go at once (10,000 items: 1 GB)
            for path, made in render_stream(plan_outputs(site, options.site_dir), site, options.site_dir):
                anchors.see(path, made)
        except BuildFailed as failure:
            problems += failure.problems
        problems += anchors.problems()
        env = make_environment(options.site_dir, site.config)
        problems += unused_templates(env, site)
        problems += stray_block_problems(options.site_dir, env)
        problems += theme_link_problems(options.site_dir, site.config.base_path)
        problems += missing_static_problems(options.site_dir)
        problems += copied_static_problems(options.site_dir)
    return CheckResult(tuple(sorted(set(problems))), len(content.items), len(site.published))


def unused_templates(env: Environment, site: Site) -> list[Problem]:
    """The theme's templates no page of this build uses: each must load, and the monthly report's (``fraudsite
    report --format html``) must render this month's report, so a theme's mistake is found before the day it
    is needed."""
    from fraudsite.render import template_problems
    from fraudsite.report import campaign_report, render_report, report_period

    problems = template_problems(env)
    try:
        render_report(env, site, campaign_report(site, *report_period(site, None, None)))
    except BuildFailed as failure:
        problems += failure.problems
    return problems


class AnchorCheck:
    """A link to a place in a page (``#防范要点``, ``other.md#小节``) needs that place: an element with that id in
    the page as rendered, the theme's own parts included. Fed every page while ``check`` renders them."""

    def __init__(self, site_dir: Path, site: Site):
        self.site_dir = site_dir
        base = base_href(site.config.base_path)  # as the hrefs begin
        self.wanted: dict[str, list[tuple[Item, str, str]]] = {}  # page file -> (item, place, page)
        self.missing: list[tuple[Item, str, str]] = []
        for item in site.published:
            for href in dict.fromkeys(_HREF.findall(item.body_html)):
                address, _, place = unescape(href).partition("#")
                if not place or place == "top":  # "#top" is the page's top without any element (HTML)
                    continue
                if not address:
                    page = ""
                elif address.startswith(base) and "://" not in address:
                    page = unquote(address[len(base):])
                else:
                    continue  # another site's page
                self.wanted.setdefault(index_file(page or item.path), []).append((item, unquote(place), page))

    def see(self, path: str, made: object) -> None:
        """Look for the places wanted in one rendered page."""
        wanted = self.wanted.pop(path, None)
        if wanted and isinstance(made, bytes):
            ids = {unescape(found.decode("utf-8")) for found in _ID.findall(made)}
            self.missing += [want for want in wanted if want[1] not in ids]

    def problems(self) -> list[Problem]:
        """A warning for each link to a place its page does not have."""
        problems = []
        for item, place, page in self.missing:
            where = f"链接的页面 {page} " if page else "本页"
            problems.append(warning(item.source, body_line_of(self.site_dir, item, place, place_at), "W617", "链接",
                                    f"{where}里没有“#{place}”这个位置，读者点开只会停在页首；请照着那一节的小标题原样写"
                                    f"（如小标题“## 防范要点”写成 #防范要点），或删掉 # 及其后面的部分"))
        return problems


def item_notes(site_dir: Path, site: Site, items: Sequence[Item]) -> list[Problem]:
    """The editorial checks that look at one item alone, for ``items``: a preview shows them on its pages."""
    return (images_without_alt(site_dir, items) + large_images(site_dir, items) + executable_files(site, site_dir, items)
            + long_screen_summaries(site, items) + long_screen_titles(site, items) + wechat_problems(site, items))


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
            check_body_written(item.source, raw.body, raw.body_line, problems, bool(getattr(item, "attachments", ())),
                               draft=True)
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


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".svg", ".avif", ".heic", ".heif", ".tif", ".tiff")
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
                line = item.line("cover") if out == item.cover else body_line_of(site_dir, item, Path(source).name)
                problems.append(warning(item.source, line, "W615",
                                        "图片", f"图片 {source} 有 {size / (1 << 20):.1f} MB，手机打开慢、耗流量，公众号也上传不了"
                                        "（正文图片限 1 MB）；请压缩到 1 MB 以内，例如另存为宽 1200 像素的 JPG"))
    return problems


# Installers and programs. Anti-fraud advice tells readers never to install what a link hands them; the column
# must not teach the opposite (and a virus scanner may block the page).
EXECUTABLE_SUFFIXES = (".apk", ".ipa", ".exe", ".msi", ".bat", ".cmd", ".scr", ".vbs", ".ps1", ".jar", ".hta", ".lnk",
                       ".dmg", ".pkg")


def executable_files(site: Site, site_dir: Path, items: Sequence[Item]) -> list[Problem]:
    """An installer or program offered for download, attached or linked (on this site or another)."""
    base = site.config.base_path
    problems = []
    for item in items:
        if item.withdrawn:
            continue
        attached = {out for source, out in item.files if source.lower().endswith(EXECUTABLE_SUFFIXES)}
        # This site's files as site paths (as ``files`` has them), another site's as written.
        linked = [unquote(urlsplit(unescape(href)).path).removeprefix(base) for href in _HREF.findall(item.body_html)]
        found = sorted(attached | {path for path in linked if path.lower().endswith(EXECUTABLE_SUFFIXES)})
        for path in found:
            name = Path(path).name
            attached_only = path in attached and path not in linked
            line = item.line("attachments") if attached_only else body_line_of(site_dir, item, name)
            problems.append(warning(item.source, line, "W616", "附件" if attached_only else "链接",
                                    f"{name} 是安装程序或可执行文件。反诈宣传提醒读者不要下载来历不明的安装包，专栏自己提供，"
                                    "读者就难以分辨真假；请改为说明到手机应用商店或官方网站下载（如“国家反诈中心”APP），"
                                    "并删除这个文件或链接"))
    return problems


def screen_summary_length(config: Config) -> int:
    """How many characters of a summary a campus screen shows."""
    length = config.screen.get("summary_length")
    return length if type(length) is int and length > 0 else SCREEN_SUMMARY_LENGTH


def long_screen_summaries(site: Site, items: Sequence[Item]) -> list[Problem]:
    """A summary longer than the screens' ticker and feed show gets cut there in front of a whole hall. One made
    from the body's opening (none written) is warned of only where the cut falls mid-sentence: most openings
    have a sentence's end to cut at, and the field is optional."""
    limit = screen_summary_length(site.config)
    problems = []
    for item in items:
        if item.withdrawn or len(item.summary) <= limit:
            continue
        written = "summary" in dict(item.line_of)
        if not written and not shorten(item.summary, limit).endswith("…"):
            continue
        advice = "请缩短 summary" if written else "这段是从正文开头自动截取的，会断在半句话上；请写一个简短的 summary 字段"
        problems.append(warning(item.source, item.line("summary" if written else "title"), "W613", "summary",
                                f"摘要有 {len(item.summary)} 个字，大屏的滚动字幕和订阅只显示 {limit} 个字；{advice}"))
    return problems


# A title longer than this needs three lines on a portrait screen at the size a slide starts with (7% of the
# shorter side, about 13 characters a line), so the slide shrinks it; the hall reads it from afar.
SCREEN_TITLE_LENGTH = 26


def long_screen_titles(site: Site, items: Sequence[Item]) -> list[Problem]:
    """A long title shrinks on the screens; ``screen_title`` is the short one for them."""
    problems = []
    for item in items:
        shown = item.screen_title or item.title
        if item.withdrawn or len(shown) <= SCREEN_TITLE_LENGTH:
            continue
        if item.screen_title:
            key, advice = "screen_title", "请缩短 screen_title"
        else:
            key, advice = "title", "请在头部的 screen_title: 后面写一个 16 字以内的短标题（没有这一行就加上；网页和公众号仍用原标题）"
        problems.append(warning(item.source, item.line(key), "W618", key,
                                f"大屏上的标题有 {len(shown)} 个字，要缩小字号才放得下，远处看不清；{advice}"))
    return problems


def future_updates(site: Site) -> list[Problem]:
    """An ``updated`` after now (and after the item's own date) is most likely a wrong year or month."""
    return [warning(item.source, item.line("updated"), "W619", "updated",
                    f"更新日期 {chinese_datetime(item.updated)} 还没到，页面上却会写“更新于”这一天；"
                    "请检查年份和月份，没有更新就删掉 updated")
            for item in site.items
            if item.updated is not None and item.updated > max(site.now, item.date) and not item.withdrawn]


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
        "published": result.published,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "problems": [p.data() for p in result.problems],
    }


def summary_line(result: CheckResult) -> str:
    """One closing line for the text form."""
    published = f"（已发布 {result.published} 篇）" if result.published != result.items else ""
    return f"检查完成：{result.items} 篇内容{published}，{len(result.errors)} 个错误，{len(result.warnings)} 个警告。"
