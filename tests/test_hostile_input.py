"""Hostile request bodies and query strings get a clear 4xx with a message, never a 500, and
change nothing: oversized and deeply nested JSON, invalid UTF-8, NUL characters and half
UTF-16 pairs in every text field, huge and pathological Markdown. On the JSON API (with a
personal access token and with the browser session) and on the web forms.

More of the corpus is in tests/hostile/: Unicode tricks in titles, export file names, SQL
and FTS5 metacharacters in search, and every id swapped for one the caller may not touch."""

import time
from typing import Any

import pytest
from django.conf import settings

from dissent.api.api import api
from dissent.memos.models import MemoState
from dissent.org.models import Person

from .conftest import Cast, csrf, signed_in
from .factories import make_memo
from .hostile.scenes import NEW_MEMO, build_world, text_fields, with_text
from .hostile.scenes import api_write_routes as scene_routes
from .hostile.support import HOW, ApiClient, assert_problem, database_state

#: Every API operation that takes a JSON body (checked against the OpenAPI document below).
API_WRITE_ROUTES = [
    ("post", "/api/v1/memos"),
    ("patch", "/api/v1/memos/{memo_id}"),
    ("post", "/api/v1/memos/{memo_id}/invitations"),
    ("put", "/api/v1/memos/{memo_id}/call"),
    ("post", "/api/v1/memos/{memo_id}/transitions"),
    ("post", "/api/v1/memos/{memo_id}/signatures"),
    ("post", "/api/v1/memos/{memo_id}/extensions"),
    ("post", "/api/v1/memos/{memo_id}/addenda"),
    ("post", "/api/v1/memos/{memo_id}/readers"),
    ("post", "/api/v1/memos/{memo_id}/acknowledgment"),
    ("put", "/api/v1/memos/{memo_id}/reviewer"),
    ("put", "/api/v1/memos/{memo_id}/reply"),
    ("put", "/api/v1/memos/{memo_id}/signatures/mine/meeting"),
    ("post", "/api/v1/memos/{memo_id}/meetings"),
    ("post", "/api/v1/meetings/{meeting_id}/answer"),
    ("post", "/api/v1/similar"),
    ("post", "/api/v1/anonymous/keys"),
    ("post", "/api/v1/anonymous/signatures"),
    ("post", "/api/v1/anonymous/receipt"),
    ("put", "/api/v1/memos/{memo_id}/anonymous/counting"),
]


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_api_route_with_a_body_is_in_the_corpus() -> None:
    with_body = {(method, path) for method, path, op in _operations() if "requestBody" in op}

    assert with_body == set(API_WRITE_ROUTES), (
        "add the new route to API_WRITE_ROUTES and tests/hostile/scenes.py"
    )


def _oversized() -> bytes:
    """Valid JSON, one byte over the limit Django reads into memory."""
    filler = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return b'{"title": "' + b"a" * filler + b'"}'


