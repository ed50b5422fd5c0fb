"""The JSON export: the memo, its signatures and its events, as the reader may see them,
with the same trace as the PDF (reader, time, export id)."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from dissent.events.models import timestamp
from dissent.markings.models import Marking
from dissent.memos.content import render_markdown

from .history import events_seen_by
from .snapshot import MemoExport

EXPORT_FORMAT = "dissent-channel/memo-export/v1"


def _marking(marking: Marking) -> dict[str, Any]:
    return {
        "code": marking.code,
        "label": marking.label,
        "rank": marking.rank,
        "description": marking.description,
        "export_rule": marking.export_rule,
    }


def _time(moment: Any) -> str | None:
    return timestamp(moment) if moment is not None else None


def memo_json(export: MemoExport) -> dict[str, Any]:
    """The export as a JSON-ready dict. Times are UTC in the event record's spelling, so a
    reader can compare them with the log. Authors of addenda, the acknowledgment and the
    reply are left out: a drafter may be a protected signer, and nothing in the export
    needs them."""
    memo, readable = export.memo, export.readable
    response = export.response
    reply = response.reply
    return {
        "format": EXPORT_FORMAT,
        "export": {
            "id": export.export_id,
            "format": "json",
            "exported_at": _time(export.exported_at),
            "exported_by": {"username": export.reader.username, "name": export.reader.display_name},
        },
        "marking": {
            **_marking(export.banner),
            "line": export.marking_line,
            "caveats": [
                {"code": c.code, "label": c.label, "description": c.description} for c in export.caveats
            ],
        },
        "memo": {
            "id": memo.pk,
            "title": memo.title,
            "summary": memo.summary if readable else None,
            "body": memo.body if readable else None,
            "body_html": render_markdown(memo.body) if readable else None,
            "policy": memo.policy,
            "addressee": {"username": memo.addressee.username, "name": memo.addressee.display_name},
            "marking": _marking(memo.marking),
            "state": memo.state,
            "created_at": _time(memo.created_at),
            "filed_at": _time(memo.filed_at),
            "content_sha256": memo.content_sha256 or None,
            "ack_due": _time(memo.ack_due),
            "reply_due": _time(memo.reply_due),
        },
        # named + protected + distinct verified anonymous tags (`dissent verifysignatures`)
        "signature_count": len(export.signatures) + len((export.anonymous or {}).get("signatures", [])),
        "signatures": [
            {
                "id": line.id,
                "visibility": line.visibility,
                "name": line.name,
                "username": line.username,
                "signed_at": _time(line.signed_at),
                "mine": line.mine,
            }
            for line in export.signatures
        ],
        "anonymous": export.anonymous,
        "addenda": [{"id": a.pk, "created_at": _time(a.created_at), "body": a.body} for a in export.addenda],
        "acknowledgment": {
            "text": response.acknowledgment.text,
            "created_at": _time(response.acknowledgment.created_at),
        }
        if response.acknowledgment is not None
        else None,
        "reply": {
            "text": reply.text,
            "marking": _marking(reply.marking),
            "sent": reply.is_sent,
            "sent_at": _time(reply.approved_at),
        }
        if reply is not None
        else None,
        "reply_withheld": {"marking": _marking(export.reply_withheld)} if export.reply_withheld else None,
        "receipt": {"pending": False, **export.receipt} if export.receipt is not None else {"pending": True},
        "events": [line.as_json() for line in events_seen_by(export.reader, memo, export.signatures)],
    }


def render_json(export: MemoExport) -> bytes:
    return json.dumps(memo_json(export), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()
