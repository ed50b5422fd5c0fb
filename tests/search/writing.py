"""Memos with chosen texts, brought to a state through the real actions."""

from dissent.memos import actions
from dissent.memos.models import Memo, MemoState
from dissent.org.models import Person


def write(
    drafter: Person,
    addressee: Person,
    *,
    title: str,
    body: str,
    summary: str = "",
    policy: str = "Regional policy",
    state: MemoState = MemoState.FILED,
    marking: str = "SBU",
    invitees: list[Person] = (),  # type: ignore[assignment]
) -> Memo:
    memo = actions.create_memo(
        drafter,
        title=title,
        summary=summary or title,
        body=body,
        policy_questioned=policy,
        addressee=addressee.username,
        marking=marking,
    )
    if invitees:
        actions.invite(memo, drafter, usernames=[p.username for p in invitees])
    if state == MemoState.DRAFT:
        return memo
    actions.open_memo(memo, drafter)
    if state == MemoState.OPEN:
        return memo
    if state == MemoState.WITHDRAWN:
        return actions.withdraw_memo(memo, drafter)
    assert state == MemoState.FILED, "later states: use tests.factories"
    return actions.file_memo(memo, drafter)
