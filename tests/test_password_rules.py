"""Passwords: at least 12 characters, not a common one, not like the person's name; people
change their own, which ends their other sessions (ASVS V2.1, V3.3)."""

from django.http import HttpResponse
from django.test import Client

from .conftest import Cast, csrf, signed_in
from .factories import PASSWORD


def change(client: Client, old: str, new: str) -> HttpResponse:
    return client.post(
        "/accounts/password/",
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new,
            "csrfmiddlewaretoken": csrf(client),
        },
    )


def test_a_short_common_or_name_like_password_is_refused_and_the_old_one_stays(cast: Cast) -> None:
    client = signed_in(cast.alice)
    for weak, reason in [
        ("Sh0rt!pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("alice@example.org!", "too similar"),
    ]:
        response = change(client, PASSWORD, weak)
        assert response.status_code == 400, weak
        assert reason in response.content.decode(), weak
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(PASSWORD)


def test_the_old_password_is_asked_for(cast: Cast) -> None:
    response = change(signed_in(cast.alice), "not my password at all", "a much longer new passphrase")
    assert response.status_code == 400
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(PASSWORD)


def test_changing_it_keeps_this_session_and_ends_the_others(cast: Cast) -> None:
    here, elsewhere = signed_in(cast.alice), signed_in(cast.alice)

    response = change(here, PASSWORD, "a much longer new passphrase")

    assert response.status_code == 302 and response["Location"] == "/accounts/preferences/"
    assert here.get("/").status_code == 200
    assert elsewhere.get("/")["Location"].startswith("/accounts/login/")
    cast.alice.refresh_from_db()
    assert cast.alice.check_password("a much longer new passphrase")
