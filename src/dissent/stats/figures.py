"""The statistics as the pages show them: each figure is a chart and a table of the same
numbers, with every number already formatted for the reader's language.

Kept apart from the views so that the views stay a screen long and the templates stay
free of arithmetic: a template only loops over `Figure`s and prints strings.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .queries import ChannelStatistics, Punctuality, Stage, Timing
from .svg import Series, bar_chart

DAY = Decimal(86_400_000_000)  # microseconds


@dataclass(frozen=True)
class Table:
    """A plain table: the first cell of each row is its header, the rest are numbers."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    anchor: str
    heading: str
    chart: SafeString | None
    table: Table
    note: str = ""


def days(duration: timedelta) -> Decimal:
    """Elapsed time in days, to one decimal, halves rounded up (2.25 days -> 2.3)."""
    micro = Decimal(duration // timedelta(microseconds=1))
    return (micro / DAY).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(share: Fraction) -> int:
    """A share as a whole percentage, halves rounded up (2/3 -> 67, 1/8 -> 13)."""
    return int(share * 100 + Fraction(1, 2))


def _days_text(duration: timedelta | None) -> str:
    return number_format(days(duration), 1) if duration is not None else "—"


def _days_value(duration: timedelta | None) -> float | None:
    return float(days(duration)) if duration is not None else None


def _tick_text(value: float) -> str:
    return number_format(int(value)) if value == int(value) else number_format(value, 1)


def _share_text(p: Punctuality) -> str:
    return f"{percent(p.share)}%" if p.share is not None else "—"


STAGE_LABELS = {
    Stage.AWAITING_ACKNOWLEDGMENT: gettext_lazy("Waiting for acknowledgment"),
    Stage.AWAITING_REPLY: gettext_lazy("Acknowledged, waiting for a reply"),
    Stage.REPLIED: gettext_lazy("Replied"),
    Stage.CLOSED: gettext_lazy("Closed"),
    Stage.WITHDRAWN: gettext_lazy("Withdrawn after filing"),
}


def filed_per_month(stats: ChannelStatistics) -> Figure:
    months = [date_format(m.month, "YEAR_MONTH_FORMAT") for m in stats.per_month]
    counts = [str(m.filed) for m in stats.per_month]
    chart = bar_chart(
        chart_id="filed-per-month",
        title=_("Memos filed per month"),
        description=", ".join(f"{month}: {count}" for month, count in zip(months, counts, strict=True)),
        categories=[
            # the year under January and under the first month only, so labels do not touch
            f"{date_format(m.month, 'M')}\n{m.month:%Y}"
            if i == 0 or m.month.month == 1
            else date_format(m.month, "M")
            for i, m in enumerate(stats.per_month)
        ],
        series=[Series(_("Memos filed"), [m.filed for m in stats.per_month], counts)],
        value_axis=_("Memos filed"),
        category_axis=_("Month of filing"),
        whole=True,
    )
    rows = [[month, count] for month, count in zip(months, counts, strict=True)]
    rows.append([_("Total"), str(stats.filed)])
    table = Table(_("Memos filed per month"), [_("Month"), _("Memos filed")], rows)
    return Figure("filed", _("Memos filed per month"), chart, table)


def response_times(stats: ChannelStatistics) -> Figure:
    steps: list[tuple[str, Timing]] = [
        (_("Acknowledgment"), stats.acknowledgment_time),
        (_("Reply"), stats.reply_time),
    ]
    medians = [t.median for _step, t in steps]
    p90s = [t.p90 for _step, t in steps]
    chart = bar_chart(
        chart_id="response-times",
        title=_("Time from filing to acknowledgment and to reply, in days"),
        description="; ".join(
            _("%(step)s: median %(median)s days, 90th percentile %(p90)s days")
            % {"step": step, "median": _days_text(t.median), "p90": _days_text(t.p90)}
            for step, t in steps
        ),
        categories=[step for step, _t in steps],
        series=[
            Series(_("Median"), [_days_value(d) for d in medians], [_days_text(d) for d in medians]),
            Series(_("90th percentile"), [_days_value(d) for d in p90s], [_days_text(d) for d in p90s]),
        ],
        value_axis=_("Days (calendar time)"),
        category_axis=_("Step"),
        tick_text=_tick_text,
    )
    table = Table(
        _("Time from filing, in days of elapsed calendar time"),
        [_("Step"), _("Memos answered"), _("Median"), _("90th percentile")],
        [[step, str(t.count), _days_text(t.median), _days_text(t.p90)] for step, t in steps],
    )
    note = _(
        "Elapsed calendar time from filing, in days: nights, weekends and holidays count, unlike the "
        "working days the deadlines are set in. The median and the 90th percentile are times some memo "
        "actually took (nearest rank): half of the answered memos were answered within the median, nine "
        "in ten within the 90th percentile."
    )
    return Figure("times", _("Time to acknowledgment and to reply"), chart, table, note)


def on_time(stats: ChannelStatistics) -> Figure:
    steps = [(_("Acknowledgment"), stats.acknowledged_on_time), (_("Reply"), stats.replied_on_time)]
    chart = bar_chart(
        chart_id="on-time",
        title=_("Share answered on time"),
        description="; ".join(
            _("%(step)s: %(share)s on time (%(on_time)d of %(judged)d)")
            % {"step": step, "share": _share_text(p), "on_time": p.on_time, "judged": p.judged}
            for step, p in steps
        ),
        categories=[step for step, _p in steps],
        series=[
            Series(
                _("On time"),
                [float(p.share * 100) if p.share is not None else None for _step, p in steps],
                [_share_text(p) for _step, p in steps],
            )
        ],
        value_axis=_("Percent on time"),
        category_axis=_("Step"),
        top=100,
        tick_text=lambda v: f"{v:g}%",
    )
    table = Table(
        _("Answered on time; pending memos are not counted"),
        [_("Step"), _("On time"), _("Late"), _("Pending"), _("Share on time")],
        [[step, str(p.on_time), str(p.late), str(p.pending), _share_text(p)] for step, p in steps],
    )
    note = _(
        "On time means the acknowledgment or the reply came no later than the due date in force at that "
        "moment, including any extension granted before it. A memo still waiting after its due date counts "
        "as late. A memo still waiting whose due date has not passed is pending and is left out of the share."
    )
    return Figure("on-time", _("Share answered on time"), chart, table, note)


def extensions(stats: ChannelStatistics) -> Figure:
    table = Table(
        _("Extensions of the reply deadline"),
        [_("Figure"), _("Count")],
        [
            [_("Extensions granted"), str(stats.extensions_granted)],
            [_("Memos whose reply deadline was extended"), str(stats.memos_extended)],
        ],
    )
    return Figure("extensions", _("Extensions granted"), None, table)


def stages(stats: ChannelStatistics) -> Figure:
    table = Table(
        _("Every memo ever filed, by where it stands now"),
        [_("Stage"), _("Memos")],
        [
            [str(STAGE_LABELS[stage]), str(stats.stages.get(stage, 0))]
            for stage in Stage
            # a filed memo cannot be withdrawn today; the row appears only if one ever is
            if stage != Stage.WITHDRAWN or stats.stages.get(stage)
        ],
    )
    return Figure("stages", _("Where memos stand now"), None, table)


def figures(stats: ChannelStatistics) -> list[Figure]:
    return [filed_per_month(stats), response_times(stats), on_time(stats), extensions(stats), stages(stats)]
