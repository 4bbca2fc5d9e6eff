"""Markdown rendering: Chinese typography, anchors, footnotes, links between content files."""

from __future__ import annotations

import operator
import re
import subprocess
import sys
import unicodedata
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsite.markup import MAX_NESTING, LinkContext, _too_deep, plain_text, render_body, shorten
from fraudsite.yamltext import YamlProblem, read_yaml


def render(body: str, item_paths: dict[str, str] | None = None) -> str:
    context = LinkContext("content/cases/a.md", body, 1, "/fzzl/", item_paths or {}, lambda path: True)
    return render_body(context).html


def test_a_line_break_between_chinese_characters_is_not_a_space():
    assert render("第一行\n第二行") == "<p>第一行第二行</p>"
    assert render("见[链接](https://a.example)\n后面的文字。") == '<p>见<a href="https://a.example">链接</a>后面的文字。</p>'
    assert render("前面的文字\n**重点**") == "<p>前面的文字<strong>重点</strong></p>"
    assert render("English\nwords") == "<p>English\nwords</p>"


def test_heading_anchors_are_readable_chinese():
    html = render("## 案情经过\n\n## 警方提示\n\n## 案情经过")
    assert 'id="案情经过"' in html and 'id="警方提示"' in html and 'id="案情经过_1"' in html


def toc_own_way(body: str) -> str:
    """The body rendered with the toc extension's own pass for every heading (no plain-text shortcut)."""
    from unittest import mock

    from markdown.extensions.toc import TocTreeprocessor

    from fraudsite import markup

    with mock.patch.object(markup._HeadingIds, "run", TocTreeprocessor.run):
        return render(body)


HEADING_TEXT = st.text(st.sampled_from("案情警方提示甲乙 abcAB12_-&<>*`.:'\"\t\\"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), HEADING_TEXT), min_size=1, max_size=6), st.booleans())
def test_heading_ids_are_those_the_toc_extension_gives(headings, marker):
    """Headings of plain text get their ids without toc's own pass; the ids (and the [TOC] table) stay its."""
    body = "\n\n".join(f"{'#' * level} {text}" for level, text in headings) + ("\n\n[TOC]" if marker else "")
    assert render(body) == toc_own_way(body)


def test_heading_ids_with_markup_clashes_and_the_toc_marker():
    for body in ("## 关于**转账**\n\n## 关于转账", "## 甲_1\n\n## 甲\n\n## 甲", "## A &amp; B\n\n## A & B", "## \\*注意\\*",
                 "## 案情经过\n\n[TOC]\n\n## 警方提示"):
        assert render(body) == toc_own_way(body)
    assert '<li><a href="#警方提示">警方提示</a></li>' in render("[TOC]\n\n## 警方提示")
    assert 'id="甲_2"' in render("## 甲_1\n\n## 甲\n\n## 甲")


def nesting_line(body: str) -> int:
    """What ``_too_deep`` answers, line by line without its shortcut."""
    for number, line in enumerate(body.split("\n"), start=1):
        prefix = line[: len(line) - len(line.lstrip(" \t>"))]
        quotes = prefix.count(">")
        if quotes > MAX_NESTING or (len(prefix.replace("\t", "    ")) - quotes) // 2 > MAX_NESTING * 2:
            return number
    return 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.text(st.sampled_from(" \t>"), max_size=200),  # and prefixes near the limits
                                    st.builds(operator.mul, st.sampled_from([">", "\t", " ", "> ", "\t>"]),
                                              st.sampled_from([MAX_NESTING, MAX_NESTING + 1, 4 * MAX_NESTING + 1,
                                                               4 * MAX_NESTING + 2]))),
                          st.sampled_from(["", "- 项", "引用"])), max_size=5))
def test_too_deep_nesting_is_found_on_its_line(lines):
    body = "\n".join(prefix + text for prefix, text in lines)
    assert _too_deep(body) == nesting_line(body)


def test_footnote_strings_are_chinese():
    html = render("正文[^1]。\n\n[^1]: 注释内容。")
    assert 'title="返回正文第 1 处引用"' in html and "Jump back" not in html


