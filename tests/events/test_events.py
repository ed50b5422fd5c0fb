import hashlib

import pytest
from django.db import transaction

from dissent.events.canonical import canonical_json, canonical_sha256
from dissent.events.models import AppendOnlyError, Event, EventKind
from dissent.events.recording import record_event
from dissent.memos.models import MemoState

from ..conftest import Cast
from ..factories import make_memo


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()


def test_canonical_json_orders_keys_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3: "\u20ac" (euro) sorts before "\ud83d\ude00" (emoji) by UTF-16 units.
    assert canonical_json({"\U0001f600": 1, "\u20ac": 2}) == '{"€":2,"😀":1}'.encode()


def test_floats_are_refused_so_numbers_never_change_spelling() -> None:
    with pytest.raises(TypeError):
        canonical_json({"x": 1.5})


def test_every_event_carries_the_hash_of_its_canonical_payload(cast: Cast) -> None:
    make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    events = list(Event.objects.all())

    assert events
    for event in events:
        assert event.payload_sha256 == hashlib.sha256(canonical_json(event.payload)).hexdigest()
        assert event.payload_sha256 == canonical_sha256(event.payload)
        assert event.actor_id == cast.alice.pk


def test_events_cannot_be_changed_or_deleted(cast: Cast) -> None:
    make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)
    event = Event.objects.get(kind=EventKind.MEMO_CREATED)

    event.payload = {"forged": True}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.get(pk=event.pk).payload != {"forged": True}


def test_an_unknown_kind_is_never_recorded(cast: Cast) -> None:
    before = Event.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        record_event(cast.alice, "memo.made_up", cast.alice, {})  # type: ignore[arg-type]
    assert Event.objects.count() == before
