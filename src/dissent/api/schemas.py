"""Request and response shapes of /api/v1/. Validation of meaning (lengths, who may be
an addressee) is the actions' job; these only fix the shape."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

MAX_ID = 2**63 - 1


class MarkingOut(Schema):
    code: str
    label: str


class MemoIn(Schema):
    title: str
    summary: str
    body: str
    policy: str = Field(description="The policy the memo questions.")
    addressee: str = Field(description="User name of the principal the memo is addressed to.")
    marking: str = Field(description="Code of a handling marking, e.g. SBU.")


class MemoPatch(Schema):
    title: str | None = None
    summary: str | None = None
    body: str | None = None
    policy: str | None = None
    addressee: str | None = None
    marking: str | None = None


class MemoOut(Schema):
    id: int
    title: str
    summary: str | None = Field(description="Null for readers who may not see the memo's text (auditors).")
    body: str | None = Field(description="Markdown as written; null where the text is hidden.")
    body_html: str | None = Field(description="The body rendered and sanitised; null where hidden.")
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


class InvitationsIn(Schema):
    usernames: list[str] = Field(max_length=200)
    as_drafters: bool = Field(False, description="Invite as co-drafters instead of co-signers.")


class InvitationsOut(Schema):
    invited: list[str]


class TransitionIn(Schema):
    to: Literal["open", "filed", "acknowledged", "replied", "closed", "withdrawn"]


class SignatureIn(Schema):
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


class ExtensionIn(Schema):
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


class AddendumIn(Schema):
    body: str


class AddendumOut(Schema):
    id: int
    body: str
    created_at: datetime


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