def test_strikethrough_and_highlight_as_typora_and_wechat_editors_write_them():
    assert "<p>原价<del>199 元</del>，<mark>今天免费</mark>领取</p>" in render("原价~~199 元~~，==今天免费==领取")
    assert "<del><strong>先交钱</strong>再领奖</del>" in render("~~**先交钱**再领奖~~")
    # Not a pair: a space inside a mark, marks alone, marks in code, as GFM reads ~~
    for text in ("好的~~ 谢谢 ~~", "快来~~~~", "a == b == c", "`~~代码~~`"):
        assert "<del>" not in render(text) and "<mark>" not in render(text), text


def test_links_to_content_files_become_page_urls_with_their_anchor():
    html = render("见[案例](other.md#案情经过)。", {"content/cases/other.md": "cases/other-slug/"})
    assert 'href="/fzzl/cases/other-slug/#案情经过"' in html


def render_with_files(body: str, files: set[str], item_paths: dict[str, str] | None = None):
    """A body of content/cases/a.md rendered where only ``files`` exist, named as the disk names them."""
    spelt = {name.lower(): name for name in files}
    context = LinkContext("content/cases/a.md", body, 1, "/fzzl/", item_paths or {}, files.__contains__,
                          case_variant=lambda path: spelt.get(path.lower(), "") if path not in files else "")
    return render_body(context)


def test_percent_encoded_local_paths_are_decoded_and_written_as_valid_urls():
    """VS Code's drag and drop writes %20 for a space and %E8%81%8A for 聊: the file is found and copied, and the
    page gets a URL a browser can use (a space encoded, Chinese kept as the site's other links keep it)."""
    body = ("![截图](images/聊天%20截图.png)\n\n![截图2](images/%E8%81%8A%E5%A4%A9%E6%88%AA%E5%9B%BE.png)\n\n"
            "[冒充客服](冒充%20客服.md#经过)")
    rendered = render_with_files(body, {"content/cases/images/聊天 截图.png", "content/cases/images/聊天截图.png"},
                                 {"content/cases/冒充 客服.md": "cases/冒充客服/"})
    assert rendered.problems == []
    assert rendered.assets == [("content/cases/images/聊天 截图.png", "media/cases/images/聊天 截图.png"),
                               ("content/cases/images/聊天截图.png", "media/cases/images/聊天截图.png")]
    assert 'src="/fzzl/media/cases/images/聊天%20截图.png"' in rendered.html
    assert 'src="/fzzl/media/cases/images/聊天截图.png"' in rendered.html
    assert 'href="/fzzl/cases/冒充客服/#经过"' in rendered.html


def test_a_file_named_in_another_letter_case_is_named_in_the_error():
    rendered = render_with_files("正文\n\n![聊天](images/chat.png)\n\n![无](images/none.png)",
                                 {"content/cases/images/Chat.PNG"})
    assert [(p.line, p.code, p.message) for p in rendered.problems] == [
        (3, "E304", "“images/chat.png”引用的文件不存在；是否想写 images/Chat.PNG？文件名的大小写要和实际文件完全一致，"
                    "网站服务器区分大小写"),
        (5, "E304", "“images/none.png”引用的文件不存在；请把文件放到 content/cases/images/ 下，或改正路径")]


def test_a_missing_file_is_reported_at_the_line_that_links_it_not_where_its_name_first_appears():
    body = ("![聊天截图](images/chat.png)\n\n见[相关](b.md)。\n\n![转账截图](chat.png)\n\n另一个[链接](b)。\n\n"
            "再一次 ![又是](chat.png \"说明\")\n\n[参考]: <chat.png>\n\n见[参考][]。")
    rendered = render_with_files(body, {"content/cases/images/chat.png"}, {"content/cases/b.md": "cases/b/"})
    assert [(p.line, p.code, p.message.split("”")[0]) for p in rendered.problems] == [
        (5, "E304", "“chat.png"), (7, "E304", "“b"), (9, "E304", "“chat.png"), (11, "E304", "“chat.png")]
    # another item's name written without .md: the link it most likely means
    assert rendered.problems[1].message == "“b”引用的文件不存在；是否想链接到 b.md？链接到另一篇内容要写上 .md"


def test_an_e_mail_address_autolinked_is_a_mailto_link_not_a_missing_file():
    # Python-Markdown writes <bwc@example.edu.cn> as character entities, which were taken for a file's name (E304).
    rendered = render_with_files("请把回执发送至 <bwc@example.edu.cn>，或 <mailto:bwc@example.edu.cn>。", set())
    assert rendered.problems == []
    assert rendered.html.count('<a href="mailto:bwc@example.edu.cn">bwc@example.edu.cn</a>') == 2


