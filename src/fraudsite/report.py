"""``fraudsite report``: the monthly progress report the campaign office submits (text, CSV, JSON, A4 HTML)."""

from __future__ import annotations

import io
import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from fraudsite.clock import BadWhen, chinese_date, parse_when
from fraudsite.collate import in_order
from fraudsite.config import Config
from fraudsite.errors import UsageError
from fraudsite.model import Case, Notice, notice_end
from fraudsite.render import Page, make_environment, render_page
from fraudsite.site import Site
from fraudsite.weeks import day_start, month_starts, week_label, week_mondays

if TYPE_CHECKING:
    from jinja2 import Environment

    from fraudsite.build import BuildOptions

JSON_FORMAT = 2  # bump when a key of the JSON output changes meaning (2: notices as a past period closed)
SOON_DAYS = 7  # a current notice ending within this many days is listed as expiring soon


@dataclass(frozen=True)
class PeriodRow:
    """Items published in one ISO week or one month (the whole week or month, never cut at the report's ends)."""

    key: str  # 2026-W48 or 2026-11
    start: date  # Monday, or the first of the month
    end: date  # Sunday, or the last of the month
    cases: int
    notices: int
    # "ok": something published; "gap": period over and nothing; "open": begun, not over, nothing so far;
    # "future": not begun (a report that runs ahead of the clock)
    status: str
    issuers: tuple[tuple[str, int], ...]  # issuer -> items, by name

    @property
    def total(self) -> int:
        """Cases and notices together."""
        return self.cases + self.notices


@dataclass(frozen=True)
class IssuerRow:
    """What one issuer (发布单位) published in the period."""

    issuer: str
    cases: int
    notices: int


@dataclass(frozen=True)
class LossRow:
    """Cases of one fraud type or one audience in the period, and their losses."""

    key: str
    name: str
    cases: int
    amount: int  # yuan, summed over the cases that state an amount
    unknown: int  # cases without an amount


@dataclass(frozen=True)
class NoticeRow:
    """A notice current at the report's ``now``."""

    title: str
    issuer: str
    path: str
    start: datetime
    end: datetime
    urgent: bool
    days_left: int  # days from the day it is seen to its last day in force: 0 on that day

    @property
    def ends_in(self) -> str:
        """When it ends, in words: 5 天后到期, or 今天到期 on its last day (``expires: 2026-12-05`` on 12-05 from
        00:00: "1 天后到期" read as through the 6th)."""
        return f"{self.days_left} 天后到期" if self.days_left else "今天到期"

    @property
    def end_shown(self) -> str:
        """The end as people write it: an expiry at midnight is 24:00 of the day before."""
        if self.end.hour == 0 and self.end.minute == 0:
            return f"{self.end - timedelta(days=1):%Y-%m-%d} 24:00"
        return f"{self.end:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class CampaignReport:
    """Every figure of the report; the formats only arrange these."""

    title: str
    start: date
    end: date
    now: datetime
    notices_at: datetime  # the moment the notices listed were in force: now, or the end of a past period
    cases: int
    notices: int
    amount: int
    weeks: tuple[PeriodRow, ...]
    months: tuple[PeriodRow, ...]
    issuers: tuple[IssuerRow, ...]
    types: tuple[LossRow, ...]
    audiences: tuple[LossRow, ...]
    current: tuple[NoticeRow, ...]
    expiring: tuple[NoticeRow, ...]

    @property
    def notices_heading(self) -> str:
        """What the list of notices is: those in force now, or as the period closed."""
        if self.notices_at == self.now:
            return "当前有效的通知"
        return f"期末（{chinese_date(self.end)} 24:00）有效的通知"

    @property
    def whole_periods_note(self) -> str:
        """Why the rows may add up to more than the totals: weeks and months at the edges are counted whole."""
        rows = self.weeks + self.months
        if not any(row.start < self.start or row.end > self.end for row in rows):
            return ""
        return "注：跨出统计期间的周和月按整周、整月计数，所以各行相加可能多于期间合计。"

    @property
    def gaps(self) -> tuple[PeriodRow, ...]:
        """Weeks that ended with nothing published."""
        return tuple(week for week in self.weeks if week.status == "gap")


