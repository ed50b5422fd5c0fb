"""Signing in and staying signed in: Argon2 password hashes, throttled failed sign-ins
(django-axes), idle and absolute session limits, and "sign out everywhere"."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from time_machine import TimeMachineFixture

from dissent import settings as project_settings
from dissent.events.models import Event, EventKind
from dissent.org.models import Person, Session

from .conftest import Cast, signed_in
from .factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def browser(address: str = "10.0.0.1", **headers: str) -> Client:
    """A client whose requests come from `address`, with a CSRF cookie from the sign-in page."""
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address, **headers)
    client.get("/accounts/login/")
    return client


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    token = client.cookies["csrftoken"].value
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )


def fail(client: Client, username: str, times: int) -> Any:
    response = None
    for _ in range(times):
        response = sign_in(client, username, WRONG)
    return response


def is_signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


# Argon2 ------------------------------------------------------------------------------------


def test_a_new_password_is_stored_as_argon2id(cast: Cast, settings: Any) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    cast.alice.set_password("a brand new passphrase")
    cast.alice.save()

    cast.alice.refresh_from_db()
    assert cast.alice.password.startswith("argon2$argon2id$")
    assert cast.alice.check_password("a brand new passphrase")


def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(cast: Cast, settings: Any) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    Person.objects.filter(pk=cast.alice.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    client = browser()
    response = sign_in(client, "alice")

    assert response.status_code == 302
    assert is_signed_in(client)
    cast.alice.refresh_from_db()
    assert cast.alice.password.startswith("argon2$argon2id$")
    assert sign_in(browser("10.0.0.2"), "alice").status_code == 302  # the new hash verifies


# Throttling failed sign-ins ----------------------------------------------------------------


def test_the_sixth_attempt_with_the_right_password_is_refused_from_that_address(cast: Cast) -> None:
    client = browser("10.0.0.1")

    fifth = fail(client, "alice", 5)
    sixth = sign_in(client, "alice")

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert "You can try again after" in sixth.content.decode()
    assert 14 * 60 < int(sixth["Retry-After"]) <= 15 * 60
    assert not is_signed_in(client)


def test_four_failures_do_not_lock_out(cast: Cast) -> None:
    client = browser("10.0.0.1")

    fourth = fail(client, "alice", 4)

    assert fourth.status_code == 200
    assert "Please enter a correct" in fourth.content.decode()
    assert sign_in(client, "alice").status_code == 302


def test_the_lock_out_page_is_in_indonesian(cast: Cast) -> None:
    client = browser("10.0.0.1", HTTP_ACCEPT_LANGUAGE="id")
    fail(client, "alice", 5)

    response = sign_in(client, "alice")

    assert response.status_code == 429
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "Anda dapat mencoba lagi setelah" in html


def test_another_address_is_not_locked_for_that_account(cast: Cast) -> None:
    fail(browser("10.0.0.1"), "alice", 5)

    elsewhere = browser("10.0.0.2")
    response = sign_in(elsewhere, "alice")

    assert response.status_code == 302
    assert is_signed_in(elsewhere)


def test_other_accounts_can_sign_in_from_the_locked_address(cast: Cast) -> None:
    client = browser("10.0.0.1")
    fail(client, "alice", 5)

    assert sign_in(client, "bob").status_code == 302


def test_too_many_failures_from_one_address_lock_it_for_every_account(cast: Cast, settings: Any) -> None:
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 9
    client = browser("10.0.0.1")
    for username in ("alice", "bob", "nobody"):  # three each: no account reaches five
        fail(client, username, 3)

    response = sign_in(client, "erin")

    assert response.status_code == 429
    assert sign_in(browser("10.0.0.2"), "erin").status_code == 302


def test_fewer_failures_than_the_address_limit_lock_no_other_account(cast: Cast, settings: Any) -> None:
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 9
    client = browser("10.0.0.1")
    fail(client, "alice", 4)
    fail(client, "bob", 4)

    assert sign_in(client, "erin").status_code == 302


def test_a_successful_sign_in_resets_the_count(cast: Cast) -> None:
    client = browser("10.0.0.1")
    fail(client, "alice", 4)
    assert sign_in(client, "alice").status_code == 302

    again = browser("10.0.0.1")
    fourth = fail(again, "alice", 4)

    assert fourth.status_code == 200
    assert sign_in(again, "alice").status_code == 302


def test_the_lock_out_ends_after_the_cool_off(cast: Cast, time_machine: TimeMachineFixture) -> None:
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    fail(browser("10.0.0.1"), "alice", 5)

    time_machine.move_to(start + timedelta(minutes=14, seconds=50), tick=False)
    assert sign_in(browser("10.0.0.1"), "alice").status_code == 429

    time_machine.move_to(start + timedelta(minutes=15, seconds=1), tick=False)
    client = browser("10.0.0.1")
    assert sign_in(client, "alice").status_code == 302
    assert is_signed_in(client)


def test_a_refused_attempt_does_not_extend_the_lock_out(cast: Cast, time_machine: TimeMachineFixture) -> None:
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    fail(browser("10.0.0.1"), "alice", 5)

    time_machine.move_to(start + timedelta(minutes=10), tick=False)
    assert sign_in(browser("10.0.0.1"), "alice", WRONG).status_code == 429

    time_machine.move_to(start + timedelta(minutes=15, seconds=1), tick=False)
    assert sign_in(browser("10.0.0.1"), "alice").status_code == 302


def test_axes_reset_unlocks(cast: Cast) -> None:
    fail(browser("10.0.0.1"), "alice", 5)

    call_command("axes_reset_username", "alice")

    assert sign_in(browser("10.0.0.1"), "alice").status_code == 302


def test_failures_at_the_admin_sign_in_count_too(cast: Cast) -> None:
    client = browser("10.0.0.1")
    client.get("/admin/login/")
    for _ in range(5):
        client.post(
            "/admin/login/",
            {"username": "adam", "password": WRONG, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        )

    assert sign_in(client, "adam").status_code == 429


def test_the_api_takes_no_password_so_it_cannot_be_used_to_guess_one(cast: Cast) -> None:
    """The API authenticates by session only: the sign-in page is the one way to try a
    password, and it is throttled."""
    import base64

    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()

    response = Client(REMOTE_ADDR="10.0.0.1").get("/api/v1/memos", HTTP_AUTHORIZATION=f"Basic {basic}")

    assert response.status_code == 401


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock_out(cast: Cast) -> None:
    """Without CLIENT_IP_HEADER the address is REMOTE_ADDR, whatever the client claims."""
    for n in range(5):
        sign_in(browser("10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "alice", WRONG)

    response = sign_in(browser("10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99"), "alice")

    assert response.status_code == 429


def test_behind_a_proxy_the_address_it_wrote_is_the_one_counted(cast: Cast, settings: Any) -> None:
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = "10.0.0.254"
    for n in range(5):  # the client's own first entry varies; the proxy's last one does not
        sign_in(browser(proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7"), "alice", WRONG)

    locked = sign_in(browser(proxy, HTTP_X_FORWARDED_FOR="203.0.113.7"), "alice")
    other = sign_in(browser(proxy, HTTP_X_FORWARDED_FOR="203.0.113.8"), "alice")

    assert locked.status_code == 429
    assert other.status_code == 302


# Session limits ----------------------------------------------------------------------------


def test_a_session_idle_past_the_limit_is_signed_out(cast: Cast, time_machine: TimeMachineFixture) -> None:
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = signed_in(cast.alice)

    time_machine.move_to(start + timedelta(minutes=31), tick=False)
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "after a period without activity" in client.get(response["Location"]).content.decode()
    time_machine.move_to(start + timedelta(minutes=31, seconds=5), tick=False)
    assert not is_signed_in(client)


def test_an_active_session_stays_signed_in(cast: Cast, time_machine: TimeMachineFixture) -> None:
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = signed_in(cast.alice)

    for minutes in range(20, 200, 20):  # a request every 20 minutes for three hours
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)
        assert is_signed_in(client), minutes


def test_a_session_ends_after_its_age_however_active(
    cast: Cast, settings: Any, time_machine: TimeMachineFixture
) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = signed_in(cast.alice)

    time_machine.move_to(start + timedelta(hours=7, minutes=50), tick=False)
    settings.SESSION_IDLE_TIMEOUT = 24 * 3600  # only the age limit is under test
    assert is_signed_in(client)
    time_machine.move_to(start + timedelta(hours=8, minutes=1), tick=False)
    assert not is_signed_in(client)


def test_requests_within_a_minute_do_not_write_the_session(
    cast: Cast, time_machine: TimeMachineFixture
) -> None:
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = signed_in(cast.alice)
    client.get("/")

    time_machine.move_to(start + timedelta(seconds=50), tick=False)
    with CaptureQueriesContext(connection) as quiet:
        client.get("/")
    time_machine.move_to(start + timedelta(seconds=70), tick=False)
    with CaptureQueriesContext(connection) as refreshing:
        client.get("/")

    def session_writes(queries: CaptureQueriesContext) -> list[str]:
        return [
            q["sql"]
            for q in queries.captured_queries
            if Session._meta.db_table in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
        ]

    assert session_writes(quiet) == []
    assert len(session_writes(refreshing)) == 1


# Sign out everywhere -----------------------------------------------------------------------


def test_signing_out_everywhere_ends_the_persons_other_sessions(cast: Cast) -> None:
    laptop = signed_in(cast.alice)
    phone = signed_in(cast.alice)
    phone_api_csrf = phone.cookies["csrftoken"].value
    erin = signed_in(cast.erin)

    response = laptop.post(
        "/accounts/sign-out-everywhere/", {"csrfmiddlewaretoken": laptop.cookies["csrftoken"].value}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "You are signed out in every browser" in laptop.get(response["Location"]).content.decode()
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert phone.get("/api/v1/memos", HTTP_X_CSRFTOKEN=phone_api_csrf).status_code == 401
    assert is_signed_in(erin)
    event = Event.objects.get(kind=EventKind.PERSON_SIGNED_OUT_EVERYWHERE)
    assert event.actor_id == cast.alice.pk
    assert event.payload == {"person": cast.alice.pk, "session_generation": 1}
    again = signed_in(cast.alice)  # signing in again works as before
    assert is_signed_in(again)


def test_the_preferences_page_offers_sign_out_everywhere(cast: Cast) -> None:
    html = signed_in(cast.alice).get("/accounts/preferences/").content.decode()

    assert 'action="/accounts/sign-out-everywhere/"' in html
    assert "Sign out everywhere" in html


def test_sign_out_everywhere_needs_a_post_with_its_csrf_token(cast: Cast) -> None:
    client = signed_in(cast.alice)

    by_get = client.get("/accounts/sign-out-everywhere/")
    without_token = client.post("/accounts/sign-out-everywhere/")

    assert by_get.status_code == 405
    assert without_token.status_code == 403
    assert is_signed_in(client)
    cast.alice.refresh_from_db()
    assert cast.alice.session_generation == 0
    assert not Event.objects.filter(kind=EventKind.PERSON_SIGNED_OUT_EVERYWHERE).exists()


def test_sessions_from_before_any_sign_out_everywhere_keep_djangos_hash(cast: Cast) -> None:
    """Generation 0 is Django's own hash, so deploying this signs nobody out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert cast.alice.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(cast.alice)


def test_failures_are_kept_without_the_password_and_successes_not_at_all(cast: Cast) -> None:
    from axes.models import AccessAttempt, AccessLog

    client = browser("10.0.0.1")
    fail(client, "alice", 2)
    kept = AccessAttempt.objects.get(username="alice")

    sign_in(client, "alice")

    assert kept.failures_since_start == 2
    assert WRONG not in kept.post_data and "password=*****" in kept.post_data
    assert not AccessAttempt.objects.filter(username="alice").exists()  # cleared by the success
    assert not AccessLog.objects.exists()
