"""The linkable ring signature behind anonymous co-signing: Liu, Wei and Wong's LSAG with
the linking tag scoped to an event (Tsang and Wei), over the prime-order subgroup of
edwards25519. docs/anonymous-signatures.md fixes every byte; this module and the browser's
static/anonymous/ring.js implement the same text, and tests check each against the other.

The group operations are libsodium's, through PyNaCl (>= 1.6.2: earlier versions accept a
mixed-order tag, which would let one key sign a memo twice). Only RFC 9380's hash to the
curve needs a little arithmetic here: libsodium's Elligator 2 takes the sign of x from the
input's top bit, where the RFC takes it from sgn0 of the x its own map computes.
"""

import hashlib
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_from_uniform,
    crypto_core_ed25519_is_valid_point,
    crypto_core_ed25519_scalar_mul,
    crypto_core_ed25519_scalar_reduce,
    crypto_core_ed25519_scalar_sub,
    crypto_scalarmult_ed25519_base_noclamp,
    crypto_scalarmult_ed25519_noclamp,
)
from nacl.exceptions import RuntimeError as NaclRuntimeError

#: The order of the prime-order subgroup, and the field's prime.
L = 2**252 + 27742317777372353535851937790883648493
P = 2**255 - 19

DST = b"DISSENT-V01-CS01-with-edwards25519_XMD:SHA-512_ELL2_RO_"
CONTEXT_DOMAIN = b"DISSENT-V01-LSAG-CONTEXT"
CHALLENGE_DOMAIN = b"DISSENT-V01-LSAG-CHALLENGE"
SIZE = 32


class RingError(ValueError):
    """A key, ring or signature that is not well formed (as opposed to one that is well
    formed and does not verify, for which verify() answers False)."""


# --- RFC 9380: hash_to_curve for edwards25519_XMD:SHA-512_ELL2_RO_ -------------------------


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (64-byte output, 128-byte block)."""
    blocks = -(-length // 64)
    if blocks > 255 or length > 65535 or len(dst) > 255:
        raise RingError("expand_message_xmd: the output or the tag is too long")
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + message + length.to_bytes(2, "big") + b"\0" + dst_prime).digest()
    out = [hashlib.sha512(b0 + b"\1" + dst_prime).digest()]
    for i in range(2, blocks + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, out[-1], strict=True))
        out.append(hashlib.sha512(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(out)[:length]


def hash_to_field(message: bytes, dst: bytes = DST) -> tuple[int, int]:
    """Two field elements (RFC 9380 section 5.2, L = 48)."""
    uniform = expand_message_xmd(message, dst, 96)
    return int.from_bytes(uniform[:48], "big") % P, int.from_bytes(uniform[48:], "big") % P


def _sqrt(a: int) -> int | None:
    """A square root mod P (P = 5 mod 8), or None when a is not a square."""
    root = pow(a, (P + 3) // 8, P)
    if root * root % P == a % P:
        return root
    root = root * pow(2, (P - 1) // 4, P) % P
    return root if root * root % P == a % P else None


def _rfc_constant() -> int:
    """sqrt(-486664) with sgn0 = 0, the RFC's c1 for the rational map to edwards25519."""
    root = _sqrt(-486664 % P)
    assert root is not None
    return P - root if root & 1 else root


_J = 486662
_SQRT_MINUS_486664 = _rfc_constant()


def _edwards_x_sign(u: int) -> int:
    """sgn0 of x for the point RFC 9380's map_to_curve_elligator2 (section 6.7.1, curve25519,
    Z = 2) and the rational map of appendix D give for u."""
    x1 = -_J * pow(1 + 2 * u * u, P - 2, P) % P
    if x1 == 0:
        x1 = -_J % P
    gx1 = (x1 * x1 * x1 + _J * x1 * x1 + x1) % P
    y1 = _sqrt(gx1)
    if y1 is not None:
        s, t = x1, (y1 if y1 & 1 else P - y1)  # sgn0(t) == 1
    else:
        x2 = (-x1 - _J) % P
        y2 = _sqrt((x2 * x2 * x2 + _J * x2 * x2 + x2) % P)
        assert y2 is not None  # one of gx1, gx2 is a square
        s, t = x2, (P - y2 if y2 & 1 else y2)  # sgn0(t) == 0
    if t == 0 or (s + 1) % P == 0:
        return 0  # the identity, x = 0
    return (_SQRT_MINUS_486664 * s * pow(t, P - 2, P) % P) & 1


def _map(u: int) -> bytes:
    """libsodium's from_uniform (Elligator 2, cofactor cleared) with the RFC's sign of x."""
    return crypto_core_ed25519_from_uniform((u | _edwards_x_sign(u) << 255).to_bytes(32, "little"))


def hash_to_point(event: bytes, dst: bytes = DST) -> bytes:
    """RFC 9380 hash_to_curve: clear_cofactor(map(u0) + map(u1)) = 8 map(u0) + 8 map(u1)."""
    u0, u1 = hash_to_field(event, dst)
    return crypto_core_ed25519_add(_map(u0), _map(u1))


# --- Keys, scalars and points ---------------------------------------------------------------


def random_scalar() -> bytes:
    while True:
        value = int.from_bytes(secrets.token_bytes(64), "little") % L
        if value:
            return value.to_bytes(32, "little")


def generate_secret() -> bytes:
    return random_scalar()


def public_key(secret: bytes) -> bytes:
    _check_scalar(secret, "secret key")
    return crypto_scalarmult_ed25519_base_noclamp(secret)


