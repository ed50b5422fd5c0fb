"""Reads for pages and the API. The access policy is applied inside each query, and every
count comes from the rows it counts, in the same query."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from dissent import identities
from dissent import rows as dissent_rows
from dissent.anonymous.models import AnonymousSignature, MemoRing
from dissent.errors import NotAllowed
from dissent.org.models import Person, Role, display_name_of

from . import actions, policy
from .models import (
    FILED_STATES,
    Acknowledgment,
    Addendum,
    Drafter,
    Extension,
    Meeting,
    MeetingInvitation,
    MeetingResponse,
    Memo,
    MemoState,
    Reply,
    Signature,
)


def with_signature_count(memos: QuerySet[Memo]) -> QuerySet[Memo]:
    """Each memo's exact count: named + protected + distinct verified anonymous tags (one
    row per memo and tag: anonymous/models.py)."""
    return memos.annotate(signature_count=_count_of(Signature) + _count_of(AnonymousSignature))


def _count_of(model: type[Signature] | type[AnonymousSignature]) -> Coalesce:
    counts = (
        model.objects.filter(memo=OuterRef("pk"))
        .order_by()
        .values("memo")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def memos_for(person: Person) -> QuerySet[Memo]:
    """Every memo `person` may see, newest first, with its signature count."""
    memos = policy.visible_memos(person).select_related("marking", "addressee")
    return with_signature_count(memos).order_by("-created_at", "-id")


def custodian_queue(person: Person) -> QuerySet[Memo]:
    """Filed memos still awaiting the channel's action, oldest filing first."""
    if not person.has_role(Role.CUSTODIAN):
        raise NotAllowed(_("Only the channel's custodians see the queue."))
    waiting = policy.visible_memos(person).filter(
        state__in=[MemoState.FILED, MemoState.ACKNOWLEDGED, MemoState.REPLIED]
    )
    return with_signature_count(waiting.select_related("marking", "addressee")).order_by("filed_at", "id")


def addressed_to(person: Person) -> QuerySet[Memo]:
    """Filed memos addressed to `person`, oldest filing first."""
    memos = policy.visible_memos(person).filter(addressee=person, state__in=FILED_STATES)
    return with_signature_count(memos.select_related("marking", "addressee")).order_by("filed_at", "id")


def signature_of(person: Person, memo: Memo) -> Signature | None:
    return actions.signature_of(memo, person)


def may_set_caveats(person: Person, memo: Memo) -> bool:
    """Drafters before filing, custodians after (until closed): memos/caveats.py."""
    mine = policy.standing(person, memo)
    if memo.state in (MemoState.DRAFT, MemoState.OPEN):
        return policy.Standing.DRAFTER in mine
    return memo.state in FILED_STATES - {MemoState.CLOSED} and policy.Standing.CUSTODIAN in mine


@dataclass(frozen=True)
class MemoParts:
    """How many caveats, addenda, deadline extensions and anonymous signatures a memo has, and
    how it counts signatures: most have none of the parts, so the memo page asks once for all
    of it and reads only the parts that exist."""

    caveats: int
    addenda: int
    extensions: int
    anonymous: int  # distinct verified anonymous signatures (one row per tag)
    count_both_ways: bool  # the drafters let a member sign both by name and anonymously


def memo_parts(memo: Memo) -> MemoParts:
    quote = connection.ops.quote_name
    tables = [
        Memo.caveats.through._meta.db_table,
        Addendum._meta.db_table,
        Extension._meta.db_table,
        AnonymousSignature._meta.db_table,
    ]
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM {quote(table)} WHERE memo_id = %s)"  # noqa: S608 - names are the models'
        for table in tables
    )
    ring = quote(MemoRing._meta.db_table)
    both = f"(SELECT COUNT(*) FROM {ring} WHERE memo_id = %s AND count_both_ways)"  # noqa: S608 - as above
    with dissent_rows.cursor() as cursor:
        cursor.execute(f"SELECT {counts}, {both}", [memo.pk] * (len(tables) + 1))
        caveats, addenda, extensions, anonymous, both_ways = cursor.fetchone()
    return MemoParts(caveats, addenda, extensions, anonymous, bool(both_ways))


