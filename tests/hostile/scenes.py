"""One memo in each state a write route needs, and for every API write route the caller and
a payload that succeeds: a hostile variant of that payload must then fail for its own sake,
not because the memo was in the wrong state."""

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from dissent import clock
from dissent.anonymous import actions as anonymous_actions
from dissent.anonymous import queries as anonymous_queries
from dissent.anonymous import ring
from dissent.log.sequencer import integrate_pending
from dissent.memos import actions as memo_actions
from dissent.memos import responses
from dissent.memos.models import Meeting, Memo, MemoState, Visibility
from dissent.org.models import Person

from ..conftest import Cast
from ..factories import make_memo, make_unit


@dataclass
class World:
    cast: Cast
    draft: Memo
    open: Memo
    filed: Memo
    acknowledged: Memo
    meeting: Meeting
    #: Secret keys for anonymous signing of the members who enrolled one (bob among them).
    anonymous_secrets: dict[str, bytes] = field(default_factory=dict)
    #: A filed memo with an anonymous signature, and the receipt key sent (hashed) with it.
    receipt_memo: Memo | None = None
    receipt_key: str = ""


def build_world(cast: Cast) -> World:
    make_unit("embassy")
    draft = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="Draft on visas")
    opened = make_memo(
        MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob], title="Open on visas"
    )
    filed = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
        title="Filed on visas",
    )
    acknowledged = make_memo(
        MemoState.ACKNOWLEDGED,
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        title="Acknowledged on visas",
    )
    meeting = responses.propose_meeting(
        acknowledged, cast.paula, starts_at=clock.now() + timedelta(days=3), place="Room 4"
    )
    secrets = {}
    for person in (cast.bob, cast.ivan, cast.erin, cast.dave, cast.audrey):
        secrets[person.username] = ring.generate_secret()
        anonymous_actions.enrol_key(person, ring.public_key(secrets[person.username]).hex())
    integrate_pending()  # a signed tree head covers the roster
    world = World(cast, draft, opened, filed, acknowledged, meeting, secrets)
    world.receipt_memo = make_memo(
        MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.erin], title="Signed unseen"
    )
    world.receipt_key = "ab" * 32
    body = anonymous_signature(world, cast.erin, world.receipt_memo)
    anonymous_actions.sign_anonymously(
        body["memo"],
        body["group"],
        body["log_size"],
        body["event_sha256"],
        body["signature"],
        hashlib.sha256(bytes.fromhex(world.receipt_key)).hexdigest(),
    )
    memo_actions.file_memo(world.receipt_memo, cast.alice)
    integrate_pending()  # the filing is in a signed tree head: its receipt can be given
    return world


def anonymous_signature(world: World, signer: Person, memo: Memo) -> dict[str, Any]:
    """A valid body for POST /anonymous/signatures: `signer` signs `memo` in its ring."""
    found = anonymous_queries.signing_parameters(signer, memo)
    keys = [bytes.fromhex(key) for key in found.ring]
    secret = world.anonymous_secrets[signer.username]
    signature = ring.sign(found.event, found.message, keys, keys.index(ring.public_key(secret)), secret)
    return {
        "memo": memo.pk,
        "group": found.group,
        "log_size": found.log_size,
        "event_sha256": hashlib.sha256(found.event).hexdigest(),
        "signature": base64.b64encode(signature).decode(),
    }


def _future() -> str:
    return (clock.now() + timedelta(days=5)).isoformat()


NEW_MEMO = {
    "title": "Change course on visas",
    "summary": "The policy fails; we propose another.",
    "body": "## Why\n\nBecause.",
    "policy": "Visa policy",
    "addressee": "paula",
    "marking": "SBU",
}


