"""The log's Ed25519 signing key: LOG_SIGNING_KEY (or LOG_SIGNING_KEY_FILE), base64 of the
32-byte seed; with neither, one is generated once into var/log_signing_key (mode 0600)."""

import base64
import hashlib
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.conf import settings

from dissent.keyfiles import read_or_create


def signing_key() -> Ed25519PrivateKey:
    return _load(settings.LOG_SIGNING_KEY, str(Path(settings.VAR_DIR) / "log_signing_key"))


@cache
def _load(configured: str, key_file: str) -> Ed25519PrivateKey:
    """Cached per source, so a changed setting (a test's own var dir) takes effect."""
    seed = configured or read_or_create(Path(key_file), _new_seed)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))


def _new_seed() -> str:
    seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(seed).decode()


def public_key_bytes() -> bytes:
    return signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: bytes | None = None) -> str:
    """The key's fingerprint: SHA-256 of the raw 32-byte public key, in hex."""
    return hashlib.sha256(public_key if public_key is not None else public_key_bytes()).hexdigest()


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)
