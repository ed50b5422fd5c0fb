"""Single sign-on through OpenID Connect, against a real OpenID provider on loopback
(panva's oidc-provider, tests/oidc/provider.mjs): the channel's pages with Django's test
client, the provider's pages with a browser of their own (httpx). Nothing of the client
library is mocked; where a test tampers with the provider's answer it says so.

The provider's accounts (provider.mjs): mira is staff in the unit "pol"; mira-new later got
mira's e-mail address; cato is in the custodians' and the auditors' groups; ada in the
principals' and two admin-sounding groups, with a unit we do not have; ivo's e-mail address
is not verified."""

import base64
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from axes.models import AccessAttempt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from dissent.org.models import OrgUnit, Person, Role, SingleSignOnIdentity
from dissent.org.oidc import SingleSignOnBackend, _id_token_subject, role_from_groups
from dissent.settings import _oidc_role_groups
from dissent.web.middleware import LAST_SEEN

from ..conftest import signed_in
from ..factories import make_person, make_unit
from .oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    SUBJECTS,
    OpenIDProvider,
    ProviderBrowser,
    oidc_provider,  # noqa: F401 - the fixture
)

BACKEND = "dissent.org.oidc.SingleSignOnBackend"
FAILED = (
    "Signing in with Test ID did not work. Please try again; if it keeps failing, "
    "tell the channel's administrators."
)


@pytest.fixture
def sso(settings: Any, oidc_provider: OpenIDProvider) -> OpenIDProvider:  # noqa: F811
    """Single sign-on on, configured from the provider's own discovery document."""
    discovery = oidc_provider.discovery
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Test ID"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    return oidc_provider


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    return {code: make_unit(code) for code in ("pol", "econ", "channel")}


@pytest.fixture
def browser(sso: OpenIDProvider) -> Iterator[ProviderBrowser]:
    """One person's browser at the provider (it stays signed in there between sign-ins)."""
    browser = ProviderBrowser(sso)
    yield browser
    browser.close()


def start(client: Client, query: str = "") -> str:
    """The channel's sign-in link: returns where it sends the browser (the provider)."""
    response = client.get(f"/oidc/authenticate/{query}")
    assert response.status_code == 302
    return str(response["Location"])


def sign_in(
    browser: ProviderBrowser, login: str, client: Client | None = None
) -> tuple[Client, HttpResponse]:
    """The whole journey: the channel's link, the provider's sign-in page, back to the
    channel's callback. Returns the channel's browser and the callback's answer."""
    client = client or Client()
    callback = browser.sign_in(start(client), login)
    assert callback.startswith(REDIRECT_URI + "?"), callback
    return client, client.get(callback)


def person_of(login: str) -> Person:
    return SingleSignOnIdentity.objects.select_related("person").get(subject=SUBJECTS[login]).person


def signed_in_as(client: Client) -> Person | None:
    pk = client.session.get(SESSION_KEY)
    return Person.objects.get(pk=pk) if pk else None


def refusal(client: Client, response: HttpResponse) -> list[str]:
    """The messages the sign-in page shows after a refused callback."""
    assert response.status_code == 302 and response["Location"] == "/accounts/login/", response
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


# --- the journey ------------------------------------------------------------------------