def units(config: Config) -> dict[str, str]:
    """The issuers that count as another unit: the office's short name (保卫处 for 保卫处（无诈校园创建办公室）,
    the name cases get when they give none) as the office, so one unit is one row. ``units.get(issuer, issuer)``."""
    office = config.office.name
    short = re.split("[（(]", office, maxsplit=1)[0].strip() if office else ""
    return {short: office} if short and short != office else {}


def period_row(site: Site, key: str, first: date, last: date) -> PeriodRow:
    """Count what was published from ``first`` to ``last`` (inclusive days)."""
    days, ordered = site.by_day
    items = ordered[bisect_left(days, first):bisect_right(days, last)]
    issuers: dict[str, int] = {}
    named = units(site.config)
    for item in items:
        unit = named.get(item.issuer, item.issuer)
        issuers[unit] = issuers.get(unit, 0) + 1
    over = day_start(last + timedelta(days=1), site.config.tz) <= site.now
    begun = day_start(first, site.config.tz) <= site.now
    status = "ok" if items else "gap" if over else "open" if begun else "future"
    cases = sum(1 for i in items if isinstance(i, Case))
    return PeriodRow(key, first, last, cases, len(items) - cases, status, tuple(sorted(issuers.items())))


def weekly_rows(site: Site, first: date, last: date) -> tuple[PeriodRow, ...]:
    """One row per ISO week overlapping ``first`` .. ``last``."""
    return tuple(period_row(site, week_label(monday), monday, monday + timedelta(days=6))
                 for monday in week_mondays(first, last))


def monthly_rows(site: Site, first: date, last: date) -> tuple[PeriodRow, ...]:
    """One row per month overlapping ``first`` .. ``last``."""
    rows = []
    for month in month_starts(first, last):
        following = (month + timedelta(days=32)).replace(day=1)
        rows.append(period_row(site, f"{month:%Y-%m}", month, following - timedelta(days=1)))
    return tuple(rows)


def loss_row(key: str, name: str, cases: list[Case]) -> LossRow:
    """Count cases and add up their stated losses."""
    amount = sum(c.amount for c in cases if c.amount is not None)
    return LossRow(key, name, len(cases), amount, sum(1 for c in cases if c.amount is None))


def notice_row(notice: Notice, site: Site, moment: datetime) -> NoticeRow:
    """A notice current at ``moment`` with when it ends, counted in the site's days: an end at midnight is the
    day before's."""
    end = notice_end(notice, site.config.notice_lifetime_days)
    tz = site.config.tz
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return NoticeRow(notice.title, notice.issuer, notice.path, notice.date, end, notice.urgent,
                     (last_day - moment.astimezone(tz).date()).days)


def campaign_report(site: Site, first: date, last: date) -> CampaignReport:
    """Every figure for the days ``first`` .. ``last`` (site time zone), as seen at ``site.now``."""
    items = [i for i in site.published if first <= site.day_of(i) <= last]
    cases = [i for i in items if isinstance(i, Case)]
    named = units(site.config)
    unit_of = [named.get(i.issuer, i.issuer) for i in items]
    issuer_rows = tuple(IssuerRow(name, sum(1 for i, unit in zip(items, unit_of) if unit == name and isinstance(i, Case)),
                                  sum(1 for i, unit in zip(items, unit_of) if unit == name and isinstance(i, Notice)))
                        for name in in_order(set(unit_of)))
    # The notices in force as the period closed, for a past period (at its last instant: one expiring that day
    # was, one starting the next was not); for one not over, those in force now, and which end soon.
    closes = day_start(last + timedelta(days=1), site.config.tz)
    notices_at = min(site.now, closes)
    seen = notices_at - timedelta(microseconds=1) if notices_at == closes else notices_at
    current = tuple(notice_row(n, site, seen) for n in site.notices_current_at(seen))
    soon = site.now + timedelta(days=SOON_DAYS)
    expiring = tuple(row for row in current if row.end <= soon) if notices_at == site.now else ()  # none, looking back
    return CampaignReport(
        title=site.config.title, start=first, end=last, now=site.now, notices_at=notices_at,
        cases=len(cases), notices=len(items) - len(cases), amount=sum(c.amount or 0 for c in cases),
        weeks=weekly_rows(site, first, last), months=monthly_rows(site, first, last), issuers=issuer_rows,
        types=tuple(loss_row(t.key, t.name, [c for c in cases if c.type == t.key]) for t in site.config.types),
        audiences=tuple(loss_row(a.key, a.name, [c for c in cases if a.key in c.audience]) for a in site.config.audiences),
        current=current, expiring=expiring,
    )


