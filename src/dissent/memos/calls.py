"""Opening a memo to colleagues: besides those invited, everyone in a chosen unit (and the
units below it) may find the memo while it is open for signatures, and co-sign it. This is
what lets similar-memo suggestions and search point people to a memo they can join instead of
writing their own. Choosing the top unit opens it to the whole organisation.

Only drafters choose, and only before filing. Once filed, a memo is seen by those who signed it
and by the channel, as always: colleagues who did not sign no longer see it. A memo's caveats
still hold: it can only be opened to a unit within every caveat's units, and caveats that would
exclude the unit it is open to cannot be set (memos/caveats.py).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from dissent.errors import InvalidInput
from dissent.events.models import EventKind
from dissent.events.recording import record_event
from dissent.markings.models import Caveat
from dissent.org.models import OrgUnit, Person
from dissent.org.queries import unit_and_above

from . import actions, policy
from .models import Memo
from .policy import Action


def excluded_by(caveats: Iterable[Caveat], unit: OrgUnit) -> list[Caveat]:
    """The caveats whose units do not include `unit` (itself or a unit above it)."""
    line = unit_and_above(unit.pk)
    found = []
    for caveat in caveats:
        limits = set(caveat.units.values_list("pk", flat=True))
        if limits and not limits & line:
            found.append(caveat)
    return found


@transaction.atomic
def open_to(memo: Memo, person: Person, *, unit: str | None) -> Memo:
    """Open the memo to everyone in the unit with code `unit` (None or "": invited only)."""
    memo = actions.locked(memo, person)
    policy.require(person, Action.OPEN_CALL, memo)
    target = None
    if unit:
        target = OrgUnit.objects.filter(code=unit).first()
        if target is None:
            raise InvalidInput(_("There is no unit %(code)s.") % {"code": unit})
        blocking = excluded_by(memo.caveats.all(), target)
        if blocking:
            raise InvalidInput(
                _("The memo's caveats (%(codes)s) keep it within other units than %(unit)s.")
                % {"codes": ", ".join(c.code for c in blocking), "unit": target.name}
            )
    if memo.call_unit_id == (target.pk if target else None):
        return memo
    memo.call_unit = target
    memo.save(update_fields=["call_unit", "updated_at"])
    record_event(
        person, EventKind.MEMO_CALL_SET, memo, {"memo": memo.pk, "unit": target.code if target else None}
    )
    return memo
