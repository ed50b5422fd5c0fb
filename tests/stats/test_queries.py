"""The figures, computed from the events of memos moved through the real actions at
chosen moments. Due dates (foreign-ministry preset, US calendar, New York) are worked out
by hand in the comments; "+36h" is elapsed time after filing."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dissent.deadlines.models import ChannelSettings
from dissent.memos.models import MemoState
from dissent.stats.queries import Punctuality, Stage, Timing, channel_statistics, nearest_rank

from ..conftest import Cast
from ..factories import make_memo
from .journey import Journey, after

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=NEW_YORK)


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)  # type: ignore[misc]


@pytest.fixture
def history(journey: Journey, cast: Cast) -> None:
    """Nine filed memos, one draft and one memo withdrawn before filing."""
    # Filed 30 June 2025, 23:30 in New York (1 July in UTC): before a window starting July 2025.
    h = journey.file(ny(2025, 6, 30, 23, 30), title="Before the window")
    journey.acknowledge(h, after(h.filed_at, hours=12))
    journey.reply(h, after(h.filed_at, days=10))
    journey.close(h, after(h.filed_at, days=15))

    # Mon 3 Nov 2025: ack +24h (due Wed 5 Nov), reply +20d (due Wed 17 Dec): both on time.
    e = journey.file(ny(2025, 11, 3, 10, 0))
    journey.acknowledge(e, after(e.filed_at, hours=24))
    journey.reply(e, after(e.filed_at, days=20))

    # Sat 31 Jan 2026 22:00 (1 Feb in UTC, so January here): ack +60h is Tue 3 Feb 10:00,
    # due Tue 3 Feb (on time); reply +50d, due Mon 16 Mar (late).
    i = journey.file(ny(2026, 1, 31, 22, 0))
    journey.acknowledge(i, after(i.filed_at, hours=60))
    journey.reply(i, after(i.filed_at, days=50))

    # Mon 2 Mar: ack +12h (due Wed 4 Mar), reply +10d 6h (due Mon 13 Apr): on time.
    a = journey.file(ny(2026, 3, 2, 10, 0))
    journey.acknowledge(a, after(a.filed_at, hours=12))
    journey.reply(a, after(a.filed_at, days=10, hours=6))

    # Mon 9 Mar: ack +120h is Sat 14 Mar, due Wed 11 Mar; reply +45.5d is Thu 23 Apr, due Mon 20 Apr: late.
    b = journey.file(ny(2026, 3, 9, 10, 0))
    journey.acknowledge(b, after(b.filed_at, hours=120))
    journey.reply(b, after(b.filed_at, days=45, hours=12))

    # Mon 16 Mar: ack +30h, on time. Reply due Mon 27 Apr, extended by 10 working days to
    # Mon 11 May; reply +50d is Tue 5 May: after the first due date, on time by the second.
    c = journey.file(ny(2026, 3, 16, 10, 0))
    journey.acknowledge(c, after(c.filed_at, hours=30))
    journey.extend(c, after(c.filed_at, days=30), working_days=10)
    journey.reply(c, after(c.filed_at, days=50))

    # Mon 6 Apr: ack +42h, on time. Reply due Mon 18 May, extended to Tue 2 Jun; still
    # waiting on 15 June: late.
    d = journey.file(ny(2026, 4, 6, 10, 0))
    journey.acknowledge(d, after(d.filed_at, hours=42))
    journey.extend(d, after(d.filed_at, days=20), working_days=10)

    # Mon 1 Jun: not acknowledged, due Wed 3 Jun: late on 15 June. Reply due 15 Jul: pending.
    journey.file(ny(2026, 6, 1, 10, 0))
    # Mon 15 Jun 09:00, three hours before NOW: both steps pending.
    journey.file(ny(2026, 6, 15, 9, 0))

    make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)
    make_memo(MemoState.WITHDRAWN, drafter=cast.alice, addressee=cast.paula)


@pytest.mark.usefixtures("history")
def test_memos_filed_per_month_in_the_channel_time_zone_with_empty_months() -> None:
    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert [(m.month, m.filed) for m in stats.per_month] == [
        (date(2025, 7, 1), 0),
        (date(2025, 8, 1), 0),
        (date(2025, 9, 1), 0),
        (date(2025, 10, 1), 0),
        (date(2025, 11, 1), 1),
        (date(2025, 12, 1), 0),
        (date(2026, 1, 1), 1),
        (date(2026, 2, 1), 0),
        (date(2026, 3, 1), 3),
        (date(2026, 4, 1), 1),
        (date(2026, 5, 1), 0),
        (date(2026, 6, 1), 2),
    ]
    assert stats.filed == 8
    assert stats.start == ny(2025, 7, 1, 0, 0)
    assert stats.end == ny(2026, 7, 1, 0, 0)


@pytest.mark.usefixtures("history")
def test_the_month_of_a_filing_depends_on_the_time_zone() -> None:
    stats = channel_statistics(NOW, tz=ZoneInfo("UTC"))

    counts = {m.month: m.filed for m in stats.per_month}
    assert counts[date(2026, 1, 1)] == 0
    assert counts[date(2026, 2, 1)] == 1
    assert counts[date(2025, 7, 1)] == 1  # 30 June 23:30 in New York is 1 July in UTC


@pytest.mark.usefixtures("history")
def test_the_window_defaults_to_the_channel_time_zone_setting(settings: Any) -> None:
    settings.CHANNEL_TIME_ZONE = "UTC"

    stats = channel_statistics(NOW)

    assert stats.per_month[0].month == date(2025, 7, 1)
    assert stats.per_month[0].filed == 1


@pytest.mark.usefixtures("history")
def test_median_and_90th_percentile_of_time_to_acknowledgment_and_to_reply() -> None:
    stats = channel_statistics(NOW, tz=NEW_YORK)

    # Acknowledged: 12h, 24h, 30h, 42h, 60h, 120h. Nearest rank: ceil(3) = 3rd, ceil(5.4) = 6th.
    assert stats.acknowledgment_time == Timing(6, timedelta(hours=30), timedelta(hours=120))
    # Replied: 10d6h, 20d, 45d12h, 50d, 50d. Nearest rank: ceil(2.5) = 3rd, ceil(4.5) = 5th.
    assert stats.reply_time == Timing(5, timedelta(days=45, hours=12), timedelta(days=50))


@pytest.mark.usefixtures("history")
def test_on_time_shares_count_overdue_waiting_memos_as_late_and_leave_out_pending_ones() -> None:
    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert stats.acknowledged_on_time == Punctuality(on_time=5, late=2, pending=1)
    assert stats.replied_on_time == Punctuality(on_time=3, late=3, pending=2)
    assert stats.acknowledged_on_time.share == pytest.approx(5 / 7)
    assert stats.replied_on_time.share == pytest.approx(1 / 2)


@pytest.mark.usefixtures("history")
def test_extensions_granted_and_memos_extended() -> None:
    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert (stats.extensions_granted, stats.memos_extended) == (2, 2)


@pytest.mark.usefixtures("history")
def test_stages_count_every_memo_ever_filed_and_nothing_unfiled() -> None:
    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert stats.stages == {
        Stage.AWAITING_ACKNOWLEDGMENT: 2,
        Stage.AWAITING_REPLY: 1,
        Stage.REPLIED: 5,
        Stage.CLOSED: 1,
        Stage.WITHDRAWN: 0,
    }


@pytest.mark.usefixtures("history")
def test_figures_are_as_at_the_moment_asked_about() -> None:
    # 25 May: the window is June 2025 to May 2026, so the first memo is in it and the June
    # 2026 ones do not exist yet. Memo d's first reply due date (18 May) has passed, its
    # extended one (2 Jun) has not, so its reply is pending.
    stats = channel_statistics(ny(2026, 5, 25, 12, 0), tz=NEW_YORK)

    assert stats.filed == 7
    assert stats.replied_on_time == Punctuality(on_time=4, late=2, pending=1)
    assert stats.acknowledged_on_time == Punctuality(on_time=6, late=1, pending=0)
    assert stats.stages[Stage.AWAITING_ACKNOWLEDGMENT] == 0


@pytest.mark.usefixtures("history")
def test_a_shorter_window_counts_only_the_memos_filed_in_it() -> None:
    stats = channel_statistics(NOW, months=3, tz=NEW_YORK)

    assert [(m.month, m.filed) for m in stats.per_month] == [
        (date(2026, 4, 1), 1),
        (date(2026, 5, 1), 0),
        (date(2026, 6, 1), 2),
    ]
    assert stats.acknowledgment_time == Timing(1, timedelta(hours=42), timedelta(hours=42))
    assert stats.reply_time == Timing(0, None, None)
    assert stats.replied_on_time == Punctuality(on_time=0, late=1, pending=2)
    assert (stats.extensions_granted, stats.memos_extended) == (1, 1)
    assert sum(stats.stages.values()) == 9  # where memos stand now is not windowed


@pytest.mark.usefixtures("history")
def test_the_figures_take_two_queries_however_many_memos(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):
        channel_statistics(NOW, tz=NEW_YORK)


def test_an_empty_channel_has_zero_counts_and_no_times(db: None) -> None:
    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert [m.filed for m in stats.per_month] == [0] * 12
    assert stats.acknowledgment_time == Timing(0, None, None)
    assert stats.acknowledged_on_time.share is None
    assert set(stats.stages.values()) == {0}


@pytest.fixture
def twice_extendable(journey: Journey) -> None:
    """The administrator allows two extensions of a reply deadline."""
    ChannelSettings.objects.create(extension_max_times=2)


@pytest.mark.usefixtures("twice_extendable")
def test_two_extensions_of_one_memo_count_twice_but_as_one_memo(journey: Journey) -> None:
    memo = journey.file(ny(2026, 3, 2, 10, 0))
    journey.acknowledge(memo, after(memo.filed_at, hours=1))
    journey.extend(memo, after(memo.filed_at, days=2), working_days=5)
    journey.extend(memo, after(memo.filed_at, days=3), working_days=5)

    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert (stats.extensions_granted, stats.memos_extended) == (2, 1)


def test_a_reply_is_judged_against_the_due_date_in_force_when_it_came(journey: Journey) -> None:
    # Mon 2 Mar: reply due Mon 13 Apr. Replied Tue 14 Apr (late); nothing later changes that.
    memo = journey.file(ny(2026, 3, 2, 10, 0))
    journey.acknowledge(memo, after(memo.filed_at, hours=1))
    journey.reply(memo, ny(2026, 4, 14, 9, 0))

    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert stats.replied_on_time == Punctuality(on_time=0, late=1, pending=0)


def test_a_reply_counted_from_the_acknowledgment_is_due_anew_when_acknowledged(
    journey: Journey, settings: Any
) -> None:
    # EU preset: filed Mon 2 Mar, the reply is first due 3 months after the 7 days for the
    # acknowledgment (Tue 9 Jun); acknowledged Tue 3 Mar, it is due 3 months later (Wed 3
    # Jun). A reply on Fri 5 Jun is late.
    settings.CHANNEL_PRESET = "eu-whistleblowing"
    memo = journey.file(ny(2026, 3, 2, 10, 0))
    journey.acknowledge(memo, ny(2026, 3, 3, 10, 0))
    journey.reply(memo, ny(2026, 6, 5, 10, 0))

    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert stats.replied_on_time == Punctuality(on_time=0, late=1, pending=0)


def test_a_step_on_the_last_moment_of_its_due_day_is_on_time(journey: Journey) -> None:
    memo = journey.file(ny(2026, 3, 2, 10, 0))
    assert memo.ack_due is not None
    journey.acknowledge(memo, memo.ack_due)

    stats = channel_statistics(NOW, tz=NEW_YORK)

    assert stats.acknowledged_on_time == Punctuality(on_time=1, late=0, pending=0)


def test_a_waiting_memo_turns_late_the_moment_after_its_due_date(journey: Journey) -> None:
    memo = journey.file(ny(2026, 3, 2, 10, 0))
    assert memo.ack_due is not None

    at_due = channel_statistics(memo.ack_due, tz=NEW_YORK)
    just_after = channel_statistics(memo.ack_due + timedelta(microseconds=1), tz=NEW_YORK)

    assert at_due.acknowledged_on_time == Punctuality(on_time=0, late=0, pending=1)
    assert just_after.acknowledged_on_time == Punctuality(on_time=0, late=1, pending=0)


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([1, 2, 3, 4], 50, 2),  # even count: the lower middle value, not the average
        ([1, 2, 3, 4], 90, 4),
        ([1, 2, 3, 4, 5], 50, 3),
        (list(range(1, 11)), 90, 9),
        (list(range(1, 12)), 90, 10),
        ([7], 50, 7),
        ([7], 90, 7),
        ([1, 2, 3], 100, 3),
    ],
)
def test_nearest_rank(values: list[int], percent: int, expected: int) -> None:
    ordered = [timedelta(days=v) for v in values]

    assert nearest_rank(ordered, percent) == timedelta(days=expected)


def test_nearest_rank_of_nothing_is_none_and_percent_must_be_in_range() -> None:
    assert nearest_rank([], 50) is None
    with pytest.raises(ValueError, match=r"1\.\.100"):
        nearest_rank([timedelta(1)], 0)
