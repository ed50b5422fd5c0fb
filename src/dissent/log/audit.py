"""`dissent verifylog`: check the whole stored log against the stored events.

It recomputes every leaf from its event's record, checks that the record says what the
event's columns say, rebuilds the tree, and checks the root and signature of every
published tree head. It reports the first inconsistency it meets.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dissent.events.models import Event, PendingEvent, timestamp

from . import keys, merkle, treehead
from .models import LogEntry, LogNode, LogState, TreeHead

CHUNK = 20_000


@dataclass(frozen=True)
class Verdict:
    ok: bool
    size: int
    message: str


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
    try:
        return _walk(check_columns=check_columns)
    except LookupError as gone:
        return Verdict(False, 0, str(gone))


def _walk(*, check_columns: bool) -> Verdict:
    public_key = keys.signing_key().public_key()
    heads = iter(
        TreeHead.objects.order_by("size").values_list("size", "root", "timestamp_ms", "key_id", "signature")
    )
    head = next(heads, None)
    while head is not None and head[0] == 0:
        head = next(heads, None)
    frontier = merkle.Frontier()
    sha256, append = hashlib.sha256, frontier.append
    expected = 0
    for row in _stream(check_columns):
        index, event_id, record, stored_leaf = row[:4]
        if index != expected:
            return Verdict(False, expected, f"leaf {expected} is missing: the log has a gap before {index}")
        if record is None:
            return Verdict(False, index, f"leaf {index}: its event {event_id} is missing")
        leaf = sha256(b"\x00" + record.encode()).digest()
        if stored_leaf is None or leaf != bytes(stored_leaf):
            changed = "it was changed after it was logged, or the log was rewritten"
            return Verdict(
                False,
                index,
                f"leaf {index} (event {event_id}): the event does not hash to the logged leaf; {changed}",
            )
        if check_columns and json.loads(record) != _columns(row[4:]):
            return Verdict(
                False, index, f"leaf {index} (event {event_id}): the event's fields disagree with its record"
            )
        append(leaf)
        expected += 1
        while head is not None and head[0] == expected:
            size, root, timestamp_ms, key_id, signature = head
            if bytes(root) != frontier.root():
                return Verdict(
                    False, size, f"tree head {size}: its root is not the root of the stored leaves"
                )
            signed = treehead.as_json(size, bytes(root), timestamp_ms, key_id, bytes(signature))
            if (reason := treehead.check(signed, public_key)) is not None:
                return Verdict(False, size, f"tree head {size}: {reason}")
            head = next(heads, None)
    if head is not None:
        return Verdict(False, expected, f"tree head {head[0]} is beyond the {expected} stored leaves")
    state = LogState.objects.get(pk=1)
    if state.size != expected or (state.size and bytes(state.root) != frontier.root()):
        return Verdict(False, expected, f"the log state says size {state.size}, the stored leaves {expected}")
    lost = Event.objects.filter(~Exists(LogEntry.objects.filter(event=OuterRef("pk")))).exclude(
        Exists(PendingEvent.objects.filter(event=OuterRef("pk")))
    )
    if (missing := lost.values_list("pk", flat=True).first()) is not None:
        return Verdict(False, expected, f"event {missing} is neither in the log nor queued for it")
    return Verdict(True, expected, f"{expected} leaves and every tree head verify")


def _stream(check_columns: bool) -> Iterator[tuple[Any, ...]]:
    """Every log entry in index order with its event's record and its stored leaf hash
    (and the event's columns), streamed from one query."""
    columns = (
        ", ev.kind, ev.actor_id, ev.object_type, ev.object_id, ev.created_at, ev.payload, ev.payload_sha256"
        if check_columns
        else ""
    )
    query = f"""
        SELECT e."index", e.event_id, ev.record, n.hash{columns}
        FROM {LogEntry._meta.db_table} e
        LEFT JOIN {Event._meta.db_table} ev ON ev.id = e.event_id
        LEFT JOIN {LogNode._meta.db_table} n ON n.level = 0 AND n."index" = e."index"
        ORDER BY e."index"
    """  # noqa: S608 - table names are ours
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(query)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


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
