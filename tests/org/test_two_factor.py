"""Two-step verification (TOTP and recovery codes): who must use it, setting it up, signing
in with it, and what a stolen password alone can no longer do."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from dissent.events.models import Event, EventKind
from dissent.org import two_factor
from dissent.org.actions import create_access_token
from dissent.org.models import Person
from dissent.worker import run_tasks

from ..conftest import Cast, csrf, signed_in
from ..e2e.browsing import totp_code
from ..factories import PASSWORD, enrol_authenticator
from ..smtp import Inbox

pytestmark = pytest.mark.django_db


def password_only(person: Person) -> Client:
    """Signed in with the password, the second step not yet taken."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": person.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(client)},
    )
    assert response.status_code == 302
    return client


def post(client: Client, path: str, **data: str) -> Any:
    return client.post(path, {**data, "csrfmiddlewaretoken": csrf(client)})


def set_up(client: Client) -> list[str]:
    """Pairs an authenticator through the setup page, reading the key off the page as a
    person would; returns the recovery codes shown."""
    page = client.get("/accounts/two-factor/setup/").content.decode()
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page)
    assert key, "the setup page shows the key"
    response = post(client, "/accounts/two-factor/setup/", code=totp_code(key.group(1)))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return re.findall(r"<li><code>([a-z2-7-]+)</code></li>", response.content.decode())


@pytest.mark.parametrize("role", ["carol", "paula", "audrey", "adam"])
def test_every_page_waits_for_the_second_step_for_custodians_principals_auditors_and_admins(
    cast: Cast, role: str
) -> None:
    client = password_only(getattr(cast, role))
    for path in ["/", "/memos/new/", "/search/?q=x", "/accounts/preferences/", "/log/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/?next="), path
    # with no authenticator yet, the second step starts by pairing one
    assert client.get("/accounts/two-factor/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_api_treats_a_session_without_the_second_step_as_no_sign_in(cast: Cast) -> None:
    client = password_only(cast.carol)
    response = client.get("/api/v1/queue")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert signed_in(cast.carol).get("/api/v1/queue").status_code == 200


def test_a_member_is_not_asked_for_a_second_step(cast: Cast) -> None:
    client = password_only(cast.alice)
    assert client.get("/").status_code == 200


def test_setting_up_shows_a_qr_code_and_key_and_ten_recovery_codes_kept_only_as_hashes(cast: Cast) -> None:
    client = password_only(cast.carol)
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert 'src="data:image/svg+xml' in page.content.decode()

    codes = set_up(client)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(c.replace("-", "")) == 16 for c in codes)
    stored = set(StaticToken.objects.filter(device__user=cast.carol).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    assert client.get("/").status_code == 200  # this session has passed the second step
    assert two_factor.is_enabled(cast.carol)
    assert Event.objects.filter(kind=EventKind.PERSON_TWO_FACTOR_ENABLED, actor=cast.carol).count() == 1


def test_a_wrong_code_at_setup_is_refused_and_pairs_nothing(cast: Cast) -> None:
    client = password_only(cast.carol)
    client.get("/accounts/two-factor/setup/")
    response = post(client, "/accounts/two-factor/setup/", code="000000")
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not two_factor.is_enabled(cast.carol)
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")
    response = post(client, "/accounts/two-factor/setup/", code="letters")
    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()


def test_a_stolen_password_cannot_pair_the_thiefs_phone(cast: Cast) -> None:
    enrol_authenticator(cast.carol)
    thief = password_only(cast.carol)
    response = thief.get("/accounts/two-factor/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/?next=")
    response = post(thief, "/accounts/two-factor/setup/", code="123456")
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=cast.carol).count() == 1
    assert thief.get("/").status_code == 302


def test_signing_in_takes_the_authenticators_code_once_and_starts_a_new_session(cast: Cast) -> None:
    device = enrol_authenticator(cast.carol)
    client = password_only(cast.carol)
    before = client.session.session_key
    code = two_factor.current_code(device)

    response = post(client, "/accounts/two-factor/?next=/queue/", code=code, next="/queue/")

    assert response.status_code == 302 and response["Location"] == "/queue/"
    assert client.session.session_key != before  # no session fixation across the second step
    assert client.get("/queue/").status_code == 200
    # the same code cannot be replayed in another browser
    other = password_only(cast.carol)
    assert post(other, "/accounts/two-factor/", code=code).status_code in {400, 429}
    assert other.get("/").status_code == 302


