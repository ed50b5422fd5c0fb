"""The leak matrix: for each relation to a filed memo, every page and API route that shows
the memo, its signatures or its readers, with exactly what each may see.

The memo: drafted by alice, addressed to paula, signed by ivan (named) and bob (protected).
dave supervises bob and is himself a custodian here ("a custodian-like role" in bob's chain
of command); carol is a custodian outside it; peter another principal; audrey an auditor;
erin unrelated. The expectations are written out by hand, not derived from the policy.
"""

import json

import pytest
from django.test import Client

from dissent.memos.models import MemoState, Visibility
from dissent.org.models import Role

from ..conftest import Cast, signed_in
from ..factories import make_memo

PERSONAS = ["alice", "ivan", "bob", "dave", "carol", "paula", "peter", "audrey", "erin"]
SEES = {"alice", "ivan", "bob", "dave", "carol", "paula", "audrey"}  # dave and carol as custodians
SEES_BODY = SEES - {"audrey"}
SEES_BOBS_NAME = {"bob", "carol"}  # himself, and the custodian outside his chain
SEES_READ_RECORD = {"dave", "carol", "audrey"}

PAGES = {
    "page": "/memos/{id}/",
    "api": "/api/v1/memos/{id}",
    "api_signatures": "/api/v1/memos/{id}/signatures",
    "api_distribution": "/api/v1/memos/{id}/distribution",
    "read_record": "/memos/{id}/reads/",
}


def _setup(cast: Cast) -> tuple[int, dict[str, Client]]:
    cast.dave.role = Role.CUSTODIAN
    cast.dave.save()
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.ivan, Visibility.NAMED), (cast.bob, Visibility.PROTECTED)],
        title="Reconsider the arms embargo",
    )
    return memo.pk, {name: signed_in(getattr(cast, name)) for name in PERSONAS}


def _expected_status(persona: str, page: str) -> int:
    if persona not in SEES:
        return 404
    if page == "read_record" and persona not in SEES_READ_RECORD:
        return 403
    return 200


@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_shows_each_persona_exactly_what_they_may_see(cast: Cast, page: str) -> None:
    memo_id, clients = _setup(cast)
    for persona in PERSONAS:
        response = clients[persona].get(PAGES[page].format(id=memo_id))
        status = _expected_status(persona, page)
        assert response.status_code == status, (persona, page, response.status_code)
        text = response.content.decode().replace("Sign out Bob Tester", "")  # bob's own menu
        if status == 404:
            assert "Reconsider the arms embargo" not in text
        if status != 200 or persona == "bob":
            assert "Bob Tester" not in text or persona == "bob"
            continue
        lists_names = page in {"page", "api_signatures", "api_distribution"}
        shows_bob = "Bob Tester" in text or '"bob"' in text
        assert shows_bob == (persona in SEES_BOBS_NAME and lists_names), (persona, page)
        if page == "page":
            assert ("Because the policy fails on its own terms." in text) == (persona in SEES_BODY), persona
            assert "2 signatures" in text
        if page == "api":
            body = json.loads(text)
            assert body["signature_count"] == 2
            assert (body["body"] is not None) == (persona in SEES_BODY), persona
        if page == "api_signatures":
            body = json.loads(text)
            assert body["count"] == 2
            names = [s["name"] for s in body["signatures"]]
            assert "Ivan Tester" in names
            assert ("Bob Tester" in names) == (persona in SEES_BOBS_NAME), persona


def test_lists_show_the_memo_only_to_those_who_may_see_it(cast: Cast) -> None:
    _, clients = _setup(cast)
    for persona in PERSONAS:
        home = clients[persona].get("/").content.decode().replace("Sign out Bob Tester", "")
        api = clients[persona].get("/api/v1/memos").json()
        visible = persona in SEES
        assert ("Reconsider the arms embargo" in home) == visible, persona
        assert any(m["title"] == "Reconsider the arms embargo" for m in api) == visible, persona
        assert "Bob Tester" not in home


def test_the_read_record_never_names_a_protected_reader_to_the_chain_or_auditors(cast: Cast) -> None:
    memo_id, clients = _setup(cast)
    clients["bob"].get(f"/memos/{memo_id}/")  # bob reads his memo
    for persona in SEES_READ_RECORD:
        text = clients[persona].get(f"/memos/{memo_id}/reads/").content.decode()
        assert ("Bob Tester" in text) == (persona == "carol"), persona


def test_export_links_appear_only_for_those_the_marking_lets_export(cast: Cast) -> None:
    memo_id, clients = _setup(cast)  # marked SBU: co-signers read it but do not export it
    may_export = {"alice", "dave", "carol", "paula"}
    for persona in SEES:
        page = clients[persona].get(f"/memos/{memo_id}/").content.decode()
        assert (f"/memos/{memo_id}/export/pdf" in page) == (persona in may_export), persona
        status = clients[persona].get(f"/memos/{memo_id}/export/json").status_code
        assert status == (200 if persona in may_export else 403), persona


def test_every_reading_of_a_filed_memo_is_recorded_and_lists_carry_no_text(cast: Cast) -> None:
    from dissent.events.models import Event, EventKind

    memo_id, clients = _setup(cast)
    before = Event.objects.filter(kind=EventKind.MEMO_READ).count()

    listed = clients["alice"].get("/api/v1/memos").json()
    assert [m["body"] for m in listed] == [None] and [m["summary"] for m in listed] == [None]
    assert Event.objects.filter(kind=EventKind.MEMO_READ).count() == before  # a list is not a reading

    clients["alice"].get(f"/memos/{memo_id}/")
    clients["alice"].get(f"/api/v1/memos/{memo_id}")
    clients["alice"].get(f"/memos/{memo_id}/export/json")
    hows = list(
        Event.objects.filter(kind=EventKind.MEMO_READ).order_by("id").values_list("payload__how", flat=True)
    )
    assert hows[-3:] == ["page", "api", "export_json"]
