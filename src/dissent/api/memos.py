"""/api/v1/memos: every route parses input, calls one action or query, and shapes the result."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Status
from pydantic import Field

from dissent.log import receipts
from dissent.memos import actions, calls, policy, queries, reads
from dissent.memos.content import render_markdown
from dissent.memos.models import Memo, Signature
from dissent.memos.policy import Action
from dissent.memos.visibility import distribution
from dissent.org.models import Person

from .schemas import (
    MAX_ID,
    AddendumIn,
    AddendumOut,
    CallIn,
    DistributionEntryOut,
    ExtensionIn,
    ExtensionOut,
    InvitationsIn,
    InvitationsOut,
    MemoIn,
    MemoOut,
    MemoPatch,
    ProblemDetails,
    ReaderIn,
    SignatureIn,
    SignatureListOut,
    SignatureOut,
    TitleWarningOut,
    TransitionIn,
)

router = Router(tags=["memos"])

MemoId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: The errors routes declare; api/openapi.py adds those that follow from a route's shape
#: (401 and 403 with credentials, 413, 415 and 422 with a body, 500 everywhere).
ERRORS = {status: ProblemDetails for status in (400, 401, 403, 404, 409, 413, 422)}
#: The public log routes need no credentials and change nothing.
PUBLIC_ERRORS = {status: ProblemDetails for status in (400, 404, 422)}


def person_of(request: HttpRequest) -> Person:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, Person)
    return user


def title_warnings_out(memo: Memo) -> list[TitleWarningOut]:
    """How the memo's title may deceive a reader, wherever the API shows the title."""
    return [TitleWarningOut(kind=w.kind, message=w.message) for w in memo.title_warnings]


def memo_out(memo: Memo, person: Person, *, listing: bool = False) -> MemoOut:
    """One memo as `person` may see it. In a listing the texts are left out: reading a
    filed memo's text is recorded (memos/reads.py), and a list is not a reading."""
    readable = policy.can(person, Action.READ_BODY, memo) and not listing
    count = getattr(memo, "signature_count", None)
    return MemoOut(
        id=memo.pk,
        title=memo.title,
        title_warnings=title_warnings_out(memo),
        summary=memo.summary if readable else None,
        body=memo.body if readable else None,
        body_html=render_markdown(memo.body) if readable else None,
        policy=memo.policy,
        addressee=memo.addressee.username,
        marking={"code": memo.marking.code, "label": memo.marking.label},  # type: ignore[arg-type]
        state=memo.state,  # type: ignore[arg-type]
        signature_count=queries.signature_count(memo) if count is None else count,
        created_at=memo.created_at,
        filed_at=memo.filed_at,
        content_sha256=memo.content_sha256 or None,
        ack_due=memo.ack_due,
        reply_due=memo.reply_due,
        allowed_actions=[a.value for a in policy.RULES if policy.can(person, a, memo)],
        open_to_unit=memo.call_unit.code if not listing and memo.call_unit is not None else None,
    )


@router.get("", response={200: list[MemoOut], **ERRORS}, summary="Memos the caller may see")
def list_memos(
    request: HttpRequest,
    limit: Annotated[int, Field(ge=1, le=500)] = 100,
    offset: Annotated[int, Field(ge=0, le=MAX_ID)] = 0,
) -> list[MemoOut]:
    person = person_of(request)
    memos = queries.memos_for(person)[offset : offset + limit]
    return [memo_out(policy.remember_standing(m, person), person, listing=True) for m in memos]


@router.post("", response={201: MemoOut, **ERRORS}, summary="Start a draft memo")
def create_memo(request: HttpRequest, payload: MemoIn) -> Status[MemoOut]:
    person = person_of(request)
    memo = actions.create_memo(
        person,
        title=payload.title,
        summary=payload.summary,
        body=payload.body,
        policy_questioned=payload.policy,
        addressee=payload.addressee,
        marking=payload.marking,
        protected_drafter=payload.protected_drafter,
    )
    return Status(201, memo_out(policy.get_memo(person, memo.pk), person))


@router.get("/{memo_id}", response={200: MemoOut, **ERRORS}, summary="One memo")
def get_memo(request: HttpRequest, memo_id: MemoId) -> MemoOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    reads.record_read(person, memo, how="api")
    return memo_out(memo, person)


@router.patch("/{memo_id}", response={200: MemoOut, **ERRORS}, summary="Edit a draft")
def edit_memo(request: HttpRequest, memo_id: MemoId, payload: MemoPatch) -> MemoOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    changes = payload.dict(exclude_unset=True)
    actions.edit_memo(
        memo,
        person,
        title=changes.get("title", memo.title),
        summary=changes.get("summary", memo.summary),
        body=changes.get("body", memo.body),
        policy_questioned=changes.get("policy", memo.policy),
        addressee=changes.get("addressee", memo.addressee.username),
        marking=changes.get("marking", memo.marking.code),
    )
    return memo_out(policy.get_memo(person, memo_id), person)


