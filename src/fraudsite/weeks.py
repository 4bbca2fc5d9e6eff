"""ISO weeks and months in the site time zone: the campaign publishes at least once every week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def week_start(moment: datetime, tz: ZoneInfo) -> date:
    """The Monday of the ISO week ``moment`` falls in, seen from the site time zone."""
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """``2026-W48``: ISO year and week number."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_mondays(first: date, last: date) -> list[date]:
    """Every Monday of the ISO weeks that overlap ``first`` .. ``last`` (inclusive days)."""
    monday = first - timedelta(days=first.weekday())
    mondays = []
    while monday <= last:
        mondays.append(monday)
        monday += timedelta(days=7)
    return mondays


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month overlapping ``first`` .. ``last``."""
    month = first.replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of ``day`` in the site time zone."""
    return datetime.combine(day, time(), tzinfo=tz)
