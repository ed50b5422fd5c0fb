"""Every API error leaves in one shape: RFC 9457 problem details
(`{"type", "title", "status", "detail"}`, media type application/problem+json)."""

from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from dissent.errors import DissentError

from .auth import TokenRejected

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(api: NinjaAPI, request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_MEDIA_TYPE
    return response


def _field_path(loc: Any) -> list[Any]:
    """("body", "payload", "title") -> ["title"]: drop where the value came from."""
    path = list(loc)
    if path and path[0] in {"body", "query", "path", "header", "cookie", "form"}:
        path = path[1:]
    if path and path[0] == "payload":
        path = path[1:]
    return path


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in _field_path(error.get("loc", ())))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return _("Invalid input. %(problems)s") % {"problems": "; ".join(parts)}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DissentError)
    def domain_error(request: HttpRequest, exc: DissentError) -> HttpResponse:
        return problem(api, request, exc.status, exc.message)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {k: v for k, v in e.items() if k in {"loc", "msg", "type"}}
            for e in exc.errors
            if isinstance(e, dict)
        ]
        return problem(api, request, 422, _validation_detail(errors), errors=errors)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, exc.status_code, str(exc))

    @api.exception_handler(TokenRejected)
    def token_rejected(request: HttpRequest, exc: TokenRejected) -> HttpResponse:
        response = problem(api, request, 401, str(exc))
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(api, request, 413, _("The request body is too large."))
