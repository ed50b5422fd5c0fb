"""Personal access tokens for the API: hashed at rest, scoped, expiring, revocable."""

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dissent.events.models import Event, EventKind
from dissent.memos.models import Memo, MemoState
from dissent.org import actions as org_actions
from dissent.org.models import AccessToken, Person, TokenScope

from ..conftest import Cast, csrf, signed_in
from ..factories import make_memo

NEW_MEMO = {
    "title": "Change course on the war",
    "summary": "The policy is failing; we propose another.",
    "body": "## Why\n\nBecause.",
    "policy": "Regional policy",
    "addressee": "paula",
    "marking": "SBU",
}


def token_for(person: Person, scope: str = TokenScope.READ, days: int = 90) -> tuple[AccessToken, str]:
    return org_actions.create_access_token(person, name="laptop script", scope=scope, days=days)


def call(method: str, path: str, token: str, body: Any = None) -> Any:
    """A client with no session and CSRF checks on, as a script would be."""
    client = Client(enforce_csrf_checks=True)
    return getattr(client, method)(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_only_the_hash_of_the_secret_is_stored(cast: Cast) -> None:
    token, token_string = token_for(cast.alice)
    secret = token_string.split("_", 2)[2]

    stored = AccessToken.objects.filter(pk=token.pk).values().get()

    assert token_string.startswith(f"dct_{token.key_id}_")
    assert not any(secret in str(value) for value in stored.values())
    assert stored["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    events = Event.objects.filter(kind=EventKind.PERSON_ACCESS_TOKEN_CREATED, object_id=token.pk)
    assert [e.actor_id for e in events] == [cast.alice.pk]
    assert secret not in events[0].record
    assert stored["secret_sha256"] not in events[0].record


def test_a_token_reads_the_memos_its_owner_may_see_and_no_others(cast: Cast) -> None:
    mine = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="Alice's draft")
    hidden = make_memo(MemoState.DRAFT, drafter=cast.erin, addressee=cast.paula, title="Erin's draft")
    __, token = token_for(cast.alice)

    listed = call("get", "/memos", token)
    one = call("get", f"/memos/{mine.pk}", token)
    other = call("get", f"/memos/{hidden.pk}", token)

    assert listed.status_code == 200, listed.content
    assert [m["id"] for m in listed.json()] == [mine.pk]
    assert one.json()["title"] == "Alice's draft"
    assert other.status_code == 404


def test_a_read_token_is_refused_on_a_write_route(cast: Cast) -> None:
    __, token = token_for(cast.alice, TokenScope.READ)

    response = call("post", "/memos", token, NEW_MEMO)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "may only read" in response.json()["detail"]
    assert Memo.objects.count() == 0


def test_a_write_token_writes_without_a_csrf_token(cast: Cast) -> None:
    __, token = token_for(cast.alice, TokenScope.WRITE)

    response = call("post", "/memos", token, NEW_MEMO)

    assert response.status_code == 201, response.content
    memo = Memo.objects.get(pk=response.json()["id"])
    assert memo.title == NEW_MEMO["title"]
    assert Event.objects.filter(kind=EventKind.MEMO_CREATED, actor=cast.alice).count() == 1


def test_a_session_still_needs_the_csrf_token(cast: Cast) -> None:
    client = signed_in(cast.alice)

    refused = client.post("/api/v1/memos", data=json.dumps(NEW_MEMO), content_type="application/json")
    accepted = client.post(
        "/api/v1/memos",
        data=json.dumps(NEW_MEMO),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf(client),
    )

    assert refused.status_code == 403
    assert accepted.status_code == 201


def _expired(token: AccessToken, text: str) -> str:
    AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return text


def _revoked(token: AccessToken, text: str) -> str:
    org_actions.revoke_access_token(token.owner, token.pk)
    return text


def _wrong_secret(token: AccessToken, text: str) -> str:
    return f"dct_{token.key_id}_{'x' * 43}"


def _malformed(token: AccessToken, text: str) -> str:
    return "not-a-token"


def _unknown_id(token: AccessToken, text: str) -> str:
    return "dct_000000000000_" + text.split("_", 2)[2]


def _owner_inactive(token: AccessToken, text: str) -> str:
    Person.objects.filter(pk=token.owner_id).update(is_active=False)
    return text


@pytest.mark.parametrize(
    "spoil",
    [_expired, _revoked, _wrong_secret, _malformed, _unknown_id, _owner_inactive],
    ids=lambda f: f.__name__,
)
def test_a_bad_token_is_401_and_changes_nothing(cast: Cast, spoil: Any) -> None:
    token, text = token_for(cast.alice, TokenScope.WRITE)
    bad = spoil(token, text)
    before = Event.objects.count()

    wrote = call("post", "/memos", bad, NEW_MEMO)
    read = call("get", "/memos", bad)

    assert wrote.status_code == 401, wrote.content
    assert wrote["WWW-Authenticate"] == "Bearer"
    assert wrote["Content-Type"] == "application/problem+json"
    assert wrote.json()["status"] == 401
    assert read.status_code == 401
    assert Memo.objects.count() == 0
    assert Event.objects.count() == before
    token.refresh_from_db()
    assert token.last_used_at is None


def test_last_used_is_written_at_most_once_a_minute(cast: Cast) -> None:
    token, text = token_for(cast.alice)

    call("get", "/memos", text)
    token.refresh_from_db()
    first = token.last_used_at
    call("get", "/memos", text)
    token.refresh_from_db()

    assert first is not None
    assert token.last_used_at == first
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    call("get", "/memos", text)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first


def test_the_page_shows_the_secret_only_when_the_token_is_created(cast: Cast) -> None:
    client = signed_in(cast.alice)

    created = client.post(
        "/accounts/tokens/",
        {"name": "CI job", "scope": "write", "days": "30", "csrfmiddlewaretoken": csrf(client)},
    )
    later = client.get("/accounts/preferences/")

    assert created.status_code == 200
    token = AccessToken.objects.get(owner=cast.alice)
    shown = created.content.decode()
    start = shown.index(f"dct_{token.key_id}_")
    token_string = shown[start:].split("<", 1)[0]
    assert call("post", "/memos", token_string, NEW_MEMO).status_code == 201
    assert token_string not in later.content.decode()
    assert "CI job" in later.content.decode()
    assert f"dct_{token.key_id}" in later.content.decode()
    assert token.scope == TokenScope.WRITE
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)