# --------------------------------------------------------------------------- the command


def report_period(site: Site, start: str | None, end: str | None, month: str | None = None) -> tuple[date, date]:
    """``--from``/``--to`` as days (a month, ``2026-11``, from its first or to its last day), or ``--month``'s
    whole month; by default from the first of this month (of ``--to``'s, if given: "--to 2026-10-31" asks for
    October) to today."""
    today = site.now.date()

    def day(text: str, option: str, month_end: bool = False) -> date:
        if found := _MONTH.fullmatch(text.strip()):
            if not 1 <= int(found[2]) <= 12:
                raise UsageError(f"{option}：“{text}”不是有效的月份；请写 YYYY-MM，如 2026-11")
            first = date(int(found[1]), int(found[2]), 1)
            return (first + timedelta(days=31)).replace(day=1) - timedelta(days=1) if month_end else first
        if option == "--month":
            raise UsageError(f"--month：“{text}”应为月份 YYYY-MM，如 2026-11")
        try:
            return parse_when(text, site.config.tz).date()
        except BadWhen as error:
            raise UsageError(f"{option}：{error}；也可只写月份 YYYY-MM") from None

    if month:
        if start or end:
            raise UsageError("--month 已经定下整个月，不能再加 --from 或 --to；请只用其中一种写法")
        return day(month, "--month"), day(month, "--month", month_end=True)
    last = day(end, "--to", month_end=True) if end else today
    first = day(start, "--from") if start else last.replace(day=1)
    if last < first:
        raise UsageError(f"--to（{last}）早于 --from（{first}）；请检查日期")
    return first, last


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def write_report(options: BuildOptions, start: str | None, end: str | None, form: str,
                 month: str | None = None) -> tuple[str, date, date]:
    """The report in one of the formats ``text``, ``csv``, ``json``, ``html``, with the period it covers."""
    from fraudsite.build import load_site  # build imports the stats channel, which imports this module

    site, _ = load_site(options)
    first, last = report_period(site, start, end, month)
    report = campaign_report(site, first, last)
    if form == "json":
        return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n", first, last
    if form == "csv":
        return report_csv(report), first, last
    if form == "html":
        return render_report(make_environment(options.site_dir, site.config), site, report), first, last
    return report_text(report), first, last


def render_report(env: Environment, site: Site, report: CampaignReport) -> str:
    """The A4 HTML report, from the theme's ``report/report.html``."""
    return render_page(env, Page("report.html", "report/report.html", {"report": report, "site": site.config,
                                                                       "status_names": STATUS_NAMES})).decode()


STATUS_NAMES = {"ok": "", "gap": "无发布", "open": "进行中", "future": "尚未开始"}


def report_data(report: CampaignReport) -> dict:
    """The documented JSON form (README: "fraudsite report")."""

    def period(row: PeriodRow) -> dict:
        return {"key": row.key, "start": row.start.isoformat(), "end": row.end.isoformat(), "cases": row.cases,
                "notices": row.notices, "total": row.total, "status": row.status, "issuers": dict(row.issuers)}

    def notice(row: NoticeRow) -> dict:
        return {"title": row.title, "issuer": row.issuer, "path": row.path, "start": row.start.isoformat(),
                "end": row.end.isoformat(), "urgent": row.urgent, "days_left": row.days_left}

    return {
        "format": JSON_FORMAT,
        "title": report.title,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "now": report.now.isoformat(),
        "notices_at": report.notices_at.isoformat(),
        "totals": {"cases": report.cases, "notices": report.notices, "amount": report.amount,
                   "gap_weeks": [w.key for w in report.gaps]},
        "weeks": [period(w) for w in report.weeks],
        "months": [period(m) for m in report.months],
        "issuers": [asdict(row) for row in report.issuers],
        "types": [asdict(row) for row in report.types],
        "audiences": [asdict(row) for row in report.audiences],
        "current_notices": [notice(n) for n in report.current],
        "expiring_soon": [notice(n) for n in report.expiring],
    }


