"""Every id in every route swapped for one the caller may not see: a memo in a state or
relation they have no part in, a meeting they are not invited to, someone else's access
token. Each answers 404, the same as for an id that does not exist (so existence does not
leak), and changes nothing. The routes are read from the URLconf and the OpenAPI document,
so a new route with an id fails `test_every_route_with_an_id_is_covered` until it is added."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dissent import clock
from dissent.api.api import api
from dissent.memos import actions, responses
from dissent.memos.models import Memo
from dissent.org import actions as org_actions
from dissent.org.models import TokenScope

from ..conftest import Cast, csrf, signed_in
from ..factories import make_draft
from .scenes import NEW_MEMO, World, build_world
from .support import ApiClient, assert_problem, database_state

FUTURE = "2099-01-05T10:00"

#: URLconf route -> (method, form data). {memo}, {meeting} and {token} are filled in.
WEB_ID_ROUTES: dict[str, tuple[str, dict[str, str]]] = {
    "memos/<int:memo_id>/": ("get", {}),
    "memos/<int:memo_id>/edit/": ("post", dict(NEW_MEMO)),
    "memos/<int:memo_id>/invite/": ("post", {"usernames": "ivan"}),
    "memos/<int:memo_id>/sign/": ("post", {"visibility": "named"}),
    "memos/<int:memo_id>/unsign/": ("post", {}),
    "memos/<int:memo_id>/transition/": ("post", {"to": "filed"}),
    "memos/<int:memo_id>/addenda/": ("post", {"body": "More."}),
    "memos/<int:memo_id>/extensions/": ("post", {"amount": "3", "reason": "Busy"}),
    "memos/<int:memo_id>/receipt.json": ("get", {}),
    "memos/<int:memo_id>/reads/": ("get", {}),
    "memos/<int:memo_id>/readers/": ("post", {"username": "erin", "reason": "Visa desk"}),
    "memos/<int:memo_id>/caveats/": ("post", {}),
    "memos/<int:memo_id>/call/": ("post", {"unit": ""}),
    "memos/<int:memo_id>/acknowledge/": ("post", {"text": "Received."}),
    "memos/<int:memo_id>/reviewer/": ("post", {"reviewer": "peter"}),
    "memos/<int:memo_id>/reply/": ("post", {"text": "Considered.", "marking": "SBU"}),
    "memos/<int:memo_id>/reply/approve/": ("post", {}),
    "memos/<int:memo_id>/meeting-preference/": ("post", {"open_to_meeting": "on"}),
    "memos/<int:memo_id>/meetings/": ("post", {"starts_at": FUTURE, "place": "Room 2"}),
    "memos/<int:memo_id>/meetings/<int:meeting_id>/answer/": ("post", {"accept": "yes"}),
    "memos/<int:memo_id>/export/pdf": ("get", {}),
    "memos/<int:memo_id>/export/json": ("get", {}),
    "memos/<int:memo_id>/anonymous-counting/": ("post", {"count_both_ways": "on"}),
    "accounts/tokens/<int:token_id>/revoke/": ("post", {}),
}

#: (method, OpenAPI path) -> JSON body (None: no body).
API_ID_ROUTES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("get", "/api/v1/memos/{memo_id}"): None,
    ("patch", "/api/v1/memos/{memo_id}"): {"title": "Taken over"},
    ("post", "/api/v1/memos/{memo_id}/invitations"): {"usernames": ["ivan"]},
    ("put", "/api/v1/memos/{memo_id}/call"): {"unit": None},
    ("post", "/api/v1/memos/{memo_id}/transitions"): {"to": "filed"},
    ("post", "/api/v1/memos/{memo_id}/signatures"): {"visibility": "named"},
    ("get", "/api/v1/memos/{memo_id}/signatures"): None,
    ("delete", "/api/v1/memos/{memo_id}/signatures/mine"): None,
    ("post", "/api/v1/memos/{memo_id}/extensions"): {"amount": 3, "reason": "Busy"},
    ("get", "/api/v1/memos/{memo_id}/receipt"): None,
    ("post", "/api/v1/memos/{memo_id}/addenda"): {"body": "More."},
    ("post", "/api/v1/memos/{memo_id}/readers"): {"username": "erin", "reason": "Visa desk"},
    ("get", "/api/v1/memos/{memo_id}/distribution"): None,
    ("post", "/api/v1/memos/{memo_id}/acknowledgment"): {"text": "Received."},
    ("put", "/api/v1/memos/{memo_id}/reviewer"): {"username": "peter"},
    ("get", "/api/v1/memos/{memo_id}/reply"): None,
    ("put", "/api/v1/memos/{memo_id}/reply"): {"text": "Considered.", "marking": "SBU"},
    ("post", "/api/v1/memos/{memo_id}/reply/approval"): None,
    ("put", "/api/v1/memos/{memo_id}/signatures/mine/meeting"): {"open_to_meeting": True},
    ("get", "/api/v1/memos/{memo_id}/meetings"): None,
    ("post", "/api/v1/memos/{memo_id}/meetings"): {
        "starts_at": "2099-01-05T10:00:00+00:00",
        "place": "Room 2",
    },
    ("post", "/api/v1/meetings/{meeting_id}/answer"): {"accept": True},
    ("get", "/api/v1/memos/{memo_id}/export"): None,
    ("get", "/api/v1/memos/{memo_id}/anonymous"): None,
    ("put", "/api/v1/memos/{memo_id}/anonymous/counting"): {"count_both_ways": True},
}


def _url_routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _url_routes(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


def test_every_route_with_an_id_is_covered() -> None:
    web = {
        r
        for r in _url_routes(get_resolver().url_patterns)
        if "<" in r and not r.startswith(("api/", "admin/"))
    }
    with_ids = {
        (method, path)
        for path, item in api.get_openapi_schema()["paths"].items()
        if "{" in path
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }

    assert web == set(WEB_ID_ROUTES), "add the route to WEB_ID_ROUTES with the form it takes"
    assert with_ids == set(API_ID_ROUTES), "add the route to API_ID_ROUTES with the body it takes"


#: (caller, memo of the world they may not see). Why each is hidden: docs/memos.md.
HIDDEN = [
    ("erin", "draft"),  # unrelated member: nothing
    ("erin", "open"),
    ("erin", "filed"),
    ("erin", "acknowledged"),
    ("bob", "draft"),  # invited to another memo, signer of a third: not this one
    ("bob", "acknowledged"),
    ("dave", "filed"),  # bob's supervisor: nothing by role
    ("carol", "draft"),  # custodians see filed memos only
    ("carol", "open"),
    ("peter", "filed"),  # a principal who is not the addressee
    ("peter", "acknowledged"),
    ("audrey", "draft"),  # auditors see filed records only
    ("adam", "open"),  # administrators see nothing by role
    ("adam", "filed"),
]


def _web_path(route: str, memo_id: int, meeting_id: int, token_id: int) -> str:
    return "/" + route.replace("<int:memo_id>", str(memo_id)).replace(
        "<int:meeting_id>", str(meeting_id)
    ).replace("<int:token_id>", str(token_id))


@pytest.mark.parametrize(("caller", "hidden"), HIDDEN, ids=[f"{c}-{m}" for c, m in HIDDEN])
def test_every_page_answers_404_for_a_memo_the_caller_may_not_see(
    cast: Cast, caller: str, hidden: str
) -> None:
    world = build_world(cast)
    person = getattr(cast, caller)
    memo: Memo = getattr(world, hidden)
    others_token, __ = org_actions.create_access_token(
        cast.alice, name="alice's", scope=TokenScope.WRITE, days=9
    )
    client = signed_in(person)
    before = database_state()

    for route, (method, data) in WEB_ID_ROUTES.items():
        path = _web_path(route, memo.pk, world.meeting.pk, others_token.pk)
        if method == "get":
            response = client.get(path)
        else:
            response = client.post(path, {**data, "csrfmiddlewaretoken": csrf(client)})
        assert response.status_code == 404, (route, response.status_code)
        assert memo.title not in response.content.decode(), route

    assert database_state() == before


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize(("caller", "hidden"), HIDDEN, ids=[f"{c}-{m}" for c, m in HIDDEN])
def test_every_api_route_answers_404_for_a_memo_the_caller_may_not_see(
    cast: Cast, caller: str, hidden: str, how: str
) -> None:
    world = build_world(cast)
    memo: Memo = getattr(world, hidden)
    client = ApiClient(getattr(cast, caller), how=how)
    before = database_state()

    for (method, path), body in API_ID_ROUTES.items():
        url = path.removeprefix("/api/v1").format(memo_id=memo.pk, meeting_id=world.meeting.pk)
        if method == "get":
            response = client.get(url + ("?format=json" if url.endswith("/export") else ""))
        else:
            response = client.send(method, url, body)
        assert_problem(response, 404, case=(method, path))
        assert memo.title not in response.content.decode()

    assert database_state() == before


def _as_seen(page: bytes, memo_id: int) -> str:
    """The page without its per-response CSRF token and its own address (the language
    switcher comes back to it)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.decode())
    return text.replace(f"/memos/{memo_id}/", "/memos/ID/")


