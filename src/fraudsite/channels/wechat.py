"""The WeChat public-account channel: paste-ready articles, a copy page, draft-API data and a feed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from html import escape
from typing import Any, NamedTuple

from fraudsite.clock import chinese_date, chinese_datetime, chinese_until
from fraudsite.config import Config
from fraudsite.deadlinks import unreachable
from fraudsite.defang import defang_text
from fraudsite.derived import blob_of, blob_value, remember_each
from fraudsite.errors import BuildFailed, Problem, did_you_mean, problem, warning
from fraudsite.feeds import Feed, FeedEntry, ended_by, feed_page, last_change, last_left
from fraudsite.markup import ends_signed, shorten
from fraudsite.model import SECTION_NAMES, Case, Item, Notice, expiry, is_expired, is_expired_notice, pack, unpack
from fraudsite.qrcode import qr_png
from fraudsite.render import Data, Output, Page, format_size
from fraudsite.site import Site
from fraudsite.urls import index_file, page_title, paged, readable_url, site_url, url_path
from fraudsite.wechat_html import OUTER, STYLES, TONE_HEADINGS, TONES, Node, WechatWriter, serialise, styled
from fraudsite.yamltext import strip_control

# WeChat's limits, in characters. draft/add (developers.weixin.qq.com, 新增草稿) allows a 32-character title,
# a 16-character author, a 128-character digest (we keep the stricter 120 the editor's summary box shows)
# and content under 20,000 characters; the web editor takes titles up to 64.
TITLE_EDITOR_LIMIT = 64
TITLE_API_LIMIT = 32
AUTHOR_LIMIT = 16
AUTHOR_COMFORT = 8  # longer authors are cut off in the article header on small phones
DIGEST_LIMIT = 120
CONTENT_LIMIT = 20_000  # content must be *under* this, markup included
QR_PATH = "wechat/column-qr.png"
COVER_FORMATS = (".jpg", ".jpeg", ".png", ".gif", ".bmp")  # permanent image material
BODY_IMAGE_FORMATS = (".jpg", ".jpeg", ".png")  # media/uploadimg takes only these
THUMB_PLACEHOLDER = "{{THUMB_MEDIA_ID}}"


@dataclass(frozen=True)
class Settings:
    """The ``wechat:`` section of ``fraudsite.yaml``."""

    author: str = ""  # default author of every article; empty: the item's issuer
    column_name: str = ""  # the column's name in the footer; empty: the site title
    hotline: str = "96110"  # the national anti-fraud warning hotline
    app_name: str = "国家反诈中心"  # the app readers are asked to install
    footer_note: str = ""  # one more line at the end of the footer, such as the office's phone
    qr_code: bool = True  # a QR code of the column's website in the footer
    open_comment: bool = False  # need_open_comment in the draft API


SETTING_KEYS = tuple(Settings.__dataclass_fields__)


def read_settings(config: Config) -> tuple[Settings, list[Problem]]:
    """Check the ``wechat:`` section; every problem names fraudsite.yaml and the key's line."""
    data = config.wechat or {}
    problems: list[Problem] = []

    def bad(key: str, message: str, code: str = "E103") -> None:
        line = config.section_lines.get(f"wechat.{key}", config.section_lines.get("wechat", 0))
        problems.append(problem(config.path, line, code, f"wechat.{key}", message))

    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SETTING_KEYS:
            bad(key, f"未知的配置项；{did_you_mean(key, list(SETTING_KEYS))}", "E104")
        elif key in ("qr_code", "open_comment"):
            if type(value) is not bool:
                bad(key, "应为 true 或 false")
            else:
                values[key] = value
        elif value is None or isinstance(value, (dict, list)) or not str(value).strip():
            bad(key, "应为一行文字")
        else:
            values[key] = str(value).strip()
    if len(values.get("author", "")) > AUTHOR_LIMIT:
        bad("author", f"作者有 {len(values['author'])} 个字，公众号最多 {AUTHOR_LIMIT} 个字；请缩短")
    if "hotline" in values and not values["hotline"].isdigit():
        bad("hotline", "应为电话号码，只含数字，例如 96110")
    values.setdefault("column_name", config.title)
    return Settings(**values), problems


class Check(NamedTuple):
    """One length check of an article field (a tuple: ten thousand articles read back make sixty thousand)."""

    field: str  # title, title_api, author, digest, content, cover, images
    label: str  # what the editor sees
    length: int
    limit: int
    level: str  # "ok", "warn" or "error" (an error makes the article not ready)
    message: str = ""


