"""Every persona x every action x every memo state, each cell asserting the exact outcome.

The cells are generated from two small tables below (who sees a memo in each state, and
who may do what in which states), written independently of the policy module. Adding a
rule means changing a row here.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dissent.errors import AlreadyDone, DissentError, InvalidState, NotAllowed, NotFound
from dissent.memos import actions, calls, policy, responses
from dissent.memos.models import Memo, MemoState, Reply, Visibility
from dissent.memos.policy import Action
from dissent.org.models import OrgUnit, Person

from ..conftest import Cast
from ..factories import make_memo

PERSONAS = ["alice", "bob", "ivan", "carol", "dave", "erin", "paula", "peter", "audrey", "adam"]
FILED = {"filed", "acknowledged", "replied", "closed"}
EVERY_STATE = ["draft", "open", "filed", "acknowledged", "replied", "closed", "withdrawn"]

# Who sees the memo at all. (bob has signed once the memo is open; ivan was invited but never signed.)
SEES: dict[str, set[str]] = {
    "draft": {"alice"},
    "open": {"alice", "bob", "ivan"},
    "withdrawn": {"alice", "bob", "ivan"},
    **{state: {"alice", "bob", "paula", "carol", "audrey"} for state in FILED},
}

# action: (who may, in which states). Everything else is refused.
MAY: dict[str, tuple[set[str], set[str]]] = {
    "view": (set(PERSONAS), set(EVERY_STATE)),
    "read_body": (set(PERSONAS) - {"audrey"}, set(EVERY_STATE)),
    "edit": ({"alice"}, {"draft"}),
    "invite": ({"alice"}, {"draft", "open"}),
    "open_call": ({"alice"}, {"draft", "open"}),
    "open": ({"alice"}, {"draft"}),
    "sign": ({"alice", "bob", "ivan"}, {"open"}),
    "unsign": ({"bob"}, {"open"}),
    "file": ({"alice"}, {"draft", "open"}),
    "acknowledge": ({"carol"}, {"filed"}),
    "reply": ({"carol", "paula"}, {"acknowledged"}),
    "close": ({"carol"}, {"replied"}),
    "withdraw": ({"alice"}, {"draft", "open"}),
    "add_addendum": ({"alice"}, {"filed", "acknowledged", "replied"}),
    "receipt": ({"alice", "bob"}, FILED),
    "extend": ({"carol"}, {"filed", "acknowledged"}),
    "assign_reviewer": ({"carol"}, {"filed", "acknowledged"}),
    "draft_reply": ({"carol"}, {"filed", "acknowledged"}),
    "see_reply_draft": ({"carol", "paula"}, {"filed", "acknowledged"}),
    "propose_meeting": ({"paula"}, {"filed", "acknowledged", "replied"}),
    "meeting_preference": ({"bob"}, {"open", "filed", "acknowledged", "replied"}),
    "export": ({"alice", "bob", "paula", "carol"}, FILED),
    "add_reader": ({"carol"}, FILED),
}

# Refusing these must not reveal there is anything to refuse: 404 instead of 403.
HIDDEN_WHEN_REFUSED = {"receipt"}


def expected(persona: str, action: str, state: str) -> type[DissentError] | None:
    if persona not in SEES[state]:
        return NotFound
    who, states = MAY[action]
    if persona not in who:
        return NotFound if action in HIDDEN_WHEN_REFUSED else NotAllowed
    if state not in states:
        return InvalidState
    if action == "sign" and persona == "bob":
        return AlreadyDone  # bob signed when the memo opened
    if action == "export" and persona == "bob":
        return NotAllowed  # the memo is marked SBU: a co-signer may read it but not export it
    return None


def _do(action: str) -> Callable[[Any, Person], object]:
    content = {
        "title": "Edited title",
        "summary": "Edited summary.",
        "body": "Edited body.",
        "policy_questioned": "Regional policy",
        "addressee": "paula",
        "marking": "SBU",
    }
    perform: dict[str, Callable[[Any, Person], object]] = {
        "view": lambda memo, who: policy.get_memo(who, memo.pk),
        "read_body": lambda memo, who: policy.get_memo(who, memo.pk, action=Action.READ_BODY),
        "edit": lambda memo, who: actions.edit_memo(memo, who, **content),
        "invite": lambda memo, who: actions.invite(memo, who, usernames=["erin"]),
        "open_call": lambda memo, who: calls.open_to(memo, who, unit=_whole_organisation().code),
        "open": actions.open_memo,
        "sign": lambda memo, who: actions.sign_memo(memo, who, visibility=Visibility.NAMED),
        "unsign": actions.withdraw_signature,
        "file": actions.file_memo,
        "acknowledge": lambda memo, who: responses.acknowledge_memo(memo, who, text="Received."),
        "reply": _approve_reply,
        "close": actions.close_memo,
        "withdraw": actions.withdraw_memo,
        "add_addendum": lambda memo, who: actions.add_addendum(memo, who, body="A correction."),
        "receipt": lambda memo, who: policy.get_memo(who, memo.pk, action=Action.RECEIPT),
        "extend": lambda memo, who: actions.extend_reply_deadline(
            memo, who, amount=5, reason="Awaiting input."
        ),
        "assign_reviewer": lambda memo, who: responses.assign_reviewer(memo, who, reviewer="peter"),
        "draft_reply": lambda memo, who: responses.draft_reply(memo, who, text="Our reply.", marking="SBU"),
        "see_reply_draft": lambda memo, who: policy.get_memo(who, memo.pk, action=Action.SEE_REPLY_DRAFT),
        "propose_meeting": lambda memo, who: responses.propose_meeting(
            memo, who, starts_at=timezone.now() + timedelta(days=7), place="Room 1"
        ),
        "export": lambda memo, who: policy.get_memo(who, memo.pk, action=Action.EXPORT),
        "add_reader": lambda memo, who: actions.add_reader(memo, who, username="erin", reason="Needs it."),
        "meeting_preference": lambda memo, who: responses.set_meeting_preference(
            memo, who, open_to_meeting=True
        ),
    }
    return perform[action]


def _whole_organisation() -> OrgUnit:
    return OrgUnit.objects.get_or_create(code="organisation", defaults={"name": "Organisation"})[0]


def _approve_reply(memo: Memo, who: Person) -> object:
    """Approval needs a draft by someone else: where the approver may approve, peter (a
    principal made reviewer) drafts it first; everyone else meets the policy's refusal."""
    if memo.state == "acknowledged" and who.username in {"carol", "paula"}:
        carol = Person.objects.get(username="carol")
        responses.assign_reviewer(memo, carol, reviewer="peter")
        responses.draft_reply(memo, Person.objects.get(username="peter"), text="Our reply.", marking="SBU")
    return responses.approve_reply(memo, who)


