"""复制到公众号 in real Chromium: the real clipboard gets the article as text/html, with and without the async API."""

from __future__ import annotations

import json
import re

import pytest

from fraudsite.wechat_html import OUTER, WechatWriter, serialise, styled
from sitekit import build_site
from test_wechat import BASE, NOW, render_markdown, wechat_site
from tools import format_axe, run_axe, serious_violations

PREVIEW = "wechat/cases/2026-11-wechat-fixture/"

# Canonical form of an HTML fragment, computed by the browser itself: tags, sorted attributes, styles as the
# CSS parser reads them (Chromium may re-serialise the style attribute on the clipboard), layout whitespace
# folded but non-breaking spaces kept, <meta> that Chromium adds to clipboard HTML ignored.
CANONICAL = """(html) => {
  const template = document.createElement('template');
  template.innerHTML = html;
  const probe = document.createElement('span');
  function canon(node) {
    if (node.nodeType === 3) return node.data.replace(/[ \\t\\r\\n]+/g, ' ');
    if (node.nodeType !== 1 || node.tagName === 'META') return '';
    probe.setAttribute('style', node.getAttribute('style') || '');
    const attrs = Array.from(node.attributes).filter(a => a.name !== 'style').map(a => a.name + '=' + a.value).sort();
    return '<' + node.tagName + ' ' + attrs.join(' ') + ' {' + probe.style.cssText + '}>' +
      Array.from(node.childNodes).map(canon).join('') + '</' + node.tagName + '>';
  }
  return Array.from(template.content.childNodes).map(canon).join('').trim();
}"""

READ_CLIPBOARD = """async (clipboard) => {
  const result = {};
  for (const item of await (clipboard || navigator.clipboard).read()) {
    for (const type of item.types) result[type] = await (await item.getType(type)).text();
  }
  return result;
}"""

# The fallback path: no async clipboard API, as on a plain-http intranet page. The test keeps a handle to
# read the real clipboard back.
HIDE_ASYNC_CLIPBOARD = """
window.__realClipboard = navigator.clipboard;
Object.defineProperty(Navigator.prototype, 'clipboard', {get: function () { return undefined; }, configurable: true});
delete window.ClipboardItem;
"""


@pytest.fixture(scope="module")
def served_root(tmp_path_factory):
    """The sample site plus the WeChat fixture case, built once."""
    site = wechat_site(tmp_path_factory.mktemp("wechat-browser"))
    out = site.parent / "out"
    build_site(site, out, now=NOW)
    return out


def article_of(root) -> dict:
    return json.loads((root / PREVIEW / "article.json").read_text(encoding="utf-8"))


def copy_and_read(page, clipboard_handle: str = "") -> dict:
    """Click 复制到公众号 and read back every type on the real clipboard."""
    page.click("#wx-copy-article")
    page.wait_for_function("document.getElementById('wx-status').textContent.length > 0")
    assert page.text_content("#wx-status").startswith("已复制全文")
    handle = page.evaluate_handle(clipboard_handle) if clipboard_handle else None
    return page.evaluate(READ_CLIPBOARD, handle)


def assert_same_article(page, copied: dict, expected_html: str) -> None:
    assert "text/html" in copied, copied.keys()
    assert page.evaluate(CANONICAL, copied["text/html"]) == page.evaluate(CANONICAL, expected_html)
    assert "&nbsp;" in copied["text/html"] or "\xa0" in copied["text/html"]  # code spaces survive the clipboard
    # The plain text is what is shown, with the list markers the page draws (innerText leaves them out).
    lines = [line.strip() for line in copied["text/plain"].splitlines()]
    for line in ("1. 先挂断电话", "2. 再打 96110 核实", "a. 记下对方号码", "• 第一层", "• 第二层", "• 价格远低于市场价"):
        assert line in lines, copied["text/plain"]
    assert unmarked(copied["text/plain"]) == unmarked(page.inner_text("#wx-article"))


