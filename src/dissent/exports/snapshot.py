"""What an export contains: the memo as one reader may see it, taken once, so that the PDF
and the JSON say the same thing and both carry the same trace (reader, time, export id).

Every part comes from the memos room's own policy and queries: the export may hold no more
than the memo page shows the same person, and the marking's export rule decides whether
that person may take a copy away at all (`Action.EXPORT`: 404 if they may not see the
memo, 403 naming the marking if they may see it but not export it, 409 before filing).
"""

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dissent import clock
from dissent.anonymous import queries as anonymous_queries
from dissent.errors import DissentError
from dissent.log import receipts
from dissent.markings.models import Caveat, Marking, highest_marking
from dissent.memos import policy, queries
from dissent.memos.models import Addendum, Memo
from dissent.memos.policy import Action
from dissent.memos.queries import ResponseView, SignatureLine
from dissent.org.models import Person


def new_export_id() -> str:
    """A random token naming one export. It is printed on every page of the copy and
    stored in the read event, so a leaked copy leads back to who took it and when; it is
    random (not a counter) so that nobody can forge the id of someone else's export."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class MemoExport:
    """One export of one memo, for one reader, at one moment."""

    memo: Memo
    reader: Person
    export_id: str
    exported_at: datetime
    #: The highest marking among the parts exported (the memo's, and the reply's if the
    #: reader sees it): the copy as a whole is handled at that level.
    banner: Marking
    #: The memo's distribution caveats, written after the marking as on the memo page.
    caveats: list[Caveat]
    readable: bool
    signatures: list[SignatureLine]
    addenda: list[Addendum]
    response: ResponseView
    #: The reply's marking when the reader sees the reply but its marking's export rule
    #: keeps it out of their copy (a CONFIDENTIAL reply to an SBU memo, exported by a drafter).
    reply_withheld: Marking | None
    #: The filing receipt's summary, or None while the filing is not yet in the log.
    receipt: dict[str, Any] | None
    #: The anonymous signatures with their ring and event (anonymous/queries.py), or None.
    anonymous: dict[str, Any] | None = None

    @property
    def marking_line(self) -> str:
        """What the copy is marked with on every page: SENSITIVE BUT UNCLASSIFIED//HQ-ONLY."""
        return self.banner.label + "".join(f"//{caveat.code.upper()}" for caveat in self.caveats)

    @property
    def markings(self) -> list[Marking]:
        """Every distinct marking the export carries, highest first."""
        found = {self.memo.marking.pk: self.memo.marking}
        if self.response.reply is not None:
            found.setdefault(self.response.reply.marking.pk, self.response.reply.marking)
        return sorted(found.values(), key=lambda m: m.rank, reverse=True)


def take_export(person: Person, memo_id: int) -> MemoExport:
    """Check that `person` may export the memo and gather what they may see of it.

    Raises the policy's domain error otherwise. Nothing is recorded here: the caller
    records the read (with the export id) once the file has been produced, so a failed
    rendering leaves no export in the read record."""
    memo = policy.get_memo(person, memo_id, action=Action.EXPORT)
    readable = policy.can(person, Action.READ_BODY, memo)
    response = queries.response_seen_by(person, memo)
    reply_withheld = None
    if response.reply is not None and not policy.may_export_under(person, memo, response.reply.marking):
        reply_withheld = response.reply.marking
        response = dataclasses.replace(response, reply=None, reply_is_draft=False)
    return MemoExport(
        memo=memo,
        reader=person,
        export_id=new_export_id(),
        exported_at=clock.now(),
        banner=highest_marking(memo.marking, response.reply.marking if response.reply else None),
        caveats=list(memo.caveats.order_by("code")),
        readable=readable,
        signatures=queries.signatures_seen_by(person, memo),
        addenda=list(memo.addenda.order_by("created_at", "id")) if readable else [],
        response=response,
        reply_withheld=reply_withheld,
        receipt=_receipt_summary(memo),
        anonymous=anonymous_queries.export_of(memo),
    )


def _receipt_summary(memo: Memo) -> dict[str, Any] | None:
    """The summary carries hashes and counts only (the proof stays in the receipt that
    drafters and signers download). None while the log worker has not integrated the
    filing yet: the copy then says that its receipt is pending."""
    try:
        return receipts.receipt_summary(memo.pk)
    except DissentError:
        return None