def signature_count(memo: Memo) -> int:
    """The exact count, as with_signature_count gives it."""
    return Signature.objects.filter(memo=memo).count() + AnonymousSignature.objects.filter(memo=memo).count()


@dataclass(frozen=True)
class SignatureLine:
    """One signature as a particular viewer may see it: `name` is None when hidden."""

    id: int
    visibility: str
    name: str | None
    username: str | None
    signed_at: datetime | None
    mine: bool


_SIGNATURE_LINES = """
    SELECT s.id, s.visibility, s.signed_at, s.person_id, s.signer_sealed, s.signer_tag,
           p.first_name, p.last_name, p.username
    FROM {signature} s LEFT JOIN {person} p ON p.id = s.person_id
    WHERE s.memo_id = %s ORDER BY s.signed_at, s.id
"""


def signatures_seen_by(viewer: Person, memo: Memo) -> list[SignatureLine]:
    """The memo's signatures, each with the signer's name only where the viewer may see it.
    Hidden signatures still appear (the count stays exact) but without name or time.
    A protected signer is unsealed (memos/identities.py) only for custodians, and shown
    only outside the custodian's own chain of command; a signer always sees their own.
    At most three queries, whatever the number of signatures. The caller has already
    checked that `viewer` may see the memo."""
    custodian = viewer.has_role(Role.CUSTODIAN)
    # Plain values, not Signature and Person objects: a crisis memo has thousands of lines,
    # and making two model instances for each was most of the memo page's CPU.
    # Plain SQL too: compiling the ORM's join was a tenth of the page's CPU.
    with dissent_rows.cursor() as cursor:
        cursor.execute(
            _SIGNATURE_LINES.format(signature=Signature._meta.db_table, person=Person._meta.db_table),
            [memo.pk],
        )
        rows = cursor.fetchall()
    my_tag = identities.signer_tag(viewer.pk)
    opened: dict[int, int] = {}
    people: dict[int, Person] = {}
    subordinates: set[int] = set()
    if custodian and any(row[4] for row in rows):
        opened = {row[0]: identities.unseal(row[4]) for row in rows if row[4]}
        people = Person.objects.in_bulk(set(opened.values()))
        subordinates = viewer.subordinate_ids()
    lines = []
    when = dissent_rows.converter(Signature, "signed_at")
    for pk, visibility, stored_at, person_id, __, signer_tag, first, last, username in rows:
        signed_at = when(stored_at)
        name: str | None
        if person_id is not None:
            name, login, mine = display_name_of(first, last, username), username, person_id == viewer.pk
        else:
            mine = signer_tag == my_tag
            signer_id = opened.get(pk)
            visible = signer_id is not None and policy.can_see_protected_name(viewer, signer_id, subordinates)
            signer = (
                viewer if mine else (people.get(signer_id) if visible and signer_id is not None else None)
            )
            name, login = (signer.display_name, signer.username) if signer else (None, None)
        lines.append(
            SignatureLine(
                id=pk,
                visibility=visibility,
                name=name,
                username=login,
                signed_at=signed_at if name is not None else None,
                mine=mine,
            )
        )
    return lines


def drafter_ids(memo: Memo) -> set[int]:
    """Every drafter, protected ones unsealed: for the channel's own use, never for display."""
    ids: set[int] = set()
    for person_id, sealed in Drafter.objects.filter(memo=memo).values_list("person_id", "person_sealed"):
        ids.add(person_id if person_id is not None else identities.unseal(sealed))
    return ids


def signer_ids(memo: Memo) -> set[int]:
    """Everyone who signed, protected signers unsealed: for the channel's own use (who is
    told of a reply), never for display."""
    ids: set[int] = set()
    for person_id, sealed in Signature.objects.filter(memo=memo, purged=False).values_list(
        "person_id", "signer_sealed"
    ):
        ids.add(person_id if person_id is not None else identities.unseal(sealed))
    return ids


