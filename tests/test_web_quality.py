"""The built sample site passes the Nu Html Checker and axe-core in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitekit import build_site, copy_sample_content
from tools import format_axe, format_vnu, run_axe, run_vnu, serious_violations, serve_directory

SAMPLE_NOW = "2026-11-28 09:00"


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    out = root / "out"
    build_site(copy_sample_content(root), out, now=SAMPLE_NOW)
    return out


def test_nu_html_checker_finds_no_errors_in_the_whole_sample_site(sample_out):
    errors = run_vnu(sample_out)
    assert not errors, format_vnu(errors)


@pytest.mark.parametrize("path", ["", "cases/", "cases/fake-refund-2024/", "notices/2026-09-letter-to-parents/"])
def test_axe_finds_no_serious_problem(sample_out, new_page, path):
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}{path}")
        assert page.title()
        found = run_axe(page)
        violations = serious_violations(found) + [v for v in found if v["id"] == "region"]  # all in landmarks
        assert not violations, format_axe(violations)
        assert not page.bad_responses, page.bad_responses
        # Readable on a 360 px phone: nothing forces horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # Links a finger can hit (WCAG 2.5.8: 24 px): the small type badges too.
        small = page.evaluate("""() => [...document.querySelectorAll('main a.badge')]
            .filter(a => a.getBoundingClientRect().height < 24).map(a => a.textContent)""")
        assert small == [], small


def test_a_wide_table_scrolls_on_a_phone_with_readable_cells_and_takes_keyboard_focus(tmp_path, new_page):
    # Eight columns on a 390 px phone were squeezed to one character a line, 412 px tall, and the scrolling
    # table could not be reached by keyboard (axe: scrollable-region-focusable).
    site = copy_sample_content(tmp_path)
    case = next((site / "content/cases").rglob("*.md"))
    header = "| " + " | ".join(f"第{n}栏" for n in range(1, 9)) + " |\n|" + "---|" * 8 + "\n"
    row = "| " + " | ".join(["某某支付平台", "对方账户", "转账金额", "联系方式", "发生时间", "处理结果", "备注说明",
                             "来源渠道"]) + " |\n"
    case.write_text(case.read_text(encoding="utf-8") + "\n\n" + header + row, encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, now=SAMPLE_NOW)
    page_path = next(path for path in (out / "cases").glob("*/index.html") if "第8栏" in path.read_text())
    with serve_directory(out) as base:
        page = new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{base}{page_path.parent.relative_to(out).as_posix()}/")
        table = page.locator(".body table").last
        assert table.get_attribute("tabindex") == "0"
        assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # it scrolls sideways, in itself
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page does not
        height = table.locator("td").first.evaluate("c => c.getBoundingClientRect().height")
        assert height < 60, height  # a line of text, not a column of characters
        violations = serious_violations(run_axe(page))
        assert not violations, format_axe(violations)


def test_a_table_of_four_columns_fits_a_phone_and_the_hotline_leaves_room_for_the_page(sample_out, new_page):
    # With every cell's phrases kept whole, the sample's four-column table hid its 结果 column past a 360 px
    # phone's edge (169 px of it), with nothing to say it scrolled.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}cases/2024-03-shuadan-part-time-job/")
        table = page.locator(".body table").first
        assert table.evaluate("t => t.rows[0].cells.length") == 4
        assert table.evaluate("t => t.scrollWidth - t.clientWidth") == 0
        widths = table.locator("td").evaluate_all("cells => cells.map(c => c.getBoundingClientRect().width)")
        assert min(widths) >= 3 * 17  # three characters a line at the least
        # The bar says only the numbers on a phone, in one line; the page starts within the first third
        assert page.evaluate("document.querySelector('.hotline').innerText") == "反诈预警专线 96110，报警 110"
        assert page.evaluate("document.querySelector('main').getBoundingClientRect().top") < 740 / 3


def test_a_printed_case_says_where_it_comes_from_without_the_sites_bars(sample_out, new_page):
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 794, "height": 1123})
        page.goto(f"{base}cases/2024-03-shuadan-part-time-job/")
        assert not page.locator(".source-line").is_visible()  # on screen the address bar says it
        page.emulate_media(media="print")
        assert page.locator(".source-line").inner_text() == (
            "示例职业技术学院 反诈防骗专栏\u3000https://www.example.edu.cn/fzzl/cases/2024-03-shuadan-part-time-job/")
        assert not page.locator(".masthead").is_visible() and not page.locator(".hotline").is_visible()


def test_a_printed_notice_says_where_it_comes_from_and_where_each_attachment_is(sample_out, new_page):
    # The letter home tells a parent to fill in the attached reply slip: on paper it said only the file's name.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 794, "height": 1123})
        page.goto(f"{base}notices/2026-09-letter-to-parents/")
        screen_text = page.inner_text("main")
        page.emulate_media(media="print")
        printed = page.inner_text("main")
        site = "https://www.example.edu.cn/fzzl/"
        assert page.locator(".source-line").inner_text() == (
            f"示例职业技术学院 反诈防骗专栏\u3000{site}notices/2026-09-letter-to-parents/")
        item = page.locator(".attachments li").inner_text()
        assert item.startswith("parent-letter-reply-slip.pdf")
        assert item.endswith(f"\n{site}media/notices/files/parent-letter-reply-slip.pdf"), item
        assert site not in screen_text and printed.count(site) == 2


def test_a_portrait_cover_leaves_room_for_the_text_on_a_phone_and_on_paper(tmp_path, new_page):
    # A 600 x 1200 chat screenshot was drawn 288 x 576 on a 320 px phone: two screens before the first line of text.
    from PIL import Image

    site = copy_sample_content(tmp_path)
    case = site / "content/cases/2024-03-shuadan-part-time-job.md"
    (site / "content/cases/images").mkdir()
    Image.new("RGB", (600, 1200), "white").save(site / "content/cases/images/chat.png")
    case.write_text(case.read_text(encoding="utf-8").replace(
        "type: shuadan\n", "type: shuadan\ncover: images/chat.png\ncover_alt: 派单群聊天截图\n"), encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, now=SAMPLE_NOW)
    with serve_directory(out) as base:
        page = new_page(viewport={"width": 320, "height": 568})
        page.goto(f"{base}cases/2024-03-shuadan-part-time-job/")
        cover = page.locator("img.cover")
        size = cover.evaluate("i => [i.complete, i.getBoundingClientRect().width, i.getBoundingClientRect().height]")
        assert size[0] and 0 < size[2] <= 0.6 * 568, size
        assert cover.evaluate("i => getComputedStyle(i).objectFit") == "contain"  # the whole screenshot, not cropped
        page.emulate_media(media="print")
        assert cover.evaluate("i => i.getBoundingClientRect().height") <= 110 / 25.4 * 96 + 1


@pytest.mark.parametrize(("path", "section", "word"), [("cases/fake-refund-2024/", "cases/", "典型案例"),
                                                       ("notices/2026-09-letter-to-parents/", "notices/", "通知公告")])
def test_an_items_kicker_leads_to_its_sections_list(sample_out, new_page, path, section, word):
    # 典型案例 above the title was plain text: a reader from a shared link had no step back to the list but the menu.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}{path}")
        kicker = page.locator(".kicker a")
        assert kicker.inner_text() == word and kicker.get_attribute("href") == f"/fzzl/{section}"
        assert kicker.evaluate("a => getComputedStyle(a).color") == "rgb(138, 16, 16)"  # as the kicker was
        assert kicker.evaluate("a => a.getBoundingClientRect().height") >= 24
        kicker.click()
        page.wait_for_url(f"{base}{section}")
        assert page.locator("h1").inner_text() and not page.bad_responses


def test_a_footnotes_number_and_its_way_back_are_targets_a_finger_can_hit_and_no_emoji(sample_out, new_page):
    # The number was 8 x 20 px; iOS drew the way back, ↩, as a coloured emoji.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}cases/2025-04-ghostwriting-thesis/")
        sizes = page.evaluate("[...document.querySelectorAll('.footnote-ref, .footnote-backref')].map(a => "
                              "[a.getBoundingClientRect().width, a.getBoundingClientRect().height])")
        assert len(sizes) == 2 and min(min(size) for size in sizes) >= 24, sizes
        assert page.inner_text(".footnote-backref") == "\u21a9\ufe0e"  # text presentation


def test_pages_request_nothing_outside_the_site(sample_out):
    for path in sample_out.rglob("*.html"):
        text = path.read_text()
        assert "https://" not in text.split("</head>")[0].replace('href="https://www.example.edu.cn/fzzl/', "") \
            .replace('content="https://www.example.edu.cn/fzzl/', ""), f"{path}: outside URL in <head>"
        assert "<script src=\"http" not in text and "fonts.googleapis" not in text


def test_every_indexed_page_is_reached_by_links_from_the_home_page(sample_out):
    """A reader finds every list by following links: the audiences' lists and the tags too, not only by URL."""
    import re
    from urllib.parse import unquote, urljoin

    base = "https://www.example.edu.cn/fzzl/"
    wanted = {unquote(url) for url in re.findall(r"<loc>(.*?)</loc>", (sample_out / "sitemap.xml").read_text())}
    seen, queue = {base}, [base]
    while queue:
        page = sample_out / (queue.pop()[len(base):] + "index.html")
        for href in re.findall(r'<a [^>]*href="([^"#]+)', page.read_text()) if page.is_file() else []:
            url = unquote(urljoin(base, href))
            if url.startswith(base) and url.endswith("/") and url not in seen:
                seen.add(url)
                queue.append(url)
    assert f"{base}audiences/" in wanted and f"{base}tags/" in wanted
    assert sorted(wanted - seen) == []


