"""The JSON API as a client uses it: session sign-in, CSRF header, problem details."""

import json
from typing import Any

import pytest
from django.test import Client

from dissent.events.models import Event
from dissent.memos.models import Memo, MemoState, Signature, Visibility

from ..conftest import Cast, csrf, signed_in
from ..factories import make_memo


class Api:
    def __init__(self, client: Client) -> None:
        self.client = client

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            HTTP_X_CSRFTOKEN=csrf(self.client),
        )

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}")

    def post(self, path: str, body: Any) -> Any:
        return self._send("post", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def delete(self, path: str) -> Any:
        return self._send("delete", path)


def api(person: Any) -> Api:
    return Api(signed_in(person))


NEW_MEMO = {
    "title": "Change course on the war",
    "summary": "The policy is failing; we propose another.",
    "body": "## Why\n\nBecause.",
    "policy": "Regional policy",
    "addressee": "paula",
    "marking": "SBU",
}


def test_a_memo_goes_from_draft_to_closed_through_the_api(cast: Cast) -> None:
    alice, bob, carol = api(cast.alice), api(cast.bob), api(cast.carol)

    created = alice.post("/memos", NEW_MEMO)
    assert created.status_code == 201, created.content
    memo_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    assert alice.post(f"/memos/{memo_id}/invitations", {"usernames": ["bob"]}).json() == {"invited": ["bob"]}
    assert alice.post(f"/memos/{memo_id}/transitions", {"to": "open"}).json()["state"] == "open"
    signed = bob.post(f"/memos/{memo_id}/signatures", {"visibility": "protected"})
    assert signed.status_code == 201
    assert alice.post(f"/memos/{memo_id}/transitions", {"to": "filed"}).json()["state"] == "filed"
    acknowledged = carol.post(f"/memos/{memo_id}/acknowledgment", {"text": "Received; we reply by May."})
    assert acknowledged.json()["state"] == "acknowledged", acknowledged.content
    paula = api(cast.paula)
    drafted = carol.put(f"/memos/{memo_id}/reply", {"text": "We have weighed it.", "marking": "SBU"})
    assert drafted.json()["sent"] is False, drafted.content
    assert alice.get(f"/memos/{memo_id}/reply").status_code == 404  # drafts are not for the dissenters
    assert carol.post(f"/memos/{memo_id}/reply/approval", {}).status_code == 403  # not by its own author
    approved = paula.post(f"/memos/{memo_id}/reply/approval", {})
    assert approved.json()["approved_by"] == "paula", approved.content
    assert alice.get(f"/memos/{memo_id}/reply").json()["text"] == "We have weighed it."
    assert carol.post(f"/memos/{memo_id}/transitions", {"to": "closed"}).json()["state"] == "closed"

    final = alice.get(f"/memos/{memo_id}").json()
    assert final["state"] == "closed"
    assert final["signature_count"] == 1
    assert len(final["content_sha256"]) == 64


def test_signing_twice_is_409_with_a_message_and_changes_nothing(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    bob = api(cast.bob)
    assert bob.post(f"/memos/{memo.pk}/signatures", {"visibility": "named"}).status_code == 201
    events = Event.objects.count()

    response = bob.post(f"/memos/{memo.pk}/signatures", {"visibility": "named"})

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "You have already signed this memo."
    assert response.json()["status"] == 409
    assert Signature.objects.filter(memo=memo).count() == 1
    assert Event.objects.count() == events


def test_signer_cannot_withdraw_after_filing(cast: Cast) -> None:
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )

    response = api(cast.bob).delete(f"/memos/{memo.pk}/signatures/mine")

    assert response.status_code == 409
    assert "while the memo is open" in response.json()["detail"]
    assert memo.signatures.count() == 1


def test_withdrawing_a_signature_while_open_is_204(cast: Cast) -> None:
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )

    response = api(cast.bob).delete(f"/memos/{memo.pk}/signatures/mine")

    assert response.status_code == 204
    assert memo.signatures.count() == 0


def test_anything_the_caller_may_not_see_is_404_like_a_missing_memo(cast: Cast) -> None:
    memo = make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob])
    erin = api(cast.erin)

    hidden = erin.get(f"/memos/{memo.pk}")
    missing = erin.get("/memos/987654")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert erin.post(f"/memos/{memo.pk}/signatures", {"visibility": "named"}).status_code == 404
    assert erin.get(f"/memos/{memo.pk}/signatures").status_code == 404
    assert [m["id"] for m in erin.get("/memos").json()] == []


def test_editing_a_filed_memo_is_409_and_the_text_stays(cast: Cast) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    response = api(cast.alice).patch(f"/memos/{memo.pk}", {"title": "Rewritten"})

    assert response.status_code == 409
    assert "addendum" in response.json()["detail"]
    assert Memo.objects.get(pk=memo.pk).title == "Change course"


