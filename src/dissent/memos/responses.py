"""The organisation's side of a filed memo: acknowledgment, reviewer, substantive reply,
meetings with the dissenters. Actions as in actions.py: each asks the policy, validates,
changes, records the event and queues its notifications inside one transaction.

Notifications go one message per recipient (notify/notices.py). Whom each one names is
decided here: a protected signer is never named to anyone but the custodians, not even by
a meeting invitation, until they accept that meeting themselves.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dissent import clock, identities
from dissent.deadlines import tasks as deadline_tasks
from dissent.deadlines.channel import channel_policy
from dissent.errors import AlreadyDone, InvalidInput, InvalidState, NotAllowed, NotFound
from dissent.events.canonical import canonical_sha256
from dissent.events.models import EventKind, timestamp
from dissent.events.recording import record_event
from dissent.markings.models import Marking
from dissent.notify.notices import send_notice
from dissent.org.models import Person, Role

from . import caveats, policy, queries
from .actions import actor_unless_protected, clean_markdown, clean_text, locked, signature_of
from .models import (
    Acknowledgment,
    Drafter,
    Meeting,
    MeetingInvitation,
    MeetingResponse,
    Memo,
    MemoState,
    Reply,
    Signature,
    Visibility,
)
from .notices import custodians, default_acknowledgment, dissenters, local_time, memo_context
from .policy import Action

ACKNOWLEDGMENT_MAX = 5000
REPLY_MAX = 100_000
PLACE_MAX = 300
AGENDA_MAX = 2000


@transaction.atomic
def acknowledge_memo(memo: Memo, person: Person, *, text: str = "") -> Memo:
    """Acknowledge a filed memo. `text` goes to the drafters and signers; left blank, the
    channel's standard acknowledgment is sent. Where the reply is counted from the
    acknowledgment (the EU preset), the reply's due date is recomputed from now."""
    memo = locked(memo, person)
    policy.require(person, Action.ACKNOWLEDGE, memo)
    channel = channel_policy()
    now = clock.now()
    assert memo.filed_at is not None
    new_reply_due = channel.reply_due_after_acknowledgment(memo.filed_at, now)
    if new_reply_due is not None and not memo.extensions.exists():
        memo.reply_due = new_reply_due
    text = (
        clean_text(_("Acknowledgment"), text, ACKNOWLEDGMENT_MAX)
        if text.strip()
        else default_acknowledgment(memo)
    )
    before = memo.state
    memo.state = MemoState.ACKNOWLEDGED
    memo.save(update_fields=["state", "reply_due", "updated_at"])
    Acknowledgment.objects.create(memo=memo, author=person, text=text, created_at=now)
    record_event(
        person,
        EventKind.MEMO_ACKNOWLEDGED,
        memo,
        {
            "memo": memo.pk,
            "from": before,
            "to": memo.state,
            "text_sha256": canonical_sha256({"text": text}),
            "reply_due": timestamp(memo.reply_due) if memo.reply_due else None,
        },
    )
    if new_reply_due is not None:
        deadline_tasks.schedule(memo)
    context = {**memo_context(memo), "text": text}
    for each in dissenters(memo):
        send_notice(each, "memo_acknowledged", context)
    return memo


@transaction.atomic
def assign_reviewer(memo: Memo, person: Person, *, reviewer: str) -> Memo:
    """A custodian names who prepares the substantive reply: a custodian or a principal."""
    memo = locked(memo, person)
    policy.require(person, Action.ASSIGN_REVIEWER, memo)
    chosen = Person.objects.filter(
        username=reviewer, is_active=True, role__in=[Role.CUSTODIAN, Role.PRINCIPAL]
    ).first()
    if chosen is None:
        raise InvalidInput(_("The reviewer must be one of the channel's custodians or principals."))
    if chosen.pk in queries.drafter_ids(memo) or signature_of(memo, chosen) is not None:
        raise InvalidInput(_("A drafter or signer of the memo cannot review it."))
    if not chosen.has_role(Role.CUSTODIAN):
        caveats.require_within(memo, [chosen])
    if memo.reviewer_id == chosen.pk:
        raise AlreadyDone(_("%(name)s is already the reviewer.") % {"name": chosen.get_full_name()})
    memo.reviewer = chosen
    memo.save(update_fields=["reviewer", "updated_at"])
    record_event(person, EventKind.MEMO_REVIEWER_ASSIGNED, memo, {"memo": memo.pk, "reviewer": chosen.pk})
    send_notice(
        chosen,
        "reviewer_assigned",
        {**memo_context(memo), "assigned_by": person.get_full_name() or person.username},
    )
    return memo


