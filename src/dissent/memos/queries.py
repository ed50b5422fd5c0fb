"""Reads for pages and the API. The access policy is applied inside each query, and every
count comes from the rows it counts, in the same query."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from dissent.errors import NotAllowed
from dissent.org.models import Person, Role

from . import policy
from .models import (
    FILED_STATES,
    Acknowledgment,
    Meeting,
    MeetingInvitation,
    MeetingResponse,
    Memo,
    MemoState,
    Reply,
    Signature,
    Visibility,
)


def with_signature_count(memos: QuerySet[Memo]) -> QuerySet[Memo]:
    counts = (
        Signature.objects.filter(memo=OuterRef("pk"))
        .order_by()
        .values("memo")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return memos.annotate(signature_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


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
    return Signature.objects.filter(memo=memo, person=person).first()


def signature_count(memo: Memo) -> int:
    return Signature.objects.filter(memo=memo).count()


@dataclass(frozen=True)
class SignatureLine:
    """One signature as a particular viewer may see it: `name` is None when hidden."""

    id: int
    visibility: str
    name: str | None
    username: str | None
    signed_at: datetime | None
    mine: bool


def signatures_seen_by(viewer: Person, memo: Memo) -> list[SignatureLine]:
    """The memo's signatures, each with the signer's name only where the viewer may see it.
    Hidden signatures still appear (the count stays exact) but without name or time.
    Two queries, whatever the number of signatures. The caller has already checked that
    `viewer` may see the memo."""
    subordinates = viewer.subordinate_ids() if viewer.has_role(Role.CUSTODIAN) else set()
    lines = []
    for signature in Signature.objects.filter(memo=memo).select_related("person").order_by("signed_at", "id"):
        shown = signature.visibility == Visibility.NAMED or policy.can_see_protected_name(
            viewer, signature.person_id, subordinates
        )
        lines.append(
            SignatureLine(
                id=signature.pk,
                visibility=signature.visibility,
                name=signature.person.display_name if shown else None,
                username=signature.person.username if shown else None,
                signed_at=signature.signed_at if shown else None,
                mine=signature.person_id == viewer.pk,
            )
        )
    return lines


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
    custodian = viewer.has_role(Role.CUSTODIAN)
    below: list[set[int]] = []  # the viewer's subordinates, asked for only if a protected name is at stake

    def may_see_protected(person_id: int) -> bool:
        if custodian and not below:
            below.append(viewer.subordinate_ids())
        return policy.can_see_protected_name(viewer, person_id, below[0] if below else set())

    meetings = (
        Meeting.objects.filter(memo=memo)
        .select_related("proposed_by")
        .prefetch_related(
            Prefetch(
                "invitations", queryset=MeetingInvitation.objects.select_related("person").order_by("id")
            )
        )
    )
    views = []
    for meeting in meetings:
        invitations = list(meeting.invitations.all())
        mine = next((i for i in invitations if i.person_id == viewer.pk), None)
        if not (custodian or mine or meeting.proposed_by_id == viewer.pk):
            continue
        lines = []
        for invitation in invitations:
            shown = (
                not invitation.protected
                or invitation.person_id == viewer.pk
                or may_see_protected(invitation.person_id)
                or (meeting.proposed_by_id == viewer.pk and invitation.response == MeetingResponse.ACCEPTED)
            )
            lines.append(
                InviteeLine(
                    name=invitation.person.display_name if shown else None,
                    response=invitation.get_response_display(),
                    mine=invitation.person_id == viewer.pk,
                )
            )
        views.append(MeetingView(meeting, lines, mine))
    return views
