"""The organisation's side of a memo over the API: acknowledgment, reviewer, reply,
meetings (memos/responses.py). Routes parse, call one action, and shape the result."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from dissent.errors import NotFound
from dissent.memos import policy, queries, responses
from dissent.memos.models import Reply
from dissent.memos.policy import Action

from .memos import ERRORS, MemoId, memo_out, person_of
from .schemas import (
    AcknowledgmentIn,
    InviteeOut,
    MeetingAnswerIn,
    MeetingIn,
    MeetingOut,
    MeetingPreferenceIn,
    MemoOut,
    ReplyIn,
    ReplyOut,
    ReviewerIn,
)

router = Router(tags=["responses"])


def reply_out(reply: Reply) -> ReplyOut:
    return ReplyOut(
        text=reply.text,
        marking={"code": reply.marking.code, "label": reply.marking.label},  # type: ignore[arg-type]
        author=reply.author.username,
        sent=reply.is_sent,
        approved_by=reply.approved_by.username if reply.approved_by else None,
        approved_at=reply.approved_at,
    )


@router.post(
    "/memos/{memo_id}/acknowledgment", response={200: MemoOut, **ERRORS}, summary="Acknowledge a memo"
)
def acknowledge(request: HttpRequest, memo_id: MemoId, payload: AcknowledgmentIn) -> MemoOut:
    person = person_of(request)
    responses.acknowledge_memo(policy.get_memo(person, memo_id), person, text=payload.text)
    return memo_out(policy.get_memo(person, memo_id), person)


@router.put("/memos/{memo_id}/reviewer", response={200: MemoOut, **ERRORS}, summary="Assign the reviewer")
def reviewer(request: HttpRequest, memo_id: MemoId, payload: ReviewerIn) -> MemoOut:
    person = person_of(request)
    responses.assign_reviewer(policy.get_memo(person, memo_id), person, reviewer=payload.username)
    return memo_out(policy.get_memo(person, memo_id), person)


@router.get("/memos/{memo_id}/reply", response={200: ReplyOut, **ERRORS}, summary="The reply or its draft")
def get_reply(request: HttpRequest, memo_id: MemoId) -> ReplyOut:
    person = person_of(request)
    seen = queries.response_seen_by(person, policy.get_memo(person, memo_id))
    if seen.reply is None:
        raise NotFound(_("No reply you may see yet."))
    return reply_out(seen.reply)


@router.put("/memos/{memo_id}/reply", response={200: ReplyOut, **ERRORS}, summary="Draft the reply")
def put_reply(request: HttpRequest, memo_id: MemoId, payload: ReplyIn) -> ReplyOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    return reply_out(responses.draft_reply(memo, person, text=payload.text, marking=payload.marking))


@router.post(
    "/memos/{memo_id}/reply/approval",
    response={200: ReplyOut, **ERRORS},
    summary="Approve and send the reply",
)
def approve(request: HttpRequest, memo_id: MemoId) -> ReplyOut:
    person = person_of(request)
    return reply_out(responses.approve_reply(policy.get_memo(person, memo_id), person))


@router.put(
    "/memos/{memo_id}/signatures/mine/meeting",
    response={200: MeetingPreferenceIn, **ERRORS},
    summary="Whether I am open to a meeting",
)
def meeting_preference(
    request: HttpRequest, memo_id: MemoId, payload: MeetingPreferenceIn
) -> MeetingPreferenceIn:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    signature = responses.set_meeting_preference(memo, person, open_to_meeting=payload.open_to_meeting)
    return MeetingPreferenceIn(open_to_meeting=signature.open_to_meeting)


@router.get(
    "/memos/{memo_id}/meetings", response={200: list[MeetingOut], **ERRORS}, summary="Meetings I may see"
)
def meetings(request: HttpRequest, memo_id: MemoId) -> list[MeetingOut]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    return [
        MeetingOut(
            id=view.meeting.pk,
            starts_at=view.meeting.starts_at,
            place=view.meeting.place,
            agenda=view.meeting.agenda,
            proposed_by=view.meeting.proposed_by.username,
            invitees=[InviteeOut(**vars(line)) for line in view.invitees],
        )
        for view in queries.meetings_seen_by(person, memo)
    ]


@router.post(
    "/memos/{memo_id}/meetings", response={201: dict[str, int], **ERRORS}, summary="Propose a meeting"
)
def propose(request: HttpRequest, memo_id: MemoId, payload: MeetingIn) -> Status[dict[str, int]]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id, action=Action.VIEW)
    meeting = responses.propose_meeting(
        memo, person, starts_at=payload.starts_at, place=payload.place, agenda=payload.agenda
    )
    return Status(201, {"id": meeting.pk, "invitees": meeting.invitations.count()})


@router.post(
    "/meetings/{meeting_id}/answer", response={200: dict[str, str], **ERRORS}, summary="Accept or decline"
)
def answer(request: HttpRequest, meeting_id: MemoId, payload: MeetingAnswerIn) -> dict[str, str]:
    invitation = responses.answer_meeting(meeting_id, person_of(request), accept=payload.accept)
    return {"response": invitation.response}
