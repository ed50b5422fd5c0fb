"""Enrolling and revoking keys for anonymous signing, and accepting an anonymous signature
after verifying it (docs/anonymous-signatures.md)."""

import base64
import binascii
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dissent import clock
from dissent.errors import AlreadyDone, InvalidInput, InvalidState, NotAllowed, NotFound
from dissent.events.models import EventKind
from dissent.events.recording import record_event
from dissent.memos import policy
from dissent.memos.actions import locked
from dissent.memos.models import Memo, MemoState
from dissent.memos.policy import Action, Standing
from dissent.org.models import Person

from . import queries, ring
from .models import ORGANISATION, AnonymousKey, AnonymousSignature, MemoRing

#: The largest ring accepted (a signature of 64 bytes a member: 640 kB at this size).
MAX_RING = 10_000


@transaction.atomic
def enrol_key(person: Person, public_key_hex: str) -> AnonymousKey:
    """Bind a public key made in the person's browser to their account, replacing none: a
    person has one active key (revoke it first)."""
    try:
        key = bytes.fromhex(public_key_hex)
    except ValueError:
        key = b""
    if not ring.is_point(key):
        raise InvalidInput(_("That is not a public key for anonymous signing."))
    if AnonymousKey.objects.filter(person=person, revoked_at__isnull=True).exists():
        raise AlreadyDone(
            _("You already have a key for anonymous signing. Revoke it first to enrol another.")
        )
    if AnonymousKey.objects.filter(public_key=key.hex()).exists():
        raise InvalidInput(_("That key is already enrolled."))
    unit_code = person.unit.code if person.unit is not None else ""
    enrolled = AnonymousKey.objects.create(
        person=person, public_key=key.hex(), unit_code=unit_code, enrolled_at=clock.now()
    )
    record_event(
        person, EventKind.ANONYMOUS_KEY_ENROLLED, enrolled, {"public_key": key.hex(), "unit": unit_code}
    )
    return enrolled


@transaction.atomic
def revoke_key(person: Person) -> AnonymousKey:
    key = AnonymousKey.objects.select_for_update().filter(person=person, revoked_at__isnull=True).first()
    if key is None:
        raise NotFound(_("You have no key for anonymous signing."))
    key.revoked_at = clock.now()
    key.save(update_fields=["revoked_at"])
    record_event(
        person, EventKind.ANONYMOUS_KEY_REVOKED, key, {"public_key": key.public_key, "unit": key.unit_code}
    )
    return key


@transaction.atomic
def set_count_both_ways(memo: Memo, person: Person, value: bool) -> MemoRing:
    """The drafters choose, while the memo is a draft, whether a member who signs it by name
    may also sign it anonymously (and so count twice). Fixed from the moment it opens, so
    that the rule the signers saw is the rule the count follows."""
    memo = locked(memo, person)
    policy.require(person, Action.VIEW, memo)
    if Standing.DRAFTER not in policy.standing(person, memo):
        raise NotAllowed(_("Only the memo's drafters choose how anonymous signatures count."))
    if memo.state != MemoState.DRAFT:
        raise InvalidState(_("How anonymous signatures count is chosen while the memo is a draft."))
    record = queries.ring_of(memo)
    record.count_both_ways = value
    record.save(update_fields=["count_both_ways"])
    return record


REFUSED = gettext_lazy("This is not a valid anonymous signature on a memo open for signatures.")


def sign_anonymously(
    memo_id: int,
    group: str,
    log_size: int,
    event_sha256: str,
    signature_b64: str,
    receipt_key_sha256: str = "",
) -> AnonymousSignature:
    """Store an anonymous signature once it verifies against the memo's ring. Nobody is signed
    in: the request names no one and nothing about it is kept but the signature.

    The endpoint must tell nobody which memos exist. So the caller first shows that it knows
    the memo's event (its SHA-256, which only those shown the memo can compute), and until
    then every failure (no such memo, not open, a wrong digest) is the same quick 400; only a
    caller who knows the event learns more (a ring other than the memo's, 409) or waits for
    the verification (up to a second for a large ring, before any lock is taken).

    `receipt_key_sha256` is kept with the signature and nowhere else (not in the event): the
    signer's browser later shows its preimage to fetch the filing receipt."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(str(REFUSED)) from None
    record = MemoRing.objects.filter(memo_id=memo_id, memo__state=MemoState.OPEN).first()
    event = queries.event_of(memo_id, record.secret if record is not None else "")
    if record is None or not hmac.compare_digest(hashlib.sha256(event).hexdigest(), event_sha256):
        raise InvalidInput(str(REFUSED))
    _check_ring_choice(record, group, log_size)
    members = queries.roster(group, log_size)
    if not settings.ANONYMOUS_MIN_RING <= len(members) <= MAX_RING:
        raise InvalidInput(str(REFUSED))
    keys = [bytes.fromhex(member) for member in members]
    if not ring.verify(event, queries.message_of(memo_id), keys, signature, ring_checked=True, threads=2):
        raise InvalidInput(str(REFUSED))
    try:
        return _store(memo_id, group, log_size, ring.tag_of(signature).hex(), signature, receipt_key_sha256)
    except IntegrityError:  # the same tag at the same moment: the constraint refused it
        raise AlreadyDone(str(ALREADY_SIGNED), reason="already_signed") from None


ALREADY_SIGNED = gettext_lazy("This key has already signed this memo anonymously.")


def _check_ring_choice(record: MemoRing, group: str, log_size: int) -> None:
    if record.log_size is not None and (record.log_size, record.group) != (log_size, group):
        raise InvalidState(
            _("This memo's ring is fixed by its first anonymous signature: sign against that ring."),
            reason="ring_changed",
        )
    if record.log_size is None and (group != ORGANISATION or not queries.is_published_size(log_size)):
        raise InvalidInput(str(REFUSED))


@transaction.atomic
def _store(
    memo_id: int, group: str, log_size: int, tag: str, signature: bytes, receipt_key_sha256: str
) -> AnonymousSignature:
    record = MemoRing.objects.select_for_update().get(memo_id=memo_id)
    # The memo's row too, as filing takes it: a signature is either in the filing event's
    # list or refused, never stored on a memo filed a moment before.
    memo = Memo.objects.select_for_update(no_key=True).filter(pk=memo_id, state=MemoState.OPEN).first()
    if memo is None:  # filed or withdrawn while the signature was being verified
        raise InvalidInput(str(REFUSED))
    _check_ring_choice(record, group, log_size)  # again, under the lock
    if AnonymousSignature.objects.filter(memo=memo, tag=tag).exists():
        raise AlreadyDone(str(ALREADY_SIGNED), reason="already_signed")
    if record.log_size is None:
        record.group, record.log_size = group, log_size
        record.save(update_fields=["group", "log_size"])
    stored = AnonymousSignature.objects.create(
        memo=memo,
        tag=tag,
        signature=base64.b64encode(signature).decode(),
        signed_on=clock.now().date(),
        receipt_key_sha256=receipt_key_sha256,
    )
    record_event(
        None,
        EventKind.MEMO_SIGNED_ANONYMOUSLY,
        memo,
        {"memo": memo.pk, "tag": tag, "group": group, "log_size": log_size},
    )
    return stored