def test_a_misspelt_link_to_another_item_names_the_file_it_most_likely_means():
    from fraudsite.cache import lookups_hold, render_recorded
    from fraudsite.markup import NearestPage

    paths = {"content/cases/2024-03-shuadan-part-time-job.md": "cases/a/", "content/cases/a.md": "cases/x/",
             "content/notices/2026-01-exam-notice.md": "notices/n/"}
    context = LinkContext("content/cases/a.md", "正文\n\n见[另一篇](2024-03-shuadan-part-time-jbo.md)和"
                          "[通知](../notices/2026-01-exam-notise.md)、[无关](missing.md)。", 1, "/fzzl/", paths,
                          lambda path: True, nearest_page=NearestPage(tuple(sorted(paths))))
    body, lookups = render_recorded(context)
    assert [p.message.split("；")[1] for p in body.problems] == [
        "是否想写 2024-03-shuadan-part-time-job.md？", "是否想写 ../notices/2026-01-exam-notice.md？", "请检查文件名，或删除这个链接"]
    # The hint is one of the lookups a cached body is checked by: a file added since that is closer makes it again.
    assert lookups_hold(lookups, context)
    closer = {**paths, "content/cases/missing2.md": "cases/m/"}
    assert not lookups_hold(lookups, replace(context, item_paths=closer, nearest_page=NearestPage(tuple(sorted(closer)))))


def test_a_file_on_the_editors_own_computer_or_pasted_image_data_is_an_error_not_a_broken_picture():
    # Typora and Word write a picture dragged in as file:///C:/…, which the sanitiser then dropped without a word:
    # the page had an empty picture, and the WeChat article listed the page itself as an image to upload.
    data = "data:image/png;base64," + "iVBORw0KGgo" * 20
    body = (f"正文\n\n![截图](file:///C:/Users/xiaozhang/Pictures/chat.png)\n\n![图](C:/Users/a/b.png)\n\n"
            f"[通知](file:///D:/通知.docx)\n\n![粘贴]({data})\n\n[邮件](mailto:bwc@example.edu.cn)")
    rendered = render_with_files(body, set())
    assert [(p.line, p.code, p.field) for p in rendered.problems] == [
        (3, "E305", "图片"), (5, "E305", "图片"), (7, "E305", "链接"), (9, "E305", "图片")]
    assert rendered.problems[0].message.startswith("“file:///C:/Users/xiaozhang/Pictures/chat.png”是编辑者自己电脑上的文件")
    assert rendered.problems[3].message.startswith(f"“{data[:40]}…”不是图片文件的地址")  # not the whole picture
    assert 'href="mailto:bwc@example.edu.cn"' in rendered.html


def test_links_and_pictures_in_raw_html_are_resolved_and_checked_as_markdowns_are():
    # Left as written, <a href="b.md"> and <img src="img/a.png"> were broken on the site and passed every check;
    # a raw link to a listed scam site stayed a live link on the anti-fraud column.
    body = ('正文\n\n<a href="b.md#经过">另一篇</a>和<img src="img/a.png" alt="图">\n\n'
            "<div><img src='img/none.png' alt='缺'><a href=../../theme/x.md>外</a></div>\n\n"
            '<p><a href="https://fake-bank.example/login">点此领取</a><a href="https://www.gov.cn/">政府网</a></p>')
    context = LinkContext("content/cases/a.md", body, 1, "/fzzl/", {"content/cases/b.md": "cases/b/"},
                          {"content/cases/img/a.png"}.__contains__, scam_urls=("https://fake-bank.example",))
    rendered = render_body(context)
    assert '<a href="/fzzl/cases/b/#经过">另一篇</a>' in rendered.html
    assert '<img src="/fzzl/media/cases/img/a.png" alt="图">' in rendered.html
    assert rendered.assets == [("content/cases/img/a.png", "media/cases/img/a.png")]
    assert [(p.line, p.code) for p in rendered.problems] == [(5, "E304"), (5, "E303")]
    assert "<a>点此领取</a>" in rendered.html and '<a href="https://www.gov.cn/">政府网</a>' in rendered.html
    # Only a tag's own address attribute, never words inside another one; nothing in a comment or a script.
    body = ('<IMG ALT="示例 src=none.png" SRC=img/a.png> <a title="见 href=nope.md" href=\'b.md\'>乙</a>\n\n'
            '<!-- 旧版配图：<img src="old.png"> <a href="old.md">旧</a> -->\n\n'
            '<script>var s = \'<img src="\' + pic + \'">\';</script>\n\n正文')
    rendered = render_body(replace(context, body=body))
    assert rendered.problems == [] and rendered.assets == [("content/cases/img/a.png", "media/cases/img/a.png")]
    assert '<img alt="示例 src=none.png" src="/fzzl/media/cases/img/a.png">' in rendered.html
    assert '<a title="见 href=nope.md" href="/fzzl/cases/b/">乙</a>' in rendered.html


