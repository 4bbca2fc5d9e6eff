"""``/stats/``: the report's figures as SVG bar charts drawn at build time, each with its numbers in a table.

The windows end at the newest published item, not at the clock, so the page changes only when
what is published changes (``Site.next_change`` already knows those moments).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fraudsite.channels.web import feed_links, page
from fraudsite.charts import BarChart, bar_chart
from fraudsite.render import Output, format_yuan
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
    totals = {"cases": len(cases), "notices": len(site.notices), "amount": format_yuan(sum(c.amount or 0 for c in cases))}
    return [page("stats/", "stats/index.html", site, "数据统计", feed_links(site, main_only=True)[:1],
                 description="专栏发布数量、各类诈骗案例与损失的统计", figures=plan_figures(site), totals=totals)]


def plan_figures(site: Site) -> list[Figure]:
    """Weekly and monthly publishing, then cases and losses by type and by audience."""
    figures: list[Figure] = []
    if site.published:
        newest = site.published[0].date.astimezone(site.config.tz).date()
        figures += [weekly_figure(site), monthly_figure(site, newest)]
    types = [loss_row(t.key, t.name, list(site.cases_of_type(t.key))) for t in site.config.types]
    audiences = [loss_row(a.key, a.name, [c for c in site.cases if a.key in c.audience]) for a in site.config.audiences]
    figures.append(loss_figure("types", "各类诈骗案例数量", "诈骗类型", types, by_amount=False))
    figures.append(loss_figure("losses", "各类诈骗造成的损失", "诈骗类型", types, by_amount=True))
    figures.append(loss_figure("audiences", "各受众相关的案例", "受众", audiences, by_amount=False,
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


def loss_figure(key: str, heading: str, what: str, rows: list[LossRow], by_amount: bool, note: str = "") -> Figure:
    """Cases (or their losses) per fraud type or audience; the table always has both."""
    if by_amount:
        chart = bar_chart(heading, [(r.name, r.amount, format_yuan(r.amount)) for r in rows])
    else:
        chart = bar_chart(heading, [(r.name, r.cases, f"{r.cases} 起") for r in rows])
    table = tuple((r.name, str(r.cases), format_yuan(r.amount), str(r.unknown)) for r in rows)
    return Figure(key, heading, chart, (what, "案例数", "损失合计", "未填金额的案例"), table, note)
