"""Checking a memo export's anonymous signatures again, anywhere: `dissent verifysignatures`."""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from . import ring


@dataclass(frozen=True)
class Count:
    named: int
    protected: int
    anonymous: int


def check_export(export: dict[str, Any]) -> tuple[Count, list[str]]:
    """The counts of a memo export, and every problem found with its anonymous signatures
    (none: all verified). A signature counts once per distinct tag."""
    problems: list[str] = []
    lines = export.get("signatures") or []
    named = sum(1 for line in lines if line.get("visibility") == "named")
    protected = sum(1 for line in lines if line.get("visibility") == "protected")
    section = export.get("anonymous")
    if not section:
        return Count(named, protected, 0), problems
    try:
        event = base64.b64decode(section["event"], validate=True)
        message = base64.b64decode(section["message"], validate=True)
        keys = [bytes.fromhex(key) for key in section["ring"]]
        signatures = [base64.b64decode(s, validate=True) for s in section["signatures"]]
        ring.check_ring(keys)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        return Count(named, protected, 0), [f"the anonymous section is malformed: {error}"]
    tags: set[bytes] = set()
    for number, signature in enumerate(signatures, start=1):
        if not ring.verify(event, message, keys, signature, ring_checked=True, threads=2):
            problems.append(f"anonymous signature {number} does not verify against the ring")
        elif ring.tag_of(signature) in tags:
            problems.append(f"anonymous signature {number} repeats the tag of an earlier one")
        else:
            tags.add(ring.tag_of(signature))
    return Count(named, protected, len(tags)), problems
