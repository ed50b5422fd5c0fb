"""Two worker processes sequencing at once, while events keep arriving: every event gets
exactly one index, indices have no gaps, and every event is in a signed tree head within
the maximum merge delay."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from dissent.events.models import Event, PendingEvent
from dissent.log.audit import verify_log
from dissent.log.models import LogEntry, TreeHead
from dissent.memos import actions
from dissent.memos.models import MemoState, Visibility
from dissent.org.models import Role

from ..factories import make_memo, make_person

WORKERS = 2


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def start_worker() -> subprocess.Popen[bytes]:
    dissent = Path(sys.executable).with_name("dissent")
    env = {**os.environ, "DATABASE_URL": database_url(), "DISSENT_VAR_DIR": str(settings.VAR_DIR)}
    return subprocess.Popen([dissent, "worker", "--interval", "0.1", "--stop-after", "60"], env=env)  # noqa: S603


def wait_until_sequenced(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while PendingEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_give_every_event_one_index_without_gaps() -> None:
    alice = make_person("alice")
    paula = make_person("paula", Role.PRINCIPAL)
    signers = [make_person(f"signer{i}") for i in range(40)]
    memo = make_memo(MemoState.OPEN, drafter=alice, addressee=paula, invitees=signers)
    workers = [start_worker() for _ in range(WORKERS)]
    try:
        wait_until_sequenced()  # the workers are up once the set-up's events are in the log
        for signer in signers:  # events keep arriving while both workers sequence
            actions.sign_memo(memo, signer, visibility=Visibility.NAMED)
            time.sleep(0.05)
        wait_until_sequenced()
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)

    events = set(Event.objects.values_list("pk", flat=True))
    entries = list(LogEntry.objects.order_by("index").values_list("index", "event_id"))
    assert [index for index, _ in entries] == list(range(len(events)))
    assert {event for _, event in entries} == events
    assert verify_log(record_outcome=False).ok
    heads = list(TreeHead.objects.order_by("size").values_list("size", "created_at"))
    signed = set(Event.objects.filter(kind="memo.signed").values_list("pk", flat=True))
    for index, event_id in [(i, e) for i, e in entries if e in signed]:
        published = next(at for size, at in heads if size > index)
        delay = (published - Event.objects.get(pk=event_id).created_at).total_seconds()
        assert delay <= settings.LOG_MAX_MERGE_DELAY, f"event {event_id} waited {delay:.1f} s"
