"""The plain-language "who can see this" panel, derived from the access policy itself."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from dissent.org.models import Person, Role, display_name_of

from .models import Memo, MemoState
from .policy import VISIBLE_TO, Standing

if TYPE_CHECKING:
    from .queries import SignatureLine


@dataclass(frozen=True)
class Audience:
    body: list[str]
    count: list[str]
    protected_names: list[str]


def who_can_see(memo: Memo) -> Audience:
    labels = {
        Standing.DRAFTER: _("the drafters"),
        Standing.INVITEE: _("invited colleagues"),
        Standing.SIGNER: _("the signers"),
        Standing.ADDRESSEE: _("the addressee (%(name)s)") % {"name": memo.addressee.display_name},
        Standing.REVIEWER: (
            _("the reviewer (%(name)s)") % {"name": memo.reviewer.display_name}
            if memo.reviewer
            else _("a reviewer the custodians assign")
        ),
        Standing.READER: _("readers the custodians add, with a reason"),
        Standing.COLLEAGUE: (
            _("everyone in %(unit)s, while it is open (the drafters opened it to them)")
            % {"unit": memo.call_unit.name}
            if memo.call_unit
            else ""
        ),
        Standing.CUSTODIAN: _("the channel's custodians"),
        Standing.AUDITOR: _("auditors"),
    }
    order = list(labels)
    seen_by = [s for s in sorted(VISIBLE_TO[MemoState(memo.state)], key=order.index) if labels[s]]
    return Audience(
        body=[labels[s] for s in seen_by if s != Standing.AUDITOR],
        count=[labels[s] for s in seen_by],
        protected_names=[_("the channel's custodians, except anyone in the signer's own chain of command")],
    )


@dataclass(frozen=True)
class NameAudience:
    """Who would see a signer's name, for each choice on the signing form."""

    named: list[str]
    #: The custodians, by name, who would see a protected name.
    protected: list[str]
    #: Custodians who would not, because they are in the signer's own chain of command.
    not_protected: list[str]


def name_audience(memo: Memo, signer: Person) -> NameAudience:
    """What the signing form tells `signer` before they choose: a named signature is seen by
    everyone who sees the memo's signatures; a protected one only by the custodians outside
    the signer's chain of command (policy.can_see_protected_name), each named."""
    seeing: list[str] = []
    not_seeing: list[str] = []
    for first_name, last_name, username, in_chain in signer.custodians_against_chain():
        (not_seeing if in_chain else seeing).append(display_name_of(first_name, last_name, username))
    return NameAudience(named=who_can_see(memo).count, protected=seeing, not_protected=not_seeing)


@dataclass(frozen=True)
class DistributionEntry:
    who: str
    names: list[str]
    note: str = ""


def distribution(memo: Memo, signatures: "list[SignatureLine]") -> list[DistributionEntry]:
    """The explicit list of who may read a filed memo, by name where names may be shown:
    the signer lines are those the viewer sees, so protected signers stay a count."""
    rows = list(memo.drafters.select_related("person").order_by("id"))
    drafters = [d.person.display_name for d in rows if d.person is not None]
    protected_drafters = len(rows) - len(drafters)
    custodians = [p.display_name for p in Person.objects.filter(role=Role.CUSTODIAN, is_active=True)]
    named = [line.name for line in signatures if line.name]
    hidden = sum(1 for line in signatures if not line.name)
    entries = [
        DistributionEntry(_("Addressee"), [memo.addressee.display_name]),
        DistributionEntry(_("The channel's custodians"), custodians),
        DistributionEntry(
            _("Drafters"),
            drafters,
            (_("and %(n)d drafter(s) whose names are protected") % {"n": protected_drafters})
            if protected_drafters
            else "",
        ),
        DistributionEntry(
            _("Signers"),
            named,
            (_("and %(n)d signer(s) whose names are protected") % {"n": hidden}) if hidden else "",
        ),
    ]
    if memo.reviewer_id is not None:
        entries.append(DistributionEntry(_("Reviewer"), [memo.reviewer.display_name]))  # type: ignore[union-attr]
    for reader in memo.readers.select_related("person", "added_by"):
        entries.append(
            DistributionEntry(
                _("Added reader"),
                [reader.person.display_name],
                _("added by %(by)s: %(reason)s")
                % {"by": reader.added_by.display_name, "reason": reader.reason},
            )
        )
    entries.append(DistributionEntry(_("Auditors"), [], _("the record and the counts, never the text")))
    return entries
