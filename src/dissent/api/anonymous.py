"""/api/v1/anonymous and /api/v1/memos/{id}/anonymous: keys for anonymous signing, the
published rosters, a memo's signing parameters, and the one route that takes a signature
from nobody in particular (docs/anonymous-signatures.md)."""

import base64
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dissent.anonymous import actions, queries
from dissent.memos import policy
from dissent.memos.policy import Action

from .memos import ERRORS, MemoId, person_of
from .schemas import MAX_ID, BodyIn, ProblemDetails

router = Router(tags=["anonymous signatures"])

HEX_KEY = r"^[0-9a-f]{64}$"
GROUP = r"^(org|unit:[-a-zA-Z0-9_]{1,50})$"
#: The anonymous route: no credentials; 409 for a key that already signed, or a changed ring.
ANONYMOUS_ERRORS = {status: ProblemDetails for status in (400, 409, 413, 422)}


class KeyIn(BodyIn):
    public_key: Annotated[str, Field(pattern=HEX_KEY, description="The 32-byte public key, hex.")]


class KeyOut(Schema):
    public_key: str
    enrolled_at: datetime


class RosterQuery(Schema):
    group: Annotated[str, Field(pattern=GROUP)] = "org"
    log_size: Annotated[int | None, Field(ge=0, le=MAX_ID)] = None


class RosterOut(Schema):
    group: str
    log_size: int = Field(description="The tree size whose leaves the roster is rebuilt from.")
    keys: list[str] = Field(description="Public keys, hex, in the order enrolled.")


class SigningParametersOut(Schema):
    memo: int
    event: str = Field(description="Base64: the bytes whose hash scopes the linking tag to this memo.")
    message: str = Field(description="Base64: the bytes signed.")
    group: str
    log_size: int
    ring: list[str] = Field(description="The ring's public keys, hex, in order.")
    fixed: bool = Field(
        description="Whether the ring is the memo's own, set by its first anonymous signature."
    )
    min_ring: int
    count_both_ways: bool = Field(
        description="Whether the drafters let a member sign both by name and anonymously (counting twice)."
    )


class CountingIn(BodyIn):
    count_both_ways: bool


class CountingOut(Schema):
    memo: int
    count_both_ways: bool


class AnonymousSignatureIn(BodyIn):
    memo: Annotated[int, Field(ge=1, le=MAX_ID)]
    group: Annotated[str, Field(pattern=GROUP)]
    log_size: Annotated[int, Field(ge=1, le=MAX_ID)]
    event_sha256: Annotated[
        str, Field(pattern=HEX_KEY, description="Hex SHA-256 of the memo's event: the sender knows it.")
    ]
    signature: Annotated[str, Field(max_length=900_000, description="Base64 of I || c_0 || s_0 || ...")]
    receipt_key_sha256: Annotated[
        str,
        Field(
            pattern=HEX_KEY,
            description="Hex SHA-256 of the receipt key the sender derived (optional): showing the"
            " key later fetches the filing receipt (POST /anonymous/receipt).",
        ),
    ] = ""


class AnonymousSignatureOut(Schema):
    memo: int
    tag: str


class AnonymousReceiptIn(BodyIn):
    memo: Annotated[int, Field(ge=1, le=MAX_ID)]
    receipt_key: Annotated[
        str, Field(pattern=HEX_KEY, description="Hex: the key whose SHA-256 came with the signature.")
    ]


@router.post(
    "/anonymous/keys", response={201: KeyOut, **ERRORS}, summary="Enrol my key for anonymous signing"
)
def enrol(request: HttpRequest, payload: KeyIn) -> Status[KeyOut]:
    key = actions.enrol_key(person_of(request), payload.public_key)
    return Status(201, KeyOut(public_key=key.public_key, enrolled_at=key.enrolled_at))


@router.delete("/anonymous/keys/mine", response={204: None, **ERRORS}, summary="Revoke my key")
def revoke(request: HttpRequest) -> Status[None]:
    actions.revoke_key(person_of(request))
    return Status(204, None)


@router.get("/anonymous/roster", response={200: RosterOut, **ERRORS}, summary="A group's roster of keys")
def roster(request: HttpRequest, response: HttpResponse, query: Query[RosterQuery]) -> RosterOut:
    """A roster at a stated log size never changes (the log only grows): the browser may keep
    it, and signing a memo a second time then asks the server nothing."""
    latest = queries.latest_size()
    size = latest if query.log_size is None else query.log_size
    if query.log_size is not None and size <= latest:  # leaves the log already holds
        response["Cache-Control"] = "private, max-age=31536000, immutable"
    return RosterOut(group=query.group, log_size=size, keys=queries.roster(query.group, size))


@router.get(
    "/memos/{memo_id}/anonymous",
    response={200: SigningParametersOut, **ERRORS},
    summary="What my browser needs to sign this memo anonymously",
)
def signing_parameters(request: HttpRequest, memo_id: MemoId) -> SigningParametersOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id, action=Action.SIGN)
    found = queries.signing_parameters(person, memo)
    return SigningParametersOut(
        memo=found.memo_id,
        event=base64.b64encode(found.event).decode(),
        message=base64.b64encode(found.message).decode(),
        group=found.group,
        log_size=found.log_size,
        ring=found.ring,
        fixed=found.fixed,
        min_ring=found.min_ring,
        count_both_ways=found.count_both_ways,
    )


@router.put(
    "/memos/{memo_id}/anonymous/counting",
    response={200: CountingOut, **ERRORS},
    summary="Choose whether a member may sign both by name and anonymously (drafters, drafts only)",
)
def set_counting(request: HttpRequest, memo_id: MemoId, payload: CountingIn) -> CountingOut:
    person = person_of(request)
    memo = policy.get_memo(person, memo_id)
    record = actions.set_count_both_ways(memo, person, payload.count_both_ways)
    return CountingOut(memo=memo.pk, count_both_ways=record.count_both_ways)


@router.post(
    "/anonymous/signatures",
    auth=None,
    response={201: AnonymousSignatureOut, **ANONYMOUS_ERRORS},
    summary="Add an anonymous signature (no credentials: send no cookie)",
)
def sign(request: HttpRequest, payload: AnonymousSignatureIn) -> Status[AnonymousSignatureOut]:
    stored = actions.sign_anonymously(
        payload.memo,
        payload.group,
        payload.log_size,
        payload.event_sha256,
        payload.signature,
        payload.receipt_key_sha256,
    )
    return Status(201, AnonymousSignatureOut(memo=payload.memo, tag=stored.tag))


@router.post(
    "/anonymous/receipt",
    auth=None,
    response={200: dict[str, Any], 404: ProblemDetails, **ANONYMOUS_ERRORS},
    summary="The filing receipt for an anonymous signature (no credentials: send no cookie)",
)
def anonymous_receipt(request: HttpRequest, payload: AnonymousReceiptIn) -> dict[str, Any]:
    """The memo's filing receipt, the same a named signer downloads, for whoever shows the
    receipt key sent (as its SHA-256) with one of its anonymous signatures. 404 until the
    memo is filed and for any other key or memo; 409 for the seconds before the filing is
    in a signed tree head. Verify it offline with `dissent verifyreceipt FILE`."""
    return queries.anonymous_receipt(payload.memo, payload.receipt_key)
