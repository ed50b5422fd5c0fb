"""The organisation's channel policy, from settings: which preset, which calendar, which
time zone. (An admin-editable policy comes with the rest of the reply workflow.)"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from .calendar import WorkingCalendar, due
from .presets import Preset, get_preset


@dataclass(frozen=True)
class ChannelPolicy:
    preset: Preset
    calendar: WorkingCalendar
    tz: ZoneInfo

    def due_dates(self, filed_at: datetime) -> tuple[datetime, datetime]:
        """(acknowledgment due, reply due) for a filing at `filed_at`."""
        return (
            due(self.preset.acknowledgment, filed_at, self.tz, self.calendar),
            due(self.preset.reply, filed_at, self.tz, self.calendar),
        )


@dataclass(frozen=True)
class TimeLeft:
    """How a deadline stands now, in working days of the channel's calendar."""

    due: datetime
    working_days: int  # > 0 due in that many, 0 due today, < 0 overdue by that many
    overdue: bool

    @property
    def overdue_by(self) -> int:
        return -self.working_days


def time_left(due_at: datetime, now: datetime, policy: "ChannelPolicy | None" = None) -> TimeLeft:
    policy = policy or channel_policy()
    days = policy.calendar.working_days_between(now, due_at, policy.tz)
    return TimeLeft(due=due_at, working_days=days, overdue=now > due_at)


@cache
def policy_for(preset: str, country: str, tz: str, subdivision: str | None = None) -> ChannelPolicy:
    """Built once per distinct configuration: the calendar caches the holidays it loads."""
    return ChannelPolicy(get_preset(preset), WorkingCalendar(country, subdivision), ZoneInfo(tz))


def channel_policy() -> ChannelPolicy:
    return policy_for(
        settings.CHANNEL_PRESET,
        settings.CHANNEL_CALENDAR,
        settings.CHANNEL_TIME_ZONE,
        settings.CHANNEL_CALENDAR_SUBDIVISION or None,
    )
