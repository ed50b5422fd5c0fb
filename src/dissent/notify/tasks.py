"""The worker side of notifications (see notices.py)."""

from typing import Any

from django.tasks import task

from dissent.org.models import Person

from .notices import render


@task()
def deliver(person_id: int, notice: str, context: dict[str, Any]) -> str:
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not person.email:
        return "skipped: no active recipient with an address"
    render(person, notice, context).send()
    return f"sent {notice}"
