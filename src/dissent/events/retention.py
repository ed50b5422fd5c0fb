"""Retention: the one sanctioned change to recorded events.

When a closed memo's retention period has passed, its events keep their kind, object,
time and place in the log, but lose who did it (actor), what they said (payload, record)
and the payload's hash (a hash of a short, guessable payload such as a user name would
give it back). The tamper-evident log keeps each event's leaf hash, so inclusion and
consistency proofs, and therefore every receipt handed out at filing, still verify.
`dissent verifylog` accepts an emptied event only where a later `memo.purged` event, itself
intact and in the log, names it; it then takes the leaf hash the log holds instead of
recomputing it (log/audit.py). Emptying an event by hand therefore still shows.
"""

from collections.abc import Iterable

from django.db import transaction

from dissent import clock

from .models import Event


@transaction.atomic
def purge_events(event_ids: Iterable[int]) -> int:
    """Empty the given events (those not purged already); returns how many."""
    return Event.objects.filter(pk__in=list(event_ids), purged_at__isnull=True).update(
        actor=None, payload={}, payload_sha256="", record="", purged_at=clock.now()
    )
