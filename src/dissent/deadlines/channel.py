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