class Upload(NamedTuple):
    """A local image that must be uploaded to WeChat before the draft API can use the article."""

    placeholder: str  # text in article.json to replace with what the upload returns
    file: str  # site-relative path of the file
    url: str  # where the file is on the website
    api: str  # the WeChat API call that uploads it
    use: str  # what it is for


def _in_head(name: str) -> property:
    """A field of an article kept in its compressed ``head``."""
    return property(lambda article: article._head[name])


@dataclass(frozen=True)
class Article:
    """One item as a WeChat article, with its checks.

    Only what every build's plan reads (title, readiness) is kept as it is; the rest is kept compressed
    and read when a page that shows it is rendered. An edit build plans every article but renders few:
    decoding all of them took 0.8 s of an edit at 10,000 items.
    """

    item: Item
    title: str
    ready: bool  # ready to paste: no limit broken
    head: bytes | memoryview  # author, digest, URLs, checks and uploads: ``pack_head``
    packed: bytes | memoryview  # the content (``pack``): ten thousand articles' HTML would take 400 MB as text

    author = _in_head("author")
    digest = _in_head("digest")
    source_url = _in_head("source_url")  # 阅读原文: the item's web page
    cover_url = _in_head("cover_url")  # "" without a cover
    checks = _in_head("checks")
    uploads = _in_head("uploads")

    @property
    def path(self) -> str:
        """The preview page, such as wechat/cases/x/."""
        return f"wechat/{self.item.section}/{self.item.slug}/"

    @property
    def _head(self) -> dict[str, Any]:
        # Not cached on the article: a worker that rendered the checklist's pages kept the decoded head of every
        # article on it, and the copied pages of the articles too (30 MB at 10,000 items, the cold build's peak).
        return _unpacked_head(self.head)

    @property
    def content(self) -> str:
        """The WeChat HTML, images at their website URLs."""
        return unpack(self.packed)

    @property
    def api_content(self) -> str:
        """The content with local images replaced by their upload placeholders, as the draft API wants it.

        Made when asked (for article.json) rather than kept: two copies of every article add up.
        """
        body_images = {u.url: u.placeholder for u in self.uploads if u.placeholder != THUMB_PLACEHOLDER}
        return replace_images(self.content, body_images)

    def check(self, field: str) -> Check:
        """The check of one field."""
        return next(c for c in self.checks if c.field == field)


CHECKLIST_SIZE = 50  # articles per page of the checklist


def plan(site: Site) -> list[Output]:
    """Every output of the WeChat channel."""
    settings, problems = read_settings(site.config)
    if problems:
        raise BuildFailed(problems)
    articles = published_articles(site, settings)
    held = holds(site, articles)
    # The checklist in pages: an edit renders the page its article is on, not a table of every article.
    ready = sum(article.ready and article.path not in held for article in articles)
    outputs: list[Output] = [
        Page(index_file(path), "wechat/list.html",
             base_context(site, page_title("公众号文章", pager["number"]), path, articles=chunk, pager=pager,
                          ready=ready, sections=SECTION_NAMES, held={a.path: held[a.path] for a in chunk if a.path in held}))
        for path, chunk, pager in paged("wechat/", articles, CHECKLIST_SIZE)]
    for article in articles:
        hold = held.get(article.path)
        preview = base_context(site, article.title, article.path, article=article,
                               section=SECTION_NAMES[article.item.section], hold=hold)
        outputs.append(Page(article.path + "index.html", "wechat/article.html", preview, article.item.source))
        outputs.append(Data(article.path + "article.json", partial(article_json, article, settings, hold),
                            (article, settings, hold)))
    # An expired notice's article too: the feed works out when it left
    fed = [a for a in articles if a.ready and (a.path not in held or is_expired_notice(a.item, site.now))]
    outputs.append(feed_page(plan_feed(site, fed)))
    if settings.qr_code:
        outputs.append(Data(QR_PATH, partial(qr_png, site.config.base_url), ("qr_png", site.config.base_url)))
    return outputs


def change_moments(site: Site) -> list[datetime]:
    """Moments the articles change by the clock beyond the site's own (``holds``): with ``--future`` the dates of
    items scheduled for later, which the site's moments leave out, as an article waits for its own date and for
    those of the items it links to."""
    return [item.date for item in site.items if not item.withdrawn and not item.draft] if site.future else []


