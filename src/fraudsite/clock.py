"""Dates and times: parsing front-matter dates in the site time zone, and formatting them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_WHEN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\Z")
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200


class BadWhen(ValueError):
    """A date that cannot be used; the message says what is expected."""


def parse_when(text: object, tz: ZoneInfo, end_of_day: bool = False) -> datetime:
    """Parse ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` as a time in ``tz``.

    With ``end_of_day`` a bare date means 24:00 of that day (an expiry includes it).
    """
    if not isinstance(text, str):
        raise BadWhen("应为日期，格式 YYYY-MM-DD 或 YYYY-MM-DD HH:MM")
    match = _WHEN.match(text.strip())
    if not match:
        raise BadWhen(f"“{text}”不是有效日期；格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM")
    year, month, day, hour, minute = (int(g) if g else None for g in match.groups())
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise BadWhen(f"年份 {year} 超出范围；应在 {EARLIEST_YEAR} 到 {LATEST_YEAR} 之间")
    try:
        day_start = datetime(year, month, day, tzinfo=tz)
        if hour is None:
            return day_start + timedelta(days=1) if end_of_day else day_start
        moment = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        raise BadWhen(f"“{text}”是不存在的日期或时间；请检查月、日、时、分") from None
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise BadWhen(f"“{text}”在时区 {tz.key} 里不存在：这一天调为夏令时，时钟跳过了这段时间；请改为之后的时间")
    return moment


def parse_now(text: str, tz: ZoneInfo) -> datetime:
    """Parse the ``--now`` option."""
    return parse_when(text, tz)


def offset_changes(tz: ZoneInfo, moment: datetime, within: timedelta = timedelta(days=366)) -> list[datetime]:
    """The last change of ``tz``'s offset from UTC by ``moment`` and the next one after it (summer time begins or
    ends), each looked for ``within`` that far: none for a zone without summer time, such as Asia/Shanghai."""
    changes = []
    for direction in (-1, 1):
        day = moment.astimezone(UTC)  # steps of whole days, not of the zone's wall clock
        end = day + direction * within
        while (day - end) * direction < timedelta(0):
            following = day + direction * timedelta(days=1)
            if following.astimezone(tz).utcoffset() != day.astimezone(tz).utcoffset():
                changes.append(change_between(tz, *sorted((day, following))))
                break
            day = following
    return changes


def change_between(tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first second at or after which ``tz``'s offset is the one it has at ``after`` (it differs at ``before``),
    at that offset: a fixed one, which compares with times in the zone by the instant, in the hour that repeats too."""
    low, high = int(before.timestamp()), int(after.timestamp())
    offset = after.astimezone(tz).utcoffset() or timedelta(0)
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, timezone(offset))


def chinese_date(moment: date) -> str:
    """2026年11月28日"""
    return f"{moment.year}年{moment.month}月{moment.day}日"


def chinese_datetime(moment: datetime) -> str:
    """2026年11月28日 08:30, or just the date at midnight."""
    if moment.hour == 0 and moment.minute == 0:
        return chinese_date(moment)
    return f"{chinese_date(moment)} {moment:%H:%M}"


def chinese_until(end: datetime) -> str:
    """An end as readers say it: an end at 24:00 names that day (a bare ``expires`` date), else date and time."""
    if (end.hour, end.minute) == (0, 0):
        return chinese_date(end - timedelta(days=1))
    return chinese_datetime(end)


def iso_date(moment: datetime | date) -> str:
    """2026-11-28"""
    return moment.strftime("%Y-%m-%d")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822(moment: datetime) -> str:
    """RFC 822 date for RSS, with the numeric offset such as +0800: English names whatever the locale.

    As ``email.utils.format_datetime`` writes it (a time without a zone gets -0000, "unknown"); importing that
    (with socket and random) took 7 ms of every build."""
    zone = format(moment, "%z") if moment.tzinfo is not None else "-0000"
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{moment:%H:%M:%S} {zone}")
