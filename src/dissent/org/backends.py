"""Signing people in: Django's ModelBackend, with the per-request look-up of the signed-in
person in plain SQL (dissent/rows.py), since every request makes it, and skipped when the
session engine has just read the person with the session (dissent/sessions.py)."""

from contextvars import ContextVar
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from dissent import rows

from .models import Person

#: The person the session engine read with this request's session, for get_user to take
#: once. Each thread (and task) has its own; every request starts with none (apps.py).
_read_with_session: ContextVar[Person | None] = ContextVar("person_read_with_session", default=None)


def read_with_session(person: Person | None) -> None:
    _read_with_session.set(person)


def forget_read_with_session(**_: Any) -> None:
    """A request_started receiver: nothing read for an earlier request is taken for this one."""
    _read_with_session.set(None)


class PersonBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Person | None:
        try:
            pk = Person._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        person = _read_with_session.get()
        _read_with_session.set(None)
        if person is None or person.pk != pk:
            person = rows.first(Person, f"{Person._meta.pk.column} = %s", [pk])
        return person if person is not None and self.user_can_authenticate(person) else None
