"""The Merkle tree's nodes as database rows: the NodeReader the proofs read through, and
the bulk writer the sequencer appends with. Both use plain SQL: they are the log's hot
paths (one indexed read per proof; tens of thousands of rows a second on append)."""

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from django.db import connection

from .models import LogEntry, LogNode

NODES = LogNode._meta.db_table
ENTRIES = LogEntry._meta.db_table


class DatabaseNodes:
    """Reads stored perfect-subtree nodes, all requested keys in one query."""

    def get_nodes(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        wanted = list(keys)
        rows = ", ".join(["(%s, %s)"] * len(wanted))
        params = [part for key in wanted for part in key]
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT level, "index", hash FROM {NODES} WHERE (level, "index") IN (VALUES {rows})',  # noqa: S608
                params,
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
