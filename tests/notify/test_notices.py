"""Notifications go through a real SMTP server, one message per recipient, and never name
a protected signer to anyone else."""

from datetime import timedelta

import pytest
from django.template.loader import get_template
from django.utils import timezone

from dissent.memos import actions, responses
from dissent.memos.models import MemoState, Visibility
from dissent.notify.notices import NOTICES, render, send_notice
from dissent.worker import run_tasks

from ..conftest import Cast
from ..factories import make_memo, send_reply
from ..smtp import Inbox


def _filed(cast: Cast) -> int:
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )
    actions.file_memo(memo, cast.alice)
    return memo.pk


def test_every_notice_has_a_template() -> None:
    for notice in NOTICES:
        assert get_template(f"notify/{notice}.txt")


def test_filing_tells_the_custodians_and_the_addressee_each_in_a_message_of_their_own(
    cast: Cast, smtp: Inbox
) -> None:
    _filed(cast)
    assert smtp.received == []  # queued with the filing, sent by the worker

    assert run_tasks() >= 2

    assert sorted(r.envelope_to[0] for r in smtp.received) == ["carol@example.org", "paula@example.org"]
    for received in smtp.received:
        assert len(received.envelope_to) == 1
        assert received.message["To"] == received.envelope_to[0]
        assert received.message["Cc"] is None and received.message["Bcc"] is None
        assert received.subject.startswith("[SBU] Memo filed with the channel: Change course")
        assert "Signatures at filing: 2" in received.text
        assert "Bob" not in received.text  # the protected signer is not named


def test_an_acknowledgment_reaches_every_drafter_and_signer_separately(cast: Cast, smtp: Inbox) -> None:
    memo_id = _filed(cast)
    run_tasks()
    smtp.received.clear()
    memo = actions.Memo.objects.get(pk=memo_id)

    responses.acknowledge_memo(memo, cast.carol, text="We have your memo; we answer within 30 working days.")
    run_tasks()

    assert sorted(r.envelope_to[0] for r in smtp.received) == [
        "alice@example.org",
        "bob@example.org",
        "ivan@example.org",
    ]
    for received in smtp.received:
        assert len(received.envelope_to) == 1
        assert "We have your memo; we answer within 30 working days." in received.text
        assert "bob@example.org" not in str(received.message) or received.envelope_to == ["bob@example.org"]


def test_a_sent_reply_is_announced_but_its_text_stays_in_the_channel(cast: Cast, smtp: Inbox) -> None:
    memo = make_memo(MemoState.ACKNOWLEDGED, drafter=cast.alice, addressee=cast.paula, custodian=cast.carol)
    run_tasks()
    smtp.received.clear()

    send_reply(memo, cast.carol, approver=cast.paula, text="The confidential reasoning is here.")
    run_tasks()

    to_alice = smtp.to("alice@example.org")
    assert len(to_alice) == 1
    assert "replied" in to_alice[0].subject
    assert "The confidential reasoning is here." not in to_alice[0].text
    # approval requests went to the addressee (carol wrote the draft, so not to her)
    assert next(r.subject for r in smtp.to("paula@example.org")).startswith(
        "[SBU] A reply awaits your approval"
    )
    assert not [r for r in smtp.to("carol@example.org") if "awaits your approval" in r.subject]


def test_a_protected_signer_declining_a_meeting_stays_unnamed_to_the_proposer(
    cast: Cast, smtp: Inbox
) -> None:
    memo_id = _filed(cast)
    memo = actions.Memo.objects.get(pk=memo_id)
    responses.set_meeting_preference(memo, cast.bob, open_to_meeting=True)
    meeting = responses.propose_meeting(
        memo, cast.paula, starts_at=timezone.now() + timedelta(days=3), place="Room 7"
    )
    run_tasks()
    invited = {r.envelope_to[0] for r in smtp.received if "proposes a meeting" in r.subject}
    assert invited == {"alice@example.org", "bob@example.org"}  # ivan did not opt in
    assert "only if you accept" in smtp.to("bob@example.org")[-1].text
    smtp.received.clear()

    responses.answer_meeting(meeting.pk, cast.bob, accept=False)
    run_tasks()

    [answer] = smtp.to("paula@example.org")
    assert "A signer whose name is protected declined" in answer.text
    assert "Bob" not in answer.text


def test_a_protected_signer_who_accepts_is_named_to_the_proposer(cast: Cast, smtp: Inbox) -> None:
    memo_id = _filed(cast)
    memo = actions.Memo.objects.get(pk=memo_id)
    responses.set_meeting_preference(memo, cast.bob, open_to_meeting=True)
    meeting = responses.propose_meeting(
        memo, cast.paula, starts_at=timezone.now() + timedelta(days=3), place="R7"
    )
    run_tasks()
    smtp.received.clear()

    responses.answer_meeting(meeting.pk, cast.bob, accept=True)
    run_tasks()

    [answer] = smtp.to("paula@example.org")
    assert "Bob Tester accepted" in answer.text


def test_a_title_with_a_line_break_cannot_inject_headers(cast: Cast) -> None:
    message = render(
        cast.alice, "memo_acknowledged", {"title": "x", "marking": "SBU", "text": "t", "memo_id": 1}
    )
    assert message.subject == "[SBU] The channel acknowledged your memo: x"
    with pytest.raises(ValueError, match="unknown notice"):
        send_notice(cast.alice, "no_such_notice", {})


def test_people_without_an_address_are_skipped(cast: Cast, smtp: Inbox) -> None:
    cast.paula.email = ""
    cast.paula.save()
    _filed(cast)
    run_tasks()
    assert [r.envelope_to for r in smtp.received] == [["carol@example.org"]]


def test_a_title_stored_with_a_carriage_return_still_reaches_the_custodians(cast: Cast, smtp: Inbox) -> None:
    """Titles are one line since the hostile-input rules; one stored before them still goes out."""
    memo_id = _filed(cast)
    from dissent.memos.models import Memo

    Memo.objects.filter(pk=memo_id).update(title="Change\rcourse\u2028now")
    smtp.received.clear()
    message = render(cast.carol, "memo_filed", {"title": "Change\rcourse\u2028now", "marking": "SBU",
                                                 "memo_id": memo_id, "signature_count": 2})  # fmt: skip
    assert message.subject == "[SBU] Memo filed with the channel: Change course now"
    message.send()
    assert [r.subject for r in smtp.received] == ["[SBU] Memo filed with the channel: Change course now"]
