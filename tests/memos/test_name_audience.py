"""The signing form's "who sees your name" lines: a protected name is seen only by the
custodians outside the signer's chain of command, and the form names them."""

import pytest

from dissent.memos.models import MemoState
from dissent.memos.visibility import name_audience
from dissent.org.models import Role

from ..conftest import Cast
from ..factories import make_memo, make_person

pytestmark = pytest.mark.django_db


def test_a_protected_name_is_seen_by_custodians_outside_the_chain_of_command(cast: Cast) -> None:
    vera = make_person("vera", Role.CUSTODIAN)  # dave's supervisor, so above bob too
    cast.dave.supervisor = vera
    cast.dave.save()
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])

    audience = name_audience(memo, cast.bob)

    assert audience.protected == [cast.carol.display_name]
    assert audience.not_protected == [vera.display_name]
    # For someone outside that chain, both custodians would see it.
    assert name_audience(memo, cast.ivan).protected == [cast.carol.display_name, vera.display_name]
    assert name_audience(memo, cast.ivan).not_protected == []


def test_a_named_signature_is_seen_by_everyone_who_sees_the_memo(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])

    memo.refresh_from_db()
    named = name_audience(memo, cast.bob).named

    assert named[:3] == ["the drafters", "invited colleagues", "the signers"]
    assert "the channel's custodians" not in named  # not while it is open
    assert not any(cast.paula.display_name in line for line in named)  # open: not the addressee yet
    filed = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    filed.refresh_from_db()
    named = name_audience(filed, cast.bob).named
    assert any(cast.paula.display_name in line for line in named)
    assert "the channel's custodians" in named


def test_a_broken_supervisor_cycle_does_not_hang(cast: Cast) -> None:
    cast.dave.supervisor = cast.bob  # bob -> dave -> bob
    cast.dave.save()
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    assert name_audience(memo, cast.bob).protected == [cast.carol.display_name]