def test_a_hidden_memo_and_a_missing_one_answer_alike(cast: Cast) -> None:
    world = build_world(cast)
    client = ApiClient(cast.erin, how="token")
    page = signed_in(cast.erin)
    missing = Memo.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000  # type: ignore[operator]

    hidden_api, missing_api = client.get(f"/memos/{world.filed.pk}"), client.get(f"/memos/{missing}")
    hidden_page, missing_page = page.get(f"/memos/{world.filed.pk}/"), page.get(f"/memos/{missing}/")

    assert hidden_api.status_code == missing_api.status_code == 404
    assert hidden_api.json() == missing_api.json()
    assert hidden_page.status_code == missing_page.status_code == 404
    assert _as_seen(hidden_page.content, world.filed.pk) == _as_seen(missing_page.content, missing)


def test_someone_elses_token_cannot_be_revoked_and_is_not_found(cast: Cast) -> None:
    token, token_string = org_actions.create_access_token(
        cast.bob, name="bob's", scope=TokenScope.READ, days=9
    )
    client = signed_in(cast.alice)
    before = database_state()

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", {"csrfmiddlewaretoken": csrf(client)})

    assert response.status_code == 404
    assert "no such token" in response.content.decode()
    assert database_state() == before
    still = Client().get("/api/v1/memos", HTTP_AUTHORIZATION=f"Bearer {token_string}")
    assert still.status_code == 200


