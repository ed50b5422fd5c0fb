"""Signing people in: Django's ModelBackend, with the per-request look-up of the signed-in
person in plain SQL (dissent/rows.py), since every request makes it."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from dissent import rows

from .models import Person


class PersonBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Person | None:
        try:
            pk = Person._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        person = rows.first(Person, f"{Person._meta.pk.column} = %s", [pk])
        return person if person is not None and self.user_can_authenticate(person) else None
