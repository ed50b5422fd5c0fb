"""Each person's own language: chosen on the preferences page or with the header's switcher,
it is the language of their e-mails and of their pages in a browser that has not chosen one."""

import pytest
from django.conf import settings

from dissent.events.models import Event, EventKind
from dissent.memos import actions
from dissent.memos.models import MemoState, Visibility
from dissent.worker import run_tasks

from .conftest import Cast, csrf, signed_in
from .factories import make_memo
from .smtp import Inbox

pytestmark = pytest.mark.django_db


def test_the_preferences_page_sets_the_language_and_the_pages_follow(cast: Cast) -> None:
    client = signed_in(cast.alice)

    response = client.post(
        "/accounts/preferences/", {"language": "id", "time_zone": "", "csrfmiddlewaretoken": csrf(client)}
    )

    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.language == "id"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    event = Event.objects.get(kind=EventKind.PERSON_LANGUAGE_SET)
    assert event.payload == {"person": cast.alice.pk, "language": "id"}
    page = client.get("/accounts/preferences/").content.decode()
    assert '<html lang="id">' in page and "Preferensi Anda telah disimpan." in page


def test_a_browser_that_has_not_chosen_shows_the_persons_language(cast: Cast) -> None:
    cast.alice.language = "id"
    cast.alice.save()

    fresh = signed_in(cast.alice)  # no language cookie
    assert '<html lang="id">' in fresh.get("/").content.decode()

    chosen = signed_in(cast.alice)
    chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # this browser chose English
    assert '<html lang="en">' in chosen.get("/").content.decode()
    assert '<html lang="en">' in signed_in(cast.bob).get("/").content.decode()  # bob chose nothing


def test_the_header_switcher_remembers_the_choice_for_a_signed_in_person(cast: Cast) -> None:
    client = signed_in(cast.bob)

    response = client.post(
        "/i18n/setlang/", {"language": "id", "next": "/", "csrfmiddlewaretoken": csrf(client)}
    )

    assert response.status_code == 302
    cast.bob.refresh_from_db()
    assert cast.bob.language == "id"
    # Before signing in the switcher works too, and changes nobody.
    anonymous = signed_in(cast.erin)
    anonymous.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf(anonymous)})
    anonymous.post("/i18n/setlang/", {"language": "id", "next": "/", "csrfmiddlewaretoken": csrf(anonymous)})
    cast.erin.refresh_from_db()
    assert cast.erin.language == ""


def test_an_unknown_language_is_refused_and_changes_nothing(cast: Cast) -> None:
    client = signed_in(cast.alice)

    response = client.post(
        "/accounts/preferences/", {"language": "xx", "time_zone": "", "csrfmiddlewaretoken": csrf(client)}
    )

    assert response.status_code == 400
    cast.alice.refresh_from_db()
    assert cast.alice.language == ""
    assert not Event.objects.filter(kind=EventKind.PERSON_LANGUAGE_SET).exists()


def test_each_recipient_gets_e_mail_in_their_own_language(cast: Cast, smtp: Inbox) -> None:
    cast.paula.language = "id"
    cast.paula.save()
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )
    actions.file_memo(memo, cast.alice)

    run_tasks()

    [to_paula] = smtp.to("paula@example.org")
    assert to_paula.subject == "[SBU] Memo diajukan ke saluran: Change course"
    others = [message for message in smtp.received if "paula@example.org" not in message.envelope_to]
    assert others, "the drafter and the custodians are told too"
    assert all(message.subject.startswith("[SBU] Memo filed") for message in others), [
        m.subject for m in others
    ]
