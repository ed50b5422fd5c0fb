"""Reads of the organisation for the other rooms: the unit tree."""

from collections.abc import Mapping

from .models import OrgUnit


def unit_parents() -> dict[int, int | None]:
    """Every unit's parent, by unit id: the whole tree in one query (it holds a few hundred
    units at most)."""
    return dict(OrgUnit.objects.values_list("pk", "parent_id"))


def unit_and_above(unit_id: int | None, parents: Mapping[int, int | None] | None = None) -> set[int]:
    """The unit and every unit above it; empty for no unit. `parents` as unit_parents()
    returns it, read here when not given. A loop in the tree ends the walk."""
    if unit_id is None:
        return set()
    if parents is None:
        parents = unit_parents()
    found: set[int] = set()
    unit: int | None = unit_id
    while unit is not None and unit not in found:
        found.add(unit)
        unit = parents.get(unit)
    return found