def test_a_summary_keeps_blocks_apart_and_skips_a_notices_salutation():
    # Blocks were joined with nothing between Chinese text (发广告在朋友圈), and every notice drafted by
    # fraudsite new began its card, screen slide and WeChat digest with 各部门、各二级学院：.
    from fraudsite.markup import opening_text

    def opening(body: str) -> str:
        return opening_text(render_with_files(body, set()).html)

    assert opening("骗子的套路如下：\n\n- 第一步：发广告\n- 在朋友圈\n\n## 小标题\n\n第二步：交保证金。请拨打96110。") == (
        "骗子的套路如下：第一步：发广告；在朋友圈；第二步：交保证金。请拨打96110。")
    assert opening("各部门、各二级学院：\n\n近期有骗子冒充辅导员。\n\n请做好提醒。") == "近期有骗子冒充辅导员。请做好提醒。"
    assert opening("提醒如下：\n\n- 不转账") == "提醒如下：不转账"  # a lead-in to a list is no salutation
    assert opening("小王接到电话，对方说：\n\n“您的快递丢失了。”") == "小王接到电话，对方说：“您的快递丢失了。”"
    assert opening("在 App Store 购买\n\n> 引用一段\n\nSee the notes\n\nand more") == (
        "在 App Store 购买；引用一段 See the notes and more")


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["- ", "* ", "1. "]), st.sampled_from(["甲", "乙丙", "ab"])),
                min_size=1, max_size=6), st.booleans(), st.integers(0, 2))
def test_lists_render_as_editors_previews_show_them(items, lead_in, quotes):
    # VS Code, Typora and GitHub show a list straight after a line of text, and nested by two spaces (or by its
    # marker's width), as lists; Python-Markdown wants a blank line before and four spaces a level. The same list
    # written either way renders the same, in a quote (or a quote in a quote) too.
    levels: list[int] = []
    for wanted, _, _ in items:  # each at most one deeper than the one before
        levels.append(min(wanted, levels[-1] + 1 if levels else 0))
    width = {"- ": 2, "* ": 2, "1. ": 3}
    editors, markdowns, indent = [], [], [0]
    for level, (_, marker, text) in zip(levels, items):
        del indent[level + 1:]
        editors.append(" " * indent[level] + marker + text)
        markdowns.append(" " * (4 * level) + marker + text)
        indent.append(indent[level] + width[marker])
    head = ["骗子的套路如下："] if lead_in else []

    def quoted(lines: list[str]) -> str:
        return "\n".join(("> " * quotes + line).rstrip() for line in lines)

    as_written = render_with_files(quoted(head + editors), set()).html
    assert as_written == render_with_files(quoted(head + [""] * lead_in + markdowns), set()).html
    assert as_written.count("<li>") == len(items) and as_written.count("<blockquote>") == quotes


@pytest.mark.parametrize("body", [
    "- 第一项\n  续行\n- 第二项\n- 第三项",  # a line under an item: the list stays tight
    "- a\n续行\n- b",
    "1. 步骤\n\n    说明段落\n\n        代码行\n        第二行\n\n2. 下一步",  # code inside an item
    "上文\n\n* * *\n\n  两个空格开头的段落",  # a rule is no item
    "* * *\n  - 规则下面的列表",
    "- a\n## 小标题\n\n  两个空格缩进的段落",  # a heading ends the list
    "1. 第一\n2. 第二\n\n  下一段正文\n\n  又一段",
    "- a\n    - b\n        - c\n- d",
    "正文\n2. 不是列表",  # only 1. begins a list inside a paragraph
    "> 提示\n>\n> - a",
    "> 提示\n>\n> - a\n>     - b\n\n> 另一段引用\n> 第二行",
    "> 引用里的代码：\n>\n>     - 不是列表\n>     第二行",
    "> ```\n> $ ls\n> - file\n> ```",  # fenced code and HTML in a quote are not looked into
    "> <div>\n> 提示：\n> - a\n> </div>",
    "- 甲\n    ```\n    > 引用\n    > - x\n\n    ```\n- 丙",  # nor fenced code in an item
])
def test_what_python_markdown_already_reads_as_written_is_left_as_it_was(body):
    # The first version of the list preprocessor made tight lists loose, code in items paragraphs, and read rules
    # as items (a helper's review): whatever Python-Markdown reads as the editor meant must not change.
    from fraudsite.markup import new_converter

    render_with_files(body, set())  # a body under way, as converters expect (its links, its scam addresses)
    plain = new_converter()
    plain.preprocessors.deregister("editors_lists")
    assert new_converter().convert(body) == plain.convert(body)


