"""The organisation's side of a memo: acknowledgment, reviewer, reply approval, meetings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dissent import identities
from dissent.deadlines.models import ChannelSettings
from dissent.errors import AlreadyDone, InvalidInput, InvalidState, NotAllowed, NotFound
from dissent.events.models import Event, EventKind
from dissent.memos import policy, queries, responses
from dissent.memos.models import Acknowledgment, MemoState, Reply, Visibility
from dissent.memos.policy import Action

from ..conftest import Cast, signed_in
from ..factories import make_memo


def _filed(cast: Cast, state: MemoState = MemoState.FILED):  # type: ignore[no-untyped-def]
    return make_memo(
        state,
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )


def test_a_blank_acknowledgment_sends_the_standard_text_with_the_reply_date(cast: Cast) -> None:
    memo = _filed(cast)
    responses.acknowledge_memo(memo, cast.carol, text="   ")
    text = Acknowledgment.objects.get(memo=memo).text
    assert "will send a substantive reply by" in text
    assert memo.reply_due is not None and memo.reply_due.strftime("%Y-%m-%d") in text


def test_an_acknowledgment_with_a_nul_byte_is_refused_and_changes_nothing(cast: Cast) -> None:
    memo = _filed(cast)
    events = Event.objects.count()
    with pytest.raises(InvalidInput):
        responses.acknowledge_memo(memo, cast.carol, text="Received\x00")
    memo.refresh_from_db()
    assert memo.state == MemoState.FILED and Event.objects.count() == events


def test_the_eu_preset_counts_the_reply_from_the_acknowledgment(cast: Cast, settings: object) -> None:
    settings.CHANNEL_PRESET = "eu-whistleblowing"  # type: ignore[attr-defined]
    memo = _filed(cast)
    assert memo.reply_due is not None and memo.filed_at is not None
    before = memo.reply_due  # 3 months from the end of the 7-day acknowledgment period

    responses.acknowledge_memo(memo, cast.carol)

    memo.refresh_from_db()
    assert memo.reply_due is not None and memo.reply_due < before  # 3 months from today instead
    event = Event.objects.get(kind=EventKind.MEMO_ACKNOWLEDGED, object_id=memo.pk)
    assert event.payload["reply_due"].startswith(memo.reply_due.strftime("%Y-%m-%d"))


def test_only_custodians_and_principals_who_did_not_sign_can_review(cast: Cast) -> None:
    memo = _filed(cast)
    with pytest.raises(InvalidInput, match="custodians or principals"):
        responses.assign_reviewer(memo, cast.carol, reviewer="erin")
    with pytest.raises(InvalidInput, match="custodians or principals"):
        responses.assign_reviewer(memo, cast.carol, reviewer="no-such-person")
    responses.assign_reviewer(memo, cast.carol, reviewer="peter")
    with pytest.raises(AlreadyDone):
        responses.assign_reviewer(memo, cast.carol, reviewer="peter")


def test_the_reviewer_sees_the_memo_and_drafts_the_reply_which_the_dissenters_do_not_see(cast: Cast) -> None:
    memo = _filed(cast, MemoState.ACKNOWLEDGED)
    with pytest.raises(NotFound):
        policy.get_memo(cast.peter, memo.pk)  # not yet the reviewer: the memo is hidden

    responses.assign_reviewer(memo, cast.carol, reviewer="peter")
    reviewing = policy.get_memo(cast.peter, memo.pk, action=Action.DRAFT_REPLY)
    responses.draft_reply(reviewing, cast.peter, text="We will change course in part.", marking="SBU")

    assert queries.response_seen_by(cast.alice, policy.get_memo(cast.alice, memo.pk)).reply is None
    assert "We will change course" not in signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()
    assert "We will change course" in signed_in(cast.paula).get(f"/memos/{memo.pk}/").content.decode()


def test_a_reply_needs_a_second_person_unless_the_settings_say_otherwise(cast: Cast) -> None:
    memo = _filed(cast, MemoState.ACKNOWLEDGED)
    with pytest.raises(InvalidState, match="no drafted reply"):
        responses.approve_reply(memo, cast.carol)
    responses.draft_reply(memo, cast.carol, text="Our answer.", marking="UNCLASSIFIED")
    with pytest.raises(NotAllowed, match="other than the reply's author"):
        responses.approve_reply(memo, cast.carol)
    assert not Reply.objects.get(memo=memo).is_sent

    ChannelSettings.objects.create(reply_needs_second_person=False)
    reply = responses.approve_reply(memo, cast.carol)

    memo.refresh_from_db()
    assert reply.is_sent and memo.state == MemoState.REPLIED
    assert queries.response_seen_by(cast.bob, memo).reply == reply  # the protected signer reads it too


def test_a_reply_with_an_unknown_marking_is_refused_and_changes_nothing(cast: Cast) -> None:
    memo = _filed(cast, MemoState.ACKNOWLEDGED)
    with pytest.raises(InvalidInput, match="handling marking"):
        responses.draft_reply(memo, cast.carol, text="Our answer.", marking="TOP-SECRET")
    assert not Reply.objects.filter(memo=memo).exists()


def _meeting(cast: Cast):  # type: ignore[no-untyped-def]
    memo = _filed(cast)
    responses.set_meeting_preference(memo, cast.bob, open_to_meeting=True)
    return memo, responses.propose_meeting(
        memo, cast.paula, starts_at=timezone.now() + timedelta(days=2), place="Room 4", agenda="Your memo."
    )


def test_meeting_invitees_are_the_drafters_and_the_signers_who_opted_in(cast: Cast) -> None:
    _, meeting = _meeting(cast)
    invitations = list(meeting.invitations.select_related("person"))
    named = {i.person.username for i in invitations if i.person is not None}
    assert named == {"alice"}  # ivan signed but did not opt in
    [hidden] = [i for i in invitations if i.person is None]
    assert hidden.protected and identities.unseal(hidden.person_sealed) == cast.bob.pk  # bob, sealed


def test_the_proposer_sees_a_protected_invitee_named_only_after_they_accept(cast: Cast) -> None:
    memo, meeting = _meeting(cast)

    def names_for(person):  # type: ignore[no-untyped-def]
        [view] = queries.meetings_seen_by(person, memo)
        return sorted(str(line.name) for line in view.invitees)

    assert names_for(cast.paula) == ["Alice Tester", "None"]
    assert "Bob Tester" not in signed_in(cast.paula).get(f"/memos/{memo.pk}/").content.decode()
    assert names_for(cast.carol) == ["Alice Tester", "Bob Tester"]  # custodians see protected names
    assert names_for(cast.bob) == ["Alice Tester", "Bob Tester"]  # and bob sees himself

    responses.answer_meeting(meeting.pk, cast.bob, accept=False)
    assert names_for(cast.paula) == ["Alice Tester", "None"]
    responses.answer_meeting(meeting.pk, cast.bob, accept=True)
    assert names_for(cast.paula) == ["Alice Tester", "Bob Tester"]


def test_meetings_are_hidden_from_the_signers_who_were_not_invited(cast: Cast) -> None:
    memo, _ = _meeting(cast)
    assert queries.meetings_seen_by(cast.ivan, memo) == []


def test_meeting_answers_are_checked(cast: Cast) -> None:
    _, meeting = _meeting(cast)
    with pytest.raises(NotFound):
        responses.answer_meeting(meeting.pk, cast.ivan, accept=True)  # not invited
    responses.answer_meeting(meeting.pk, cast.bob, accept=True)
    with pytest.raises(AlreadyDone):
        responses.answer_meeting(meeting.pk, cast.bob, accept=True)


def test_a_meeting_in_the_past_or_without_a_time_zone_is_refused(cast: Cast) -> None:
    memo = _filed(cast)
    with pytest.raises(InvalidInput, match="future"):
        responses.propose_meeting(memo, cast.paula, starts_at=timezone.now() - timedelta(hours=1), place="R")
    with pytest.raises(InvalidInput, match="time zone"):
        responses.propose_meeting(memo, cast.paula, starts_at=timezone.now().replace(tzinfo=None), place="R")
    assert not memo.meetings.exists()


def test_the_whole_response_works_from_the_memo_page(cast: Cast) -> None:
    from .test_pages import post

    memo = _filed(cast)
    responses.set_meeting_preference(memo, cast.bob, open_to_meeting=True)
    carol, peter, paula, bob = (signed_in(p) for p in (cast.carol, cast.peter, cast.paula, cast.bob))
    page = f"/memos/{memo.pk}/"

    assert post(carol, page + "acknowledge/", {"text": ""}).status_code == 302
    assert post(carol, page + "reviewer/", {"reviewer": "peter"}).status_code == 302
    assert (
        post(peter, page + "reply/", {"text": "**We agree** in part.", "marking": "SBU"}).status_code == 302
    )
    assert "Approve and send the reply" in paula.get(page).content.decode()
    assert post(paula, page + "reply/approve/", {}).status_code == 302
    assert "<strong>We agree</strong> in part." in bob.get(page).content.decode()

    when = (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    assert (
        post(paula, page + "meetings/", {"starts_at": when, "place": "Room 2", "agenda": ""}).status_code
        == 302
    )
    meeting = memo.meetings.get()
    assert post(bob, page + f"meetings/{meeting.pk}/answer/", {"accept": "yes"}).status_code == 302
    assert "Bob Tester" in paula.get(page).content.decode()

    refused = post(paula, page + "meetings/", {"starts_at": "yesterday", "place": "Room 2"})
    assert refused.status_code == 400 and memo.meetings.count() == 1


def test_the_banner_shows_the_highest_marking_of_memo_and_reply(cast: Cast) -> None:
    memo = _filed(cast, MemoState.ACKNOWLEDGED)  # marked SBU
    responses.draft_reply(memo, cast.carol, text="Our answer.", marking="CONFIDENTIAL")
    page = signed_in(cast.carol).get(f"/memos/{memo.pk}/").content.decode()
    assert page.count('class="marking-banner marking-confidential"') == 2  # top and bottom
    assert "marking-banner marking-sbu" not in page
    # the drafter, who does not see the draft, sees the memo's own marking
    assert (
        signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode().count("marking-banner marking-sbu")
        == 2
    )
