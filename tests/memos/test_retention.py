"""Retention: texts and identities of long-closed memos are purged; the count and the
log's hashes stay, so receipts handed out at filing still verify."""

import io
from datetime import UTC, datetime, timedelta

import time_machine
from django.core.management import call_command

from dissent.deadlines.models import ChannelSettings
from dissent.events.models import Event
from dissent.log.queries import consistency, latest_tree_head
from dissent.log.receipts import filing_receipt
from dissent.log.sequencer import integrate_pending
from dissent.log.verify import check_receipt
from dissent.memos import retention
from dissent.memos.models import Memo, MemoState, Signature, Visibility

from ..conftest import Cast, signed_in
from ..factories import make_memo

CLOSED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _closed_memo(cast: Cast, title: str = "Change course") -> Memo:
    with time_machine.travel(CLOSED, tick=False):
        return make_memo(
            MemoState.CLOSED,
            drafter=cast.alice,
            addressee=cast.paula,
            custodian=cast.carol,
            invitees=[cast.bob, cast.ivan],
            signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
            title=title,
        )


def test_without_a_retention_period_nothing_is_purged(cast: Cast) -> None:
    _closed_memo(cast)
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "No retention period is set" in out.getvalue()
    assert retention.purge().memos == []


def test_the_dry_run_names_what_would_go_and_changes_nothing(cast: Cast) -> None:
    memo = _closed_memo(cast)
    ChannelSettings.objects.create(retention_days=30)
    events_before = list(Event.objects.values_list("record", flat=True))

    with time_machine.travel(CLOSED + timedelta(days=31)):
        out = io.StringIO()
        call_command("purge", "--dry-run", stdout=out)
    with time_machine.travel(CLOSED + timedelta(days=29)):
        assert retention.plan().memos == []  # not yet due

    report = out.getvalue()
    assert f"memo {memo.pk}, closed 2026-01-05" in report and "2 signature(s)" in report
    memo.refresh_from_db()
    assert memo.title == "Change course" and memo.purged_at is None
    assert list(Event.objects.values_list("record", flat=True)) == events_before


def test_a_purge_removes_texts_and_identities_and_keeps_the_count_and_the_receipts(cast: Cast) -> None:
    memo = _closed_memo(cast)
    other = make_memo(MemoState.FILED, drafter=cast.erin, addressee=cast.paula, title="Still open")
    integrate_pending()
    receipt = filing_receipt(memo.pk)
    ChannelSettings.objects.create(retention_days=30)

    with time_machine.travel(CLOSED + timedelta(days=31)):
        call_command("purge", stdout=io.StringIO())

    memo.refresh_from_db()
    assert (memo.title, memo.summary, memo.body, memo.created_by_id) == ("", "", "", None)
    assert not memo.drafters.exists() and not memo.invitations.exists()
    rows = Signature.objects.filter(memo=memo)
    assert rows.count() == 2 and all(r.purged and r.person_id is None and not r.signer_sealed for r in rows)
    memo_events = Event.objects.filter(object_type="memo", object_id=memo.pk).exclude(kind="memo.purged")
    assert memo_events.exists() and all(
        e.record == "" and e.actor_id is None and e.payload == {} for e in memo_events
    )
    assert Event.objects.filter(object_type="memo", object_id=other.pk, purged_at__isnull=True).exists()

    page = signed_in(cast.carol).get(f"/memos/{memo.pk}/").content.decode()
    assert "purged under the retention policy" in page and "2 signatures" in page
    assert "Change course" not in page and "Ivan Tester" not in page

    # the receipt handed out at filing still verifies, against a later tree head too
    integrate_pending()
    later = latest_tree_head()
    assert later is not None
    proof = consistency(receipt["tree_head"]["tree_size"], later["tree_size"])
    assert check_receipt(receipt, {"tree_head": later, "consistency_proof": proof["proof"]}) == []


def test_the_log_still_verifies_after_a_purge(cast: Cast) -> None:
    from dissent.log.audit import verify_log

    _closed_memo(cast)
    integrate_pending()
    ChannelSettings.objects.create(retention_days=30)
    with time_machine.travel(CLOSED + timedelta(days=31)):
        retention.purge()
    integrate_pending()

    verdict = verify_log(record_outcome=False)

    assert verdict.ok, verdict


def test_emptying_an_event_by_hand_still_fails_verifylog(cast: Cast) -> None:
    from dissent.events.retention import purge_events
    from dissent.log.audit import verify_log

    memo = _closed_memo(cast)
    integrate_pending()
    signed = Event.objects.filter(object_type="memo", object_id=memo.pk, kind="memo.signed").first()
    assert signed is not None

    purge_events([signed.pk])  # no logged purge names it

    verdict = verify_log(record_outcome=False)
    assert (
        not verdict.ok
        and f"(event {signed.pk}): its record is empty and no logged purge names it" in verdict.message
    )
