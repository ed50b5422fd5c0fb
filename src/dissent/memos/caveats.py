"""Caveats on a memo: distribution limits that go with its marking (markings.Caveat).

Whoever is put on a memo that carries a caveat (co-drafter, invitee, reviewer, added
reader) must belong to one of the caveat's units or a unit below them. The channel's
custodians and the addressee are not limited: they run and receive the channel.
Drafters choose caveats before filing; after filing a custodian may add more (only ever
tightening), never remove them.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dissent.errors import InvalidInput, NotAllowed
from dissent.events.models import EventKind
from dissent.events.recording import record_event
from dissent.markings.models import Caveat
from dissent.org.models import Person, Role
from dissent.org.queries import unit_and_above, unit_parents

from . import actions, policy, queries
from .calls import excluded_by
from .models import FILED_STATES, Invitation, Memo, MemoState, Reader
from .policy import Standing


def outside(caveats: Iterable[Caveat], people: Iterable[Person]) -> list[tuple[Caveat, Person]]:
    """Each (caveat, person) pair where the person is outside the caveat's units."""
    limits = [(c, set(c.units.values_list("pk", flat=True))) for c in caveats]
    limits = [(c, units) for c, units in limits if units]
    if not limits:
        return []
    parents = unit_parents()
    return [(c, p) for p in people for c, units in limits if not units & unit_and_above(p.unit_id, parents)]


def require_within(memo: Memo, people: Iterable[Person]) -> None:
    """Refuse, naming who and which caveat, anyone the memo's caveats keep off it."""
    misfits = outside(memo.caveats.all(), people)
    if misfits:
        names = ", ".join(sorted({f"{p.display_name} ({c.code})" for c, p in misfits}))
        raise InvalidInput(
            _("The memo's caveats keep these colleagues off it: %(names)s.") % {"names": names}
        )


@transaction.atomic
def set_caveats(memo: Memo, person: Person, *, codes: Iterable[str]) -> list[Caveat]:
    """Drafters set the caveats of a draft or open memo; after filing a custodian may add."""
    memo = actions.locked(memo, person)
    mine = policy.standing(person, memo)
    if not policy.can_see(person, memo):
        policy.require(person, policy.Action.VIEW, memo)  # the usual 404
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    chosen = list(Caveat.objects.filter(code__in=wanted, active=True))
    unknown = sorted(set(wanted) - {c.code for c in chosen})
    if unknown:
        raise InvalidInput(_("Unknown caveats: %(codes)s.") % {"codes": ", ".join(unknown)})
    current = set(memo.caveats.values_list("code", flat=True))
    if memo.state in (MemoState.DRAFT, MemoState.OPEN):
        if Standing.DRAFTER not in mine:
            raise NotAllowed(_("Only the memo's drafters choose its caveats before filing."))
    elif memo.state in FILED_STATES and memo.state != MemoState.CLOSED:
        if Standing.CUSTODIAN not in mine:
            raise NotAllowed(_("After filing, only the channel's custodians add caveats."))
        if not current <= {c.code for c in chosen}:
            raise InvalidInput(_("Caveats are never removed from a filed memo."))
    else:
        raise NotAllowed(_("The caveats of this memo can no longer change."))
    if memo.call_unit is not None:
        blocking = excluded_by(chosen, memo.call_unit)
        if blocking:
            raise InvalidInput(
                _("The memo is open to everyone in %(unit)s, which %(codes)s would exclude.")
                % {"unit": memo.call_unit.name, "codes": ", ".join(c.code for c in blocking)}
            )
    on_memo = list(Person.objects.filter(pk__in=queries.drafter_ids(memo)))
    on_memo += [i.person for i in Invitation.objects.filter(memo=memo).select_related("person")]
    on_memo += [r.person for r in Reader.objects.filter(memo=memo).select_related("person")]
    if memo.reviewer is not None:
        on_memo.append(memo.reviewer)
    misfits = outside(chosen, [p for p in on_memo if not p.has_role(Role.CUSTODIAN)])
    if misfits:
        n = len({p.pk for _c, p in misfits})
        raise InvalidInput(
            ngettext(
                "%(n)d colleague already on the memo is outside these caveats' units.",
                "%(n)d colleagues already on the memo are outside these caveats' units.",
                n,
            )
            % {"n": n}
        )
    memo.caveats.set(chosen)
    record_event(
        person, EventKind.MEMO_CAVEATS_SET, memo, {"memo": memo.pk, "caveats": sorted(c.code for c in chosen)}
    )
    return chosen
