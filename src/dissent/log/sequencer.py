"""The sequencer: integrates queued events into the Merkle tree and signs a tree head.

Run by the worker (`dissent worker`, or inside `dissent demo`) every second or so. Any
number of workers may run it at once: each batch happens under a row lock on the single
LogState row, so indices are assigned by one transaction at a time, consecutively, with
no gaps, and an event is integrated exactly once (LogEntry.event is unique too).
"""

import hashlib
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import keys, tiles, treehead
from .models import LogState, TreeHead
from .store import append_rows, drop_queued, get_tiles, take_queued


def integrate_pending(batch_size: int | None = None) -> TreeHead | None:
    """Integrate up to `batch_size` queued events, oldest first, and publish a signed tree
    head for the new size. Returns it, or None when nothing was queued."""
    limit = batch_size or settings.LOG_BATCH_SIZE
    with transaction.atomic():
        state = LogState.objects.select_for_update().get(pk=1)
        records = take_queued(limit)
        if not records:
            return None
        tree = tiles.TileAppender(state.size, get_tiles(tiles.partial_tiles(state.size)))
        sha256 = hashlib.sha256
        tree.extend([sha256(b"\x00" + record).digest() for _, record in records])
        entries = [(state.size + number, event_id) for number, (event_id, _) in enumerate(records)]
        now = timezone.now()
        append_rows(entries, tree.changed(), now)
        drop_queued([event_id for event_id, _ in records])
        state.size, state.root = tree.size, tree.root()
        state.save(update_fields=["size", "root"])
        return publish_tree_head(state.size, state.root, now)


def publish_tree_head(size: int, root: bytes, moment: datetime) -> TreeHead:
    timestamp_ms = int(moment.timestamp() * 1000)
    key_id = keys.key_id()
    signature = keys.signing_key().sign(treehead.signed_bytes(size, root, timestamp_ms, key_id))
    return TreeHead.objects.create(
        size=size, root=root, timestamp_ms=timestamp_ms, signature=signature, key_id=key_id
    )


def run_forever(*, interval: float = 1.0, stop_after: float | None = None) -> None:
    """Integrate whatever is queued, then sleep; `interval` must stay well under the
    promised maximum merge delay (LOG_MAX_MERGE_DELAY)."""
    started = time.monotonic()
    while stop_after is None or time.monotonic() - started < stop_after:
        while integrate_pending() is not None:
            pass
        time.sleep(interval)
