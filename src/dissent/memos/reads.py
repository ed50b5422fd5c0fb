"""The read record: every view or export of a filed memo is an event (who, when, what,
under which marking), so the organisation can answer "who has seen this?" and signers can
see how widely their memo has been read. Drafts and open memos are not recorded: they are
still their drafters' and signers' own."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from dissent.errors import NotAllowed
from dissent.events.models import Event, EventKind
from dissent.events.recording import record_event
from dissent.org.models import Person, Role

from . import policy
from .models import Memo, Signature, Visibility

How = Literal["page", "api", "export_pdf", "export_json"]


@transaction.atomic
def record_read(person: Person, memo: Memo, *, how: How, export_id: str | None = None) -> Event | None:
    """Record that `person` read or exported `memo` (which they were allowed to)."""
    if not memo.is_filed:
        return None
    payload: dict[str, object] = {"memo": memo.pk, "how": how, "marking": memo.marking.code}
    if export_id is not None:
        payload["export"] = export_id
    return record_event(person, EventKind.MEMO_READ, memo, payload)


@dataclass(frozen=True)
class ReadCounts:
    reads: int
    readers: int


def read_counts(memo: Memo) -> ReadCounts:
    """How often and by how many people the memo has been read or exported (one query)."""
    row = Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo.pk).aggregate(
        reads=Count("pk"), readers=Count("actor", distinct=True)
    )
    return ReadCounts(row["reads"], row["readers"])


@dataclass(frozen=True)
class ReadLine:
    at: datetime
    reader: str | None  # None: a protected signer this viewer may not see named
    how: str
    marking: str
    export: str | None


def read_record(viewer: Person, memo: Memo) -> list[ReadLine]:
    """Every read of the memo, for custodians and auditors. A protected signer's own reads
    are shown without their name to anyone who may not see that name (auditors always,
    custodians in the signer's chain of command): the read record must not undo the
    protection the signature has."""
    if not (viewer.has_role(Role.CUSTODIAN) or viewer.has_role(Role.AUDITOR)):
        raise NotAllowed(_("Only the channel's custodians and auditors see who read a memo."))
    protected = set(
        Signature.objects.filter(memo=memo, visibility=Visibility.PROTECTED).values_list(
            "person_id", flat=True
        )
    )
    below = viewer.subordinate_ids() if protected and viewer.has_role(Role.CUSTODIAN) else set()
    lines = []
    events = Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo.pk)
    for event in events.select_related("actor").order_by("id"):
        hidden = event.actor_id in protected and not policy.can_see_protected_name(
            viewer, event.actor_id, below
        )
        lines.append(
            ReadLine(
                at=event.created_at,
                reader=None if hidden or event.actor is None else event.actor.display_name,
                how=str(event.payload.get("how", "")),
                marking=str(event.payload.get("marking", "")),
                export=event.payload.get("export"),
            )
        )
    return lines
