"""The memo pages, signed in through the real sign-in page."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dissent import identities
from dissent.memos.models import Acknowledgment, Memo, MemoState, Signature, Visibility
from dissent.org.models import Person, Role

from ..conftest import Cast, csrf, signed_in
from ..factories import make_draft, make_memo


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, {**data, "csrfmiddlewaretoken": csrf(client)})


def test_signing_in_leads_to_my_memos(cast: Cast) -> None:
    make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="My own draft")

    page = signed_in(cast.alice).get("/")

    assert page.status_code == 200
    assert "My own draft" in page.content.decode()


def test_pages_require_sign_in(db: None) -> None:
    response = Client().get("/memos/new/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_member_drafts_a_memo_through_the_form(cast: Cast) -> None:
    client = signed_in(cast.alice)
    form = {
        "title": "Change course",
        "summary": "Why.",
        "body": "Because.",
        "policy": "Regional policy",
        "addressee": "paula",
        "marking": "SBU",
    }

    response = post(client, "/memos/new/", form)

    memo = Memo.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/memos/{memo.pk}/"
    assert memo.drafters.filter(person=cast.alice).exists()


def test_an_invalid_form_is_shown_again_with_400(cast: Cast) -> None:
    client = signed_in(cast.alice)

    response = post(client, "/memos/new/", {"title": "", "addressee": "paula", "marking": "SBU"})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert Memo.objects.count() == 0


def test_the_memo_page_shows_banner_count_and_the_sign_form(cast: Cast) -> None:
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )

    html = signed_in(cast.ivan).get(f"/memos/{memo.pk}/").content.decode()

    assert html.count("SENSITIVE BUT UNCLASSIFIED") == 2  # top and bottom banners
    assert '<strong class="signature-count">1</strong>' in html
    assert "Protected signer" in html
    assert "Bob Tester" not in html
    assert f'action="/memos/{memo.pk}/sign/"' in html
    assert "Who can see this" in html


def test_signing_and_withdrawing_through_the_page(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    client = signed_in(cast.bob)

    assert post(client, f"/memos/{memo.pk}/sign/", {"visibility": "named"}).status_code == 302
    assert memo.signatures.filter(person=cast.bob).exists()
    assert post(client, f"/memos/{memo.pk}/unsign/", {}).status_code == 302
    assert not memo.signatures.exists()


def test_signing_twice_through_the_page_shows_the_message_with_409(cast: Cast) -> None:
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )

    response = post(signed_in(cast.bob), f"/memos/{memo.pk}/sign/", {"visibility": "named"})

    assert response.status_code == 409
    assert "You have already signed this memo." in response.content.decode()
    assert memo.signatures.count() == 1


def test_a_hidden_memo_page_is_404(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])

    assert signed_in(cast.erin).get(f"/memos/{memo.pk}/").status_code == 404
    assert post(signed_in(cast.erin), f"/memos/{memo.pk}/sign/", {"visibility": "named"}).status_code == 404


def test_a_custodian_acknowledges_from_the_page(cast: Cast) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    page = signed_in(cast.carol).get(f"/memos/{memo.pk}/").content.decode()
    assert "will send a substantive reply by" in page  # the standard text, ready to edit

    response = post(signed_in(cast.carol), f"/memos/{memo.pk}/acknowledge/", {"text": "Received, thank you."})

    assert response.status_code == 302
    assert Memo.objects.get(pk=memo.pk).state == "acknowledged"
    assert Acknowledgment.objects.get(memo=memo).text == "Received, thank you."
    assert "Received, thank you." in signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()


def test_the_queue_page_is_for_custodians(cast: Cast) -> None:
    make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Waiting memo")

    assert "Waiting memo" in signed_in(cast.carol).get("/queue/").content.decode()
    assert signed_in(cast.alice).get("/queue/").status_code == 403


def test_hostile_titles_are_escaped(cast: Cast) -> None:
    memo = make_memo(
        MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="<script>alert(1)</script>"
    )

    html = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Query budgets: the number of SQL queries must not grow with the number of rows.


def _add_signers(memo: Memo, count: int, *, start: int = 0) -> None:
    people = Person.objects.bulk_create(
        [Person(username=f"signer{start + i}", password="!", role=Role.MEMBER) for i in range(count)]
    )
    Signature.objects.bulk_create(
        [
            Signature(
                memo=memo,
                signer_sealed=identities.seal(p.pk),
                signer_tag=identities.signer_tag(p.pk),
                visibility=Visibility.PROTECTED,
            )
            if i % 3
            else Signature(memo=memo, person=p, visibility=Visibility.NAMED)
            for i, p in enumerate(people)
        ]
    )


def _queries(client: Client, path: str) -> int:
    from django.core.cache import cache

    cache.clear()  # each measured request starts cold, so two measurements compare
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("viewer", ["alice", "carol"])
def test_memo_page_with_1000_signatures_runs_a_constant_number_of_queries(cast: Cast, viewer: str) -> None:
    small = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Small")
    large = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Large")
    _add_signers(small, 10)
    _add_signers(large, 1000, start=10)
    client = signed_in(getattr(cast, viewer))

    small_count = _queries(client, f"/memos/{small.pk}/")
    large_count = _queries(client, f"/memos/{large.pk}/")

    assert large_count == small_count
    # session, person, memo, the read record (am I a protected signer, event, queue entry,
    # counts), signatures, reply, meetings, addenda, extensions, the channel policy for the
    # deadlines (2); alice's page also locates her filing receipt (3); carol's unseals the
    # protected signers (their names in one query, her subordinates in another), records
    # that she was shown them (event, queue entry) and fills her forms' choices (2); the
    # distribution list names the drafters, the custodians and the added readers (3); the
    # caveats on the memo and, for carol, those she may add (2); who may extend (1); carol's
    # session names the authenticator that passed its second step (django-otp, 1).
    assert large_count <= 31
    assert "1000 signatures" in client.get(f"/memos/{large.pk}/").content.decode()


def test_custodian_queue_with_1000_memos_runs_a_constant_number_of_queries(cast: Cast) -> None:
    template = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)
    client = signed_in(cast.carol)
    few = _queries(client, "/queue/")
    Memo.objects.bulk_create(
        [
            Memo(
                title=f"Memo {i}",
                summary="s",
                body="b",
                policy="p",
                addressee=cast.paula,
                marking=template.marking,
                state=MemoState.FILED,
                created_by=cast.alice,
                filed_at=template.filed_at,
            )
            for i in range(1000)
        ]
    )

    many = _queries(client, "/queue/")
    api_many = _queries(client, "/api/v1/queue?limit=500")

    assert many == few
    # session, person, the second step's authenticator (django-otp), the queue
    assert many <= 5
    assert api_many <= 5
    assert client.get("/queue/").content.decode().count("/memos/") >= 1001


def test_a_drafter_of_a_closed_memo_is_told_there_is_nothing_to_do(cast: Cast) -> None:
    memo = make_memo(MemoState.CLOSED, drafter=cast.alice, addressee=cast.paula, custodian=cast.carol)

    html = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()

    assert "Nothing to do here for you right now." in html


def test_lists_carry_the_highest_marking_of_the_memos_they_show(cast: Cast) -> None:
    make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Marked SBU")
    confidential = make_draft(cast.alice, cast.paula, marking="CONFIDENTIAL", title="Marked CONFIDENTIAL")
    assert confidential.marking.code == "CONFIDENTIAL"

    home = signed_in(cast.alice).get("/").content.decode()
    inbox = signed_in(cast.paula).get("/inbox/").content.decode()

    assert home.count('class="marking-banner marking-confidential"') == 2
    assert inbox.count('class="marking-banner marking-sbu"') == 2  # paula sees only the filed SBU memo
    assert 'class="marking-banner' not in signed_in(cast.erin).get("/").content.decode()  # nothing listed


def test_the_edit_page_of_a_marked_draft_carries_its_banner(cast: Cast) -> None:
    memo = make_draft(cast.alice, cast.paula, marking="CONFIDENTIAL")
    page = signed_in(cast.alice).get(f"/memos/{memo.pk}/edit/").content.decode()
    assert page.count('class="marking-banner marking-confidential"') == 2


def test_the_signing_form_says_who_will_see_the_signers_name(cast: Cast) -> None:
    from ..factories import make_person

    vera = make_person("vera", Role.CUSTODIAN)
    cast.dave.supervisor = vera  # bob -> dave -> vera: vera must not see bob's protected name
    cast.dave.save()
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])

    html = signed_in(cast.bob).get(f"/memos/{memo.pk}/").content.decode()

    assert "Who will see your name" in html
    assert "only the custodians Carol Tester, once the memo is filed." in html
    assert "Not Vera Tester: they are in your chain of command." in html
    # Once signed, the form and its panel are gone.
    client = signed_in(cast.bob)
    assert post(client, f"/memos/{memo.pk}/sign/", {"visibility": "protected"}).status_code == 302
    assert "Who will see your name" not in client.get(f"/memos/{memo.pk}/").content.decode()
