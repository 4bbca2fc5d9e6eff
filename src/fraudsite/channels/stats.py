"""``/stats/``: the report's figures as bar charts drawn at build time, each followed by a table of its numbers.

The windows end at the newest published item, not at the clock, so the page changes only when
what is published changes (``Site.next_change`` already knows those moments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from fraudsite.channels.web import feed_links, page
from fraudsite.charts import BarChart, bar_chart
from fraudsite.render import Output
from fraudsite.report import LossRow, loss_row, monthly_rows, weekly_rows
from fraudsite.site import Site
from fraudsite.weeks import week_start

WEEKS = 12
MONTHS = 12


@dataclass(frozen=True)
class Figure:
    """One chart and the table with the same numbers."""

    id: str  # HTML id, also names the caption
    heading: str
    chart: BarChart
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # first cell is the row's header
    note: str = ""


def plan(site: Site) -> list[Output]:
    """The statistics page."""
    cases = site.cases
    types = [loss_row(t.key, t.name, list(site.cases_of_type(t.key))) for t in site.config.types]
    # The total in the losses' own unit: beside their table, 12,398.94 万元 read against rows in 亿元.
    amount, unit = sum(c.amount or 0 for c in cases), loss_unit(r.amount for r in types)
    totals = {"cases": len(cases), "notices": len(site.notices), "amount": f"{format_in_unit(amount, unit)} {unit}"}
    return [page("stats/", "stats/index.html", site, "数据统计", feed_links(site, main_only=True)[:1],
                 description="专栏发布数量、各类诈骗案例与损失的统计", figures=plan_figures(site, types), totals=totals)]


def plan_figures(site: Site, types: list[LossRow]) -> list[Figure]:
    """Weekly and monthly publishing, then cases and losses by type (``types``), and cases by audience."""
    figures: list[Figure] = []
    if site.published:
        newest = site.published[0].date.astimezone(site.config.tz).date()
        figures += [weekly_figure(site), monthly_figure(site, newest)]
    audiences = [loss_row(a.key, a.name, [c for c in site.cases if a.key in c.audience]) for a in site.config.audiences]
    figures.append(count_figure("types", "各类诈骗案例数量", "诈骗类型", types))
    figures.append(loss_figure("losses", "各类诈骗造成的损失", "诈骗类型", types))
    figures.append(count_figure("audiences", "各受众相关的案例", "受众", audiences,
                                note="一起案例可能涉及多个受众，各行相加会多于案例总数。"))
    return figures


def weekly_figure(site: Site) -> Figure:
    """Items published in each of the last twelve ISO weeks up to the newest item."""
    last = week_start(site.published[0].date, site.config.tz) + timedelta(days=6)
    rows = weekly_rows(site, last - timedelta(days=7 * WEEKS - 1), last)
    label = [f"{r.start.month}月{r.start.day}日起" for r in rows]
    chart = bar_chart(f"最近 {WEEKS} 周每周发布篇数", [(name, r.total, f"{r.total} 篇") for name, r in zip(label, rows)])
    table = tuple((f"{name}（{r.key}）", str(r.cases), str(r.notices), str(r.total)) for name, r in zip(label, rows))
    return Figure("weeks", chart.title, chart, ("周", "案例", "通知", "合计"), table,
                  "按 ISO 周（周一至周日）统计，截至最近一次发布所在的周。")


def monthly_figure(site: Site, newest: date) -> Figure:
    """Items published in each of the last twelve months up to the newest item."""
    first = newest.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    rows = monthly_rows(site, first, newest)
    label = [f"{r.start.year}年{r.start.month}月" for r in rows]
    chart = bar_chart(f"最近 {MONTHS} 个月每月发布篇数", [(name, r.total, f"{r.total} 篇") for name, r in zip(label, rows)])
    table = tuple((name, str(r.cases), str(r.notices), str(r.total)) for name, r in zip(label, rows))
    return Figure("months", chart.title, chart, ("月份", "案例", "通知", "合计"), table)


def count_figure(key: str, heading: str, what: str, rows: list[LossRow], note: str = "") -> Figure:
    """Cases per fraud type or audience."""
    chart = bar_chart(heading, [(r.name, r.cases, f"{r.cases} 起") for r in rows])
    return Figure(key, heading, chart, (what, "案例数"), tuple((r.name, str(r.cases)) for r in rows), note)


def loss_figure(key: str, heading: str, what: str, rows: list[LossRow]) -> Figure:
    """Losses per fraud type, all in one unit so the bars' numbers and the column compare at a glance."""
    unit = loss_unit(r.amount for r in rows)
    chart = bar_chart(heading, [(r.name, r.amount, f"{format_in_unit(r.amount, unit)} {unit}") for r in rows])
    # the unit in the column's header keeps the column narrow enough for a phone
    table = tuple((r.name, format_in_unit(r.amount, unit), str(r.unknown)) for r in rows)
    return Figure(key, heading, chart, (what, f"损失（{unit}）", "未填金额的案例"), table,
                  "损失只计入填写了金额的案例。")


_UNITS = {"亿元": 100_000_000, "万元": 10_000}  # the larger first


def loss_unit(amounts: Iterable[int]) -> str:
    """One unit for a whole column of totals, which then line up: 亿元 once the largest reaches a hundred million
    yuan and every other loss still shows in it (0.01 亿元 at least: a province-wide column's totals read 12.35
    亿元, not 123,456.78 万元), else 万元 from ten thousand, else 元. In 亿元 a type's 226,799 元 read "<0.01", and
    eleven of twelve rows said nothing. (A single amount on a card, ``render.format_yuan``, reads as 元 up to
    100,000: "98,000 元".)"""
    amounts = [amount for amount in amounts if amount > 0]
    largest, smallest = max(amounts, default=0), min(amounts, default=0)
    if largest >= _UNITS["亿元"] and smallest >= _UNITS["亿元"] // 100:
        return "亿元"
    return "万元" if largest >= _UNITS["万元"] else "元"


def format_in_unit(amount: int, unit: str) -> str:
    """9800 -> "0.98" in 万元 (always two decimals, so a column lines up), "9,800" in 元; a loss too small for
    two decimals of the unit is "<0.01", not "0.00", which would read as none."""
    if unit in _UNITS:
        size = _UNITS[unit]
        return "<0.01" if 0 < amount < size // 200 else f"{amount / size:,.2f}"
    return f"{amount:,}"
