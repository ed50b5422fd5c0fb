"""Who may take a copy away, over the memo page's links and over the API: hidden memos are
404, a marking's export rule is 403 with the reason, a draft is 409, and a refusal leaves
nothing in the read record."""

import html
from typing import Any

import pytest
from django.test import Client

from dissent.events.models import Event, EventKind
from dissent.memos.models import MemoState, Visibility
from dissent.org.models import Person, Role

from ..conftest import Cast, signed_in
from ..factories import make_person
from .support import filed_memo

FORMATS = ["pdf", "json"]
VIAS = ["web", "api"]


def export(client: Client, memo_id: int, fmt: str, via: str) -> Any:
    if via == "web":
        return client.get(f"/memos/{memo_id}/export/{fmt}")
    return client.get(f"/api/v1/memos/{memo_id}/export", {"format": fmt})


def refusal_message(response: Any, via: str) -> str:
    if via == "api":
        assert response["Content-Type"] == "application/problem+json"
        return str(response.json()["detail"])
    return html.unescape(response.content.decode())


def exports_recorded(memo_id: int) -> list[Event]:
    reads = Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo_id)
    return [e for e in reads if "export" in e.payload]


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unrelated_member_gets_404_as_for_a_memo_that_does_not_exist(
    cast: Cast, fmt: str, via: str
) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED")
    erin = signed_in(cast.erin)

    hidden = export(erin, memo.pk, fmt, via)
    missing = export(erin, memo.pk + 1000, fmt, via)

    assert hidden.status_code == 404
    assert missing.status_code == 404
    assert "No such memo" in refusal_message(hidden, via)
    assert "No such memo" in refusal_message(missing, via)
    assert exports_recorded(memo.pk) == []


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_cosigner_of_an_sbu_memo_may_read_it_but_gets_403_naming_the_marking(
    cast: Cast, fmt: str, via: str
) -> None:
    memo = filed_memo(cast.alice, cast.paula, invitees=[cast.bob], signers=[(cast.bob, Visibility.NAMED)])
    bob = signed_in(cast.bob)

    response = export(bob, memo.pk, fmt, via)

    assert response.status_code == 403
    message = refusal_message(response, via)
    assert "SENSITIVE BUT UNCLASSIFIED" in message
    assert "co-signers may read it here but not export it" in message
    assert bob.get(f"/memos/{memo.pk}/").status_code == 200
    assert exports_recorded(memo.pk) == []


@pytest.mark.parametrize("via", VIAS)
def test_a_cosigner_may_export_an_unclassified_memo(cast: Cast, via: str) -> None:
    memo = filed_memo(
        cast.alice,
        cast.paula,
        marking="UNCLASSIFIED",
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )

    response = export(signed_in(cast.bob), memo.pk, "pdf", via)

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_confidential_memo_is_exported_by_custodians_only(cast: Cast, fmt: str, via: str) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="CONFIDENTIAL")

    by_drafter = export(signed_in(cast.alice), memo.pk, fmt, via)
    by_addressee = export(signed_in(cast.paula), memo.pk, fmt, via)
    by_custodian = export(signed_in(cast.carol), memo.pk, fmt, via)

    for refused in (by_drafter, by_addressee):
        assert refused.status_code == 403
        assert "marked CONFIDENTIAL: only the channel's custodians may export it" in refusal_message(
            refused, via
        )
    assert by_custodian.status_code == 200
    assert [e.actor_id for e in exports_recorded(memo.pk)] == [cast.carol.pk]


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_draft_cannot_be_exported_yet(cast: Cast, fmt: str, via: str) -> None:
    draft = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED", state=MemoState.DRAFT)

    response = export(signed_in(cast.alice), draft.pk, fmt, via)

    assert response.status_code == 409
    assert "exported once it is filed" in refusal_message(response, via)


@pytest.mark.parametrize("via", VIAS)
def test_an_auditor_sees_the_record_but_may_not_export(cast: Cast, via: str) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED")

    response = export(signed_in(cast.audrey), memo.pk, "json", via)

    assert response.status_code == 403
    assert exports_recorded(memo.pk) == []


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("alice", True), ("paula", True), ("carol", True), ("bob", False), ("ivan", False), ("erin", False)],
)
def test_who_may_export_an_sbu_memo(cast: Cast, who: str, allowed: bool) -> None:
    memo = filed_memo(
        cast.alice, cast.paula, invitees=[cast.bob, cast.ivan], signers=[(cast.bob, Visibility.PROTECTED)]
    )
    person: Person = getattr(cast, who)

    response = export(signed_in(person), memo.pk, "json", "api")

    assert (response.status_code == 200) is allowed
    assert len(exports_recorded(memo.pk)) == (1 if allowed else 0)


def test_the_reviewer_may_export(cast: Cast) -> None:
    from dissent.memos import responses

    memo = filed_memo(cast.alice, cast.paula)
    responses.assign_reviewer(memo, cast.carol, reviewer=cast.peter.username)

    response = export(signed_in(cast.peter), memo.pk, "pdf", "web")

    assert response.status_code == 200


@pytest.mark.parametrize("value", ["docx", "PDF", "", "../pdf"])
def test_the_api_names_the_formats_it_knows(cast: Cast, value: str) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED")

    response = signed_in(cast.alice).get(f"/api/v1/memos/{memo.pk}/export", {"format": value})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Invalid input. format: Input should be 'pdf' or 'json'"
    assert exports_recorded(memo.pk) == []


def test_the_api_needs_a_format(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED")

    response = signed_in(cast.alice).get(f"/api/v1/memos/{memo.pk}/export")

    assert response.status_code == 422
    assert "format" in response.json()["detail"]


def test_the_web_export_answers_get_only(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED")
    client = signed_in(cast.alice)
    token = client.cookies["csrftoken"].value

    response = client.post(f"/memos/{memo.pk}/export/pdf", {"csrfmiddlewaretoken": token})

    assert response.status_code == 405
    assert exports_recorded(memo.pk) == []


def test_signed_out_visitors_are_sent_to_sign_in_or_get_401(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula, marking="UNCLASSIFIED")

    page = Client().get(f"/memos/{memo.pk}/export/pdf")
    api = Client().get(f"/api/v1/memos/{memo.pk}/export", {"format": "pdf"})

    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    assert api.status_code == 401


def test_a_custodian_in_the_chain_of_command_may_still_export(db: None) -> None:
    """Exporting is about the memo; the signer's protection is about names (test_json)."""
    cora = make_person("cora", Role.CUSTODIAN)
    sam = make_person("sam", supervisor=cora)
    drafter, addressee = make_person("dina"), make_person("pia", Role.PRINCIPAL)
    memo = filed_memo(drafter, addressee, invitees=[sam], signers=[(sam, Visibility.PROTECTED)])

    response = export(signed_in(cora), memo.pk, "json", "api")

    assert response.status_code == 200
