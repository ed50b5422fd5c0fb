"""Filing receipts: a self-contained proof that a memo was filed, with which content and
how many signatures, that anyone can check offline with `dissent verifyreceipt`."""

import base64
from typing import Any

from django.utils.translation import gettext as _

from dissent.errors import InvalidState, NotFound
from dissent.events.models import Event, EventKind

from . import keys, merkle, treehead
from .models import LogEntry, TreeHead
from .store import DatabaseNodes

RECEIPT_FORMAT = "dissent-channel/filing-receipt/v1"


def _filing_in_log(memo_id: int) -> tuple[Event, LogEntry, TreeHead]:
    event = Event.objects.filter(kind=EventKind.MEMO_FILED, object_type="memo", object_id=memo_id).first()
    if event is None:
        raise NotFound(_("This memo has not been filed."))
    entry = LogEntry.objects.filter(event=event).first()
    head = TreeHead.objects.order_by("-size").first()
    if entry is None or head is None or head.size <= entry.index:
        raise InvalidState(_("The filing is not in the log yet; try again in a few seconds."))
    return event, entry, head


def filing_receipt(memo_id: int) -> dict[str, Any]:
    """The receipt for a filed memo, proven against the latest signed tree head. The
    caller has already checked that the requester is one of its drafters or signers, or
    showed the receipt key of one of its anonymous signatures."""
    event, entry, head = _filing_in_log(memo_id)
    leaf = merkle.leaf_hash(event.record.encode())
    proof = merkle.inclusion_proof(DatabaseNodes(), entry.index, head.size)
    return {
        "format": RECEIPT_FORMAT,
        "memo": memo_id,
        "content_sha256": event.payload["content_sha256"],
        "signature_count": event.payload["signature_count"],
        "filed_at": event.canonical_fields()["at"],
        "event": {"index": entry.index, "record": event.record, "leaf_hash": leaf.hex()},
        "inclusion_proof": [node.hex() for node in proof],
        "tree_head": tree_head_json(head),
        "log_public_key": base64.b64encode(keys.public_key_bytes()).decode(),
        "log_key_fingerprint": keys.key_id(),
    }


def tree_head_json(head: TreeHead) -> treehead.TreeHeadJSON:
    return treehead.as_json(
        head.size, bytes(head.root), head.timestamp_ms, head.key_id, bytes(head.signature)
    )


def receipt_summary(memo_id: int) -> dict[str, Any]:
    """The few lines a person reads on the memo page (no proof computed)."""
    event, entry, head = _filing_in_log(memo_id)
    return {
        "memo": memo_id,
        "content_sha256": event.payload["content_sha256"],
        "signature_count": event.payload["signature_count"],
        "leaf_index": entry.index,
        "tree_size": head.size,
        "root_hash": bytes(head.root).hex(),
        "key_fingerprint": head.key_id,
    }
