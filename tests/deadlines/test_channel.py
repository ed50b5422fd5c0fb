"""The channel's configured deadlines: the duedates command, and due dates set at filing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from dissent.events.models import Event, EventKind, timestamp
from dissent.memos.models import MemoState

from ..api.test_memos_api import api
from ..conftest import Cast, signed_in
from ..factories import make_memo


def test_duedates_prints_the_hand_checked_example(capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "duedates", "--preset", "foreign-ministry", "--filed", "2026-12-24T16:30", "--tz", "America/New_York",
        "--calendar", "US",
    )  # fmt: skip

    out = capsys.readouterr().out
    # Dec 25 is a holiday, then a weekend: Mon 28 is working day 1, Tue 29 day 2.
    assert "acknowledge:  2026-12-29T23:59:59.999999-05:00" in out
    # 30 working days, skipping Jan 1 and Martin Luther King Jr. Day (Jan 18, 2027).
    assert "reply:        2027-02-09T23:59:59.999999-05:00" in out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--preset", "nope", "Unknown deadline preset"),
        ("--tz", "Mars/Olympus", "Mars/Olympus"),
        ("--filed", "yesterday", "ISO 8601"),
    ],
)
def test_duedates_refuses_bad_input_clearly(option: str, value: str, message: str) -> None:
    arguments = {
        "--preset": "foreign-ministry",
        "--filed": "2026-12-24T16:30",
        "--tz": "UTC",
        "--calendar": "US",
    }
    arguments[option] = value

    with pytest.raises(CommandError, match=message):
        call_command("duedates", *[part for pair in arguments.items() for part in pair])


def test_filing_sets_the_due_dates_and_records_them(
    cast: Cast, settings: object, time_machine: object
) -> None:
    settings.CHANNEL_PRESET = "foreign-ministry"  # type: ignore[attr-defined]
    settings.CHANNEL_CALENDAR = "ID"  # type: ignore[attr-defined]
    settings.CHANNEL_TIME_ZONE = "Asia/Jakarta"  # type: ignore[attr-defined]
    # Wednesday 18 March 2026, 15:00 in Jakarta; Nyepi (Thursday 19 March) is a public holiday.
    time_machine.move_to(datetime(2026, 3, 18, 15, 0, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False)  # type: ignore[attr-defined]

    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    jakarta = ZoneInfo("Asia/Jakarta")
    assert memo.ack_due is not None and memo.reply_due is not None
    # Fri 20 March is working day 1 (Idul Fitri falls on the weekend of 21-22 March), Mon 23 day 2.
    assert memo.ack_due.astimezone(jakarta).date().isoformat() == "2026-03-23"
    filed = Event.objects.get(kind=EventKind.MEMO_FILED, object_id=memo.pk)
    assert filed.payload["ack_due"] == timestamp(memo.ack_due) == "2026-03-23T16:59:59.999999Z"
    assert api(cast.alice).get(f"/memos/{memo.pk}").json()["ack_due"].startswith("2026-03-23T")


def test_the_memo_page_shows_working_days_left_and_overdue(
    cast: Cast, settings: object, time_machine: object
) -> None:
    settings.CHANNEL_CALENDAR = "US"  # type: ignore[attr-defined]
    settings.CHANNEL_TIME_ZONE = "America/New_York"  # type: ignore[attr-defined]
    new_york = ZoneInfo("America/New_York")
    time_machine.move_to(datetime(2026, 12, 24, 16, 30, tzinfo=new_york), tick=False)  # type: ignore[attr-defined]
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    on_filing = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()
    time_machine.move_to(datetime(2026, 12, 31, 9, 0, tzinfo=new_york), tick=False)  # type: ignore[attr-defined]
    a_week_later = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()

    assert "due in 2 working days" in on_filing  # acknowledgment by Tue 29 December
    assert "due in 30 working days" in on_filing  # reply by Tue 9 February
    assert "overdue by 2 working days" in a_week_later  # Wed 30 and Thu 31 December counted past Tue 29
