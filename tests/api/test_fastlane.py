"""The co-signing fast lane (dissent/api/fastlane.py): it answers only what the whole stack
would answer 201, the same way, and hands everything else to Django untouched."""

import io
import json
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from dissent import clock
from dissent.api.fastlane import FastLane
from dissent.events.models import Event, PendingEvent
from dissent.memos.models import Memo, MemoState, Signature
from dissent.org import actions as org_actions
from dissent.org import two_factor
from dissent.org.models import AccessToken, Person, Role, TokenScope
from dissent.web.middleware import LAST_SEEN, TWO_FACTOR_CHOSEN

from ..conftest import Cast, csrf, signed_in
from ..factories import enrol_authenticator, make_memo, make_person

#: Headers whose values differ between two answers for reasons other than the path taken
#: (two signatures' ids may differ in length; each answer's length is checked on its own).
VARYING = {"Content-Length", "Date"}


class Django:
    """The project's Django WSGI app, counting the requests it answers."""

    def __init__(self) -> None:
        self.app = WSGIHandler()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def django_app(db: None) -> Django:
    return Django()


@contextmanager
def in_test_transaction() -> Iterator[None]:
    """The apps run in this thread and so inside the test's transaction: Django's
    end-of-request connection handling would roll that back, so it is kept out as the test
    client does (which connects it again after each of its own requests)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def lane(django_app: Django) -> FastLane:
    return FastLane(django_app)


def call(
    app: Any,
    memo: Memo | int,
    *,
    client: Client | None = None,
    body: bytes = b'{"visibility": "named"}',
    method: str = "POST",
    path: str = "",
    **headers: str,
) -> tuple[int, dict[str, str], bytes]:
    """One request to a WSGI app as gunicorn would make it: (status, headers, body)."""
    memo_id = memo if isinstance(memo, int) else memo.pk
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path or f"/api/v1/memos/{memo_id}/signatures",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if client is not None:
        environ["HTTP_COOKIE"] = "; ".join(
            f"{name}={morsel.value}" for name, morsel in client.cookies.items()
        )
        environ["HTTP_X_CSRFTOKEN"] = csrf(client)
    for name, value in headers.items():
        environ[name] = value
    answer: dict[str, Any] = {}

    def start_response(status: str, header_list: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(header_list)

    with in_test_transaction():
        content = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], content


def set_in_session(client: Client, **values: object) -> None:
    session = client.session
    session.update(values)
    session.save()


def password_only(person: Person, **session: object) -> Client:
    """Signed in without the second step (seen just now), with `session` added."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # for the CSRF cookie
    client.force_login(person)
    set_in_session(client, **{LAST_SEEN: int(time.time())}, **session)
    return client


def open_memo(cast: Cast, *invitees: Person) -> Memo:
    return make_memo(
        MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=list(invitees) or [cast.bob]
    )


def write_token(person: Person, scope: str = TokenScope.WRITE) -> str:
    return org_actions.create_access_token(person, name="lane", scope=scope, days=30)[1]


