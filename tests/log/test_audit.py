"""verifylog over several chunks: on PostgreSQL the database hashes the leaves and vouches
for whole chunks (with connections of their own when verifylog runs outside a
transaction); whatever it cannot vouch for is checked row by row, which names the spot.

Chunks are made small here (128 leaves) so that a few hundred events span several."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dissent.events.models import Event, PendingEvent
from dissent.log import audit
from dissent.log.audit import verify_log
from dissent.log.models import LogEntry
from dissent.log.sequencer import integrate_pending

from .test_store import queue_events, sql

SMALL = 128


@pytest.fixture
def row_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Chunks of SMALL leaves; the starts of the chunks that were checked row by row."""
    monkeypatch.setattr(audit, "TOP", 7)
    monkeypatch.setattr(audit, "CHUNK", SMALL)
    starts: list[int] = []
    read_rows = audit._rows

    def rows(columns: audit.Columns, start: int) -> list[tuple[Any, ...]]:
        starts.append(start)
        return read_rows(columns, start)

    monkeypatch.setattr(audit, "_rows", rows)
    yield starts


def log(count: int, title: str = "") -> list[Event]:
    events = queue_events(count, title)
    while integrate_pending(batch_size=100) is not None:
        pass
    return events


def failure() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verifylog")
    return str(failed.value)


@pytest.mark.django_db
@pytest.mark.parametrize("check_columns", [True, False])
def test_an_untouched_log_is_vouched_for_by_postgresql_and_checked_by_rows_elsewhere(
    row_checked: list[int], check_columns: bool
) -> None:
    log(500)

    verdict = verify_log(record_outcome=False, check_columns=check_columns)

    assert verdict.ok and verdict.size == 500
    every_chunk = list(range(0, 500, SMALL))
    assert row_checked == ([] if connection.vendor == "postgresql" else every_chunk)


@pytest.mark.django_db
def test_records_beyond_ascii_are_hashed_as_their_utf8_bytes(row_checked: list[int]) -> None:
    """The database's leaf input (audit.LEAF_INPUT) is the record's UTF-8 bytes, as the
    sequencer hashed them: otherwise no chunk would be vouched for, and the rows would fail."""
    events = log(300, title="Kebijakan luar negeri — ubah arah ✓ “sekarang” 🕊")
    assert "—".encode() in events[0].record.encode()

    verdict = verify_log(record_outcome=False, check_columns=False)

    assert verdict.ok and verdict.size == 300
    assert row_checked == ([] if connection.vendor == "postgresql" else [0, SMALL, 2 * SMALL])


@pytest.mark.django_db
def test_only_the_chunk_with_a_changed_record_is_read_by_rows(row_checked: list[int]) -> None:
    log(500)
    victim = LogEntry.objects.get(index=300)
    changed = Event.objects.get(pk=victim.event_id).record.replace("named", "NAMED")

    sql("UPDATE events_event SET record = %s WHERE id = %s", [changed, victim.event_id])

    assert f"leaf 300 (event {victim.event_id}): the event does not hash to the logged leaf" in failure()
    if connection.vendor == "postgresql":
        assert row_checked == [256]


@pytest.mark.django_db
def test_fields_changed_in_one_chunk_send_only_that_chunk_to_rows(row_checked: list[int]) -> None:
    log(500)
    victim = LogEntry.objects.get(index=140)

    sql("UPDATE events_event SET kind = %s WHERE id = %s", ["memo.filed", victim.event_id])

    assert f"leaf 140 (event {victim.event_id}): the event's fields disagree with its record" in failure()
    if connection.vendor == "postgresql":
        assert row_checked == [128]
    assert verify_log(record_outcome=False, check_columns=False).ok


@pytest.mark.django_db
def test_entries_missing_at_the_end_of_a_chunk_are_named(row_checked: list[int]) -> None:
    log(300)

    sql('DELETE FROM log_logentry WHERE "index" >= 120 AND "index" < 128')

    assert "leaf 120 is missing: the log has a gap after 119" in failure()


@pytest.mark.django_db
def test_an_entry_below_zero_is_named(row_checked: list[int]) -> None:
    log(10)
    extra = queue_events(1)[0]
    PendingEvent.objects.filter(event=extra).delete()

    below_zero = 'INSERT INTO log_logentry ("index", event_id, sequenced_at) VALUES (-1, %s, %s)'
    sql(below_zero, [extra.pk, "2026-01-01"])

    assert "leaf 0 is missing: the log has a gap before -1" in failure()


@pytest.mark.django_db
def test_an_event_inside_a_logged_range_neither_logged_nor_queued_is_found(row_checked: list[int]) -> None:
    events = queue_events(400)
    lost = events[200]
    PendingEvent.objects.filter(event=lost).delete()  # its queue row gone, and never logged
    while integrate_pending(batch_size=100) is not None:
        pass

    assert f"event {lost.pk} is neither in the log nor queued for it" in failure()
    if connection.vendor == "postgresql":
        assert row_checked == [128]  # the one chunk whose id range holds an event it does not log


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_readers_share_its_snapshot(row_checked: list[int]) -> None:
    """verifylog on its own: PostgreSQL's readers are connections of their own, reading
    under the verifying transaction's exported snapshot."""
    log(700)

    assert verify_log(record_outcome=False).ok
    assert row_checked == ([] if connection.vendor == "postgresql" else list(range(0, 700, SMALL)))

    victim = LogEntry.objects.get(index=650)
    sql("UPDATE events_event SET record = record || ' ' WHERE id = %s", [victim.event_id])

    verdict = verify_log(record_outcome=False)
    assert not verdict.ok and verdict.size == 650
    assert f"(event {victim.event_id}): the event does not hash to the logged leaf" in verdict.message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_failure_in_the_first_chunk_stops_the_readers(row_checked: list[int]) -> None:
    log(1000)
    victim = LogEntry.objects.get(index=5)
    sql("UPDATE events_event SET record = %s WHERE id = %s", ["{not json", victim.event_id])
    named = f"leaf 5 (event {victim.event_id}): the event does not hash to the logged leaf"

    hashes_only = verify_log(record_outcome=False, check_columns=False)  # stops while readers read on
    with_columns = verify_log(record_outcome=False)  # the readers fail on the record; rows name it

    for verdict in (hashes_only, with_columns):
        assert not verdict.ok and verdict.size == 5 and named in verdict.message
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the readers' connections are closed
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            assert cursor.fetchone() == (1,)
