"""Bar-chart geometry for SVG drawn at build time: rows stacked (label above bar) so they fit a phone."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 360  # viewBox width; the SVG scales to its container
BAR_AREA = 280  # the longest bar; the rest of the row holds its number
ROW_HEIGHT = 46
LABEL_SIZE = 15
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label above, its bar and number below."""

    label: str
    value: int
    shown: str  # the number as printed beside the bar, such as "3 篇" or "8,600 元"
    y: int  # top of the row in viewBox units
    width: int  # bar length in viewBox units (0 for zero, at least 2 otherwise so it is seen)

    @property
    def label_y(self) -> int:
        """Baseline of the label text."""
        return self.y + LABEL_SIZE

    @property
    def bar_y(self) -> int:
        """Top of the bar."""
        return self.y + LABEL_SIZE + 5

    @property
    def value_x(self) -> int:
        """Where the number beside the bar starts."""
        return self.width + 6

    @property
    def value_y(self) -> int:
        """Baseline of the number, centred on the bar."""
        return self.bar_y + BAR_HEIGHT - 4


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, with everything the template needs to draw it."""

    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    label_size: int = LABEL_SIZE

    @property
    def height(self) -> int:
        """Total height in viewBox units."""
        return max(1, len(self.bars)) * ROW_HEIGHT


def bar_chart(title: str, rows: list[tuple[str, int, str]]) -> BarChart:
    """Lay out ``(label, value, shown)`` rows; bar lengths are proportional to the largest value."""
    largest = max((value for _, value, _ in rows), default=0)
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        width = round(BAR_AREA * value / largest) if largest else 0
        bars.append(Bar(label, value, shown, index * ROW_HEIGHT, max(width, 2) if value else 0))
    return BarChart(title, tuple(bars))
