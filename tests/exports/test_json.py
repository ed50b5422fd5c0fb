"""The JSON export: the memo, its signatures and its events as the reader may see them, and
nothing in it that gives back a protected signer's identity, not even through a hash."""

import hashlib
import json
from typing import Any

import pytest

from dissent.events.canonical import canonical_json, canonical_sha256
from dissent.events.models import Event, EventKind
from dissent.identities import signer_tag
from dissent.log.sequencer import integrate_pending
from dissent.memos import actions
from dissent.memos.models import Memo, Visibility
from dissent.org.models import Person, Role

from ..conftest import Cast, signed_in
from ..factories import make_person
from .support import SUMMARY, filed_memo


def export_json(person: Person, memo_id: int, *, via: str = "api") -> tuple[dict[str, Any], str]:
    client = signed_in(person)
    if via == "web":
        response = client.get(f"/memos/{memo_id}/export/json")
    else:
        response = client.get(f"/api/v1/memos/{memo_id}/export", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="memo-{memo_id}.json"'
    text = response.content.decode()
    return json.loads(text), text


def leaf_hash(record: str) -> str:
    return hashlib.sha256(b"\x00" + record.encode()).hexdigest()


def memo_with_protected_bob(cast: Cast) -> Memo:
    """bob (dave supervises him) signs protected, ivan named; bob also reads the memo."""
    memo = filed_memo(
        cast.alice,
        cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )
    actions.add_addendum(memo, cast.alice, body="One more thing.")
    assert signed_in(cast.bob).get(f"/memos/{memo.pk}/").status_code == 200
    return memo


@pytest.mark.parametrize("via", ["web", "api"])
def test_the_json_export_holds_the_memo_its_signatures_and_its_events(cast: Cast, via: str) -> None:
    memo = filed_memo(
        cast.alice,
        cast.paula,
        marking="UNCLASSIFIED",
        invitees=[cast.ivan],
        signers=[(cast.ivan, Visibility.NAMED)],
    )
    other = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED", title="Another memo")
    integrate_pending()

    data, _ = export_json(cast.alice, memo.pk, via=via)

    assert data["format"] == "dissent-channel/memo-export/v1"
    assert data["memo"]["id"] == memo.pk
    assert data["memo"]["title"] == "Change course"
    assert data["memo"]["summary"] == SUMMARY
    assert data["memo"]["content_sha256"] == memo.content_sha256
    assert data["memo"]["marking"]["code"] == "UNCLASSIFIED"
    assert data["marking"]["label"] == "UNCLASSIFIED"
    assert data["marking"]["line"] == "UNCLASSIFIED"
    assert data["marking"]["caveats"] == []
    assert data["signature_count"] == 1
    assert data["signatures"][0]["username"] == "ivan"
    assert data["receipt"]["pending"] is False
    assert data["receipt"]["content_sha256"] == memo.content_sha256
    kinds = [e["kind"] for e in data["events"]]
    assert kinds == ["memo.created", "memo.invited", "memo.opened", "memo.signed", "memo.filed"]
    assert {e["payload"]["memo"] for e in data["events"]} == {memo.pk}, f"events of memo {other.pk} leaked in"
    for event in data["events"]:
        assert event["withheld"] == []
        assert event["leaf_hash"] == leaf_hash(event["record"])
        assert event["payload_sha256"] == canonical_sha256(event["payload"])
        assert event["log_index"] is not None
        record = json.loads(event["record"])
        assert (record["kind"], record["at"], record["payload"]) == (
            event["kind"],
            event["at"],
            event["payload"],
        )
        assert record["actor"] == (event["actor"]["id"] if event["actor"] else None)


def test_the_json_carries_the_same_export_id_as_the_read_record(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula)

    data, _ = export_json(cast.alice, memo.pk)

    [event] = [
        e
        for e in Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo.pk)
        if "export" in e.payload
    ]
    assert event.payload["how"] == "export_json"
    assert event.payload["export"] == data["export"]["id"]
    assert data["export"]["exported_by"] == {"username": "alice", "name": "Alice Tester"}


def test_the_receipt_is_pending_until_the_log_has_the_filing(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula)

    data, _ = export_json(cast.alice, memo.pk)

    assert data["receipt"] == {"pending": True}


def test_the_drafter_sees_no_trace_of_who_signed_under_protection(cast: Cast) -> None:
    memo = memo_with_protected_bob(cast)
    bob = cast.bob

    data, text = export_json(cast.alice, memo.pk)

    assert "bob" not in text.lower()
    assert signer_tag(bob.pk) not in text, "bob's blind index would link his reads across memos"
    assert [s["name"] for s in data["signatures"]] == [None, "Ivan Tester"]
    for event in data["events"]:
        assert (event["actor"] or {}).get("id") != bob.pk
        assert f'"actor":{bob.pk},' not in (event["record"] or "")
    invited = [e for e in data["events"] if e["kind"] == "memo.invited"]
    assert [e["payload"].get("invitee") for e in invited] == [None, "ivan"]
    assert invited[0]["withheld"] == ["payload.invitee", "payload_sha256", "record", "leaf_hash"]
    protected_id = data["signatures"][0]["id"]
    [signed] = [
        e for e in data["events"] if e["kind"] == "memo.signed" and e["payload"]["signature"] == protected_id
    ]
    assert signed["at"] is None, "the time of a protected signature is as protected as the name"
    assert signed["record"] is None


