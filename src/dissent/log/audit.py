"""`dissent verifylog`: check the whole stored log against the stored events.

It recomputes every leaf from its event's record, checks that the record says what the
event's columns say, rebuilds the tree, compares every stored tile (every stored node)
with it, and checks the root and signature of every published tree head. It reports the
first inconsistency it meets.

It works a chunk of 16,384 leaves at a time rather than leaf by leaf: the chunk's leaf
hashes, then one list comprehension a level for its subtrees, and the stored tiles are
compared as whole byte strings. Only when a chunk disagrees does it read the chunk's rows
and look leaf by leaf for the spot to name.

On PostgreSQL the leaf hashes come from the database: two connections, reading under the
snapshot of the verifying transaction, each return a chunk as three values (the logged
event ids in index order, the ids of the events in that id range, and the SHA-256 of every
leaf input, computed by PostgreSQL's sha256()), so the records never travel as rows and
hashing them runs on both cores while Python builds the tree. Whatever those values cannot
vouch for (an id that differs, a count, a tile that disagrees) is checked again from the
rows, in Python, which names the spot.
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
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from psycopg import sql

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
            return _walk(columns=columns, snapshot_readers=outermost)
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


def _walk(*, columns: Columns, snapshot_readers: bool) -> Verdict:
    """Verify the whole log, a chunk of leaves at a time in index order."""
    heads = _Heads()
    purged = _logged_purges()
    before = merkle.Frontier()  # over chunk roots: the tree left of the current chunk
    upper = _UpperTiles()
    expected, root = 0, merkle.EMPTY_ROOT
    covered: list[tuple[int, int]] = []  # event ids that vouched chunks show are all logged
    end = _extent()
    chunks = _read_chunks(columns, range(0, end, CHUNK), snapshot_readers)
    try:
        for quick in chunks:
            start, count = expected, min(CHUNK, end - expected)
            levels = _vouched_levels(quick, count)
            first_bad, reason = count, ""
            if levels is not None:
                covered.append(quick.events)
            else:
                rows = _rows(columns, start)
                levels, first_bad, reason = _check_rows(rows, count, quick.stored, start, columns, purged)
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
    if (missing := _first_lost(covered)) is not None:
        return Verdict(False, expected, f"event {missing} is neither in the log nor queued for it")
    return Verdict(True, expected, f"{expected} leaves and every tree head verify")


def _first_lost(covered: list[tuple[int, int]]) -> int | None:
    """The first event neither logged nor queued, looked for outside the `covered` ranges of
    event ids (whose events are all logged: the chunks read from them showed it)."""
    outside, uncovered_from = Q(), None  # the first id after the ranges so far
    for low, high in sorted(covered):
        if uncovered_from is None:
            outside = Q(pk__lt=low)
        elif low > uncovered_from:
            outside |= Q(pk__gte=uncovered_from, pk__lt=low)
        uncovered_from = high + 1 if uncovered_from is None else max(uncovered_from, high + 1)
    if uncovered_from is not None:
        outside |= Q(pk__gte=uncovered_from)
    lost = (
        Event.objects.filter(outside)
        .filter(~Exists(LogEntry.objects.filter(event=OuterRef("pk"))))
        .exclude(Exists(PendingEvent.objects.filter(event=OuterRef("pk"))))
    )
    return lost.values_list("pk", flat=True).order_by("pk").first()


def _extent() -> int:
    """The number of leaves the entries claim (the highest index + 1); an index below 0 is
    reported at once, as no chunk would read it."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT min("index"), max("index") FROM {LogEntry._meta.db_table}')  # noqa: S608
        lowest, highest = cursor.fetchone()
    if lowest is not None and lowest < 0:
        raise Failed(0, f"leaf 0 is missing: the log has a gap before {lowest}")
    return 0 if highest is None else highest + 1


def _vouched_levels(quick: "Quick", count: int) -> list[list[bytes]] | None:
    """The chunk's levels from the leaf hashes the database computed, if its values vouch for
    every leaf: the logged events are exactly the events read, and the tree they make is the
    stored one. None sends the chunk to the row-by-row check."""
    if quick.leaves is None or len(quick.leaves) != count:
        return None
    levels = tiles.build_levels(quick.leaves, TOP)
    return levels if tiles.tiles_from_levels(levels) == quick.stored else None


