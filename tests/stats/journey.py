"""Moving memos through the channel at chosen moments, through the real actions, so the
events the statistics read have the times a test names.

This is the one place that knows how a memo is acknowledged, replied to or extended:
when those actions change shape (a reply text, an approval step), only this file needs
to follow.
"""

from datetime import UTC, datetime, timedelta

from time_machine import TimeMachineFixture

from dissent.memos import actions, responses
from dissent.memos.models import Memo, MemoState

from ..conftest import Cast
from ..factories import make_memo, send_reply


def after(start: datetime, **elapsed: float) -> datetime:
    """`start` plus exactly this much elapsed time (not wall-clock time: across a change
    to daylight-saving time, 24 hours after 10:00 is 09:00 or 11:00 on the wall)."""
    return start.astimezone(UTC) + timedelta(**elapsed)


class Journey:
    """alice files (to paula); carol the custodian acknowledges, extends, drafts the reply
    and closes; paula approves the reply, which sends it."""

    def __init__(self, cast: Cast, clock: TimeMachineFixture) -> None:
        self.cast = cast
        self.clock = clock

    def _at(self, moment: datetime) -> None:
        self.clock.move_to(moment, tick=False)

    def file(self, at: datetime, *, title: str = "Change course") -> Memo:
        self._at(at)
        return make_memo(MemoState.FILED, drafter=self.cast.alice, addressee=self.cast.paula, title=title)

    def acknowledge(self, memo: Memo, at: datetime) -> None:
        self._at(at)
        responses.acknowledge_memo(memo, self.cast.carol)

    def reply(self, memo: Memo, at: datetime) -> None:
        """Drafted and approved at the same moment: the approval is the reply's event."""
        self._at(at)
        send_reply(memo, self.cast.carol, approver=self.cast.paula)

    def close(self, memo: Memo, at: datetime) -> None:
        self._at(at)
        actions.close_memo(memo, self.cast.carol)

    def extend(self, memo: Memo, at: datetime, *, working_days: int) -> None:
        self._at(at)
        actions.extend_reply_deadline(
            memo, self.cast.carol, amount=working_days, reason="Needs legal review."
        )
