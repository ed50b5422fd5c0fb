"""`dissent verifylog`: check the whole stored log against the stored events.

It recomputes every leaf from its event's record, checks that the record says what the
event's columns say, rebuilds the tree, and checks the root and signature of every
published tree head. It reports the first inconsistency it meets.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from dissent.events.canonical import canonical_json
from dissent.events.models import Event, PendingEvent

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
    frontier = merkle.Frontier()
    while head is not None and head[0] == 0:
        head = next(heads, None)
    for index, event_id, record, stored_leaf, columns in _leaves(check_columns):
        if index != frontier.size:
            return Verdict(
                False, frontier.size, f"leaf {frontier.size} is missing: the log has a gap before {index}"
            )
        leaf = merkle.leaf_hash(record.encode())
        if leaf != stored_leaf:
            return Verdict(
                False,
                index,
                f"leaf {index} (event {event_id}): the event does not hash to the logged leaf; it was "
                "changed after it was logged, or the log was rewritten",
            )
        if columns is not None and columns != record:
            return Verdict(
                False, index, f"leaf {index} (event {event_id}): the event's fields disagree with its record"
            )
        frontier.append(leaf)
        while head is not None and head[0] == frontier.size:
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
        return Verdict(
            False, frontier.size, f"tree head {head[0]} is beyond the {frontier.size} stored leaves"
        )
    state = LogState.objects.get(pk=1)
    if state.size != frontier.size or (state.size and bytes(state.root) != frontier.root()):
        return Verdict(
            False, frontier.size, f"the log state says size {state.size}, the stored leaves {frontier.size}"
        )
    lost = Event.objects.filter(~Exists(LogEntry.objects.filter(event=OuterRef("pk")))).exclude(
        Exists(PendingEvent.objects.filter(event=OuterRef("pk")))
    )
    if (missing := lost.values_list("pk", flat=True).first()) is not None:
        return Verdict(False, frontier.size, f"event {missing} is neither in the log nor queued for it")
    return Verdict(True, frontier.size, f"{frontier.size} leaves and every tree head verify")


def _leaves(check_columns: bool) -> Iterator[tuple[int, int, str, bytes, str | None]]:
    """(index, event id, record, stored leaf hash, record rebuilt from columns) in index order."""
    start = 0
    while True:
        entries = list(
            LogEntry.objects.filter(index__gte=start)
            .order_by("index")
            .values_list("index", "event_id")[:CHUNK]
        )
        if not entries:
            return
        first, last = entries[0][0], entries[-1][0]
        leaves = dict(
            LogNode.objects.filter(level=0, index__gte=first, index__lte=last).values_list("index", "hash")
        )
        events = Event.objects.filter(pk__in=[e for _, e in entries])
        fields = ["pk", "record"] + (
            ["kind", "actor_id", "object_type", "object_id", "created_at", "payload", "payload_sha256"]
            if check_columns
            else []
        )
        rows = {row[0]: row for row in events.values_list(*fields)}
        for index, event_id in entries:
            row = rows.get(event_id)
            if row is None:
                raise LookupError(f"leaf {index}: event {event_id} is missing")
            columns = _columns_record(row) if check_columns else None
            yield index, event_id, row[1], bytes(leaves.get(index, b"")), columns
        start = last + 1


def _columns_record(row: tuple[Any, ...]) -> str:
    _, _, kind, actor_id, object_type, object_id, created_at, payload, payload_sha256 = row
    event = Event(
        kind=kind, actor_id=actor_id, object_type=object_type, object_id=object_id, created_at=created_at,
        payload=payload, payload_sha256=payload_sha256,
    )  # fmt: skip
    return canonical_json(event.canonical_fields()).decode()
