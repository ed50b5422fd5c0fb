"""`dissent verifylog`: check the whole stored log against the stored events.

It recomputes every leaf from its event's record, checks that the record says what the
event's columns say, rebuilds the tree, compares every stored tile (every stored node)
with it, and checks the root and signature of every published tree head. It reports the
first inconsistency it meets.

It works a chunk of 16,384 leaves at a time rather than leaf by leaf: one list
comprehension hashes the chunk's records, each level of the chunk's subtrees is one more,
and the stored tiles are compared as whole byte strings. Only when a chunk disagrees does
it look leaf by leaf for the spot to name.
"""

import enum
import hashlib
import json
import queue
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dissent.events.models import Event, EventKind, PendingEvent, timestamp

from . import keys, merkle, tiles, treehead
from .models import LogEntry, LogState, LogTile, TreeHead

TOP = 14
CHUNK = 1 << TOP
"""Leaves verified at a time: a multiple of a tile's width, so chunks start on tile edges."""
CHANGED = "it was changed after it was logged, or the log was rewritten"
NOT_LEAF = "the event does not hash to the logged leaf"
DISAGREE = "the event's fields disagree with its record"
BELOW = "its stored nodes are not the hashes of the leaves below them"
Head = tuple[int, bytes, int, str, bytes]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    size: int
    message: str


class Reordered(Exception):
    """The entries did not come in index order when read in event order."""


class Failed(Exception):
    def __init__(self, size: int, message: str) -> None:
        super().__init__(message)
        self.verdict = Verdict(False, size, message)


def verify_log(*, record_outcome: bool = True, check_columns: bool = True) -> Verdict:
    verdict = _verify(check_columns=check_columns)
    if record_outcome:
        LogState.objects.filter(pk=1).update(
            verified_at=timezone.now(),
            verified_size=verdict.size,
            verified_ok=verdict.ok,
            verified_message=verdict.message,
        )
    return verdict


def _verify(*, check_columns: bool) -> Verdict:
    if not check_columns:
        return _attempt(Columns.SKIP)
    if connection.vendor != "postgresql":
        return _attempt(Columns.IN_PYTHON)
    try:
        return _attempt(Columns.IN_DATABASE)
    except (DatabaseError, psycopg.Error):  # a record that is not JSON at all: say which
        return _attempt(Columns.IN_PYTHON)


def _attempt(columns: "Columns") -> Verdict:
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":  # one snapshot for all queries below
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            try:
                return _walk(columns=columns, in_event_order=True)
            except Reordered:
                return _walk(columns=columns, in_event_order=False)
    except Failed as failed:
        return failed.verdict
    except LookupError as gone:
        return Verdict(False, 0, str(gone))


class Columns(enum.Enum):
    """How the check that each record says what its event's columns say is made: not at
    all (--skip-columns), per row in Python, or by PostgreSQL as it reads the rows (the
    record parsed as jsonb and compared with the object the columns make, as
    Event.canonical_fields builds it; about three times as fast)."""

    SKIP = "skip"
    IN_PYTHON = "python"
    IN_DATABASE = "database"


AGREES = """CASE WHEN ev.record = '' THEN true ELSE (ev.record::jsonb = jsonb_build_object(
    'v', 1, 'kind', ev.kind, 'actor', ev.actor_id,
    'object', jsonb_build_object('type', ev.object_type, 'id', ev.object_id),
    'at', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'payload', ev.payload, 'payload_sha256', ev.payload_sha256)) END"""
EMPTIED_UNLOGGED = "its record is empty and no logged purge names it"
#: The record of an event emptied by the retention purge (events/retention.py), as read.
EMPTIED = b"\x00"


class _Heads:
    """The published tree heads in size order, each checked once the leaves below it are."""

    def __init__(self) -> None:
        self.public_key = keys.signing_key().public_key()
        rows = TreeHead.objects.order_by("size").values_list(
            "size", "root", "timestamp_ms", "key_id", "signature"
        )
        self._rows = iter(rows)
        self.next: Head | None = None
        self._advance()
        while self.next is not None and self.next[0] == 0:
            self._advance()

    def _advance(self) -> None:
        row = next(self._rows, None)
        self.next = None if row is None else (row[0], bytes(row[1]), row[2], row[3], bytes(row[4]))

    def check_up_to(self, size: int, root_at: Callable[[int], bytes]) -> None:
        while self.next is not None and self.next[0] <= size:
            head_size, root, timestamp_ms, key_id, signature = self.next
            if root != root_at(head_size):
                raise Failed(
                    head_size, f"tree head {head_size}: its root is not the root of the stored leaves"
                )
            signed = treehead.as_json(head_size, root, timestamp_ms, key_id, signature)
            if (reason := treehead.check(signed, self.public_key)) is not None:
                raise Failed(head_size, f"tree head {head_size}: {reason}")
            self._advance()


