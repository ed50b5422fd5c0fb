"""While the database is away (restarting, failing over, unreachable), every request answers
503 with Retry-After instead of 500: a client, or a person, can simply try again, and nothing
of a failed request was stored (each action is one transaction). Django closes a broken
connection at the end of the request and CONN_HEALTH_CHECKS tests a kept one before reuse,
so the first request after the database returns is served again."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5


def database_unavailable() -> bool:
    """Whether the exception being handled means the database could not be used at all."""
    error = sys.exc_info()[1]
    return isinstance(error, (OperationalError, InterfaceError))


def unavailable_page(request: HttpRequest) -> HttpResponse:
    """The 503 page: like the 500 page, rendered without the request's context or the
    database, neither of which can be relied on here."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
