"""``/stats/``: charts drawn at build time with the same numbers in tables, valid HTML, readable on a phone at any zoom."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fraudsite.channels.stats import loss_figure
from fraudsite.report import LossRow
from test_privacy import make_site
from test_report import FIXTURE, NOW
from tools import format_axe, format_vnu, run_axe, run_fraudsite, run_vnu, serious_violations


class _Tables(HTMLParser):
    """Each table's caption and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.caption = ""
        self.cell: list[str] | None = None
        self.row: list[str] = []
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self.in_caption, self.caption = True, ""
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "tr":
            self.row = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self.in_caption = False
            self.tables[self.caption] = []
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.caption:
            self.tables[self.caption].append(self.row)

    def handle_data(self, data):
        if self.in_caption:
            self.caption += data
        elif self.cell is not None:
            self.cell.append(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The hand-counted report fixture, built."""
    root = tmp_path_factory.mktemp("stats")
    site = make_site(root / "site", FIXTURE)
    result = run_fraudsite("build", site, "-o", root / "out", "--now", NOW)
    assert result.returncode == 0, result.stderr
    return root / "out"


def tables(html: str) -> dict[str, list[list[str]]]:
    """Tables of a page by caption."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


_BAR_ROW = re.compile(r'<span class="stats-bar-label">(.*?)</span><span class="stats-bar-value">(.*?)</span>'
                      r'<span class="stats-bar-track">(?:<span class="stats-bar" style="width: ([\d.]+)%"></span>)?</span>')


def figures(html: str) -> list[tuple[list[tuple[str, str, float]], list[list[str]]]]:
    """Each figure's chart rows (label, number shown, bar length in percent) and its table rows."""
    found = []
    for section in html.split('<section class="stats-figure"')[1:]:
        bars = [(label, shown, float(width or 0)) for label, shown, width in _BAR_ROW.findall(section)]
        (table,) = tables(section).values()
        found.append((bars, table))
    return found


def test_stats_tables_carry_the_hand_counted_numbers(built):
    html = (built / "stats/index.html").read_text(encoding="utf-8")
    found = tables(html)
    weeks = found["最近 12 周每周发布篇数：数据表"]
    assert weeks[0] == ["周", "案例", "通知", "合计"] and len(weeks) == 13
    # the newest published item is n2 (Monday 23 November 00:30), so the window ends with 2026-W48
    assert weeks[-1] == ["11月23日起（2026-W48）", "0", "1", "1"]
    assert weeks[-2] == ["11月16日起（2026-W47）", "1", "0", "1"]
    assert weeks[-3] == ["11月9日起（2026-W46）", "0", "0", "0"]
    assert weeks[-4] == ["11月2日起（2026-W45）", "2", "1", "3"]
    types = found["各类诈骗案例数量：数据表"]
    # all published cases (c1-c4): shuadan c1 and c2; fake-police c4; loan c3
    assert types[0] == ["诈骗类型", "案例数"]
    assert {row[0]: row[1] for row in types[1:] if row[1] != "0"} == {"刷单返利": "2", "冒充公检法": "1", "网络贷款": "1"}
    assert found["各受众相关的案例：数据表"][0] == ["受众", "案例数"]
    audiences = {row[0]: row[1] for row in found["各受众相关的案例：数据表"][1:]}
    assert audiences == {"新生": "1", "在校生": "2", "教职工": "1", "离退休人员": "1", "家长": "0"}
    assert "专栏共发布典型案例 <strong>4</strong> 篇、通知公告 <strong>3</strong> 篇" in html


def test_loss_table_holds_the_losses_per_type_in_one_unit(built):
    found = tables((built / "stats/index.html").read_text(encoding="utf-8"))
    losses = found["各类诈骗造成的损失：数据表"]
    # shuadan 8,600 + 1,200; fake-police 50,000, the largest, so all in 万元; loan one case without amount
    assert losses[0] == ["诈骗类型", "损失（万元）", "未填金额的案例"]
    rows = {row[0]: row[1:] for row in losses[1:]}
    assert rows["刷单返利"] == ["0.98", "0"] and rows["冒充公检法"] == ["5.00", "0"] and rows["网络贷款"] == ["0.00", "1"]
    assert losses != found["各类诈骗案例数量：数据表"]


def test_each_chart_shows_the_numbers_of_the_table_after_it(built):
    html = (built / "stats/index.html").read_text(encoding="utf-8")
    found = figures(html)
    assert len(found) == 5
    for bars, table in found:
        assert len(bars) == len(table) - 1
        for (label, shown, _), row in zip(bars, table[1:]):
            assert row[0].startswith(label) and shown.split()[0] in row[1:], (label, shown, row)
    assert {shown.split()[1] for _, shown, _ in found[3][0]} == {"万元"}


def test_loss_unit_is_one_for_the_whole_chart_and_table():
    def rows(*amounts: int) -> list[LossRow]:
        return [LossRow(str(i), f"类型{i}", 1, amount, 0) for i, amount in enumerate(amounts)]

    large = loss_figure("losses", "损失", "诈骗类型", rows(86_000, 118_000, 1_200, 0))
    assert [bar.shown for bar in large.chart.bars] == ["8.60 万元", "11.80 万元", "0.12 万元", "0.00 万元"]
    assert [row[1] for row in large.rows] == ["8.60", "11.80", "0.12", "0.00"] and large.columns[1] == "损失（万元）"
    small = loss_figure("losses", "损失", "诈骗类型", rows(9_999, 1_200))
    assert [bar.shown for bar in small.chart.bars] == ["9,999 元", "1,200 元"] and small.columns[1] == "损失（元）"
    huge = loss_figure("losses", "损失", "诈骗类型", rows(1_234_567_890, 86_000_000, 1_200_000, 0))  # a province's
    assert [bar.shown for bar in huge.chart.bars] == ["12.35 亿元", "0.86 亿元", "0.01 亿元", "0.00 亿元"]
    assert huge.columns[1] == "损失（亿元）"
    # One type's 226,799 元 would read "<0.01 亿元" beside another's 1.23 亿元: the column stays in 万元.
    mixed = loss_figure("losses", "损失", "诈骗类型", rows(123_456_789, 226_799, 300))
    assert [bar.shown for bar in mixed.chart.bars] == ["12,345.68 万元", "22.68 万元", "0.03 万元"]


def test_charts_are_drawn_at_build_time_with_bars_in_proportion(built):
    html = (built / "stats/index.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<svg" not in html
    assert html.count('<div class="stats-chart" aria-hidden="true">') == 5  # the table after each is what is read out
    losses = figures(html)[3][0]  # 冒充公检法 50,000 is the longest bar; 刷单返利 9,800 is 9,800/50,000 of it
    widths = {label: width for label, _, width in losses}
    assert widths["冒充公检法"] == 100 and widths["刷单返利"] == round(100 * 9800 / 50000, 1)
    assert list(widths.values()).count(0) == 10  # 12 types, two with losses; no bar where there is nothing


def test_stats_page_changes_only_with_what_is_published(tmp_path, built):
    site = make_site(tmp_path / "site", FIXTURE)
    later = tmp_path / "later"
    assert run_fraudsite("build", site, "-o", later, "--now", "2026-11-26 18:00").returncode == 0
    assert (later / "stats/index.html").read_bytes() == (built / "stats/index.html").read_bytes()


def test_stats_page_passes_the_nu_html_checker(built):
    errors = run_vnu(built / "stats")
    assert not errors, format_vnu(errors)


# A chart label's height in device pixels beside the body text's, measured on the text itself (an SVG <text>
# as well), and how far the page or any chart runs wider than its box.
_TEXT_SIZES = """() => {
  const height = node => { const range = document.createRange(); range.selectNodeContents(node);
                           return range.getClientRects()[0].height * devicePixelRatio; };
  const boxes = [document.documentElement, ...document.querySelectorAll('.stats-chart')];
  return {label: height(document.querySelector('.stats-chart').querySelector('.stats-bar-label, text')),
          body: height(document.querySelector('.stats-totals').firstChild),
          overflow: Math.max(...boxes.map(box => box.scrollWidth - box.clientWidth))};
}"""


def test_chart_labels_grow_with_zoom_and_font_size_like_body_text(built, new_page, static_server):
    base = static_server(built)

    def sizes(width: int, scale: int = 1, root_font: str = "") -> dict[str, float]:
        page = new_page(viewport={"width": width, "height": 740}, device_scale_factor=scale)
        page.goto(base + "stats/")
        if root_font:
            page.evaluate(f"document.documentElement.style.fontSize = '{root_font}'")
        return page.evaluate(_TEXT_SIZES)

    phone = sizes(360)
    zoomed = sizes(180, scale=2)  # a 360-pixel phone at 200% zoom
    larger = sizes(360, root_font="24px")  # the browser's font size raised
    assert phone["label"] >= 0.85 * phone["body"], phone
    assert zoomed["label"] > 1.5 * phone["label"], (phone, zoomed)
    assert larger["label"] > 1.3 * phone["label"], (phone, larger)
    assert [phone["overflow"], zoomed["overflow"], larger["overflow"]] == [0, 0, 0], (phone, zoomed, larger)


def test_stats_page_reads_on_a_phone_and_passes_axe(built, new_page, static_server):
    base = static_server(built)
    page = new_page(viewport={"width": 360, "height": 740})
    page.goto(base + "stats/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not page.js_errors and not page.bad_responses
    violations = serious_violations(run_axe(page))
    assert not violations, format_axe(violations)


def test_a_loss_too_small_for_the_unit_is_not_shown_as_none():
    from fraudsite.channels.stats import format_in_unit

    assert [format_in_unit(amount, "万元") for amount in (0, 40, 50, 86_000)] == ["0.00", "<0.01", "0.01", "8.60"]


def test_table_names_stay_whole_when_zoomed_in_and_a_wide_table_scrolls_in_its_box(built, new_page, static_server):
    """At 200% zoom on a phone, a type's name broke one character a line; the page itself must not scroll sideways."""
    page = new_page(viewport={"width": 180, "height": 370}, device_scale_factor=2)
    page.goto(static_server(built) + "stats/")
    lines = page.evaluate("""() => [...document.querySelectorAll('.stats-table tbody th')].map(th => {
        const style = getComputedStyle(th);
        return Math.round(th.getBoundingClientRect().height / parseFloat(style.lineHeight || style.fontSize * 1.5));
    })""")
    assert lines and max(lines) <= 1, lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 180


def test_the_total_loss_is_in_the_unit_of_the_losses_table(built):
    html = (built / "stats/index.html").read_text(encoding="utf-8")
    total = re.search(r"案例涉及损失合计 <strong>([\d,.]+) (元|万元|亿元)</strong>", html)
    assert total and f"<th scope=\"col\">损失（{total.group(2)}）</th>" in html, total