def test_a_signed_in_session_signs_in_the_lane(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, __, content = call(lane, memo, client=signed_in(cast.bob))
    assert status == 201, content
    assert django_app.calls == 0
    signature = Signature.objects.get(memo=memo, person=cast.bob)
    assert json.loads(content)["id"] == signature.pk
    event = Event.objects.get(kind="memo.signed", object_id=memo.pk)
    assert event.payload == {"memo": memo.pk, "signature": signature.pk, "visibility": "named"}
    assert PendingEvent.objects.filter(event=event).exists(), "the event is queued for the log"


def test_a_protected_signature_in_the_lane_names_nobody(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    status, __, content = call(lane, memo, client=signed_in(cast.bob), body=b'{"visibility": "protected"}')
    assert status == 201, content
    assert django_app.calls == 0
    signature = Signature.objects.get(memo=memo)
    assert signature.person_id is None and signature.signer_sealed
    assert Event.objects.get(kind="memo.signed", object_id=memo.pk).actor_id is None


def test_the_lane_answers_as_the_whole_stack_does(cast: Cast, lane: FastLane, django_app: Django) -> None:
    first, second = open_memo(cast), open_memo(cast)
    bob = signed_in(cast.bob)
    fast = call(lane, first, client=bob)
    slow = call(django_app, second, client=bob)
    assert django_app.calls == 1
    assert fast[0] == slow[0] == 201
    assert {k: v for k, v in fast[1].items() if k not in VARYING} == {
        k: v for k, v in slow[1].items() if k not in VARYING
    }
    for __, headers, content in (fast, slow):
        assert headers["Content-Length"] == str(len(content))
    fast_body, slow_body = json.loads(fast[2]), json.loads(slow[2])
    assert fast_body.keys() == slow_body.keys()
    assert fast_body["id"] != slow_body["id"]
    for body in (fast_body, slow_body):
        del body["id"], body["signed_at"]
    assert fast_body == slow_body


def test_a_write_token_signs_in_the_lane(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    signed_in_the_lane(lane, django_app, memo, cast.bob, HTTP_AUTHORIZATION=f"Bearer {write_token(cast.bob)}")


def test_a_token_sent_with_a_session_cookie_is_left_to_the_stack(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    bearer = f"Bearer {write_token(cast.bob)}"
    status, __, content = call(lane, memo, client=signed_in(cast.bob), HTTP_AUTHORIZATION=bearer)
    assert status == 201, content
    assert django_app.calls == 1, "the stack also keeps the session, so it answers"


def test_the_token_answer_is_the_stacks(cast: Cast, lane: FastLane, django_app: Django) -> None:
    first, second = open_memo(cast), open_memo(cast)
    bearer = f"Bearer {write_token(cast.bob)}"
    fast = call(lane, first, HTTP_AUTHORIZATION=bearer)
    slow = call(django_app, second, HTTP_AUTHORIZATION=bearer)
    assert fast[0] == slow[0] == 201
    assert {k: v for k, v in fast[1].items() if k not in VARYING} == {
        k: v for k, v in slow[1].items() if k not in VARYING
    }


def signed_in_the_lane(
    lane: FastLane, django_app: Django, memo: Memo, person: Person, **kwargs: Any
) -> dict[str, str]:
    """Calls the lane and checks that it answered 201 itself and stored the signature;
    returns the answer's headers."""
    status, headers, content = call(lane, memo, **kwargs)
    assert status == 201, content
    assert django_app.calls == 0, "the lane handed over a request it should have answered"
    assert Signature.objects.filter(memo=memo, person=person).exists()
    return headers


def refused_by_django(lane: FastLane, django_app: Django, memo: Memo, **kwargs: Any) -> tuple[int, bytes]:
    """Calls the lane and checks that Django answered and nothing was signed."""
    before = Signature.objects.filter(memo=memo).count(), Event.objects.count()
    status, __, content = call(lane, memo, **kwargs)
    assert django_app.calls == 1, "the lane answered a request it should have handed over"
    assert (Signature.objects.filter(memo=memo).count(), Event.objects.count()) == before
    return status, content


def test_no_csrf_token_goes_to_django_and_is_refused(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, content = refused_by_django(
        lane, django_app, memo, client=signed_in(cast.bob), HTTP_X_CSRFTOKEN=""
    )
    assert status == 403
    assert b"CSRF" in content


def test_a_wrong_csrf_token_is_refused(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, __ = refused_by_django(
        lane, django_app, memo, client=signed_in(cast.bob), HTTP_X_CSRFTOKEN="x" * 32
    )
    assert status == 403


def test_no_credentials_is_401(cast: Cast, lane: FastLane, django_app: Django) -> None:
    status, __ = refused_by_django(lane, django_app, open_memo(cast))
    assert status == 401


def test_an_unknown_session_is_401(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, __ = refused_by_django(lane, django_app, memo, HTTP_COOKIE="sessionid=nosuchsession")
    assert status == 401


def test_a_read_token_is_refused(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    bearer = f"Bearer {write_token(cast.bob, scope=TokenScope.READ)}"
    status, __ = refused_by_django(lane, django_app, memo, HTTP_AUTHORIZATION=bearer)
    assert status == 403


def test_a_revoked_token_is_401(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    raw = write_token(cast.bob)
    AccessToken.objects.filter(owner=cast.bob).update(revoked_at=clock.now())
    status, __ = refused_by_django(lane, django_app, memo, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert status == 401


def test_another_scheme_is_not_taken(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, __ = refused_by_django(lane, django_app, memo, HTTP_AUTHORIZATION="Basic Ym9iOmJvYg==")
    assert status == 401


def test_an_uninvited_member_is_refused_as_by_the_stack(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    status, __ = refused_by_django(lane, django_app, memo, client=signed_in(cast.erin))
    assert status == 404


def test_signing_twice_is_409(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    assert call(lane, memo, client=bob)[0] == 201
    status, content = refused_by_django(lane, django_app, memo, client=bob)
    assert status == 409, content


def test_a_filed_memo_is_refused(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = make_memo(
        MemoState.FILED, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob, cast.ivan]
    )
    status, __ = refused_by_django(lane, django_app, memo, client=signed_in(cast.bob))
    assert status == 404  # an invitee who did not sign no longer sees a filed memo
    status, __, __ = call(lane, memo, client=signed_in(cast.alice))
    assert status == 409


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"visibility": "loud"}', 422),
        (b"[]", 422),
        (b"{not json", 400),
        (b'{"visibility": "named"', 400),
        (b"\xff\xfe", 400),
        (b'{"visibility": "named", "padding": "' + b"x" * 300 + b'"}', 201),
    ],
)
def test_a_body_the_route_does_not_take_as_is_goes_to_django(
    cast: Cast, lane: FastLane, django_app: Django, body: bytes, expected: int
) -> None:
    memo = open_memo(cast)
    status, __, content = call(lane, memo, client=signed_in(cast.bob), body=body)
    assert django_app.calls == 1
    assert status == expected, content
    assert Signature.objects.filter(memo=memo).exists() == (expected == 201)


def test_another_content_type_is_415(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, __ = refused_by_django(
        lane, django_app, memo, client=signed_in(cast.bob), CONTENT_TYPE="text/plain"
    )
    assert status == 415


def test_a_host_not_allowed_is_400(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    status, __ = refused_by_django(
        lane, django_app, memo, client=signed_in(cast.bob), HTTP_HOST="evil.example"
    )
    assert status == 400


def test_a_session_that_must_pass_a_second_step_is_left_to_the_stack(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    custodian = make_person("cora", Role.CUSTODIAN)
    memo = open_memo(cast, custodian)
    status, __ = refused_by_django(lane, django_app, memo, client=password_only(custodian))
    assert status == 401


def test_a_session_that_chose_a_second_step_is_left_to_the_stack(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    set_in_session(bob, **{TWO_FACTOR_CHOSEN: True})
    status, __ = refused_by_django(lane, django_app, memo, client=bob)
    assert status == 401


def test_a_session_that_passed_its_required_second_step_signs_in_the_lane(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    custodian = make_person("cora", Role.CUSTODIAN)
    first, second = open_memo(cast, custodian), open_memo(cast, custodian)
    client = signed_in(custodian)  # the password, then the authenticator's code
    fast_headers = signed_in_the_lane(lane, django_app, first, custodian, client=client)
    slow = call(django_app, second, client=client)
    assert slow[0] == 201
    assert {k: v for k, v in fast_headers.items() if k not in VARYING} == {
        k: v for k, v in slow[1].items() if k not in VARYING
    }


def test_a_member_who_chose_a_second_step_and_passed_it_signs_in_the_lane(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    enrol_authenticator(cast.bob)
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    assert bob.session.get(TWO_FACTOR_CHOSEN) and bob.session.get(DEVICE_ID_SESSION_KEY)
    signed_in_the_lane(lane, django_app, memo, cast.bob, client=bob)


def test_a_second_step_passed_on_a_device_since_removed_is_left_to_the_stack(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    custodian = make_person("cora", Role.CUSTODIAN)
    memo = open_memo(cast, custodian)
    client = signed_in(custodian)
    two_factor.reset(custodian, by=cast.adam)  # the authenticator is lost and reset
    status, __ = refused_by_django(lane, django_app, memo, client=client)
    assert status == 401


def test_a_second_step_passed_on_someone_elses_device_is_left_to_the_stack(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    custodian = make_person("cora", Role.CUSTODIAN)
    memo = open_memo(cast, custodian)
    device = enrol_authenticator(cast.bob)
    client = password_only(custodian, **{DEVICE_ID_SESSION_KEY: device.persistent_id})
    status, __ = refused_by_django(lane, django_app, memo, client=client)
    assert status == 401


def test_a_session_due_to_be_marked_seen_goes_to_the_stack_which_signs_and_marks_it(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    set_in_session(bob, **{LAST_SEEN: int(time.time()) - 120})
    status, __, content = call(lane, memo, client=bob)
    assert status == 201, content
    assert django_app.calls == 1
    assert int(time.time()) - bob.session[LAST_SEEN] < 5, "the stack recorded that the session was seen"


def test_an_idle_session_is_signed_out_not_signed_with(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    set_in_session(bob, **{LAST_SEEN: int(time.time()) - 3 * 3600})
    status, __ = refused_by_django(lane, django_app, memo, client=bob)
    assert status == 401
    assert SESSION_KEY not in bob.session


def test_a_session_from_before_a_password_change_is_401(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    cast.bob.set_password("a new password for bob, long enough")
    cast.bob.save()
    status, __ = refused_by_django(lane, django_app, memo, client=bob)
    assert status == 401


def test_a_deactivated_person_cannot_sign(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    raw = write_token(cast.bob)
    Person.objects.filter(pk=cast.bob.pk).update(is_active=False)
    assert refused_by_django(lane, django_app, memo, client=bob)[0] == 401
    django_app.calls = 0
    assert refused_by_django(lane, django_app, memo, HTTP_AUTHORIZATION=f"Bearer {raw}")[0] == 401


def test_other_requests_pass_through(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    assert call(lane, memo, client=bob, method="GET", body=b"")[0] == 200
    assert call(lane, memo, client=bob, path=f"/api/v1/memos/{memo.pk}/signatures/")[0] in {301, 404}
    assert call(lane, 10**19, client=bob)[0] in {404, 422}
    assert django_app.calls == 3
    assert not Signature.objects.filter(memo=memo).exists()


def test_the_served_application_has_the_lane() -> None:
    from dissent.wsgi import application

    assert isinstance(application, FastLane)


def test_a_token_past_its_expiry_is_refused(cast: Cast, lane: FastLane, django_app: Django) -> None:
    memo = open_memo(cast)
    raw = write_token(cast.bob)
    AccessToken.objects.filter(owner=cast.bob).update(expires_at=clock.now() - timedelta(seconds=1))
    status, __ = refused_by_django(lane, django_app, memo, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert status == 401


def test_while_the_database_fails_the_stack_answers_503(
    cast: Cast, lane: FastLane, django_app: Django
) -> None:
    """Every query refused, as while PostgreSQL is away (bench/crash.py stops a real one):
    the lane hands the request over and the stack answers 503, for a session and a token."""
    memo = open_memo(cast)
    bob = signed_in(cast.bob)
    bearer = f"Bearer {write_token(cast.bob)}"

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("the database is away")

    with connection.execute_wrapper(refuse):
        by_session = call(lane, memo, client=bob)
        by_token = call(lane, memo, HTTP_AUTHORIZATION=bearer)
    assert (by_session[0], by_token[0]) == (503, 503)
    assert by_session[1]["Retry-After"] == by_token[1]["Retry-After"] == "5"
    assert django_app.calls == 2
    assert not Signature.objects.filter(memo=memo).exists()


def test_a_bug_in_the_lane_is_a_logged_500_not_a_crash(
    cast: Cast,
    lane: FastLane,
    django_app: Django,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As the stack answers an unhandled exception: the 500 page, and the error logged."""
    memo = open_memo(cast)

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug in the lane")

    monkeypatch.setattr(FastLane, "signer", broken)
    status, __, __ = call(lane, memo, client=signed_in(cast.bob))
    assert status == 500
    assert django_app.calls == 0
    assert any(
        record.exc_info and "a bug in the lane" in str(record.exc_info[1]) for record in caplog.records
    )
    assert not Signature.objects.filter(memo=memo).exists()
