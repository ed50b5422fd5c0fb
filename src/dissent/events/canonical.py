"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and its SHA-256.

Every event payload is hashed in this form, so the same payload gives the same bytes on
any machine and in any later verifier (docs/events.md).
"""

import hashlib
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON-compatible value. Floats are refused (use strings or
    integers in payloads) so that no number ever changes its spelling between systems."""
    _refuse_floats(value)
    return bytes(rfc8785.dumps(value))


def canonical_sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("event payloads may not contain floats")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