def holds(site: Site, articles: Sequence[Article]) -> dict[str, tuple[str, str]]:
    """Articles not to be pasted now though their limits pass, by path: the badge and the reason. Decided here,
    not in the stored article: each changes by the clock. An expired notice; one scheduled for later (a build
    with ``--future``), or linking to a draft, a withdrawn item or one scheduled for later, whose address the
    article's readers would not find (yet)."""
    later = {item.source: item for item in site.items if item.draft or item.withdrawn or item.date > site.now}
    held = {}
    for article in articles:
        item = article.item
        targets = [later[source] for source in item.links if source in later]
        if isinstance(item, Notice) and is_expired(item, site.now):
            held[article.path] = ("已过期", f"这则通知的有效期到 {chinese_until(item.expires)}，不要再发到公众号")
        elif item.date > site.now and not item.draft:
            held[article.path] = ("定时", f"这一篇定于 {chinese_datetime(item.date)} 在网站发布；发布以后再粘贴，"
                                        "否则“阅读原文”打不开")
        elif targets and not item.draft:
            target = targets[0]
            then = "请删除这个链接，或改为链接到别的内容" if target.withdrawn else "它发布以后再粘贴"
            held[article.path] = ("未就绪", f"正文链接的《{target.title}》{unreachable(target)}；{then}，否则文末的参考链接打不开")
    return held


def check(site: Site, items: Sequence[Item] | None = None) -> list[Problem]:
    """What ``fraudsite check`` reports for WeChat: bad settings, and every broken limit as a warning (of ``items``
    only, if given)."""
    settings, problems = read_settings(site.config)
    if problems:
        return problems
    codes = {"title": "W250", "title_api": "W251", "author": "W252", "digest": "W253", "content": "W254"}
    keys = {"title": "wechat.title", "title_api": "wechat.title", "author": "wechat.author", "digest": "wechat.digest"}
    wanted = None if items is None else {id(item) for item in items}
    published = site.published if wanted is None else [item for item in site.published if id(item) in wanted]
    for article in published_articles(site, settings, published):  # only those asked for are made or decoded
        item, lines = article.item, dict(article.item.line_of)
        for found in article.checks:
            if found.level == "error" and found.field in codes:  # a draft is not ready, and says so itself
                key = keys.get(found.field, "")
                # The override's own line if it is there, else where the editor would add it.
                line = lines.get(key) or lines.get("wechat") or lines.get("title", 1)
                problems.append(warning(item.source, line, codes[found.field], key, f"公众号文章未就绪：{found.message}"))
    return problems


def published_articles(site: Site, settings: Settings, items: Sequence[Item] | None = None) -> list[Article]:
    """Every published item's article (or those of ``items``): from the derived store if a build keeps one, the
    missing ones made on every core (``check`` keeps none: it makes them for their limits, then again for the
    pages)."""
    return remember_each("wechat", site.published if items is None else items, (site.config, settings),
                         partial(make_article, site=site, settings=settings), article_blob, article_from_blob,
                         packed=True)


def base_context(site: Site, title: str, path: str, **extra: Any) -> dict:
    """What every WeChat page template gets."""
    return {"site": site.config, "title": title, "path": path, **extra}


def make_article(item: Item, site: Site, settings: Settings) -> Article:
    """The WeChat article of one item, with its checks and the images to upload."""
    base_url = site.config.base_url
    overrides = dict(item.wechat)
    title = overrides.get("title") or item.title
    author = overrides.get("author") or settings.author or item.issuer
    # A summary cut for the digest ends in "…", one character more than it was cut to: it must fit as it is.
    summary = item.summary if len(item.summary) <= DIGEST_LIMIT else shorten(item.summary, DIGEST_LIMIT - 1)
    digest = overrides.get("digest") or summary
    writer = WechatWriter(base_url, base_url + item.path)
    root = article_tree(item, site, settings, writer)
    content = strip_control(serialise(root))  # no control character: the editor, XML and the feed want none
    images = writer.images + ([QR_PATH] if settings.qr_code else [])
    cover_url = site_url(base_url, item.cover) if item.cover else ""
    uploads = [Upload(THUMB_PLACEHOLDER, item.cover, cover_url, "material/add_material?type=image",
                      "封面（thumb_media_id）")]
    # site_url: as the article's img src has it (``WechatWriter._image``), so that api_content finds it to replace.
    uploads += [Upload(f"{{{{IMAGE_{number}}}}}", path, site_url(base_url, path), "media/uploadimg", "正文图片")
                for number, path in enumerate(images, start=1)]
    checks = length_checks(title, author, digest, content, bool(item.cover))
    checks += image_checks(item.cover, writer.images, writer.remote)
    if item.draft:  # only in a preview with drafts: not to be pasted before it is published
        checks.append(Check("draft", "草稿", 1, 0, "error", "这是草稿：把头部的 draft: true 改为 false 并发布网站后再粘贴"))
    head = pack_head(author=author, digest=digest, source_url=site_url(base_url, item.path), cover_url=cover_url,
                     checks=checks, uploads=uploads)
    return Article(item=item, title=title, ready=all(check.level != "error" for check in checks), head=head,
                   packed=pack(content))


