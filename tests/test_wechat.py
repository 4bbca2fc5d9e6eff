"""The WeChat channel: paste-safe HTML (property-tested), references, footer, limits, article.json and the feed."""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudsite.build import BuildOptions, load_site
from fraudsite.channels import wechat
from fraudsite.errors import BuildFailed
from fraudsite.markup import LinkContext, ends_signed, render_body
from fraudsite.model import Case, Notice, is_expired, pack
from fraudsite.render import script_json
from fraudsite.wechat_html import STYLES, Node, WechatWriter, parse_fragment, serialise, text_of
from sitekit import SAMPLE, at, build_site, write
from tools import format_vnu, parse_es5, run_fraudsite, run_vnu

BASE = "https://www.example.edu.cn/fzzl/"
NOW = "2026-11-28 09:00"
EXTRA_CASE = """\
---
id: case-wechat-fixture
title: 一个用于测试公众号排版的案例，标题故意写得很长很长，超过草稿接口三十二个字的上限
date: "2026-11-20 10:00"
type: fake-shop
audience: [students]
summary: 测试用摘要。
signs: [价格远低于市场价]
advice: [只在平台内交易]
wechat:
  digest: "  公众号专用摘要 "  # spaces at the ends, as pasted: trimmed like every other text
---

## 经过

小王在[某购物网站](https://shop.example.com/item?id=1&from=ad)看到低价门票，又在[同一网站](https://shop.example.com/item?id=1&from=ad)
和[公众号文章](https://mp.weixin.qq.com/s/abc)里看到宣传，参见[另一起案例](2026-11-shuadan-like-task-freshmen.md)。

![聊天记录截图](img/chat.png)

- 第一层
    - 第二层
        - 第三层
            - 第四层

1. 先挂断电话
2. 再打 96110 核实
    1. 记下对方号码

```
付款  步骤：
    先转账
```

| 时间 | 金额 |
|:-----|-----:|
| 第一天 | 500 |
"""


def wechat_site(root: Path) -> Path:
    """A copy of the sample site in ``root/site`` plus one case exercising links, images, deep lists, code and a table."""
    site = root / "site"
    shutil.copytree(SAMPLE / "content", site / "content")
    shutil.copy(SAMPLE / "fraudsite.yaml", site / "fraudsite.yaml")
    write(site, "content/cases/2026-11-wechat-fixture.md", EXTRA_CASE)
    (site / "content/cases/img").mkdir(exist_ok=True)
    shutil.copy(SAMPLE / "theme/static/favicon.svg", site / "content/cases/img/chat.png")
    return site


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The WeChat fixture site, made once per module."""
    return wechat_site(tmp_path_factory.mktemp("wechat"))


@pytest.fixture(scope="module")
def built(sample) -> Path:
    """The sample site built once."""
    out = sample.parent / "out"
    build_site(sample, out, now=NOW)
    return out


@pytest.fixture(scope="module")
def site(sample):
    """The sample site as the channels see it."""
    options = BuildOptions(site_dir=sample, out_dir=sample / "build", config_path=sample / "fraudsite.yaml", now=at(NOW))
    return load_site(options)[0]


# --------------------------------------------------------------------------- reading the output


class _Walker(HTMLParser):
    """Collects what the WeChat editor cares about: tags, attributes, list depth, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.lists = 0
        self.deepest_list = 0
        self.text: list[str] = []
        self.skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag in ("ul", "ol"):
            self.lists += 1
            self.deepest_list = max(self.deepest_list, self.lists)
        # Not text: footnotes' way back, and list markers written out below the editor's two levels (the web's are CSS).
        if tag not in ("br", "hr", "img") and (self.skip or "footnote-backref" in attributes.get("class", "")
                                               or attributes.get("style") == STYLES["marker"]):
            self.skip.append(tag)

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self.lists -= 1
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def walk(html: str) -> _Walker:
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return walker


def squeeze(text: str) -> str:
    """Text without any whitespace: block boundaries and &nbsp; differ, the words must not."""
    return re.sub(r"\s+", "", text)


REFERENCE_MARK = re.compile(r"\[\d+\]")


def wechat_body_text(html: str) -> str:
    """The text of converted body HTML without the reference numbers."""
    return squeeze(REFERENCE_MARK.sub("", "".join(walk(html).text)))


def web_body_text(html: str) -> str:
    """The text of the web article's body, without footnote back-links."""
    return squeeze("".join(walk(html).text))


def assert_paste_safe(html: str) -> None:
    """What the WeChat editor keeps: inline styles only, no div, no outside links, two list levels, no black."""
    walker = walk(html)
    for tag, attributes in walker.tags:
        assert tag not in ("div", "style", "script", "iframe", "form", "link", "meta"), tag
        for name in attributes:
            assert name in ("style", "href", "src", "alt", "colspan", "rowspan", "start"), (tag, name)
            assert not name.startswith("on")
        style = attributes.get("style", "").replace(" ", "").lower()
        assert "position" not in style
        assert not re.search(r"#000(000)?\b|:black\b|rgb\(0,0,0\)", style), style
        if "href" in attributes:
            assert attributes["href"].startswith("https://mp.weixin.qq.com/"), attributes["href"]
        if tag == "img":  # an empty alt is a decorative picture's, as on the website
            assert attributes["src"].startswith(("https://", "http://")) and "alt" in attributes
    assert walker.deepest_list <= 2


# --------------------------------------------------------------------------- generated Markdown

WORDS = st.sampled_from(["诈骗", "转账", "客服", "验证码", "refund", "APP", "安全账户", "96110", "a  b", "x<y&z"])
URLS = st.sampled_from(["https://example.com/a", "https://example.com/a?x=1&y=2", "http://gov.example.cn/",
                        "https://mp.weixin.qq.com/s/xyz", "/fzzl/cases/other/", "mailto:fzb@example.edu.cn",
                        "tel:0517-83550110"])