class RootAt:
    """Roots of sizes inside the current chunk, from the chunk's levels and the edge before it."""

    def __init__(self, before: Sequence[bytes], start: int, levels: Sequence[Sequence[bytes]]) -> None:
        self.before, self.start, self.levels = list(before), start, levels

    def __call__(self, size: int) -> bytes:
        inside = [
            self.levels[level][index - (self.start >> level)]
            for level, index in merkle.perfect_subtrees(self.start, size)
        ]
        hashes = self.before + inside
        return merkle.fold(hashes) if hashes else merkle.EMPTY_ROOT


def _walk(*, columns: Columns, in_event_order: bool) -> Verdict:
    """Verify the whole log. The entries are read in event order first, which lets the
    database merge-join them with the events (about twice as fast as looking each event
    up); the sequencer logs events in id order, so that is index order too unless events
    committed out of order or an entry is missing: then (Reordered) the walk starts again
    in index order, which also finds and names a missing entry."""
    heads = _Heads()
    purged = _logged_purges()
    before = merkle.Frontier()  # over chunk roots: the tree left of the current chunk
    upper = _UpperTiles()
    sha256 = hashlib.sha256
    expected, root = 0, merkle.EMPTY_ROOT
    chunks = _chunks(columns, in_event_order)
    try:
        for rows, stored in chunks:
            start, count = expected, len(rows)
            if [row[0] for row in rows] != list(range(start, start + count)):
                if in_event_order:
                    raise Reordered
                _check_indices(rows, start)
            records = [row[2] for row in rows]
            first_bad, reason = count, ""
            if None in records:
                first_bad = records.index(None)
                reason = f"leaf {start + first_bad}: its event {rows[first_bad][1]} is missing"
                records = [record or b"\x00" for record in records]
            leaves = [sha256(record).digest() for record in records]
            if EMPTIED in records:
                bad = _take_purged_leaves(rows, records, leaves, stored, start, purged)
                if bad is not None and bad[0] < first_bad:
                    first_bad, reason = bad
            levels = tiles.build_levels(leaves, TOP)
            built = tiles.tiles_from_levels(levels)
            if stored != built:
                offset, problem = _first_difference(built, stored, leaves, rows, start)
                if offset < first_bad:
                    first_bad, reason = offset, problem
            if columns is Columns.IN_DATABASE and False in [row[3] for row in rows[:first_bad]]:
                first_bad = [row[3] for row in rows].index(False)
                reason = f"leaf {start + first_bad} (event {rows[first_bad][1]}): {DISAGREE}"
            if columns is Columns.IN_PYTHON:
                for offset, row in enumerate(rows[:first_bad]):
                    if not _record_agrees(row[2][1:], row[3:]):
                        first_bad = offset
                        reason = f"leaf {start + offset} (event {row[1]}): {DISAGREE}"
                        break
            root_at = RootAt(before.edge, start, levels)
            heads.check_up_to(start + first_bad, root_at)  # the heads over leaves verified so far
            if first_bad < count:
                return Verdict(False, start + first_bad, reason)
            expected += count
            root = root_at(expected)
            upper.add(1, levels[tiles.HEIGHT])
            if count == CHUNK:
                before.append(levels[TOP][0])
    finally:
        chunks.close()
    upper.finish()
    if heads.next is not None:
        return Verdict(False, expected, f"tree head {heads.next[0]} is beyond the {expected} stored leaves")
    stored_count = LogTile.objects.count()
    if stored_count != tiles.tile_count(expected):
        should = tiles.tile_count(expected)
        message = f"the node store holds {stored_count} tiles; a tree of {expected} leaves has {should}"
        return Verdict(False, expected, message)
    state = LogState.objects.get(pk=1)
    if state.size != expected or (state.size and bytes(state.root) != root):
        return Verdict(False, expected, f"the log state says size {state.size}, the stored leaves {expected}")
    lost = Event.objects.filter(~Exists(LogEntry.objects.filter(event=OuterRef("pk")))).exclude(
        Exists(PendingEvent.objects.filter(event=OuterRef("pk")))
    )
    if (missing := lost.values_list("pk", flat=True).first()) is not None:
        return Verdict(False, expected, f"event {missing} is neither in the log nor queued for it")
    return Verdict(True, expected, f"{expected} leaves and every tree head verify")


def _check_indices(rows: Sequence[tuple[Any, ...]], start: int) -> None:
    for offset, row in enumerate(rows):
        if row[0] != start + offset:
            raise Failed(
                start + offset, f"leaf {start + offset} is missing: the log has a gap before {row[0]}"
            )


