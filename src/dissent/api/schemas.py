"""Request and response shapes of /api/v1/. Validation of meaning (lengths, who may be
an addressee) is the actions' job; these only fix the shape."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

MAX_ID = 2**63 - 1


class BodyIn(Schema):
    """A JSON request body, read as typed: true is not 1 and "5" is not 5 (pydantic would
    convert both; the fuzzer sent `"exclude": true` and it was taken as memo 1)."""

    model_config = ConfigDict(strict=True)


class MarkingOut(Schema):
    code: str
    label: str


class MemoIn(BodyIn):
    title: str
    summary: str
    body: str
    policy: str = Field(description="The policy the memo questions.")
    addressee: str = Field(description="User name of the principal the memo is addressed to.")
    marking: str = Field(description="Code of a handling marking, e.g. SBU.")
    protected_drafter: bool = Field(
        False, description="Draft under a protected name (only custodians outside your chain see it)."
    )


class MemoPatch(BodyIn):
    title: str | None = None
    summary: str | None = None
    body: str | None = None
    policy: str | None = None
    addressee: str | None = None
    marking: str | None = None


class TitleWarningOut(Schema):
    kind: Literal["bidi", "invisible", "mixed_script"]
    message: str = Field(description="For people, in the caller's language; names the characters.")


class MemoOut(Schema):
    id: int
    title: str
    title_warnings: list[TitleWarningOut] = Field(
        description="How the title may deceive a reader: invisible characters, words mixing Latin, "
        "Cyrillic and Greek letters, bidi controls (in titles stored before they were refused). "
        "docs/memos.md"
    )
    summary: str | None = Field(
        description="Null for readers who may not see the memo's text (auditors), and in lists."
    )
    body: str | None = Field(description="Markdown as written; null where the text is hidden, and in lists.")
    body_html: str | None = Field(
        description="The body rendered and sanitised; null where hidden, and in lists."
    )
    policy: str
    addressee: str
    marking: MarkingOut
    state: Literal["draft", "open", "filed", "acknowledged", "replied", "closed", "withdrawn"]
    signature_count: int
    created_at: datetime
    filed_at: datetime | None
    content_sha256: str | None
    ack_due: datetime | None = Field(
        description="When the channel must acknowledge the filing (set at filing)."
    )
    reply_due: datetime | None = Field(
        description="When the channel must reply substantively (set at filing)."
    )
    allowed_actions: list[str] = Field(description="What the caller may do with the memo now.")
    open_to_unit: str | None = Field(
        None,
        description="Code of the unit whose members may find and co-sign the memo while it is open "
        "(null when nobody but invited colleagues, and in lists).",
    )


class InvitationsIn(BodyIn):
    usernames: list[str] = Field(max_length=200)
    as_drafters: bool = Field(False, description="Invite as co-drafters instead of co-signers.")


class InvitationsOut(Schema):
    invited: list[str]


class TransitionIn(BodyIn):
    to: Literal["open", "filed", "closed", "withdrawn"] = Field(
        description="Acknowledging and replying have routes of their own (they carry text)."
    )


class SignatureIn(BodyIn):
    visibility: Literal["named", "protected"]


class SignatureOut(Schema):
    id: int
    visibility: str
    name: str | None = Field(description="The signer's name, or null where the caller may not see it.")
    username: str | None
    signed_at: datetime | None
    mine: bool


class SignatureListOut(Schema):
    count: int
    signatures: list[SignatureOut]


class ExtensionIn(BodyIn):
    amount: int = Field(
        description="How much later, in the unit the channel's preset uses (e.g. working days)."
    )
    reason: str


class ExtensionOut(Schema):
    id: int
    amount: int
    unit: str
    reason: str
    due_before: datetime
    due_after: datetime


class AddendumIn(BodyIn):
    body: str


class AddendumOut(Schema):
    id: int
    body: str
    created_at: datetime


class ValidationIssue(Schema):
    loc: list[str | int] = Field(description="Where the value was: body, query or path, then the field.")
    msg: str
    type: str


class ProblemDetails(Schema):
    """RFC 9457 problem details: the body of every error response (application/problem+json)."""

    type: str = Field(description="Always about:blank: the status says what kind of problem it is.")
    title: str = Field(description="The HTTP status phrase, e.g. Conflict.")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong, in the caller's language.")
    errors: list[ValidationIssue] | None = Field(
        None, description="422 only: each field that was refused, and why."
    )
    reason: str | None = Field(
        None,
        description="Where one status covers several cases, a stable code for this one "
        "(e.g. 409 already_signed or ring_changed on POST /anonymous/signatures).",
    )


class AcknowledgmentIn(BodyIn):
    text: str = Field("", description="Sent to the drafters and signers; blank sends the standard text.")


class ReviewerIn(BodyIn):
    username: str = Field(description="A custodian or principal who drafts the reply.")


class ReplyIn(BodyIn):
    text: str = Field(description="The substantive reply, in Markdown.")
    marking: str = Field(description="Code of the reply's handling marking.")


class ReplyOut(Schema):
    text: str
    marking: MarkingOut
    author: str
    sent: bool = Field(description="False while it is a draft awaiting approval.")
    approved_by: str | None
    approved_at: datetime | None


class MeetingPreferenceIn(BodyIn):
    open_to_meeting: bool


class MeetingIn(BodyIn):
    starts_at: datetime = Field(strict=False, description="ISO 8601, with a time zone, in the future.")
    place: str
    agenda: str = ""


class InviteeOut(Schema):
    name: str | None = Field(description="Null for a protected signer the caller may not see named.")
    response: str
    mine: bool


class MeetingOut(Schema):
    id: int
    starts_at: datetime
    place: str
    agenda: str
    proposed_by: str
    invitees: list[InviteeOut]


class MeetingAnswerIn(BodyIn):
    accept: bool


class ReaderIn(BodyIn):
    username: str = Field(description="The colleague who may now read the filed memo.")
    reason: str = Field(description="Why; shown on the memo to everyone who sees it.")


class DistributionEntryOut(Schema):
    who: str
    names: list[str]
    note: str


class CallIn(BodyIn):
    unit: str | None = Field(
        max_length=50,
        description="Code of the unit (with the units below it) whose members may find and co-sign the "
        "memo while it is open; null: invited colleagues only.",
    )
