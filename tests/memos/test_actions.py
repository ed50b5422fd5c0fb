"""Bad input gets a clear error and changes nothing."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from dissent.errors import AlreadyDone, InvalidInput, InvalidState, NotAllowed, NotFound
from dissent.events.models import Event, EventKind
from dissent.memos import actions, policy
from dissent.memos.content import content_sha256, render_markdown
from dissent.memos.models import Memo, MemoState, Signature, Visibility

from ..conftest import Cast
from ..factories import make_draft, make_memo


def snapshot() -> tuple[int, int, int]:
    return Memo.objects.count(), Signature.objects.count(), Event.objects.count()


def open_memo(cast: Cast) -> Memo:
    return make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.NAMED)],
    )


def test_signing_twice_is_refused_and_changes_nothing(cast: Cast) -> None:
    memo = open_memo(cast)
    before = snapshot()

    with pytest.raises(AlreadyDone, match="already signed"):
        actions.sign_memo(memo, cast.bob, visibility=Visibility.PROTECTED)

    assert snapshot() == before
    assert memo.signatures.get(person=cast.bob).visibility == Visibility.NAMED


def test_a_signature_takes_two_statements_on_postgresql(cast: Cast) -> None:
    """The hot path of a crisis: the standing check (which draws the signature's id), then
    the signature, its event and the event's log queue row in one statement. Elsewhere the
    database assigns the ids, so each row is a statement of its own."""
    memo = open_memo(cast)
    with CaptureQueriesContext(connection) as captured:
        signature = actions.sign_memo(memo, cast.ivan, visibility=Visibility.NAMED)

    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == (2 if connection.vendor == "postgresql" else 4), statements
    event = Event.objects.get(kind=EventKind.MEMO_SIGNED, object_id=memo.pk, actor=cast.ivan)
    assert event.payload["signature"] == signature.pk == memo.signatures.get(person=cast.ivan).pk


def test_signing_a_filed_memo_is_refused(cast: Cast) -> None:
    memo = open_memo(cast)
    actions.file_memo(memo, cast.alice)
    before = snapshot()

    with pytest.raises(InvalidState, match="not open for signatures"):
        actions.sign_memo(memo, cast.alice, visibility=Visibility.NAMED)

    assert snapshot() == before


def test_withdrawing_a_signature_one_never_gave_is_refused(cast: Cast) -> None:
    memo = open_memo(cast)
    before = snapshot()

    with pytest.raises(NotAllowed, match="have not signed"):
        actions.withdraw_signature(memo, cast.ivan)

    assert snapshot() == before


def test_a_stranger_cannot_withdraw_anyones_signature_or_learn_the_memo_exists(cast: Cast) -> None:
    memo = open_memo(cast)
    before = snapshot()

    with pytest.raises(NotFound, match="No such memo"):
        actions.withdraw_signature(memo, cast.erin)

    assert snapshot() == before


def test_withdrawing_after_filing_is_refused(cast: Cast) -> None:
    memo = open_memo(cast)
    actions.file_memo(memo, cast.alice)
    before = snapshot()

    with pytest.raises(InvalidState, match="only be withdrawn while the memo is open"):
        actions.withdraw_signature(memo, cast.bob)

    assert snapshot() == before


def test_editing_a_filed_memo_is_refused_and_the_filed_text_stays(cast: Cast) -> None:
    memo = open_memo(cast)
    actions.file_memo(memo, cast.alice)
    memo.refresh_from_db()
    filed_hash = memo.content_sha256
    before = snapshot()

    with pytest.raises(InvalidState, match="add an addendum"):
        actions.edit_memo(
            memo,
            cast.alice,
            title="Rewritten",
            summary="s",
            body="b",
            policy_questioned="p",
            addressee="paula",
            marking="SBU",
        )

    memo.refresh_from_db()
    assert memo.title == "Change course"
    assert content_sha256(memo) == filed_hash
    assert snapshot() == before


@override_settings(MEMO_BODY_MAX_CHARS=1000)
def test_a_body_over_the_limit_is_refused(cast: Cast) -> None:
    before = snapshot()

    with pytest.raises(InvalidInput, match="Body is too long: 1001 characters, at most 1000"):
        actions.create_memo(
            cast.alice,
            title="t",
            summary="s",
            body="x" * 1001,
            policy_questioned="p",
            addressee="paula",
            marking="SBU",
        )

    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Title is required"),
        ("title", "x" * 201, "Title is too long"),
        ("title", "nul\x00byte", "NUL character"),
        ("addressee", "erin", "must be one of the channel's principals"),
        ("addressee", "nobody", "must be one of the channel's principals"),
        ("marking", "TOP-SECRET", "handling marking"),
        ("marking", "", "handling marking"),
    ],
)
def test_invalid_memo_fields_are_refused_with_a_clear_message(
    cast: Cast, field: str, value: str, message: str
) -> None:
    content = {
        "title": "t",
        "summary": "s",
        "body": "b",
        "policy_questioned": "p",
        "addressee": "paula",
        "marking": "SBU",
    }
    content[field] = value
    before = snapshot()

    with pytest.raises(InvalidInput, match=message):
        actions.create_memo(cast.alice, **content)

    assert snapshot() == before


def test_inviting_unknown_people_invites_nobody(cast: Cast) -> None:
    memo = make_draft(cast.alice, cast.paula)
    before = snapshot()

    with pytest.raises(InvalidInput, match="ghost"):
        actions.invite(memo, cast.alice, usernames=["bob", "ghost"])

    assert snapshot() == before
    assert not memo.invitations.exists()


def test_inviting_someone_twice_keeps_one_invitation(cast: Cast) -> None:
    memo = make_draft(cast.alice, cast.paula)
    actions.invite(memo, cast.alice, usernames=["bob"])

    added = actions.invite(memo, cast.alice, usernames=["bob", "ivan"])

    assert [p.username for p in added] == ["ivan"]
    assert memo.invitations.count() == 2


def test_auditors_do_not_draft(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        make_draft(cast.audrey, cast.paula)


def test_an_unknown_memo_id_is_not_found(cast: Cast) -> None:
    with pytest.raises(NotFound):
        policy.get_memo(cast.alice, 999_999)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg><script>alert(1)</script></svg>",
        '<iframe src="https://evil.example"></iframe>',
        "<scr<script>ipt>alert(1)</script>",
        "**unclosed <b>bold <i>italic",
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_no_script_survives_rendering(hostile: str) -> None:
    html = render_markdown(hostile).lower()

    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "onerror=" not in html
    assert "<iframe" not in html
    assert "style=" not in html


def test_markdown_still_renders_as_formatting() -> None:
    html = render_markdown("## Why\n\n**Because** it *fails*.\n\n- one\n- two")

    assert "<h2>Why</h2>" in html
    assert "<strong>Because</strong>" in html
    assert "<li>one</li>" in html


def test_filing_records_the_content_hash_and_the_exact_signatures(cast: Cast) -> None:
    memo = open_memo(cast)
    actions.sign_memo(memo, cast.ivan, visibility=Visibility.PROTECTED)

    actions.file_memo(memo, cast.alice)

    memo.refresh_from_db()
    event = Event.objects.get(kind=EventKind.MEMO_FILED, object_id=memo.pk)
    assert event.payload["signature_count"] == 2
    assert sorted(event.payload["signatures"]) == sorted(memo.signatures.values_list("pk", flat=True))
    assert event.payload["content_sha256"] == memo.content_sha256 == content_sha256(memo)
    assert memo.filed_at is not None


def test_every_action_records_an_event(cast: Cast) -> None:
    memo = make_memo(
        MemoState.CLOSED,
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )

    kinds = list(Event.objects.filter(object_id=memo.pk, object_type="memo").values_list("kind", flat=True))

    assert kinds == [
        EventKind.MEMO_CREATED,
        EventKind.MEMO_INVITED,
        EventKind.MEMO_OPENED,
        EventKind.MEMO_SIGNED,
        EventKind.MEMO_FILED,
        EventKind.MEMO_ACKNOWLEDGED,
        EventKind.MEMO_REPLY_DRAFTED,
        EventKind.MEMO_REPLIED,
        EventKind.MEMO_CLOSED,
    ]


def test_addenda_correct_a_filed_memo_without_changing_it(cast: Cast) -> None:
    memo = open_memo(cast)
    actions.file_memo(memo, cast.alice)
    memo.refresh_from_db()
    filed_hash = memo.content_sha256

    actions.add_addendum(memo, cast.alice, body="We misstated a date in paragraph 2.")

    memo.refresh_from_db()
    assert memo.addenda.count() == 1
    assert content_sha256(memo) == filed_hash


def test_transition_to_an_unknown_state_is_refused(cast: Cast) -> None:
    memo = make_draft(cast.alice, cast.paula)

    with pytest.raises(InvalidInput, match="Unknown target state"):
        actions.transition(memo, cast.alice, "published")
