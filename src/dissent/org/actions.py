"""Changes people make to their own account."""

from zoneinfo import available_timezones

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dissent.errors import InvalidInput
from dissent.events.models import EventKind
from dissent.events.recording import record_event

from .models import Person


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