def _check_rows(
    rows: list[tuple[Any, ...]],
    count: int,
    stored: list[bytes | None],
    start: int,
    columns: Columns,
    purged: set[int],
) -> tuple[list[list[bytes]], int, str]:
    """(levels, offset of the first bad leaf or count, what is wrong there) of a chunk of
    `count` leaves checked from its rows: (index, event id, 0x00 + record or None[, columns])."""
    _check_indices(rows, start, count)
    records = [row[2] for row in rows]
    first_bad, reason = count, ""
    if None in records:
        first_bad = records.index(None)
        reason = f"leaf {start + first_bad}: its event {rows[first_bad][1]} is missing"
        records = [record or b"\x00" for record in records]
    sha256 = hashlib.sha256
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
                first_bad, reason = offset, f"leaf {start + offset} (event {row[1]}): {DISAGREE}"
                break
    return levels, first_bad, reason


def _check_indices(rows: Sequence[tuple[Any, ...]], start: int, count: int) -> None:
    """The rows of a chunk are leaves start, start + 1, ..., start + count - 1."""
    for offset, row in enumerate(rows):
        if row[0] != start + offset:
            raise Failed(
                start + offset, f"leaf {start + offset} is missing: the log has a gap before {row[0]}"
            )
    if len(rows) < count:
        missing = start + len(rows)
        raise Failed(missing, f"leaf {missing} is missing: the log has a gap after {missing - 1}")


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


TILES = (
    f'SELECT "index", hashes FROM {LogTile._meta.db_table} '  # noqa: S608
    'WHERE level = %s AND "index" >= %s AND "index" < %s'
)


def _stored_tiles(level: int, first: int, count: int, cursor: Any = None) -> list[bytes | None]:
    """Stored tiles first .. first + count - 1 of a level, None where one is missing (read
    with `cursor`, a psycopg cursor binding on the server, if given)."""
    if cursor is None:
        with connection.cursor() as cursor:
            cursor.execute(TILES, [level, first, first + count])
            rows = cursor.fetchall()
    else:
        rows = cursor.execute(TILES, [level, first, first + count], prepare=True, binary=True).fetchall()
    found = {index: bytes(data) for index, data in rows}
    return [found.get(index) for index in range(first, first + count)]


@dataclass(frozen=True)
class Quick:
    """What is read of a chunk before it is checked: its stored bottom tiles and, where the
    database computed them and its values vouch for them, the leaf hashes (else None)."""

    stored: list[bytes | None]
    leaves: list[bytes] | None
    events: tuple[int, int] = (0, -1)
    """The range of event ids the leaves were read from: every event in it is logged here."""


READERS = 2
"""Connections reading chunks at once on PostgreSQL (each hashes its chunks' leaves)."""

LEAF_INPUT = "'\\x00'::bytea || textsend(ev.record)"
"""A leaf's input on PostgreSQL: 0x00, then the event's record as UTF-8 bytes. textsend
gives the record in the session's client encoding, which Django sets to UTF8 on every
connection (the readers take its parameters); it is the same as convert_to(ev.record,
'UTF8') but about a fifth cheaper a row, as it does not validate the encoding again."""

QUICK = """
    WITH logged AS (
        SELECT count(*) AS n, min(event_id) AS low, max(event_id) AS high,
            string_agg(int8send(event_id), ''::bytea) AS ids
        FROM (SELECT event_id FROM {entries} WHERE "index" >= %s AND "index" < %s ORDER BY "index") e
    )
    SELECT logged.n, logged.low, logged.high, logged.ids, found.n, found.ids, found.leaves, found.agrees
    FROM logged, LATERAL (
        SELECT count(*) AS n, string_agg(int8send(ev.id), ''::bytea) AS ids,
            string_agg(sha256({leaf_input}), ''::bytea) AS leaves,
            {agrees} AS agrees
        FROM (SELECT * FROM {events} ev WHERE ev.id BETWEEN logged.low AND logged.high ORDER BY ev.id) ev
    ) found
"""
"""A chunk's values: the logged event ids in index order, and the events in their id range
(ids, leaf hashes, whether every record agrees with its columns), aggregated in one pass in
id order. Equal id strings mean that the events in the range are exactly the chunk's and
each leaf hash is that of the entry's event; a hash out of place would make the chunk's tree
differ from the stored tiles, so no row order is trusted."""