@pytest.mark.parametrize(("body", "shown"), [
    # A paragraph indented as Word indents one (a tab, four spaces) was code: a grey box scrolling sideways on a
    # phone, and no summary for the page.
    ("\t某学院学生小王在网上\n\t看到兼职广告。\n\n    第二段。", "<p>某学院学生小王在网上看到兼职广告。</p><p>第二段。</p>"),
    ("> 提示\n>\n>     缩进的一段", "<blockquote><p>提示</p><p>缩进的一段</p></blockquote>"),
    ("- 一\n\n    续段", "<ul><li><p>一</p><p>续段</p></li></ul>"),  # the item's own paragraph, as before
    ("- 一\n\n        照原样", "<ul><li>一<pre><code>照原样</code></pre></li></ul>"),  # beyond the item's text: code
])
def test_an_indented_paragraph_is_a_paragraph_as_in_typora(body, shown):
    html = render_with_files(body, set()).html
    assert re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip() == shown


@pytest.mark.parametrize(("body", "shown"), [
    # A quote ends where VS Code, Typora and GitHub end it; Python-Markdown took each of these lines into it.
    ("> 提示\n- 不要转账", "<blockquote><p>提示</p></blockquote><ul><li>不要转账</li></ul>"),
    ("> 提示\n1. 挂断电话", "<blockquote><p>提示</p></blockquote><ol><li>挂断电话</li></ol>"),
    ("> - 甲\n- 乙", "<blockquote><ul><li>甲</li></ul></blockquote><ul><li>乙</li></ul>"),
    ("> 提示\n>\n正文", "<blockquote><p>提示</p></blockquote><p>正文</p>"),
    ("> 提示\n---\n正文", "<blockquote><p>提示</p></blockquote><hr><p>正文</p>"),  # was a heading, "&gt; 提示"
    ("- 甲\n\n> 提示\n- 乙", "<ul><li>甲</li></ul><blockquote><p>提示</p></blockquote><ul><li>乙</li></ul>"),
    ("> > 内层\n> - 外层的项", "<blockquote><blockquote><p>内层</p></blockquote><ul><li>外层的项</li></ul></blockquote>"),
    ("> 提示\n续行", "<blockquote><p>提示续行</p></blockquote>"),  # text goes on in the quote, in the previews too
    # A quote in an item, indented by four spaces, with a list in it as editors write one: the list was text,
    # and the next item part of the quote.
    ("- 一\n\n    > 提示：\n    > - a\n    > - b\n- 二",
     "<ul><li><p>一</p><blockquote><p>提示：</p><ul><li>a</li><li>b</li></ul></blockquote></li><li><p>二</p></li></ul>"),
    ("- 一\n    > 提示：\n    > - a\n    >   - b\n- 二",
     "<ul><li>一<blockquote><p>提示：</p><ul><li>a<ul><li>b</li></ul></li></ul></blockquote></li><li>二</li></ul>"),
    ("- 一\n  > 提示：\n  > - a\n- 二", "<ul><li>一<blockquote><p>提示：</p><ul><li>a</li></ul></blockquote></li><li>二</li></ul>"),
    ("1. 第一步\n    > 注意\n2. 第二步", "<ol><li>第一步<blockquote><p>注意</p></blockquote></li><li>第二步</li></ol>"),
    ("- 一\n\n        > 代码\n        > - 照原样", "<ul><li>一<pre><code>&gt; 代码\n&gt; - 照原样</code></pre></li></ul>"),  # code
])
def test_quotes_end_and_hold_lists_where_editors_previews_show_them(body, shown):
    html = render_with_files(body, set()).html
    assert re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip() == shown


