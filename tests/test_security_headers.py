"""Every page goes out with a strict Content Security Policy and the other security headers:
no inline script or style may run, nothing may frame the channel."""

import pytest

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