def inline() -> st.SearchStrategy[str]:
    text = st.lists(WORDS, min_size=1, max_size=4).map("".join)
    link = st.tuples(text, URLS).map(lambda pair: f"[{pair[0]}]({pair[1]})")
    styled_text = (text.map(lambda t: f"**{t}**") | text.map(lambda t: f"*{t}*") | text.map(lambda t: f"`{t}`")
                   | text.map(lambda t: f"~~{t}~~") | text.map(lambda t: f"=={t}=="))
    return st.lists(text | link | styled_text, min_size=1, max_size=5).map(" ".join)


def nested_list(depth: int) -> st.SearchStrategy[str]:
    def render(items, level):
        lines = []
        for number, (words, children) in enumerate(items, start=1):
            marker = "-" if level % 2 == 0 else f"{number}."
            lines.append("    " * level + f"{marker} {words}")
            lines += render(children, level + 1)
        return lines

    def tree(level):
        leaf = st.tuples(inline(), st.just(()))
        if level >= depth:
            return st.lists(leaf, min_size=1, max_size=2)
        return st.lists(st.tuples(inline(), st.lists(st.tuples(inline(), st.just(())), max_size=2).map(tuple)
                                  if level == depth - 1 else tree(level + 1).map(tuple)), min_size=1, max_size=2)

    return tree(0).map(lambda items: "\n".join(render(items, 0)))


def blocks() -> st.SearchStrategy[str]:
    paragraph = inline()
    heading = st.tuples(st.integers(2, 4), inline()).map(lambda p: "#" * p[0] + " " + p[1])
    quote = inline().map(lambda t: "> " + t)
    code = st.lists(st.sampled_from(["x = 1", "    indented  twice", "", "\tTabbed"]), min_size=1, max_size=4).map(
        lambda lines: "```\n" + "\n".join(lines) + "\n```")
    table = st.lists(WORDS, min_size=2, max_size=2).map(lambda w: f"| 项目 | 说明 |\n|---|:-:|\n| {w[0]} | {w[1]} |")
    image = WORDS.map(lambda w: f"![{w}](/fzzl/media/cases/img/{len(w)}.png)")
    footnote = inline().map(lambda t: f"正文[^1]\n\n[^1]: {t}")
    return st.lists(paragraph | heading | quote | code | table | image | footnote | nested_list(4),
                    min_size=1, max_size=6).map("\n\n".join)


def render_markdown(body: str) -> str:
    """A body through the real Markdown pipeline (sanitised), as content.py renders it."""
    context = LinkContext(source="content/cases/x.md", body=body, body_line=1, base_path="/fzzl/", item_paths={},
                          asset_exists=lambda path: True)
    return render_body(context).html


def convert(body_html: str) -> tuple[str, WechatWriter]:
    """A body as its article has it, its footnotes (注释) after it."""
    writer = WechatWriter(BASE, BASE + "cases/x/")
    parts = [*writer.convert(body_html), writer.notes_block()]
    return serialise(Node("#root", {}, [part for part in parts if not (isinstance(part, Node) and part.tag == "#empty")])), writer


def expected_wechat_text(body_html: str) -> str:
    """The web body's text as the WeChat article words it: a footnote's number as 注1 in the text and before the
    note under a 注释 heading, and an e-mail or phone link's address after its words (WeChat links neither)."""
    html = re.sub(r'(<a class="footnote-ref"[^>]*>)', r"\1注", body_html)
    html = html.replace('<div class="footnote">', '<div class="footnote">注释')
    numbers = iter(range(1, 1000))
    html = re.sub(r'<li id="fn:[^"]*">\s*(<p>)?', lambda m: f"{m.group()}注{next(numbers)}\u3000", html)

    def address(link: re.Match) -> str:
        written = unescape(link.group(2))
        return link.group(0) if text_of(parse_fragment(link.group(3))).strip() == written else f"{link.group(0)}（{written}）"

    return web_body_text(re.sub(r'<a href="(mailto|tel):([^"?]*)[^"]*">(.*?)</a>', address, html))


def expected_references(body_html: str) -> list[str]:
    """Every outside address of the web body, absolute, first appearance order, each once."""
    urls: list[str] = []
    for tag, attributes in walk(body_html).tags:
        href = attributes.get("href", "")
        if tag == "a" and href and not href.startswith(("#", "mailto:", "tel:")) and "mp.weixin.qq.com" not in href:
            url = "https://www.example.edu.cn" + href if href.startswith("/") else href
            if url not in urls:
                urls.append(url)
    return urls


@settings(max_examples=50, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=blocks())
def test_generated_markdown_becomes_paste_safe_html_with_the_same_text(body):
    web_html = render_markdown(body)
    html, writer = convert(web_html)
    assert_paste_safe(html)
    assert wechat_body_text(html) == expected_wechat_text(web_html)
    assert [url for url, _ in writer.references] == expected_references(web_html)
    listed = parse_fragment(serialise(wechat.references_block(writer.references))).children
    if writer.references:  # 参考链接: a heading, then "[n] text：URL" once per URL, in order
        assert text_of(listed[0].children[0]) == "参考链接"
        lines = listed[0].children[1:]
        assert [text_of(line.children[-1]) for line in lines] == expected_references(web_html)
        assert [text_of(line).split(" ", 1)[0] for line in lines] == [f"[{n}]" for n in range(1, len(lines) + 1)]
    for code_block in re.findall(r"<code[^>]*>(.*?)</code>", html):
        assert " " not in re.sub(r"<[^>]+>", "", code_block), "spaces in code must be &nbsp;"


