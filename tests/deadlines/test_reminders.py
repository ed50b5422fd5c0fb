"""Reminders and escalations: each fires once, at its moment, however many workers run.

The clock is time-machine's; the workers are two threads, each with its own database
connection, running the real worker round (`run_tasks`) against the real task table; the
e-mail goes to a real SMTP server. Filing on Monday 2 March 2026 at 10:00 UTC under the
foreign-ministry preset (US calendar, UTC): the acknowledgment is due at the end of
Wednesday 4 March, its reminder (one working day ahead) at the start of Tuesday 3 March.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django_tasks_db.models import DBTaskResult

from dissent.deadlines.channel import channel_policy
from dissent.deadlines.models import DeadlineNotice, NoticeKind
from dissent.deadlines.tasks import notify_deadline, reminder_time
from dissent.events.models import Event, EventKind
from dissent.memos import actions, responses
from dissent.memos.models import Memo, MemoState, Visibility
from dissent.worker import run_tasks

from ..conftest import Cast
from ..factories import make_memo
from ..smtp import Inbox

FILED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _two_workers() -> list[int]:
    """Run one worker round in each of two threads at once; how many tasks each ran."""
    barrier = threading.Barrier(2)
    ran = [0, 0]

    def work(slot: int) -> None:
        try:
            barrier.wait()
            ran[slot] = run_tasks(max_tasks=None)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ran


def _notices(kind: NoticeKind) -> int:
    return DeadlineNotice.objects.filter(kind=kind).count()


def _file(cast: Cast) -> Memo:
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )
    return actions.file_memo(memo, cast.alice)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reminder_and_escalation_fire_once_each_on_time_with_two_workers(cast: Cast, smtp: Inbox) -> None:
    with time_machine.travel(FILED, tick=False) as clock:
        memo = _file(cast)
        assert memo.ack_due == datetime(2026, 3, 4, 23, 59, 59, 999999, tzinfo=UTC)
        _two_workers()  # the filing notices go out now
        smtp.received.clear()

        clock.move_to(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC))
        _two_workers()
        assert _notices(NoticeKind.ACK_REMINDER) == 0 and smtp.received == []  # not yet

        clock.move_to(datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC))
        _two_workers()
        _two_workers()
        assert _notices(NoticeKind.ACK_REMINDER) == 1
        reminders = [r for r in smtp.received if r.subject.startswith("[SBU] Reminder")]
        assert [r.envelope_to for r in reminders] == [["carol@example.org"]]  # the custodian, once
        assert "acknowledgment" in reminders[0].subject
        assert "in 1 working day(s)" in reminders[0].text  # Wednesday, counted from Tuesday
        assert _notices(NoticeKind.ACK_ESCALATION) == 0

        clock.move_to(datetime(2026, 3, 4, 23, 59, 59, tzinfo=UTC))
        _two_workers()
        assert _notices(NoticeKind.ACK_ESCALATION) == 0  # due, but not overdue

        clock.move_to(datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC))
        smtp.received.clear()
        _two_workers()
        _two_workers()
        assert _notices(NoticeKind.ACK_ESCALATION) == 1
        # escalated to the principal who is not the addressee; never to the protected signer
        assert [r.envelope_to for r in smtp.received] == [["peter@example.org"]]
        assert "Overdue" in smtp.received[0].subject
        assert "Bob" not in smtp.received[0].text

    assert Event.objects.filter(kind=EventKind.DEADLINE_REMINDED).count() == 1
    assert Event.objects.filter(kind=EventKind.DEADLINE_ESCALATED).count() == 1
    assert not DBTaskResult.objects.failed().exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_deadline_met_in_time_is_neither_reminded_nor_escalated(cast: Cast, smtp: Inbox) -> None:
    with time_machine.travel(FILED, tick=False) as clock:
        memo = _file(cast)
        responses.acknowledge_memo(memo, cast.carol)
        for moment in [datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC), datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC)]:
            clock.move_to(moment)
            _two_workers()

    assert _notices(NoticeKind.ACK_REMINDER) == _notices(NoticeKind.ACK_ESCALATION) == 0
    assert not [r for r in smtp.received if "Reminder" in r.subject or "Overdue" in r.subject]
    assert not DBTaskResult.objects.failed().exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_extension_moves_the_reply_escalation_to_the_new_date(cast: Cast, smtp: Inbox) -> None:
    with time_machine.travel(FILED, tick=False) as clock:
        memo = _file(cast)
        responses.acknowledge_memo(memo, cast.carol)
        old_due = Memo.objects.get(pk=memo.pk).reply_due
        assert old_due is not None
        actions.extend_reply_deadline(memo, cast.carol, amount=10, reason="Waiting for the embassy's view.")
        new_due = Memo.objects.get(pk=memo.pk).reply_due
        assert new_due is not None and new_due > old_due

        clock.move_to(old_due + timedelta(seconds=2))
        _two_workers()
        assert _notices(NoticeKind.REPLY_ESCALATION) == 0  # the old date no longer counts

        clock.move_to(reminder_time(new_due, 5, channel_policy()) + timedelta(seconds=1))
        _two_workers()
        clock.move_to(new_due + timedelta(seconds=2))
        _two_workers()
        assert DeadlineNotice.objects.get(kind=NoticeKind.REPLY_ESCALATION).due == new_due

    # reminded once, of the new date only: the old date's reminder task found it had moved
    reminded = set(
        DeadlineNotice.objects.filter(kind=NoticeKind.REPLY_REMINDER).values_list("due", flat=True)
    )
    assert reminded == {new_due}
    assert not DBTaskResult.objects.failed().exists()


def test_the_same_notice_enqueued_twice_is_sent_once(cast: Cast, smtp: Inbox) -> None:
    """The unique row, not the task queue, is what guarantees exactly once."""
    with time_machine.travel(FILED, tick=False) as clock:
        memo = _file(cast)
        clock.move_to(datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC))
        assert memo.ack_due is not None
        first = notify_deadline(memo.pk, NoticeKind.ACK_ESCALATION, memo.ack_due)
        second = notify_deadline(memo.pk, NoticeKind.ACK_ESCALATION, memo.ack_due)

    assert first == "sent ack_escalation to 1"
    assert second == "skipped: already sent"
    assert _notices(NoticeKind.ACK_ESCALATION) == 1
    assert Event.objects.filter(kind=EventKind.DEADLINE_ESCALATED).count() == 1


def test_escalation_goes_to_the_person_the_settings_name(cast: Cast, smtp: Inbox) -> None:
    from dissent.deadlines.models import ChannelSettings

    ChannelSettings.objects.create(escalate_to=cast.audrey)
    with time_machine.travel(FILED, tick=False) as clock:
        _file(cast)
        run_tasks()
        smtp.received.clear()
        clock.move_to(datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC))
        run_tasks()

    assert [r.envelope_to for r in smtp.received] == [["audrey@example.org"]]
