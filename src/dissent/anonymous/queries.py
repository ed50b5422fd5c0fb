"""Reads for anonymous signing: rosters rebuilt from the log, each memo's signing parameters,
and what the memo page offers (its count comes with memos.queries.memo_parts)."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils.translation import gettext as _

from dissent.errors import NotAllowed, NotFound
from dissent.events.models import EventKind
from dissent.log import receipts
from dissent.log.models import LogEntry, TreeHead
from dissent.memos import policy
from dissent.memos.models import FILED_STATES, Memo
from dissent.org.models import Person

from .models import ORGANISATION, AnonymousKey, AnonymousSignature, MemoRing

#: The events a roster is rebuilt from (the events table has a partial index on them).
ROSTER_KINDS = [EventKind.ANONYMOUS_KEY_ENROLLED, EventKind.ANONYMOUS_KEY_REVOKED]


def unit_group(code: str) -> str:
    return f"unit:{code}"


def roster(group: str, log_size: int) -> list[str]:
    """The public keys (hex) of `group` as the first `log_size` leaves of the log say: every
    enrolment among them, minus every revocation, in the order enrolled. Anyone holding the
    log can rebuild it; the database's key table is not consulted."""
    entries = (
        LogEntry.objects.filter(index__lt=log_size, event__kind__in=ROSTER_KINDS)
        .order_by("index")
        .values_list("event__kind", "event__payload")
    )
    keys: dict[str, None] = {}  # ordered set
    for kind, payload in entries:
        if group != ORGANISATION and unit_group(payload.get("unit", "")) != group:
            continue
        if kind == EventKind.ANONYMOUS_KEY_ENROLLED:
            keys[payload["public_key"]] = None
        else:
            keys.pop(payload["public_key"], None)
    return list(keys)


def latest_size() -> int:
    """The size of the latest signed tree head (0 before the first)."""
    return TreeHead.objects.aggregate(size=Max("size"))["size"] or 0


def ring_size_now() -> int:
    """The log size a memo's ring is offered at before its first anonymous signature: the
    first signed tree head covering the latest enrolment or revocation (the latest tree head
    while that one is still waiting for the sequencer). The roster there is the latest roster,
    and the size stays put until the roster next changes: every memo offers the same ring, and
    a browser that kept it fetches nothing more."""
    last = LogEntry.objects.filter(event__kind__in=ROSTER_KINDS).aggregate(last=Max("index"))["last"]
    if last is not None:
        covering = TreeHead.objects.filter(size__gt=last).order_by("size").values_list("size", flat=True)
        first = covering.first()
        if first is not None:
            return first
    return latest_size()


def is_published_size(size: int) -> bool:
    return TreeHead.objects.filter(size=size).exists()


def event_of(memo_id: int, secret: str) -> bytes:
    return f"dissent-memo:{memo_id}:{secret}".encode()


def message_of(memo_id: int) -> bytes:
    return f"dissent-cosign:{memo_id}".encode()


@dataclass(frozen=True)
class SigningParameters:
    memo_id: int
    event: bytes
    message: bytes
    group: str
    log_size: int
    ring: list[str]
    fixed: bool  # the ring is the memo's own, fixed by its first anonymous signature
    min_ring: int
    count_both_ways: bool  # the drafters let a member sign both by name and anonymously


def ring_of(memo: Memo) -> MemoRing:
    """The memo's anonymous-signing record, made the first time anyone needs it."""
    found, __ = MemoRing.objects.get_or_create(memo=memo, defaults={"secret": secrets.token_hex(16)})
    return found


def signing_parameters(person: Person, memo: Memo, *, with_ring: bool = True) -> SigningParameters:
    """What a browser needs to sign `memo` anonymously: the caller has checked that `person`
    may sign it. Someone who has signed it by name is refused: an anonymous signature too
    would count them twice (the server cannot stop a determined member; see the docs). Before
    the first anonymous signature the ring offered is the whole organisation's roster at the
    latest signed tree head. `with_ring=False` leaves the ring out (the memo page: the
    browser fetches the roster, which is the same for everyone, only to sign)."""
    record = ring_of(memo)
    if not record.count_both_ways and policy.Standing.SIGNER in policy.standing(person, memo):
        raise NotAllowed(
            _("You have signed this memo by name: an anonymous signature too would count you twice.")
        )
    fixed = record.log_size is not None
    group = record.group if fixed else ORGANISATION
    size = record.log_size if record.log_size is not None else ring_size_now()
    return SigningParameters(
        memo_id=memo.pk,
        event=event_of(memo.pk, record.secret),
        message=message_of(memo.pk),
        group=group,
        log_size=size,
        ring=roster(group, size) if with_ring else [],
        fixed=fixed,
        min_ring=settings.ANONYMOUS_MIN_RING,
        count_both_ways=record.count_both_ways,
    )