def test_every_sample_article_is_paste_safe_and_keeps_the_web_text(site):
    settings_, _ = wechat.read_settings(site.config)
    assert len(site.published) >= 20
    for item in site.published:
        article = wechat.make_article(item, site, settings_)
        assert_paste_safe(article.content)
        assert article.content.startswith("<section style=") and article.content.endswith("</section>")
        body, writer = convert(item.body_html)
        assert wechat_body_text(body) == expected_wechat_text(item.body_html), item.source
        whole = squeeze(REFERENCE_MARK.sub("", "".join(walk(article.content).text)))
        main = serialise(Node("#root", {}, WechatWriter(BASE, BASE + "cases/x/").convert(item.body_html)))
        assert squeeze(REFERENCE_MARK.sub("", "".join(walk(main).text))) in whole
        if writer.notes:  # 注释 at the end, after the signs and advice, before the references
            notes = squeeze("".join(walk(serialise(writer.notes_block())).text))
            assert notes in whole and whole.index(notes) > max(whole.find(squeeze(a)) for a in ("防范提示", *getattr(item, "advice", ())))
        listed = [url for url, _ in writer.references]
        assert all(article.content.count(f"[{n}] ") == 1 for n in range(1, len(listed) + 1))
        if isinstance(item, Case):
            text = squeeze("".join(walk(article.content).text))
            warning = site.config.type_by_key(item.type).warning
            pieces = [warning, *(["识别要点", *item.signs] if item.signs else []),
                      *(["防范提示", *item.advice] if item.advice else [])]
            positions = [text.find(squeeze(piece)) for piece in pieces]
            assert -1 not in positions and positions == sorted(positions), item.source


def test_mail_and_phone_links_read_their_address_and_footnotes_are_notes_not_references():
    html, writer = convert(render_markdown(
        "邮件[写信](mailto:fzb@example.edu.cn)或 <bwc@example.edu.cn>，电话[值班室](tel:0517-83550110)。"
        "见[官网](https://example.com/)[^1]。\n\n[^1]: 以官方公告为准。"))
    text = "".join(walk(html).text)
    assert "写信（fzb@example.edu.cn）或 bwc@example.edu.cn，电话值班室（0517-83550110）" in text
    assert "mailto" not in html and "tel:" not in html
    assert writer.references == [("https://example.com/", "官网")]  # [1] is the site's; the footnote is 注1
    assert re.search(r"官网</span><sup[^>]*>\[1\]</sup><sup[^>]*>注1</sup>", html)
    assert re.search(r"<h3[^>]*>注释</h3><p[^>]*>注1\u3000以官方公告为准。</p>", html)  # not a list's "1."


def test_outside_links_become_numbered_references_listed_once_in_order(site):
    item = next(i for i in site.published if i.id == "case-wechat-fixture")
    article = wechat.make_article(item, site, wechat.read_settings(site.config)[0])
    html = article.content
    assert html.count("[1]") == 3  # the same URL twice in the text, once in the list
    assert "参考链接" in html
    references = html.split("参考链接", 1)[1]
    assert references.index("https://shop.example.com/item?id=1&amp;from=ad") < references.index(
        BASE + "cases/2026-11-shuadan-like-task-freshmen/")
    assert references.count("https://shop.example.com/item?id=1&amp;from=ad") == 1
    assert '<a href="https://mp.weixin.qq.com/s/abc"' in html  # WeChat articles stay links
    assert "mp.weixin.qq.com" not in references


def listed_addresses(references_block: Node) -> list[str]:
    """The addresses 参考链接 shows, one a line."""
    return [text_of(line.children[-1]) for line in parse_fragment(serialise(references_block)).children[0].children[1:]]


def test_references_show_addresses_as_browsers_do_and_number_one_page_once():
    # Listed as written, a link copied from the address bar read https://www.baidu.com/s?wd=%E5%8F%8D%E8%AF%88,
    # and 电信诈骗 written as text and as escapes got two numbers.
    html, writer = convert(render_markdown(
        "[搜索](https://www.baidu.com/s?wd=%E5%8F%8D%E8%AF%88)、[说明](https://example.com/%E5%8F%8D诈/说明%20页面.html)、"
        "[甲](https://zh.wikipedia.org/wiki/电信诈骗)、[乙](HTTPS://ZH.Wikipedia.org/wiki/%e7%94%b5%E4%BF%A1%E8%AF%88%E9%AA%97)、"
        "[分隔符](https://example.com/a%2Fb?q=%25%26x%3D1%0A%E2%80%AE#%E4%B8%AD%23)、[半个字](https://example.com/%E5%8F)、"
        "[域名](https://xn--fiqs8s.example/%7Eadmin)、[点点](https://example.com/a/%2e%2e/b)"))
    assert re.findall(r"\[(\d+)\]", html) == ["1", "2", "3", "3", "4", "5", "6", "7"]
    assert listed_addresses(wechat.references_block(writer.references)) == [
        "https://www.baidu.com/s?wd=反诈", "https://example.com/反诈/说明%20页面.html",
        "https://zh.wikipedia.org/wiki/电信诈骗",
        # Escapes whose characters would read as part of the address (or not be seen at all) stay escapes.
        "https://example.com/a%2Fb?q=%25%26x%3D1%0A%E2%80%AE#中%23", "https://example.com/%E5%8F",
        "https://xn--fiqs8s.example/~admin", "https://example.com/a/%2E%2E/b"]  # not "..", another page
    assert writer.references[0] == ("https://www.baidu.com/s?wd=%E5%8F%8D%E8%AF%88", "搜索")  # as the link has it


def test_a_reference_shown_readable_still_shows_a_scam_address_defanged(site):
    # A scam host inside another site's address (a redirect's) was listed as it is, and written in escapes it is
    # spelt out once the address is shown decoded.
    item = replace(next(i for i in site.published if i.id == "case-wechat-fixture"), scam_urls=("http://evil.example/pay",),
                   body_packed=pack(render_markdown("[跳转页](https://safe.example/go?to=https%3A%2F%2F%65vil.example%2Fpay)"
                                                    "、[另一页](https://safe.example/?u=pay.evil.example)")))
    html = wechat.make_article(item, site, wechat.read_settings(site.config)[0]).content
    listed = html.split("参考链接", 1)[1]
    assert "https://safe.example/go?to=https%3A%2F%2Fevil[.]example%2Fpay" in listed
    assert "https://safe.example/?u=pay[.]evil[.]example" in listed and "evil.example" not in listed


