"""Complete the OpenAPI document ninja builds, so it declares every answer a route can
give: problem details (as application/problem+json) for each error status that applies
to the route, whatever its decorator listed, and how each kind of credential is sent."""

from http import HTTPStatus
from typing import Any

from .errors import PROBLEM_MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/ProblemDetails"

#: Statuses any route can answer with.
ALWAYS = (500,)
#: ... a route that needs credentials (none, bad: 401; a read token or no CSRF token: 403).
AUTHENTICATED = (401, 403)
#: ... a route with parameters (a value of the wrong type or out of range).
WITH_PARAMETERS = (422,)
#: ... a route that reads a JSON body (not JSON or not UTF-8: 400; too large: 413;
#: another media type: 415; the wrong shape: 422).
WITH_BODY = (400, 413, 415, 422)

SECURITY_SCHEMES = {
    "TokenAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token, `dct_<id>_<secret>`, made on the preferences page. "
        "A read token may only call GET routes.",
    },
    "SessionAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "The web session. POST, PUT, PATCH and DELETE also need the csrftoken "
        "cookie's value in an X-CSRFToken header.",
    },
}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
    }


def _is_problem(response: dict[str, Any]) -> bool:
    return any(
        media.get("schema", {}).get("$ref") == PROBLEM_REF for media in response.get("content", {}).values()
    )


def complete(document: dict[str, Any]) -> dict[str, Any]:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = set(ALWAYS)
            if operation.get("security"):
                statuses.update(AUTHENTICATED)
            if operation.get("parameters"):
                statuses.update(WITH_PARAMETERS)
            if "requestBody" in operation:
                statuses.update(WITH_BODY)
            for status in statuses:
                responses.setdefault(str(status), _problem(status))
            for status, response in responses.items():
                if _is_problem(response):
                    responses[status] = _problem(int(status))
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    return document
