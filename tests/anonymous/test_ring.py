"""The ring signature of docs/anonymous-signatures.md: RFC 9380 vectors for the hash to the
group, and the properties the channel relies on (a valid signature verifies; any change to
the signature, the event, the message or the ring makes it fail; one key gives one tag per
memo and unlinkable tags across memos)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dissent.anonymous import ring

RFC_DST = b"QUUX-V01-CS02-with-edwards25519_XMD:SHA-512_ELL2_RO_"

# RFC 9380 appendix J.5.1 (edwards25519_XMD:SHA-512_ELL2_RO_): msg, P.x, P.y.
RFC_VECTORS = [
    (
        b"",
        0x3C3DA6925A3C3C268448DCABB47CCDE5439559D9599646A8260E47B1E4822FC6,
        0x09A6C8561A0B22BEF63124C588CE4C62EA83A3C899763AF26D795302E115DC21,
    ),
    (
        b"abc",
        0x608040B42285CC0D72CBB3985C6B04C935370C7361F4B7FBDB1AE7F8C1A8ECAD,
        0x1A8395B88338F22E435BBD301183E7F20A5F9DE643F11882FB237F88268A5531,
    ),
    (
        b"abcdef0123456789",
        0x6D7FABF47A2DC03FE7D47F7DDDD21082C5FB8F86743CD020F3FB147D57161472,
        0x53060A3D140E7FBCDA641ED3CF42C88A75411E648A1ADD71217F70EA8EC561A6,
    ),
]


def encoded(x: int, y: int) -> bytes:
    return (y | (x & 1) << 255).to_bytes(32, "little")


def keys(n: int) -> tuple[list[bytes], list[bytes]]:
    secrets = [ring.generate_secret() for _ in range(n)]
    return secrets, [ring.public_key(secret) for secret in secrets]


@pytest.mark.parametrize(("message", "x", "y"), RFC_VECTORS, ids=["empty", "abc", "abcdef"])
def test_hash_to_point_gives_the_rfc_9380_points(message: bytes, x: int, y: int) -> None:
    assert ring.hash_to_point(message, RFC_DST) == encoded(x, y)


def test_hash_to_field_gives_the_rfc_9380_field_elements() -> None:
    u0, u1 = ring.hash_to_field(b"", RFC_DST)

    assert u0 == 0x03FEF4813C8CB5F98C6EEF88FAE174E6E7D5380DE2B007799AC7EE712D203F3A
    assert u1 == 0x780BDDDD137290C8F589DC687795AAFAE35F6B674668D92BF92AE793E6A60C75


def test_the_event_base_is_a_point_of_the_prime_order_group() -> None:
    assert ring.is_point(ring.hash_to_point(b"dissent-memo:test:1"))
    assert ring.hash_to_point(b"dissent-memo:test:1") != ring.hash_to_point(b"dissent-memo:test:2")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=1, max_value=8),
    data=st.data(),
    event=st.binary(max_size=40),
    message=st.binary(max_size=200),
)
def test_a_signature_verifies_and_any_changed_byte_fails(
    n: int, data: st.DataObject, event: bytes, message: bytes
) -> None:
    secrets, members = keys(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    signature = ring.sign(event, message, members, index, secrets[index])

    assert len(signature) == 32 + 64 * n
    assert ring.verify(event, message, members, signature)
    position = data.draw(st.integers(min_value=0, max_value=len(signature) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    changed = bytearray(signature)
    changed[position] ^= flip
    assert not ring.verify(event, message, members, bytes(changed))
    assert not ring.verify(event + b"x", message, members, signature)
    assert not ring.verify(event, message + b"x", members, signature)


def test_a_changed_or_reordered_ring_fails() -> None:
    secrets, members = keys(4)
    signature = ring.sign(b"memo", b"co-sign", members, 1, secrets[1])
    __, others = keys(1)

    assert ring.verify(b"memo", b"co-sign", members, signature)
    assert not ring.verify(b"memo", b"co-sign", [*members[:3], others[0]], signature)
    assert not ring.verify(b"memo", b"co-sign", list(reversed(members)), signature)
    assert not ring.verify(b"memo", b"co-sign", members[:3], signature)


def test_one_key_has_one_tag_per_event_and_unlinkable_tags_across_events() -> None:
    secrets, members = keys(3)
    first = ring.sign(b"memo:1", b"a", members, 0, secrets[0])
    again = ring.sign(b"memo:1", b"b", members, 0, secrets[0])
    elsewhere = ring.sign(b"memo:2", b"a", members, 0, secrets[0])
    someone_else = ring.sign(b"memo:1", b"a", members, 1, secrets[1])

    assert ring.tag_of(first) == ring.tag_of(again)
    assert ring.tag_of(first) != ring.tag_of(elsewhere)
    assert ring.tag_of(first) != ring.tag_of(someone_else)
    # The same signer in another ring on the same memo: still the same tag.
    assert ring.tag_of(ring.sign(b"memo:1", b"a", [members[0], members[2]], 0, secrets[0])) == ring.tag_of(
        first
    )


def test_a_signature_by_a_key_outside_the_ring_cannot_be_made_or_pass() -> None:
    __, members = keys(3)
    outsider, (outsider_key,) = keys(1)

    with pytest.raises(ring.RingError):
        ring.sign(b"memo", b"m", members, 0, outsider[0])
    forged = ring.sign(b"memo", b"m", [outsider_key, *members[1:]], 0, outsider[0])
    assert not ring.verify(b"memo", b"m", members, forged)


def test_malformed_rings_are_refused_with_the_member_named() -> None:
    __, members = keys(2)

    with pytest.raises(ring.RingError, match="ring member 1"):
        ring.verify(b"e", b"m", [members[0], bytes(32)], bytes(32 + 128))
    with pytest.raises(ring.RingError, match="twice"):
        ring.verify(b"e", b"m", [members[0], members[0]], bytes(32 + 128))
    with pytest.raises(ring.RingError, match="empty"):
        ring.verify(b"e", b"m", [], bytes(32))


def test_non_canonical_scalars_and_small_order_tags_are_refused() -> None:
    secrets, members = keys(2)
    signature = bytearray(ring.sign(b"e", b"m", members, 0, secrets[0]))
    # s_0 + l is the same point arithmetic but not canonical: refused (no malleability).
    s0 = int.from_bytes(signature[64:96], "little") + ring.L
    if s0 < 2**256:
        malleated = signature[:64] + s0.to_bytes(32, "little") + signature[96:]
        assert not ring.verify(b"e", b"m", members, bytes(malleated))
    # The tag moved by a point of order 2 ((0, -1), encoded y = p - 1): not in the group.
    small_order = (ring.P - 1).to_bytes(32, "little")
    assert not ring.is_point(small_order)
    assert not ring.verify(b"e", b"m", members, small_order + bytes(signature[32:]))


def test_verifying_in_parallel_gives_the_same_answers() -> None:
    secrets, members = keys(40)
    signature = ring.sign(b"e", b"m", members, 7, secrets[7])
    changed = bytearray(signature)
    changed[-1] ^= 1

    assert ring.verify(b"e", b"m", members, signature, threads=2)
    assert not ring.verify(b"e", b"m", members, bytes(changed), threads=2)
