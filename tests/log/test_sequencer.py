"""The sequencer, verifylog and its tamper tests."""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dissent.events.models import Event, PendingEvent
from dissent.log import keys, merkle, treehead
from dissent.log.models import LogEntry, LogState, TreeHead
from dissent.log.receipts import tree_head_json
from dissent.log.sequencer import integrate_pending
from dissent.log.store import DatabaseNodes
from dissent.memos.models import MemoState, Visibility

from ..conftest import Cast, signed_in
from ..factories import make_memo


def logged_memo(cast: Cast, state: MemoState = MemoState.FILED) -> None:
    make_memo(
        state, drafter=cast.alice, addressee=cast.paula, custodian=cast.carol, invitees=[cast.bob],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )  # fmt: skip
    while integrate_pending(batch_size=3) is not None:
        pass


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def verifylog_failure() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verifylog")
    return str(failure.value)


def test_every_event_gets_the_next_index_and_a_signed_tree_head(cast: Cast) -> None:
    logged_memo(cast)

    events = list(Event.objects.order_by("pk").values_list("pk", flat=True))
    entries = list(LogEntry.objects.order_by("index").values_list("index", "event_id"))
    head = TreeHead.objects.order_by("-size").first()
    assert entries == list(enumerate(events))
    assert not PendingEvent.objects.exists()
    assert head is not None and head.size == len(events)
    assert bytes(head.root) == merkle.root(DatabaseNodes(), len(events))
    assert treehead.check(tree_head_json(head), keys.signing_key().public_key()) is None
    assert TreeHead.objects.count() == -(-len(events) // 3)  # one head per batch of three


def test_nothing_queued_publishes_nothing(cast: Cast) -> None:
    logged_memo(cast)
    heads = TreeHead.objects.count()

    assert integrate_pending() is None
    assert TreeHead.objects.count() == heads


def test_verifylog_passes_on_an_untouched_log(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    logged_memo(cast)

    call_command("verifylog")

    assert "log verified" in capsys.readouterr().out
    assert LogState.objects.get(pk=1).verified_ok is True


def test_changing_one_byte_of_an_event_is_found(cast: Cast) -> None:
    logged_memo(cast)
    victim = Event.objects.order_by("pk")[4]
    index = LogEntry.objects.get(event=victim).index

    sql(
        'UPDATE events_event SET record = replace(record, \'"kind":"\', \'"kind":" \') WHERE id = %s',
        [victim.pk],
    )

    message = verifylog_failure()
    assert f"leaf {index} (event {victim.pk})" in message
    assert "does not hash to the logged leaf" in message
    assert LogState.objects.get(pk=1).verified_ok is False


def test_changing_an_events_fields_but_not_its_record_is_found(cast: Cast) -> None:
    logged_memo(cast)
    victim = Event.objects.get(kind="memo.filed")

    sql("UPDATE events_event SET object_id = object_id + 1 WHERE id = %s", [victim.pk])

    assert "fields disagree with its record" in verifylog_failure()


def test_deleting_an_event_is_found(cast: Cast) -> None:
    logged_memo(cast)
    victim = Event.objects.order_by("pk")[2]
    index = LogEntry.objects.get(event=victim).index

    sql("DELETE FROM log_logentry WHERE event_id = %s", [victim.pk])
    sql("DELETE FROM events_event WHERE id = %s", [victim.pk])

    assert f"leaf {index} is missing" in verifylog_failure()


def test_swapping_two_events_is_found(cast: Cast) -> None:
    logged_memo(cast)
    first, second = Event.objects.order_by("pk")[1:3]

    sql("UPDATE events_event SET record = %s WHERE id = %s", [second.record, first.pk])
    sql("UPDATE events_event SET record = %s WHERE id = %s", [first.record, second.pk])

    assert f"(event {first.pk})" in verifylog_failure()


def test_rewriting_a_tree_head_is_found(cast: Cast) -> None:
    logged_memo(cast)
    head = TreeHead.objects.order_by("size")[1]

    sql("UPDATE log_treehead SET root = %s WHERE id = %s", [bytes(32), head.pk])

    assert f"tree head {head.size}: its root is not the root of the stored leaves" in verifylog_failure()


def test_a_forged_tree_head_signature_is_found(cast: Cast) -> None:
    logged_memo(cast)
    head = TreeHead.objects.order_by("size").last()
    assert head is not None

    sql("UPDATE log_treehead SET timestamp_ms = timestamp_ms + 1 WHERE id = %s", [head.pk])

    assert "signature on the tree head" in verifylog_failure()


def test_an_event_neither_logged_nor_queued_is_found(cast: Cast) -> None:
    logged_memo(cast, MemoState.OPEN)
    make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)  # queued, not yet integrated

    sql("DELETE FROM events_pendingevent")

    assert "neither in the log nor queued" in verifylog_failure()


def test_the_log_page_shows_size_latest_head_delay_and_verification(cast: Cast) -> None:
    logged_memo(cast)
    call_command("verifylog")
    head = TreeHead.objects.order_by("-size").first()
    assert head is not None

    html = signed_in(cast.audrey).get("/log/").content.decode()

    assert f'<dd class="log-size">{head.size}</dd>' in html
    assert bytes(head.root).hex() in html
    assert "Observed merge delay" in html
    assert "passed" in html


def test_the_log_key_follows_the_configured_var_dir(settings: Any, tmp_path: Path) -> None:
    before = keys.key_id()
    settings.VAR_DIR = tmp_path

    moved = keys.key_id()

    assert moved != before
    assert (tmp_path / "log_signing_key").exists()