def test_a_member_signs_in_through_the_provider_and_is_created_on_first_sign_in(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    client = Client()

    callback = browser.sign_in(start(client, "?next=/inbox/"), "mira")
    response = client.get(callback)

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    mira = person_of("mira")
    assert signed_in_as(client) == mira
    assert (mira.username, mira.email, mira.display_name) == ("mira", "mira@example.org", "Mira Santoso")
    assert mira.unit == units["pol"]
    assert mira.role == Role.MEMBER
    assert not mira.has_usable_password()  # no password to guess or phish here
    assert client.get("/").status_code == 200
    assert client.get("/inbox/").status_code == 200


def test_the_second_sign_in_finds_the_person_by_sub_and_updates_them_from_the_claims(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    sign_in(browser, "mira")
    mira = person_of("mira")
    Person.objects.filter(pk=mira.pk).update(  # changed here since; the provider still says otherwise
        first_name="Old", last_name="Name", email="old@example.org", unit=units["econ"], role=Role.CUSTODIAN
    )

    client, response = sign_in(browser, "mira")  # another browser of the channel; signed in at the provider

    assert response.status_code == 302
    assert signed_in_as(client) == mira
    assert Person.objects.count() == 1
    mira.refresh_from_db()
    assert (mira.display_name, mira.email, mira.unit, mira.role) == (
        "Mira Santoso",
        "mira@example.org",
        units["pol"],
        Role.MEMBER,
    )


def test_an_e_mail_address_given_to_someone_else_does_not_sign_them_in_as_its_old_owner(
    sso: OpenIDProvider,
    units: dict[str, OrgUnit],
    oidc_provider: OpenIDProvider,  # noqa: F811
) -> None:
    first = ProviderBrowser(oidc_provider)
    second = ProviderBrowser(oidc_provider)
    sign_in(first, "mira")

    client, _ = sign_in(second, "mira-new")  # same address, another `sub`

    newcomer = person_of("mira-new")
    assert signed_in_as(client) == newcomer != person_of("mira")
    assert newcomer.username.startswith("mira-")  # "mira" was taken: a name links nobody
    assert (newcomer.display_name, newcomer.unit) == ("Mira Halim", units["econ"])
    first.close()
    second.close()


def test_the_sign_in_does_not_send_the_browser_on_to_another_site(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    client = Client()

    response = client.get(browser.sign_in(start(client, "?next=https://evil.example/"), "mira"))

    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == person_of("mira")


def test_a_single_sign_on_session_keeps_the_eight_hour_and_thirty_minute_rules(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    client, _ = sign_in(browser, "mira")

    session = client.session
    ends = session.get_expiry_date()
    assert abs(ends - (timezone.now() + timedelta(hours=8))) < timedelta(minutes=1)
    assert abs(session[LAST_SEEN] - time.time()) < 60
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert signed_in_as(client) is None


def test_password_sign_in_still_works_with_single_sign_on_on(sso: OpenIDProvider, db: None) -> None:
    erin = make_person("erin")

    client = signed_in(erin)

    assert signed_in_as(client) == erin


# --- units and roles from the claims ----------------------------------------------------


def test_the_most_privileged_role_of_the_groups_wins(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    sign_in(browser, "cato")  # in the custodians' and the auditors' groups

    cato = person_of("cato")
    assert (cato.role, cato.unit, cato.display_name) == (Role.CUSTODIAN, units["channel"], "Cato Brandt")


def test_claims_never_grant_the_admin_role_and_an_unknown_unit_is_no_unit(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    sign_in(browser, "ada")  # groups dissent-admins, admin, dissent-principals; unit no-such-unit

    ada = person_of("ada")
    assert (ada.role, ada.unit, ada.is_staff, ada.is_superuser) == (Role.PRINCIPAL, None, False, False)
    assert not OrgUnit.objects.filter(code="no-such-unit").exists()


def test_an_admin_made_in_the_admin_site_stays_admin_whatever_the_groups_say(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    sign_in(browser, "mira")
    Person.objects.filter(pk=person_of("mira").pk).update(role=Role.ADMIN)

    sign_in(browser, "mira")  # groups: staff only

    assert person_of("mira").role == Role.ADMIN


def test_admin_in_the_role_mapping_is_ignored_at_sign_in_and_refused_in_the_settings(
    sso: OpenIDProvider, settings: Any, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    settings.OIDC_ROLE_GROUPS = {"admin": ["staff"], "auditor": ["dissent-auditors"]}

    sign_in(browser, "mira")  # in "staff"

    assert person_of("mira").role == Role.MEMBER
    assert role_from_groups(["staff", "dissent-auditors"]) == Role.AUDITOR
    with pytest.raises(ImproperlyConfigured, match="admin role is never granted"):
        _oidc_role_groups("custodian=dissent-custodians,admin=dissent-admins")
    assert _oidc_role_groups(" custodian = a , custodian=b,auditor=c ") == {
        "custodian": ["a", "b"],
        "auditor": ["c"],
    }


def test_an_unverified_e_mail_address_is_not_taken(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    client, _ = sign_in(browser, "ivo")

    ivo = person_of("ivo")
    assert signed_in_as(client) == ivo
    assert (ivo.email, ivo.role, ivo.unit) == ("", Role.MEMBER, None)


def test_roles_and_units_are_left_to_the_admin_site_when_their_settings_are_blank(
    sso: OpenIDProvider, settings: Any, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    settings.OIDC_ROLE_GROUPS = {}
    settings.OIDC_UNIT_CLAIM = ""
    sign_in(browser, "cato")
    cato = person_of("cato")
    Person.objects.filter(pk=cato.pk).update(role=Role.AUDITOR, unit=units["econ"])

    sign_in(browser, "cato")

    cato.refresh_from_db()
    assert (cato.role, cato.unit) == (Role.AUDITOR, units["econ"])


# --- refusals: no sign-in, a message, never an error page -------------------------------


def test_a_deactivated_person_cannot_sign_in_through_the_provider(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    sign_in(browser, "mira")
    Person.objects.filter(pk=person_of("mira").pk).update(is_active=False, first_name="Kept")

    client, response = sign_in(browser, "mira")

    assert refusal(client, response) == [
        "Your account in this channel is deactivated. Ask the channel's administrators."
    ]
    assert signed_in_as(client) is None
    assert person_of("mira").first_name == "Kept"  # a refused sign-in changes nothing


def test_nobody_new_gets_in_when_creating_people_is_off(
    sso: OpenIDProvider, settings: Any, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    settings.OIDC_CREATE_PEOPLE = False

    client, response = sign_in(browser, "mira")

    assert refusal(client, response) == [
        "This channel has no account for you yet. Ask the channel's administrators to add you."
    ]
    assert not Person.objects.exists()


def test_an_answer_for_a_sign_in_another_browser_started_is_refused(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    """Login CSRF: an attacker's code and state, sent to the victim's browser."""
    attacker = Client()
    callback = browser.sign_in(start(attacker), "mira")
    victim = Client()
    start(victim)  # the victim has a sign-in of their own under way, with another state

    response = victim.get(callback)

    assert refusal(victim, response) == [FAILED]
    assert signed_in_as(victim) is None
    stranger = Client()  # no sign-in under way at all
    assert refusal(stranger, stranger.get(callback)) == [FAILED]
    assert not Person.objects.exists()
    attacker.get(callback)  # the code was not spent on the refused answers
    assert signed_in_as(attacker) == person_of("mira")


def test_an_id_token_with_another_nonce_is_refused(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    authorization_url = start(client)
    session = client.session
    for state in session["oidc_states"].values():  # as if the answer were to an older request
        state["nonce"] = "another-nonce"
    session.save()

    with caplog.at_level(logging.WARNING, logger="dissent.org.oidc"):
        response = client.get(browser.sign_in(authorization_url, "mira"))

    assert refusal(client, response) == [FAILED]
    assert "Nonce verification failed" in caplog.text
    assert signed_in_as(client) is None
    assert not Person.objects.exists()


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims_changed(token: str) -> str:
    """Someone else's `sub` put in the real token, its signature kept."""
    header, claims = _segments(token)
    signature = token.rsplit(".", 1)[1]
    return f"{_b64(header)}.{_b64({**claims, 'sub': SUBJECTS['cato']})}.{signature}"


def _signed_with_another_key(token: str) -> str:
    header, claims = _segments(token)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": header["kid"]})


def _not_signed(token: str) -> str:
    header, claims = _segments(token)
    return f"{_b64({**header, 'alg': 'none'})}.{_b64(claims)}."


def _signed_with_the_client_secret(token: str) -> str:
    """The algorithm swap: HMAC with a secret the client knows, instead of the provider's key."""
    header, claims = _segments(token)
    return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": header["kid"]})


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_claims_changed, "JWS token verification failed"),
        (_signed_with_another_key, "JWS token verification failed"),
        (_not_signed, "Could not find a valid JWKS"),  # no key of the provider's is for "none"
        (_signed_with_the_client_secret, "Could not find a valid JWKS"),  # nor for HS256
    ],
)
def test_a_tampered_id_token_is_refused(
    sso: OpenIDProvider,
    units: dict[str, OrgUnit],
    browser: ProviderBrowser,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tamper: Callable[[str], str],
    reason: str,
) -> None:
    """The provider's real token answer, changed on its way to the channel."""
    real_get_token = SingleSignOnBackend.get_token

    def tampered_get_token(backend: SingleSignOnBackend, payload: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = real_get_token(backend, payload)
        answer["id_token"] = tamper(answer["id_token"])
        return answer

    monkeypatch.setattr(SingleSignOnBackend, "get_token", tampered_get_token)

    with caplog.at_level(logging.WARNING, logger="dissent.org.oidc"):
        client, response = sign_in(browser, "mira")

    assert refusal(client, response) == [FAILED]
    assert reason in caplog.text
    assert signed_in_as(client) is None
    assert not Person.objects.exists()


def test_a_wrong_client_secret_is_refused_by_the_provider_and_shown_as_a_failure(
    sso: OpenIDProvider,
    settings: Any,
    units: dict[str, OrgUnit],
    browser: ProviderBrowser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    client = Client()
    callback = browser.sign_in(start(client), "mira")

    with caplog.at_level(logging.WARNING, logger="dissent.org.oidc"):
        response = client.get(callback)

    assert refusal(client, response) == [FAILED]
    assert "invalid_client" in caplog.text  # the provider's own answer, in our log only
    assert signed_in_as(client) is None
    assert not Person.objects.exists()
    code = parse_qs(urlsplit(callback).query)["code"][0]
    failure = AccessAttempt.objects.get(path_info="/oidc/callback/")  # a failed sign-in to django-axes
    assert code not in failure.get_data  # which keeps the query, with the code masked


def test_an_answer_from_another_issuer_is_refused(
    sso: OpenIDProvider,
    settings: Any,
    units: dict[str, OrgUnit],
    browser: ProviderBrowser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As if the provider we trust were another one: the answer's `iss` (RFC 9207) is
    checked, and without it the ID token's own `iss`."""
    named, unnamed = Client(), Client()
    with_iss = browser.sign_in(start(named), "mira")
    without_iss = "&".join(
        part for part in browser.sign_in(start(unnamed), "mira").split("&") if "iss=" not in part
    )
    settings.OIDC_ISSUER = "https://id.example.org"

    with caplog.at_level(logging.WARNING):
        assert refusal(named, named.get(with_iss)) == [FAILED]
    assert "the answer names another issuer" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert refusal(unnamed, unnamed.get(without_iss)) == [FAILED]
    assert "The ID token is from another issuer" in caplog.text
    assert not Person.objects.exists()


def test_the_provider_saying_no_is_shown_as_a_failure(sso: OpenIDProvider, db: None) -> None:
    client = Client()
    start(client)
    state = next(iter(client.session["oidc_states"]))

    response = client.get(f"/oidc/callback/?error=access_denied&state={state}")

    assert refusal(client, response) == [FAILED]
    assert signed_in_as(client) is None
    assert client.session["oidc_states"] == {}  # that state cannot be used again


def test_a_link_with_an_error_does_not_sign_anyone_out(
    sso: OpenIDProvider, units: dict[str, OrgUnit], browser: ProviderBrowser
) -> None:
    client, _ = sign_in(browser, "mira")

    client.get("/oidc/callback/?error=access_denied")

    assert signed_in_as(client) == person_of("mira")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"iss": "https://id.example.org"}, "another issuer"),
        ({"aud": "someone-else"}, "not for this client"),
        ({"aud": [CLIENT_ID, "someone-else"]}, "another party"),
        ({"azp": "someone-else"}, "another party"),
        ({"exp": None}, "no expiry"),
        ({"sub": ""}, "no usable subject"),
    ],
)
def test_the_id_token_checks_the_client_library_leaves_out(
    sso: OpenIDProvider, change: dict[str, Any], error: str
) -> None:
    valid = {"iss": sso.issuer, "aud": CLIENT_ID, "exp": time.time() + 60, "sub": "someone"}
    assert _id_token_subject(valid) == "someone"
    assert _id_token_subject({**valid, "aud": [CLIENT_ID, "other"], "azp": CLIENT_ID}) == "someone"

    with pytest.raises(SuspiciousOperation, match=error):
        _id_token_subject({**valid, **change})


# --- off unless configured --------------------------------------------------------------


def test_without_an_issuer_single_sign_on_is_off(settings: Any, client: Client, db: None) -> None:
    assert not settings.OIDC_ENABLED
    assert BACKEND not in settings.AUTHENTICATION_BACKENDS

    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=abc&state=xyz").status_code == 404
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and "/oidc/" not in page


def test_the_sign_in_page_offers_the_provider_when_on(sso: OpenIDProvider, client: Client, db: None) -> None:
    page = client.get("/accounts/login/?next=/inbox/").content.decode()

    assert '<a class="button" href="/oidc/authenticate/?next=/inbox/">Sign in with Test ID</a>' in page


def _settings_in_a_new_process(tmp_path: Any, **env: str) -> subprocess.CompletedProcess[str]:
    script = "from django.conf import settings; print(settings.AUTHENTICATION_BACKENDS)"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    environment.update(DJANGO_SETTINGS_MODULE="dissent.settings", DISSENT_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 - this interpreter, our own one-line script
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_settings_turn_single_sign_on_on_only_when_it_is_fully_configured(tmp_path: Any) -> None:
    endpoints = {
        name: f"https://id.example.org/{name.lower()}"
        for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT")
    }
    complete = {
        **endpoints,
        "OIDC_OP_JWKS_ENDPOINT": "https://id.example.org/jwks",
        "OIDC_RP_CLIENT_ID": "channel",
        "OIDC_RP_CLIENT_SECRET": "secret",
    }

    off = _settings_in_a_new_process(tmp_path, **complete)
    incomplete = _settings_in_a_new_process(tmp_path, OIDC_ISSUER="https://id.example.org", **endpoints)
    on = _settings_in_a_new_process(tmp_path, OIDC_ISSUER="https://id.example.org", **complete)
    admin = _settings_in_a_new_process(tmp_path, OIDC_ROLE_GROUPS="admin=dissent-admins")

    assert BACKEND not in off.stdout
    assert incomplete.returncode != 0
    assert "must be too: OIDC_OP_JWKS_ENDPOINT, OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET" in incomplete.stderr
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == str(
        ["axes.backends.AxesStandaloneBackend", "dissent.org.backends.PersonBackend", BACKEND]
    )
    assert admin.returncode != 0 and "admin role is never granted" in admin.stderr
