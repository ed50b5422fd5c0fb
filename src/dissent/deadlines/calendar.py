"""Deadline arithmetic for the reply workflow: working days, calendar days and months.

Everything here is pure: no models, no settings, no clock. A later step stores the
results on memos; this module only answers "when is this due?".

The rules, chosen the way reply deadlines are read in practice (docs/deadlines.md has the
long form and worked examples):

* Counting happens on **local dates in the organisation's time zone**. An instant is
  turned into a local date once, at the start; the answer is turned back into an aware
  datetime once, at the end. A daylight-saving change in between therefore never moves a
  deadline by an hour: the due wall-clock time is the same in summer and in winter.
* **The filing day never counts.** Day 1 of "N working days" is the first working day
  after the local date of the filing. So a filing at 16:30 on a Friday, at 23:59 on a
  Tuesday, or on a public holiday all start counting on the next working day; there is
  no business-hours cut-off to configure, because the whole filing day is excluded.
* **"Within N working days" is due at the end of the Nth working day**: the returned
  datetime is 23:59:59.999999 local time on that day. Overdue means ``now > due``. We
  chose the inclusive end of day rather than "midnight of the following day" so that
  ``due.astimezone(tz).date()`` is the day a person would write in a letter.
* **Calendar days** ("within seven days of receipt") count every day, holidays included,
  again excluding the day of the event: seven days from a Monday is the following Monday.
* **Months** land on the same day of the month; where that day does not exist the
  deadline is the last day of that month (three months from 30 November is 28 or 29
  February; three months from 31 May is 31 August). Calendar-day and month deadlines do
  not roll forward off weekends or holidays: the organisation sees the earlier date, so
  it cannot miss the later one.
* A working day is a day that is not on the weekend, not a public holiday of the
  organisation's country (and subdivision) according to the maintained ``holidays``
  package, and not one of the organisation's own closure days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import holidays

Unit = Literal["working_days", "calendar_days", "months"]
Anchor = Literal["filing", "acknowledgment"]

UNITS: tuple[Unit, ...] = get_args(Unit)
ANCHORS: tuple[Anchor, ...] = get_args(Anchor)

# A calendar whose closures cover every day would otherwise loop forever; twenty years is
# far beyond any reply deadline and still fast to scan.
_MAX_DAYS_SCANNED = 366 * 20


class WorkingCalendar:
    """Which local dates are working days for one organisation.

    Holidays come from ``holidays.country_holidays`` and are fetched one year at a time,
    the first time a date in that year is asked about, so a calendar built today still
    answers correctly for a deadline that runs into next year. ``categories`` passes
    through to the package: Indonesia's collective leave (cuti bersama) is the
    ``"government"`` category, which an organisation that closes on those days adds.
    """

    def __init__(
        self,
        country: str,
        subdivision: str | None = None,
        closures: Iterable[date] = (),
        weekend: frozenset[int] = frozenset({5, 6}),
        *,
        categories: tuple[str, ...] | None = None,
    ) -> None:
        if not weekend <= set(range(7)) or len(weekend) == 7:
            raise ValueError("weekend must be a set of weekday numbers 0-6 (Monday is 0), not all seven")
        self.country = country
        self.subdivision = subdivision
        self.closures = frozenset(closures)
        self.weekend = weekend
        self.categories = categories
        self._holidays_by_year: dict[int, frozenset[date]] = {}
        # Building an empty calendar now turns a typo in the country or subdivision
        # into an error at configuration time rather than at the first deadline.
        self._fetch(years=())

    def __repr__(self) -> str:
        where = self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"
        return f"WorkingCalendar({where!r}, closures={len(self.closures)})"

    def _fetch(self, years: Iterable[int]) -> holidays.HolidayBase:
        try:
            if self.categories is None:
                return holidays.country_holidays(self.country, subdiv=self.subdivision, years=years)
            return holidays.country_holidays(
                self.country, subdiv=self.subdivision, years=years, categories=self.categories
            )
        except NotImplementedError as error:
            raise ValueError(f"The holidays package has no calendar for {self.country!r}: {error}") from error

    def holidays_in(self, year: int) -> frozenset[date]:
        """The public holidays of one year (not the closures), fetched once and kept."""
        if year not in self._holidays_by_year:
            self._holidays_by_year[year] = frozenset(self._fetch(years=[year]).keys())
        return self._holidays_by_year[year]

    def is_working_day(self, d: date) -> bool:
        return (
            d.weekday() not in self.weekend and d not in self.closures and d not in self.holidays_in(d.year)
        )

    def nth_working_day_after(self, d: date, n: int) -> date:
        """The nth working day strictly after ``d``; ``d`` itself when n is 0."""
        _require_non_negative(n)
        day, found = d, 0
        for _ in range(_MAX_DAYS_SCANNED):
            if found == n:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                found += 1
        raise ValueError(f"No {n} working days within {_MAX_DAYS_SCANNED} days of {d}; check the closures")

    def add_working_days(self, start: datetime, n: int, tz: ZoneInfo) -> datetime:
        """End of the nth working day after the local date of ``start``.

        ``start`` may be a filing time or an earlier due date: because a due date is the
        end of its own day, adding N working days to it is exactly an extension by N.
        """
        return end_of_day(self.nth_working_day_after(local_date(start, tz), n), tz)

    def working_days_between(self, a: datetime, b: datetime, tz: ZoneInfo) -> int:
        """Working days after a's local date up to and including b's; negative when b is earlier.

        ``working_days_between(now, due)`` is 3 when a reply is due in three working
        days and -2 when it is two working days overdue; the function is antisymmetric,
        and ``working_days_between(t, add_working_days(t, n)) == n``.
        """
        first, last = local_date(a, tz), local_date(b, tz)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return sign * count


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The organisation's calendar date of an instant; naive datetimes are refused, not guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; deadlines need an aware datetime")
    return moment.astimezone(tz).date()


def end_of_day(d: date, tz: ZoneInfo) -> datetime:
    """23:59:59.999999 local time on ``d``: the last instant at which something is on time.

    ``fold=1`` picks the later of two instants in the rare zones whose clocks fall back
    across midnight, so the day is never cut short.
    """
    return datetime.combine(d, time.max, tzinfo=tz).replace(fold=1)


def add_calendar_days(start: datetime, n: int, tz: ZoneInfo) -> datetime:
    """End of the local day n calendar days after ``start``; weekends and holidays count."""
    _require_non_negative(n)
    return end_of_day(local_date(start, tz) + timedelta(days=n), tz)


def add_months(start: datetime, n: int, tz: ZoneInfo) -> datetime:
    """End of the same day of the month n months after ``start``, clamped to the month's end."""
    _require_non_negative(n)
    return end_of_day(months_after(local_date(start, tz), n), tz)


