"""Reminders before a deadline and escalation after it, as background tasks.

When a memo is filed (and whenever a due date moves: an extension, or an acknowledgment
that restarts the reply clock) `schedule(memo)` enqueues one `check_deadline` task per
reminder and escalation, each to run at its moment (the tasks framework's `run_after`).
The task re-reads the memo when it runs and does nothing if the step was done in the
meantime or the due date has moved (a newer task covers the new date).

Exactly once: a notice is a `DeadlineNotice` row, unique per (memo, kind, due date), created
in the same transaction as its event and its e-mails. However many workers run, and even
if a task were enqueued twice, the second insert fails and sends nothing. A worker that
dies mid-task leaves the task's transaction uncommitted, so nothing half-sent remains.
"""

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.tasks import task

from dissent import clock
from dissent.events.models import EventKind, timestamp
from dissent.events.recording import record_event
from dissent.memos import notices as memo_notices
from dissent.memos.models import Memo, MemoState
from dissent.notify.notices import send_notice
from dissent.org.models import Person, Role

from .channel import ChannelPolicy, channel_policy, time_left
from .models import DeadlineNotice, NoticeKind

#: An escalation runs this long after the due moment, so that "now > due" holds.
AFTER_DUE = timedelta(seconds=1)

_PENDING = {
    "ack": frozenset({MemoState.FILED}),
    "reply": frozenset({MemoState.FILED, MemoState.ACKNOWLEDGED}),
}


def _step(kind: NoticeKind) -> str:
    return "ack" if kind in (NoticeKind.ACK_REMINDER, NoticeKind.ACK_ESCALATION) else "reply"


def _due(memo: Memo, step: str) -> datetime | None:
    return memo.ack_due if step == "ack" else memo.reply_due


def reminder_time(due: datetime, working_days: int, policy: ChannelPolicy) -> datetime:
    """The start (local midnight) of the working day `working_days` working days before
    the due day: with one day's notice, a reply due on Friday is reminded of on Thursday."""
    day = due.astimezone(policy.tz).date()
    found = 0
    while found < working_days:
        day -= timedelta(days=1)
        if policy.calendar.is_working_day(day):
            found += 1
    return datetime.combine(day, time.min, tzinfo=policy.tz)


def schedule(memo: Memo) -> list[tuple[NoticeKind, datetime]]:
    """Enqueue the reminders and escalations for the memo's pending deadlines; returns
    what was scheduled, and when."""
    policy = channel_policy()
    now = clock.now()
    planned: list[tuple[NoticeKind, datetime]] = []
    steps = [
        ("ack", NoticeKind.ACK_REMINDER, NoticeKind.ACK_ESCALATION, policy.ack_reminder_days),
        ("reply", NoticeKind.REPLY_REMINDER, NoticeKind.REPLY_ESCALATION, policy.reply_reminder_days),
    ]
    for step, reminder, escalation, lead in steps:
        due = _due(memo, step)
        if due is None or memo.state not in _PENDING[step]:
            continue
        remind_at = reminder_time(due, lead, policy)
        if lead and remind_at < due and due > now:
            planned.append((reminder, max(remind_at, now)))
        planned.append((escalation, due + AFTER_DUE))
    for kind, when in planned:
        check_deadline.using(run_after=when).enqueue(memo.pk, kind.value, timestamp(due_of(memo, kind)))
    return planned


def due_of(memo: Memo, kind: NoticeKind) -> datetime:
    due = _due(memo, _step(kind))
    assert due is not None
    return due


@task()
def check_deadline(memo_id: int, kind: str, due: str) -> str:
    return notify_deadline(memo_id, NoticeKind(kind), datetime.fromisoformat(due.replace("Z", "+00:00")))


def escalation_recipients(memo: Memo, policy: ChannelPolicy) -> list[Person]:
    """The person the channel settings name; otherwise every principal other than the
    memo's addressee (someone above the person who let it slip), or the addressee alone
    where there is no other principal."""
    if policy.escalate_to_id is not None:
        named = Person.objects.filter(pk=policy.escalate_to_id, is_active=True).first()
        if named is not None:
            return [named]
    others = list(
        Person.objects.filter(role=Role.PRINCIPAL, is_active=True)
        .exclude(pk=memo.addressee_id)
        .order_by("pk")
    )
    return others or [memo.addressee]


@transaction.atomic
def notify_deadline(memo_id: int, kind: NoticeKind, due: datetime) -> str:
    """Send one reminder or escalation if it is still due and nobody has sent it yet."""
    memo = (
        Memo.objects.select_for_update(of=("self",))
        .select_related("marking", "addressee")
        .filter(pk=memo_id)
        .first()
    )
    if memo is None:
        return "skipped: no such memo"
    step = _step(kind)
    if memo.state not in _PENDING[step]:
        return "skipped: already done"
    if _due(memo, step) != due:
        return "skipped: the due date has moved"
    now = clock.now()
    escalating = kind in (NoticeKind.ACK_ESCALATION, NoticeKind.REPLY_ESCALATION)
    if escalating and now <= due:
        return "skipped: not overdue yet"
    if not escalating and now > due:
        return "skipped: overdue, the escalation covers it"
    policy = channel_policy()
    if escalating:
        recipients = escalation_recipients(memo, policy)
    else:
        people = {*memo_notices.custodians()}
        if step == "reply" and memo.reviewer_id is not None:
            people |= set(Person.objects.filter(pk=memo.reviewer_id))
        recipients = sorted(people, key=lambda p: p.pk)
    try:
        with transaction.atomic():
            notice = DeadlineNotice.objects.create(
                memo=memo, kind=kind, due=due, sent_at=now, recipients=len(recipients)
            )
    except IntegrityError:
        return "skipped: already sent"
    record_event(
        None,
        EventKind.DEADLINE_ESCALATED if escalating else EventKind.DEADLINE_REMINDED,
        memo,
        {
            "memo": memo.pk,
            "notice": notice.pk,
            "kind": kind.value,
            "due": timestamp(due),
            "recipients": [person.pk for person in recipients],
        },
    )
    context = {
        **memo_notices.memo_context(memo),
        "step": step,  # "ack" or "reply": the template words it in the recipient's language
        "due": memo_notices.local_time(due),
        "filed": memo_notices.local_time(memo.filed_at),
        "working_days": time_left(due, now, policy).working_days,
    }
    for person in recipients:
        send_notice(person, "deadline_escalation" if escalating else "deadline_reminder", context)
    return f"sent {kind.value} to {len(recipients)}"
