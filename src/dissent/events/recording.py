"""record_event(): the one way actions write to the event record."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from dissent import clock, rows

from .canonical import canonical_json, canonical_sha256
from .models import Event, EventKind, PendingEvent

if TYPE_CHECKING:
    from dissent.org.models import Person


def record_event(
    actor: "Person | None",
    kind: EventKind,
    subject: models.Model,
    payload: dict[str, Any],
    *,
    along: Sequence[models.Model] = (),
) -> Event:
    """Append an event about `subject`. Must run inside the action's transaction, so the
    event exists exactly when the change it records does. `along`: new rows of the change
    itself, their keys drawn already (`rows.next_id_sql`), stored in the same statement."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the action's transaction")
    event = Event(
        kind=EventKind(kind).value,  # an unknown kind is a ValueError, never a row
        actor=actor,
        object_type=str(subject._meta.model_name),
        object_id=subject.pk,
        created_at=clock.now(),
        payload=payload,
        payload_sha256=canonical_sha256(payload),
    )
    event.record = canonical_json(event.canonical_fields()).decode()
    return rows.insert(event, queue=PendingEvent, along=along)  # plain SQL: every action runs this
