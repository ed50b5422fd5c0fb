"""Opening a memo to colleagues: who may then find and co-sign it, and who may not."""

import pytest

from dissent.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from dissent.events.models import Event, EventKind
from dissent.markings.models import Caveat
from dissent.memos import actions, calls, caveats, policy
from dissent.memos.models import MemoState, Visibility
from dissent.memos.visibility import who_can_see
from dissent.search import similar
from dissent.search.queries import SearchQuery, search
from dissent.search.similarity import MemoText
from tests.conftest import Cast, csrf, signed_in
from tests.factories import make_memo, make_person, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(cast: Cast) -> dict[str, object]:
    ministry = make_unit("ministry")
    embassy = make_unit("embassy", parent=ministry)
    trade = make_unit("trade", parent=ministry)
    return {
        "ministry": ministry,
        "embassy": embassy,
        "trade": trade,
        "ema": make_person("ema", unit=embassy),
        "tom": make_person("tom", unit=trade),
    }


def open_memo(cast: Cast):  # type: ignore[no-untyped-def]
    return make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, title="Rethink the levy")


def test_a_memo_open_to_invited_colleagues_only_is_hidden_from_others(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    with pytest.raises(NotFound):
        policy.get_memo(units["ema"], memo.pk)


def test_opening_it_to_a_unit_lets_everyone_below_find_and_sign_it(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    calls.open_to(memo, cast.alice, unit="embassy")
    ema, tom = units["ema"], units["tom"]
    assert policy.get_memo(ema, memo.pk).pk == memo.pk
    assert [h.memo.pk for h in search(ema, SearchQuery(text="levy")).hits] == [memo.pk]
    with pytest.raises(NotFound):
        policy.get_memo(tom, memo.pk)  # trade is not below the embassy
    assert search(tom, SearchQuery(text="levy")).total == 0
    actions.sign_memo(memo, ema, visibility=Visibility.PROTECTED)
    event = Event.objects.filter(kind=EventKind.MEMO_CALL_SET).get()
    assert event.payload == {"memo": memo.pk, "unit": "embassy"} and event.actor_id == cast.alice.pk


def test_the_whole_organisation_and_suggestions(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    draft = MemoText(title="Rethink the levy", summary="Change course", body="Because the policy fails.")
    assert similar.suggestions(units["tom"], draft) == []
    calls.open_to(memo, cast.alice, unit="ministry")
    assert [s.memo.pk for s in similar.suggestions(units["tom"], draft)] == [memo.pk]


def test_once_filed_only_those_who_signed_keep_seeing_it(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    calls.open_to(memo, cast.alice, unit="ministry")
    actions.sign_memo(memo, units["ema"], visibility=Visibility.NAMED)
    actions.file_memo(memo, cast.alice)
    assert policy.get_memo(units["ema"], memo.pk).pk == memo.pk
    with pytest.raises(NotFound):
        policy.get_memo(units["tom"], memo.pk)


def test_closing_the_call_hides_it_again_but_keeps_signatures(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    calls.open_to(memo, cast.alice, unit="ministry")
    actions.sign_memo(memo, units["ema"], visibility=Visibility.NAMED)
    calls.open_to(memo, cast.alice, unit=None)
    assert policy.get_memo(units["ema"], memo.pk).pk == memo.pk, "a signer still sees it"
    with pytest.raises(NotFound):
        policy.get_memo(units["tom"], memo.pk)
    assert Event.objects.filter(kind=EventKind.MEMO_CALL_SET).count() == 2


def test_only_drafters_choose_and_only_before_filing(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.ivan])
    with pytest.raises(NotAllowed):
        calls.open_to(memo, cast.ivan, unit="ministry")
    with pytest.raises(NotFound):
        calls.open_to(memo, cast.erin, unit="ministry")
    filed = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)
    with pytest.raises(InvalidState):
        calls.open_to(filed, cast.alice, unit="ministry")
    with pytest.raises(InvalidInput):
        calls.open_to(memo, cast.alice, unit="no-such-unit")
    assert not Event.objects.filter(kind=EventKind.MEMO_CALL_SET).exists()


def test_caveats_and_calls_never_disagree(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    embassy_only = Caveat.objects.create(code="emb-only", label="Embassy only")
    embassy_only.units.add(units["embassy"])
    ema = units["ema"]
    memo = make_memo(MemoState.OPEN, drafter=ema, addressee=cast.paula)
    calls.open_to(memo, ema, unit="ministry")
    with pytest.raises(InvalidInput, match="Ministry"):
        caveats.set_caveats(memo, ema, codes=["emb-only"])
    calls.open_to(memo, ema, unit="embassy")
    caveats.set_caveats(memo, ema, codes=["emb-only"])
    with pytest.raises(InvalidInput, match="emb-only"):
        calls.open_to(memo, ema, unit="ministry")
    memo.refresh_from_db()
    assert memo.call_unit.code == "embassy"


def test_the_who_can_see_panel_names_the_unit(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    assert not any("Embassy" in line for line in who_can_see(memo).body)
    memo = calls.open_to(memo, cast.alice, unit="embassy")
    assert any("everyone in Embassy" in line for line in who_can_see(memo).body)


def test_the_page_and_the_api(cast: Cast, units) -> None:  # type: ignore[no-untyped-def]
    memo = open_memo(cast)
    client = signed_in(cast.alice)
    page = client.get(f"/memos/{memo.pk}/").content.decode()
    assert f'action="/memos/{memo.pk}/call/"' in page
    response = client.post(
        f"/memos/{memo.pk}/call/", {"unit": "embassy", "csrfmiddlewaretoken": csrf(client)}
    )
    assert response.status_code == 302
    response = client.put(
        f"/api/v1/memos/{memo.pk}/call", {"unit": "trade"}, content_type="application/json",
        headers={"X-CSRFToken": csrf(client)},
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["open_to_unit"] == "trade"
    bad = client.put(
        f"/api/v1/memos/{memo.pk}/call", {"unit": "atlantis"}, content_type="application/json",
        headers={"X-CSRFToken": csrf(client)},
    )  # fmt: skip
    assert bad.status_code == 400 and "atlantis" in bad.json()["detail"]
    memo.refresh_from_db()
    assert memo.call_unit.code == "trade"
