"""Hand-checked deadlines. Every expected date below was worked out on paper from a
calendar and the holiday lists quoted in the comments, then compared with the code.

Reference calendars used by the rows (all from holidays 0.109):

US federal, 2026-27: Mon 2026-10-12 Columbus Day, Wed 11-11 Veterans Day, Thu 11-26
Thanksgiving, Fri 12-25 Christmas, Fri 2027-01-01 New Year's Day, Mon 01-18 Martin Luther
King Jr. Day, Mon 02-15 Washington's Birthday. US-CA adds Fri 2026-11-27 (Day After
Thanksgiving). US DST ends Sun 2026-11-01 and begins Sun 2027-03-14; EU DST begins Sun
2026-03-29.

Indonesia ("ID"), 2026, as holidays.ID(years=2026) gives them: Thu 03-19 Hari Suci Nyepi,
Sat 03-21 Hari Raya Idul Fitri and Sun 03-22 its second day (Lebaran falls on a weekend
in 2026, so on its own it moves no deadline), Fri 04-03 Wafat Yesus Kristus (Good
Friday), Thu 05-14 Kenaikan Yesus Kristus (Ascension), Wed 05-27 Hari Raya Idul Adha.
The package's "government" category adds collective leave (cuti bersama) around
Lebaran: Wed 03-18, Fri 03-20, Mon 03-23, Tue 03-24.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from dissent.deadlines.calendar import (
    Rule,
    Unit,
    WorkingCalendar,
    add_months,
    due,
    end_of_day,
    extend,
    months_after,
)
from dissent.deadlines.presets import PRESETS, get_preset
from dissent.org.models import Role

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
JAKARTA = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")

US = WorkingCalendar("US")
US_CA = WorkingCalendar("US", "CA")
ID = WorkingCalendar("ID")
ID_WITH_CUTI_BERSAMA = WorkingCalendar("ID", categories=("public", "government"))
# An illustrative organisation that closes on the Lebaran collective-leave weekdays.
ID_LEBARAN_CLOSURES = WorkingCalendar(
    "ID", closures=[date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)]
)
US_RETREAT = WorkingCalendar("US", closures=[date(2026, 9, 21)])  # an office-wide retreat day
DE = WorkingCalendar("DE")

FM_ACK = get_preset("foreign-ministry").acknowledgment  # 2 working days from filing
FM_REPLY = get_preset("foreign-ministry").reply  # 30 working days from filing
EU_ACK = get_preset("eu-whistleblowing").acknowledgment  # 7 calendar days from receipt
EU_FEEDBACK = get_preset("eu-whistleblowing").reply  # 3 months from ack, or from end of the 7 days


def local(text: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@dataclass(frozen=True)
class Case:
    id: str
    rule: Rule
    filed: str  # local wall-clock time in tz
    tz: ZoneInfo
    calendar: WorkingCalendar
    expected: str  # the local due date; the due time is always 23:59:59.999999 local
    why: str
    acknowledged: str | None = field(default=None)


# fmt: off
CASES = [
    # The worked example in docs/deadlines.md.
    Case("fm-ack-christmas-eve", FM_ACK, "2026-12-24 16:30", NEW_YORK, US, "2026-12-29",
         "Thu filing day never counts; Fri 25 Christmas; Sat-Sun; day 1 Mon 28, day 2 Tue 29"),
    Case("fm-reply-christmas-eve", FM_REPLY, "2026-12-24 16:30", NEW_YORK, US, "2027-02-09",
         "Dec 28-31 = 4; Jan 1 holiday; Jan 4-8 = 9; Jan 11-15 = 14; Jan 18 MLK; Jan 19-22 = 18; "
         "Jan 25-29 = 23; Feb 1-5 = 28; Mon Feb 8 = 29, Tue Feb 9 = 30"),
    # Ordinary weeks, weekends, late Fridays.
    Case("fm-ack-tuesday", FM_ACK, "2026-09-15 09:00", NEW_YORK, US, "2026-09-17",
         "Tue filing; Wed 16 = 1, Thu 17 = 2"),
    Case("fm-ack-tuesday-just-before-midnight", FM_ACK, "2026-09-15 23:59", NEW_YORK, US, "2026-09-17",
         "no business-hours cut-off: any time on Tue is still the Tue filing day"),
    Case("fm-ack-saturday", FM_ACK, "2026-10-03 10:00", NEW_YORK, US, "2026-10-06",
         "weekend filing: Mon 5 = 1, Tue 6 = 2"),
    Case("fm-ack-sunday-night", FM_ACK, "2026-10-04 23:30", NEW_YORK, US, "2026-10-06",
         "Sun filing: Mon 5 = 1, Tue 6 = 2"),
    Case("fm-ack-late-friday", FM_ACK, "2026-09-18 16:30", NEW_YORK, US, "2026-09-22",
         "Fri 16:30 filing day is excluded: Mon 21 = 1, Tue 22 = 2"),
    Case("fm-ack-late-friday-before-columbus-day", FM_ACK, "2026-10-09 16:30", NEW_YORK, US, "2026-10-14",
         "Mon 12 Columbus Day (federal): Tue 13 = 1, Wed 14 = 2"),
    # US federal holidays and a state subdivision.
    Case("fm-ack-eve-of-thanksgiving", FM_ACK, "2026-11-25 11:00", NEW_YORK, US, "2026-11-30",
         "Thu 26 Thanksgiving; Fri 27 is a federal working day = 1; Mon 30 = 2"),
    Case("fm-ack-filed-on-thanksgiving", FM_ACK, "2026-11-26 10:00", NEW_YORK, US, "2026-11-30",
         "filed on a holiday: counts from the next working day, Fri 27 = 1, Mon 30 = 2"),
    Case("fm-ack-eve-of-thanksgiving-california", FM_ACK, "2026-11-25 11:00", LOS_ANGELES, US_CA,
         "2026-12-01", "US-CA also closes Fri 27 (Day After Thanksgiving): Mon 30 = 1, Tue Dec 1 = 2"),
    Case("fm-ack-filed-on-christmas", FM_ACK, "2026-12-25 09:00", NEW_YORK, US, "2026-12-29",
         "filed on Christmas (Fri): Mon 28 = 1, Tue 29 = 2"),
    Case("fm-ack-new-years-eve", FM_ACK, "2026-12-31 15:00", NEW_YORK, US, "2027-01-05",
         "Fri Jan 1 holiday, weekend: Mon 4 = 1, Tue 5 = 2"),
    # Daylight-saving changes: the due wall-clock time stays 23:59:59.999999.
    Case("fm-ack-across-dst-end", FM_ACK, "2026-10-30 16:30", NEW_YORK, US, "2026-11-03",
         "filed in EDT; DST ends Sun Nov 1; Mon 2 = 1, Tue 3 = 2, due in EST"),
    Case("fm-reply-across-dst-end", FM_REPLY, "2026-10-15 10:00", NEW_YORK, US, "2026-11-30",
         "Oct 16 = 1; Oct 19-23 = 6; Oct 26-30 = 11; Nov 2-6 = 16; Nov 9-10 = 18; Nov 11 Veterans Day; "
         "Nov 12-13 = 20; Nov 16-20 = 25; Nov 23-25 = 28; Nov 26 Thanksgiving; Nov 27 = 29; Nov 30 = 30"),
    Case("fm-ack-across-dst-start", FM_ACK, "2027-03-12 16:30", NEW_YORK, US, "2027-03-16",
         "filed in EST; DST begins Sun Mar 14; Mon 15 = 1, Tue 16 = 2, due in EDT"),
    # The same instant in two organisations: Thu 20:00 in New York is Fri 07:00 in Jakarta.
    Case("fm-ack-instant-seen-from-new-york", FM_ACK, "2026-10-01 20:00", NEW_YORK, US, "2026-10-05",
         "local day Thu Oct 1: Fri 2 = 1, Mon 5 = 2"),
    Case("fm-ack-instant-seen-from-jakarta", FM_ACK, "2026-10-02 07:00", JAKARTA, ID, "2026-10-06",
         "same instant, local day Fri Oct 2 (no ID holiday in October): Mon 5 = 1, Tue 6 = 2"),
    # Indonesia.
    Case("id-ack-nyepi-and-lebaran", FM_ACK, "2026-03-18 10:00", JAKARTA, ID, "2026-03-23",
         "Thu 19 Nyepi; Fri 20 = 1; Sat-Sun 21-22 Idul Fitri falls on the weekend; Mon 23 = 2"),
    Case("id-ack-with-cuti-bersama", FM_ACK, "2026-03-18 10:00", JAKARTA, ID_WITH_CUTI_BERSAMA,
         "2026-03-26", "also collective leave Fri 20, Mon 23, Tue 24: Wed 25 = 1, Thu 26 = 2"),
    Case("id-ack-with-closures", FM_ACK, "2026-03-18 10:00", JAKARTA, ID_LEBARAN_CLOSURES, "2026-03-26",
         "the same days as the organisation's own closures give the same answer"),
    Case("id-ack-idul-adha", FM_ACK, "2026-05-26 14:00", JAKARTA, ID, "2026-05-29",
         "Wed 27 Idul Adha: Thu 28 = 1, Fri 29 = 2"),
    Case("id-ack-ascension", FM_ACK, "2026-05-13 09:00", JAKARTA, ID, "2026-05-18",
         "Thu 14 Kenaikan: Fri 15 = 1, Mon 18 = 2"),
    Case("id-reply-nyepi-and-good-friday", FM_REPLY, "2026-03-13 16:30", JAKARTA, ID, "2026-04-28",
         "Mar 16-18 = 3; Mar 19 Nyepi; Mar 20 = 4; Mar 23-27 = 9; Mar 30-Apr 2 = 13; Apr 3 Good Friday; "
         "Apr 6-10 = 18; Apr 13-17 = 23; Apr 20-24 = 28; Apr 27 = 29; Apr 28 = 30"),
    # Organisation closures.
    Case("fm-ack-retreat-closure", FM_ACK, "2026-09-18 16:30", NEW_YORK, US_RETREAT, "2026-09-23",
         "Mon 21 closed for the retreat: Tue 22 = 1, Wed 23 = 2"),
    # EU directive: calendar days, holidays ignored.
    Case("eu-ack-seven-days", EU_ACK, "2026-03-02 10:00", BERLIN, DE, "2026-03-09",
         "Mon receipt excluded; the seventh day is the following Mon"),
    Case("eu-ack-over-christmas", EU_ACK, "2026-12-24 18:00", BERLIN, DE, "2026-12-31",
         "calendar days: Christmas and Boxing Day count like any other day"),
    Case("eu-ack-across-dst-start", EU_ACK, "2026-03-27 12:00", BERLIN, DE, "2026-04-03",
         "received Fri in CET; EU DST begins Sun Mar 29; due Fri Apr 3 in CEST"),
    # EU feedback: three months from the acknowledgment, or from the end of the seven days.
    Case("eu-feedback-with-ack", EU_FEEDBACK, "2026-03-02 10:00", BERLIN, DE, "2026-06-04",
         "acknowledged Wed Mar 4: three months later is Jun 4", "2026-03-04 09:00"),
    Case("eu-feedback-without-ack", EU_FEEDBACK, "2026-03-02 10:00", BERLIN, DE, "2026-06-09",
         "no ack: the seven-day period expires Mar 9; three months later is Jun 9"),
    Case("eu-feedback-late-ack", EU_FEEDBACK, "2026-03-02 10:00", BERLIN, DE, "2026-06-16",
         "ack sent late on Mar 16: the text counts from the ack actually sent", "2026-03-16 11:00"),
    Case("eu-feedback-with-ack-clamped-to-february", EU_FEEDBACK, "2026-11-27 10:00", BERLIN, DE,
         "2027-02-28", "ack Mon Nov 30: 'Feb 30' does not exist, so the last day of Feb 2027",
         "2026-11-30 15:00"),
    Case("eu-feedback-without-ack-clamped-to-november", EU_FEEDBACK, "2026-08-24 10:00", BERLIN, DE,
         "2026-11-30", "no ack: period expires Aug 31; 'Nov 31' clamps to Nov 30"),
    Case("eu-feedback-with-ack-leap-year", EU_FEEDBACK, "2027-11-26 10:00", BERLIN, DE, "2028-02-29",
         "ack Nov 30 2027: Feb 2028 has 29 days", "2027-11-30 10:00"),
    Case("eu-feedback-with-ack-on-the-31st", EU_FEEDBACK, "2026-05-29 10:00", BERLIN, DE, "2026-08-31",
         "ack Sun May 31: Aug 31 exists, no clamping", "2026-05-31 10:00"),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_due_dates_match_the_hand_checked_table(case: Case) -> None:
    acknowledged = None if case.acknowledged is None else local(case.acknowledged, case.tz)

    result = due(case.rule, local(case.filed, case.tz), case.tz, case.calendar, acknowledged)

    in_zone = result.astimezone(case.tz)
    assert in_zone.date() == date.fromisoformat(case.expected), case.why
    assert in_zone.time() == time.max, "the due wall-clock time is always the end of the day"
    assert result == datetime.combine(date.fromisoformat(case.expected), time.max, tzinfo=case.tz)


def test_there_are_enough_hand_checked_rows() -> None:
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("filed", "filed_offset_hours", "due_offset_hours"),
    [("2026-10-30 16:30", -4, -5), ("2027-03-12 16:30", -5, -4)],
    ids=["dst-ends-between-filing-and-due", "dst-begins-between-filing-and-due"],
)
def test_a_dst_change_moves_the_offset_not_the_wall_clock(
    filed: str, filed_offset_hours: int, due_offset_hours: int
) -> None:
    filed_at = local(filed, NEW_YORK)

    result = due(FM_ACK, filed_at, NEW_YORK, US)

    assert filed_at.utcoffset() == timedelta(hours=filed_offset_hours)
    assert result.utcoffset() == timedelta(hours=due_offset_hours)
    assert result.time() == time.max


def test_the_same_instant_is_a_different_day_in_new_york_and_jakarta() -> None:
    instant = local("2026-10-01 20:00", NEW_YORK)

    assert instant == local("2026-10-02 07:00", JAKARTA)
    assert due(FM_ACK, instant, NEW_YORK, US).date() == date(2026, 10, 5)
    assert due(FM_ACK, instant, JAKARTA, ID).date() == date(2026, 10, 6)


def test_the_indonesian_dates_in_the_table_are_the_packages() -> None:
    public = holidays.country_holidays("ID", years=2026)
    collective_leave = holidays.country_holidays("ID", years=2026, categories=("government",))

    assert public[date(2026, 3, 19)] == "Hari Suci Nyepi"
    assert public[date(2026, 3, 21)] == "Hari Raya Idul Fitri"
    assert public[date(2026, 3, 22)] == "Hari kedua dari Hari Raya Idul Fitri"
    assert public[date(2026, 5, 27)] == "Hari Raya Idul Adha"
    assert {date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)} <= set(collective_leave)
    assert not ID.is_working_day(date(2026, 3, 19))
    assert ID.is_working_day(date(2026, 3, 20))
    assert not ID_WITH_CUTI_BERSAMA.is_working_day(date(2026, 3, 20))


# (due, unit, amount, calendar, tz, expected local date, why)
# fmt: off
EXTENSIONS = [
    ("2027-02-09", "working_days", 30, US, NEW_YORK, "2027-03-24",
     "Feb 10-12 = 3; Feb 15 Washington's Birthday; Feb 16-19 = 7; Feb 22-26 = 12; Mar 1-5 = 17; "
     "Mar 8-12 = 22; Mar 15-19 = 27 (now EDT); Mar 22-24 = 30"),
    ("2026-12-29", "working_days", 2, US, NEW_YORK, "2026-12-31", "Wed 30 = 1, Thu 31 = 2"),
    ("2026-12-30", "working_days", 2, US, NEW_YORK, "2027-01-04", "Thu 31 = 1; Jan 1 holiday; Mon 4 = 2"),
    ("2026-03-09", "calendar_days", 7, DE, BERLIN, "2026-03-16", "seven more days, weekends included"),
    ("2026-11-30", "months", 3, DE, BERLIN, "2027-02-28", "month extension clamps like the rule itself"),
    ("2026-12-29", "working_days", 0, US, NEW_YORK, "2026-12-29", "extending by nothing changes nothing"),
]
# fmt: on


@pytest.mark.parametrize(("current", "unit", "amount", "calendar", "tz", "expected", "why"), EXTENSIONS)
def test_extensions_count_on_from_the_current_due_date(
    current: str, unit: Unit, amount: int, calendar: WorkingCalendar, tz: ZoneInfo, expected: str, why: str
) -> None:
    current_due = end_of_day(date.fromisoformat(current), tz)

    result = extend(current_due, unit, amount, calendar, tz)

    assert result == end_of_day(date.fromisoformat(expected), tz), why


def test_extending_the_worked_example_reply_by_the_preset_maximum() -> None:
    policy = get_preset("foreign-ministry").extension
    assert policy is not None
    reply_due = due(FM_REPLY, local("2026-12-24 16:30", NEW_YORK), NEW_YORK, US)

    extended = extend(reply_due, policy.unit, policy.max_amount, US, NEW_YORK)

    assert extended == local("2027-03-24 23:59:59.999999", NEW_YORK)
    assert US.working_days_between(local("2026-12-24 16:30", NEW_YORK), extended, NEW_YORK) == 60


# (a, b, tz, expected, why); a and b are local wall-clock times in tz.
# fmt: off
BETWEEN = [
    ("2026-12-24 16:30", "2026-12-29 23:59", NEW_YORK, 2, "filing to ack due: Mon 28, Tue 29"),
    ("2026-12-29 23:59", "2026-12-24 16:30", NEW_YORK, -2, "the same span backwards is negative"),
    ("2026-12-29 08:00", "2026-12-29 23:00", NEW_YORK, 0, "same local day"),
    ("2026-12-28 09:00", "2027-01-04 10:00", NEW_YORK, 4, "Dec 29, 30, 31 and Jan 4; Jan 1 is a holiday"),
    ("2026-09-18 17:00", "2026-09-19 12:00", NEW_YORK, 0, "Fri to Sat: Saturday is not a working day"),
    ("2026-09-19 12:00", "2026-09-21 09:00", NEW_YORK, 1, "Sat to Mon: Monday counts"),
    ("2026-12-31 10:00", "2026-12-29 23:59", NEW_YORK, -2, "now Thu 31, due Tue 29: overdue by 2 (30, 31)"),
    ("2026-12-24 10:00", "2026-12-28 10:00", NEW_YORK, 1, "Christmas and the weekend do not count"),
]
# fmt: on


@pytest.mark.parametrize(("a", "b", "tz", "expected", "why"), BETWEEN)
def test_working_days_between_is_signed(a: str, b: str, tz: ZoneInfo, expected: int, why: str) -> None:
    assert US.working_days_between(local(a, tz), local(b, tz), tz) == expected, why


def test_working_days_between_uses_the_organisations_local_days() -> None:
    thursday_evening_in_new_york = local("2026-10-01 20:00", NEW_YORK)
    an_hour_later = thursday_evening_in_new_york + timedelta(hours=1)

    assert US.working_days_between(thursday_evening_in_new_york, an_hour_later, NEW_YORK) == 0
    # In Jakarta 10:00 New York time is Thu 21:00 and 21:00 New York time is Fri 09:00.
    assert US.working_days_between(local("2026-10-01 10:00", NEW_YORK), an_hour_later, JAKARTA) == 1


@pytest.mark.parametrize("start", ["2026-12-24 16:30", "2026-11-25 11:00", "2027-03-12 16:30"])
def test_counting_forward_and_measuring_back_agree(start: str) -> None:
    filed_at = local(start, NEW_YORK)

    for n in range(0, 45, 3):
        assert US.working_days_between(filed_at, US.add_working_days(filed_at, n, NEW_YORK), NEW_YORK) == n


def test_months_after_clamps_to_the_end_of_shorter_months() -> None:
    assert months_after(date(2026, 8, 31), 3) == date(2026, 11, 30)
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_after(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert months_after(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert months_after(date(2026, 10, 15), 15) == date(2028, 1, 15)
    assert add_months(local("2026-11-30 23:30", NEW_YORK), 3, NEW_YORK) == end_of_day(
        date(2027, 2, 28), NEW_YORK
    )


def test_a_calendar_covers_whatever_years_are_asked() -> None:
    calendar = WorkingCalendar("US")

    assert not calendar.is_working_day(date(2031, 12, 25))
    assert not calendar.is_working_day(date(2019, 7, 4))
    assert calendar.is_working_day(date(2031, 12, 26))


def test_a_custom_weekend() -> None:
    friday_saturday = WorkingCalendar("US", weekend=frozenset({4, 5}))

    assert friday_saturday.is_working_day(date(2026, 9, 20))  # Sunday
    assert not friday_saturday.is_working_day(date(2026, 9, 18))  # Friday


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        due(FM_ACK, datetime(2026, 12, 24, 16, 30), NEW_YORK, US)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="counts forward"):
        US.add_working_days(local("2026-12-24 16:30", NEW_YORK), -1, NEW_YORK)
    with pytest.raises(ValueError, match="counts forward"):
        Rule(-3, "working_days")


def test_an_unknown_country_is_refused_when_the_calendar_is_built() -> None:
    with pytest.raises(ValueError, match="no calendar for 'XX'"):
        WorkingCalendar("XX")


def test_a_rule_from_the_acknowledgment_needs_one_or_a_fallback() -> None:
    rule = Rule(10, "working_days", "acknowledgment")

    with pytest.raises(ValueError, match="needs the acknowledgment"):
        due(rule, local("2026-09-15 09:00", NEW_YORK), NEW_YORK, US)


def test_a_calendar_with_every_day_closed_fails_instead_of_looping() -> None:
    everything_closed = WorkingCalendar(
        "US", closures=[date(2026, 1, 1) + timedelta(days=i) for i in range(8000)]
    )

    with pytest.raises(ValueError, match="check the closures"):
        everything_closed.add_working_days(local("2026-01-01 09:00", NEW_YORK), 1, NEW_YORK)


def test_unknown_preset_names_list_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="eu-whistleblowing, foreign-ministry"):
        get_preset("foreign-office")


def test_presets_name_real_roles_and_cite_their_sources() -> None:
    for preset in PRESETS.values():
        assert preset.escalation_role in Role.values
        assert preset.extension is None or preset.extension.role in Role.values
        assert preset.sources
        assert all(source.url.startswith("https://") and source.checked for source in preset.sources)


def test_the_eu_preset_quotes_article_9() -> None:
    sections = {source.section: source.quote for source in get_preset("eu-whistleblowing").sources}

    assert "within seven days of that receipt" in (sections["Article 9(1)(b)"] or "")
    assert "three months from the expiry of the seven-day period" in (sections["Article 9(1)(f)"] or "")
    assert get_preset("eu-whistleblowing").extension is None