@transaction.atomic
def draft_reply(memo: Memo, person: Person, *, text: str, marking: str) -> Reply:
    """Write (or rewrite) the substantive reply. It reaches nobody until it is approved."""
    memo = locked(memo, person)
    policy.require(person, Action.DRAFT_REPLY, memo)
    body = clean_markdown(_("Reply"), text, REPLY_MAX)
    chosen = Marking.objects.filter(code=marking, active=True).first()
    if chosen is None:
        raise InvalidInput(_("Choose a handling marking for the reply from the organisation's scheme."))
    now = clock.now()
    reply, created = Reply.objects.get_or_create(
        memo=memo,
        defaults={"author": person, "text": body, "marking": chosen, "created_at": now, "updated_at": now},
    )
    if not created:
        reply.author, reply.text, reply.marking, reply.updated_at = person, body, chosen, now
        reply.save(update_fields=["author", "text", "marking", "updated_at"])
    record_event(
        person,
        EventKind.MEMO_REPLY_DRAFTED,
        memo,
        {"memo": memo.pk, "text_sha256": canonical_sha256({"text": body}), "marking": chosen.code},
    )
    approvers = {*custodians(), memo.addressee} - {person}
    context = {**memo_context(memo), "author": person.get_full_name() or person.username}
    for each in sorted(approvers, key=lambda p: p.pk):
        send_notice(each, "reply_awaiting_approval", context)
    return reply


@transaction.atomic
def approve_reply(memo: Memo, person: Person) -> Reply:
    """Approve the drafted reply, which sends it: the memo is replied to, and its drafters
    and signers are told (the reply's text stays in the channel, under its marking)."""
    memo = locked(memo, person)
    policy.require(person, Action.REPLY, memo)
    reply = Reply.objects.select_related("marking").filter(memo=memo).first()
    if reply is None:
        raise InvalidState(_("There is no drafted reply to approve yet."))
    if channel_policy().reply_needs_second_person and reply.author_id == person.pk:
        raise NotAllowed(_("Someone other than the reply's author must approve it."))
    now = clock.now()
    reply.approved_by, reply.approved_at = person, now
    reply.save(update_fields=["approved_by", "approved_at"])
    before = memo.state
    memo.state = MemoState.REPLIED
    memo.save(update_fields=["state", "updated_at"])
    record_event(
        person,
        EventKind.MEMO_REPLIED,
        memo,
        {
            "memo": memo.pk,
            "from": before,
            "to": memo.state,
            "reply_author": reply.author_id,
            "text_sha256": canonical_sha256({"text": reply.text}),
            "marking": reply.marking.code,
            "reply_due": timestamp(memo.reply_due) if memo.reply_due else None,
        },
    )
    context = {**memo_context(memo), "reply_marking": reply.marking.label}
    for each in dissenters(memo):
        send_notice(each, "reply_sent", context)
    return reply


@transaction.atomic
def set_meeting_preference(memo: Memo, person: Person, *, open_to_meeting: bool) -> Signature:
    """A signer says whether leadership may invite them to a meeting about the memo."""
    memo = locked(memo, person)
    policy.require(person, Action.MEETING_PREFERENCE, memo)
    signature = signature_of(memo, person)
    assert signature is not None  # the policy found the person among the signers
    if signature.open_to_meeting != open_to_meeting:
        signature.open_to_meeting = open_to_meeting
        signature.save(update_fields=["open_to_meeting"])
        record_event(
            actor_unless_protected(person, signature.visibility),
            EventKind.MEMO_MEETING_PREFERENCE,
            memo,
            {"memo": memo.pk, "signature": signature.pk, "open_to_meeting": open_to_meeting},
        )
    return signature


