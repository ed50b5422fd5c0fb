"""Signed tree heads: what the log signs, and the JSON form staff keep and compare.

The signed bytes are the RFC 8785 canonical JSON of
`{"v": 1, "log": KEY_ID, "tree_size": N, "root_hash": HEX, "timestamp": MS}`; the
signature is Ed25519 over exactly those bytes (docs/log.md).
"""

import base64
from typing import Any, TypedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dissent.events.canonical import canonical_json


class TreeHeadJSON(TypedDict):
    tree_size: int
    root_hash: str
    timestamp: int
    key_id: str
    signature: str


def signed_bytes(size: int, root: bytes, timestamp_ms: int, key_id: str) -> bytes:
    return canonical_json(
        {"v": 1, "log": key_id, "tree_size": size, "root_hash": root.hex(), "timestamp": timestamp_ms}
    )


def as_json(size: int, root: bytes, timestamp_ms: int, key_id: str, signature: bytes) -> TreeHeadJSON:
    return {
        "tree_size": size,
        "root_hash": root.hex(),
        "timestamp": timestamp_ms,
        "key_id": key_id,
        "signature": base64.b64encode(signature).decode(),
    }


def check(head: Any, public_key: Ed25519PublicKey) -> str | None:
    """None when `head` is a well-formed tree head signed by `public_key`; else the reason."""
    try:
        size, root = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
        timestamp_ms, key_id = int(head["timestamp"]), str(head["key_id"])
        signature = base64.b64decode(head["signature"], validate=True)
    except (KeyError, TypeError, ValueError) as malformed:
        return f"malformed tree head ({malformed})"
    if size < 0 or len(root) != 32:
        return "malformed tree head (size or root hash)"
    try:
        public_key.verify(signature, signed_bytes(size, root, timestamp_ms, key_id))
    except InvalidSignature:
        return f"the signature on the tree head of size {size} does not verify"
    return None
