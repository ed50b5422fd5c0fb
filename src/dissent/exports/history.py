"""A memo's events as one reader may see them, for the JSON export.

The event record is complete by design (docs/events.md): it names actors and, in a few
payloads, other people (an invitee's user name, a reviewer's id). An export must not undo
what the pages protect, so each event is shown whole only where it names nobody the
reader may not see:

- a protected signer's identity (as actor, or named in a payload) is withheld from anyone
  who may not see that signer's name (`policy.can_see_protected_name`: custodians outside
  the signer's chain of command, and the signer), together with the time of their acts
  (the memo page hides a protected signature's time too, so that nobody can match it);
- who read the memo (memo.read), and which custodian was shown protected names
  (memo.protected_names_shown), is the read record, which the policy shows to custodians
  and auditors only: others see their own entries, and the count of the rest, not who or
  when;
- the blind index of a protected reader (`reader_tag`) is never exported: it would let
  reads of different memos by the same protected person be linked.

A hash is exported only over content exported in full. The withheld part of an event is
a small guessable value (a person id among a few thousand, a user name from the staff
directory) and everything else in the record is in the export, so the record's leaf hash,
or the payload hash of a payload with a field withheld, would give the withheld value back
to anyone who tries every candidate. Such events keep their id, kind, log index and what
was not withheld; a custodian can check them against the log.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dissent.events.models import Event, EventKind, timestamp
from dissent.log import merkle
from dissent.log.models import LogEntry
from dissent.memos import policy, queries
from dissent.memos.models import Memo, Visibility
from dissent.memos.queries import SignatureLine
from dissent.org.models import Person, Role

#: Events about one signature: their time is the signer's, so it is hidden with the name.
_SIGNATURE_KINDS = frozenset(
    {EventKind.MEMO_SIGNED, EventKind.MEMO_SIGNATURE_WITHDRAWN, EventKind.MEMO_MEETING_PREFERENCE}
)
#: Events of the read record (memos/reads.py): who they name is for custodians and auditors.
_READ_RECORD_KINDS = frozenset({EventKind.MEMO_READ, EventKind.MEMO_PROTECTED_NAMES_SHOWN})
#: Payload fields that name a person, by user name or by id (docs/events.md).
_USERNAME_FIELDS = ("invitee", "drafter")
_PERSON_ID_FIELDS = ("reviewer", "reply_author", "reader")
_PERSON_IDS_FIELDS = ("recipients",)
#: Payload fields never exported.
_NEVER_EXPORTED = ("reader_tag",)


@dataclass(frozen=True)
class EventLine:
    """One event as the reader may see it; `withheld` names what was left out and why
    a field is None."""

    id: int
    kind: str
    at: str | None
    actor: dict[str, Any] | None
    payload: dict[str, Any]
    payload_sha256: str | None
    record: str | None
    leaf_hash: str | None
    log_index: int | None
    withheld: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "at": self.at,
            "actor": self.actor,
            "payload": self.payload,
            "payload_sha256": self.payload_sha256,
            "record": self.record,
            "leaf_hash": self.leaf_hash,
            "log_index": self.log_index,
            "withheld": self.withheld,
        }


def events_seen_by(viewer: Person, memo: Memo, signatures: list[SignatureLine]) -> list[EventLine]:
    """The events about `memo` (object type "memo"), oldest first, each redacted for
    `viewer`. `signatures` is `queries.signatures_seen_by(viewer, memo)`, which already
    decided whose names this viewer sees. The caller has checked that the viewer may
    export the memo."""
    events = list(
        Event.objects.filter(object_type="memo", object_id=memo.pk).select_related("actor").order_by("id")
    )
    log_index = dict(
        LogEntry.objects.filter(event__object_type="memo", event__object_id=memo.pk).values_list(
            "event_id", "index"
        )
    )
    # Every protected signature ever made on the memo, with its signer where the event
    # still names one (events recorded before signers were sealed do).
    protected_signatures: dict[int, int | None] = {
        int(e.payload["signature"]): e.actor_id
        for e in events
        if e.kind == EventKind.MEMO_SIGNED and e.payload.get("visibility") == Visibility.PROTECTED
    }
    hidden = _hidden_protected_signers(viewer, memo, events, signatures, protected_signatures)
    shown_lines = {line.id: line for line in signatures}

    def signature_hidden(signature_id: object) -> bool:
        if not isinstance(signature_id, int) or signature_id not in protected_signatures:
            return False
        line = shown_lines.get(signature_id)
        if line is not None:
            return line.name is None
        signer = protected_signatures[signature_id]  # a withdrawn signature
        return signer is None or signer in hidden

    custodian = viewer.has_role(Role.CUSTODIAN)
    return [
        _line(event, viewer, custodian, hidden, signature_hidden, log_index.get(event.pk)) for event in events
    ]


def _hidden_protected_signers(
    viewer: Person,
    memo: Memo,
    events: list[Event],
    signatures: list[SignatureLine],
    protected_signatures: dict[int, int | None],
) -> dict[int, str]:
    """Id and user name of every protected signer of the memo whom `viewer` may not see
    named. Signers are found among the memo's drafters and invitees (nobody else may sign)
    when a current protected signature is hidden from the viewer, and among the signers
    that older events still name."""
    named_signers = {pk for pk in protected_signatures.values() if pk is not None}
    protected: dict[int, Person] = {
        e.actor.pk: e.actor for e in events if e.actor is not None and e.actor.pk in named_signers
    }
    if any(line.visibility == Visibility.PROTECTED and line.name is None for line in signatures):
        for candidate in _drafters_and_invitees(events):
            if candidate.pk in protected or candidate.pk == viewer.pk:
                continue
            signature = queries.signature_of(candidate, memo)
            if signature is not None and signature.visibility == Visibility.PROTECTED:
                protected[candidate.pk] = candidate
    if not protected:
        return {}
    below = viewer.subordinate_ids() if viewer.has_role(Role.CUSTODIAN) else set()
    return {
        pk: person.username
        for pk, person in protected.items()
        if not policy.can_see_protected_name(viewer, pk, below)
    }


def _drafters_and_invitees(events: list[Event]) -> list[Person]:
    """Everyone the memo's events name as its creator, a co-drafter or an invitee."""
    ids = {e.actor_id for e in events if e.kind == EventKind.MEMO_CREATED and e.actor_id is not None}
    usernames = {
        str(e.payload.get(name))
        for e in events
        if e.kind in {EventKind.MEMO_INVITED, EventKind.MEMO_DRAFTER_ADDED}
        for name in _USERNAME_FIELDS
        if name in e.payload
    }
    people = Person.objects.filter(username__in=usernames) | Person.objects.filter(pk__in=ids)
    return list(people.distinct().order_by("pk"))