def test_deep_lists_are_flattened_to_two_levels_not_dropped(site):
    item = next(i for i in site.published if i.id == "case-wechat-fixture")
    html = wechat.make_article(item, site, wechat.read_settings(site.config)[0]).content
    assert walk(html).deepest_list == 2
    for words in ("第一层", "第二层", "第三层", "第四层"):
        assert words in html
    assert "padding-left:2em\"><span style=\"color:#666\">• </span>第四层" in html  # indented by its level


def test_a_picture_without_an_address_becomes_its_words_not_an_upload_of_the_page():
    # Raw HTML with a pasted picture (<img src="data:…">) reaches the article without its src, which the
    # sanitiser drops: it resolved to the item's own page, listed in article.json as an image to upload.
    for html in ('<p>聊天记录<img alt="截图"></p>', '<p>聊天记录<img alt="截图" src=""></p>'):
        converted, writer = convert(html)
        assert "<img" not in converted and "截图" in converted
        assert writer.images == [] and writer.remote == []
    converted, writer = convert('<p><img alt="截图" src="/fzzl/media/cases/a.png"></p>')
    assert writer.images == ["media/cases/a.png"] and "<img" in converted


def test_a_space_between_inline_elements_stays_while_layout_between_blocks_goes():
    # Blank text was dropped in every list item and block: "请拨打 **96110**\n  **110** 报警" read 96110110.
    cases = {"- 请拨打 **96110**\n  **110** 报警": "请拨打 96110 110 报警",
             "- **Apple** *ID* 被盗": "Apple ID 被盗",
             '<div markdown="0">Hello <b>big</b> <i>world</i></div>': "Hello big world",
             "> **先挂断** *再核实*": "先挂断 再核实",
             "<p><strong>甲</strong>\u3000<strong>乙</strong>&nbsp;&nbsp;<em>丙</em></p>": "甲\u3000乙\xa0\xa0丙"}
    for body, words in cases.items():
        html = convert(render_markdown(body))[0]
        assert text_of(parse_fragment(html)).strip() == words, html
    html = convert(render_markdown("第一段\n\n- 甲\n- 乙\n\n> 引文"))[0]
    assert ">\n<" not in html and "> <" not in html  # newlines between blocks are not kept as text


def test_items_below_the_second_level_keep_their_own_numbers_and_leave_the_list_above_its_own():
    # Once lifted as items of the second-level list, they took numbers of that list: 打开设置 a, 注意 b,
    # 关闭共享 c instead of b. Now they stay inside the item above them, with their bullet or number written out.
    body = "1. 第一步\n    1. 打开设置\n        - 注意：不要点陌生链接\n        - 关掉定位\n    2. 关闭共享\n" \
           "        1. 再检查\n        2. 然后退出"
    root = parse_fragment(convert(render_markdown(body))[0])
    second = root.children[0].children[0].children[1]  # ol > li > [section 第一步, ol]
    assert second.tag == "ol" and [text_of(li) for li in second.children] == [
        "打开设置• 注意：不要点陌生链接• 关掉定位", "关闭共享1. 再检查2. 然后退出"]
    assert walk(serialise(root)).deepest_list == 2
    # An item with no text of its own, only a list: its bullet in a section of its own, not beside the next one's.
    html = convert("<ul><li>一<ul><li>二<ul><li><ul><li>四</li></ul></li></ul></li></ul></li></ul>")[0]
    sections = [text_of(node) for node in parse_fragment(html).children[0].children[0].children[1].children[0].children]
    assert sections == ["二", "• ", "• 四"]


def test_code_keeps_spaces_as_nbsp_and_tables_scroll(site):
    item = next(i for i in site.published if i.id == "case-wechat-fixture")
    html = wechat.make_article(item, site, wechat.read_settings(site.config)[0]).content
    assert "付款&nbsp;&nbsp;步骤：<br>&nbsp;&nbsp;&nbsp;&nbsp;先转账" in html
    assert re.search(r'<section style="[^"]*overflow-x:auto[^"]*"><table', html)
    assert "text-align:right\">500</td>" in html


def test_images_are_absolute_with_alt_and_listed_for_upload(built):
    data = json.loads((built / "wechat/cases/2026-11-wechat-fixture/article.json").read_text(encoding="utf-8"))
    preview = (built / "wechat/cases/2026-11-wechat-fixture/index.html").read_text(encoding="utf-8")
    # The preview shows the site's own pictures (it works before the site is published); the copy keeps full URLs.
    assert 'src="/fzzl/media/cases/img/chat.png" alt="聊天记录截图"' in preview and f'src="{BASE}' not in preview
    assert f'src=\\"{BASE}media/cases/img/chat.png\\"' in preview  # in the data the copy button takes
    uploads = {u["placeholder"]: u for u in data["uploads"]}
    assert uploads["{{IMAGE_1}}"]["file"] == "media/cases/img/chat.png"
    assert uploads["{{IMAGE_2}}"]["file"] == "wechat/column-qr.png"
    assert (built / "media/cases/img/chat.png").is_file() and (built / "wechat/column-qr.png").is_file()
    assert 'src="{{IMAGE_1}}" alt="聊天记录截图"' in data["article"]["content"]
    assert BASE + "media/" not in data["article"]["content"]


def test_a_picture_without_words_is_decorative_as_on_the_website_not_named_after_the_article(site):
    # It was given the article's title, which a screen reader read out before every such picture.
    item = replace(next(i for i in site.published if i.id == "case-wechat-fixture"),
                   body_packed=pack(render_markdown("![](/fzzl/media/cases/img/chat.png)\n\n<img src=\"/fzzl/media/a.png\">")))
    assert '<img alt="" src="/fzzl/media/cases/img/chat.png"' in item.body_html
    article = wechat.make_article(item, site, wechat.read_settings(site.config)[0])
    images = [attributes for tag, attributes in walk(article.api_content).tags if tag == "img"]
    assert images[0]["alt"] == "" and "alt" not in images[1]  # none written, none made up
    assert images[-1]["alt"] == "反诈防骗宣传专栏网站二维码" and item.title not in article.content  # the footer's own