def _world_with_erins_meeting(world: World, cast: Cast) -> tuple[Memo, Any]:
    erins = make_draft(cast.erin, cast.paula, title="Erin's memo")
    actions.file_memo(erins, cast.erin)
    meeting = responses.propose_meeting(
        erins, cast.paula, starts_at=clock.now() + timedelta(days=2), place="Room 9"
    )
    return erins, meeting


def test_a_meeting_is_not_found_under_another_memos_address(cast: Cast) -> None:
    """alice is invited to a meeting on her memo; the address of a memo she cannot see, or
    of another of hers, does not reach it."""
    world = build_world(cast)
    erins, erins_meeting = _world_with_erins_meeting(world, cast)
    client = signed_in(cast.alice)
    api_client = ApiClient(cast.alice, how="token")
    before = database_state()

    def answer(memo_id: int, meeting_id: int) -> Any:
        return client.post(
            f"/memos/{memo_id}/meetings/{meeting_id}/answer/",
            {"accept": "yes", "csrfmiddlewaretoken": csrf(client)},
        )

    under_hidden = answer(erins.pk, world.meeting.pk)
    under_other = answer(world.draft.pk, world.meeting.pk)
    not_invited = answer(world.acknowledged.pk, erins_meeting.pk)
    api_not_invited = api_client.send("post", f"/meetings/{erins_meeting.pk}/answer", {"accept": True})

    assert [under_hidden.status_code, under_other.status_code, not_invited.status_code] == [404, 404, 404]
    assert_problem(api_not_invited, 404)
    assert database_state() == before
    assert answer(world.acknowledged.pk, world.meeting.pk).status_code == 302  # its own address works