def months_after(d: date, n: int) -> date:
    """The same day of the month n months later, or that month's last day if it is shorter."""
    month_index = d.month - 1 + n
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _require_non_negative(n: int) -> None:
    if n < 0:
        raise ValueError(f"A deadline counts forward; got {n}")


@dataclass(frozen=True)
class Rule:
    """One deadline: ``amount`` ``unit`` counted from the filing or from the acknowledgment.

    ``if_no_acknowledgment`` models rules such as Article 9(1)(f) of the EU
    whistleblowing directive: feedback is due three months from the acknowledgment or,
    if none was sent, three months from the expiry of the seven-day acknowledgment
    period. That fallback is itself a rule counted from the filing; its due date stands
    in for the missing acknowledgment.
    """

    amount: int
    unit: Unit
    from_: Anchor = "filing"
    if_no_acknowledgment: Rule | None = None

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"A deadline counts forward; got {self.amount} {self.unit}")
        if self.unit not in UNITS:
            raise ValueError(f"Unknown unit {self.unit!r}; expected one of {', '.join(UNITS)}")
        if self.from_ not in ANCHORS:
            raise ValueError(f"Unknown anchor {self.from_!r}; expected one of {', '.join(ANCHORS)}")
        if self.if_no_acknowledgment is not None and (
            self.from_ != "acknowledgment" or self.if_no_acknowledgment.from_ != "filing"
        ):
            raise ValueError(
                "Only a rule counted from the acknowledgment has a fallback, counted from filing"
            )

    def describe(self) -> str:
        """Plain words for the rule, for screens and audit records."""
        words = f"{self.amount} {self.unit.replace('_', ' ')} from the {self.from_}"
        if self.if_no_acknowledgment is not None:
            words += f" (or, if none was sent, from the end of {self.if_no_acknowledgment.describe()})"
        return words


def add(start: datetime, unit: Unit, amount: int, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
    """Count ``amount`` ``unit`` forward from ``start`` and return the end of the last day."""
    if unit == "working_days":
        return calendar.add_working_days(start, amount, tz)
    if unit == "calendar_days":
        return add_calendar_days(start, amount, tz)
    if unit == "months":
        return add_months(start, amount, tz)
    raise ValueError(f"Unknown unit {unit!r}; expected one of {', '.join(UNITS)}")


def due(
    rule: Rule,
    filed_at: datetime,
    tz: ZoneInfo,
    calendar: WorkingCalendar,
    acknowledged_at: datetime | None = None,
) -> datetime:
    """When ``rule`` falls due for a filing, as an aware datetime in ``tz``.

    A rule counted from the acknowledgment uses ``acknowledged_at`` when one was sent,
    as the text of such rules says, even if it was sent late (the late acknowledgment is
    itself the breach to report); otherwise it uses the due date of the rule's
    ``if_no_acknowledgment`` fallback, and without a fallback it cannot be computed yet.
    """
    local_date(filed_at, tz)  # refuse a naive filing time even when it is not the anchor
    start = filed_at
    if rule.from_ == "acknowledgment":
        if acknowledged_at is not None:
            start = acknowledged_at
        elif rule.if_no_acknowledgment is not None:
            start = due(rule.if_no_acknowledgment, filed_at, tz, calendar)
        else:
            raise ValueError(f"'{rule.describe()}' needs the acknowledgment time, and none was given")
    return add(start, rule.unit, rule.amount, calendar, tz)


def extend(due: datetime, rule_unit: Unit, amount: int, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
    """A due date moved on by ``amount`` more units: the end of the last added day.

    Thirty more working days on a reply due Tuesday lands on the thirtieth working day
    after that Tuesday, skipping holidays exactly as the original count did.
    """
    return add(due, rule_unit, amount, calendar, tz)
