"""The stored tree over more than one tile: proofs, look-ups by leaf hash, verification
of events logged out of id order, and tampering with the stored nodes themselves."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dissent.events.canonical import canonical_json, canonical_sha256
from dissent.events.models import Event, EventKind, PendingEvent
from dissent.log import merkle, tiles
from dissent.log.audit import verify_log
from dissent.log.models import LogEntry, LogState, LogTile
from dissent.log.queries import inclusion
from dissent.log.sequencer import integrate_pending
from dissent.log.store import DatabaseNodes, find_leaf, get_tiles

pytestmark = pytest.mark.django_db


def queue_events(count: int, title: str = "") -> list[Event]:
    """Events as record_event writes them (without the memos they would be about); with a
    `title`, each payload carries it."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for i in range(count):
        payload: dict[str, object] = {"memo": i // 10, "signature": i, "visibility": "named"}
        if title:
            payload["title"] = title
        event = Event(
            kind=EventKind.MEMO_SIGNED, actor_id=None, object_type="memo", object_id=i // 10,
            created_at=start + timedelta(milliseconds=i), payload=payload,
            payload_sha256=canonical_sha256(payload),
        )  # fmt: skip
        event.record = canonical_json(event.canonical_fields()).decode()
        events.append(event)
    created = Event.objects.bulk_create(events)
    PendingEvent.objects.bulk_create([PendingEvent(event_id=event.pk) for event in created])
    return created


def logged(count: int, batches: list[int]) -> list[bytes]:
    """Log `count` new events in batches of the given sizes; their leaf hashes, in order."""
    events = queue_events(count)
    for batch in batches:
        integrate_pending(batch_size=batch)
    while integrate_pending(batch_size=1000) is not None:
        pass
    return [merkle.leaf_hash(event.record.encode()) for event in events]


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def rewrite_node(level: int, index: int) -> None:
    """Flip one bit of a stored node, as someone editing the tile table would."""
    (tile_level, tile_index), offset = tiles.locate(level, index)
    data = bytearray(LogTile.objects.get(level=tile_level, index=tile_index).hashes)
    data[offset] ^= 1
    sql(
        'UPDATE log_logtile SET hashes = %s WHERE level = %s AND "index" = %s',
        [bytes(data), tile_level, tile_index],
    )


def verifylog_failure() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verifylog")
    return str(failure.value)


def test_proofs_and_roots_over_several_tile_levels_are_rfc_9162() -> None:
    leaves = logged(4200, [1, 62, 1, 700, 64, 2000])
    reference = merkle.MemoryNodes(merkle.tree_nodes_from_leaves(leaves))
    stored = DatabaseNodes()

    assert LogState.objects.get(pk=1).size == 4200
    assert {level for level, _ in LogTile.objects.values_list("level", "index")} == {0, 1, 2}
    for size in [1, 63, 64, 65, 4095, 4096, 4200]:
        assert merkle.root(stored, size) == merkle.root(reference, size)
    for index, size in [(0, 4200), (63, 64), (64, 4200), (4095, 4096), (4199, 4200), (1234, 3000)]:
        assert merkle.inclusion_proof(stored, index, size) == merkle.inclusion_proof(reference, index, size)
    for old, new in [(1, 4200), (64, 4200), (4096, 4200), (777, 2000)]:
        assert merkle.consistency_proof(stored, old, new) == merkle.consistency_proof(reference, old, new)
    assert verify_log(record_outcome=False).ok


def test_a_leaf_is_found_by_its_hash_in_any_tile_but_not_beyond_the_tree_size() -> None:
    leaves = logged(300, [100])

    for index in [0, 63, 64, 200, 299]:
        assert find_leaf(leaves[index], 300) == index
        assert inclusion(leaves[index], 300)["leaf_index"] == index
    assert find_leaf(leaves[200], 200) is None
    interior = DatabaseNodes().get_nodes([(1, 0)])[1, 0]
    assert find_leaf(interior, 300) is None  # an interior node is not a leaf


def test_events_logged_out_of_id_order_verify() -> None:
    events = queue_events(100)
    late = events[10]
    PendingEvent.objects.filter(event=late).delete()  # committed late: not queued yet
    integrate_pending()
    PendingEvent.objects.create(event=late)
    integrate_pending()

    assert LogEntry.objects.get(event=late).index == 99
    assert verify_log(record_outcome=False).ok


def test_a_stored_leaf_changed_in_its_tile_is_found() -> None:
    logged(200, [])
    victim = LogEntry.objects.get(index=130)

    rewrite_node(0, 130)

    message = verifylog_failure()
    assert f"leaf 130 (event {victim.event_id}): the event does not hash to the logged leaf" in message


@pytest.mark.parametrize(
    ("level", "index", "tile"), [(1, 3, "tile 0/0"), (5, 2, "tile 0/1"), (6, 1, "tile 1/0")]
)
def test_a_stored_interior_node_changed_is_found(level: int, index: int, tile: str) -> None:
    logged(200, [])

    rewrite_node(level, index)

    assert f"{tile}: its stored nodes are not the hashes of the leaves below them" in verifylog_failure()


def test_a_tile_beyond_the_tree_is_found() -> None:
    logged(70, [])

    sql('INSERT INTO log_logtile (level, "index", hashes) VALUES (0, 5, %s)', [bytes(32)])

    assert "the node store holds 4 tiles; a tree of 70 leaves has 3" in verifylog_failure()


def test_a_record_that_is_not_json_is_named() -> None:
    logged(100, [])
    victim = LogEntry.objects.get(index=40)

    sql("UPDATE events_event SET record = %s WHERE id = %s", ["{not json", victim.event_id])

    assert (
        f"leaf 40 (event {victim.event_id}): the event does not hash to the logged leaf"
        in verifylog_failure()
    )


def test_fields_that_disagree_with_the_record_are_named_in_a_big_log() -> None:
    logged(20_000, [])
    victim = LogEntry.objects.get(index=17_000)

    sql("UPDATE events_event SET payload_sha256 = %s WHERE id = %s", ["0" * 64, victim.event_id])

    assert (
        f"leaf 17000 (event {victim.event_id}): the event's fields disagree with its record"
        in verifylog_failure()
    )
    assert verify_log(record_outcome=False, check_columns=False).ok


def test_tiles_are_read_by_key_however_many_are_asked_for() -> None:
    logged(4200, [])
    stored = {(tile.level, tile.index): bytes(tile.hashes) for tile in LogTile.objects.all()}
    wanted = [*sorted(stored)[:9], (0, 999), (5, 0)]  # more than one padded group, two absent

    for count in [1, 7, 8, 9, len(wanted)]:
        keys = wanted[:count]
        assert get_tiles(keys) == {key: stored[key] for key in keys if key in stored}
