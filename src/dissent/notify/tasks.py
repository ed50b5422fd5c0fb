"""The worker side of notifications (see notices.py)."""

from typing import Any

from django.tasks import task

from dissent import identities
from dissent.org.models import Person

from .notices import render


@task()
def deliver(recipient: str, notice: str, context: dict[str, Any]) -> str:
    """Send one notice; `recipient` is the person's id, sealed (see notices.send_notice)."""
    person = Person.objects.filter(pk=identities.unseal(recipient), is_active=True).first()
    if person is None or not person.email:
        return "skipped: no active recipient with an address"
    render(person, notice, context).send()
    return f"sent {notice}"