def test_footer_has_hotline_app_column_and_a_qr_code_of_the_column(built):
    import zxingcpp
    from PIL import Image

    html = json.loads((built / "wechat/notices/2026-10-anti-fraud-app-drive/article.json").read_text("utf-8"))[
        "article"]["content"]
    footer = serialise(parse_fragment(html).children[0].children[-1])  # the outer section's last block
    for words in ("96110", "国家反诈中心", "反诈防骗宣传专栏", "0517-83550110", 'alt="反诈防骗宣传专栏网站二维码"'):
        assert words in footer
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO((built / "wechat/column-qr.png").read_bytes())))
    assert [code.text for code in codes] == [BASE]


def test_article_json_has_the_draft_api_fields_utf8_without_escapes(built):
    raw = (built / "wechat/cases/2026-11-wechat-fixture/article.json").read_bytes()
    assert b"\\u" not in raw and "公众号专用摘要".encode() in raw
    data = json.loads(raw.decode("utf-8"))
    article = data["article"]
    assert set(article) == {"title", "author", "digest", "content", "content_source_url", "thumb_media_id",
                            "need_open_comment", "only_fans_can_comment"}
    assert article["digest"] == "公众号专用摘要"  # the item's wechat.digest wins
    assert article["author"] == "保卫处"  # wechat.author in fraudsite.yaml
    assert article["content_source_url"] == BASE + "cases/2026-11-wechat-fixture/"
    assert article["thumb_media_id"] == "{{THUMB_MEDIA_ID}}" and article["need_open_comment"] == 0
    assert data["ready"] is False  # the title is longer than the draft API takes
    assert {c["field"]: c["level"] for c in data["checks"]}["title_api"] == "error"


def test_the_inline_article_json_cannot_break_out_of_its_script_element(built, site):
    text = script_json({"html": "</script><!-- & \u2028\u2029 中文"})  # the preview template's filter
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text and "\u2029" not in text
    assert "中文" in text and json.loads(text)["html"] == "</script><!-- & \u2028\u2029 中文"
    settings_ = wechat.read_settings(site.config)[0]
    for item in site.published[:5]:  # and each preview page carries its article through that filter
        article = wechat.make_article(item, site, settings_)
        page = (built / article.path / "index.html").read_text(encoding="utf-8")
        inline = re.search(r'<script type="application/json" id="wx-data">(.*?)</script>', page, re.S)
        assert inline and "<" not in inline.group(1) and json.loads(inline.group(1))["html"] == article.content


@pytest.mark.parametrize(("title", "author", "digest", "content", "broken"), [
    ("题" * 32, "作" * 8, "摘" * 120, "x" * 19_999, set()),
    ("题" * 33, "作" * 8, "摘" * 120, "x", {"title_api"}),
    ("题" * 65, "作" * 16, "摘" * 121, "x" * 20_000, {"title", "title_api", "digest", "content"}),
    ("题", "作" * 17, "摘", "x", {"author"}),
])
def test_length_limits(title, author, digest, content, broken):
    checks = wechat.length_checks(title, author, digest, content, has_cover=True)
    assert {c.field for c in checks if c.level == "error"} == broken


def test_long_author_only_warns():
    checks = {c.field: c for c in wechat.length_checks("题", "作" * 9, "摘", "x", has_cover=False)}
    assert checks["author"].level == "warn" and checks["cover"].level == "warn"
    assert all(c.level != "error" for c in checks.values())


def test_a_broken_limit_marks_the_article_not_ready_but_never_blocks_the_website(built, site):
    assert (built / "cases/2026-11-wechat-fixture/index.html").is_file()
    listing = (built / "wechat/index.html").read_text(encoding="utf-8")
    row = listing[listing.index("wechat/cases/2026-11-wechat-fixture/"):]
    assert row.index("未就绪") < row.index("</tr>")
    found = [p for p in wechat.check(site) if p.path == "content/cases/2026-11-wechat-fixture.md"]
    assert [(p.code, p.field, p.line, p.severity) for p in found] == [("W251", "wechat.title", 10, "warning")]  # its wechat: section
    assert "32" in found[0].message


def test_check_points_at_the_override_that_breaks_a_limit(site):
    item = next(i for i in site.published if i.id == "case-wechat-fixture")
    long_override = replace(item, wechat=(("author", "作" * 17), ("digest", "摘" * 121), ("title", "短标题")),
                            line_of=item.line_of + (("wechat.author", 12), ("wechat.digest", 13)))
    changed = replace(site, items=tuple(long_override if i is item else i for i in site.items))
    found = [(p.code, p.field, p.line) for p in wechat.check(changed) if p.path == item.source]
    assert found == [("W252", "wechat.author", 12), ("W253", "wechat.digest", 13)]


def test_a_draft_over_a_limit_says_both_in_its_badge(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site, ignore=shutil.ignore_patterns("build", ".fraudsite-cache"))
    case = next((site / "content/cases").rglob("*.md"))
    text = case.read_text(encoding="utf-8")
    case.write_text(text.replace("\ntitle:", "\ndraft: true\nwechat:\n  author: " + "作" * 17 + "\ntitle:", 1), encoding="utf-8")
    build_site(site, tmp_path / "out", now=NOW, drafts=True)
    [preview] = [path for path in (tmp_path / "out/wechat").rglob("index.html") if f"/{case.stem}/" in str(path)]
    badge = re.search(r'<p class="wx-badge[^>]*>(.*?)</p>', preview.read_text(encoding="utf-8")).group(1)
    assert badge.startswith("未就绪：这是草稿") and "另有长度超出限制" in badge
    case.write_text(text.replace("\ntitle:", "\ndraft: true\ntitle:", 1), encoding="utf-8")  # a draft alone
    build_site(site, tmp_path / "out", now=NOW, drafts=True)
    badge = re.search(r'<p class="wx-badge[^>]*>(.*?)</p>', preview.read_text(encoding="utf-8")).group(1)
    assert badge == "未就绪：这是草稿，改为 draft: false 并发布网站后再粘贴"