#: (what, body, the statuses that answer it)
MALFORMED_BODIES: list[tuple[str, bytes, set[int]]] = [
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, {400, 422}),
    ("nested objects 50,000 deep", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {400, 422}),
    ("unterminated nesting", b"[" * 100_000, {400}),
    ("invalid UTF-8", b'{"title": "\xff\xfe\xc0\xaf"}', {400}),
    ("overlong UTF-8 NUL", b'{"title": "\xc0\x80"}', {400}),
    ("UTF-16 with a byte-order mark", '{"title": "x"}'.encode("utf-16"), {400}),
    ("not JSON", b"title=x&summary=y", {400}),
    ("NUL byte outside strings", b'{"title": "x"}\x00', {400}),
    ("a string where an object belongs", b'"title"', {400, 422}),
]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("route", API_WRITE_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_hostile_json_bodies_are_refused_and_change_nothing(
    cast: Cast, how: str, route: tuple[str, str]
) -> None:
    world = build_world(cast)
    caller, path, payload = scene_routes(world)[route]
    client = ApiClient(caller, how=how)
    method = route[0]
    before = database_state()

    too_big = client.send(method, path, _oversized())
    assert_problem(too_big, 413)
    assert "too large" in too_big.json()["detail"]
    for what, body, statuses in MALFORMED_BODIES:
        response = client.send(method, path, body)
        assert_problem(response, *statuses, case=what)
    for field in text_fields(payload):
        for text in ["visa\x00policy", "\x00"]:
            response = client.send(method, path, with_text(payload, field, text))
            assert_problem(response, 400, 422, case=(field, text))

    assert database_state() == before
    done = client.send(method, path, payload)  # the same request, without the hostile part, works
    assert 200 <= done.status_code < 300, done.content


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("route", API_WRITE_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_a_json_list_is_not_taken_for_an_empty_object(cast: Cast, how: str, route: tuple[str, str]) -> None:
    """`[]` is not "no changes": PATCH would succeed doing nothing, an acknowledgment would
    be sent with the standard text."""
    world = build_world(cast)
    caller, path, __ = scene_routes(world)[route]
    client = ApiClient(caller, how=how)
    before = database_state()

    for body in [b"[]", b"[1, 2, 3]", b'[{"title": "x"}]', b"null", b"17"]:
        assert_problem(client.send(route[0], path, body), 400, 422, case=body)

    assert database_state() == before


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("route", API_WRITE_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_half_a_utf16_pair_in_any_text_field_is_refused(cast: Cast, how: str, route: tuple[str, str]) -> None:
    """JSON can escape a lone surrogate ("\\ud800"); Python accepts it, no database stores it."""
    world = build_world(cast)
    caller, path, payload = scene_routes(world)[route]
    client = ApiClient(caller, how=how)
    before = database_state()

    for field in text_fields(payload):
        for text in ["\ud800", "visa \udfff policy"]:
            response = client.send(route[0], path, with_text(payload, field, text))
            assert_problem(response, 400, 422, case=(field, text))

    assert database_state() == before


def _api_get_paths(memo_id: int, meeting_id: int) -> list[str]:
    return [
        path.removeprefix("/api/v1").format(memo_id=memo_id, meeting_id=meeting_id)
        for method, path, __ in _operations()
        if method == "get"
    ]


@pytest.mark.parametrize("how", HOW)
def test_invalid_utf8_and_nul_in_query_strings_never_break_an_api_route(cast: Cast, how: str) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)
    client = ApiClient(cast.alice, how=how)
    before = database_state()["rows"]

    for path in _api_get_paths(memo.pk, 1):
        for query in ["%ff%fe=%c0%af", "q=%ff%fe", "q=%00", "limit=%00", "format=%ff", "state=%ed%a0%80"]:
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, query)
            if response.status_code >= 400:
                assert_problem(response, response.status_code)

    assert database_state()["rows"] == before


WEB_GET_PATHS = ["/", "/search/", "/inbox/", "/log/", "/accounts/preferences/", "/memos/new/"]


def test_invalid_utf8_and_nul_in_query_strings_never_break_a_page(cast: Cast) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)
    client = signed_in(cast.alice)
    before = database_state()["rows"]

    for path in [*WEB_GET_PATHS, f"/memos/{memo.pk}/"]:
        for query in ["%ff%fe=%c0%af", "q=%ff%fe", "q=%00", "q=a%00b&since=%00&marking=%00&page=%00"]:
            response = client.get(f"{path}?{query}")
            assert response.status_code in {200, 400}, (path, query, response.status_code)

    assert database_state()["rows"] == before
    refused = client.get("/search/?q=visa%00policy")
    assert refused.status_code == 400
    assert "Null characters are not allowed" in refused.content.decode()


# The web forms: each field holding text gets a NUL; the form answers 400 with the reason.
def _web_forms(cast: Cast) -> list[tuple[Person, str, dict[str, str]]]:
    world = build_world(cast)
    w = world
    future = "2099-01-05T10:00"
    return [
        (cast.alice, "/memos/new/", dict(NEW_MEMO)),
        (cast.alice, f"/memos/{w.draft.pk}/edit/", dict(NEW_MEMO)),
        (cast.alice, f"/memos/{w.draft.pk}/invite/", {"usernames": "ivan"}),
        (cast.alice, f"/memos/{w.draft.pk}/call/", {"unit": "embassy"}),
        (cast.alice, f"/memos/{w.draft.pk}/transition/", {"to": "open"}),
        (cast.bob, f"/memos/{w.open.pk}/sign/", {"visibility": "named"}),
        (cast.carol, f"/memos/{w.filed.pk}/extensions/", {"amount": "5", "reason": "Travelling"}),
        (cast.alice, f"/memos/{w.filed.pk}/addenda/", {"body": "One more figure."}),
        (cast.carol, f"/memos/{w.filed.pk}/readers/", {"username": "erin", "reason": "Visa desk"}),
        (cast.carol, f"/memos/{w.filed.pk}/acknowledge/", {"text": "Received."}),
        (cast.carol, f"/memos/{w.filed.pk}/reviewer/", {"reviewer": "peter"}),
        (cast.carol, f"/memos/{w.acknowledged.pk}/reply/", {"text": "Considered.", "marking": "SBU"}),
        (cast.paula, f"/memos/{w.acknowledged.pk}/meetings/", {"starts_at": future, "place": "Room 2"}),
        (cast.alice, f"/memos/{w.acknowledged.pk}/meetings/{w.meeting.pk}/answer/", {"accept": "yes"}),
        (cast.alice, "/accounts/tokens/", {"name": "laptop", "scope": "read", "days": "30"}),
        (cast.alice, "/accounts/preferences/", {"language": "en", "time_zone": "Asia/Jakarta"}),
    ]


#: Django's DateTimeField reads "2099-01-05T10:00\x00" as the time it starts with; only the
#: parsed time is stored, so the NUL goes nowhere.
PARSED_LENIENTLY = {"starts_at"}

#: What the form says about a value with a NUL in it, by kind of field.
REASONS = [
    "Null characters are not allowed",
    "Select a valid choice",
    "Enter a whole number",
    "Give the token a name",
    "Choose a language and a time zone",
]


