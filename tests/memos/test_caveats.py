"""Caveats: distribution limits on a memo, shown after its marking and enforced whenever
someone is put on the memo."""

import pytest

from dissent.errors import InvalidInput, NotAllowed
from dissent.markings.models import Caveat
from dissent.memos import actions, caveats
from dissent.memos.models import MemoState

from ..conftest import Cast, signed_in
from ..factories import make_draft, make_memo, make_unit


@pytest.fixture
def hq_only(cast: Cast) -> Caveat:
    """A caveat limiting a memo to the headquarters unit and the units below it; alice and
    bob work in an office under headquarters, erin at an embassy elsewhere."""
    hq = make_unit("hq")
    office = make_unit("office", parent=hq)
    embassy = make_unit("embassy")
    for person in (cast.alice, cast.bob, cast.ivan):
        person.unit = office
        person.save()
    cast.erin.unit = embassy
    cast.erin.save()
    caveat = Caveat.objects.create(code="hq-only", label="Headquarters only")
    caveat.units.add(hq)
    return caveat


def test_invitees_outside_the_caveat_are_refused_by_name(cast: Cast, hq_only: Caveat) -> None:
    memo = make_draft(cast.alice, cast.paula)
    caveats.set_caveats(memo, cast.alice, codes=["hq-only"])

    actions.invite(memo, cast.alice, usernames=["bob"])  # in an office under headquarters
    with pytest.raises(InvalidInput, match=r"Erin Tester \(hq-only\)"):
        actions.invite(memo, cast.alice, usernames=["erin"])
    assert not memo.invitations.filter(person=cast.erin).exists()


def test_the_banner_shows_the_caveat_after_the_marking(cast: Cast, hq_only: Caveat) -> None:
    memo = make_draft(cast.alice, cast.paula)
    caveats.set_caveats(memo, cast.alice, codes=["hq-only"])
    page = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()
    assert page.count("SENSITIVE BUT UNCLASSIFIED//HQ-ONLY") == 2


def test_a_caveat_someone_on_the_memo_already_breaks_is_refused(cast: Cast, hq_only: Caveat) -> None:
    memo = make_draft(cast.alice, cast.paula)
    actions.invite(memo, cast.alice, usernames=["erin"])
    with pytest.raises(InvalidInput, match="1 colleague"):
        caveats.set_caveats(memo, cast.alice, codes=["hq-only"])
    assert not memo.caveats.exists()


def test_after_filing_only_custodians_add_caveats_and_none_are_removed(cast: Cast, hq_only: Caveat) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)
    with pytest.raises(NotAllowed):
        caveats.set_caveats(memo, cast.alice, codes=["hq-only"])
    caveats.set_caveats(memo, cast.carol, codes=["hq-only"])
    with pytest.raises(InvalidInput, match="never removed"):
        caveats.set_caveats(memo, cast.carol, codes=[])
    with pytest.raises(InvalidInput, match=r"Erin Tester"):
        actions.add_reader(memo, cast.carol, username="erin", reason="Desk officer")
    assert list(memo.caveats.values_list("code", flat=True)) == ["hq-only"]


def test_unknown_caveats_are_refused(cast: Cast, hq_only: Caveat) -> None:
    memo = make_draft(cast.alice, cast.paula)
    with pytest.raises(InvalidInput, match="Unknown caveats: nofrn"):
        caveats.set_caveats(memo, cast.alice, codes=["nofrn"])