def took_effect(action: str, memo_id: int, who: Person) -> bool:
    memo = Memo.objects.get(pk=memo_id)
    new_state = {
        "open": "open",
        "file": "filed",
        "acknowledge": "acknowledged",
        "reply": "replied",
        "close": "closed",
        "withdraw": "withdrawn",
    }
    if action in new_state:
        return memo.state == new_state[action]
    checks: dict[str, Callable[[], bool]] = {
        "view": lambda: True,
        "read_body": lambda: True,
        "receipt": lambda: True,
        "extend": lambda: memo.extensions.exists(),
        "edit": lambda: memo.title == "Edited title",
        "invite": lambda: memo.invitations.filter(person__username="erin").exists(),
        "open_call": lambda: memo.call_unit is not None,
        "sign": lambda: actions.signature_of(memo, who) is not None,
        "unsign": lambda: actions.signature_of(memo, who) is None,
        "add_addendum": lambda: memo.addenda.filter(author=who).exists(),
        "assign_reviewer": lambda: memo.reviewer is not None and memo.reviewer.username == "peter",
        "draft_reply": lambda: Reply.objects.filter(memo=memo, author=who).exists(),
        "see_reply_draft": lambda: True,
        "export": lambda: True,
        "add_reader": lambda: memo.readers.filter(person__username="erin").exists(),
        "propose_meeting": lambda: memo.meetings.filter(proposed_by=who).exists(),
        "meeting_preference": lambda: getattr(actions.signature_of(memo, who), "open_to_meeting", False),
    }
    return checks[action]()


CELLS = [(p, a, s) for s in EVERY_STATE for a in MAY for p in PERSONAS]


def test_the_tables_cover_every_action_the_policy_knows() -> None:
    assert set(MAY) == {a.value for a in Action}


@pytest.mark.parametrize(("persona", "action", "state"), CELLS)
def test_access_matrix(cast: Cast, persona: str, action: str, state: str) -> None:
    memo = make_memo(
        MemoState(state),
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )
    who = getattr(cast, persona)
    outcome = expected(persona, action, state)

    if outcome is None:
        _do(action)(memo, who)
        assert took_effect(action, memo.pk, who)
    else:
        with pytest.raises(outcome):
            _do(action)(memo, who)
