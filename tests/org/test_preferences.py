from dissent.events.models import Event, EventKind
from dissent.memos.models import MemoState

from ..conftest import Cast, signed_in
from ..factories import make_memo
from ..memos.test_pages import post


def test_times_are_shown_in_the_viewers_own_time_zone(cast: Cast, settings: object) -> None:
    settings.CHANNEL_TIME_ZONE = "UTC"  # type: ignore[attr-defined]
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)
    client = signed_in(cast.alice)
    assert memo.ack_due is not None
    utc_day = memo.ack_due.strftime("%b. %-d, %Y, 11:59 p.m.").replace("May.", "May")

    assert utc_day in client.get(f"/memos/{memo.pk}/").content.decode()

    assert post(client, "/accounts/preferences/", {"time_zone": "Asia/Jakarta"}).status_code == 302
    page = client.get(f"/memos/{memo.pk}/").content.decode()
    assert utc_day not in page
    assert "6:59 a.m." in page  # 23:59 UTC is 06:59 the next day in Jakarta (UTC+7)
    event = Event.objects.get(kind=EventKind.PERSON_TIME_ZONE_SET)
    assert event.payload == {"person": cast.alice.pk, "time_zone": "Asia/Jakarta"}


def test_an_unknown_time_zone_is_refused_and_changes_nothing(cast: Cast) -> None:
    client = signed_in(cast.alice)
    response = post(client, "/accounts/preferences/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    cast.alice.refresh_from_db()
    assert cast.alice.time_zone == ""
    assert not Event.objects.filter(kind=EventKind.PERSON_TIME_ZONE_SET).exists()
