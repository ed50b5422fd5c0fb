"""Protected identities, encrypted at rest with keys kept outside the database.

A protected signature does not reference its signer. It stores instead:

- ``signer_sealed``: the signer's person id encrypted with Fernet (AES-128-CBC + HMAC), under
  a MultiFernet so keys can rotate: the first of IDENTITY_KEYS encrypts, all of them
  decrypt, and ``dissent rotateidentitykeys`` re-encrypts every token under the first;
- ``signer_tag``: HMAC-SHA256 of the person id under IDENTITY_INDEX_KEY, a blind index that
  lets the database answer "has this person signed this memo?" and keep one signature per
  person, without saying who.

Without the keys, a database dump shows that a memo has N protected signatures and which of
them (across memos) come from the same person, but not who that person is. With neither
IDENTITY_KEYS nor IDENTITY_INDEX_KEY set (nor their _FILE variants), each is generated once
into var/ (mode 0600), which keeps the embedded default working; production keeps them
elsewhere than the database and its backups (docs/security.md).
"""

import base64
import hashlib
import hmac
import secrets
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from dissent.keyfiles import read_or_create


class IdentityKeyError(Exception):
    """A sealed identity could not be opened with any configured key."""


def _keys() -> tuple[tuple[str, ...], str]:
    return _keys_from(str(settings.VAR_DIR), settings.IDENTITY_KEYS, settings.IDENTITY_INDEX_KEY)


@cache
def _keys_from(var_dir: str, sealing: str, index: str) -> tuple[tuple[str, ...], str]:
    """Read (or create) once per process and configuration: every signature needs them."""
    var = Path(var_dir)
    sealing = sealing or read_or_create(var / "identity_keys", lambda: Fernet.generate_key().decode())
    index = index or read_or_create(
        var / "identity_index_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )
    return tuple(k.strip() for k in sealing.split(",") if k.strip()), index


@cache
def _fernet(sealing: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in sealing])


def fernet() -> MultiFernet:
    return _fernet(_keys()[0])


def seal(person_id: int) -> str:
    return fernet().encrypt(str(person_id).encode()).decode()


def unseal(token: str) -> int:
    try:
        return int(fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise IdentityKeyError(
            "a protected identity cannot be opened with the configured IDENTITY_KEYS"
        ) from error


def reseal(token: str) -> str:
    """The same identity under the first (newest) key."""
    return fernet().rotate(token.encode()).decode()


def signer_tag(person_id: int) -> str:
    """The blind index of a person's protected signatures (and meeting invitations)."""
    key = base64.b64decode(_keys()[1])
    return hmac.new(key, f"signer:{person_id}".encode(), hashlib.sha256).hexdigest()
