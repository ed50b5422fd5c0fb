"""Bar charts as inline SVG, drawn on the server.

Why our own: the figures are few and simple, the pages must work without JavaScript or a
CDN, and a hundred lines of arithmetic are easier to trust than a charting library. The
renderer is pure: text in, markup out, no database and no settings.

What makes the charts readable for everyone:
- the SVG is `role="img"` with a `<title>` and a `<desc>`, and each page shows a plain
  table of the same numbers next to it;
- every bar carries its value as visible text, so nobody has to read a bar's height;
- series differ by pattern (solid, hatched, dotted) and are named in a legend, never by
  colour alone;
- all sizes are viewBox units, so the chart scales down to a phone's width.

Every piece of text that reaches the markup passes through `escape()`; only the joined
result is marked safe.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1d232b"
ACCENT = "#1f4e79"
GRID = "#d6dbe1"

WIDTH = 480
PLOT_HEIGHT = 200
LEFT = 56  # room for the tick labels and the value axis's label
RIGHT = 8
TOP = 22  # room for the value written above the tallest bar
LEGEND = 26
BELOW = 34  # under the category labels: room for the category axis's label
FONT = 13

_ID = re.compile(r"[a-z][a-z0-9-]*\Z")


@dataclass(frozen=True)
class Series:
    """One set of bars, one per category. `texts` are the values as shown on the page
    (formatted and localised by the caller); a None value draws no bar, only its text."""

    name: str
    values: Sequence[float | None]
    texts: Sequence[str]


def _n(x: float) -> str:
    """A coordinate: short, and the same on every machine."""
    return f"{x:.1f}".removesuffix(".0")


def _plain(x: float) -> str:
    return f"{x:g}"


def nice_scale(largest: float, *, whole: bool = False) -> tuple[float, float]:
    """(top of the axis, tick step): a step of 1, 2 or 5 times a power of ten giving at
    most about five ticks, and a top that is a whole number of steps at or above
    `largest`. `whole` keeps the step at least 1 (counts have no half memos)."""
    if largest <= 0:
        return 1.0, 1.0
    rough = largest / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    return step * math.ceil(largest / step - 1e-9), step


def _patterns(chart_id: str, count: int) -> list[str]:
    """One fill per series, told apart by pattern: solid, hatched, dotted, cross-hatched."""
    shapes = [
        "",
        f'<path d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2" stroke="{ACCENT}" stroke-width="2"/>',
        f'<circle cx="4" cy="4" r="1.8" fill="{ACCENT}"/>',
        f'<path d="M0,0 L8,8 M8,0 L0,8" stroke="{ACCENT}" stroke-width="1.5"/>',
    ]
    defs = []
    for i in range(1, count):
        shape = shapes[1 + (i - 1) % (len(shapes) - 1)]
        defs.append(
            f'<pattern id="{chart_id}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="#fff"/>{shape}</pattern>'
        )
    return defs


def _fill(chart_id: str, index: int) -> str:
    return ACCENT if index == 0 else f"url(#{chart_id}-p{index})"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_axis: str,
    category_axis: str,
    top: float | None = None,
    whole: bool = False,
    tick_text: Callable[[float], str] = _plain,
) -> SafeString:
    """A vertical bar chart, bars grouped by category with one bar per series.

    `chart_id` must be unique on the page (it prefixes the ids of the title, description
    and patterns). A category may hold a line break ("Jan\\n2026") for two label lines.
    `top` fixes the axis's maximum (100 for percentages); otherwise it is a round number
    at or above the largest value. `tick_text` formats the axis's numbers (localised by
    the caller if need be).
    """
    if not _ID.match(chart_id):
        raise ValueError("chart_id must be lower-case letters, digits and hyphens")
    if not series or any(len(s.values) != len(categories) or len(s.texts) != len(categories) for s in series):
        raise ValueError("every series needs one value and one text per category")
    legend = LEGEND if len(series) > 1 else 0
    plot_top = TOP + legend
    label_lines = max((c.count("\n") + 1 for c in categories), default=1)
    height = plot_top + PLOT_HEIGHT + label_lines * (FONT + 2) + BELOW
    plot_width = WIDTH - LEFT - RIGHT
    baseline = plot_top + PLOT_HEIGHT
    largest = max((v for s in series for v in s.values if v is not None), default=0.0)
    axis_top, step = (top, top / 4) if top else nice_scale(largest, whole=whole)

    def y(value: float) -> float:
        return baseline - PLOT_HEIGHT * min(value, axis_top) / axis_top

    e = escape
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {_n(height)}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT}" fill="{INK}">',
        f'<title id="{chart_id}-title">{e(title)}</title>',
        f'<desc id="{chart_id}-desc">{e(description)}</desc>',
        f"<defs>{''.join(_patterns(chart_id, len(series)))}</defs>",
    ]
    ticks = round(axis_top / step)
    for i in range(ticks + 1):
        tick = step * i
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{_n(y(tick) + 4)}" text-anchor="end">{e(tick_text(tick))}</text>'
        )
    slot = plot_width / len(categories) if categories else plot_width
    bar = slot * 0.8 / len(series)
    for c, category in enumerate(categories):
        left = LEFT + slot * c + slot * 0.1
        for s, one in enumerate(series):
            x = left + bar * s
            value = one.values[c]
            if value is not None and value > 0:
                parts.append(
                    f'<rect x="{_n(x)}" y="{_n(y(value))}" width="{_n(bar)}" '
                    f'height="{_n(baseline - y(value))}" fill="{_fill(chart_id, s)}" stroke="{INK}"/>'
                )
            label_y = y(value or 0) - 5
            parts.append(
                f'<text class="value" x="{_n(x + bar / 2)}" y="{_n(label_y)}" text-anchor="middle">'
                f"{e(one.texts[c])}</text>"
            )
        lines = category.split("\n")
        spans = "".join(
            f'<tspan x="{_n(LEFT + slot * (c + 0.5))}" dy="{0 if i == 0 else FONT + 2}">{e(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text y="{baseline + FONT + 5}" text-anchor="middle">{spans}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" stroke="{INK}"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{plot_top}" y2="{baseline}" stroke="{INK}"/>')
    parts.append(
        f'<text x="{_n(LEFT + plot_width / 2)}" y="{_n(height - 6)}" text-anchor="middle" '
        f'font-weight="600">{e(category_axis)}</text>'
    )
    parts.append(
        f'<text transform="translate(14 {_n(plot_top + PLOT_HEIGHT / 2)}) rotate(-90)" text-anchor="middle" '
        f'font-weight="600">{e(value_axis)}</text>'
    )
    if legend:
        x = float(LEFT)
        for s, one in enumerate(series):
            parts.append(
                f'<rect x="{_n(x)}" y="4" width="16" height="14" fill="{_fill(chart_id, s)}" stroke="{INK}"/>'
                f'<text x="{_n(x + 22)}" y="16">{e(one.name)}</text>'
            )
            x += 22 + 8 * len(one.name) + 24
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
