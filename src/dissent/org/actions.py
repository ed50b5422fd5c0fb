"""Changes people make to their own account."""

from datetime import timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dissent import clock
from dissent.errors import InvalidInput, NotFound
from dissent.events.models import EventKind
from dissent.events.recording import record_event

from . import tokens
from .models import AccessToken, Person, TokenScope

#: Tokens live at most a year: a forgotten token should not work for ever.
TOKEN_MAX_DAYS = 365
TOKEN_DEFAULT_DAYS = 90


@transaction.atomic
def set_language(person: Person, code: str) -> Person:
    """The language of `person`'s pages and e-mails; blank returns to the channel's."""
    code = (code or "").strip()
    if code and code not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language %(code)s; choose one from the list.") % {"code": code[:16]})
    if person.language != code:
        person.language = code
        person.save(update_fields=["language"])
        record_event(person, EventKind.PERSON_LANGUAGE_SET, person, {"person": person.pk, "language": code})
    return person


@transaction.atomic
def set_time_zone(person: Person, name: str) -> Person:
    """The time zone pages show times in for `person`; blank returns to the channel's."""
    name = (name or "").strip()
    if name and name not in available_timezones():
        raise InvalidInput(_("Unknown time zone %(name)s; choose one from the list.") % {"name": name[:64]})
    person.time_zone = name
    person.save(update_fields=["time_zone"])
    record_event(person, EventKind.PERSON_TIME_ZONE_SET, person, {"person": person.pk, "time_zone": name})
    return person


@transaction.atomic
def sign_out_everywhere(person: Person) -> Person:
    """End every session of `person`, in every browser and API client: each is checked on its
    next request against a hash that includes the raised session generation."""
    Person.objects.filter(pk=person.pk).update(session_generation=F("session_generation") + 1)
    person.refresh_from_db(fields=["session_generation"])
    record_event(
        person,
        EventKind.PERSON_SIGNED_OUT_EVERYWHERE,
        person,
        {"person": person.pk, "session_generation": person.session_generation},
    )
    return person


@transaction.atomic
def create_access_token(
    person: Person, *, name: str, scope: str, days: int = TOKEN_DEFAULT_DAYS
) -> tuple[AccessToken, str]:
    """A new API token acting as `person`, and the token string to show once: only its
    hash is kept, so it cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the token a name of at most 100 characters."))
    if scope not in TokenScope.values:
        raise InvalidInput(_("Choose read or read and write for the token."))
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise InvalidInput(_("A token lasts from 1 to %(max)s days.") % {"max": TOKEN_MAX_DAYS})
    secret = tokens.new_secret()
    now = clock.now()
    token = AccessToken.objects.create(
        owner=person,
        name=name,
        key_id=tokens.new_key_id(),
        secret_sha256=tokens.secret_hash(secret),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    record_event(  # never the secret or its hash
        person,
        EventKind.PERSON_ACCESS_TOKEN_CREATED,
        token,
        {
            "person": person.pk,
            "token": token.pk,
            "key_id": token.key_id,
            "scope": scope,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, tokens.token_string(token.key_id, secret)


@transaction.atomic
def revoke_access_token(person: Person, token_id: int) -> AccessToken:
    """Ends one of `person`'s own tokens at once; someone else's token is not found."""
    token = AccessToken.objects.select_for_update().filter(pk=token_id, owner=person).first()
    if token is None:
        raise NotFound(_("There is no such token among yours."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            person,
            EventKind.PERSON_ACCESS_TOKEN_REVOKED,
            token,
            {"person": person.pk, "token": token.pk, "key_id": token.key_id},
        )
    return token
