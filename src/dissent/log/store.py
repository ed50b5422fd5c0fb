"""The Merkle tree's nodes as database rows: the NodeReader the proofs read through, and
the bulk writer the sequencer appends with. Both use plain SQL: they are the log's hot
paths (one indexed read per proof; tens of thousands of leaves a second on append).
Nodes are stored in tiles of six levels (log/tiles.py)."""

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from django.db import connection

from dissent.events.models import Event, PendingEvent

from . import merkle, tiles
from .models import LogEntry, LogTile

TILES = LogTile._meta.db_table
ENTRIES = LogEntry._meta.db_table
EVENTS = Event._meta.db_table
QUEUE = PendingEvent._meta.db_table


def get_tiles(keys: Collection[tiles.TileKey]) -> dict[tiles.TileKey, bytes]:
    """The stored tiles among `keys`, in one query (absent ones are simply left out)."""
    if not keys:
        return {}
    wanted = list(keys)
    if connection.vendor == "postgresql":
        import psycopg

        # Proofs' hot path: a prepared statement (one constant text whatever the number of
        # keys) with binary results, on psycopg's server-side-binding cursor; Django's own
        # cursor binds on the client, so each call would be parsed and planned again.
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                f'SELECT t.level, t."index", t.hashes FROM {TILES} t '  # noqa: S608
                'JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, "index") '
                'ON t.level = k.level AND t."index" = k."index"',
                [[level for level, _ in wanted], [index for _, index in wanted]],
                prepare=True,
                binary=True,
            )
            return {(level, index): data for level, index, data in cursor.fetchall()}
    with connection.cursor() as cursor:
        # An OR of key look-ups: SQLite answers `(level, "index") IN (VALUES ...)` by
        # reading the whole table, but each term of an OR with the primary key.
        terms = " OR ".join(['(level = %s AND "index" = %s)'] * len(wanted))
        cursor.execute(
            f'SELECT level, "index", hashes FROM {TILES} WHERE {terms}',  # noqa: S608
            [part for key in wanted for part in key],
        )
        return {(level, index): bytes(data) for level, index, data in cursor.fetchall()}


class DatabaseNodes:
    """Reads stored perfect-subtree nodes: the tiles holding all requested keys, in one
    query."""

    def get_nodes(self, keys: Collection[merkle.NodeKey]) -> Mapping[merkle.NodeKey, bytes]:
        if not keys:
            return {}
        return tiles.TileNodes(get_tiles(tiles.tiles_for(keys))).get_nodes(keys)


def find_leaf(leaf: bytes, tree_size: int) -> int | None:
    """The lowest index below `tree_size` whose leaf hash is `leaf`, if any. The database
    narrows the search to the bottom tiles containing those 32 bytes; which of their
    positions are leaves (not interior nodes) is decided here."""
    search = "position(%s IN hashes) > 0" if connection.vendor == "postgresql" else "instr(hashes, %s) > 0"
    last_tile = (tree_size - 1) >> tiles.HEIGHT
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "index", hashes FROM {TILES} WHERE level = 0 AND "index" <= %s AND {search} '  # noqa: S608
            'ORDER BY "index"',
            [last_tile, leaf],
        )
        for tile, data in cursor.fetchall():
            found = {(0, tile): bytes(data)}
            for index in range(tile << tiles.HEIGHT, min(tree_size, (tile + 1) << tiles.HEIGHT)):
                if tiles.node_in(found, 0, index) == leaf:
                    return index
    return None


def append_rows(
    entries: Iterable[tuple[int, int]], changed: Iterable[tuple[int, int, bytes, bool]], at: datetime
) -> None:
    """Insert log entries (index, event id) in bulk and store the changed tiles (level,
    index, content, stored before): COPY on PostgreSQL, executemany elsewhere. Runs inside
    the sequencer's transaction."""
    new: list[tuple[int, int, bytes]] = []
    grown: list[tuple[int, int, bytes]] = []
    for level, index, data, existed in changed:
        (grown if existed else new).append((level, index, data))
    with connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE {TILES} SET hashes = %s WHERE level = %s AND "index" = %s',  # noqa: S608
            [(data, level, index) for level, index, data in grown],
        )
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            moment = at.isoformat()
            with raw.copy(f'COPY {ENTRIES} ("index", event_id, sequenced_at) FROM STDIN') as copy:
                copy.write("".join([f"{index}\t{event_id}\t{moment}\n" for index, event_id in entries]))
            with raw.copy(f'COPY {TILES} (level, "index", hashes) FROM STDIN') as copy:
                for row in new:
                    copy.write_row(row)
            return
        cursor.executemany(
            f'INSERT INTO {ENTRIES} ("index", event_id, sequenced_at) VALUES (%s, %s, %s)',  # noqa: S608
            [(index, event_id, at) for index, event_id in entries],
        )
        cursor.executemany(f'INSERT INTO {TILES} (level, "index", hashes) VALUES (%s, %s, %s)', new)  # noqa: S608


def take_queued(limit: int) -> list[tuple[int, bytes]]:
    """The oldest `limit` queued events as (event id, canonical record as UTF-8 bytes).

    The queue is limited before the join: joined first, PostgreSQL merge-joins the whole
    event table from its first row on every batch, which grows with the log."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:  # binary: the bytes as stored
            cursor.execute(
                f"SELECT q.event_id, convert_to(e.record, 'UTF8') "  # noqa: S608
                f"FROM (SELECT event_id FROM {QUEUE} ORDER BY event_id LIMIT %s) q "
                f"JOIN {EVENTS} e ON e.id = q.event_id ORDER BY q.event_id",
                [limit],
                prepare=True,
                binary=True,
            )
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT q.event_id, e.record "  # noqa: S608
            f"FROM (SELECT event_id FROM {QUEUE} ORDER BY event_id LIMIT %s) q "
            f"JOIN {EVENTS} e ON e.id = q.event_id ORDER BY q.event_id",
            [limit],
        )
        return [(event_id, record.encode()) for event_id, record in cursor.fetchall()]


def drop_queued(event_ids: list[int]) -> None:
    """Take integrated events off the queue (by id: an older event may still be queued,
    committed after these were read)."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:  # binary: no quoting of 10,000 ids
            cursor.execute(f"DELETE FROM {QUEUE} WHERE event_id = ANY(%s)", [event_ids], binary=True)  # noqa: S608
        return
    with connection.cursor() as cursor:
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {QUEUE} WHERE event_id IN ({marks})", chunk)  # noqa: S608