def is_point(value: bytes) -> bool:
    """Canonical, in the prime-order subgroup, not the identity (libsodium checks all three)."""
    return len(value) == SIZE and bool(crypto_core_ed25519_is_valid_point(value))


def check_ring(ring: Sequence[bytes]) -> None:
    """Every member a valid point and no member twice; RingError names the first bad one."""
    if not ring:
        raise RingError("the ring is empty")
    for index, key in enumerate(ring):
        if not is_point(key):
            raise RingError(f"ring member {index} is not a valid public key")
    if len(set(ring)) != len(ring):
        raise RingError("a public key appears twice in the ring")


def _check_scalar(value: bytes, what: str) -> None:
    if len(value) != SIZE or not 0 < int.from_bytes(value, "little") < L:
        raise RingError(f"the {what} is not a canonical non-zero scalar")


def _is_scalar(value: bytes) -> bool:
    return 0 < int.from_bytes(value, "little") < L


# --- The signature --------------------------------------------------------------------------


def _context(event: bytes, message: bytes, ring: Sequence[bytes], tag: bytes) -> bytes:
    parts = [CONTEXT_DOMAIN, len(event).to_bytes(8, "big"), event, len(message).to_bytes(8, "big"), message]
    parts += [len(ring).to_bytes(8, "big"), *ring, tag]
    return hashlib.sha512(b"".join(parts)).digest()


def _challenge(context: bytes, left: bytes, right: bytes) -> bytes:
    digest = hashlib.sha512(CHALLENGE_DOMAIN + context + left + right).digest()
    return crypto_core_ed25519_scalar_reduce(digest)


def _combine(s: bytes, base: bytes | None, c: bytes, point: bytes) -> bytes:
    """s*base + c*point (base None: the group's generator G)."""
    first = (
        crypto_scalarmult_ed25519_base_noclamp(s)
        if base is None
        else crypto_scalarmult_ed25519_noclamp(s, base)
    )
    return crypto_core_ed25519_add(first, crypto_scalarmult_ed25519_noclamp(c, point))


def sign(event: bytes, message: bytes, ring: Sequence[bytes], index: int, secret: bytes) -> bytes:
    """Sign `message` for `event` as member `index` of `ring`, whose public key must be
    public_key(secret). Returns I || c_0 || s_0 || ... || c_(n-1) || s_(n-1)."""
    check_ring(ring)
    _check_scalar(secret, "secret key")
    if not 0 <= index < len(ring) or public_key(secret) != ring[index]:
        raise RingError("the secret key is not the ring member at that index")
    n = len(ring)
    base = hash_to_point(event)
    tag = crypto_scalarmult_ed25519_noclamp(secret, base)
    context = _context(event, message, ring, tag)
    while True:
        nonce = random_scalar()
        c: list[bytes] = [b""] * n
        s: list[bytes] = [b""] * n
        c[(index + 1) % n] = _challenge(
            context,
            crypto_scalarmult_ed25519_base_noclamp(nonce),
            crypto_scalarmult_ed25519_noclamp(nonce, base),
        )
        i = (index + 1) % n
        while i != index:
            s[i] = random_scalar()
            left = _combine(s[i], None, c[i], ring[i])
            right = _combine(s[i], base, c[i], tag)
            c[(i + 1) % n] = _challenge(context, left, right)
            i = (i + 1) % n
        s[index] = crypto_core_ed25519_scalar_sub(nonce, crypto_core_ed25519_scalar_mul(c[index], secret))
        if all(_is_scalar(value) for value in c + s):  # a zero: about n in 2^252; draw again
            return tag + b"".join(c[i] + s[i] for i in range(n))


def tag_of(signature: bytes) -> bytes:
    """The linking tag: the same for every signature of one key on one event."""
    return signature[:SIZE]


def verify(
    event: bytes,
    message: bytes,
    ring: Sequence[bytes],
    signature: bytes,
    *,
    ring_checked: bool = False,
    threads: int = 1,
) -> bool:
    """Whether `signature` is a valid signature on (event, message) by some member of `ring`.
    A ring that is not well formed is a RingError; `ring_checked=True` skips that check for a
    roster already checked when it was published. With `threads` > 1 the n links are checked
    in parallel (libsodium releases the GIL)."""
    if not ring_checked:
        check_ring(ring)
    n = len(ring)
    if len(signature) != SIZE + 2 * SIZE * n:
        return False
    tag = signature[:SIZE]
    if not is_point(tag):
        return False
    c = [signature[SIZE + 2 * SIZE * i : 2 * SIZE + 2 * SIZE * i] for i in range(n)]
    s = [signature[2 * SIZE + 2 * SIZE * i : 3 * SIZE + 2 * SIZE * i] for i in range(n)]
    if not all(_is_scalar(value) for value in c + s):
        return False
    base = hash_to_point(event)
    context = _context(event, message, ring, tag)

    def link(i: int) -> bool:
        try:
            left = _combine(s[i], None, c[i], ring[i])
            right = _combine(s[i], base, c[i], tag)
        except NaclRuntimeError:  # libsodium refuses an identity result
            return False
        return secrets.compare_digest(_challenge(context, left, right), c[(i + 1) % n])

    if threads <= 1 or n < 2 * threads:
        return all(link(i) for i in range(n))
    with ThreadPoolExecutor(threads) as pool:
        return all(pool.map(link, range(n), chunksize=max(1, n // (4 * threads))))
