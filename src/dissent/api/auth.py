"""Bearer-token authentication for the API (org/tokens.py checks the token)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

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