def unmarked(text: str) -> str:
    """Text without list markers at the start of its lines (those below the second level are in the HTML) nor
    any whitespace."""
    return re.sub(r"\s+", "", re.sub(r"(?m)^\s*(?:[0-9]+\.|[a-z]+\.|•)\s", "", text))


def test_copy_button_puts_the_article_on_the_clipboard_as_html(new_page, static_server, served_root):
    base = static_server(served_root)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    expected = article_of(served_root)
    page.goto(base + PREVIEW)
    copied = copy_and_read(page)
    # article.json carries upload placeholders; the page copies the same article with the website's image URLs.
    preview_html = page.evaluate("JSON.parse(document.getElementById('wx-data').textContent).html")
    # What is shown is what is copied, but for the pictures: shown from this site (it works before publishing),
    # copied with the full addresses WeChat fetches them from.
    shown = page.inner_html("#wx-article").replace('src="/fzzl/', 'src="https://www.example.edu.cn/fzzl/')
    assert page.evaluate(CANONICAL, preview_html) == page.evaluate(CANONICAL, shown)
    sources = page.evaluate("[...document.querySelectorAll('#wx-article img')].map(i => i.getAttribute('src'))")
    assert len(sources) == 2 and all(src.startswith("/fzzl/") for src in sources), sources
    page.wait_for_function("[...document.querySelectorAll('#wx-article img')].every(i => i.complete)")
    assert not page.bad_responses, page.bad_responses
    assert_same_article(page, copied, preview_html)
    assert page.evaluate(CANONICAL, copied["text/html"]).count("<IMG") == 2
    assert expected["article"]["content"].count("{{IMAGE_") == 2
    page.click("button[data-copy=wx-title]")
    page.wait_for_function("document.getElementById('wx-status').textContent.indexOf('标题') > 0")
    assert page.evaluate("navigator.clipboard.readText()") == expected["article"]["title"]
    violations = serious_violations(run_axe(page))
    assert not violations, format_axe(violations)
    assert not page.js_errors, page.js_errors


def test_the_fallback_needs_no_promise_which_old_office_browsers_lack(new_page, static_server, served_root):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.add_init_script(HIDE_ASYNC_CLIPBOARD + "delete window.Promise;")
    page.goto(static_server(served_root) + PREVIEW)
    assert page.evaluate("typeof window.Promise") == "undefined"
    page.click("#wx-copy-article")
    assert page.text_content("#wx-status").startswith("已复制全文"), page.js_errors
    page.click("button[data-copy=wx-digest]")
    assert page.text_content("#wx-status") == "已复制摘要。" and not page.js_errors, page.js_errors


def test_fallback_without_async_clipboard_copies_html_through_a_selection(new_page, static_server, served_root):
    base = static_server(served_root)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.add_init_script(HIDE_ASYNC_CLIPBOARD)
    page.goto(base + PREVIEW)
    assert page.evaluate("navigator.clipboard === undefined && typeof window.ClipboardItem === 'undefined'")
    preview_html = page.evaluate("JSON.parse(document.getElementById('wx-data').textContent).html")
    copied = copy_and_read(page, clipboard_handle="window.__realClipboard")
    assert_same_article(page, copied, preview_html)
    assert page.evaluate("window.getSelection().rangeCount") == 0  # the temporary selection is gone
    page.focus("button[data-copy=wx-digest]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('wx-status').textContent.indexOf('摘要') > 0")
    assert page.evaluate("window.__realClipboard.readText()") == "公众号专用摘要"
    # Focus stays on the button: selecting the field to copy it moved focus there (a phone's keyboard opened).
    assert page.evaluate("document.activeElement.getAttribute('data-copy')") == "wx-digest"
    assert not page.js_errors, page.js_errors
    page.goto(base + "wechat/")  # the list page, checked here to keep page loads few
    violations = serious_violations(run_axe(page))
    assert not violations, format_axe(violations)