# Read in Excel or WPS by the office's staff, so in Chinese: the column names, which part a row is of, the statuses.
CSV_COLUMNS = ("部分", "编号", "名称", "开始", "结束", "案例", "通知", "损失金额（元）", "金额不详的案例", "状态")
CSV_PARTS = {"week": "每周", "month": "每月", "issuer": "发布单位", "type": "诈骗类型", "audience": "受众",
             "notice": "通知"}


def report_csv(report: CampaignReport) -> str:
    """One tidy table, the column 部分 naming the part; UTF-8 with BOM so Excel shows the Chinese."""
    import csv  # here: builds use this module for the stats pages, never for CSV

    out = io.StringIO()
    sheet = csv.writer(out, lineterminator="\r\n")

    def write(part: str, row: tuple) -> None:  # text cells a spreadsheet never runs as formulas
        sheet.writerow([_inert(cell) for cell in (CSV_PARTS[part], *row)])

    sheet.writerow(CSV_COLUMNS)
    for table, rows in (("week", report.weeks), ("month", report.months)):
        for row in rows:
            write(table, (row.key, "", row.start, row.end, row.cases, row.notices, "", "", STATUS_NAMES[row.status]))
    for issuer in report.issuers:
        write("issuer", ("", issuer.issuer, "", "", issuer.cases, issuer.notices, "", "", ""))
    for table, losses in (("type", report.types), ("audience", report.audiences)):
        for loss in losses:
            write(table, (loss.key, loss.name, "", "", loss.cases, "", loss.amount, loss.unknown, ""))
    expiring = set(report.expiring)
    for notice in report.current:
        write("notice", (notice.path, notice.title, notice.start.date(), notice.end_shown, "", "", "", "",
                         "即将到期" if notice in expiring else "有效"))
    return "\ufeff" + out.getvalue()


def _inert(cell: object) -> object:
    """A CSV cell Excel or WPS shows as written: text beginning = + - @ (a title such as “=HYPERLINK(…)” or
    “-点击链接”) is read as a formula unless it starts with an apostrophe, which they do not show."""
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def report_text(report: CampaignReport) -> str:
    """A plain-text report for the terminal or an e-mail."""
    lines = [f"{report.title} 宣传工作报告", f"统计期间：{report.start} 至 {report.end}（统计时间 {report.now:%Y-%m-%d %H:%M}）",
             f"发布：案例 {report.cases} 篇，通知 {report.notices} 篇；案例涉及损失 {report.amount:,} 元", "",
             "每周发布（ISO 周，整周计数）："]
    for week in report.weeks:
        flag = {"gap": "  ← 本周无发布", "open": "  （本周尚未结束）", "future": "  （尚未开始）"}.get(week.status, "")
        lines.append(f"  {week.key}  {week.start:%m-%d}～{week.end:%m-%d}  案例 {week.cases}  通知 {week.notices}{flag}")
    lines += ["", "每月发布："]
    lines += [f"  {m.key}  案例 {m.cases}  通知 {m.notices}" for m in report.months]
    lines += [f"  {report.whole_periods_note}"] if report.whole_periods_note else []
    lines += ["", "发布单位："]
    lines += [f"  {i.issuer}：案例 {i.cases}，通知 {i.notices}" for i in report.issuers] or ["  （无）"]
    for heading, losses in (("按诈骗类型：", report.types), ("按受众（一案可涉及多个受众）：", report.audiences)):
        lines += ["", heading]
        lines += [f"  {loss.name}：{loss.cases} 起，" + ("损失金额不详" if loss.unknown == loss.cases else  # not "损失 0 元"
                  f"损失 {loss.amount:,} 元" + (f"（{loss.unknown} 起未填金额）" if loss.unknown else ""))
                  for loss in losses if loss.cases] or ["  （无）"]
    lines += ["", f"{report.notices_heading}："]
    lines += [f"  {n.title}（{n.issuer}），至 {n.end_shown}" + ("，紧急" if n.urgent else "") for n in report.current] or ["  （无）"]
    if report.notices_at == report.now:  # looking back, which notices end soon is not a question
        lines += ["", f"{SOON_DAYS} 天内到期："]
        lines += [f"  {n.title}，{n.ends_in}" for n in report.expiring] or ["  （无）"]
    return "\n".join(lines) + "\n"