def test_a_nul_in_any_web_form_field_is_a_400_that_changes_nothing(cast: Cast) -> None:
    forms = _web_forms(cast)
    clients: dict[str, Any] = {}
    before = database_state()

    for person, path, data in forms:
        if person.username not in clients:
            clients[person.username] = signed_in(person)
        client = clients[person.username]
        for field in set(data) - PARSED_LENIENTLY:
            hostile = {**data, field: f"{data[field]}\x00", "csrfmiddlewaretoken": csrf(client)}
            response = client.post(path, hostile)
            assert response.status_code == 400, (path, field, response.status_code)
            page = response.content.decode()
            assert any(reason in page for reason in REASONS), (path, field)

    assert database_state() == before
    for person, path, data in forms:  # and the same forms, without the NUL, are accepted
        client = clients[person.username]
        response = client.post(path, {**data, "csrfmiddlewaretoken": csrf(client)})
        assert response.status_code in {200, 302}, (path, response.status_code)


def test_invalid_utf8_in_a_web_form_is_kept_visible_not_a_crash(cast: Cast) -> None:
    """Django decodes a form with replacement characters; what arrives is stored as shown."""
    client = signed_in(cast.alice)
    body = "&".join(f"{k}={v}" for k, v in NEW_MEMO.items()).replace("Change", "Ch%ff%feange")
    body += f"&csrfmiddlewaretoken={csrf(client)}"

    response = client.post("/memos/new/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Ch\ufffd\ufffdange course on visas" in page.content.decode()


# Markdown: a body over the limit is refused; pathological nesting within it renders quickly
# and safely (markdown-it limits nesting; nh3 cleans). Figures: docs/memos.md.
PATHOLOGICAL = {
    "blockquotes": ">" * 50_000,
    "emphasis": "*" * 50_000,
    "brackets": "[" * 50_000,
    "images": "![" * 25_000,
    "unclosed links": "[a](" * 12_500,
    "mixed emphasis": "*a **" * 10_000,
    "nested lists": "".join("  " * i + "- a\n" for i in range(300)),
    "html nesting": "<div>" * 10_000,
    "backticks": "`a" * 25_000,
    "table": "|a|b|\n|-|-|\n" + "|x|y|\n" * 8_000,
}


#: Refused because markdown-it-py's time grows with the square of the "[" in a paragraph.
TOO_MANY_BRACKETS = {"brackets", "images", "unclosed links"}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_markdown_is_refused_or_renders_quickly_and_safely(cast: Cast, name: str) -> None:
    client = ApiClient(cast.alice, how="token")
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)
    body = PATHOLOGICAL[name] + "\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"
    before = database_state()

    started = time.monotonic()
    saved = client.send("patch", f"/memos/{memo.pk}", {"body": body})
    page = signed_in(cast.alice).get(f"/memos/{memo.pk}/")
    took = time.monotonic() - started

    assert took < 3, f"{name}: saving and showing took {took:.1f} s"
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert" not in html and "onerror=" not in html
    if name in TOO_MANY_BRACKETS:
        assert "brackets, at most 2000" in assert_problem(saved, 400)["detail"]
        assert database_state()["rows"] == before["rows"]
    else:
        assert saved.status_code == 200, saved.content[:300]
        assert "<script>alert" not in saved.json()["body_html"]


def test_a_body_with_many_brackets_is_refused_in_every_markdown_field(cast: Cast) -> None:
    world = build_world(cast)
    routes = scene_routes(world)
    client = {p.username: ApiClient(p, how="token") for p in (cast.alice, cast.carol)}
    brackets = "[" * 2_001
    before = database_state()

    for route, field in [
        (("post", "/api/v1/memos"), "body"),
        (("patch", "/api/v1/memos/{memo_id}"), "body"),
        (("post", "/api/v1/memos/{memo_id}/addenda"), "body"),
        (("put", "/api/v1/memos/{memo_id}/reply"), "text"),
    ]:
        caller, path, payload = routes[route]
        response = client[caller.username].send(route[0], path, with_text(payload, field, brackets))
        assert "2001 “[” brackets, at most 2000" in assert_problem(response, 400, case=route)["detail"]

    assert database_state() == before


@pytest.mark.parametrize("how", HOW)
def test_a_megabyte_of_markdown_is_refused_with_the_limit(cast: Cast, how: str) -> None:
    client = ApiClient(cast.alice, how=how)
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)
    before = database_state()

    created = client.send("post", "/memos", {**NEW_MEMO, "body": "a" * 1_000_000})
    edited = client.send("patch", f"/memos/{memo.pk}", {"body": "> *" * 333_334})

    for response in (created, edited):
        assert "at most 100000" in assert_problem(response, 400)["detail"]
    assert database_state() == before


def test_a_megabyte_of_markdown_in_the_web_form_is_refused(cast: Cast) -> None:
    client = signed_in(cast.alice)
    before = database_state()

    response = client.post(
        "/memos/new/", {**NEW_MEMO, "body": "[" * 1_000_000, "csrfmiddlewaretoken": csrf(client)}
    )

    assert response.status_code == 400
    assert "at most 100000 characters" in response.content.decode()
    assert database_state() == before
