"""One export, start to finish: check, gather, render, record, hand over.

The web views and the API route both call `export_memo`, so the two give the same file,
the same refusals and the same read record.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.http import HttpResponse

from dissent.memos import reads
from dissent.org.models import Person

from .json import render_json
from .pdf import render_pdf
from .snapshot import take_export


class ExportFormat(StrEnum):
    PDF = "pdf"
    JSON = "json"


_CONTENT_TYPES = {ExportFormat.PDF: "application/pdf", ExportFormat.JSON: "application/json; charset=utf-8"}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    export_id: str


def export_memo(person: Person, memo_id: int, *, fmt: ExportFormat) -> ExportFile:
    """Export the memo for `person`, or raise the policy's domain error (404, 403, 409).

    The read is recorded after rendering succeeded, in a transaction of its own: an export
    that fails leaves no trace, and rendering (a second or two for a long memo) holds no
    write lock on the database meanwhile."""
    export = take_export(person, memo_id)
    content = render_pdf(export) if fmt == ExportFormat.PDF else render_json(export)
    how: reads.How = "export_pdf" if fmt == ExportFormat.PDF else "export_json"
    with transaction.atomic():
        reads.record_read(person, export.memo, how=how, export_id=export.export_id)
        # A custodian's copy may name protected signers: that is recorded as on the page.
        reads.record_protected_names_shown(person, export.memo, export.signatures, how=how)
    return ExportFile(
        content=content,
        content_type=_CONTENT_TYPES[fmt],
        # Built from the memo id and the format only: the title is the author's text and
        # may hold anything (slashes, quotes, newlines).
        filename=f"memo-{int(export.memo.pk)}.{fmt.value}",
        export_id=export.export_id,
    )


def as_download(file: ExportFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    # A copy is personal and traced: no shared cache keeps it for the next person.
    response["Cache-Control"] = "no-store, private"
    response["X-Export-Id"] = file.export_id
    return response
