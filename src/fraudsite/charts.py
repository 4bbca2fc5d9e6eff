"""Bar charts laid out at build time and drawn in HTML and CSS, so their text grows with the reader's zoom and font size."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label and number on a line, its bar under them."""

    label: str
    value: int
    shown: str  # the number as printed, such as "3 篇" or "0.86 万元"
    percent: float  # bar length as a share of the longest bar, 0 to 100, one decimal


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, with everything the template needs to draw it."""

    title: str
    bars: tuple[Bar, ...]


def bar_chart(title: str, rows: list[tuple[str, int, str]]) -> BarChart:
    """Lay out ``(label, value, shown)`` rows; bar lengths are proportional to the largest value."""
    largest = max((value for _, value, _ in rows), default=0)
    return BarChart(title, tuple(Bar(label, value, shown, round(100 * value / largest, 1) if largest else 0.0)
                                 for label, value, shown in rows))
