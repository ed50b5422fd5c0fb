"""Offline checks of receipts and tree heads: no database, only the receipt's own bytes,
the log's public key it names, and (optionally) a later tree head with a consistency proof."""

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dissent.events.canonical import canonical_json

from . import merkle, treehead
from .receipts import RECEIPT_FORMAT


def check_receipt(receipt: Any, later: Any = None) -> list[str]:
    """Every reason `receipt` fails to prove its claims; an empty list means it holds.
    `later`, if given, is `{"tree_head": ..., "consistency_proof": [...]}` for a later
    (or equal) tree size: then the receipt's tree head must be a prefix of that one."""
    try:
        return _check(receipt, later)
    except (KeyError, TypeError, ValueError, AttributeError) as malformed:
        return [f"the receipt is malformed ({malformed!r})"]


def _check(receipt: dict[str, Any], later: dict[str, Any] | None) -> list[str]:
    if receipt.get("format") != RECEIPT_FORMAT:
        return [f"not a filing receipt (format {receipt.get('format')!r})"]
    public_raw = base64.b64decode(receipt["log_public_key"], validate=True)
    if hashlib.sha256(public_raw).hexdigest() != receipt["log_key_fingerprint"]:
        return ["the log's public key does not match its fingerprint"]
    public_key = Ed25519PublicKey.from_public_bytes(public_raw)
    head = receipt["tree_head"]
    problems = []
    if head["key_id"] != receipt["log_key_fingerprint"]:
        problems.append("the tree head names another log key")
    if (reason := treehead.check(head, public_key)) is not None:
        problems.append(reason)
    record = receipt["event"]["record"]
    leaf = merkle.leaf_hash(record.encode())
    if leaf.hex() != receipt["event"]["leaf_hash"]:
        problems.append("the event record does not hash to the stated leaf")
    problems += _check_claims(receipt, record)
    proof = [bytes.fromhex(node) for node in receipt["inclusion_proof"]]
    if not merkle.verify_inclusion(
        leaf, int(receipt["event"]["index"]), int(head["tree_size"]), proof, bytes.fromhex(head["root_hash"])
    ):
        problems.append(
            "the inclusion proof does not lead to the tree head's root: the filing is not in that log"
        )
    if later is not None:
        problems += _check_later(head, later, public_key, receipt["log_key_fingerprint"])
    return problems


def _check_claims(receipt: dict[str, Any], record: str) -> list[str]:
    """The receipt's plain claims must be exactly what the logged filing event says."""
    event = json.loads(record)
    if canonical_json(event).decode() != record:
        return ["the event record is not in canonical form"]
    problems = []
    if event.get("kind") != "memo.filed" or event.get("object") != {"type": "memo", "id": receipt["memo"]}:
        problems.append("the logged event is not the filing of this memo")
    payload = event.get("payload", {})
    if payload.get("content_sha256") != receipt["content_sha256"]:
        problems.append("the content hash differs from the one logged at filing")
    if payload.get("signature_count") != receipt["signature_count"]:
        problems.append("the signature count differs from the one logged at filing")
    return problems


def _check_later(
    head: dict[str, Any], later: dict[str, Any], public_key: Ed25519PublicKey, key_id: str
) -> list[str]:
    newer = later["tree_head"]
    if newer.get("key_id") != key_id:
        return ["the later tree head is signed by another log key"]
    if (reason := treehead.check(newer, public_key)) is not None:
        return [f"later tree head: {reason}"]
    proof = [bytes.fromhex(node) for node in later.get("consistency_proof", [])]
    old_size, new_size = int(head["tree_size"]), int(newer["tree_size"])
    if not merkle.verify_consistency(
        old_size, new_size, bytes.fromhex(head["root_hash"]), bytes.fromhex(newer["root_hash"]), proof
    ):
        return [
            f"the log of size {new_size} is not an extension of the log of size {old_size} this receipt was "
            "issued against: the log has been rewritten"
        ]
    return []