@transaction.atomic
def propose_meeting(
    memo: Memo, person: Person, *, starts_at: datetime, place: str, agenda: str = ""
) -> Meeting:
    """The addressee proposes to meet the dissenters: the drafters and the signers who said
    they are open to it. Protected signers are invited without being named to the proposer."""
    memo = locked(memo, person)
    policy.require(person, Action.PROPOSE_MEETING, memo)
    if starts_at.tzinfo is None:
        raise InvalidInput(_("Give the meeting's time with its time zone."))
    if starts_at <= clock.now():
        raise InvalidInput(_("A meeting must be proposed for a time in the future."))
    place = clean_text(_("Place"), place, PLACE_MAX)
    agenda = (agenda or "").strip()
    if agenda:
        agenda = clean_text(_("Agenda"), agenda, AGENDA_MAX)
    drafters = Drafter.objects.filter(memo=memo).values_list("person_id", "person_sealed")
    drafter_ids = {pk if pk is not None else identities.unseal(sealed) for pk, sealed in drafters}
    sealed_drafter_ids = {identities.unseal(sealed) for pk, sealed in drafters if pk is None}
    willing: dict[int, str] = {}
    for person_id, sealed, visibility in Signature.objects.filter(
        memo=memo, open_to_meeting=True
    ).values_list("person_id", "signer_sealed", "visibility"):
        willing[person_id if person_id is not None else identities.unseal(sealed)] = visibility
    invitee_ids = (drafter_ids | set(willing)) - {person.pk}
    if not invitee_ids:
        raise InvalidState(_("None of the memo's dissenters is open to a meeting yet."))
    meeting = Meeting.objects.create(
        memo=memo, proposed_by=person, starts_at=starts_at, place=place, agenda=agenda
    )
    invitations: list[tuple[int, MeetingInvitation]] = []
    for pk in sorted(invitee_ids):
        if pk in sealed_drafter_ids or (pk not in drafter_ids and willing.get(pk) == Visibility.PROTECTED):
            hidden = MeetingInvitation(
                meeting=meeting,
                person_sealed=identities.seal(pk),
                person_tag=identities.signer_tag(pk),
                protected=True,
            )
            invitations.append((pk, hidden))
        else:
            invitations.append((pk, MeetingInvitation(meeting=meeting, person_id=pk)))
    MeetingInvitation.objects.bulk_create([invitation for _, invitation in invitations])
    record_event(
        person,
        EventKind.MEETING_PROPOSED,
        meeting,
        {
            "memo": memo.pk,
            "meeting": meeting.pk,
            "starts_at": timestamp(starts_at),
            "invitees": len(invitations),
        },
    )
    context = {
        **memo_context(memo),
        "proposed_by": person.get_full_name() or person.username,
        "starts_at": local_time(starts_at),
        "place": place,
        "agenda": agenda,
    }
    people = Person.objects.in_bulk([pk for pk, _ in invitations])
    for pk, invitation in invitations:
        send_notice(people[pk], "meeting_proposed", {**context, "protected": invitation.protected})
    return meeting


@transaction.atomic
def answer_meeting(
    meeting_id: int, person: Person, *, accept: bool, memo_id: int | None = None
) -> MeetingInvitation:
    """An invitee accepts or declines. Accepting is what lets the proposer see a protected
    invitee's name; declining keeps it hidden. `memo_id`, when the address names one, must
    be the meeting's memo: a meeting is not found under another memo's address."""
    invitations = (
        MeetingInvitation.objects.select_for_update()
        .select_related("meeting__memo__marking", "meeting__proposed_by")
        .filter(meeting_id=meeting_id)
        .filter(Q(person=person) | Q(person_tag=identities.signer_tag(person.pk)))
    )
    if memo_id is not None:
        invitations = invitations.filter(meeting__memo_id=memo_id)
    invitation = invitations.first()
    if invitation is None:
        raise NotFound(_("No such meeting invitation."))
    meeting = invitation.meeting
    if meeting.starts_at <= clock.now():
        raise InvalidState(_("This meeting has already taken place."))
    response = MeetingResponse.ACCEPTED if accept else MeetingResponse.DECLINED
    if invitation.response == response:
        raise AlreadyDone(_("You have already answered this way."))
    invitation.response, invitation.responded_at = response, clock.now()
    invitation.save(update_fields=["response", "responded_at"])
    record_event(
        None if invitation.protected else person,
        EventKind.MEETING_ANSWERED,
        meeting,
        {"memo": meeting.memo_id, "meeting": meeting.pk, "invitation": invitation.pk, "response": response},
    )
    named = not invitation.protected or accept
    send_notice(
        meeting.proposed_by,
        "meeting_answered",
        {
            **memo_context(meeting.memo),
            # Plain values: the template words them in the recipient's language.
            "who": (person.get_full_name() or person.username) if named else "",
            "answer": str(response),
            "starts_at": local_time(meeting.starts_at),
        },
    )
    return invitation