@router.post("/{memo_id}/invitations", response={201: InvitationsOut, **ERRORS}, summary="Invite co-signers")
def invite(request: HttpRequest, memo_id: MemoId, payload: InvitationsIn) -> Status[InvitationsOut]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    added = actions.invite(memo, person, usernames=payload.usernames, as_drafters=payload.as_drafters)
    return Status(201, InvitationsOut(invited=[p.username for p in added]))


@router.put(
    "/{memo_id}/call", response={200: MemoOut, **ERRORS}, summary="Open the memo to colleagues in a unit"
)
def open_call(request: HttpRequest, memo_id: MemoId, payload: CallIn) -> MemoOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    calls.open_to(memo, person, unit=payload.unit)
    return memo_out(policy.get_memo(person, memo_id), person)


@router.post(
    "/{memo_id}/transitions", response={200: MemoOut, **ERRORS}, summary="Move a memo to another state"
)
def transition(request: HttpRequest, memo_id: MemoId, payload: TransitionIn) -> MemoOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    actions.transition(memo, person, payload.to)
    return memo_out(policy.get_memo(person, memo_id), person)


@router.post("/{memo_id}/signatures", response={201: SignatureOut, **ERRORS}, summary="Co-sign a memo")
def sign(request: HttpRequest, memo_id: MemoId, payload: SignatureIn) -> Status[SignatureOut]:
    person = person_of(request)
    signature = actions.sign_memo(memo_id, person, visibility=payload.visibility)
    return Status(201, new_signature_out(signature, person))


def new_signature_out(signature: Signature, person: Person) -> SignatureOut:
    """The answer to a co-signature, for its signer (also the fast lane's, api/fastlane.py)."""
    return SignatureOut(
        id=signature.pk,
        visibility=signature.visibility,
        name=person.display_name,
        username=person.username,
        signed_at=signature.signed_at,
        mine=True,
    )


@router.delete("/{memo_id}/signatures/mine", response={204: None, **ERRORS}, summary="Withdraw my signature")
def unsign(request: HttpRequest, memo_id: MemoId) -> Status[None]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    actions.withdraw_signature(memo, person)
    return Status(204, None)


@router.get(
    "/{memo_id}/signatures",
    response={200: SignatureListOut, **ERRORS},
    summary="Signatures as I may see them",
)
def signatures(request: HttpRequest, memo_id: MemoId) -> SignatureListOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    lines = queries.signatures_seen_by(person, memo)
    reads.record_protected_names_shown(person, memo, lines, how="api")
    return SignatureListOut(count=len(lines), signatures=[SignatureOut(**vars(line)) for line in lines])


@router.post(
    "/{memo_id}/extensions", response={201: ExtensionOut, **ERRORS}, summary="Extend the reply deadline"
)
def extend(request: HttpRequest, memo_id: MemoId, payload: ExtensionIn) -> Status[ExtensionOut]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    extension = actions.extend_reply_deadline(memo, person, amount=payload.amount, reason=payload.reason)
    return Status(
        201,
        ExtensionOut(
            id=extension.pk,
            amount=extension.amount,
            unit=extension.unit,
            reason=extension.reason,
            due_before=extension.due_before,
            due_after=extension.due_after,
        ),
    )


@router.get("/{memo_id}/receipt", response={200: dict[str, Any], **ERRORS}, summary="My filing receipt")
def receipt(request: HttpRequest, memo_id: MemoId) -> dict[str, Any]:
    """The caller's filing receipt (drafters and signers only; 404 for anyone else).
    Verify it offline with `dissent verifyreceipt FILE`."""
    memo = policy.get_memo(person_of(request), memo_id, action=Action.RECEIPT)
    return receipts.filing_receipt(memo.pk)


@router.post(
    "/{memo_id}/addenda", response={201: AddendumOut, **ERRORS}, summary="Add an addendum to a filed memo"
)
def add_addendum(request: HttpRequest, memo_id: MemoId, payload: AddendumIn) -> Status[AddendumOut]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    addendum = actions.add_addendum(memo, person, body=payload.body)
    return Status(201, AddendumOut(id=addendum.pk, body=addendum.body, created_at=addendum.created_at))


@router.post("/{memo_id}/readers", response={201: DistributionEntryOut, **ERRORS}, summary="Add a reader")
def add_reader(request: HttpRequest, memo_id: MemoId, payload: ReaderIn) -> Status[DistributionEntryOut]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    reader = actions.add_reader(memo, person, username=payload.username, reason=payload.reason)
    return Status(
        201, DistributionEntryOut(who="reader", names=[reader.person.display_name], note=reader.reason)
    )


@router.get(
    "/{memo_id}/distribution",
    response={200: list[DistributionEntryOut], **ERRORS},
    summary="Who may read a filed memo",
)
def get_distribution(request: HttpRequest, memo_id: MemoId) -> list[DistributionEntryOut]:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    lines = queries.signatures_seen_by(person, memo)
    reads.record_protected_names_shown(person, memo, lines, how="api")
    return [DistributionEntryOut(who=e.who, names=e.names, note=e.note) for e in distribution(memo, lines)]