def pack_head(**fields: Any) -> bytes:
    """An article's fields other than its title, readiness and content, as compressed JSON."""
    return blob_of(fields)


@lru_cache(maxsize=64)  # a page reads a few fields of each of its articles, one article after another
def _unpacked_head(head: bytes) -> dict[str, Any]:
    return unpack_head(head)


def unpack_head(head: bytes) -> dict[str, Any]:
    """The inverse of ``pack_head``, checks and uploads as their tuples."""
    fields = blob_value(head)
    return {**fields, "checks": tuple(Check(*c) for c in fields["checks"]),
            "uploads": tuple(Upload(*u) for u in fields["uploads"])}


def article_blob(article: Article) -> bytes:
    """An article as the derived store keeps it, without its item (the store keys by it): the length of its
    title and readiness, those as JSON, the length of its head, its head, then its content as packed. An edit
    build reads every article back, and decoding the content as base64 in JSON took most of a second at
    10,000 items."""
    title = json.dumps([article.title, article.ready], ensure_ascii=False).encode("utf-8")
    return b"".join((len(title).to_bytes(4, "big"), title, len(article.head).to_bytes(4, "big"), article.head,
                     article.packed))


def article_from_blob(blob: bytes, item: Item) -> Article:
    """The inverse of ``article_blob``."""
    size = int.from_bytes(blob[:4], "big")
    title, ready = json.loads(blob[4 : 4 + size])
    start = 8 + size + int.from_bytes(blob[4 + size : 8 + size], "big")
    view = memoryview(blob)  # head and content as parts of the entry, not copies: ten thousand articles, 28 MB
    return Article(item, title, ready, view[8 + size : start], view[start:])


def length_checks(title: str, author: str, digest: str, content: str, has_cover: bool) -> list[Check]:
    """WeChat's limits on one article; a broken limit is an error, a merely long author a warning."""
    def limit(field: str, label: str, value: str, most: int, message: str, comfort: int | None = None) -> Check:
        if len(value) > most:
            return Check(field, label, len(value), most, "error", message.format(n=len(value), most=most))
        if comfort is not None and len(value) > comfort:
            return Check(field, label, len(value), most, "warn",
                         f"作者 {len(value)} 个字，超过 {comfort} 个字在手机上可能显示不全")
        return Check(field, label, len(value), most, "ok")

    checks = [
        limit("title", "标题", title, TITLE_EDITOR_LIMIT, "标题 {n} 个字，超过公众号编辑器上限 {most} 个字；请在 wechat.title 写一个短标题"),
        limit("title_api", "标题（草稿接口）", title, TITLE_API_LIMIT,
              "标题 {n} 个字，超过草稿接口上限 {most} 个字；请在 wechat.title 写一个短标题"),
        limit("author", "作者", author, AUTHOR_LIMIT, "作者 {n} 个字，超过上限 {most} 个字；请在 wechat.author 写短一些",
              comfort=AUTHOR_COMFORT),
        limit("digest", "摘要", digest, DIGEST_LIMIT, "摘要 {n} 个字，超过上限 {most} 个字；请缩短 wechat.digest"),
    ]
    if len(content) >= CONTENT_LIMIT:
        checks.append(Check("content", "正文", len(content), CONTENT_LIMIT, "error",
                            f"正文连同排版代码 {len(content)} 个字符，须少于 {CONTENT_LIMIT} 个；请删减正文或拆成两篇"))
    else:
        checks.append(Check("content", "正文", len(content), CONTENT_LIMIT, "ok"))
    checks.append(Check("cover", "封面", 1 if has_cover else 0, 1, "ok" if has_cover else "warn",
                        "" if has_cover else "没有封面图（cover）；请在公众号后台选择封面"))
    return checks