@dataclass(frozen=True)
class ResponseView:
    """The organisation's side of a memo, as one viewer may see it."""

    acknowledgment: Acknowledgment | None
    reply: Reply | None  # the sent reply, or the draft for those who may see drafts
    reply_is_draft: bool
    meetings: list["MeetingView"]


@dataclass(frozen=True)
class InviteeLine:
    name: str | None  # None: a protected signer this viewer may not see named
    response: str
    mine: bool


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    invitees: list[InviteeLine]
    my_invitation: MeetingInvitation | None


def response_seen_by(viewer: Person, memo: Memo) -> ResponseView:
    """Acknowledgment, reply and meetings as `viewer` may see them. Texts are for those who
    may read the memo's body; a reply draft only for those who may see drafts; a meeting
    for its proposer, its invitees and the custodians."""
    if memo.state not in FILED_STATES:
        return ResponseView(None, None, False, [])
    readable = policy.can(viewer, policy.Action.READ_BODY, memo)
    acknowledged = memo.state != MemoState.FILED
    acknowledgment = Acknowledgment.objects.filter(memo=memo).first() if readable and acknowledged else None
    reply = Reply.objects.select_related("marking", "author", "approved_by").filter(memo=memo).first()
    is_draft = reply is not None and not reply.is_sent
    if reply is not None and (
        (is_draft and not policy.can(viewer, policy.Action.SEE_REPLY_DRAFT, memo)) or not readable
    ):
        reply = None
    return ResponseView(acknowledgment, reply, is_draft, meetings_seen_by(viewer, memo))


def meetings_seen_by(viewer: Person, memo: Memo) -> list[MeetingView]:
    """Meetings for their proposer, their invitees and the custodians. A protected invitee
    is sealed like a protected signer; their name is shown to custodians outside their
    chain of command, to themselves, and to the proposer once they have accepted."""
    custodian = viewer.has_role(Role.CUSTODIAN)
    my_tag = identities.signer_tag(viewer.pk)
    meetings = (
        Meeting.objects.filter(memo=memo)
        .select_related("proposed_by")
        .prefetch_related(
            Prefetch(
                "invitations", queryset=MeetingInvitation.objects.select_related("person").order_by("id")
            )
        )
    )

    def is_mine(invitation: MeetingInvitation) -> bool:
        return invitation.person_id == viewer.pk or (
            invitation.person_tag != "" and invitation.person_tag == my_tag
        )

    visible = [
        (meeting, list(meeting.invitations.all()))
        for meeting in meetings
        if custodian
        or meeting.proposed_by_id == viewer.pk
        or any(is_mine(i) for i in meeting.invitations.all())
    ]
    # Unseal the protected invitees this viewer may see named, then read their names at once.
    opened: dict[int, int] = {}
    below = (
        viewer.subordinate_ids()
        if custodian and any(i.protected for _, group in visible for i in group)
        else set()
    )
    for meeting, invitations in visible:
        for invitation in invitations:
            if not invitation.person_sealed or is_mine(invitation):
                continue
            accepted_for_proposer = (
                meeting.proposed_by_id == viewer.pk and invitation.response == MeetingResponse.ACCEPTED
            )
            if custodian or accepted_for_proposer:
                person_id = identities.unseal(invitation.person_sealed)
                if accepted_for_proposer or policy.can_see_protected_name(viewer, person_id, below):
                    opened[invitation.pk] = person_id
    people = Person.objects.in_bulk(set(opened.values())) if opened else {}
    views = []
    for meeting, invitations in visible:
        lines = []
        for invitation in invitations:
            if invitation.person is not None:
                shown: Person | None = invitation.person
            elif is_mine(invitation):
                shown = viewer
            else:
                shown = people.get(opened.get(invitation.pk, -1))
            lines.append(
                InviteeLine(
                    name=shown.display_name if shown else None,
                    response=invitation.get_response_display(),
                    mine=is_mine(invitation),
                )
            )
        mine = next((i for i in invitations if is_mine(i)), None)
        views.append(MeetingView(meeting, lines, mine))
    return views
