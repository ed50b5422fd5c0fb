"""The unit tree as other rooms read it."""

import pytest

from dissent.org.models import OrgUnit
from dissent.org.queries import unit_and_above, unit_parents

from ..factories import make_unit

pytestmark = pytest.mark.django_db


def test_a_unit_and_every_unit_above_it() -> None:
    ministry = make_unit("ministry")
    bureau = make_unit("bureau", parent=ministry)
    embassy = make_unit("embassy", parent=bureau)
    make_unit("other", parent=ministry)

    assert unit_and_above(embassy.pk) == {embassy.pk, bureau.pk, ministry.pk}
    assert unit_and_above(ministry.pk, unit_parents()) == {ministry.pk}
    assert unit_and_above(None) == set()


def test_a_loop_in_the_tree_ends_the_walk() -> None:
    first = make_unit("first")
    second = make_unit("second", parent=first)
    OrgUnit.objects.filter(pk=first.pk).update(parent=second)

    assert unit_and_above(second.pk) == {first.pk, second.pk}
