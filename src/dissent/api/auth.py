"""Authentication for the API: a Bearer access token (org/tokens.py checks it) or the web
session with its CSRF token."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from dissent.org import tokens
from dissent.org.models import Person


class TokenRejected(AuthenticationError):
    """A Bearer token was sent and is not good: 401 with `WWW-Authenticate: Bearer`."""

    def __init__(self) -> None:
        super().__init__(401, _("The access token is malformed, unknown, expired or revoked."))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dct_...`: acts as the token's owner, within its scope."""

    def authenticate(self, request: HttpRequest, token: str) -> Person:
        found = tokens.check_token(token)
        if found is None:
            raise TokenRejected
        if not tokens.allows(found, request.method or ""):
            raise HttpError(403, _("This access token may only read; this request needs a write token."))
        return found.owner


class SessionAuth(NinjaSessionAuth):
    """The signed-in web session. Ninja's own version checks the CSRF token before it
    knows whether anyone is signed in, so a POST with no credentials at all got 403
    (in English) instead of 401; here the check is made only for a signed-in session."""

    def _get_key(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise HttpError(
                403,
                _("The CSRF token is missing or wrong: send the csrftoken cookie's value in X-CSRFToken."),
            )
        return request.COOKIES.get(self.param_name)


session_auth = SessionAuth()
