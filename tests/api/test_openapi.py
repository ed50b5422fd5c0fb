"""The OpenAPI document describes every route of /api/v1/ with every answer it can give, and
every error really is the documented RFC 9457 problem details object.

The routes are found by walking the URLconf and ninja's routers, not from the document, so
a route added without its documentation fails here."""

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import Operation

from dissent.api import django_errors
from dissent.api.api import api
from dissent.memos.models import Memo, MemoState
from dissent.org import actions as org_actions
from dissent.org.models import Person, TokenScope

from ..conftest import Cast, csrf, signed_in
from ..factories import make_memo

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/ProblemDetails"
#: Served by ninja beside the routes: the document itself, its HTML viewer, the API's root.
NOT_ROUTES = {"/openapi.json", "/docs", ""}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def ninja_routes() -> Iterator[tuple[str, str, Operation]]:
    """(method, documented path, operation) for every operation of every router."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield method, PREFIX + (bound.prefix + path).rstrip("/"), operation


def urlconf_api_paths() -> set[str]:
    """The paths of the URLconf under /api/v1/, in OpenAPI's {name} form."""
    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).rstrip("/"))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = sorted(ninja_routes(), key=lambda r: (r[1], r[0]))


@pytest.fixture(scope="module")
def document(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def problem_validator(document: dict[str, Any]) -> Any:
    schema = {"$ref": PROBLEM_REF, "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def assert_documented_problem(document: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The answer is problem details, valid against the ProblemDetails schema, with a status
    the document declares for this route."""
    body = json.loads(response.content)
    assert response["Content-Type"] == PROBLEM, (method, path, response.status_code, response.content)
    errors = [e.message for e in problem_validator(document).iter_errors(body)]
    assert errors == [], (method, path, body)
    assert body["status"] == response.status_code
    assert body["type"] == "about:blank"
    assert body["detail"].strip()
    declared = document["paths"][path][method.lower()]["responses"]
    assert str(response.status_code) in declared, (
        f"{method} {path} answers {response.status_code} undocumented"
    )


def test_every_api_path_in_the_urlconf_is_a_documented_route(document: dict[str, Any]) -> None:
    served = urlconf_api_paths() - {PREFIX + p for p in NOT_ROUTES}

    assert served == set(document["paths"])
    assert served == {path for __, path, __ in ROUTES}


@pytest.mark.parametrize(("method", "path", "operation"), ROUTES, ids=[f"{m} {p}" for m, p, __ in ROUTES])
def test_each_route_documents_its_answers(
    document: dict[str, Any], method: str, path: str, operation: Operation
) -> None:
    documented = document["paths"][path][method.lower()]
    responses = documented["responses"]
    statuses = {int(s) for s in responses}
    needs_credentials = bool(operation.auth_callbacks)

    assert any(200 <= s < 300 for s in statuses)
    assert 500 in statuses
    if needs_credentials:
        assert {401, 403} <= statuses
        assert {"TokenAuth": []} in documented["security"]
        assert {"SessionAuth": []} in documented["security"]
    else:
        assert "security" not in documented
    if documented.get("parameters"):
        assert 422 in statuses
    if "requestBody" in documented:
        assert {400, 413, 415, 422} <= statuses
        assert list(documented["requestBody"]["content"]) == ["application/json"]
    for status, response in responses.items():
        if int(status) >= 400:
            assert response["content"] == {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}, (status, response)
        elif int(status) != 204:
            assert response["content"], status


def test_both_kinds_of_credentials_are_declared(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]

    assert schemes["TokenAuth"]["type"] == "http"
    assert schemes["TokenAuth"]["scheme"] == "bearer"
    assert schemes["SessionAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": schemes["SessionAuth"]["description"],
    }
    assert "X-CSRFToken" in schemes["SessionAuth"]["description"]


def test_the_problem_schema_has_the_rfc_9457_members(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["ProblemDetails"]

    assert set(schema["required"]) == {"type", "title", "status", "detail"}
    assert problem_validator(document).is_valid({"type": "x", "title": "x", "status": 409, "detail": "x"})
    assert not problem_validator(document).is_valid({"detail": "Not found"})


# --- real error answers, route by route -------------------------------------------------


def concrete(path: str, memo_id: int) -> str:
    return path.replace("{memo_id}", str(memo_id)).replace("{meeting_id}", str(memo_id))


def bearer(person: Person, scope: str = TokenScope.WRITE) -> dict[str, str]:
    __, token = org_actions.create_access_token(person, name="openapi test", scope=scope, days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def send(
    method: str, path: str, body: bytes | None = None, content_type: str = "application/json", **extra: Any
) -> Any:
    client = Client(enforce_csrf_checks=True)
    if body is None:
        return client.generic(method, path, **extra)
    return client.generic(method, path, body, content_type=content_type, **extra)


@pytest.mark.parametrize(("method", "path", "operation"), ROUTES, ids=[f"{m} {p}" for m, p, __ in ROUTES])
def test_each_route_gives_its_errors_as_documented_problems(
    document: dict[str, Any], cast: Cast, method: str, path: str, operation: Operation
) -> None:
    documented = document["paths"][path][method.lower()]
    takes_body = "requestBody" in documented
    url = concrete(path, 2**62)  # an id no memo or meeting has
    token = bearer(cast.alice)
    answers: list[tuple[int, Any]] = []  # (the status it must be, the response)

    if operation.auth_callbacks:
        answers.append((401, send(method, url)))  # no credentials
        answers.append((401, send(method, url, HTTP_AUTHORIZATION="Bearer dct_nope")))  # a bad token
        if method in UNSAFE:
            answers.append((403, send(method, url, b"{}", **bearer(cast.alice, TokenScope.READ))))
    if "{" in path:
        answers.append((422, send(method, concrete(path, 0), b"{}" if takes_body else None, **token)))
    if takes_body:
        answers.append((415, send(method, url, b"title=x", "application/x-www-form-urlencoded", **token)))
        answers.append((400, send(method, url, b'{"title": "\xff"}', **token)))  # not UTF-8
        answers.append((400, send(method, url, b"{", **token)))  # not JSON
        answers.append((422, send(method, url, b"[]", **token)))  # not an object
    elif "{" in path:
        query = "?format=json" if path.endswith("/export") else ""
        answers.append((404, send(method, url + query, **token)))  # no such memo or meeting
    numbers = [
        p["name"]
        for p in documented.get("parameters", [])
        if p["in"] == "query" and p["schema"].get("type") == "integer"
    ]
    if numbers:
        answers.append((422, send(method, f"{url}?{numbers[0]}=x", **token)))  # not a number

    if not answers:  # a public route that takes nothing: it can only fail on our side
        assert not operation.auth_callbacks
        assert not documented.get("parameters")
        return
    for status, response in answers:
        assert response.status_code == status, (status, response.content)
        assert_documented_problem(document, method, path, response)
    if operation.auth_callbacks:
        assert answers[0][1]["WWW-Authenticate"] == "Bearer"


# --- answers from outside the routes ----------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_an_unknown_api_path_is_a_404_problem(cast: Cast, method: str) -> None:
    session = signed_in(cast.alice)  # a signed-in session and no CSRF token: still 404

    responses = [
        session.generic(method, f"{PREFIX}/no-such-route"),
        Client().generic(method, "/api/v2/memos"),
        Client().generic(method, f"{PREFIX}/"),
        Client().generic(method, f"{PREFIX}/memos/1/signatures/mine/extra"),
    ]

    for response in responses:
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert json.loads(response.content)["status"] == 404


def test_an_unknown_page_outside_the_api_is_still_the_html_page(cast: Cast) -> None:
    response = signed_in(cast.alice).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_a_405_problem_naming_the_allowed_ones(
    document: dict[str, Any], cast: Cast
) -> None:
    response = send("DELETE", f"{PREFIX}/memos", **bearer(cast.alice))

    body = json.loads(response.content)
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert problem_validator(document).is_valid(body)
    assert response["Allow"] == "GET, POST"
    assert "GET, POST" in body["detail"]


def test_a_session_post_without_the_csrf_token_is_a_403_problem(document: dict[str, Any], cast: Cast) -> None:
    session = signed_in(cast.alice)
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    path = "/api/v1/memos/{memo_id}/transitions"

    refused = session.post(concrete(path, memo.pk), {"to": "withdrawn"}, content_type="application/json")
    accepted = session.post(
        concrete(path, memo.pk),
        {"to": "withdrawn"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf(session),
    )

    assert refused.status_code == 403
    assert_documented_problem(document, "POST", path, refused)
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 200
    assert Memo.objects.get(pk=memo.pk).state == MemoState.WITHDRAWN


def test_a_post_with_no_credentials_at_all_is_401_not_a_csrf_refusal(
    document: dict[str, Any], db: None
) -> None:
    response = Client(enforce_csrf_checks=True).post("/api/v1/memos", {}, content_type="application/json")

    assert response.status_code == 401
    assert_documented_problem(document, "POST", "/api/v1/memos", response)


def test_a_body_over_the_upload_limit_is_a_413_problem(
    document: dict[str, Any], cast: Cast, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = send(
        "POST", "/api/v1/similar", json.dumps({"body": "x" * 2_000}).encode(), **bearer(cast.alice)
    )

    assert response.status_code == 413
    assert_documented_problem(document, "POST", "/api/v1/similar", response)


def test_deeply_nested_json_is_a_400_problem_and_changes_nothing(
    document: dict[str, Any], cast: Cast
) -> None:
    body = b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    response = send("POST", "/api/v1/memos", body, **bearer(cast.alice))

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert_documented_problem(document, "POST", "/api/v1/memos", response)
    assert Memo.objects.count() == 0


def test_an_unexpected_error_is_a_500_problem_that_tells_nothing_of_the_cause(
    document: dict[str, Any], cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("dissent.memos.queries.memos_for", broken)

    response = send("GET", "/api/v1/memos", **bearer(cast.alice))

    assert response.status_code == 500
    assert_documented_problem(document, "GET", "/api/v1/memos", response)
    assert b"secret internals" not in response.content


def test_error_details_are_given_in_the_callers_language(cast: Cast) -> None:
    """The detail goes through gettext: with the catalogue's language active it is looked up
    there (the Indonesian text comes with the lead's catalogue update)."""
    english = send("DELETE", f"{PREFIX}/memos", **bearer(cast.alice), HTTP_ACCEPT_LANGUAGE="en")
    indonesian = send("DELETE", f"{PREFIX}/memos", **bearer(cast.alice), HTTP_ACCEPT_LANGUAGE="id")

    assert english.json()["title"] == indonesian.json()["title"] == "Method Not Allowed"
    assert english["Content-Language"] == "en"
    assert indonesian["Content-Language"] == "id"


def test_an_error_outside_any_route_is_a_500_problem_under_the_api_only(
    document: dict[str, Any], db: None
) -> None:
    """handler500: what Django answers when something fails before a route runs."""
    api_answer = django_errors.server_error(RequestFactory().get("/api/v1/memos"))
    page_answer = django_errors.server_error(RequestFactory().get("/memos/"))

    assert api_answer.status_code == 500
    assert api_answer["Content-Type"] == PROBLEM
    assert problem_validator(document).is_valid(json.loads(api_answer.content))
    assert page_answer.status_code == 500
    assert page_answer["Content-Type"].startswith("text/html")


# --- what the fuzzer found ----------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ['"r\\u0000b"', '"\\ud800carol"'], ids=["NUL character", "half a surrogate pair"]
)
def test_text_no_database_can_hold_is_a_400_problem_and_changes_nothing(
    document: dict[str, Any], cast: Cast, username: str
) -> None:
    """Both reached the database and failed there as a 500 (NUL on PostgreSQL)."""
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, custodian=cast.carol)
    path = "/api/v1/memos/{memo_id}/reviewer"

    response = send(
        "PUT", concrete(path, memo.pk), b'{"username": ' + username.encode() + b"}", **bearer(cast.carol)
    )

    assert response.status_code == 400
    assert_documented_problem(document, "PUT", path, response)
    memo.refresh_from_db()
    assert memo.reviewer_id is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/similar", '{"exclude": true}'),  # was taken as memo 1
        ("/api/v1/similar", '"a string"'),  # was read as an empty object, so accepted
        ("/api/v1/memos/{memo_id}/extensions", '{"amount": "5", "reason": "Legal review."}'),
        ("/api/v1/memos/{memo_id}/signatures/mine/meeting", '{"open_to_meeting": 1}'),
    ],
)
def test_a_value_of_another_json_type_is_a_422_problem(
    document: dict[str, Any], cast: Cast, path: str, body: str
) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, custodian=cast.carol)

    response = send(
        "POST" if "meeting" not in path else "PUT",
        concrete(path, memo.pk),
        body.encode(),
        **bearer(cast.carol),
    )

    assert response.status_code == 422
    assert_documented_problem(document, response.request["REQUEST_METHOD"], path, response)