def image_checks(cover: str, images: list[str], remote: Sequence[str] = ()) -> list[Check]:
    """Formats WeChat accepts: covers (material/add_material) and body images (media/uploadimg, JPG/PNG only);
    and body images on other sites, which WeChat removes from what is pasted or sent."""
    checks = []
    if cover and not cover.lower().endswith(COVER_FORMATS):
        checks.append(Check("cover_format", "封面格式", 1, 0, "warn",
                            f"封面 {cover.rsplit('/', 1)[-1]} 的格式公众号不接受；请换成 JPG 或 PNG"))
    unusable = [path.rsplit("/", 1)[-1] for path in images if not path.lower().endswith(BODY_IMAGE_FORMATS)]
    checks.append(Check("images", "正文图片", len(unusable), 0, "warn" if unusable else "ok",
                        f"正文图片 {'、'.join(unusable)} 不是 JPG 或 PNG，上传接口不接受，粘贴后也可能显示不出；请转换格式"
                        if unusable else ""))
    if remote:
        names = "、".join(url.rsplit("/", 1)[-1] or url for url in remote)
        checks.append(Check("remote_images", "外站图片", len(remote), 0, "warn",
                            f"正文图片 {names} 在别的网站上，公众号会把它去掉；请把图片存进网站文件夹再引用"))
    return checks


def article_tree(item: Item, site: Site, settings: Settings, writer: WechatWriter) -> Node:
    """The whole article under one outer ``<section>`` carrying the inherited styles once."""
    parts: list[Node | str] = []
    if isinstance(item, Case):
        fraud_type = site.config.type_by_key(item.type)
        if fraud_type.warning:
            parts.append(styled("section", TONES["warning"], [styled("p", "margin:0", [
                styled("strong", STYLES["strong"], [f"{fraud_type.name}："]), fraud_type.warning])]))
    parts += writer.convert(item.body_html)
    if isinstance(item, Case):
        parts += [tone_block("signs", "识别要点", item.signs), tone_block("advice", "防范提示", item.advice)]
    if isinstance(item, Notice):
        parts += notice_end_parts(item, writer)
    parts.append(writer.notes_block())
    parts.append(references_block(writer.references, item.scam_urls))
    parts.append(footer_block(settings, site.config.base_url))
    return styled("section", OUTER, [part for part in parts if not (isinstance(part, Node) and part.tag == "#empty")])


def tone_block(tone: str, heading: str, lines: tuple[str, ...]) -> Node:
    """A highlighted box with a heading and a list (signs or advice); nothing when there are no lines."""
    if not lines:
        return Node("#empty")
    items = [styled("li", STYLES["li"], [styled("section", STYLES["li-section"], [line])]) for line in lines]
    return styled("section", TONES[tone], [styled("h3", TONE_HEADINGS[tone], [heading]),
                                           styled("ul", STYLES["ul"].replace("margin:0 0 1em", "margin:0"), items)])


def notice_end_parts(notice: Notice, writer: WechatWriter) -> list[Node | str]:
    """A notice's attachments (as references: the editor takes no file links) and its signature, unless its body
    ends with one."""
    parts: list[Node | str] = []
    if notice.attachments:
        items = []
        for file in notice.attachments:
            number = writer.reference(writer.base_url + url_path(file.url_path), file.name)
            items.append(styled("li", STYLES["li"], [styled("section", STYLES["li-section"], [
                styled("span", STYLES["link"], [file.name]), styled("sup", STYLES["refnum"], [f"[{number}]"]),
                f" （{file.kind}，{format_size(file.size)}）"])]))
        parts += [styled("h3", STYLES["h3"], ["附件"]), styled("ul", STYLES["ul"], items)]
    if not ends_signed(notice.body_html, notice.issuer):  # one the editor wrote is not repeated
        parts.append(styled("p", "margin:1.5em 0 1em;text-align:right",
                            [notice.issuer, Node("br"), chinese_date(notice.date)]))
    return parts


def references_block(references: list[tuple[str, str]], scam_urls: tuple[str, ...] = ()) -> Node:
    """参考链接: each outside page once, numbered in order of first appearance, its address as a browser shows it
    (decoded, a scam address inside it defanged as it is in the text: decoding may spell one out)."""
    if not references:
        return Node("#empty")
    lines: list[Node | str] = [styled("h3", STYLES["notes-heading"], ["参考链接"])]
    for number, (url, text) in enumerate(references, start=1):
        shown = defang_text(readable_url(url), scam_urls)
        label = f"[{number}] {text}：" if text and text not in (url, shown) else f"[{number}] "
        lines.append(styled("p", STYLES["note"] + ";word-break:break-all", [label, styled("em", "font-style:normal",
                                                                                        [shown])]))
    return styled("section", STYLES["notes"], lines)