def test_every_articles_tables_fit_a_phones_width_as_pasted(new_page, served_root):
    # Cells kept Chinese from wrapping but at punctuation (keep-all): at 375 px a four-column table ran off the
    # screen, in an editor that may not keep the sideways scrolling around it.
    page = new_page(viewport={"width": 375, "height": 800})
    widths = {}
    for path in sorted(served_root.glob("wechat/*/*/article.json")):
        content = json.loads(path.read_text(encoding="utf-8"))["article"]["content"]
        if "<table" not in content:
            continue
        page.set_content(f'<body style="margin:0 16px">{content}</body>')
        widths[path.parent.name] = page.evaluate("""() => Array.from(document.querySelectorAll('table'))
            .map(t => [t.getBoundingClientRect().width, t.parentElement.clientWidth])""")
    assert widths, "the sample site has tables"
    assert all(table <= room + 0.5 for found in widths.values() for table, room in found), widths


# How many lines each of some words takes in the page: the line boxes a range over its letters falls into.
LINES_OF = """(words) => {
  const lines = {};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const word of words) {
      const at = node.data.indexOf(word);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + word.length);
      lines[word] = new Set(Array.from(range.getClientRects(), rect => Math.round(rect.top))).size;
    }
  }
  return lines;
}"""


def test_short_table_cells_stay_whole_and_a_wide_table_scrolls_at_a_phones_width(new_page):
    # The cells broke words as the article's text does (break-word): at 375 px a squeezed column read 10:2 / 0 and
    # 2026- / 11-20, and the table always shrank to fit, so the scrolling section around it never scrolled.
    body = ("| 日期 | 时间 | 金额 | 渠道 | 经过 |\n|---|---|--:|---|---|\n"
            "| 2026-11-20 | 10:20 | ¥12,800.00 | QQ | 对方自称电商平台客服，说订单异常需要退款，要求下载 ScreenShare 屏幕共享软件，"
            "按提示操作后银行卡里的钱被转走 |\n| 11-21 | 22:05 | 500 | 微信 | 又被骗 |")
    article = serialise(styled("section", OUTER, WechatWriter(BASE, BASE + "cases/x/").convert(render_markdown(body))))
    page = new_page(viewport={"width": 375, "height": 800})
    page.set_content(f'<body style="margin:0 16px">{article}</body>')
    tokens = ["2026-11-20", "10:20", "¥12,800.00", "11-21", "22:05", "ScreenShare"]
    lines = page.evaluate(LINES_OF, [*tokens, "对方自称电商平台客服"])
    assert {token: lines[token] for token in tokens} == dict.fromkeys(tokens, 1), lines
    prose = page.evaluate("document.querySelectorAll('td')[4].getClientRects()[0].height")
    assert prose > 5 * 14 * 1.6, prose  # the long cell wraps, between Chinese characters
    wrapper = page.evaluate("""() => { const box = document.querySelector('table').parentElement;
        box.scrollLeft = 1000; return [box.scrollWidth, box.clientWidth, box.scrollLeft]; }""")
    assert wrapper[0] > wrapper[1] and wrapper[2] > 0, wrapper  # too wide for the phone: it scrolls, as meant


def test_the_copy_button_is_on_a_phones_first_screen_and_the_preview_left_on_a_wide_one(new_page, static_server,
                                                                                       served_root):
    # On a phone the panel came after the whole article preview: the button was a long scroll down.
    base = static_server(served_root)
    for width, height in ((375, 700), (1280, 800)):
        page = new_page(viewport={"width": width, "height": height})
        page.goto(base + PREVIEW)
        button = page.locator("#wx-copy-article").bounding_box()
        phone = page.locator(".wx-phone").bounding_box()
        if width == 375:
            assert button["y"] + button["height"] <= height, button
        else:
            assert phone["x"] + phone["width"] <= button["x"], (phone, button)  # side by side, preview left
        page.close()
