"""The session engine (dissent/sessions.py): a session keeps the person it signs in, each
request reads the session and that person in one query, and the authentication backend
takes the person read with the session once, for the request that read it."""

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.signals import request_started
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dissent.org.backends import PersonBackend
from dissent.org.models import Person, Session
from dissent.sessions import SessionStore

from .conftest import signed_in
from .factories import make_person

pytestmark = pytest.mark.django_db

session_migration = importlib.import_module("dissent.org.migrations.0007_session")


def a_request_starts() -> None:
    """request_started, without Django's receiver that closes the connection (it would end
    the test's transaction), as the test client sends it."""
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
    finally:
        request_started.connect(close_old_connections)


def session_key(person: Person) -> str:
    return str(signed_in(person).cookies["sessionid"].value)


def request_with(key: str) -> Any:
    """A new request carrying the session `key`, as the session middleware prepares it."""
    a_request_starts()
    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    return request


def test_a_session_keeps_the_person_it_signs_in() -> None:
    alice = make_person("alice")

    key = session_key(alice)

    assert Session.objects.get(session_key=key).person_id == alice.pk


def test_the_session_and_its_person_are_one_query() -> None:
    alice = make_person("alice")
    request = request_with(session_key(alice))

    with CaptureQueriesContext(connection) as queries:
        assert auth.get_user(request) == alice

    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]


def test_a_session_that_names_nobody_reads_the_person_on_its_own() -> None:
    alice = make_person("alice")
    key = session_key(alice)
    Session.objects.filter(session_key=key).update(person=None)  # saved before the column

    with CaptureQueriesContext(connection) as queries:
        assert auth.get_user(request_with(key)) == alice

    assert len(queries) == 2


def test_the_person_read_with_a_session_is_taken_once_and_only_for_its_id() -> None:
    alice, bob = make_person("alice"), make_person("bob")
    request = request_with(session_key(alice))
    request.session.load()
    backend = PersonBackend()

    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(bob.pk) == bob  # another id: read from the database
        assert backend.get_user(alice.pk) == alice  # not taken by the call before: read too
    assert len(queries) == 2

    request = request_with(session_key(alice))
    request.session.load()
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(alice.pk) == alice  # taken
        assert backend.get_user(alice.pk) == alice  # read again
    assert len(queries) == 1


def test_a_new_request_does_not_take_what_an_earlier_one_read() -> None:
    alice = make_person("alice")
    request_with(session_key(alice)).session.load()

    a_request_starts()
    with CaptureQueriesContext(connection) as queries:
        assert PersonBackend().get_user(alice.pk) == alice

    assert len(queries) == 1


def test_an_inactive_person_read_with_the_session_is_not_signed_in() -> None:
    alice = make_person("alice")
    key = session_key(alice)
    Person.objects.filter(pk=alice.pk).update(is_active=False)

    assert auth.get_user(request_with(key)).is_anonymous


def test_a_changed_password_still_ends_the_session() -> None:
    alice = make_person("alice")
    key = session_key(alice)
    alice.set_password("another password, long enough")
    alice.save()

    assert auth.get_user(request_with(key)).is_anonymous


def test_a_persons_sessions_go_with_them() -> None:
    alice = make_person("alice")
    key = session_key(alice)

    alice.delete()

    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.parametrize("batch", [1000, 3])
def test_the_upgrade_moves_every_live_session_with_its_person(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_migration, "BATCH", batch)  # 3: a full batch and a partial one
    alice = make_person("alice")
    store = DjangoSessionStore()

    def old(key: str, data: dict[str, Any], *, expired: bool = False) -> None:
        when = timezone.now() + timezone.timedelta(days=-1 if expired else 1)
        DjangoSession.objects.create(session_key=key, session_data=store.encode(data), expire_date=when)

    signed = {SESSION_KEY: str(alice.pk), BACKEND_SESSION_KEY: "dissent.org.backends.PersonBackend"}
    old("a" * 32, {**signed, HASH_SESSION_KEY: alice.get_session_auth_hash()})
    old("b" * 32, {"django_language": "id"})  # nobody signed in
    old("c" * 32, {SESSION_KEY: "999999"})  # someone since deleted
    old("d" * 32, signed, expired=True)
    old("e" * 32, {SESSION_KEY: "9" * 30})  # no possible id

    session_migration.copy_live_sessions(apps, None)

    moved = dict(Session.objects.values_list("session_key", "person_id"))
    assert moved == {"a" * 32: alice.pk, "b" * 32: None, "c" * 32: None, "e" * 32: None}
    assert auth.get_user(request_with("a" * 32)) == alice


@pytest.mark.parametrize("value", ["9" * 30, "not an id", ""])
def test_a_session_whose_data_names_no_possible_person_is_saved_naming_nobody(value: str) -> None:
    store = SessionStore()
    store[SESSION_KEY] = value
    store.create()

    assert Session.objects.get(session_key=store.session_key).person_id is None