def test_a_previews_articles_not_to_be_sent_yet_say_why_and_stay_out_of_the_feed(tmp_path):
    # With --future and --drafts they read 可粘贴: an article scheduled for later, or linking to a draft, pasted
    # now sends readers to addresses that do not exist yet (its 阅读原文, its references).
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site, ignore=shutil.ignore_patterns("build", ".fraudsite-cache"))
    case = "---\nid: {id}\ntitle: {title}\ndate: {date}\ntype: shuadan\naudience: [students]\n{extra}---\n{body}\n"
    (site / "content/cases/later.md").write_text(case.format(
        id="case-later", title="定时发布的案例", date="2026-12-01 08:00", extra="", body="正文。"), encoding="utf-8")
    (site / "content/cases/unready.md").write_text(case.format(
        id="case-unready", title="还在写的案例", date="2026-11-20", extra="draft: true\n", body="正文。"), encoding="utf-8")
    (site / "content/cases/linking.md").write_text(case.format(
        id="case-linking", title="链接草稿的案例", date="2026-11-21", extra="", body="参见[另一起](unready.md)。"),
        encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, now=NOW, drafts=True, future=True)

    def badge(slug: str) -> str:
        page = (out / f"wechat/cases/{slug}/index.html").read_text(encoding="utf-8")
        return re.search(r'<p class="wx-badge[^>]*>(.*?)</p>', page).group(1)

    assert badge("later") == "定时：这一篇定于 2026年12月1日 08:00 在网站发布；发布以后再粘贴，否则“阅读原文”打不开"
    assert badge("linking") == "未就绪：正文链接的《还在写的案例》还是草稿；它发布以后再粘贴，否则文末的参考链接打不开"
    data = json.loads((out / "wechat/cases/linking/article.json").read_text(encoding="utf-8"))
    assert data["ready"] is False and data["hold"].startswith("正文链接的《还在写的案例》")
    listing = (out / "wechat/index.html").read_text(encoding="utf-8")
    assert "<li>这一篇定于 2026年12月1日 08:00 在网站发布" in listing
    links = [entry.link for entry in feedparser.parse((out / "wechat/feed.xml").read_bytes()).entries]
    assert links and not [link for link in links if link.split("/")[-2] in ("later", "linking", "unready")]
    options = BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml", now=at(NOW), future=True)
    assert at("2026-12-01 08:00") in wechat.change_moments(load_site(options)[0])  # a build's window ends there
    build_site(site, out, now="2026-12-01 09:00", drafts=True, future=True)
    assert badge("later").startswith("可粘贴") and badge("linking").startswith("未就绪：正文链接的")
    build_site(site, out, now="2026-12-02 09:00")  # all published by then, the draft aside: the link still waits
    assert badge("later").startswith("可粘贴") and badge("linking").startswith("未就绪：正文链接的")


def test_an_expired_notice_is_marked_not_to_be_sent_though_its_limits_pass(built, site):
    listing = (built / "wechat/index.html").read_text(encoding="utf-8")
    row = r'<a href="/fzzl/wechat/(notices/[^/]+)/">.*?</tr>\n(?:<tr class="wx-problems">.*?</tr>)?'
    rows = {m.group(1): m.group(0) for m in re.finditer(row, listing, re.S)}
    expired = {"2025-06-exam-season-alert", "2026-10-retirees-forum", "2026-11-police-expert-lecture"}
    for notice in (i for i in site.published if i.section == "notices"):
        row = rows[f"notices/{notice.slug}"]
        page = (built / f"wechat/notices/{notice.slug}/index.html").read_text(encoding="utf-8")
        badge = re.search(r'<p class="wx-badge[^>]*>(.*?)</p>', page).group(1)
        if notice.slug in expired:
            assert "已过期" in row and "可粘贴" not in row and "不要再发到公众号" in row
            assert badge.startswith("已过期：这则通知的有效期到 ")
        else:
            assert "已过期" not in row and not badge.startswith("已过期")
    ready = sum(wechat.make_article(i, site, wechat.read_settings(site.config)[0]).ready
                for i in site.published if i.slug not in expired)
    assert f"可直接粘贴 {ready} 篇" in listing


def test_list_is_newest_first_and_links_every_preview(built, site):
    listing = (built / "wechat/index.html").read_text(encoding="utf-8")
    positions = [listing.index(f'href="/fzzl/wechat/{item.section}/{item.slug}/"') for item in site.published]
    assert positions == sorted(positions)


def test_feed_carries_the_wechat_html_of_the_articles_ready_to_paste(built, site):
    # It carried every article, those past their limits and expired notices too, as "ready to paste".
    feed = feedparser.parse((built / "wechat/feed.xml").read_bytes())
    assert not feed.bozo
    settings = wechat.read_settings(site.config)[0]
    ready = [article for article in (wechat.make_article(item, site, settings) for item in site.published)
             if article.ready and not (isinstance(article.item, Notice) and is_expired(article.item, site.now))]
    assert 0 < len(ready) < len(site.published)
    assert [entry.link for entry in feed.entries] == [BASE + article.item.path for article in ready]
    # feedparser sanitises styles, so read content:encoded from the XML itself
    encoded = ElementTree.parse(built / "wechat/feed.xml").findall(
        "channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")
    assert encoded[0].text == ready[0].content


