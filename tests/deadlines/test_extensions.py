"""Extending the reply deadline: custodians only, within the preset's rules, with a
reason that the drafters see."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dissent.errors import InvalidInput, InvalidState, NotAllowed
from dissent.events.models import Event, EventKind
from dissent.memos import actions
from dissent.memos.models import Memo, MemoState, Visibility

from ..api.test_memos_api import api
from ..conftest import Cast, signed_in
from ..factories import make_memo

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def filed(cast: Cast, settings: Any, time_machine: Any) -> Memo:
    settings.CHANNEL_PRESET = "foreign-ministry"
    settings.CHANNEL_CALENDAR = "US"
    settings.CHANNEL_TIME_ZONE = "America/New_York"
    time_machine.move_to(datetime(2026, 12, 24, 16, 30, tzinfo=NEW_YORK), tick=False)
    return make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )


def test_a_custodian_extends_the_reply_by_working_days_with_a_reason(cast: Cast, filed: Memo) -> None:
    response = api(cast.carol).post(
        f"/memos/{filed.pk}/extensions", {"amount": 5, "reason": "Waiting for the regional bureau."}
    )

    assert response.status_code == 201, response.content
    filed.refresh_from_db()
    assert filed.reply_due is not None
    # Tue 9 Feb 2027 + 5 working days (Mon 15 Feb is Washington's Birthday) = Wed 17 Feb.
    assert filed.reply_due.astimezone(NEW_YORK).date().isoformat() == "2027-02-17"
    event = Event.objects.get(kind=EventKind.MEMO_REPLY_EXTENDED)
    assert event.payload["reason"] == "Waiting for the regional bureau."
    assert (
        "Waiting for the regional bureau."
        in signed_in(cast.alice).get(f"/memos/{filed.pk}/").content.decode()
    )


def test_the_rules_allow_one_extension_of_at_most_30_working_days(cast: Cast, filed: Memo) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 30"):
        actions.extend_reply_deadline(filed, cast.carol, amount=31, reason="Too long.")
    actions.extend_reply_deadline(filed, cast.carol, amount=30, reason="Needs legal review.")

    with pytest.raises(InvalidState, match="already been extended"):
        actions.extend_reply_deadline(filed, cast.carol, amount=1, reason="Once more.")

    assert filed.extensions.count() == 1


@pytest.mark.parametrize(("persona", "error"), [("alice", NotAllowed), ("paula", NotAllowed)])
def test_only_custodians_extend(cast: Cast, filed: Memo, persona: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        actions.extend_reply_deadline(filed, getattr(cast, persona), amount=5, reason="Please.")

    assert not filed.extensions.exists()


def test_a_reason_is_required(cast: Cast, filed: Memo) -> None:
    response = api(cast.carol).post(f"/memos/{filed.pk}/extensions", {"amount": 5, "reason": "  "})

    assert response.status_code == 400
    assert "Reason is required" in response.json()["detail"]


def test_the_eu_preset_allows_no_extension(cast: Cast, filed: Memo, settings: Any) -> None:
    settings.CHANNEL_PRESET = "eu-whistleblowing"

    with pytest.raises(InvalidState, match="allow no extension"):
        actions.extend_reply_deadline(filed, cast.carol, amount=5, reason="Please.")
