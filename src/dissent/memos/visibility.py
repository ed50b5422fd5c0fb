"""The plain-language "who can see this" panel, derived from the access policy itself."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Memo, MemoState
from .policy import VISIBLE_TO, Standing


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
        Standing.CUSTODIAN: _("the channel's custodians"),
        Standing.AUDITOR: _("auditors"),
    }
    order = list(labels)
    seen_by = sorted(VISIBLE_TO[MemoState(memo.state)], key=order.index)
    return Audience(
        body=[labels[s] for s in seen_by if s != Standing.AUDITOR],
        count=[labels[s] for s in seen_by],
        protected_names=[_("the channel's custodians, except anyone in the signer's own chain of command")],
    )