def _line(
    event: Event,
    viewer: Person,
    custodian: bool,
    hidden: dict[int, str],
    signature_hidden: Callable[[object], bool],
    log_index: int | None,
) -> EventLine:
    withheld: list[str] = []
    payload = dict(event.payload)
    others_read = event.kind in _READ_RECORD_KINDS and not custodian and event.actor_id != viewer.pk
    by_hidden_signer = (
        event.actor_id in hidden
        or (event.kind in _SIGNATURE_KINDS and signature_hidden(payload.get("signature")))
        or (event.kind == EventKind.MEMO_READ and "reader_tag" in payload and not custodian)
    )

    actor = None
    if event.actor is not None:
        if event.actor_id in hidden or others_read:
            withheld.append("actor")
        else:
            actor = {"id": event.actor.pk, "username": event.actor.username, "name": event.actor.display_name}
    at: str | None = timestamp(event.created_at)
    if by_hidden_signer or others_read:
        at = None
        withheld.append("at")

    hidden_usernames = set(hidden.values())
    for name in list(payload):
        value = payload[name]
        names_hidden = (
            (name in _USERNAME_FIELDS and value in hidden_usernames)
            or (name in _PERSON_ID_FIELDS and value in hidden)
            or (name in _PERSON_IDS_FIELDS and isinstance(value, list) and any(v in hidden for v in value))
        )
        if names_hidden or name in _NEVER_EXPORTED:
            del payload[name]
            withheld.append(f"payload.{name}")

    payload_sha256: str | None = event.payload_sha256
    if any(w.startswith("payload.") for w in withheld):
        payload_sha256 = None
        withheld.append("payload_sha256")
    record: str | None = event.record
    leaf_hash: str | None = merkle.leaf_hash(event.record.encode()).hex()
    if withheld:
        record = leaf_hash = None
        withheld += ["record", "leaf_hash"]
    return EventLine(
        id=event.pk,
        kind=event.kind,
        at=at,
        actor=actor,
        payload=payload,
        payload_sha256=payload_sha256,
        record=record,
        leaf_hash=leaf_hash,
        log_index=log_index,
        withheld=withheld,
    )
