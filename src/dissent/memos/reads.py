"""The read record: every view or export of a filed memo is an event (who, when, what,
under which marking), so the organisation can answer "who has seen this?" and signers can
see how widely their memo has been read. Drafts and open memos are not recorded: they are
still their drafters' and signers' own."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dissent import identities
from dissent.errors import NotAllowed
from dissent.events.models import Event, EventKind
from dissent.events.recording import record_event
from dissent.org.models import Person, Role

if TYPE_CHECKING:
    from .queries import SignatureLine

from . import policy
from .models import Memo, Signature

How = Literal["page", "api", "export_pdf", "export_json", "search"]

#: How each way of reading is named on the read record page (the stored value is a contract).
HOW_LABELS = {
    "page": gettext_lazy("memo page"),
    "api": gettext_lazy("API"),
    "export_pdf": gettext_lazy("PDF export"),
    "export_json": gettext_lazy("JSON export"),
    "search": gettext_lazy("search result"),
}


def record_read(person: Person, memo: Memo, *, how: How, export_id: str | None = None) -> Event | None:
    """Record that `person` read or exported `memo` (which they were allowed to). Reads of
    a memo not yet filed are not recorded, and cost no transaction."""
    if not memo.is_filed:
        return None
    with transaction.atomic():
        return _record_read(person, memo, how, export_id)


def _record_read(person: Person, memo: Memo, how: How, export_id: str | None) -> Event:
    payload: dict[str, object] = {"memo": memo.pk, "how": how, "marking": memo.marking.code}
    if export_id is not None:
        payload["export"] = export_id
    tag = identities.signer_tag(person.pk)
    if Signature.objects.filter(memo=memo, signer_tag=tag).exists():
        # A protected signer's read must not name them in the event record either: the
        # blind index stands in for them (custodians resolve it through the signature).
        payload["reader_tag"] = tag
        return record_event(None, EventKind.MEMO_READ, memo, payload)
    return record_event(person, EventKind.MEMO_READ, memo, payload)


def record_protected_names_shown(
    person: Person, memo: Memo, lines: "list[SignatureLine]", *, how: How
) -> None:
    """Each time a custodian is shown protected signers' names, that is recorded: who, when,
    on which memo, how many names, and where (page, API, export)."""
    shown = sum(1 for line in lines if line.visibility == "protected" and line.name and not line.mine)
    if not shown:
        return
    with transaction.atomic():
        record_event(
            person, EventKind.MEMO_PROTECTED_NAMES_SHOWN, memo, {"memo": memo.pk, "names": shown, "how": how}
        )


@dataclass(frozen=True)
class ReadCounts:
    reads: int
    readers: int


def read_counts(memo: Memo) -> ReadCounts:
    """How often and by how many people the memo has been read or exported (one query)."""
    events = Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo.pk)
    rows = list(events.values_list("actor_id", "payload"))
    readers = {actor or payload.get("reader_tag") for actor, payload in rows}
    return ReadCounts(len(rows), len(readers))


@dataclass(frozen=True)
class ReadLine:
    at: datetime
    reader: str | None  # None: a protected signer this viewer may not see named
    how: str
    marking: str
    export: str | None

    @property
    def how_label(self) -> str:
        return str(HOW_LABELS.get(self.how, self.how))


def read_record(viewer: Person, memo: Memo) -> list[ReadLine]:
    """Every read of the memo, for custodians and auditors. A protected signer's own reads
    are shown without their name to anyone who may not see that name (auditors always,
    custodians in the signer's chain of command): the read record must not undo the
    protection the signature has."""
    if not (viewer.has_role(Role.CUSTODIAN) or viewer.has_role(Role.AUDITOR)):
        raise NotAllowed(_("Only the channel's custodians and auditors see who read a memo."))
    # Protected signers' reads carry the signature's blind index instead of an actor; only
    # custodians resolve it (through the signature), and only outside their chain of command.
    resolved: dict[str, Person] = {}
    if viewer.has_role(Role.CUSTODIAN):
        sealed = dict(
            Signature.objects.filter(memo=memo)
            .exclude(signer_tag="")
            .values_list("signer_tag", "signer_sealed")
        )
        if sealed:
            below = viewer.subordinate_ids()
            ids = {tag: identities.unseal(token) for tag, token in sealed.items()}
            people = Person.objects.in_bulk(set(ids.values()))
            resolved = {
                tag: people[pk]
                for tag, pk in ids.items()
                if pk in people and policy.can_see_protected_name(viewer, pk, below)
            }
    lines = []
    events = Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo.pk)
    for event in events.select_related("actor").order_by("id"):
        reader = event.actor or resolved.get(str(event.payload.get("reader_tag", "")))
        lines.append(
            ReadLine(
                at=event.created_at,
                reader=reader.display_name if reader else None,
                how=str(event.payload.get("how", "")),
                marking=str(event.payload.get("marking", "")),
                export=event.payload.get("export"),
            )
        )
    return lines
