"""Export downloads from the memo page. Each view calls `files.export_memo`, which asks the
policy; refusals (404, 403 with the marking's rule, 409 before filing) become pages in the
web middleware."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from dissent.org.models import Person

from .files import ExportFormat, as_download, export_memo


def _person(request: HttpRequest) -> Person:
    assert isinstance(request.user, Person)
    return request.user


@require_GET
def export_pdf(request: HttpRequest, memo_id: int) -> HttpResponse:
    return as_download(export_memo(_person(request), memo_id, fmt=ExportFormat.PDF))


@require_GET
def export_json(request: HttpRequest, memo_id: int) -> HttpResponse:
    return as_download(export_memo(_person(request), memo_id, fmt=ExportFormat.JSON))
