"""The Merkle tree's nodes as database rows: the NodeReader the proofs read through, and
the bulk writer the sequencer appends with. Both use plain SQL: they are the log's hot
paths (one indexed read per proof; tens of thousands of rows a second on append)."""

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from django.db import connection

from dissent.events.models import Event, PendingEvent

from .models import LogEntry, LogNode

NODES = LogNode._meta.db_table
ENTRIES = LogEntry._meta.db_table
EVENTS = Event._meta.db_table
QUEUE = PendingEvent._meta.db_table


class DatabaseNodes:
    """Reads stored perfect-subtree nodes, all requested keys in one query."""

    def get_nodes(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        wanted = list(keys)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One constant statement text, so psycopg prepares it once per connection.
                keys_table = 'unnest(%s::smallint[], %s::bigint[]) AS k(level, "index")'
                cursor.execute(
                    f'SELECT n.level, n."index", n.hash FROM {NODES} n JOIN {keys_table} '  # noqa: S608
                    'ON n.level = k.level AND n."index" = k."index"',
                    [[level for level, _ in wanted], [index for _, index in wanted]],
                )
            else:
                rows = ", ".join(["(%s, %s)"] * len(wanted))
                cursor.execute(
                    f'SELECT level, "index", hash FROM {NODES} WHERE (level, "index") IN (VALUES {rows})',  # noqa: S608
                    [part for key in wanted for part in key],
                )
            found = {(level, index): bytes(digest) for level, index, digest in cursor.fetchall()}
        missing = [key for key in wanted if key not in found]
        if missing:
            raise KeyError(f"log nodes missing from the store: {missing[:5]}")
        return found


def append_rows(
    entries: Iterable[tuple[int, int]], nodes: Iterable[tuple[int, int, bytes]], at: datetime
) -> None:
    """Insert log entries (index, event id) and nodes (level, index, hash) in bulk: COPY on
    PostgreSQL, executemany elsewhere. Runs inside the sequencer's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f'COPY {ENTRIES} ("index", event_id, sequenced_at) FROM STDIN') as copy:
                for index, event_id in entries:
                    copy.write_row((index, event_id, at))
            with raw.copy(f'COPY {NODES} (level, "index", hash) FROM STDIN') as copy:
                for row in nodes:
                    copy.write_row(row)
            return
        cursor.executemany(
            f'INSERT INTO {ENTRIES} ("index", event_id, sequenced_at) VALUES (%s, %s, %s)',  # noqa: S608
            [(index, event_id, at) for index, event_id in entries],
        )
        cursor.executemany(f'INSERT INTO {NODES} (level, "index", hash) VALUES (%s, %s, %s)', list(nodes))  # noqa: S608


def take_queued(limit: int) -> list[tuple[int, str]]:
    """The oldest `limit` queued events as (event id, canonical record)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT q.event_id, e.record FROM {QUEUE} q JOIN {EVENTS} e ON e.id = q.event_id "  # noqa: S608
            "ORDER BY q.event_id LIMIT %s",
            [limit],
        )
        return [(event_id, record) for event_id, record in cursor.fetchall()]


def drop_queued(event_ids: list[int]) -> None:
    """Take integrated events off the queue (by id: an older event may still be queued,
    committed after these were read)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {QUEUE} WHERE event_id = ANY(%s)", [event_ids])  # noqa: S608
            return
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {QUEUE} WHERE event_id IN ({marks})", chunk)  # noqa: S608
