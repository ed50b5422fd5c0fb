"""Personal access tokens for the JSON API: the token string and its check.

A token is `dct_<key_id>_<secret>`. The key id finds the row; the SHA-256 of the secret is
compared in constant time. Every failure gives the same answer (None), whatever the reason."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from dissent import clock

from .models import AccessToken, TokenScope

TOKEN_PREFIX = "dct"  # noqa: S105 - a label, not a secret
_TOKEN = re.compile(r"^dct_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
#: last_used_at is written at most this often per token, to keep requests cheap.
LAST_USED_RESOLUTION = timedelta(minutes=1)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_key_id() -> str:
    return secrets.token_hex(6)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_string(key_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}_{key_id}_{secret}"


def check_token(raw: str) -> AccessToken | None:
    """The live token `raw` stands for, with its active owner; None for a malformed,
    unknown, wrong, expired or revoked token, or an inactive owner."""
    match = _TOKEN.match(raw.strip())
    if match is None:
        return None
    key_id, secret = match.groups()
    token = AccessToken.objects.select_related("owner").filter(key_id=key_id).first()
    if token is None:
        return None
    if not hmac.compare_digest(token.secret_sha256, secret_hash(secret)):
        return None
    now = clock.now()
    if token.revoked_at is not None:
        return None
    if token.expires_at <= now:
        return None
    if not token.owner.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def allows(token: AccessToken, method: str) -> bool:
    """Read tokens may only read (GET routes); write tokens may do all their owner may."""
    return token.scope == TokenScope.WRITE or method.upper() in READ_METHODS