@pytest.mark.parametrize(("body", "shown"), [
    # Numbered steps, then a checklist: two lists in the previews; Python-Markdown numbered the checklist 3. and 4.
    ("1. 第一步\n2. 第二步\n- 甲\n- 乙", "<ol><li>第一步</li><li>第二步</li></ol><ul><li>甲</li><li>乙</li></ul>"),
    ("- 甲\n1. 第一步", "<ul><li>甲</li></ul><ol><li>第一步</li></ol>"),
    ("说明：\n1. 第一步\n- 甲", "<p>说明：</p><ol><li>第一步</li></ol><ul><li>甲</li></ul>"),
    ("1. 第一步\n    - 甲\n    - 乙\n2. 第二步", "<ol><li>第一步<ul><li>甲</li><li>乙</li></ul></li><li>第二步</li></ol>"),
    ("- 甲\n* 乙", "<ul><li>甲</li><li>乙</li></ul>"),  # both bullets: one list, as Python-Markdown has it
])
def test_a_numbered_list_and_a_bulleted_one_after_it_are_two_lists(body, shown):
    html = render_with_files(body, set()).html
    assert re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip() == shown


@pytest.mark.parametrize("body", [
    "- 甲\n  > 提示\n  >\n  续行\n- 丙",  # a blank quoted line in an item: a blank line after it parted the list
    "- 甲\n    > 提示\n    >\n    续行\n- 丙",
    "- 甲\n    > 提示\n    >\n    - 子项\n- 丙",
    "- 甲\n    > 提示\n    ---\n- 丙",
    "- 甲\n    ```\n    > 引用\n    > - x\n    ```\n- 丙",  # fenced code in an item is not looked into
    "## 标题\n- 甲\n> 提示\n- 丙",
])
def test_a_quote_in_a_list_never_parts_the_list(body):
    # Lines after a quote in a list go on in the quote as Python-Markdown reads them: a blank line put there to end
    # it made the next line (or a rule, or the next item) part or leave the list (a helper's review).
    flat = re.sub(r"</?p>|\s+", "", render_with_files(body, set()).html)
    assert flat.endswith("<li>丙</li></ul>") and flat.count("<ul>") - flat.count("<ul><li>子项") == 1


@pytest.mark.parametrize("body", ["> 提示\n    - 缩进", "> 提示\n\t- 项"])
def test_an_indented_line_after_a_quote_goes_on_in_it(body):
    # As in the previews: only a list item at the margin ends a quote; this one had become a code block.
    html = render_with_files(body, set()).html
    assert "<pre>" not in html and html.count("<blockquote>") == 1 and "<li>" not in html


@pytest.mark.parametrize("quote", ["", "> "])
def test_a_rule_under_a_list_is_a_rule_not_a_heading_made_of_the_last_item(quote):
    # Python-Markdown read "- a" above "---" as a heading "- a"; the editors' previews show the list, then a rule.
    html = render_with_files("\n".join(quote + line for line in ["注意：", "- 不转账", "---", "正文"]), set()).html
    assert "<h2" not in html and "<li>不转账</li>" in html and "<hr>" in html


def test_search_text_keeps_blocks_apart_so_no_phrase_spans_a_heading_and_its_paragraph():
    html = render_with_files("## 工作要求\n\n各单位要做好宣传。\n\n- 甲\n- 乙", set()).html
    assert plain_text(html, apart=True) == "工作要求 各单位要做好宣传。 甲 乙"
    assert plain_text(html) == "工作要求各单位要做好宣传。甲乙"  # a summary's and a feed's text, as before


def test_a_level_one_heading_is_warned_of_and_shown_a_level_lower_with_the_headings_below_it():
    body = "开头\n\n# 案情经过\n\n```\n# 代码里的井号\n```\n\n## 细节\n\n警方提示\n====\n\n[TOC]"
    rendered = render_with_files(body, set())
    assert [(p.line, p.code, p.severity) for p in rendered.problems] == [(3, "W307", "warning"),
                                                                          (11, "W307", "warning")]
    assert rendered.problems[0].message == ("“# 案情经过”是一级标题，和页面标题同级；小标题请用两个 #，写成“## 案情经过”，"
                                            "更小的一层用 ###（现暂按低一级显示）")
    assert "<h1" not in rendered.html
    assert re.findall(r"<h(\d) id=\"([^\"]+)\"", rendered.html) == [("2", "案情经过"), ("3", "细节"), ("2", "警方提示")]
    assert '<li><a href="#案情经过">案情经过</a><ul>' in rendered.html  # the [TOC] table nests by the shown levels


