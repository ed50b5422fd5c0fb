"""The administrator's channel settings override the preset, and closure days count."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from dissent.deadlines.channel import channel_policy
from dissent.deadlines.models import ChannelSettings, ClosureDay
from dissent.memos import actions
from dissent.memos.models import MemoState

from ..conftest import Cast, signed_in
from ..factories import make_memo

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _file(cast: Cast):  # type: ignore[no-untyped-def]
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)
    with time_machine.travel(MONDAY, tick=False):
        return actions.file_memo(memo, cast.alice)


def test_without_settings_the_preset_decides(cast: Cast) -> None:
    memo = _file(cast)
    assert memo.ack_due.date() == date(2026, 3, 4)  # 2 working days: Tuesday, Wednesday


def test_the_admin_can_lengthen_the_acknowledgment_and_shorten_the_reply(cast: Cast) -> None:
    ChannelSettings.objects.create(ack_amount=5, reply_amount=10, reply_unit="calendar_days")
    memo = _file(cast)
    assert memo.ack_due.date() == date(2026, 3, 9)  # 5 working days: Tue-Fri, Monday
    assert memo.reply_due.date() == date(2026, 3, 12)  # 10 calendar days


def test_a_closure_day_is_not_a_working_day(cast: Cast) -> None:
    ClosureDay.objects.create(day=date(2026, 3, 3), reason="Office move")
    memo = _file(cast)
    assert memo.ack_due.date() == date(2026, 3, 5)


def test_extension_limits_come_from_the_settings(cast: Cast) -> None:
    ChannelSettings.objects.create(extension_max_amount=3, extension_max_times=2)
    extension = channel_policy().preset.extension
    assert extension is not None and (extension.max_amount, extension.max_times) == (3, 2)


def test_one_row_of_settings_whatever_the_admin_saves(db: None) -> None:
    ChannelSettings(ack_reminder_days=2).save()
    ChannelSettings(ack_reminder_days=3).save()
    assert list(ChannelSettings.objects.values_list("pk", "ack_reminder_days")) == [(1, 3)]


def test_the_admin_edits_the_settings_and_closure_days(cast: Cast) -> None:
    cast.adam.is_staff = cast.adam.is_superuser = True
    cast.adam.save()
    admin = signed_in(cast.adam)
    assert admin.get("/admin/deadlines/channelsettings/add/").status_code == 200
    assert admin.get("/admin/deadlines/closureday/add/").status_code == 200
    ChannelSettings.objects.create()
    assert admin.get("/admin/deadlines/channelsettings/add/").status_code == 403  # only one row
    assert admin.get("/admin/deadlines/channelsettings/1/change/").status_code == 200


def test_the_admin_may_let_the_addressee_extend_too(cast: Cast) -> None:
    from dissent.errors import NotAllowed
    from dissent.memos import policy
    from dissent.memos.policy import Action

    memo = _file(cast)
    with pytest.raises(NotAllowed, match="may not extend"):
        actions.extend_reply_deadline(memo, cast.paula, amount=5, reason="The bureaus need time.")
    assert not policy.can(cast.paula, Action.EXTEND, memo)

    ChannelSettings.objects.create(extension_by="custodian_or_addressee")

    assert policy.can(cast.paula, Action.EXTEND, memo)
    extension = actions.extend_reply_deadline(memo, cast.paula, amount=5, reason="The bureaus need time.")
    assert extension.requested_by == cast.paula
    assert not policy.can(cast.alice, Action.EXTEND, memo)  # drafters never
