"""Two-step verification: an authenticator app (TOTP, RFC 6238) after the password, with
recovery codes for a lost phone. django-otp keeps the devices and throttles wrong codes;
this module decides who must use it and records every change as an event.

Recovery codes are django-otp static tokens, but the database holds only a keyed hash of
each (HMAC-SHA256 under SECRET_KEY, cut to the column's 16 characters), so a copy of the
database cannot be used to get past the second step. Each code is 80 random bits.
"""

import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dissent.errors import InvalidInput, InvalidState, NotAllowed
from dissent.events.models import EventKind
from dissent.events.recording import record_event
from dissent.notify.notices import send_notice

from .models import Person

RECOVERY_CODE_COUNT = 10
#: 16 base32 characters: 80 bits, shown in four groups of four.
RECOVERY_CODE_CHARACTERS = 16
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_HASH_SALT = "dissent.org.two_factor.recovery_code"
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class TooManyAttempts(InvalidInput):
    """Too many wrong codes: django-otp makes the next try wait."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def required_for(person: Person) -> bool:
    """Whether `person`'s role obliges them to use a second step (TWO_FACTOR_REQUIRED_ROLES)."""
    return person.role in settings.TWO_FACTOR_REQUIRED_ROLES


def is_enabled(person: Person) -> bool:
    return bool(TOTPDevice.objects.filter(user=person, confirmed=True).exists())


def recovery_codes_left(person: Person) -> int:
    return int(StaticToken.objects.filter(device__user=person, device__confirmed=True).count())


def _hash_code(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return salted_hmac(_HASH_SALT, normalised, algorithm="sha256").hexdigest()[:16]


def _new_code() -> str:
    raw = "".join(secrets.choice(_BASE32) for __ in range(RECOVERY_CODE_CHARACTERS))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_CHARACTERS, 4))


def _looks_like_totp(code: str) -> bool:
    return code.isdigit() and len(code) == 6


@transaction.atomic
def start_enrolment(person: Person) -> TOTPDevice:
    """A new, unconfirmed authenticator for `person` (any earlier unconfirmed one is dropped).
    It counts only once `confirm_enrolment` has seen a code from it."""
    TOTPDevice.objects.filter(user=person, confirmed=False).delete()
    return TOTPDevice.objects.create(user=person, name=AUTHENTICATOR_NAME, confirmed=False)


def pending_enrolment(person: Person, device_id: object) -> TOTPDevice | None:
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=person, confirmed=False).first()


def confirm_enrolment(person: Person, device: TOTPDevice, code: str) -> list[str]:
    """Confirms the authenticator when `code` is right, replacing any earlier authenticator,
    and returns a fresh set of recovery codes (to show once)."""
    code = "".join((code or "").split())
    if not _looks_like_totp(code):
        raise InvalidInput(_("Enter the 6-digit code your authenticator app shows."))
    with transaction.atomic():  # commits a wrong code's throttling before refusing it
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=person, confirmed=False)
        _check_throttle(device)
        right = device.verify_token(code)
        if right:
            TOTPDevice.objects.filter(user=person, confirmed=True).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record_event(person, EventKind.PERSON_TWO_FACTOR_ENABLED, person, {"person": person.pk})
            _tell(person, "enabled")
            return _replace_recovery_codes(person, tell=False)
    raise InvalidInput(
        _("That code is not right. Check the time on your phone, then enter the code it shows now.")
    )


@transaction.atomic
def new_recovery_codes(person: Person) -> list[str]:
    """A fresh set of recovery codes; the earlier ones stop working."""
    if not is_enabled(person):
        raise InvalidState(_("Set up two-step verification first."))
    return _replace_recovery_codes(person)


def _tell(person: Person, change: str) -> None:
    """An e-mail to the person about a change to their second step, so that someone who
    got hold of their account cannot change it unnoticed (sent when the change commits)."""
    send_notice(person, "two_factor_changed", {"change": change})


def _replace_recovery_codes(person: Person, *, tell: bool = True) -> list[str]:
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name=RECOVERY_NAME, confirmed=True)
    codes = [_new_code() for __ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_hash_code(c)) for c in codes)
    record_event(
        person, EventKind.PERSON_RECOVERY_CODES_CREATED, person, {"person": person.pk, "count": len(codes)}
    )
    if tell:
        _tell(person, "recovery_codes")
    return codes


def _check_throttle(device: Device) -> None:
    allowed, data = device.verify_is_allowed()
    if not allowed:
        wait = 1
        if data and data.get("locked_until"):
            wait = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
        message = ngettext(
            "Too many wrong codes. Wait %(seconds)s second, then try again.",
            "Too many wrong codes. Wait %(seconds)s seconds, then try again.",
            wait,
        )
        raise TooManyAttempts(message % {"seconds": wait}, wait)


@dataclass(frozen=True)
class Verified:
    device: Device
    used_recovery_code: bool
    recovery_codes_left: int


def verify(person: Person, code: str) -> Verified:
    """The device that accepts `code` (the authenticator's 6 digits, or a recovery code,
    which is then used up), or InvalidInput. Wrong codes slow further tries (django-otp)."""
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise InvalidInput(_("Enter the 6-digit code from your authenticator app, or a recovery code."))
    compact = "".join(code.split())
    with transaction.atomic():  # commits a wrong code's throttling before refusing it
        devices: list[Device]
        if _looks_like_totp(compact):
            devices = list(TOTPDevice.objects.select_for_update().filter(user=person, confirmed=True))
            token = compact
        else:
            devices = list(StaticDevice.objects.select_for_update().filter(user=person, confirmed=True))
            token = _hash_code(compact)
        for device in devices:
            _check_throttle(device)
        for device in devices:
            if not device.verify_token(token):
                continue
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                record_event(
                    person, EventKind.PERSON_RECOVERY_CODE_USED, person, {"person": person.pk, "left": left}
                )
                return Verified(device, True, left)
            return Verified(device, False, recovery_codes_left(person))
    raise InvalidInput(_("That code is not right."))


@transaction.atomic
def disable(person: Person) -> None:
    """Turns the second step off for someone whose role does not require it."""
    if required_for(person):
        raise NotAllowed(_("Your role requires two-step verification; it cannot be turned off."))
    _remove_devices(person)
    record_event(person, EventKind.PERSON_TWO_FACTOR_DISABLED, person, {"person": person.pk})
    _tell(person, "disabled")


@transaction.atomic
def reset(person: Person, by: Person | None) -> None:
    """An administrator's reset for someone who lost both phone and recovery codes: the
    person sets up a new authenticator at their next sign-in."""
    _remove_devices(person)
    record_event(
        by, EventKind.PERSON_TWO_FACTOR_RESET, person, {"person": person.pk, "by": by.pk if by else None}
    )
    _tell(person, "reset")


def _remove_devices(person: Person) -> None:
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()


def current_code(device: TOTPDevice) -> str:
    """The code `device` shows now (for the command-line check and the tests)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