def test_text_follows_the_readers_font_size_and_the_masthead_fits_at_200_percent_zoom(sample_out, new_page):
    """Older readers set a larger font or zoom in: the text grows with the setting, nothing runs off the side."""
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}cases/fake-refund-2024/")
        size = "parseFloat(getComputedStyle(document.querySelector('.body p')).fontSize)"
        normal = page.evaluate(size)
        # The five sections of the menu on one line: a second one would push every page's text down.
        rows = page.evaluate("new Set([...document.querySelectorAll('.masthead nav li')].map(li => li.offsetTop)).size")
        assert rows == 1
        page.evaluate("document.documentElement.style.fontSize = '24px'")  # as a browser's 'very large' text
        assert page.evaluate(size) == pytest.approx(normal * 1.5)
        # The emergency numbers are the taps that matter most: 44 px targets.
        heights = page.evaluate("[...document.querySelectorAll('.hotline a')].map(a => a.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44, heights

        # Every text box at 16 px or more: iPhones zoom the page into a smaller one when it is tapped.
        page.evaluate("document.documentElement.style.fontSize = ''")
        boxes = page.evaluate("[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                              ".map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert boxes and min(boxes) >= 16, boxes

        zoomed = new_page(viewport={"width": 180, "height": 370}, device_scale_factor=2)  # a 360 px phone at 200%
        zoomed.goto(f"{base}cases/fake-refund-2024/")
        assert zoomed.evaluate("document.documentElement.scrollWidth") <= 180
        right = zoomed.evaluate("document.querySelector('.site-search button').getBoundingClientRect().right")
        assert right <= 180


def test_every_indexed_page_names_its_own_address_and_the_not_found_page_names_none(sample_out):
    # The server answers every missing address with 404.html: a canonical or og:url naming /fzzl/404.html told
    # search engines and chat previews that each mistyped address was that page.
    import re
    from urllib.parse import unquote

    base = "https://www.example.edu.cn/fzzl/"
    for url in re.findall(r"<loc>(.*?)</loc>", (sample_out / "sitemap.xml").read_text()):
        head = (sample_out / unquote(url[len(base):]) / "index.html").read_text().split("</head>")[0]
        assert f'<link rel="canonical" href="{url}">' in head and f'<meta property="og:url" content="{url}">' in head
    head = (sample_out / "404.html").read_text().split("</head>")[0]
    assert '<meta name="robots" content="noindex">' in head
    assert 'rel="canonical"' not in head and "og:url" not in head


def test_a_withdrawn_items_page_names_no_address_of_its_own(tmp_path):
    # Its 已撤下 page said noindex and, at once, that it was the canonical page at its address.
    site = copy_sample_content(tmp_path)
    case = site / "content/cases/2024-03-shuadan-part-time-job.md"
    case.write_text(case.read_text(encoding="utf-8").replace("type: shuadan\n", "type: shuadan\nwithdrawn: true\n"),
                    encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, now=SAMPLE_NOW)
    page = (out / "cases/2024-03-shuadan-part-time-job/index.html").read_text()
    head = page.split("</head>")[0]
    assert "本文已撤下" in page and '<meta name="robots" content="noindex">' in head
    assert 'rel="canonical"' not in head and "og:url" not in head


def test_status_badges_cards_code_and_the_stats_tables_hold_up_in_high_contrast_print_and_on_a_phone(tmp_path,
                                                                                                      new_page):
    # In Windows high contrast a badge (紧急) and a card were marked by background and shadow alone, which that
    # mode drops; a printed code block ran off the paper; the stats tables broke 案例 into 案/例 on a phone.
    site = copy_sample_content(tmp_path)
    case = site / "content/cases/2024-03-shuadan-part-time-job.md"
    case.write_text(case.read_text(encoding="utf-8") + "\n```\ncurl https://xx-pay.example/api?token=" + "A" * 160
                    + "\n```\n", encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, now=SAMPLE_NOW)
    with serve_directory(out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}stats/")
        lines = page.evaluate("[...document.querySelectorAll('.stats-table th')].map(th => "
                              "th.getBoundingClientRect().height / parseFloat(getComputedStyle(th).lineHeight))")
        assert lines and max(lines) < 2, lines
        page.emulate_media(forced_colors="active")
        page.goto(f"{base}notices/")
        edges = page.evaluate("[...document.querySelectorAll('.badge, .card')].map(e => getComputedStyle(e).borderTopColor)")
        assert edges and "rgba(0, 0, 0, 0)" not in edges, edges
        page.emulate_media(forced_colors="none", media="print")
        page.goto(f"{base}cases/2024-03-shuadan-part-time-job/")
        assert page.evaluate("(p => p.scrollWidth <= p.clientWidth)(document.querySelector('.body pre'))")
        assert "A" * 160 in page.inner_text(".body pre").replace("\n", "")


def card_badges(page: Path, title: str) -> tuple[str, list[str]]:
    """The class of a list page's card of the item with that title, and the words of its badges."""
    import re

    card = next(card for card in page.read_text().split('<article class="')[1:] if f">{title}</a>" in card)
    return card.split('"')[0], re.findall(r'class="badge[^"]*"[^>]*>([^<]+)<', card)


def test_a_pinned_notice_in_force_is_marked_and_an_expired_one_is_neither_urgent_nor_pinned(sample_out, tmp_path):
    # A pinned notice had no mark on its card; an urgent one kept its red 紧急 (and red edge) beside 已过期.
    alert, plan = "紧急提醒：警惕冒充老师收取学费的诈骗", "关于印发2026年创建“无诈校园”活动工作方案的通知"
    for page in (sample_out / "index.html", sample_out / "notices/index.html"):
        assert card_badges(page, alert) == ("card urgent", ["通知", "紧急", "置顶"])
    assert card_badges(sample_out / "notices/index.html", plan) == ("card", ["通知"])  # pinned, its 30 days over

    out = tmp_path / "out"
    build_site(copy_sample_content(tmp_path), out, now="2027-01-05 09:00")  # the alert expired on 2026-12-31
    assert card_badges(out / "notices/index.html", alert) == ("card", ["通知", "已过期"])
    page = (out / "notices/2026-11-tuition-scam-urgent-alert/index.html").read_text()
    assert "已过期" in page and "紧急</span>" not in page and "notice urgent" not in page
    import json  # and a search result, which shows the card's badges
    doc = next(doc for doc in (json.loads(path.read_text()) for path in (out / "search/data/docs").glob("*.json"))
               if doc[0] == "notices/2026-11-tuition-scam-urgent-alert/")
    assert doc[7:9] == [False, True]  # not urgent, expired


def test_the_stats_tables_are_no_landmarks_of_their_own_and_a_wide_one_scrolls_by_keyboard(sample_out, new_page):
    # Each table's box was a second landmark named as its section (axe: landmark-unique), five of them.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 320, "height": 700})
        page.goto(f"{base}stats/")
        found = run_axe(page)
        assert not found, format_axe(found)
        wraps = page.locator(".stats-table-wrap")
        names = wraps.evaluate_all("ws => ws.map(w => w.getAttribute('role') + ': ' + "
                                   "document.getElementById(w.getAttribute('aria-labelledby')).textContent)")
        assert len(names) == 5 and len(set(names)) == 5 and all(n.startswith("group: ") for n in names), names
        assert page.locator("[role=region]").count() == 0
        wide = wraps.first  # the twelve weeks' table is wider than a 320 px phone
        assert wide.evaluate("w => w.scrollWidth > w.clientWidth")
        wide.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("w => w.scrollLeft > 0", arg=wide.element_handle())


def test_the_skip_link_is_the_first_stop_and_takes_the_focus_to_the_text(sample_out, new_page):
    # Without tabindex on <main>, older Safari scrolled but left the focus in the masthead: the next Tab went back
    # through the menu. Its focus ring was dark red on the red masthead.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}cases/2024-03-shuadan-part-time-job/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(26, 26, 26)"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", ["", "types/two-cards/", "cases/fake-refund-2024/",
                                  "notices/2026-09-letter-to-parents/"])
def test_a_320_px_phone_with_200_percent_text_scrolls_no_page_sideways(sample_out, new_page, path):
    # WCAG 1.4.4/1.4.10: the hotline's 反诈预警专线 96110， was kept on one line (its comma cut off at 341 px), and
    # the badge 买卖出租出借两卡 and the issuer 保卫处（无诈校园创建办公室） could not wrap at all.
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 320, "height": 700})
        page.goto(f"{base}{path}")
        # At the normal size each phrase stays whole, on one line: no taller than the number's tap target in it.
        extra = page.evaluate("[...document.querySelectorAll('.hotline .phrase')].map(p => "
                              "p.getBoundingClientRect().height - p.querySelector('a').getBoundingClientRect().height)")
        assert len(extra) == 2 and max(extra) < 1, extra
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert page.evaluate("document.querySelector('.hotline').innerText").replace("\n", "") == \
            "反诈预警专线 96110，报警 110"
