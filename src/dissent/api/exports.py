"""GET /api/v1/memos/{id}/export?format=pdf|json: the same files as the memo page's
export links (exports/files.py), for API clients."""

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from dissent.exports.files import ExportFormat, as_download, export_memo

from .memos import ERRORS, MemoId, person_of

router = Router(tags=["exports"])


class ExportQuery(Schema):
    format: Literal["pdf", "json"] = Field(
        description="pdf: the printable copy; json: memo, signatures, events."
    )


@router.get(
    "/{memo_id}/export",
    response=ERRORS,
    summary="Export a memo as PDF or JSON",
    openapi_extra={
        "responses": {
            200: {
                "description": "The export, as an attachment named memo-ID.FORMAT",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            }
        }
    },
)
def export(request: HttpRequest, memo_id: MemoId, query: Query[ExportQuery]) -> HttpResponse:
    """A copy for the caller, traced to them: the PDF's every page and the JSON carry
    the caller's name, the time and an export id that the memo's read record keeps.
    404 for whoever may not see the memo; 403 (naming the marking) for whoever may see
    it but not export it; 409 before filing; 422 for a format other than pdf or json."""
    return as_download(export_memo(person_of(request), memo_id, fmt=ExportFormat(query.format)))