def _first_difference(
    built: list[bytes],
    stored: list[bytes | None],
    leaves: list[bytes],
    rows: Sequence[tuple[Any, ...]],
    start: int,
) -> tuple[int, str]:
    """(offset in the chunk, message) of the first leaf or tile where the stored tree and the
    one rebuilt from the events part."""
    for number, (ours, theirs) in enumerate(zip(built, stored, strict=True)):
        if ours == theirs:
            continue
        tile = {(0, 0): theirs or b""}
        first = number * tiles.WIDTH
        for offset in range(first, min(len(leaves), first + tiles.WIDTH)):
            if tiles.node_in(tile, 0, offset - first) != leaves[offset]:
                event = rows[offset][1]
                message = f"leaf {start + offset} (event {event}): {NOT_LEAF}; {CHANGED}"
                return offset, message
        tile_index = (start >> tiles.HEIGHT) + number
        return first, f"tile 0/{tile_index}: {BELOW}"
    raise AssertionError("the tiles differ but no tile does")


class _UpperTiles:
    """Tiles above the bottom level, checked as their base nodes (the roots of the tiles
    below) are rebuilt; keeps the last tile of each level for the final root."""

    def __init__(self) -> None:
        self.pending: dict[int, list[bytes]] = {}
        self.first: dict[int, int] = {}

    def add(self, level: int, base: list[bytes]) -> None:
        waiting = self.pending.setdefault(level, [])
        waiting.extend(base)
        whole = len(waiting) - len(waiting) % tiles.WIDTH
        if whole:
            self._check(level, waiting[:whole])
            del waiting[:whole]

    def finish(self) -> None:
        level = 1
        while level in self.pending:
            if self.pending[level]:
                self._check(level, self.pending[level])
            level += 1

    def _check(self, level: int, base: list[bytes]) -> None:
        levels = tiles.build_levels(base, tiles.HEIGHT)
        built = tiles.tiles_from_levels(levels)
        first = self.first.get(level, 0)
        stored = _stored_tiles(level, first, len(built))
        if stored != built:
            number = next(i for i, pair in enumerate(zip(built, stored, strict=True)) if pair[0] != pair[1])
            leaf = (first + number) << ((level + 1) * tiles.HEIGHT)
            raise Failed(leaf, f"tile {level}/{first + number}: {BELOW}")
        self.first[level] = first + len(built)
        if len(levels[0]) < tiles.WIDTH * len(built):  # a partial tile: nothing above it yet
            return
        self.add(level + 1, levels[tiles.HEIGHT])


def _stored_tiles(level: int, first: int, count: int, cursor: Any = None) -> list[bytes | None]:
    """Stored tiles first .. first + count - 1 of a level, None where one is missing."""
    query = (
        f'SELECT "index", hashes FROM {LogTile._meta.db_table} '  # noqa: S608
        'WHERE level = %s AND "index" >= %s AND "index" < %s ORDER BY "index"'
    )
    if cursor is None:
        with connection.cursor() as cursor:
            cursor.execute(query, [level, first, first + count])
            rows = cursor.fetchall()
    else:
        rows = cursor.execute(query, [level, first, first + count]).fetchall()
    found = {index: bytes(data) for index, data in rows}
    return [found.get(index) for index in range(first, first + count)]


Chunk = tuple[list[tuple[Any, ...]], list[bytes | None]]