@pytest.mark.parametrize(
    "form",
    [
        {"name": "", "scope": "read", "days": "30"},
        {"name": "x", "scope": "admin", "days": "30"},
        {"name": "x", "scope": "read", "days": "366"},
        {"name": "x", "scope": "read", "days": "0"},
        {"name": "x", "scope": "read", "days": "soon"},
    ],
)
def test_a_bad_token_form_is_400_and_creates_nothing(cast: Cast, form: dict[str, str]) -> None:
    client = signed_in(cast.alice)

    response = client.post("/accounts/tokens/", {**form, "csrfmiddlewaretoken": csrf(client)})

    assert response.status_code == 400
    assert AccessToken.objects.count() == 0


def test_revoking_through_the_page_ends_the_token_and_is_an_event(cast: Cast) -> None:
    token, text = token_for(cast.alice)
    client = signed_in(cast.alice)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", {"csrfmiddlewaretoken": csrf(client)})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert call("get", "/memos", text).status_code == 401
    event = Event.objects.get(kind=EventKind.PERSON_ACCESS_TOKEN_REVOKED)
    assert (event.actor_id, event.object_id) == (cast.alice.pk, token.pk)
    assert token.secret_sha256 not in event.record


def test_no_one_revokes_someone_elses_token(cast: Cast) -> None:
    token, text = token_for(cast.alice)
    client = signed_in(cast.erin)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", {"csrfmiddlewaretoken": csrf(client)})

    assert response.status_code == 404
    assert call("get", "/memos", text).status_code == 200


def test_the_bearer_scheme_is_in_the_openapi_document(cast: Cast) -> None:
    response = signed_in(cast.alice).get("/api/v1/openapi.json")

    schemes = response.json()["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
