"""The organisation's channel policy: the settings-level preset and calendar, with the
overrides and closure days an administrator keeps in the database (deadlines/models.py).

`channel_policy()` costs two small queries; the calendar behind it (which caches the
public holidays it loads) is built once per distinct configuration.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from .calendar import Rule, Unit, WorkingCalendar, due
from .presets import ExtensionPolicy, Preset, get_preset


@dataclass(frozen=True)
class ChannelPolicy:
    preset: Preset
    calendar: WorkingCalendar
    tz: ZoneInfo
    ack_reminder_days: int = 1
    reply_reminder_days: int = 5
    escalate_to_id: int | None = None
    reply_needs_second_person: bool = True

    def due_dates(self, filed_at: datetime) -> tuple[datetime, datetime]:
        """(acknowledgment due, reply due) for a filing at `filed_at`."""
        return (
            due(self.preset.acknowledgment, filed_at, self.tz, self.calendar),
            due(self.preset.reply, filed_at, self.tz, self.calendar),
        )

    def reply_due_after_acknowledgment(
        self, filed_at: datetime, acknowledged_at: datetime
    ) -> datetime | None:
        """The reply's new due date when the rule counts from the acknowledgment (the EU
        preset); None when it counts from the filing and the acknowledgment changes nothing."""
        if self.preset.reply.from_ != "acknowledgment":
            return None
        return due(self.preset.reply, filed_at, self.tz, self.calendar, acknowledged_at)


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
def _calendar(country: str, subdivision: str | None, closures: frozenset[date]) -> WorkingCalendar:
    return WorkingCalendar(country, subdivision, closures)


def policy_for(
    preset: str,
    country: str,
    tz: str,
    subdivision: str | None = None,
    closures: frozenset[date] = frozenset(),
) -> ChannelPolicy:
    """A policy straight from a preset, as `dissent duedates` uses it."""
    return ChannelPolicy(get_preset(preset), _calendar(country, subdivision, closures), ZoneInfo(tz))


@dataclass(frozen=True)
class Overrides:
    """The administrator's changes to the preset; None (or blank) keeps the preset's value."""

    ack_amount: int | None = None
    ack_unit: str = ""
    reply_amount: int | None = None
    reply_unit: str = ""
    extension_max_amount: int | None = None
    extension_max_times: int | None = None

    def apply(self, preset: Preset) -> Preset:
        def rule(base: Rule, amount: int | None, unit: str) -> Rule:
            if amount is None and not unit:
                return base
            new_unit: Unit = unit or base.unit  # type: ignore[assignment]
            return replace(base, amount=base.amount if amount is None else amount, unit=new_unit)

        extension: ExtensionPolicy | None = preset.extension
        if extension is not None:
            extension = replace(
                extension,
                max_amount=extension.max_amount
                if self.extension_max_amount is None
                else self.extension_max_amount,
                max_times=extension.max_times
                if self.extension_max_times is None
                else self.extension_max_times,
            )
        return replace(
            preset,
            acknowledgment=rule(preset.acknowledgment, self.ack_amount, self.ack_unit),
            reply=rule(preset.reply, self.reply_amount, self.reply_unit),
            extension=extension,
        )


def channel_policy() -> ChannelPolicy:
    """The policy in force now: settings, then the administrator's overrides."""
    from .models import ChannelSettings, ClosureDay  # the pure modules above stay importable alone

    row = ChannelSettings.objects.filter(pk=1).first()
    closures = frozenset(ClosureDay.objects.values_list("day", flat=True))
    base = policy_for(
        (row.preset if row and row.preset else settings.CHANNEL_PRESET),
        settings.CHANNEL_CALENDAR,
        settings.CHANNEL_TIME_ZONE,
        settings.CHANNEL_CALENDAR_SUBDIVISION or None,
        closures,
    )
    if row is None:
        return base
    overrides = Overrides(
        row.ack_amount,
        row.ack_unit,
        row.reply_amount,
        row.reply_unit,
        row.extension_max_amount,
        row.extension_max_times,
    )
    return replace(
        base,
        preset=overrides.apply(base.preset),
        ack_reminder_days=row.ack_reminder_days,
        reply_reminder_days=row.reply_reminder_days,
        escalate_to_id=row.escalate_to_id,
        reply_needs_second_person=row.reply_needs_second_person,
    )
