"""The channel's statistics, computed from the event record alone.

Architecture rule 4: whatever the statistics need comes from events, not from columns on
the memo. Every step of a memo's life is one event, and the event's `created_at` is the
time of that step; the due dates are the ones the filing and extension events recorded.
So the figures can be recomputed by anyone holding the log, and a later change to how
memos store their state cannot silently change history.

Everything is "as at `now`": events after `now` are ignored, so a test (or an auditor
asking about a past date) gets the answer the page would have given at that moment.

Two queries, whatever the number of memos:
1. the events of the memos filed in the window (one row per event, only the payload keys
   we need, extracted by the database, so a filing with thousands of signature ids costs
   no more than any other);
2. the current stage of every memo ever filed, counted by the database.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.fields.json import KT

from dissent.events.models import Event, EventKind

#: The event kinds that make up a filed memo's timeline. Drafting, signing and addenda
#: do not move a memo through the channel's deadlines, so they are not read.
TIMELINE_KINDS = (
    EventKind.MEMO_FILED,
    EventKind.MEMO_ACKNOWLEDGED,
    EventKind.MEMO_REPLIED,
    EventKind.MEMO_REPLY_EXTENDED,
    EventKind.MEMO_CLOSED,
    EventKind.MEMO_WITHDRAWN,
)


class Stage(StrEnum):
    """Where a filed memo stands: the kind of the last stage-changing event, by name."""

    AWAITING_ACKNOWLEDGMENT = "filed"
    AWAITING_REPLY = "acknowledged"
    REPLIED = "replied"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STAGE_OF_KIND: dict[str, Stage] = {
    EventKind.MEMO_FILED: Stage.AWAITING_ACKNOWLEDGMENT,
    EventKind.MEMO_ACKNOWLEDGED: Stage.AWAITING_REPLY,
    EventKind.MEMO_REPLIED: Stage.REPLIED,
    EventKind.MEMO_CLOSED: Stage.CLOSED,
    EventKind.MEMO_WITHDRAWN: Stage.WITHDRAWN,
}


class Outcome(StrEnum):
    """How one step (acknowledgment or reply) of one memo stands against its deadline."""

    ON_TIME = "on_time"
    LATE = "late"
    PENDING = "pending"  # not done, not yet due: no verdict yet
    UNKNOWN = "unknown"  # no due date recorded, or the memo left the channel before it fell due


@dataclass
class MemoTimeline:
    """One filed memo as its events tell it. `reply_due` is the latest due date in force
    (recorded by the filing, by an acknowledgment where the reply counts from it, or by an
    extension); `reply_due_when_done` is the one in force at the moment of the reply,
    which is what "on time" is judged against (a later extension does not make an earlier
    late reply on time, nor the other way round). The acknowledgment's due date is never
    moved, so `ack_due` serves for both."""

    memo_id: int
    filed_at: datetime
    ack_due: datetime | None = None
    reply_due: datetime | None = None
    acknowledged_at: datetime | None = None
    replied_at: datetime | None = None
    reply_due_when_done: datetime | None = None
    left_at: datetime | None = None  # closed or withdrawn: the channel owes nothing more
    extensions: int = 0

    def acknowledgment(self, now: datetime) -> Outcome:
        return _outcome(self.acknowledged_at, self.ack_due, self.left_at, now)

    def reply(self, now: datetime) -> Outcome:
        due = self.reply_due_when_done if self.replied_at else self.reply_due
        return _outcome(self.replied_at, due, self.left_at, now)


def _outcome(
    done_at: datetime | None, due: datetime | None, left_at: datetime | None, now: datetime
) -> Outcome:
    """A step done by its due date is on time. A step not done is late once its due date
    has passed (the wait itself is the breach: counting only answered memos would reward
    never answering), and has no verdict before that."""
    if due is None:
        return Outcome.UNKNOWN
    if done_at is not None:
        return Outcome.ON_TIME if done_at <= due else Outcome.LATE
    clock = left_at or now
    if clock > due:
        return Outcome.LATE
    return Outcome.PENDING if left_at is None else Outcome.UNKNOWN


def nearest_rank(ordered: Sequence[timedelta], percent: int) -> timedelta | None:
    """The `percent`-th percentile of an ascending sequence by the nearest-rank method:
    the value at rank ceil(percent/100 * n), counting from 1; None for no values.

    We use nearest-rank (also for the median, `percent=50`) because the answer is always
    a time some memo actually took, and it reads plainly: "90% of the answered memos were
    answered within this time". With an even count the median is therefore the lower of
    the two middle values, not their average.
    """
    if not 0 < percent <= 100:
        raise ValueError("percent must be in 1..100")
    if not ordered:
        return None
    rank = -(-percent * len(ordered) // 100)  # ceiling, in integers
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timing:
    """How long a step took, over the memos that have completed it."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> "Timing":
        ordered = sorted(durations)
        return cls(len(ordered), nearest_rank(ordered, 50), nearest_rank(ordered, 90))


@dataclass(frozen=True)
class Punctuality:
    """On-time counts for one step. Pending memos are not in the denominator."""

    on_time: int
    late: int
    pending: int

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> "Punctuality":
        counts = Counter(outcomes)
        return cls(counts[Outcome.ON_TIME], counts[Outcome.LATE], counts[Outcome.PENDING])

    @property
    def judged(self) -> int:
        return self.on_time + self.late

    @property
    def share(self) -> Fraction | None:
        """The share on time, exactly; None when no memo has a verdict yet."""
        return Fraction(self.on_time, self.judged) if self.judged else None


@dataclass(frozen=True)
class MonthCount:
    month: date  # the first day of the month, in the channel's time zone
    filed: int