@pytest.mark.parametrize(("setting", "code", "field"), [
    ("  colour: red", "E104", "wechat.colour"),
    ("  qr_code: yes", "E103", "wechat.qr_code"),
    ("  author: 保卫处无诈校园创建办公室宣传教育科", "E103", "wechat.author"),
    ("  hotline: 九六一一零", "E103", "wechat.hotline"),
])
def test_bad_wechat_settings_are_problems_naming_fraudsite_yaml(tmp_path, setting, code, field):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE / "content", site / "content")
    config = (SAMPLE / "fraudsite.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?ms)^wechat:\n(  .*\n)*", "", config) + "wechat:\n  column_name: 反诈专栏\n" + setting + "\n"
    (site / "fraudsite.yaml").write_text(config, encoding="utf-8")
    line = config.splitlines().index(setting) + 1
    with pytest.raises(BuildFailed) as failure:
        build_site(site, tmp_path / "out", now=NOW)
    assert [(p.path, p.line, p.code, p.field) for p in failure.value.problems] == [
        ("fraudsite.yaml", line, code, field)]
    assert not (tmp_path / "out").exists()


def test_copy_script_is_es5():
    parse_es5((SAMPLE / "theme/static/wechat/copy.js").read_text(encoding="utf-8"), "copy.js")


def test_wechat_pages_are_valid_html(built):
    errors = run_vnu(built / "wechat")
    assert not errors, format_vnu(errors)


def test_image_formats_wechat_refuses_are_warnings_not_blockers():
    checks = {c.field: c for c in wechat.image_checks("media/cases/cover.svg", ["media/a.PNG", "media/b.webp"])}
    assert checks["cover_format"].level == "warn" and "cover.svg" in checks["cover_format"].message
    assert checks["images"].level == "warn" and "b.webp" in checks["images"].message
    assert "a.PNG" not in checks["images"].message
    assert {c.field: c.level for c in wechat.image_checks("media/c.jpg", ["media/a.jpeg"])} == {"images": "ok"}


def test_images_on_other_sites_are_named_since_wechat_drops_them():
    html, writer = convert('<p><img src="https://img.example.com/a/shot.jpg" alt="截图">'
                           '<img src="https://mmbiz.qpic.cn/mmbiz_png/x/0" alt="已上传">'
                           f'<img src="{BASE}media/own.png" alt="本站"></p>')
    assert writer.remote == ["https://img.example.com/a/shot.jpg"] and writer.images == ["media/own.png"]
    (found,) = [c for c in wechat.image_checks("", writer.images, writer.remote) if c.field == "remote_images"]
    assert found.level == "warn" and "shot.jpg" in found.message and "公众号会把它去掉" in found.message


def test_links_to_wechat_articles_stay_links_over_http_and_in_any_letter_case():
    html, writer = convert('<p><a href="http://mp.weixin.qq.com/s/abc">甲</a>'
                           '<a href="https://MP.WEIXIN.QQ.COM/s/def?x=1">乙</a>'
                           '<a href="HTTPS://Mp.Weixin.qq.com/s/ghi#p">丙</a>'
                           '<a href="https://mp.weixin.qq.com.evil.cn/s/x">丁</a>'
                           '<a href="https://mp.weixin.qq.com/s?__biz=MzA&amp;mid=1">戊</a>'
                           '<a href="https://mp.weixin.qq.com/cgi-bin/home">己</a></p>')  # no article: the editor refuses it
    assert re.findall(r'<a href="([^"]+)"', html) == [
        "https://mp.weixin.qq.com/s/abc", "https://mp.weixin.qq.com/s/def?x=1", "https://mp.weixin.qq.com/s/ghi#p",
        "https://mp.weixin.qq.com/s?__biz=MzA&amp;mid=1"]
    assert writer.references == [("https://mp.weixin.qq.com.evil.cn/s/x", "丁"),
                                 ("https://mp.weixin.qq.com/cgi-bin/home", "己")]


def test_a_local_image_is_fetched_by_an_ascii_url_and_uploaded_from_its_file():
    html, writer = convert('<p><img src="/fzzl/media/cases/images/%E8%81%8A%E5%A4%A9%20%E6%88%AA%E5%9B%BE.png" alt="甲">'
                           '<img src="/fzzl/media/cases/images/封面%20图.png" alt="乙"></p>')
    assert re.findall(r'<img src="([^"]+)"', html) == [
        f"{BASE}media/cases/images/%E8%81%8A%E5%A4%A9%20%E6%88%AA%E5%9B%BE.png",
        f"{BASE}media/cases/images/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.png"]
    assert writer.images == ["media/cases/images/聊天 截图.png", "media/cases/images/封面 图.png"]


def test_footer_and_comments_follow_the_settings(site):
    quiet = wechat.Settings(column_name="反诈专栏", hotline="12381", app_name="反诈App", qr_code=False,
                            open_comment=True)
    footer = serialise(wechat.footer_block(quiet, BASE))
    assert "<img" not in footer and "12381" in footer and "反诈App" in footer and "反诈专栏" in footer
    article = wechat.make_article(site.published[0], site, quiet)
    assert wechat.QR_PATH not in article.content
    assert [u.file for u in article.uploads if u.placeholder != wechat.THUMB_PLACEHOLDER] == []
    assert wechat.article_data(article, quiet)["article"]["need_open_comment"] == 1


def test_fraudsite_check_reports_a_broken_wechat_limit(sample):
    result = run_fraudsite("check", sample, "--now", NOW)
    lines = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "[W251]" in line]
    assert lines and lines[0].startswith("content/cases/2026-11-wechat-fixture.md:10: wechat.title:"), lines


