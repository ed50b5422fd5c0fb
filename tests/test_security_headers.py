"""Every page goes out with a strict Content Security Policy and the other security headers:
no inline script or style may run, nothing may frame the channel; cookies are Secure, HttpOnly
where they can be and SameSite; HTTPS settings (HSTS, the redirect, the proxy's header) come
from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dissent.memos.models import MemoState

from .conftest import Cast, signed_in
from .factories import make_memo

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/memos/new/", "/search/", "/log/", "/admin/login/"]
)
def test_every_page_has_a_strict_policy(cast: Cast, path: str) -> None:
    response = signed_in(cast.alice).get(path)
    assert response.status_code in (200, 302)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_memo_pages_carry_no_inline_script_or_style(cast: Cast) -> None:
    """The policy would block them, so the pages must not need them: no <script> without a
    src, no style attribute, no <style> element, no on* handler."""
    memo = make_memo(
        MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob], title="Course"
    )
    client = signed_in(cast.alice)
    for path in ("/", f"/memos/{memo.pk}/", "/memos/new/", f"/memos/{memo.pk}/edit/", "/search/?q=course"):
        html = client.get(path).content.decode()
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert " onclick=" not in html.lower() and " onload=" not in html.lower(), path
        for tag in html.split("<script")[1:]:
            assert " src=" in tag.split(">")[0], (path, tag[:80])


def test_session_and_csrf_cookies_are_secure_httponly_and_same_site(cast: Cast) -> None:
    client = signed_in(cast.alice)

    session = client.cookies["sessionid"]
    csrf_cookie = client.cookies["csrftoken"]

    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert csrf_cookie["secure"] and csrf_cookie["samesite"] == "Lax"
    assert 0 < int(session["max-age"]) <= 8 * 3600


def test_https_through_the_proxy_gets_hsts(cast: Cast, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    over_https = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    over_http = Client().get("/accounts/login/")

    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in over_http.headers


def test_plain_http_is_redirected_when_asked(cast: Cast, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def _settings_under(environment: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    """The settings module's values in a fresh process with `environment` (settings are read
    once, at import)."""
    code = (
        "import json; from dissent import settings as s; print(json.dumps({n: getattr(s, n) for n in ("
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
        "'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_IDLE_TIMEOUT', 'SIGNIN_FAILURE_LIMIT', 'SIGNIN_ADDRESS_FAILURE_LIMIT', "
        "'AXES_FAILURE_LIMIT', 'SIGNIN_COOLOFF_MINUTES', 'CLIENT_IP_HEADER')}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SIGNIN_", "SESSION_"))}
    env.update(environment, DISSENT_VAR_DIR=str(tmp_path))
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def test_https_settings_default_to_safe_values(tmp_path: Path) -> None:
    values = _settings_under({}, tmp_path)

    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 0  # turned on by the operator once HTTPS works
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["CLIENT_IP_HEADER"] == ""
    assert values["SESSION_IDLE_TIMEOUT"] == 1800
    assert (values["SIGNIN_FAILURE_LIMIT"], values["SIGNIN_ADDRESS_FAILURE_LIMIT"]) == (5, 50)
    assert values["SIGNIN_COOLOFF_MINUTES"] == 15


def test_https_and_sign_in_settings_come_from_the_environment(tmp_path: Path) -> None:
    values = _settings_under(
        {
            "SECURE_HSTS_SECONDS": "63072000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "true",
            "SECURE_SSL_REDIRECT": "on",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "SESSION_IDLE_TIMEOUT": "600",
            "SIGNIN_FAILURE_LIMIT": "10",
            "SIGNIN_COOLOFF_MINUTES": "60",
            "CLIENT_IP_HEADER": "X-Real-IP",
        },
        tmp_path,
    )

    assert values["SECURE_HSTS_SECONDS"] == 63_072_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_IDLE_TIMEOUT"] == 600
    assert values["SIGNIN_FAILURE_LIMIT"] == values["AXES_FAILURE_LIMIT"] == 10
    assert values["SIGNIN_COOLOFF_MINUTES"] == 60
    assert values["CLIENT_IP_HEADER"] == "X-Real-IP"
