"""Reads of the log for the API and pages."""

import base64
from typing import Any

from django.utils.translation import gettext as _

from dissent.errors import InvalidInput, NotFound
from dissent.events.models import PendingEvent

from . import keys, merkle
from .models import LogEntry, LogState, TreeHead
from .receipts import tree_head_json
from .store import DatabaseNodes, find_leaf
from .treehead import TreeHeadJSON


def latest_tree_head() -> TreeHeadJSON | None:
    head = TreeHead.objects.order_by("-size").first()
    return tree_head_json(head) if head else None


def tree_heads(*, after: int, limit: int) -> list[TreeHeadJSON]:
    return [tree_head_json(h) for h in TreeHead.objects.filter(size__gt=after).order_by("size")[:limit]]


def public_key() -> dict[str, str]:
    return {"public_key": base64.b64encode(keys.public_key_bytes()).decode(), "key_id": keys.key_id()}


def _size() -> int:
    return LogState.objects.values_list("size", flat=True).get(pk=1)


def consistency(first: int, second: int) -> dict[str, Any]:
    if second > _size():
        raise InvalidInput(_("The log is smaller than %(size)d.") % {"size": second})
    proof = merkle.consistency_proof(DatabaseNodes(), first, second)
    head = TreeHead.objects.filter(size=second).first()
    return {
        "first": first,
        "second": second,
        "proof": [node.hex() for node in proof],
        "tree_head": tree_head_json(head) if head else None,
    }


def inclusion(leaf: bytes, tree_size: int) -> dict[str, Any]:
    if tree_size > _size():
        raise InvalidInput(_("The log is smaller than %(size)d.") % {"size": tree_size})
    index = find_leaf(leaf, tree_size) if tree_size > 0 else None
    if index is None:
        raise NotFound(_("No such leaf in the log of that size."))
    proof = merkle.inclusion_proof(DatabaseNodes(), index, tree_size)
    return {"leaf_index": index, "tree_size": tree_size, "proof": [node.hex() for node in proof]}


def merge_delays(last: int = 1000) -> list[float]:
    """Seconds from each of the `last` integrated events' creation to its integration."""
    rows = LogEntry.objects.order_by("-index").values_list("sequenced_at", "event__created_at")[:last]
    return sorted((sequenced - created).total_seconds() for sequenced, created in rows)


def overview() -> dict[str, Any]:
    """What the log page shows: size, latest head, observed merge delay, last verification."""
    state = LogState.objects.get(pk=1)
    delays = merge_delays()
    return {
        "state": state,
        "latest": TreeHead.objects.order_by("-size").first(),
        "recent": list(TreeHead.objects.order_by("-size")[:20]),
        "pending": PendingEvent.objects.count(),
        "delay_max": delays[-1] if delays else None,
        "delay_median": delays[len(delays) // 2] if delays else None,
        "delay_sample": len(delays),
        "key_id": keys.key_id(),
    }