def test_a_link_typed_with_chinese_brackets_is_warned_of_at_its_line_with_the_fix():
    body = ("开头\n\n见[案例2]（../cases/a.md）。\n\n详见【公安部网站】(www.mps.gov.cn)\n\n"
            "【重要】（请转告家人）\n\n```\n[代码]（a.md）\n```\n\n[正常](https://www.mps.gov.cn/)")
    rendered = render_with_files(body, set())
    assert [(p.line, p.code) for p in rendered.problems] == [(3, "W308"), (5, "W308")]
    assert rendered.problems[0].message == ("“[案例2]（../cases/a.md）”用了中文的括号，不会变成链接，读者看到的是这串原文；"
                                            "请改用英文方括号和圆括号，例如 [案例2](../cases/a.md)")
    assert rendered.problems[1].message.endswith("例如 [公安部网站](https://www.mps.gov.cn)")


def test_a_heading_that_skips_a_level_is_warned_of_at_its_line_and_kept():
    rendered = render_with_files("### 开头就跳级\n\n## 案情\n\n#### 细节\n\n## 提示\n\n### 要点", set())
    assert [(p.line, p.code) for p in rendered.problems] == [(1, "W307"), (5, "W307")]
    assert rendered.problems[1].message == "“#### 细节”跳级了，比上一个标题低了不止一级；小标题从 ## 开始，逐级使用 ##、###、####"
    assert re.findall(r"<h(\d)", rendered.html) == ["3", "2", "4", "2", "3"]  # no level one: shown as written


def test_summary_is_cut_at_a_chinese_sentence_end():
    text = "第一句话说明情况。" * 20
    assert shorten(text, 40) == "第一句话说明情况。" * 4
    assert shorten("短句。") == "短句。"
    assert plain_text("<h2>标题</h2><p>正文<sup>1</sup></p><table><tr><td>表</td></tr></table>", prose_only=True) == "正文"


def test_shortened_text_is_never_cut_inside_a_number_or_a_latin_word():
    # A ticker that read "损失金额达到128…" for 128,000 yuan told the hall another amount.
    text = "某校学生在网上兼职刷单，对方先给小额返利、后要求垫付，学生多次转账后才发现被骗，请同学们警惕，该生累计损失金额达到128,000元"
    assert shorten(text, 60) == "某校学生在网上兼职刷单，对方先给小额返利、后要求垫付，学生多次转账后才发现被骗，请同学们警惕，该生累计损失金额达到…"
    assert shorten("三天内被骗3500元，请大家注意防范", 9) == "三天内被骗3500…"  # the whole number fits: kept
    assert shorten("对方发来链接refund要求退款", 9) == "对方发来链接…"
    assert shorten("x" * 50, 20) == "x" * 20 + "…"  # nothing before the word to cut at: cut inside it


@settings(max_examples=200, derandomize=True)
@given(st.text(max_size=200))
def test_yaml_reader_never_raises_anything_but_a_located_problem(text):
    try:
        located = read_yaml(text)
    except YamlProblem as problem:
        assert problem.line >= 1 and problem.message and problem.code.startswith("E")
        return
    for line in located.lines.values():
        assert 1 <= line <= text.count("\n") + 1


@settings(max_examples=100, derandomize=True)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
                       st.one_of(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20),
                                 st.integers(), st.booleans()), max_size=6))
def test_yaml_values_keep_their_written_form_and_line(mapping):
    import json

    text = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in mapping.items())
    located = read_yaml(text)
    assert (located.data or {}) == mapping
    for index, key in enumerate(mapping):
        assert located.line_of(key) == index + 1


