from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import queries


@require_GET
def log_overview(request: HttpRequest) -> HttpResponse:
    """The log's public face for staff and auditors: size, tree heads, merge delay, and
    the outcome of the last full verification."""
    context = {**queries.overview(), "max_merge_delay": settings.LOG_MAX_MERGE_DELAY}
    return render(request, "log/log.html", context)