def api_write_routes(world: World) -> dict[tuple[str, str], tuple[Person, str, dict[str, Any]]]:
    """(method, OpenAPI path) -> (caller, path under /api/v1, a payload that succeeds)."""
    c, w = world.cast, world
    return {
        ("post", "/api/v1/memos"): (c.alice, "/memos", dict(NEW_MEMO)),
        ("patch", "/api/v1/memos/{memo_id}"): (c.alice, f"/memos/{w.draft.pk}", dict(NEW_MEMO)),
        ("post", "/api/v1/memos/{memo_id}/invitations"): (
            c.alice,
            f"/memos/{w.draft.pk}/invitations",
            {"usernames": ["ivan"], "as_drafters": False},
        ),
        ("put", "/api/v1/memos/{memo_id}/call"): (c.alice, f"/memos/{w.draft.pk}/call", {"unit": "embassy"}),
        ("post", "/api/v1/memos/{memo_id}/transitions"): (
            c.alice,
            f"/memos/{w.draft.pk}/transitions",
            {"to": "open"},
        ),
        ("post", "/api/v1/memos/{memo_id}/signatures"): (
            c.bob,
            f"/memos/{w.open.pk}/signatures",
            {"visibility": "named"},
        ),
        ("post", "/api/v1/memos/{memo_id}/extensions"): (
            c.carol,
            f"/memos/{w.filed.pk}/extensions",
            {"amount": 5, "reason": "The team is travelling."},
        ),
        ("post", "/api/v1/memos/{memo_id}/addenda"): (
            c.alice,
            f"/memos/{w.filed.pk}/addenda",
            {"body": "One more figure."},
        ),
        ("post", "/api/v1/memos/{memo_id}/readers"): (
            c.carol,
            f"/memos/{w.filed.pk}/readers",
            {"username": "erin", "reason": "She runs the visa desk."},
        ),
        ("post", "/api/v1/memos/{memo_id}/acknowledgment"): (
            c.carol,
            f"/memos/{w.filed.pk}/acknowledgment",
            {"text": "Received, thank you."},
        ),
        ("put", "/api/v1/memos/{memo_id}/reviewer"): (
            c.carol,
            f"/memos/{w.filed.pk}/reviewer",
            {"username": "peter"},
        ),
        ("put", "/api/v1/memos/{memo_id}/reply"): (
            c.carol,
            f"/memos/{w.acknowledged.pk}/reply",
            {"text": "We have considered it.", "marking": "SBU"},
        ),
        ("put", "/api/v1/memos/{memo_id}/signatures/mine/meeting"): (
            c.bob,
            f"/memos/{w.filed.pk}/signatures/mine/meeting",
            {"open_to_meeting": True},
        ),
        ("post", "/api/v1/memos/{memo_id}/meetings"): (
            c.paula,
            f"/memos/{w.acknowledged.pk}/meetings",
            {"starts_at": _future(), "place": "Room 2", "agenda": "The visa backlog"},
        ),
        ("post", "/api/v1/meetings/{meeting_id}/answer"): (
            c.alice,
            f"/meetings/{w.meeting.pk}/answer",
            {"accept": True},
        ),
        ("post", "/api/v1/anonymous/keys"): (
            c.alice,
            "/anonymous/keys",
            {"public_key": ring.public_key(ring.generate_secret()).hex()},
        ),
        ("post", "/api/v1/anonymous/signatures"): (
            c.bob,
            "/anonymous/signatures",
            anonymous_signature(w, c.bob, w.open),
        ),
        ("post", "/api/v1/anonymous/receipt"): (
            c.erin,
            "/anonymous/receipt",
            {"memo": w.receipt_memo.pk if w.receipt_memo else 0, "receipt_key": w.receipt_key},
        ),
        ("put", "/api/v1/memos/{memo_id}/anonymous/counting"): (
            c.alice,
            f"/memos/{w.draft.pk}/anonymous/counting",
            {"count_both_ways": True},
        ),
        ("post", "/api/v1/similar"): (
            c.alice,
            "/similar",
            {"title": "Visa policy", "summary": "Backlog", "body": "Visas wait", "exclude": w.draft.pk},
        ),
    }


def text_fields(payload: dict[str, Any]) -> list[str]:
    """The payload's fields that hold text (a string, or a list of strings)."""
    return [
        key
        for key, value in payload.items()
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ]


def with_text(payload: dict[str, Any], field: str, text: str) -> dict[str, Any]:
    value = payload[field]
    return {**payload, field: [text] if isinstance(value, list) else text}
