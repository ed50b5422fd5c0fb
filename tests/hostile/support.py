"""What every hostile-input test needs: the two kinds of API client (a personal access token,
and the browser session with its CSRF token), and a picture of the database to show that a
refused request changed nothing."""

import json
from typing import Any

from django.apps import apps
from django.test import Client

from dissent.memos.models import Drafter, Invitation, Memo, Reader, Signature
from dissent.memos.models import MeetingInvitation as MeetingInvite
from dissent.org import actions as org_actions
from dissent.org.models import AccessToken, Person, TokenScope

from ..conftest import csrf, signed_in

#: Tables a request may write without changing anything a person did: sessions and their
#: last-seen time, sign-in attempts, a token's last use.
_IGNORED_APPS = {"sessions", "axes", "contenttypes", "admin", "auth", "otp_totp", "otp_static"}
_IGNORED_MODELS = {"org.Session"}


def database_state() -> dict[str, Any]:
    """Row counts of every table of ours (events, tasks and read records included), and the
    rows of everything a person can change, so that `before == after` means nothing changed."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in _IGNORED_APPS
        and model._meta.label not in _IGNORED_MODELS
        and not model._meta.proxy
    }
    rows = {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in (Memo, Signature, Invitation, Drafter, Reader, MeetingInvite)
    }
    tokens = list(AccessToken.objects.order_by("pk").values("pk", "revoked_at", "expires_at", "scope"))
    return {"counts": counts, "rows": rows, "tokens": tokens}


class ApiClient:
    """/api/v1 as a script (Bearer token, no session, CSRF checks on) or a browser (session
    cookie and X-CSRFToken) calls it. `send` takes raw bytes, so bodies need not be JSON."""

    def __init__(self, person: Person, *, how: str) -> None:
        self.how = how
        if how == "token":
            __, token = org_actions.create_access_token(
                person, name="hostile", scope=TokenScope.WRITE, days=1
            )
            self.client = Client(enforce_csrf_checks=True)
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        else:
            self.client = signed_in(person)
            self.headers = {"HTTP_X_CSRFTOKEN": csrf(self.client)}

    def send(self, method: str, path: str, body: bytes | Any = None, **extra: Any) -> Any:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        return self.client.generic(
            method.upper(),
            f"/api/v1{path}",
            data or b"",
            content_type="application/json",
            **self.headers,
            **extra,
        )

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(f"/api/v1{path}", **self.headers, **extra)


HOW = ["token", "session"]


def assert_problem(response: Any, *statuses: int, case: object = "") -> dict[str, Any]:
    """A 4xx in the API's one error shape (RFC 9457), with a message for a person."""
    assert response.status_code in statuses, (case, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["detail"].strip()
    return problem
