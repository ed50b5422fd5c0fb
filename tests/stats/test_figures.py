"""How the figures are written on the page: rounding and the reader's language."""

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from dissent.stats.figures import days, figures, percent
from dissent.stats.queries import channel_statistics

from ..conftest import Cast, signed_in
from .journey import Journey, after

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("elapsed", "shown"),
    [
        (timedelta(hours=36), "1.5"),
        (timedelta(hours=30), "1.3"),  # 1.25: halves round up
        (timedelta(hours=6), "0.3"),
        (timedelta(hours=2), "0.1"),
        (timedelta(minutes=5), "0.0"),
        (timedelta(days=45, hours=12), "45.5"),
    ],
)
def test_days_have_one_decimal(elapsed: timedelta, shown: str) -> None:
    assert str(days(elapsed)) == shown


@pytest.mark.parametrize(
    ("share", "shown"), [(Fraction(2, 3), 67), (Fraction(1, 8), 13), (Fraction(5, 7), 71), (Fraction(1), 100)]
)
def test_shares_are_whole_percentages(share: Fraction, shown: int) -> None:
    assert percent(share) == shown


def test_numbers_follow_the_reader_language(cast: Cast, journey: Journey) -> None:
    memo = journey.file(datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK))
    journey.acknowledge(memo, after(memo.filed_at, hours=36))
    client = signed_in(cast.audrey)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "id"

    page = client.get("/stats/").content.decode()

    assert '<td class="num">1,5</td>' in page


def test_empty_figures_say_so_instead_of_zero(db: None) -> None:
    stats = channel_statistics(datetime(2026, 6, 15, tzinfo=NEW_YORK), tz=NEW_YORK)

    with translation.override("en"):
        times, on_time = figures(stats)[1:3]

    assert times.table.rows == [["Acknowledgment", "0", "—", "—"], ["Reply", "0", "—", "—"]]
    assert on_time.table.rows == [["Acknowledgment", "0", "0", "0", "—"], ["Reply", "0", "0", "0", "—"]]


def test_the_chart_descriptions_carry_the_numbers(settings: Any, journey: Journey) -> None:
    memo = journey.file(datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK))
    journey.acknowledge(memo, after(memo.filed_at, hours=36))
    stats = channel_statistics(datetime(2026, 6, 15, tzinfo=NEW_YORK), tz=NEW_YORK)

    with translation.override("en"):
        filed, times, on_time = figures(stats)[:3]

    assert "March 2026: 1" in str(filed.chart)
    assert "Acknowledgment: median 1.5 days, 90th percentile 1.5 days" in str(times.chart)
    assert "Acknowledgment: 100% on time (1 of 1)" in str(on_time.chart)
