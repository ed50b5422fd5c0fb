"""Signing and filing at the same moment, from many threads with their own connections:
the filing event's count is exactly the signatures stored, and none lands after filing."""

import threading

import pytest
from django.db import close_old_connections, connection

from dissent.errors import DissentError
from dissent.events.models import Event, EventKind
from dissent.memos import actions
from dissent.memos.models import Memo, MemoState, Signature, Visibility

from ..factories import make_memo, make_person

SIGNERS = 16


def _in_thread(work: list[object], target: object) -> threading.Thread:
    def run() -> None:
        close_old_connections()
        try:
            work.append(target())  # type: ignore[operator]
        except DissentError as refused:
            work.append(refused)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signatures_racing_a_filing_are_counted_exactly() -> None:
    alice = make_person("alice")
    paula = make_person("paula", "principal")  # type: ignore[arg-type]
    signers = [make_person(f"signer{i}") for i in range(SIGNERS)]
    memo = make_memo(MemoState.OPEN, drafter=alice, addressee=paula, invitees=signers)
    results: list[object] = []
    start = threading.Barrier(SIGNERS + 1)

    def sign(person: object) -> object:
        start.wait()
        return actions.sign_memo(Memo(pk=memo.pk), person, visibility=Visibility.NAMED)  # type: ignore[arg-type]

    def file() -> object:
        start.wait()
        return actions.file_memo(Memo(pk=memo.pk), alice)

    threads = [_in_thread(results, lambda p=p: sign(p)) for p in signers] + [_in_thread(results, file)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    filed = Event.objects.get(kind=EventKind.MEMO_FILED, object_id=memo.pk)
    stored = set(Signature.objects.filter(memo_id=memo.pk).values_list("pk", flat=True))
    accepted = {r.pk for r in results if isinstance(r, Signature)}
    assert Memo.objects.get(pk=memo.pk).state == MemoState.FILED
    assert len(results) == SIGNERS + 1
    assert stored == accepted
    assert set(filed.payload["signatures"]) == stored
    assert filed.payload["signature_count"] == len(stored)
    assert Event.objects.filter(kind=EventKind.MEMO_SIGNED, object_id=memo.pk).count() == len(stored)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_person_signing_from_many_tabs_at_once_signs_once() -> None:
    alice = make_person("alice")
    paula = make_person("paula", "principal")  # type: ignore[arg-type]
    bob = make_person("bob")
    memo = make_memo(MemoState.OPEN, drafter=alice, addressee=paula, invitees=[bob])
    results: list[object] = []
    start = threading.Barrier(8)

    def sign() -> object:
        start.wait()
        return actions.sign_memo(Memo(pk=memo.pk), bob, visibility=Visibility.NAMED)

    threads = [_in_thread(results, sign) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 8
    assert sum(isinstance(r, Signature) for r in results) == 1
    assert all(isinstance(r, Signature) or "already signed" in str(r) for r in results)
    assert Signature.objects.filter(memo_id=memo.pk).count() == 1
    assert Event.objects.filter(kind=EventKind.MEMO_SIGNED, object_id=memo.pk).count() == 1