def _read_chunks(columns: Columns, starts: range, snapshot_readers: bool) -> Generator[Quick]:
    """A Quick for each chunk start, in order. On PostgreSQL with the check of columns either
    skipped or made in the database, the database hashes the leaves: in READERS threads with a
    connection each when this is the outermost transaction (they share its snapshot), else on
    this transaction's own connection."""
    postgresql = connection.vendor == "postgresql"
    if not postgresql or columns is Columns.IN_PYTHON:
        for start in starts:
            yield Quick(_stored_tiles(0, start >> tiles.HEIGHT, _tiles_over(start, starts.stop)), None)
        return
    query = sql.SQL(QUICK).format(
        entries=sql.Identifier(LogEntry._meta.db_table),
        events=sql.Identifier(Event._meta.db_table),
        agrees=sql.SQL("bool_and(" + AGREES + ")" if columns is Columns.IN_DATABASE else "true"),
        leaf_input=sql.SQL(LEAF_INPUT),
    )

    def read(raw: Any, start: int) -> Quick:
        end = min(start + CHUNK, starts.stop)
        with psycopg.Cursor(raw) as cursor:  # binding on the server: prepared, and binary results
            (row,) = cursor.execute(query, [start, end], prepare=True, binary=True).fetchall()
            stored = _stored_tiles(0, start >> tiles.HEIGHT, _tiles_over(start, starts.stop), cursor)
        logged, low, high, ids, found, found_ids, leaves, agrees = row
        if logged != end - start or found != logged or found_ids != ids or not agrees:
            return Quick(stored, None)
        size = merkle.HASH_SIZE
        hashes = [leaves[offset : offset + size] for offset in range(0, len(leaves), size)]
        return Quick(stored, hashes, (low, high))

    connection.ensure_connection()
    if not snapshot_readers:
        for start in starts:
            yield read(connection.connection, start)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    readers = [_snapshot_reader(snapshot) for _ in range(min(READERS, len(starts)))]
    try:
        yield from _in_order(read, starts, readers)
    finally:
        for reader in readers:
            reader.close()


def _tiles_over(start: int, end: int) -> int:
    """How many bottom tiles the chunk starting at `start` of a log of `end` leaves spans."""
    return -(-min(CHUNK, end - start) // tiles.WIDTH)


def _snapshot_reader(snapshot: str) -> Any:
    """A new connection in a read-only transaction that sees exactly what the verifying
    transaction sees (its exported snapshot)."""
    raw = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    raw.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    return raw


def _in_order[T](
    read: Callable[[Any, int], T], starts: Sequence[int], readers: Sequence[Any]
) -> Generator[T]:
    """read(reader, start) for every start, start k on readers[k % n] in a thread of its own,
    yielded in the order of `starts`; each thread keeps at most two results waiting (psycopg
    waits for the server without holding the GIL, so the database works while Python hashes)."""
    count = len(readers)
    waiting: list[queue.Queue[T | BaseException]] = [queue.Queue(maxsize=2) for _ in readers]
    stop = threading.Event()

    def hand(k: int, item: T | BaseException) -> bool:
        """Queue `item` for the caller, unless it has stopped reading meanwhile."""
        while not stop.is_set():
            try:
                waiting[k].put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def run(k: int) -> None:
        try:
            for start in starts[k::count]:
                if not hand(k, read(readers[k], start)):
                    return
        except BaseException as error:  # handed to the caller, which raises it
            hand(k, error)

    threads = [
        threading.Thread(target=run, args=(k,), name=f"verifylog-{k}", daemon=True) for k in range(count)
    ]
    for thread in threads:
        thread.start()
    try:
        for number in range(len(starts)):
            item = waiting[number % count].get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _rows(columns: Columns, start: int) -> list[tuple[Any, ...]]:
    """The chunk's entries in index order as (index, event id, the leaf's input: 0x00 then the
    event's record as UTF-8 bytes, or None if the event is missing[, the event's columns])."""
    extra = {
        Columns.SKIP: "",
        Columns.IN_PYTHON: ", ev.kind, ev.actor_id, ev.object_type, ev.object_id, ev.created_at, ev.payload, "
        "ev.payload_sha256",
        Columns.IN_DATABASE: f", {AGREES}",
    }[columns]
    postgresql = connection.vendor == "postgresql"
    record = LEAF_INPUT if postgresql else "CAST(ev.record AS BLOB)"
    query = f"""
        SELECT e."index", e.event_id, {record}{extra}
        FROM {LogEntry._meta.db_table} e
        LEFT JOIN {Event._meta.db_table} ev ON ev.id = e.event_id
        WHERE e."index" >= %s AND e."index" < %s
        ORDER BY e."index"
    """  # noqa: S608 - table names are ours
    with connection.cursor() as cursor:
        cursor.execute(query, [start, start + CHUNK])
        rows = cursor.fetchall()
    if postgresql:
        return [(i, event, None if data is None else bytes(data), *rest) for i, event, data, *rest in rows]
    return [
        (i, event, None if data is None else b"\x00" + bytes(data), *rest) for i, event, data, *rest in rows
    ]


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
