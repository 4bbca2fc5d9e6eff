"""``/stats/``: charts drawn at build time with the same numbers in tables, valid HTML, readable on a phone."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

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
    types = {row[0]: row[1:] for row in found["各类诈骗案例数量：数据表"][1:]}
    # all published cases (c1-c4): shuadan 8,600 + 1,200; fake-police 50,000; loan without amount
    assert types["刷单返利"] == ["2", "9,800 元", "0"]
    assert types["冒充公检法"] == ["1", "50,000 元", "0"]
    assert types["网络贷款"] == ["1", "0 元", "1"]
    audiences = {row[0]: row[1] for row in found["各受众相关的案例：数据表"][1:]}
    assert audiences == {"新生": "1", "在校生": "2", "教职工": "1", "离退休人员": "1", "家长": "0"}
    assert "专栏共发布典型案例 <strong>4</strong> 篇、通知公告 <strong>3</strong> 篇" in html


def test_charts_are_svg_drawn_at_build_time_with_bars_in_proportion(built):
    html = (built / "stats/index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    charts = re.findall(r"<svg class=\"stats-chart\".*?</svg>", html, re.DOTALL)
    assert len(charts) == 5 and all('aria-hidden="true"' in chart for chart in charts)
    losses = charts[3]  # 冒充公检法 50,000 is the longest bar; 刷单返利 9,800 is 9,800/50,000 of it
    widths = [int(w) for w in re.findall(r'<rect class="bar" x="0" y="\d+" width="(\d+)"', losses)]
    assert max(widths) == 280 and round(280 * 9800 / 50000) in widths and widths.count(0) == 10  # 12 types, two with losses


def test_stats_page_changes_only_with_what_is_published(tmp_path, built):
    site = make_site(tmp_path / "site", FIXTURE)
    later = tmp_path / "later"
    assert run_fraudsite("build", site, "-o", later, "--now", "2026-11-26 18:00").returncode == 0
    assert (later / "stats/index.html").read_bytes() == (built / "stats/index.html").read_bytes()


def test_stats_page_passes_the_nu_html_checker(built):
    errors = run_vnu(built / "stats")
    assert not errors, format_vnu(errors)


def test_stats_page_reads_on_a_phone_and_passes_axe(built, new_page, static_server):
    base = static_server(built)
    page = new_page(viewport={"width": 360, "height": 740})
    page.goto(base + "stats/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # the chart scales to the column; its 15-unit labels must stay at least 12 CSS pixels tall
    scale = page.evaluate("document.querySelector('.stats-chart').getBoundingClientRect().width / 360")
    assert 15 * scale >= 12
    assert not page.js_errors and not page.bad_responses
    violations = serious_violations(run_axe(page))
    assert not violations, format_axe(violations)
