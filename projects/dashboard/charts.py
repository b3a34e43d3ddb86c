"""The dashboard's charts as plain data: the geometry of each bar, computed here, drawn as
<svg> by the templates (templates/projects/dashboard/). No JavaScript, no inline style: the
colours are classes of static/css/dashboard.css, the sizes SVG presentation attributes.

Coordinates are `Decimal`s to one place, in the chart's own units (its `viewBox`); the SVG
scales to the page's width.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")
# Horizontal bar charts: the width of the drawing, of the labels on the left and of the
# value on the right; each bar's height and the gap between bars.
WIDTH = 720
LABEL_WIDTH = 200
VALUE_WIDTH = 70
BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_CHARS = 14
# Column charts: the height of the tallest column and the room for the labels below it.
COLUMN_HEIGHT = 100
COLUMN_WIDTH = 64
COLUMN_LABEL = 36


def _tenth(value) -> Decimal:
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def short(label: str, chars: int = LABEL_CHARS) -> str:
    """A label cut to fit beside its bar (the whole one is the bar's <title>)."""
    return label if len(label) <= chars else label[: chars - 1] + "…"


@dataclass(frozen=True)
class Item:
    """What a bar shows: a label, a value (None: no bar, "—"), the value as printed, the
    link to the sheets behind it and its colour class."""

    label: str
    value: Decimal | int | None
    text: str
    href: str = ""
    css: str = ""


@dataclass(frozen=True)
class Bar:
    item: Item
    short_label: str
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    text_x: Decimal
    text_y: Decimal


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    plot_width: int
    scale: Decimal


def bars(items: list[Item], scale: Decimal | int | None = None) -> BarChart:
    """Horizontal bars, one a line, their length `value / scale` of the plot's width (the
    scale defaults to the largest value)."""
    values = [Decimal(item.value) for item in items if item.value is not None]
    top = Decimal(scale) if scale else max(values, default=Decimal(0))
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    drawn = []
    for index, item in enumerate(items):
        y = Decimal(index * (BAR_HEIGHT + BAR_GAP))
        value = Decimal(item.value) if item.value is not None else Decimal(0)
        share = min(max(value / top, Decimal(0)), Decimal(1)) if top > 0 else Decimal(0)
        width = _tenth(share * plot)
        drawn.append(
            Bar(
                item=item,
                short_label=short(item.label),
                x=Decimal(LABEL_WIDTH),
                y=y,
                width=width,
                height=Decimal(BAR_HEIGHT),
                text_x=_tenth(LABEL_WIDTH + width + 4),
                text_y=_tenth(y + BAR_HEIGHT - 5),
            )
        )
    height = max(len(items) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT)
    return BarChart(tuple(drawn), WIDTH, height, LABEL_WIDTH, plot, _tenth(top))


@dataclass(frozen=True)
class Segment:
    item: Item
    x: Decimal
    width: Decimal
    share: Decimal  # percent of the whole, one place


@dataclass(frozen=True)
class StackedBar:
    segments: tuple[Segment, ...]
    width: int
    height: int
    total: int


def stacked(items: list[Item], height: int = 28) -> StackedBar:
    """One bar split into its parts, each as wide as its share of the sum (empty parts are
    left out of the drawing, kept in the table)."""
    total = sum(int(item.value or 0) for item in items)
    segments = []
    x = Decimal(0)
    for item in items:
        count = int(item.value or 0)
        if not count or not total:
            continue
        width = _tenth(Decimal(count) * WIDTH / total)
        segments.append(
            Segment(item=item, x=x, width=width, share=_tenth(Decimal(count) * 100 / total))
        )
        x += width
    return StackedBar(tuple(segments), WIDTH, height, total)


@dataclass(frozen=True)
class Column:
    item: Item
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    center: Decimal


@dataclass(frozen=True)
class ColumnChart:
    columns: tuple[Column, ...]
    width: int
    height: int
    base: int
    label_y: int


def columns(
    items: list[Item],
    scale: Decimal | int | None = None,
    width: int = 480,
    height: int = COLUMN_HEIGHT,
) -> ColumnChart:
    """Vertical columns side by side (the grades, the years), their height `value / scale`
    of the plot's height (`height`), each at most `COLUMN_WIDTH` wide."""
    values = [Decimal(item.value) for item in items if item.value is not None]
    top = Decimal(scale) if scale else max(values, default=Decimal(0))
    slot = Decimal(width) / max(len(items), 1)
    column_width = _tenth(min(slot * Decimal("0.6"), Decimal(COLUMN_WIDTH)))
    drawn = []
    for index, item in enumerate(items):
        value = Decimal(item.value) if item.value is not None else Decimal(0)
        share = min(max(value / top, Decimal(0)), Decimal(1)) if top > 0 else Decimal(0)
        tall = _tenth(share * height)
        x = _tenth(slot * index + (slot - column_width) / 2)
        drawn.append(
            Column(
                item=item,
                x=x,
                y=_tenth(height + 16 - tall),
                width=column_width,
                height=tall,
                center=_tenth(slot * index + slot / 2),
            )
        )
    return ColumnChart(
        tuple(drawn),
        width,
        height + 16 + COLUMN_LABEL,
        height + 16,
        height + 16 + 16,
    )
