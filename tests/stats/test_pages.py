"""The statistics pages: who may see them, and what they show."""

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from dissent.org.models import Role

from ..conftest import Cast, csrf, signed_in
from .journey import Journey, after

NEW_YORK = ZoneInfo("America/New_York")
SECRET_TITLE = "Reconsider the northern dam project"


@pytest.fixture
def filed(journey: Journey) -> None:
    """Two memos filed in March 2026: one acknowledged after 36 hours and replied to after
    10 days 6 hours (both on time), one still waiting; the page is read on 15 June."""
    answered = journey.file(datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK), title=SECRET_TITLE)
    journey.acknowledge(answered, after(answered.filed_at, hours=36))
    journey.reply(answered, after(answered.filed_at, days=10, hours=6))
    journey.file(datetime(2026, 6, 15, 9, 0, tzinfo=NEW_YORK), title=SECRET_TITLE)
    journey.clock.move_to(datetime(2026, 6, 15, 12, 0, tzinfo=NEW_YORK), tick=False)


@pytest.mark.parametrize("persona", ["alice", "bob", "erin", "dave"])
def test_members_get_404_as_if_there_were_no_such_page(cast: Cast, persona: str) -> None:
    response = signed_in(getattr(cast, persona)).get("/stats/")

    assert response.status_code == 404
    assert "Channel statistics" not in response.content.decode()


@pytest.mark.parametrize("persona", ["paula", "audrey", "carol", "adam"])
def test_principals_auditors_custodians_and_admins_see_the_statistics(cast: Cast, persona: str) -> None:
    assert getattr(cast, persona).role != Role.MEMBER

    response = signed_in(getattr(cast, persona)).get("/stats/")

    assert response.status_code == 200
    assert "<h1>Channel statistics</h1>" in response.content.decode()


def test_a_deactivated_principal_is_refused(cast: Cast) -> None:
    client = signed_in(cast.paula)
    cast.paula.is_active = False
    cast.paula.save()

    response = client.get("/stats/")

    assert response.status_code in {302, 404}
    assert "Channel statistics" not in response.content.decode()


def test_the_statistics_need_sign_in(db: None) -> None:
    response = Client().get("/stats/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_only_answers_get(cast: Cast) -> None:
    client = signed_in(cast.audrey)

    response = client.post("/stats/", {"csrfmiddlewaretoken": csrf(client)})

    assert response.status_code == 405


@pytest.mark.usefixtures("filed")
def test_the_page_shows_the_figures_with_their_definitions(cast: Cast) -> None:
    page = signed_in(cast.audrey).get("/stats/").content.decode()

    text = re.sub(r"\s+", " ", page)
    assert '<th scope="row">March 2026</th><td class="num">1</td>' in text
    assert '<th scope="row">May 2026</th><td class="num">0</td>' in text
    assert '<th scope="row">Total</th><td class="num">2</td>' in text
    # time to acknowledgment 36h = 1.5 days; to reply 10d 6h = 10.25 days, shown 10.3
    assert '<th scope="row">Acknowledgment</th><td class="num">1</td><td class="num">1.5</td>' in text
    assert '<th scope="row">Reply</th><td class="num">1</td><td class="num">10.3</td>' in text
    # on time: 1 of 1 judged, the new memo pending
    assert (
        '<th scope="row">Acknowledgment</th><td class="num">1</td><td class="num">0</td>'
        '<td class="num">1</td><td class="num">100%</td>'
    ) in text
    assert "elapsed calendar time" in text.lower()
    assert "nearest rank" in text
    assert "pending and is left out of the share" in text
    assert "until June 15, 2026, noon (months and days in the America/New_York time zone)" in text
    assert '<th scope="row">Waiting for acknowledgment</th><td class="num">1</td>' in text
    assert '<th scope="row">Replied</th><td class="num">1</td>' in text


@pytest.mark.usefixtures("filed")
def test_each_chart_is_inline_svg_next_to_a_table(cast: Cast) -> None:
    page = signed_in(cast.audrey).get("/stats/").content.decode()

    assert page.count('role="img"') == 3
    assert page.count("<table") == 5
    assert "<script" not in page


@pytest.mark.usefixtures("filed")
def test_a_reader_chooses_the_window(cast: Cast) -> None:
    page = signed_in(cast.audrey).get("/stats/?months=3").content.decode()

    months = re.findall(r'<th scope="row">(\w+ 2026)</th>', page)
    assert months == ["April 2026", "May 2026", "June 2026"]


@pytest.mark.parametrize("months", ["7", "abc", "-1", "1000000000000"])
def test_an_unknown_window_is_refused_with_a_message(cast: Cast, months: str) -> None:
    response = signed_in(cast.audrey).get(f"/stats/?months={months}")

    assert response.status_code == 400
    assert "Choose a window of 3, 6, 12, 24, 36 months." in response.content.decode()


def test_the_public_page_is_off_by_default_even_for_signed_in_readers(cast: Cast, settings: Any) -> None:
    del settings.STATS_PUBLIC

    assert Client().get("/stats/public/").status_code == 404
    assert signed_in(cast.paula).get("/stats/public/").status_code == 404


def test_the_public_page_is_off_when_the_setting_says_so(cast: Cast, settings: Any) -> None:
    settings.STATS_PUBLIC = False

    assert Client().get("/stats/public/").status_code == 404
    assert signed_in(cast.paula).get("/stats/public/").status_code == 404


@pytest.mark.usefixtures("filed")
def test_the_public_page_shows_aggregates_to_anyone_and_no_memo(cast: Cast, settings: Any) -> None:
    settings.STATS_PUBLIC = True

    response = Client().get("/stats/public/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Dissent Channel in figures" in page
    assert '<td class="num">1.5</td>' in page
    assert SECRET_TITLE not in page
    assert "Alice" not in page
    assert "/memos/" not in page


@pytest.mark.usefixtures("filed")
def test_the_staff_page_shows_no_memo_either(cast: Cast) -> None:
    page = signed_in(cast.paula).get("/stats/").content.decode()

    assert SECRET_TITLE not in page
    assert "/memos/" not in page.split("<main>", 1)[1]
