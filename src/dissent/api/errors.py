"""Every API error leaves in one shape: RFC 9457 problem details
(`{"type", "title", "status", "detail"}`, media type application/problem+json).

Ninja's own answers (its 401, its CSRF refusal, a body it cannot parse, an unexpected
exception) are replaced here too, so a client never has to handle a second shape; the
answers Django gives before the API runs (an unknown path, a wrong method) come from
django_errors.py in the same shape."""

import json
import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from dissent.errors import DissentError
from dissent.unavailable import RETRY_AFTER_SECONDS

from .auth import TokenRejected

PROBLEM_MEDIA_TYPE = "application/problem+json"

logger = logging.getLogger(__name__)


def problem_response(status: int, detail: str, **extra: Any) -> HttpResponse:
    """The one error shape; `extra` adds members (RFC 9457 extensions such as `errors`)."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=PROBLEM_MEDIA_TYPE
    )


def database_unavailable_problem() -> HttpResponse:
    """503 with Retry-After while the database is away (dissent/unavailable.py)."""
    response = problem_response(
        503,
        _(
            "The channel cannot reach its database just now. Check in a few seconds whether "
            "what you sent was saved, and try again if it was not."
        ),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class UnreadableBody(Exception):
    """A request body that is not JSON: ninja wraps whatever the parser raises in its own
    untranslated 400, so the handler below looks for this as the cause."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


class JsonParser(Parser):
    """Request bodies are JSON in UTF-8 (RFC 8259), sent as application/json."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnreadableBody(
                415, _("Send the request body as JSON, with Content-Type: application/json.")
            )
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnreadableBody(400, _("The request body is not valid UTF-8.")) from error
        try:
            data = json.loads(text)
        except RecursionError as error:
            raise UnreadableBody(400, _("The request body is nested too deeply.")) from error
        except ValueError as error:
            raise UnreadableBody(400, _("The request body is not valid JSON.")) from error
        # Every body this API takes is an object. Ninja would read an array or a string as an
        # empty object, so a body of only optional fields would be accepted (the fuzzer found it).
        if not isinstance(data, dict):
            errors = [
                {"loc": ["body"], "msg": _("The request body must be a JSON object."), "type": "dict_type"}
            ]
            raise UnreadableBody(422, _validation_detail(errors), errors=errors)
        _refuse_unstorable_text(data)
        return data


def _refuse_unstorable_text(data: Any) -> None:
    """JSON may carry text no database column can hold: a NUL character (PostgreSQL refuses
    it) or half of a surrogate pair (not encodable as UTF-8). Either reached the database
    and failed there as a 500 (the fuzzer found the first on PostgreSQL; the second fails
    on SQLite too); refuse them here, in every field."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise UnreadableBody(400, _("Text in the request body may not contain NUL characters."))
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise UnreadableBody(400, _("Text in the request body is not valid Unicode.")) from error


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
        if exc.reason is not None:
            return problem_response(exc.status, exc.message, reason=exc.reason)
        return problem_response(exc.status, exc.message)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors
            if isinstance(e, dict)
        ]
        return problem_response(422, _validation_detail(errors), errors=errors)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, UnreadableBody):
            cause = exc.__cause__
            return problem_response(cause.status, cause.detail, **cause.extra)
        return problem_response(exc.status_code, str(exc))

    @api.exception_handler(AuthenticationError)
    def not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if isinstance(exc, TokenRejected):
            detail = str(exc)
        else:
            detail = _("Sign in, or send an access token in an Authorization: Bearer header.")
        response = problem_response(401, detail)
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem_response(413, _("The request body is too large."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(404, _("Not found, or not visible to you."))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return database_unavailable_problem()
        logger.exception("API error on %s %s", request.method, request.path)
        return problem_response(500, _("Something went wrong on our side. Please try again later."))