def test_the_checklist_comes_in_pages_that_list_every_article_once(sample, tmp_path, monkeypatch, site):
    monkeypatch.setattr(wechat, "CHECKLIST_SIZE", 5)
    out = tmp_path / "paged"
    build_site(sample, out, now=NOW)
    count = -(-len(site.published) // 5)
    pages = [out / "wechat/index.html"] + [out / f"wechat/page/{n}/index.html" for n in range(2, count + 1)]
    assert not (out / f"wechat/page/{count + 1}").exists()
    listed = []
    for number, path in enumerate(pages, start=1):
        html = path.read_text(encoding="utf-8")
        assert f"共 {len(site.published)} 篇" in html and f"第 {number} / {count} 页" in html
        assert ('rel="prev" href="/fzzl/wechat/' in html) == (number > 1)
        assert ('rel="next" href="/fzzl/wechat/page/' in html) == (number < count)
        listed += re.findall(r'<th scope="row"><a href="/fzzl/(wechat/[^"]+)"', html)
    assert listed == [f"wechat/{item.section}/{item.slug}/" for item in site.published]  # newest first, each once
    expired = [item for item in site.published if isinstance(item, Notice) and is_expired(item, site.now)]
    ready = sum(1 for item in site.published if item.id != "case-wechat-fixture" and item not in expired)
    assert f"可直接粘贴 {ready} 篇" in pages[-1].read_text(encoding="utf-8")  # the whole column's count on every page


def test_an_article_read_back_from_the_store_is_the_article_made(site):
    settings, _ = wechat.read_settings(site.config)
    articles = [wechat.make_article(item, site, settings) for item in site.published]
    assert any(a.uploads[1:] for a in articles) and any(not a.ready for a in articles)  # images, and a broken limit
    for article in articles:
        assert wechat.article_from_blob(wechat.article_blob(article), article.item) == article


def test_an_edit_build_reads_back_only_the_articles_it_shows(tmp_path, monkeypatch):
    # Every build plans every article, but an edit renders few pages: reading every stored article's
    # fields back took 0.8 s of an edit at 10,000 items.
    site = wechat_site(tmp_path)
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("feed_size: 50", "feed_size: 2"), encoding="utf-8")
    monkeypatch.setattr(wechat, "CHECKLIST_SIZE", 3)
    monkeypatch.setenv("FRAUDSITE_WORKERS", "1")  # pages rendered here, where the reads are counted
    build_site(site, now=NOW)
    read = []
    wechat._unpacked_head.cache_clear()  # filled by an earlier test's build of the same articles
    unpack_head = wechat.unpack_head
    monkeypatch.setattr(wechat, "unpack_head", lambda head: read.append(head) or unpack_head(head))
    case = site / "content/cases/2024-03-shuadan-part-time-job.md"
    case.write_text(case.read_text(encoding="utf-8").replace("三天内被骗8600元", "三天内被骗八千六百元"), encoding="utf-8")
    build_site(site, now=NOW)
    # The edited one, the other two on its checklist page and the feed's two newest; not the other twenty.
    assert 0 < len(read) <= 1 + 2 + 2
    html = (site / "build/wechat/cases/2024-03-shuadan-part-time-job/index.html").read_text(encoding="utf-8")
    assert "八千六百元" in html and "wx-author" in html


def test_a_notice_that_ends_with_its_own_signature_gets_no_second_one(built):
    """The letter to parents ends with 保卫处 and 2026年9月12日; the knowledge test ends with a sentence."""
    signed = json.loads((built / "wechat/notices/2026-09-letter-to-parents/article.json").read_text(encoding="utf-8"))
    assert signed["article"]["content"].count("2026年9月12日") == 1
    assert "print-only signature" not in (built / "notices/2026-09-letter-to-parents/index.html").read_text()
    unsigned = json.loads((built / "wechat/notices/2026-11-knowledge-test/article.json").read_text(encoding="utf-8"))
    assert "学生工作处<br>2026年11月25日" in unsigned["article"]["content"]  # the signature the channel adds
    assert "print-only signature" in (built / "notices/2026-11-knowledge-test/index.html").read_text()


@pytest.mark.parametrize("ending, signed", [
    ("保卫处（无诈校园创建办公室）\n\n2026年9月12日", True), ("保卫处\n\n二〇二六年九月十二日", True),
    ("保卫处　2026 年 9 月 12 日", True), ("保卫处\n2026年9月12日", True),  # one paragraph, its lines joined
    ("二〇二六年九月十二日", False),  # a date alone: whose signature?
    ("截止日期：2026年9月30日", False), ("请于2026年9月30日前交回。", False), ("联系电话：0517-83550110", False),
    ("保卫处\n\n| 时间 | 地点 |\n|---|---|\n| 2026年9月1日 | 操场 |", False)])
def test_a_body_ending_with_the_issuer_and_a_date_ends_signed(ending, signed):
    assert ends_signed(render_markdown("正文。\n\n" + ending), "保卫处") is signed


def test_a_digest_cut_from_a_long_summary_fits_the_limit_with_its_ellipsis(tmp_path):
    site = wechat_site(tmp_path)
    summary = "学校财务处提醒" + "不要相信任何自称老师的人发来的缴费二维码和收款账号" * 6  # no sentence end to cut at
    write(site, "content/notices/2026-11-long-summary.md", f"""
        ---
        id: notice-long-summary
        title: 关于谨防缴费诈骗的提醒
        date: 2026-11-20
        issuer: 财务处
        summary: {summary}
        ---

        请通过学校官方平台缴费。
        """)
    build_site(site, tmp_path / "out", now=NOW)
    digest = json.loads((tmp_path / "out/wechat/notices/2026-11-long-summary/article.json").read_text())["article"]["digest"]
    assert len(digest) == 120 and digest.endswith("…") and len(summary) > 120
    checked = run_fraudsite("check", site, "--now", NOW)
    assert "W253" not in checked.stdout + checked.stderr


def test_only_wechat_s_own_image_host_is_kept_not_a_look_alike():
    _html, writer = convert('<p><img src="https://evilqpic.cn/a.jpg" alt="仿冒"><img src="https://qpic.cn/b.jpg" alt="本站"></p>')
    assert writer.remote == ["https://evilqpic.cn/a.jpg"]
