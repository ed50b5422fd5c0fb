"""The plain-SQL rows (dissent/rows.py) and the two per-request look-ups built on them: the
session engine and the sign-in backend. Each must give what the ORM gives."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from dissent import rows
from dissent.events.models import Event, EventKind, PendingEvent
from dissent.events.recording import record_event
from dissent.memos.models import Memo, MemoState, Signature
from dissent.org.backends import PersonBackend
from dissent.org.models import Person, Role, Session
from dissent.sessions import SessionStore

from .conftest import Cast
from .factories import make_memo, make_person

pytestmark = pytest.mark.django_db


def test_first_reads_a_person_as_the_orm_does(cast: Cast) -> None:
    cast.alice.last_login = timezone.now()
    cast.alice.save()

    fast = rows.first(Person, "username = %s", ["alice"])

    assert fast is not None
    slow = Person.objects.get(username="alice")
    for field in Person._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    assert fast.last_login is not None and fast.last_login.tzinfo is not None
    assert not fast._state.adding
    assert rows.first(Person, "username = %s", ["nobody"]) is None


def test_insert_stores_what_save_would_and_sets_the_primary_key(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)

    signature = rows.insert(Signature(memo=memo, person=cast.bob, visibility="named"))

    stored = Signature.objects.get(pk=signature.pk)
    assert (stored.memo_id, stored.person_id, stored.visibility) == (memo.pk, cast.bob.pk, "named")
    assert stored.signed_at is not None  # the field's own default, as save() sets it
    assert not signature._state.adding


def test_an_event_written_through_rows_is_queued_and_matches_its_record(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)
    with transaction.atomic():
        event = record_event(cast.alice, EventKind.MEMO_READ, memo, {"memo": memo.pk, "how": "page"})

    stored = Event.objects.get(pk=event.pk)
    assert PendingEvent.objects.filter(event=stored).exists()
    assert stored.payload == {"memo": memo.pk, "how": "page"}
    assert stored.record == event.record
    assert json.loads(stored.record) == stored.canonical_fields()


def test_a_primary_key_given_is_inserted_without_asking_for_one_back(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)
    with transaction.atomic():
        event = rows.insert(
            Event(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo.pk, created_at=timezone.now())
        )
        queued = rows.insert(PendingEvent(event=event))

    assert queued.pk == event.pk
    assert PendingEvent.objects.filter(pk=event.pk).count() == 1


def drawn_id(model: type[Any]) -> int | None:
    """A key drawn for `model` as an action draws it (PostgreSQL), or None (the database
    assigns it at the insert)."""
    expression = rows.next_id_sql(model)
    if expression is None:
        return None
    with rows.cursor() as reader:
        reader.execute(f"SELECT {expression}")
        return int(reader.fetchone()[0])


def test_a_row_along_an_event_is_stored_with_it(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)
    with transaction.atomic():
        key = drawn_id(Signature) or 10**9  # elsewhere than PostgreSQL: any free key
        signature = Signature(pk=key, memo=memo, person=cast.bob, visibility="named")
        event = record_event(
            cast.bob,
            EventKind.MEMO_SIGNED,
            memo,
            {"memo": memo.pk, "signature": signature.pk},
            along=[signature],
        )

    stored = Signature.objects.get(pk=signature.pk)
    assert (stored.memo_id, stored.person_id) == (memo.pk, cast.bob.pk)
    assert not signature._state.adding
    assert Event.objects.get(pk=event.pk).payload["signature"] == signature.pk
    assert PendingEvent.objects.filter(pk=event.pk).exists()


def test_a_row_along_an_event_that_cannot_be_stored_stores_no_event(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)
    rows.insert(Signature(memo=memo, person=cast.bob, visibility="named"))
    events_before = Event.objects.count()
    second = Signature(pk=drawn_id(Signature) or 10**9, memo=memo, person=cast.bob, visibility="named")

    with pytest.raises(IntegrityError), transaction.atomic():
        record_event(cast.bob, EventKind.MEMO_SIGNED, memo, {"memo": memo.pk}, along=[second])

    assert Event.objects.count() == events_before
    assert Signature.objects.filter(memo=memo).count() == 1


def test_the_session_engine_loads_a_live_session_and_not_an_expired_one(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    key = client.cookies["sessionid"].value

    store = SessionStore(key)
    assert store[SESSION_KEY] == str(cast.alice.pk)
    assert store[BACKEND_SESSION_KEY] == "dissent.org.backends.PersonBackend"

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # as Django's own store: a new key will be made


def test_an_expired_session_signs_nobody_in(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    assert client.get("/api/v1/memos").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/v1/memos").status_code == 401


def test_the_backend_refuses_inactive_people_and_ids_that_are_not_ids() -> None:
    person = make_person("carol", Role.MEMBER)
    backend = PersonBackend()

    assert backend.get_user(person.pk) == person
    assert backend.get_user(str(person.pk)) == person  # as stored in the session
    assert backend.get_user("not a number") is None
    assert backend.get_user(person.pk + 1000) is None

    person.is_active = False
    person.save()
    assert backend.get_user(person.pk) is None


def test_a_deactivated_person_is_signed_out_on_their_next_request(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.bob)
    assert client.get("/api/v1/memos").status_code == 200

    Person.objects.filter(pk=cast.bob.pk).update(is_active=False)

    assert client.get("/api/v1/memos").status_code == 401


def test_first_joined_gives_what_select_related_gives_with_the_extra_values(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula)
    expected = Memo.objects.select_related("marking", "addressee", "call_unit").get(pk=memo.pk)

    with django_assert_num_queries(1):
        found = rows.first_joined(
            Memo,
            "t.id = %s",
            [41, memo.pk],
            related=("marking", "addressee", "call_unit"),
            extras=("%s + 1",),
        )
        assert found is not None
        got, extras = found
        assert [getattr(got, f.attname) for f in Memo._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in Memo._meta.concrete_fields
        ]
        assert got.marking == expected.marking and got.marking.label == expected.marking.label
        assert got.addressee == cast.paula and got.addressee.username == "paula"
        assert got.call_unit is None  # a null foreign key: nothing joined, no query later
    assert extras == (42,)
    assert rows.first_joined(Memo, "t.id = %s", [memo.pk + 1000]) is None