@dataclass(frozen=True)
class ChannelStatistics:
    """The figures on the statistics pages. All but `stages` are about the memos filed in
    the window [`start`, `end`); `stages` counts every memo ever filed, as at `now`."""

    now: datetime
    tz: ZoneInfo
    start: datetime
    end: datetime
    per_month: list[MonthCount]
    filed: int
    acknowledgment_time: Timing
    reply_time: Timing
    acknowledged_on_time: Punctuality
    replied_on_time: Punctuality
    extensions_granted: int
    memos_extended: int
    stages: dict[Stage, int] = field(default_factory=dict)


def channel_time_zone() -> ZoneInfo:
    return ZoneInfo(settings.CHANNEL_TIME_ZONE)


def month_start(d: date, months_later: int = 0) -> date:
    """The first day of the month `months_later` months after `d`'s (negative: before)."""
    index = d.year * 12 + d.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def window(now: datetime, months: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The `months` whole calendar months ending with the current one, in the channel's
    time zone: from local midnight on the first of the first month to local midnight on
    the first of the month after this one (exclusive)."""
    if months < 1:
        raise ValueError("a window is at least one month")
    this_month = month_start(now.astimezone(tz).date())
    first = month_start(this_month, -(months - 1))
    after = month_start(this_month, 1)
    return datetime.combine(first, time(), tz), datetime.combine(after, time(), tz)


def _moment(text: str | None) -> datetime | None:
    """A time as the events spell it (events.models.timestamp: UTC with a 'Z')."""
    return datetime.fromisoformat(text) if text else None


def timelines(start: datetime, end: datetime, now: datetime) -> list[MemoTimeline]:
    """The timeline of every memo filed in [start, end) and by `now`, in one query."""
    filed_in_window = Event.objects.filter(
        kind=EventKind.MEMO_FILED,
        object_type="memo",
        created_at__gte=start,
        created_at__lt=end,
        created_at__lte=now,
    ).values("object_id")
    rows = (
        Event.objects.filter(
            object_type="memo",
            object_id__in=filed_in_window,
            kind__in=TIMELINE_KINDS,
            created_at__lte=now,
        )
        .order_by("object_id", "id")
        .values_list("object_id", "kind", "created_at", KT("payload__ack_due"), KT("payload__reply_due"))
    )
    memos: dict[int, MemoTimeline] = {}
    for memo_id, kind, at, ack_due, reply_due in rows.iterator(chunk_size=2000):
        memo = memos.get(memo_id)
        if kind == EventKind.MEMO_FILED:
            if memo is None:  # a memo is filed once; a second filing event would be ignored
                memos[memo_id] = MemoTimeline(memo_id, at, _moment(ack_due), _moment(reply_due))
            continue
        if memo is None:
            continue  # e.g. withdrawn from a draft: not part of the channel's work
        if kind == EventKind.MEMO_REPLY_EXTENDED:
            memo.reply_due = _moment(reply_due)
            memo.extensions += 1
        elif kind == EventKind.MEMO_ACKNOWLEDGED and memo.acknowledged_at is None:
            memo.acknowledged_at = at
            if reply_due:  # a reply counted from the acknowledgment (EU preset) is due anew
                memo.reply_due = _moment(reply_due)
        elif kind == EventKind.MEMO_REPLIED and memo.replied_at is None:
            memo.replied_at = at
            memo.reply_due_when_done = memo.reply_due
        elif kind in (EventKind.MEMO_CLOSED, EventKind.MEMO_WITHDRAWN) and memo.left_at is None:
            memo.left_at = at
    return list(memos.values())


def stages(now: datetime) -> dict[Stage, int]:
    """How many memos ever filed are in each stage as at `now`, counted in the database:
    each memo's stage is the kind of its latest stage-changing event."""
    filed = Event.objects.filter(kind=EventKind.MEMO_FILED, object_type="memo", created_at__lte=now)
    latest = (
        Event.objects.filter(
            object_type="memo",
            object_id__in=filed.values("object_id"),
            kind__in=list(STAGE_OF_KIND),
            created_at__lte=now,
        )
        .values("object_id")
        .annotate(last=Max("id"))
        .order_by()
        .values("last")
    )
    counted = Event.objects.filter(id__in=latest).values("kind").annotate(n=Count("id")).order_by()
    result = dict.fromkeys(Stage, 0)
    for row in counted:
        result[STAGE_OF_KIND[row["kind"]]] += row["n"]
    return result


def channel_statistics(now: datetime, *, months: int = 12, tz: ZoneInfo | None = None) -> ChannelStatistics:
    """Every figure on the statistics pages, as at `now`, for the `months` calendar months
    ending with the current one (in the channel's time zone unless `tz` is given)."""
    tz = tz or channel_time_zone()
    start, end = window(now, months, tz)
    memos = timelines(start, end, now)
    by_month = Counter(month_start(m.filed_at.astimezone(tz).date()) for m in memos)
    months_shown = [month_start(start.date(), i) for i in range(months)]
    return ChannelStatistics(
        now=now,
        tz=tz,
        start=start,
        end=end,
        per_month=[MonthCount(month, by_month[month]) for month in months_shown],
        filed=len(memos),
        acknowledgment_time=Timing.of(m.acknowledged_at - m.filed_at for m in memos if m.acknowledged_at),
        reply_time=Timing.of(m.replied_at - m.filed_at for m in memos if m.replied_at),
        acknowledged_on_time=Punctuality.of(m.acknowledgment(now) for m in memos),
        replied_on_time=Punctuality.of(m.reply(now) for m in memos),
        extensions_granted=sum(m.extensions for m in memos),
        memos_extended=sum(1 for m in memos if m.extensions),
        stages=stages(now),
    )