def _chunks(columns: Columns, in_event_order: bool) -> Generator[Chunk]:
    """Every log entry in index (or event) order, CHUNK at a time, as (index, event id, the
    leaf's input: 0x00 then the event's record as UTF-8 bytes[, the event's columns]),
    streamed from one query; with each chunk, the stored bottom tiles for its positions."""
    extra = {
        Columns.SKIP: "",
        Columns.IN_PYTHON: ", ev.kind, ev.actor_id, ev.object_type, ev.object_id, ev.created_at, ev.payload, "
        "ev.payload_sha256",
        Columns.IN_DATABASE: f", {AGREES}",
    }[columns]
    postgresql = connection.vendor == "postgresql"
    record = "'\\x00'::bytea || convert_to(ev.record, 'UTF8')" if postgresql else "CAST(ev.record AS BLOB)"
    query = f"""
        SELECT e."index", e.event_id, {record}{extra}
        FROM {LogEntry._meta.db_table} e
        LEFT JOIN {Event._meta.db_table} ev ON ev.id = e.event_id
        ORDER BY {"e.event_id" if in_event_order else 'e."index"'}
    """  # noqa: S608 - table names are ours
    if not postgresql:
        start = 0
        with connection.chunked_cursor() as cursor:
            cursor.execute(query)
            while rows := cursor.fetchmany(CHUNK):
                rows = [
                    (i, event, None if data is None else b"\x00" + bytes(data), *rest)
                    for i, event, data, *rest in rows
                ]
                yield rows, _stored_tiles(0, start >> tiles.HEIGHT, -(-len(rows) // tiles.WIDTH))
                start += len(rows)
        return
    connection.ensure_connection()
    raw = connection.connection
    # psycopg's own server-side cursor, in binary (bytes come as stored), read ahead by a
    # thread, with the tiles to compare, so that the database produces the next chunk
    # while this one is hashed.
    with raw.cursor(name="verifylog", binary=True) as cursor, raw.cursor() as tile_cursor:
        if in_event_order:  # a merge join of two index scans, which a cursor would not plan
            raw.execute("SET LOCAL enable_nestloop = off")
            raw.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute(query)
        if in_event_order:
            raw.execute("RESET enable_nestloop")
            raw.execute("RESET enable_hashjoin")
        position = [0]

        def fetch() -> Chunk | None:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                return None
            start = position[0]
            position[0] += len(rows)
            return rows, _stored_tiles(0, start >> tiles.HEIGHT, -(-len(rows) // tiles.WIDTH), tile_cursor)

        yield from _read_ahead(fetch)


def _read_ahead(fetch: Callable[[], Chunk | None]) -> Generator[Chunk]:
    """fetch() until it returns None, one result ahead, in a thread (psycopg waits for the
    server without the GIL, so the database and the hashing overlap)."""
    ready: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: Chunk | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def run() -> None:
        try:
            while (item := fetch()) is not None and put(item):
                pass
            put(None)
        except BaseException as error:  # handed to the reader, which raises it
            put(error)

    reader = threading.Thread(target=run, name="verifylog-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def _logged_purges() -> set[int]:
    """Events that a retention purge emptied, as named by `memo.purged` events that are
    themselves intact and in the log (their own leaves are verified in the walk)."""
    purges = Event.objects.filter(kind=EventKind.MEMO_PURGED, purged_at__isnull=True).filter(
        Exists(LogEntry.objects.filter(event=OuterRef("pk")))
    )
    named: set[int] = set()
    for payload in purges.values_list("payload", flat=True):
        if isinstance(payload, str):
            payload = json.loads(payload)
        named.update(int(event) for event in payload.get("events", []))
    return named


def _take_purged_leaves(
    rows: Sequence[tuple[Any, ...]],
    records: list[bytes],
    leaves: list[bytes],
    stored: list[bytes | None],
    start: int,
    purged: set[int],
) -> tuple[int, str] | None:
    """Where an event's record was emptied by a logged purge, the leaf the log stored
    stands in for the one that can no longer be recomputed; an emptied record that no
    logged purge names is the first problem returned."""
    first_tile = start >> tiles.HEIGHT
    for offset, record in enumerate(records):
        if record != EMPTIED or rows[offset][2] is None:
            continue
        event_id = rows[offset][1]
        if event_id not in purged:
            return (
                offset,
                f"leaf {start + offset} (event {event_id}): its record is empty and no logged purge names it",
            )
        key, position = tiles.locate(0, start + offset)
        tile = stored[key[1] - first_tile] if 0 <= key[1] - first_tile < len(stored) else None
        if tile is None or len(tile) < position + merkle.HASH_SIZE:
            return offset, f"leaf {start + offset} (event {event_id}): purged, and its stored leaf is missing"
        leaves[offset] = tile[position : position + merkle.HASH_SIZE]
    return None


def _record_agrees(record: bytes, columns: tuple[Any, ...]) -> bool:
    if not record:  # emptied by the retention purge: _take_purged_leaves decides
        return True
    try:
        return bool(json.loads(record) == _columns(columns))
    except ValueError:  # not JSON: it cannot say what the columns say
        return False


def _columns(row: tuple[Any, ...]) -> dict[str, Any]:
    """What the record must say, given the event's columns (the same fields as
    Event.canonical_fields, built without a model instance)."""
    kind, actor_id, object_type, object_id, created_at, payload, payload_sha256 = row
    if isinstance(payload, str):  # SQLite hands JSON back as text
        payload = json.loads(payload)
    if isinstance(created_at, str):
        created_at = datetime.fromisoformat(created_at)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return {
        "v": 1,
        "kind": kind,
        "actor": actor_id,
        "object": {"type": object_type, "id": object_id},
        "at": timestamp(created_at),
        "payload": payload,
        "payload_sha256": payload_sha256,
    }