def keys_of(person: Person) -> list[str]:
    """Every public key the person enrolled, revoked ones included (hex)."""
    return list(AnonymousKey.objects.filter(person=person).values_list("public_key", flat=True))


def active_key(person: Person) -> AnonymousKey | None:
    return AnonymousKey.objects.filter(person=person, revoked_at__isnull=True).first()


def export_of(memo: Memo) -> dict[str, object] | None:
    """What anyone needs to check the memo's anonymous signatures again, for its JSON export
    (`dissent verifysignatures`): None when it has none. The event's secret is no longer
    worth keeping once the memo is filed: nobody can sign it any more."""
    record = MemoRing.objects.filter(memo=memo, log_size__isnull=False).first()
    if record is None or record.log_size is None:
        return None
    signatures = (
        AnonymousSignature.objects.filter(memo=memo).order_by("id").values_list("signature", flat=True)
    )
    return {
        "event": base64.b64encode(event_of(memo.pk, record.secret)).decode(),
        "message": base64.b64encode(message_of(memo.pk)).decode(),
        "group": record.group,
        "log_size": record.log_size,
        "ring": roster(record.group, record.log_size),
        "signatures": list(signatures),
        "count_both_ways": record.count_both_ways,
    }


@dataclass(frozen=True)
class PageSigning:
    """What the memo page shows about signing anonymously: the reader's key, and, when they
    may sign it anonymously now, the parameters the page's script signs with."""

    key: AnonymousKey | None
    parameters: SigningParameters | None
    count_both_ways: bool = False
    #: Every key the reader enrolled (hex), so the script heeds only their own records of
    #: memos signed in this browser, which two members may share.
    my_keys: tuple[str, ...] = ()

    def data(self) -> dict[str, object]:
        """The parameters as the page's data attributes (the script reads them)."""
        assert self.key is not None and self.parameters is not None
        low, high = settings.ANONYMOUS_SEND_DELAY
        return {
            "memo": self.parameters.memo_id,
            "public_key": self.key.public_key,
            "event": base64.b64encode(self.parameters.event).decode(),
            "message": base64.b64encode(self.parameters.message).decode(),
            "group": self.parameters.group,
            "log_size": self.parameters.log_size,
            "min_ring": self.parameters.min_ring,
            "delay_min": low,
            "delay_max": high,
            "count_both_ways": "true" if self.parameters.count_both_ways else "false",
            "my_keys": " ".join(self.my_keys),
        }


def page_signing(
    person: Person, memo: Memo, *, may_sign: bool, signed_by_name: bool, both: bool
) -> PageSigning:
    """No query at all for a reader who may not sign the memo. `both`: whether its drafters
    let a member sign both ways (the page has it from memos.queries.memo_parts)."""
    if not may_sign:
        return PageSigning(key=None, parameters=None, count_both_ways=both)
    key = active_key(person)
    if key is None or (signed_by_name and not both):
        return PageSigning(key=key, parameters=None, count_both_ways=both)
    try:
        parameters = signing_parameters(person, memo, with_ring=False)
    except NotAllowed:  # signed by name since the page's other queries ran
        return PageSigning(key=key, parameters=None, count_both_ways=both)
    return PageSigning(key=key, parameters=parameters, count_both_ways=both, my_keys=tuple(keys_of(person)))


def anonymous_receipt(memo_id: int, receipt_key: str) -> dict[str, Any]:
    """The filing receipt of a filed memo, for whoever shows the receipt key (hex) of one of
    its anonymous signatures: the signer's browser derives it from its secret and the memo,
    and sent only its SHA-256 with the signature. No such memo, not filed, or no signature
    with that key: the same NotFound, so the route tells nobody which memos exist."""
    digest = hashlib.sha256(bytes.fromhex(receipt_key)).hexdigest()
    held = AnonymousSignature.objects.filter(
        memo_id=memo_id, memo__state__in=FILED_STATES, receipt_key_sha256=digest
    ).exists()
    if not held:
        raise NotFound(_("No such receipt."))
    return receipts.filing_receipt(memo_id)