def footer_block(settings: Settings, base_url: str) -> Node:
    """The standard footer: the column, the hotline, the app and a QR code of the website."""
    accent = STYLES["strong"]
    parts: list[Node | str] = [
        styled("p", "margin:0 0 0.5em;font-size:16px;font-weight:bold;color:#c0392b", [settings.column_name]),
        styled("p", "margin:0 0 0.5em", ["遇到可疑情况，请拨打全国反诈预警专线 ", styled("strong", accent, [settings.hotline]),
                                         "；紧急情况请拨打 ", styled("strong", accent, ["110"]), " 报警。"]),
        styled("p", "margin:0 0 0.5em", [f"请下载安装“{settings.app_name}”App，开启来电和短信预警。"]),
    ]
    if settings.qr_code:
        parts += [Node("img", {"src": site_url(base_url, QR_PATH), "alt": f"{settings.column_name}网站二维码",
                               "style": "display:block;width:120px;height:120px;margin:0.5em auto"}),
                  styled("p", "margin:0 0 0.5em;font-size:13px;color:#666", [f"长按识别二维码，访问{settings.column_name}网站"])]
    if settings.footer_note:
        parts.append(styled("p", "margin:0;font-size:13px;color:#666", [settings.footer_note]))
    return styled("section", "margin:2em 0 0;padding:16px;background-color:#f7f7f7;border-radius:6px;"
                             "text-align:center;font-size:14px;color:#555", parts)


def replace_images(content: str, placeholders: dict[str, str]) -> str:
    """The article's HTML with local image addresses replaced by upload placeholders.

    On the serialised text rather than a copy of the tree: every ``img`` is written ``<img src="..."``
    (src first), and text cannot hold a ``<``, so nothing else can match.
    """
    for url, placeholder in placeholders.items():
        content = content.replace(f'<img src="{escape(url)}"', f'<img src="{escape(placeholder)}"')
    return content


def article_json(article: Article, settings: Settings, hold: tuple[str, str] | None = None) -> bytes:
    """article.json's bytes (made when written); ``hold``: why it is not to be sent now (``holds``)."""
    data = article_data(article, settings)
    if hold:
        data["ready"], data["hold"] = False, hold[1]
    return json_bytes(data)


def article_data(article: Article, settings: Settings) -> dict:
    """article.json: the draft API's article fields, the files to upload first, and the checks."""
    return {
        "article": {
            "title": article.title,
            "author": article.author,
            "digest": article.digest,
            "content": article.api_content,
            "content_source_url": article.source_url,
            "thumb_media_id": THUMB_PLACEHOLDER,
            "need_open_comment": int(settings.open_comment),
            "only_fans_can_comment": 0,
        },
        "uploads": [{"placeholder": u.placeholder, "file": u.file or None, "url": u.url or None, "api": u.api,
                     "use": u.use} for u in article.uploads],
        "ready": article.ready,
        "checks": [{"field": c.field, "length": c.length, "limit": c.limit, "level": c.level, "message": c.message}
                   for c in article.checks],
    }


def json_bytes(data: dict) -> bytes:
    """UTF-8 JSON as is (no \\u escapes), stable key order, newline at the end."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def plan_feed(site: Site, articles: list[Article]) -> Feed:
    """RSS 2.0 with the WeChat-ready HTML in content:encoded, newest first, of ``articles`` but the expired
    notices among them, which count only as having left it."""
    shown = [a for a in articles if not is_expired_notice(a.item, site.now)][: site.config.feed_size]
    entries = tuple(FeedEntry(title=strip_control(a.title), path=a.item.path, guid=a.item.id, published=a.item.date,
                              description=strip_control(a.digest), packed_html=a.packed,  # clean already
                              categories=(SECTION_NAMES[a.item.section],), updated=a.item.updated)
                    for a in shown)
    items = [a.item for a in articles]
    left = last_left(items, site.config.feed_size, ended_by(items, site.now, expiry), expiry,
                     last_change(entries, site.now))
    title = site.config.title
    return Feed("wechat/feed.xml", f"{title} · 公众号文章", "可直接粘贴到公众号编辑器的文章", "wechat/", entries,
                last_change(entries, site.now, left))
