"""Retention: after the organisation's retention period from closing, a memo's texts and
the identities around it are purged; what the log proves about it stays.

Purged: the memo's title, summary, body and policy, its addenda, the acknowledgment and
reply texts, meeting places and agendas, extension reasons; who drafted, was invited,
signed (the signature rows stay, anonymous, so the count stays exact), was added as a
reader or invited to a meeting; and the payloads and actors of the memo's events
(events/retention.py). Kept: the memo's number, state, marking, dates and content hash,
the number of signatures, which officials acknowledged, replied, extended or proposed a
meeting (the organisation's record of answering), and the log with every leaf hash, so a
receipt handed out at filing still verifies against any later tree head.

`plan()` is the dry run: which memos would be purged and what that removes.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from dissent import clock
from dissent.deadlines.models import ChannelSettings
from dissent.events.models import Event, EventKind
from dissent.events.recording import record_event
from dissent.events.retention import purge_events

from .models import (
    Acknowledgment,
    Addendum,
    Drafter,
    Extension,
    Invitation,
    Meeting,
    MeetingInvitation,
    Memo,
    MemoState,
    Reader,
    Reply,
    Signature,
)


@dataclass
class MemoPurge:
    memo_id: int
    closed_at: datetime
    signatures: int
    drafters: int
    invitations: int
    readers: int
    events: int


@dataclass
class PurgePlan:
    retention_days: int | None
    cutoff: datetime | None
    memos: list[MemoPurge] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.retention_days is None:
            return ["No retention period is set (channel settings): nothing is ever purged."]
        head = f"Retention {self.retention_days} days: memos closed before {self.cutoff:%Y-%m-%d %H:%M %Z}"
        if not self.memos:
            return [head, "Nothing to purge."]
        rows = [
            f"  memo {m.memo_id}, closed {m.closed_at:%Y-%m-%d}: texts; {m.drafters} drafter(s), "
            f"{m.invitations} invitation(s), {m.signatures} signature(s) made anonymous, "
            f"{m.readers} added reader(s); {m.events} event(s) emptied (their log hashes stay)"
            for m in self.memos
        ]
        return [head, *rows, f"{len(self.memos)} memo(s) in all."]


def _events_of(memo: Memo) -> "list[int]":
    meetings = list(Meeting.objects.filter(memo=memo).values_list("pk", flat=True))
    about = Q(object_type="memo", object_id=memo.pk) | Q(object_type="meeting", object_id__in=meetings)
    return list(Event.objects.filter(about, purged_at__isnull=True).values_list("pk", flat=True))


def plan(now: datetime | None = None) -> PurgePlan:
    """What a purge now would remove (nothing is changed)."""
    settings = ChannelSettings.objects.filter(pk=1).first()
    days = settings.retention_days if settings else None
    if days is None:
        return PurgePlan(None, None)
    cutoff = (now or clock.now()) - timedelta(days=days)
    closed = dict(
        Event.objects.filter(
            kind=EventKind.MEMO_CLOSED, object_type="memo", created_at__lt=cutoff
        ).values_list("object_id", "created_at")
    )
    result = PurgePlan(days, cutoff)
    for memo in Memo.objects.filter(pk__in=closed, state=MemoState.CLOSED, purged_at__isnull=True).order_by(
        "pk"
    ):
        result.memos.append(
            MemoPurge(
                memo_id=memo.pk,
                closed_at=closed[memo.pk],
                signatures=Signature.objects.filter(memo=memo).count(),
                drafters=Drafter.objects.filter(memo=memo).count(),
                invitations=Invitation.objects.filter(memo=memo).count(),
                readers=Reader.objects.filter(memo=memo).count(),
                events=len(_events_of(memo)),
            )
        )
    return result


@transaction.atomic
def purge(now: datetime | None = None) -> PurgePlan:
    """Purge every memo the plan names, each completely or not at all."""
    done = plan(now)
    for entry in done.memos:
        memo = Memo.objects.select_for_update().get(pk=entry.memo_id)
        events = _events_of(memo)
        memo.title = memo.summary = memo.body = memo.policy = ""
        memo.created_by = None
        memo.reviewer = None
        memo.purged_at = clock.now()
        memo.save(update_fields=["title", "summary", "body", "policy", "created_by", "reviewer", "purged_at"])
        Addendum.objects.filter(memo=memo).delete()  # their authors are drafters
        Acknowledgment.objects.filter(memo=memo).update(text="")
        Reply.objects.filter(memo=memo).update(text="")
        Extension.objects.filter(memo=memo).update(reason="")
        Meeting.objects.filter(memo=memo).update(place="", agenda="")
        MeetingInvitation.objects.filter(meeting__memo=memo).delete()
        Signature.objects.filter(memo=memo).update(purged=True, person=None, signer_sealed="", signer_tag="")
        for model in (Drafter, Invitation, Reader):
            model.objects.filter(memo=memo).delete()
        purge_events(events)
        # The purge is itself an event, in the log: verifylog accepts an emptied event only
        # where a logged purge names it, so emptying one by hand still shows.
        record_event(None, EventKind.MEMO_PURGED, memo, {"memo": memo.pk, "events": sorted(events)})
    return done
