"""Distribution: the explicit list of who may read a filed memo, and readers added by a
custodian with a reason. Everyone else gets a 404."""

import pytest

from dissent.errors import AlreadyDone, InvalidInput, NotFound
from dissent.events.models import Event, EventKind
from dissent.memos import actions, policy
from dissent.memos.models import MemoState, Visibility
from dissent.memos.policy import Action

from ..conftest import Cast, signed_in
from ..factories import make_memo
from .test_pages import post


def _filed(cast: Cast):  # type: ignore[no-untyped-def]
    return make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )


def test_the_memo_page_lists_who_may_read_it_without_protected_names(cast: Cast) -> None:
    memo = _filed(cast)
    page = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()
    assert "Distribution: who may read this memo" in page
    for name in ["Paula Tester", "Carol Tester", "Alice Tester", "Ivan Tester"]:
        assert name in page
    assert "and 1 signer(s) whose names are protected" in page
    assert "Bob Tester" not in page


def test_a_custodian_adds_a_reader_with_a_reason_everyone_can_read(cast: Cast) -> None:
    memo = _filed(cast)
    assert signed_in(cast.erin).get(f"/memos/{memo.pk}/").status_code == 404

    response = post(
        signed_in(cast.carol), f"/memos/{memo.pk}/readers/", {"username": "erin", "reason": "Desk officer"}
    )

    assert response.status_code == 302
    assert signed_in(cast.erin).get(f"/memos/{memo.pk}/").status_code == 200
    page = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()
    assert "Erin Tester" in page and "added by Carol Tester: Desk officer" in page
    event = Event.objects.get(kind=EventKind.MEMO_READER_ADDED)
    assert event.payload == {"memo": memo.pk, "reader": cast.erin.pk, "reason": "Desk officer"}


def test_an_added_reader_reads_but_does_not_export_or_see_protected_names(cast: Cast) -> None:
    memo = _filed(cast)
    actions.add_reader(memo, cast.carol, username="erin", reason="Desk officer")
    assert policy.can(cast.erin, Action.READ_BODY, memo)
    assert not policy.can(cast.erin, Action.EXPORT, memo)
    assert "Bob Tester" not in signed_in(cast.erin).get(f"/memos/{memo.pk}/").content.decode()


def test_adding_readers_is_checked(cast: Cast) -> None:
    memo = _filed(cast)
    with pytest.raises(InvalidInput):
        actions.add_reader(memo, cast.carol, username="nobody", reason="x")
    with pytest.raises(InvalidInput):
        actions.add_reader(memo, cast.carol, username="erin", reason="  ")
    with pytest.raises(AlreadyDone):
        actions.add_reader(memo, cast.carol, username="paula", reason="She is the addressee")
    with pytest.raises(NotFound):
        actions.add_reader(memo, cast.erin, username="dave", reason="I want to share it")
    assert not memo.readers.exists()
    refused = post(signed_in(cast.alice), f"/memos/{memo.pk}/readers/", {"username": "erin", "reason": "x"})
    assert refused.status_code == 403 and not memo.readers.exists()


def test_the_api_adds_readers_and_lists_the_distribution(cast: Cast) -> None:
    import json

    from ..api.test_memos_api import api

    memo = _filed(cast)
    carol = api(cast.carol)
    added = carol.post(f"/memos/{memo.pk}/readers", {"username": "erin", "reason": "Desk officer"})
    assert added.status_code == 201, added.content
    listed = api(cast.alice).get(f"/memos/{memo.pk}/distribution").json()
    assert {
        "who": "Added reader",
        "names": ["Erin Tester"],
        "note": "added by Carol Tester: Desk officer",
    } in listed
    assert "Bob Tester" not in json.dumps(listed)
    assert api(cast.dave).get(f"/memos/{memo.pk}/distribution").status_code == 404
