"""Filing receipts: issued to drafters and signers, verifiable offline, and useless
against a log that was rewritten after they were issued."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dissent.events.canonical import canonical_json, canonical_sha256
from dissent.events.models import Event, PendingEvent
from dissent.log.models import LogEntry, LogState, TreeHead
from dissent.log.queries import consistency, latest_tree_head
from dissent.log.receipts import filing_receipt
from dissent.log.sequencer import integrate_pending
from dissent.log.store import DatabaseNodes
from dissent.log.verify import check_receipt
from dissent.memos.models import Memo, MemoState, Visibility

from ..api.test_memos_api import api
from ..conftest import Cast
from ..factories import make_memo, make_person


def filed(cast: Cast) -> Memo:
    memo = make_memo(
        MemoState.FILED, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )  # fmt: skip
    integrate_pending()
    return memo


def test_drafters_and_signers_get_a_receipt_that_verifies(cast: Cast) -> None:
    memo = filed(cast)

    for person in [cast.alice, cast.bob, cast.ivan]:
        response = api(person).get(f"/memos/{memo.pk}/receipt")
        assert response.status_code == 200
        receipt = response.json()
        assert receipt["memo"] == memo.pk
        assert receipt["signature_count"] == 2
        assert receipt["content_sha256"] == memo.content_sha256
        assert check_receipt(receipt) == []


@pytest.mark.parametrize("persona", ["carol", "paula", "audrey", "erin", "dave"])
def test_anyone_else_gets_404(cast: Cast, persona: str) -> None:
    memo = filed(cast)

    response = api(getattr(cast, persona)).get(f"/memos/{memo.pk}/receipt")

    assert response.status_code == 404


def test_a_filing_not_yet_in_the_log_gets_409_and_a_retry_hint(cast: Cast) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    response = api(cast.alice).get(f"/memos/{memo.pk}/receipt")

    assert response.status_code == 409
    assert "not in the log yet" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(signature_count=r["signature_count"] + 1), "signature count differs"),
        (lambda r: r.update(content_sha256="0" * 64), "content hash differs"),
        (lambda r: r.update(memo=r["memo"] + 1), "not the filing of this memo"),
        (lambda r: r["event"].update(index=r["event"]["index"] + 1), "inclusion proof"),
        (
            lambda r: r["inclusion_proof"].reverse() or r["inclusion_proof"].append("00" * 32),
            "inclusion proof",
        ),
        (lambda r: r["tree_head"].update(tree_size=r["tree_head"]["tree_size"] + 1), "signature"),
        (lambda r: r.update(log_key_fingerprint="ab" * 32), "fingerprint"),
        (lambda r: r.update(tree_head="nonsense"), "malformed"),
    ],
)
def test_a_tampered_receipt_does_not_verify(cast: Cast, change: Any, reason: str) -> None:
    receipt = filing_receipt(filed(cast).pk)

    change(receipt)

    problems = check_receipt(receipt)
    assert problems
    assert any(reason in p for p in problems), problems


def test_a_receipt_verifies_against_a_later_head_of_the_same_log(cast: Cast) -> None:
    receipt = filing_receipt(filed(cast).pk)
    make_memo(MemoState.OPEN, drafter=cast.erin, addressee=cast.paula, title="Later memo")
    integrate_pending()
    later = latest_tree_head()
    assert later is not None and later["tree_size"] > receipt["tree_head"]["tree_size"]

    proof = consistency(receipt["tree_head"]["tree_size"], later["tree_size"])

    assert check_receipt(receipt, {"tree_head": later, "consistency_proof": proof["proof"]}) == []


def test_an_old_receipt_fails_against_a_log_rewritten_with_the_same_key(cast: Cast) -> None:
    receipt = filing_receipt(filed(cast).pk)
    # An administrator with the database and the log key changes an early event and
    # rebuilds the whole log so that it is consistent with itself again.
    created = Event.objects.get(kind="memo.created")
    created.payload["title"] = "Stay the course"
    created.payload_sha256 = canonical_sha256(created.payload)
    Event.objects.filter(pk=created.pk).update(
        payload=created.payload,
        payload_sha256=created.payload_sha256,
        record=canonical_json(created.canonical_fields()).decode(),
    )
    with connection.cursor() as cursor:
        for table in ["log_logentry", "log_logtile", "log_treehead"]:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute("INSERT INTO events_pendingevent (event_id) SELECT id FROM events_event")
    LogState.objects.filter(pk=1).update(size=0, root=b"")
    integrate_pending()
    call_command("verifylog")  # the rewritten log is consistent with itself...
    later = latest_tree_head()
    assert later is not None

    proof = consistency(receipt["tree_head"]["tree_size"], later["tree_size"])
    problems = check_receipt(receipt, {"tree_head": later, "consistency_proof": proof["proof"]})

    assert any("the log has been rewritten" in p for p in problems), problems  # ...but not with the receipt


def test_verifyreceipt_command_checks_a_file_and_a_later_head(cast: Cast, tmp_path: Path) -> None:
    receipt = filing_receipt(filed(cast).pk)
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(receipt))
    later = latest_tree_head()
    assert later is not None
    later_file = tmp_path / "later.json"
    later_file.write_text(json.dumps({"tree_head": later, "consistency_proof": []}))

    call_command("verifyreceipt", str(receipt_file), "--against", str(later_file))

    receipt["signature_count"] = 99
    receipt_file.write_text(json.dumps(receipt))
    with pytest.raises(CommandError, match="signature count differs"):
        call_command("verifyreceipt", str(receipt_file))


def test_log_api_serves_heads_and_proofs_to_anyone(cast: Cast, client: Any) -> None:
    filed(cast)
    size = LogState.objects.get(pk=1).size
    leaf = DatabaseNodes().get_nodes([(0, 1)])[0, 1].hex()

    head = client.get("/api/v1/log/sth")
    proof = client.get(f"/api/v1/log/consistency?first=2&second={size}")
    included = client.get(f"/api/v1/log/inclusion?leaf_hash={leaf}&tree_size={size}")

    assert head.status_code == 200 and head.json()["tree_size"] == size
    assert proof.status_code == 200 and proof.json()["tree_head"]["tree_size"] == size
    assert included.status_code == 200 and included.json()["leaf_index"] == 1
    assert client.get(f"/api/v1/log/consistency?first={size}&second=2").status_code == 400
    assert client.get(f"/api/v1/log/consistency?first=1&second={size + 1}").status_code == 400
    assert client.get(f"/api/v1/log/inclusion?leaf_hash=zz&tree_size={size}").status_code == 422
    assert client.get(f"/api/v1/log/inclusion?leaf_hash={'0' * 64}&tree_size={size}").status_code == 404
    assert TreeHead.objects.count() >= 1
    assert not PendingEvent.objects.exists()
    assert LogEntry.objects.count() == size


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_verifyreceipt_fetches_a_later_head_and_its_proof_from_a_live_channel(
    live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = {name: make_person(name) for name in ["alice", "bob", "erin"]}
    paula = make_person("paula", "principal")  # type: ignore[arg-type]
    memo = make_memo(
        MemoState.FILED, drafter=people["alice"], addressee=paula, invitees=[people["bob"]],
        signers=[(people["bob"], Visibility.NAMED)],
    )  # fmt: skip
    integrate_pending()
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(filing_receipt(memo.pk)))
    make_memo(MemoState.OPEN, drafter=people["erin"], addressee=paula, title="Later")
    integrate_pending()
    call_command("verifyreceipt", str(receipt_file), "--against", f"{live_server.url}/api/v1/log/sth")

    output = capsys.readouterr().out
    assert "receipt verified" in output
    assert f"and the log of size {LogState.objects.get(pk=1).size} extends it" in output