def test_no_hash_in_the_drafters_export_confirms_a_guess_of_the_withheld_identity(cast: Cast) -> None:
    """Everything but the withheld part of an event is in the export, and the withheld
    part is a small guessable value: a hash over it would confirm a guess. Here the guess
    is the right one (bob, at the event's real time), and still nothing matches."""
    memo = memo_with_protected_bob(cast)

    data, text = export_json(cast.alice, memo.pk)

    withheld = {e["id"]: e for e in data["events"] if e["withheld"]}
    assert withheld, "the drafter's export withholds something about bob"
    for stored in Event.objects.filter(pk__in=withheld):
        fields = stored.canonical_fields()
        guesses = [stored.record, canonical_json({**fields, "actor": cast.bob.pk}).decode()]
        for guess in guesses:
            assert leaf_hash(guess) not in text
        if any(w.startswith("payload.") for w in withheld[stored.pk]["withheld"]):
            assert stored.payload_sha256 not in text


def test_a_custodian_outside_the_chain_of_command_sees_the_protected_signer(cast: Cast) -> None:
    memo = memo_with_protected_bob(cast)

    data, _ = export_json(cast.carol, memo.pk)

    assert [s["username"] for s in data["signatures"]] == ["bob", "ivan"]
    [invited_bob] = [e for e in data["events"] if e["payload"].get("invitee") == "bob"]
    assert invited_bob["withheld"] == []
    assert json.loads(invited_bob["record"])["payload"]["invitee"] == "bob"
    signed = [e for e in data["events"] if e["kind"] == "memo.signed"]
    assert all(e["at"] is not None for e in signed)


def test_a_custodian_in_the_signers_chain_of_command_does_not(db: None) -> None:
    cora = make_person("cora", Role.CUSTODIAN)
    boss = make_person("boss", Role.MEMBER, supervisor=cora)
    sam = make_person("sam", supervisor=boss)
    dina, pia = make_person("dina"), make_person("pia", Role.PRINCIPAL)
    memo = filed_memo(dina, pia, invitees=[sam], signers=[(sam, Visibility.PROTECTED)])

    data, text = export_json(cora, memo.pk)

    assert "sam" not in text.lower()
    assert data["signatures"][0]["name"] is None


def test_the_signer_sees_their_own_name_where_the_marking_lets_them_export(cast: Cast) -> None:
    memo = filed_memo(
        cast.alice,
        cast.paula,
        marking="UNCLASSIFIED",
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )

    data, _ = export_json(cast.bob, memo.pk)

    assert data["signatures"][0]["username"] == "bob"
    assert data["signatures"][0]["mine"] is True
    assert data["memo"]["body"]


def test_who_read_the_memo_stays_with_the_custodians(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula)
    assert signed_in(cast.carol).get(f"/memos/{memo.pk}/").status_code == 200
    assert signed_in(cast.alice).get(f"/memos/{memo.pk}/").status_code == 200

    for_alice, _ = export_json(cast.alice, memo.pk)
    for_carol, _ = export_json(cast.carol, memo.pk)

    alice_reads = [e for e in for_alice["events"] if e["kind"] == "memo.read"]
    assert [(e["actor"], e["at"] is None) for e in alice_reads] == [
        (None, True),  # carol's read: the read record is for custodians and auditors
        ({"id": cast.alice.pk, "username": "alice", "name": "Alice Tester"}, False),
    ]
    carol_reads = [e for e in for_carol["events"] if e["kind"] == "memo.read"]
    assert [e["actor"]["username"] for e in carol_reads] == ["carol", "alice", "alice"]
    assert all(e["withheld"] == [] for e in carol_reads)


def test_a_hostile_title_is_data_in_the_json_and_never_in_the_filename(cast: Cast) -> None:
    title = '../../etc/passwd <script>alert("x")</script>'  # one line: titles refuse line breaks
    memo = filed_memo(cast.alice, cast.paula, title=title)

    data, _ = export_json(cast.alice, memo.pk, via="web")

    assert data["memo"]["title"] == title
    assert "<script>" not in (data["memo"]["body_html"] or "")


def test_a_drafter_who_signs_under_protection_is_not_named_to_the_addressee(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula, signers=[(cast.alice, Visibility.PROTECTED)])

    for_paula, text = export_json(cast.paula, memo.pk)
    for_alice, _ = export_json(cast.alice, memo.pk)

    assert "alice" not in text.lower()
    created = [e for e in for_paula["events"] if e["kind"] == "memo.created"]
    assert created[0]["actor"] is None
    assert "actor" in created[0]["withheld"]
    assert [e["actor"]["username"] for e in for_alice["events"] if e["kind"] == "memo.created"] == ["alice"]


def test_a_custodians_export_that_names_protected_signers_is_recorded_as_such(cast: Cast) -> None:
    memo = memo_with_protected_bob(cast)

    export_json(cast.carol, memo.pk)
    for_alice, _ = export_json(cast.alice, memo.pk)

    shown = Event.objects.filter(
        kind=EventKind.MEMO_PROTECTED_NAMES_SHOWN, object_type="memo", object_id=memo.pk
    )
    assert [(e.actor_id, e.payload["how"], e.payload["names"]) for e in shown] == [
        (cast.carol.pk, "export_json", 1)
    ]
    [seen_by_alice] = [e for e in for_alice["events"] if e["kind"] == "memo.protected_names_shown"]
    assert seen_by_alice["actor"] is None
    assert seen_by_alice["at"] is None