def test_wrong_codes_slow_down_the_next_try(cast: Cast, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to("2026-11-26 10:00:00Z", tick=False)
    device = enrol_authenticator(cast.carol)
    client = password_only(cast.carol)
    wrong = f"{(int(two_factor.current_code(device)) + 1) % 1_000_000:06d}"
    assert post(client, "/accounts/two-factor/", code=wrong).status_code == 400
    time_machine.shift(timedelta(seconds=1))  # the wait after one failure
    assert post(client, "/accounts/two-factor/", code=wrong).status_code == 400

    refused = post(client, "/accounts/two-factor/", code=two_factor.current_code(device))

    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    assert "Too many wrong codes" in refused.content.decode()
    time_machine.move_to("2026-11-26 10:00:03Z", tick=False)
    assert post(client, "/accounts/two-factor/", code=two_factor.current_code(device)).status_code == 302


def test_a_recovery_code_signs_in_once_and_is_recorded(cast: Cast) -> None:
    setup_client = password_only(cast.carol)
    codes = set_up(setup_client)
    client = password_only(cast.carol)

    response = post(client, "/accounts/two-factor/", code=codes[3].upper().replace("-", " "))

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    used = Event.objects.get(kind=EventKind.PERSON_RECOVERY_CODE_USED)
    assert used.payload["left"] == 9
    again = password_only(cast.carol)
    assert post(again, "/accounts/two-factor/", code=codes[3]).status_code == 400
    assert two_factor.recovery_codes_left(cast.carol) == 9


def test_new_recovery_codes_replace_the_old_ones(cast: Cast, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to("2026-11-26 10:00:00Z", tick=False)
    client = password_only(cast.carol)
    old = set_up(client)
    response = post(client, "/accounts/two-factor/recovery-codes/")
    new = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert post(password_only(cast.carol), "/accounts/two-factor/", code=old[0]).status_code == 400
    time_machine.shift(timedelta(seconds=1))
    assert post(password_only(cast.carol), "/accounts/two-factor/", code=new[0]).status_code == 302


def test_a_member_may_choose_the_second_step_and_is_then_asked_for_it(cast: Cast) -> None:
    client = password_only(cast.alice)
    set_up(client)
    later = password_only(cast.alice)
    assert later.get("/")["Location"].startswith("/accounts/two-factor/")
    assert later.get("/api/v1/memos").status_code == 401
    post(later, "/accounts/two-factor/", code=two_factor.current_code(enrol_authenticator(cast.alice)))
    assert later.get("/").status_code == 200


def test_a_member_may_turn_it_off_but_a_custodian_may_not(cast: Cast) -> None:
    member = password_only(cast.alice)
    set_up(member)
    response = post(member, "/accounts/two-factor/off/")
    assert response.status_code == 302
    assert not two_factor.is_enabled(cast.alice)
    assert password_only(cast.alice).get("/").status_code == 200
    assert Event.objects.filter(kind=EventKind.PERSON_TWO_FACTOR_DISABLED).count() == 1

    custodian = signed_in(cast.carol)
    response = post(custodian, "/accounts/two-factor/off/")
    assert response.status_code == 403
    assert two_factor.is_enabled(cast.carol)


def test_the_second_step_does_not_redirect_off_site(cast: Cast) -> None:
    device = enrol_authenticator(cast.carol)
    client = password_only(cast.carol)
    response = post(
        client, "/accounts/two-factor/", code=two_factor.current_code(device), next="https://evil.example/"
    )
    assert response["Location"] == "/"


def test_an_access_token_made_on_a_verified_session_works_without_one(cast: Cast) -> None:
    __, token = create_access_token(cast.carol, name="script", scope="read", days=1)
    response = Client().get("/api/v1/queue", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_an_administrator_resets_a_lost_authenticator(cast: Cast) -> None:
    enrol_authenticator(cast.carol)
    with pytest.raises(CommandError, match="not an active administrator"):
        call_command("resettwofactor", "carol", by="alice")
    assert two_factor.is_enabled(cast.carol)

    call_command("resettwofactor", "carol", by="adam")

    assert not two_factor.is_enabled(cast.carol)
    event = Event.objects.get(kind=EventKind.PERSON_TWO_FACTOR_RESET)
    assert event.actor == cast.adam and event.payload["person"] == cast.carol.pk
    client = password_only(cast.carol)
    assert client.get("/accounts/two-factor/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_preferences_page_shows_the_state_and_the_codes_left(cast: Cast) -> None:
    client = password_only(cast.alice)
    assert "Set up two-step verification" in client.get("/accounts/preferences/").content.decode()
    set_up(client)
    page = client.get("/accounts/preferences/").content.decode()
    assert "10 unused recovery codes" in page
    assert "Turn off two-step verification" in page
    assert "Turn off" not in signed_in(cast.carol).get("/accounts/preferences/").content.decode()


def test_sign_out_is_reachable_before_the_second_step(cast: Cast) -> None:
    client = password_only(cast.carol)
    response = post(client, "/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_code_is_throttled_per_device_even_across_browsers(
    cast: Cast, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to("2026-11-26 10:00:00Z", tick=False)
    device = enrol_authenticator(cast.carol)
    post(password_only(cast.carol), "/accounts/two-factor/", code="999999")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    time_machine.shift(timedelta(seconds=0.5))
    assert post(password_only(cast.carol), "/accounts/two-factor/", code="999998").status_code == 429


def test_each_change_is_told_to_the_person_by_e_mail(cast: Cast, smtp: Inbox) -> None:
    client = password_only(cast.alice)
    set_up(client)
    post(client, "/accounts/two-factor/recovery-codes/")
    post(client, "/accounts/two-factor/off/")
    enrol_authenticator(cast.carol)
    call_command("resettwofactor", "carol", by="adam")

    run_tasks(max_tasks=None)

    to_alice = [r.text for r in smtp.to("alice@example.org")]
    assert len(to_alice) == 3
    assert all(r.subject == "Your two-step verification has changed" for r in smtp.received)
    assert "An authenticator app was paired" in to_alice[0]
    assert "New recovery codes were made" in to_alice[1]
    assert "turned off" in to_alice[2]
    assert "Sign out everywhere" in to_alice[2]
    assert ["An administrator removed" in r.text for r in smtp.to("carol@example.org")] == [True]