MARKDOWN_PIECES = st.sampled_from(["诈骗", "警方提示", "转账", "abc", "x_y", "2*3", " ", "  ", "\n", "\n\n", "*", "**",
                                   "_", "__", "`", "\\", "[", "]", "(", ")", "!", "<", ">", "&", "&amp;", "#", "-",
                                   "1.", "> ", "|", "^", "<b>", "</b>", "<https://example.cn/a>", "[^1]", "[^1]: 注",
                                   "[链接](https://example.cn/)", "![图](a.png)", "&#12345;", "<!--more-->"])


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKDOWN_PIECES, max_size=40).map("".join))
def test_skipping_texts_without_inline_markup_renders_exactly_as_python_markdown_does(body):
    from markdown.treeprocessors import InlineProcessor

    from fraudsite import markup

    quick = markup._converter()
    assert type(quick.treeprocessors["inline"]).__name__ == "_QuickInlineProcessor"  # the shortcut is in use
    plain = markup.new_converter()
    plain.treeprocessors.register(InlineProcessor(plain), "inline", 20)
    try:
        expected = (markup._CONVERTER.__setitem__(0, plain), render(body))[1]
    finally:
        markup._CONVERTER[0] = quick
    assert render(body) == expected


def test_making_the_converter_does_not_scan_the_installed_packages():
    # An extension given by name is looked up among every installed package's entry points: importing
    # importlib.metadata for that cost 20 ms of every edit build. The converter names none.
    probe = ("import sys; from fraudsite.markup import new_converter; new_converter(); "
             "print('importlib.metadata' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# The character classes the Chinese spacing rules were first written with: the oracle for the comparisons
# that replaced them (each class took CPython a millisecond to compile, in every build).
CJK_CLASS = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
SLUG_CLASS = "a-z0-9\u4e00-\u9fff"
# ASCII, Chinese, the edges of every range, and other characters beyond ASCII (curly quotes, é, U+A000).
NEAR_CJK = "a1-_. \t\n，。“”é\u3000\u303f\u2e7f\u2e80\u4dff\u4e00\u9fff\ua000\uf8ff\uf900\ufaff\ufb00\ufeff\uff00\uffef\ufff0😀"


def test_chinese_characters_are_told_apart_as_the_character_class_did():
    from fraudsite.markup import _is_cjk

    old = re.compile(f"[{CJK_CLASS}]")
    assert [c for c in map(chr, range(0x30000)) if _is_cjk(c) != bool(old.match(c))] == []
    assert not _is_cjk("")


@given(st.text(alphabet=st.sampled_from(NEAR_CJK), max_size=30))
def test_spaces_and_line_breaks_between_chinese_characters_go_as_the_character_class_made_them(text):
    from fraudsite.markup import _SOFT_BREAK, _SPACE, _between_cjk

    assert _SPACE.sub(_between_cjk, text) == re.sub(f"(?<=[{CJK_CLASS}]) (?=[{CJK_CLASS}])", "", text)
    soft_break = f"(?<=[{CJK_CLASS}])[ \\t]*\\n[ \\t]*(?=[{CJK_CLASS}])"
    assert _SOFT_BREAK.sub(_between_cjk, text) == re.sub(soft_break, "", text)


@given(st.text(alphabet=st.sampled_from(NEAR_CJK + "ABC/"), max_size=20))
def test_slugs_are_made_and_checked_as_the_character_class_did(text):
    from fraudsite import content

    name = "x" + text.replace("/", "")  # a file name is never empty
    made = re.sub(r"-{2,}", "-", re.sub(f"[^{SLUG_CLASS}-]", "", re.sub(r"[\s_.]+", "-", unicodedata.normalize(
        "NFKC", name).lower()))).strip("-") or "item"
    assert content.slug_from_filename(f"content/cases/{name}.md") == made
    failed = []
    content._check_slug(SimpleNamespace(fail=lambda *args: failed.append(args[1])), text)
    expected = "E214" if "/" in text or ".." in text else None if re.match(f"[{SLUG_CLASS}][{SLUG_CLASS}-]*\\Z", text) else "E215"
    assert failed == ([expected] if expected else [])


def test_a_line_opening_with_a_wechat_topic_is_text_not_a_heading():
    html = render("#刷单# 又有新花样，请同学们注意。\n\n## 案情经过\n\n```\n#不是话题#\n```\n")
    assert "<p>#刷单# 又有新花样，请同学们注意。</p>" in html and "<h2" in html and "刷单#</h" not in html
    assert "#不是话题#" in html  # a code block is left as written
    body = render_body(LinkContext(source="content/cases/a.md", body="#刷单# 又有新花样。\n\n## 案情\n", body_line=8,
                                   base_path="/fzzl/", item_paths={}, asset_exists=lambda _: False))
    assert not [p for p in body.problems if p.code == "W307"]