def test_a_draft_can_be_edited(cast: Cast) -> None:
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)

    response = api(cast.alice).patch(f"/memos/{memo.pk}", {"title": "Sharper title"})

    assert response.status_code == 200
    assert response.json()["title"] == "Sharper title"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({**NEW_MEMO, "title": ""}, 400, "Title is required"),
        ({**NEW_MEMO, "addressee": "erin"}, 400, "principals"),
        ({**NEW_MEMO, "marking": "NOPE"}, 400, "handling marking"),
        ({**NEW_MEMO, "title": "a\u0000b"}, 400, "NUL"),
        ({k: v for k, v in NEW_MEMO.items() if k != "body"}, 422, "body"),
        ({**NEW_MEMO, "title": ["not", "a", "string"]}, 422, "title"),
        ([1, 2, 3], 422, "Invalid input"),
    ],
)
def test_bad_memo_input_is_a_clear_4xx_and_stores_nothing(
    cast: Cast, body: Any, status: int, fragment: str
) -> None:
    alice = api(cast.alice)

    response = alice.post("/memos", body)

    assert response.status_code == status, response.content
    assert fragment in response.json()["detail"]
    assert Memo.objects.count() == 0


def test_malformed_json_is_a_4xx(cast: Cast) -> None:
    client = signed_in(cast.alice)

    response = client.post(
        "/api/v1/memos",
        data=b'{"title": "x",',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf(client),
    )

    assert 400 <= response.status_code < 500
    assert Memo.objects.count() == 0


def test_huge_ids_are_404_or_422_not_500(cast: Cast) -> None:
    alice = api(cast.alice)

    assert alice.get("/memos/99999999999999999999999").status_code in {404, 422}
    assert alice.get("/memos/0").status_code == 422
    assert alice.get("/memos/abc").status_code in {404, 422}


def test_unknown_transition_target_is_422(cast: Cast) -> None:
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)

    response = api(cast.alice).post(f"/memos/{memo.pk}/transitions", {"to": "published"})

    assert response.status_code == 422
    assert Memo.objects.get(pk=memo.pk).state == "draft"


def test_unsafe_requests_without_the_csrf_header_are_refused(cast: Cast) -> None:
    client = signed_in(cast.alice)

    response = client.post("/api/v1/memos", data=json.dumps(NEW_MEMO), content_type="application/json")

    assert response.status_code == 403
    assert Memo.objects.count() == 0


def test_the_api_needs_a_signed_in_person(db: None) -> None:
    response = Client().get("/api/v1/memos")

    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_signature_list_hides_protected_names_from_everyone_but_custodians_and_the_signer(cast: Cast) -> None:
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )

    def names(person: Any) -> list[str | None]:
        listing = api(person).get(f"/memos/{memo.pk}/signatures").json()
        assert listing["count"] == 2
        return [s["username"] for s in listing["signatures"]]

    assert names(cast.alice) == [None, "ivan"]
    assert names(cast.paula) == [None, "ivan"]
    assert names(cast.audrey) == [None, "ivan"]
    assert names(cast.bob) == ["bob", "ivan"]
    assert names(cast.carol) == ["bob", "ivan"]


def test_a_custodian_who_supervises_the_signer_never_sees_the_protected_name(cast: Cast) -> None:
    cast.dave.role = "custodian"
    cast.dave.save()
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )

    listing = api(cast.dave).get(f"/memos/{memo.pk}/signatures").json()

    assert listing["count"] == 1
    assert listing["signatures"][0]["username"] is None
    assert listing["signatures"][0]["name"] is None


def test_auditors_see_counts_but_not_the_text(cast: Cast) -> None:
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )

    seen = api(cast.audrey).get(f"/memos/{memo.pk}").json()

    assert seen["signature_count"] == 1
    assert seen["body"] is None
    assert seen["summary"] is None
    assert seen["body_html"] is None


def test_custodian_queue_lists_filed_memos_oldest_first_and_refuses_others(cast: Cast) -> None:
    first = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="First")
    second = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Second")
    make_memo(MemoState.OPEN, drafter=cast.alice, addressee=cast.paula, title="Not filed")

    queue = api(cast.carol).get("/queue")

    assert [m["id"] for m in queue.json()] == [first.pk, second.pk]
    assert api(cast.alice).get("/queue").status_code == 403


def test_the_addressee_sees_memos_filed_to_them(cast: Cast) -> None:
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula)

    assert [m["id"] for m in api(cast.paula).get("/inbox").json()] == [memo.pk]
    assert api(cast.peter).get("/inbox").json() == []
    assert api(cast.peter).get(f"/memos/{memo.pk}").status_code == 404


def test_openapi_document_lists_the_routes(db: None) -> None:
    document = Client().get("/api/v1/openapi.json").json()

    paths = document["paths"]
    assert "/api/v1/memos" in paths
    assert "/api/v1/memos/{memo_id}/signatures/mine" in paths
    assert {"get", "post"} <= set(paths["/api/v1/memos"])


def test_a_request_body_over_the_upload_limit_is_413(cast: Cast, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    alice = api(cast.alice)

    response = alice.post("/memos", {**NEW_MEMO, "body": "x" * 20_000})

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert Memo.objects.count() == 0


def test_a_body_over_the_memo_limit_is_400_with_the_numbers(cast: Cast, settings: Any) -> None:
    settings.MEMO_BODY_MAX_CHARS = 500
    alice = api(cast.alice)

    response = alice.post("/memos", {**NEW_MEMO, "body": "x" * 501})

    assert response.status_code == 400
    assert response.json()["detail"] == "Body is too long: 501 characters, at most 500."
    assert Memo.objects.count() == 0
