"""Anonymous co-signing end to end through the API: enrolment as log events, the roster rebuilt
from the log, a memo's signing parameters for those who may sign it, and the route that takes
a signature from nobody, verifies it and counts each key once."""

import base64
import hashlib
import io
import json
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from dissent.anonymous import actions, queries, ring
from dissent.anonymous.models import AnonymousSignature
from dissent.events.models import Event, EventKind
from dissent.log.sequencer import integrate_pending
from dissent.log.verify import check_receipt
from dissent.memos import actions as memo_actions
from dissent.memos.models import Memo, MemoState, Visibility
from dissent.memos.queries import memo_parts
from dissent.org.models import Person, Role
from tests.conftest import csrf, signed_in
from tests.factories import make_memo, make_person


class Member:
    def __init__(self, person: Person) -> None:
        self.person = person
        self.secret = ring.generate_secret()
        self.public = ring.public_key(self.secret)


@pytest.fixture
def members(db: None) -> list[Member]:
    return [Member(make_person(f"member{i}")) for i in range(6)]


@pytest.fixture
def enrolled(members: list[Member]) -> list[Member]:
    for member in members:
        actions.enrol_key(member.person, member.public.hex())
    integrate_pending()  # the log's sequencer: a signed tree head now covers the enrolments
    return members


@pytest.fixture
def memo(enrolled: list[Member]) -> Memo:
    drafter, addressee = make_person("drafter"), make_person("principal", Role.PRINCIPAL)
    invitees = [member.person for member in enrolled]
    return make_memo(MemoState.OPEN, drafter=drafter, addressee=addressee, invitees=invitees)


def parameters(member: Member, memo: Memo) -> dict[str, object]:
    response = signed_in(member.person).get(f"/api/v1/memos/{memo.pk}/anonymous")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def anonymous_signature(member: Member, found: dict[str, object], ring_keys: list[str] | None = None) -> str:
    keys = [bytes.fromhex(k) for k in (ring_keys or found["ring"])]  # type: ignore[attr-defined]
    event = base64.b64decode(found["event"])  # type: ignore[arg-type]
    message = base64.b64decode(found["message"])  # type: ignore[arg-type]
    signature = ring.sign(event, message, keys, keys.index(member.public), member.secret)
    return base64.b64encode(signature).decode()


def submit(memo_id: int, found: dict[str, object], signature: str, **changes: object) -> Any:
    """From a client with no cookie at all, as the browser sends it."""
    event = base64.b64decode(found["event"])  # type: ignore[arg-type]
    body = {
        "memo": memo_id,
        "group": found["group"],
        "log_size": found["log_size"],
        "event_sha256": hashlib.sha256(event).hexdigest(),
        "signature": signature,
        **changes,
    }
    return Client().post("/api/v1/anonymous/signatures", json.dumps(body), content_type="application/json")


def test_enrolling_through_the_api_is_an_event_and_the_roster_comes_from_the_log(
    members: list[Member],
) -> None:
    client = signed_in(members[0].person)
    response = client.post(
        "/api/v1/anonymous/keys",
        json.dumps({"public_key": members[0].public.hex()}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf(client)},
    )

    assert response.status_code == 201
    assert Event.objects.filter(kind=EventKind.ANONYMOUS_KEY_ENROLLED, actor=members[0].person).count() == 1
    assert queries.roster("org", queries.latest_size()) == []  # not in a signed tree head yet
    head = integrate_pending()
    assert head is not None
    assert queries.roster("org", head.size) == [members[0].public.hex()]
    roster = client.get("/api/v1/anonymous/roster").json()
    assert roster == {"group": "org", "log_size": head.size, "keys": [members[0].public.hex()]}


def test_a_revoked_key_leaves_the_roster_from_that_point_of_the_log_on(enrolled: list[Member]) -> None:
    before = queries.latest_size()
    actions.revoke_key(enrolled[0].person)
    head = integrate_pending()

    assert head is not None
    assert enrolled[0].public.hex() in queries.roster("org", before)
    assert enrolled[0].public.hex() not in queries.roster("org", head.size)
    assert len(queries.roster("org", head.size)) == len(enrolled) - 1


def test_an_anonymous_signature_verifies_is_stored_once_and_names_nobody(
    enrolled: list[Member], memo: Memo
) -> None:
    found = parameters(enrolled[2], memo)
    assert enrolled[2].public.hex() in found["ring"]  # type: ignore[operator]
    signature = anonymous_signature(enrolled[2], found)

    response = submit(memo.pk, found, signature)

    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    stored = AnonymousSignature.objects.get(memo=memo)
    assert stored.tag == ring.tag_of(base64.b64decode(signature)).hex()
    event = Event.objects.get(kind=EventKind.MEMO_SIGNED_ANONYMOUSLY)
    assert event.actor is None
    assert set(event.payload) == {"memo", "tag", "group", "log_size"}
    again = submit(memo.pk, found, anonymous_signature(enrolled[2], found))
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert AnonymousSignature.objects.filter(memo=memo).count() == 1
    submit(memo.pk, found, anonymous_signature(enrolled[3], found))
    assert memo_parts(memo).anonymous == 2


def test_bad_signatures_unknown_memos_and_closed_memos_get_the_same_refusal(
    enrolled: list[Member], memo: Memo
) -> None:
    found = parameters(enrolled[0], memo)
    good = anonymous_signature(enrolled[0], found)
    tampered = bytearray(base64.b64decode(good))
    tampered[40] ^= 1

    answers = [
        submit(memo.pk, found, base64.b64encode(bytes(tampered)).decode()),
        submit(memo.pk + 1000, found, good),
        submit(memo.pk, found, "not base64!"),
        submit(memo.pk, found, good, event_sha256="0" * 64),  # not shown the memo
    ]
    memo_actions.file_memo(memo, memo.created_by)
    answers.append(submit(memo.pk, found, good))

    details = {answer.json()["detail"] for answer in answers}  # type: ignore[attr-defined]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 400, 400]  # type: ignore[attr-defined]
    assert len(details) == 1
    assert not AnonymousSignature.objects.exists()


def test_a_signature_on_another_memos_event_does_not_count_here(enrolled: list[Member], memo: Memo) -> None:
    other = make_memo(
        MemoState.OPEN, drafter=memo.created_by, addressee=memo.addressee, invitees=[enrolled[0].person]
    )
    found_other = parameters(enrolled[0], other)

    response = submit(memo.pk, found_other, anonymous_signature(enrolled[0], found_other))

    assert response.status_code == 400  # type: ignore[attr-defined]


def test_the_first_signature_fixes_the_ring_so_a_new_key_cannot_sign_twice(
    enrolled: list[Member], memo: Memo
) -> None:
    found = parameters(enrolled[0], memo)
    assert submit(memo.pk, found, anonymous_signature(enrolled[0], found)).status_code == 201  # type: ignore[attr-defined]
    # Member 0 revokes, enrols a new key, and tries again against the newer roster.
    actions.revoke_key(enrolled[0].person)
    fresh = Member(enrolled[0].person)
    actions.enrol_key(fresh.person, fresh.public.hex())
    head = integrate_pending()
    assert head is not None
    newer = {**found, "log_size": head.size}

    signature = anonymous_signature(fresh, newer, queries.roster("org", head.size))
    response = submit(memo.pk, newer, signature)
    again = submit(memo.pk, found, anonymous_signature(enrolled[1], found))
    twice = submit(memo.pk, found, anonymous_signature(enrolled[1], found))
    # Without the event's digest nobody learns that the memo's ring is fixed, or that it exists.
    probe = submit(memo.pk, newer, signature, event_sha256="1" * 64)

    assert response.status_code == 409
    assert response.json()["reason"] == "ring_changed"  # the page tells the member to reload
    assert again.status_code == 201
    assert twice.status_code == 409 and twice.json()["reason"] == "already_signed"
    assert probe.status_code == 400 and "reason" not in probe.json()
    assert parameters(enrolled[1], memo)["log_size"] == found["log_size"]
    assert memo_parts(memo).anonymous == 2


def test_rings_smaller_than_the_minimum_are_refused(
    enrolled: list[Member], memo: Memo, settings: object
) -> None:
    settings.ANONYMOUS_MIN_RING = len(enrolled) + 1  # type: ignore[attr-defined]
    found = parameters(enrolled[0], memo)

    assert submit(memo.pk, found, anonymous_signature(enrolled[0], found)).status_code == 400  # type: ignore[attr-defined]


def test_only_those_who_may_sign_get_the_memos_event(enrolled: list[Member], memo: Memo) -> None:
    outsider = make_person("outsider")
    memo_actions.sign_memo(memo, enrolled[1].person, visibility=Visibility.NAMED)

    assert signed_in(outsider).get(f"/api/v1/memos/{memo.pk}/anonymous").status_code == 404
    # Signed by name already: an anonymous signature too would count the member twice.
    assert signed_in(enrolled[1].person).get(f"/api/v1/memos/{memo.pk}/anonymous").status_code == 403


def test_enrolment_refuses_bad_keys_and_a_second_active_key(members: list[Member]) -> None:
    client = signed_in(members[0].person)

    def enrol(key: str) -> int:
        return client.post(  # type: ignore[no-any-return]
            "/api/v1/anonymous/keys",
            json.dumps({"public_key": key}),
            content_type="application/json",
            headers={"X-CSRFToken": csrf(client)},
        ).status_code

    small_order = (2**255 - 20).to_bytes(32, "little").hex()  # (0, -1): order 2
    assert enrol(small_order) == 400
    assert enrol("00" * 32) == 400
    assert enrol(members[0].public.hex()) == 201
    assert enrol(members[1].public.hex()) == 409
    assert (
        not Event.objects.filter(kind=EventKind.ANONYMOUS_KEY_ENROLLED)
        .exclude(payload__public_key=members[0].public.hex())
        .exists()
    )


def test_the_memo_page_counts_named_protected_and_anonymous_signatures(
    enrolled: list[Member], memo: Memo
) -> None:
    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.NAMED)
    memo_actions.sign_memo(memo, enrolled[1].person, visibility=Visibility.PROTECTED)
    found = parameters(enrolled[2], memo)
    submit(memo.pk, found, anonymous_signature(enrolled[2], found))
    submit(memo.pk, found, anonymous_signature(enrolled[3], found))

    page = signed_in(enrolled[4].person).get(f"/memos/{memo.pk}/").content.decode()

    assert '<strong class="signature-count">4</strong>' in page
    assert "1 named, 1 protected, 2 anonymous, all verified" in page


def exported(memo: Memo, tmp_path: Path) -> tuple[dict[str, object], Path]:
    """The filed memo's JSON export, as its drafter downloads it."""
    response = signed_in(memo.created_by).get(f"/api/v1/memos/{memo.pk}/export", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    path = tmp_path / f"memo-{memo.pk}.json"
    path.write_bytes(response.content)
    return response.json(), path


def verify_file(path: Path, *options: str) -> str:
    out = io.StringIO()
    call_command("verifysignatures", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_verifysignatures_checks_an_export_and_prints_the_exact_count(
    enrolled: list[Member], memo: Memo, tmp_path: Path
) -> None:
    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.NAMED)
    found = parameters(enrolled[2], memo)
    submit(memo.pk, found, anonymous_signature(enrolled[2], found))
    submit(memo.pk, found, anonymous_signature(enrolled[3], found))
    memo_actions.file_memo(memo, memo.created_by)

    export, path = exported(memo, tmp_path)

    assert export["signature_count"] == 3
    assert len(export["anonymous"]["signatures"]) == 2  # type: ignore[index]
    output = verify_file(path)
    assert "3 signatures: 1 named, 0 protected, 2 anonymous, all verified" in output
    assert "the ring is the roster of org" in output


def test_verifysignatures_fails_on_a_changed_signature_a_repeated_tag_or_a_padded_ring(
    enrolled: list[Member], memo: Memo, tmp_path: Path
) -> None:
    found = parameters(enrolled[2], memo)
    submit(memo.pk, found, anonymous_signature(enrolled[2], found))
    memo_actions.file_memo(memo, memo.created_by)
    export, __ = exported(memo, tmp_path)
    section: dict[str, Any] = export["anonymous"]  # type: ignore[assignment]
    signature = bytearray(base64.b64decode(section["signatures"][0]))

    def variant(**changes: object) -> Path:
        changed = tmp_path / "changed.json"
        changed.write_text(json.dumps({**export, "anonymous": {**section, **changes}}))
        return changed

    signature[-1] ^= 1
    with pytest.raises(CommandError, match="signature 1 does not verify"):
        verify_file(variant(signatures=[base64.b64encode(bytes(signature)).decode()]))
    repeated = section["signatures"] * 2
    with pytest.raises(CommandError, match="signature 2 repeats the tag"):
        verify_file(variant(signatures=repeated))
    # A ring padded with a key of nobody's: the signature no longer verifies against it...
    padded = [*section["ring"], ring.public_key(ring.generate_secret()).hex()]
    with pytest.raises(CommandError, match="does not verify"):
        verify_file(variant(ring=padded))
    # ...and a ring that does not match the log is caught even where the signatures verify.
    with pytest.raises(CommandError, match="is not the roster"):
        verify_file(variant(log_size=1))
    assert "1 anonymous, all verified" in verify_file(variant(log_size=1), "--offline")


def test_the_api_and_the_lists_count_anonymous_signatures_too(enrolled: list[Member], memo: Memo) -> None:
    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.NAMED)
    found = parameters(enrolled[2], memo)
    submit(memo.pk, found, anonymous_signature(enrolled[2], found))
    submit(memo.pk, found, anonymous_signature(enrolled[3], found))
    client = signed_in(enrolled[4].person)

    one = client.get(f"/api/v1/memos/{memo.pk}").json()
    listed = {m["id"]: m for m in client.get("/api/v1/memos").json()}

    assert one["signature_count"] == 3
    assert listed[memo.pk]["signature_count"] == 3


def test_the_filing_event_and_its_receipt_count_anonymous_signatures_by_tag(
    enrolled: list[Member], memo: Memo
) -> None:
    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.NAMED)
    found = parameters(enrolled[2], memo)
    tags = []
    for member in enrolled[2:4]:
        signature = anonymous_signature(member, found)
        submit(memo.pk, found, signature)
        tags.append(ring.tag_of(base64.b64decode(signature)).hex())

    memo_actions.file_memo(memo, memo.created_by)
    integrate_pending()

    filing = Event.objects.get(kind=EventKind.MEMO_FILED, object_id=memo.pk)
    assert filing.payload["signature_count"] == 3
    assert filing.payload["anonymous_signatures"] == tags
    receipt = signed_in(memo.created_by).get(f"/api/v1/memos/{memo.pk}/receipt").json()
    assert receipt["signature_count"] == 3
    assert json.loads(receipt["event"]["record"])["payload"]["anonymous_signatures"] == tags
    late = submit(memo.pk, found, anonymous_signature(enrolled[4], found))
    assert late.status_code == 400  # type: ignore[attr-defined]
    assert memo_parts(memo).anonymous == 2


def fetch_receipt(memo_id: int, receipt_key: str) -> Any:
    """From a client with no cookie at all, as the browser asks for it."""
    body = json.dumps({"memo": memo_id, "receipt_key": receipt_key})
    return Client().post("/api/v1/anonymous/receipt", body, content_type="application/json")


def test_an_anonymous_signer_fetches_the_filing_receipt_with_the_key_it_sent_the_hash_of(
    enrolled: list[Member], memo: Memo
) -> None:
    found = parameters(enrolled[2], memo)
    key = secrets.token_bytes(32)
    signature = anonymous_signature(enrolled[2], found)
    sent = submit(memo.pk, found, signature, receipt_key_sha256=hashlib.sha256(key).hexdigest())
    assert sent.status_code == 201, sent.content
    assert fetch_receipt(memo.pk, key.hex()).status_code == 404  # not filed yet

    memo_actions.file_memo(memo, memo.created_by)
    assert fetch_receipt(memo.pk, key.hex()).status_code == 409  # not in a signed tree head yet
    integrate_pending()

    answer = fetch_receipt(memo.pk, key.hex())
    assert answer.status_code == 200, answer.content
    receipt = answer.json()
    assert receipt == signed_in(memo.created_by).get(f"/api/v1/memos/{memo.pk}/receipt").json()
    tag = ring.tag_of(base64.b64decode(signature)).hex()
    assert json.loads(receipt["event"]["record"])["payload"]["anonymous_signatures"] == [tag]
    assert check_receipt(receipt) == []


def test_no_receipt_for_another_key_another_memo_or_a_signature_sent_without_one(
    enrolled: list[Member], memo: Memo
) -> None:
    other = make_memo(
        MemoState.OPEN,
        drafter=memo.created_by,
        addressee=memo.addressee,
        invitees=[member.person for member in enrolled],
    )
    key = secrets.token_bytes(32)
    found = parameters(enrolled[2], memo)
    submit(
        memo.pk,
        found,
        anonymous_signature(enrolled[2], found),
        receipt_key_sha256=hashlib.sha256(key).hexdigest(),
    )
    found_other = parameters(enrolled[3], other)
    assert submit(other.pk, found_other, anonymous_signature(enrolled[3], found_other)).status_code == 201
    for filed in (memo, other):
        memo_actions.file_memo(filed, filed.created_by)
    integrate_pending()
    assert AnonymousSignature.objects.get(memo=other).receipt_key_sha256 == ""

    for memo_id, receipt_key in [
        (memo.pk, secrets.token_hex(32)),  # another key
        (other.pk, key.hex()),  # the key, on a memo it did not sign
        (other.pk, hashlib.sha256(b"").hexdigest()),  # a guess at a signature sent without a key
        (999_999, key.hex()),  # no such memo
    ]:
        answer = fetch_receipt(memo_id, receipt_key)
        assert answer.status_code == 404, (memo_id, receipt_key)
        assert answer.json()["detail"] == "No such receipt."
    assert fetch_receipt(memo.pk, "not hex").status_code == 422


def test_a_malformed_receipt_key_hash_is_refused_and_nothing_is_stored(
    enrolled: list[Member], memo: Memo
) -> None:
    found = parameters(enrolled[2], memo)
    answer = submit(memo.pk, found, anonymous_signature(enrolled[2], found), receipt_key_sha256="ABC")
    assert answer.status_code == 422
    assert not AnonymousSignature.objects.filter(memo=memo).exists()


def test_the_memo_page_gives_an_enrolled_signer_what_the_browser_signs_with(
    enrolled: list[Member], memo: Memo
) -> None:
    found = parameters(enrolled[0], memo)

    page = signed_in(enrolled[0].person).get(f"/memos/{memo.pk}/").content.decode()

    assert 'id="anonymous-signing"' in page
    for name, value in [
        ("memo", memo.pk),
        ("public-key", enrolled[0].public.hex()),
        ("event", found["event"]),
        ("message", found["message"]),
        ("group", found["group"]),
        ("log-size", found["log_size"]),
    ]:
        assert f'data-{name}="{value}"' in page
    assert "anonymous/memo-sign.js" in page
    assert 'id="anonymous-texts"' in page


def test_the_memo_page_offers_no_anonymous_signature_to_a_named_signer_or_a_reader_without_a_key(
    enrolled: list[Member], memo: Memo
) -> None:
    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.PROTECTED)
    actions.revoke_key(enrolled[1].person)

    signer_page = signed_in(enrolled[0].person).get(f"/memos/{memo.pk}/").content.decode()
    keyless_page = signed_in(enrolled[1].person).get(f"/memos/{memo.pk}/").content.decode()

    assert 'id="anonymous-signing"' not in signer_page
    assert "You signed by name: an anonymous signature too would count you twice" in signer_page
    assert 'id="anonymous-signing"' not in keyless_page
    assert "make a key for anonymous signing</a>" in keyless_page


def test_the_key_page_offers_to_make_a_key_then_shows_it_and_revokes_it(members: list[Member]) -> None:
    client = signed_in(members[0].person)

    before = client.get("/accounts/anonymous-key/").content.decode()
    actions.enrol_key(members[0].person, members[0].public.hex())
    after = client.get("/accounts/anonymous-key/").content.decode()
    revoked = client.post("/accounts/anonymous-key/revoke/", headers={"X-CSRFToken": csrf(client)})
    again = client.post("/accounts/anonymous-key/revoke/", headers={"X-CSRFToken": csrf(client)})

    assert 'id="make-key"' in before and members[0].public.hex() not in before
    assert f'data-public-key="{members[0].public.hex()}"' in after and 'id="make-key"' not in after
    assert revoked.status_code == 302
    assert Event.objects.filter(kind=EventKind.ANONYMOUS_KEY_REVOKED, actor=members[0].person).count() == 1
    assert queries.active_key(members[0].person) is None
    assert again.status_code == 404
    assert Event.objects.filter(kind=EventKind.ANONYMOUS_KEY_REVOKED).count() == 1


def test_the_key_page_lists_receipts_only_for_the_members_own_keys_revoked_ones_too(
    members: list[Member],
) -> None:
    first, other = members[0], members[1]
    actions.enrol_key(first.person, first.public.hex())
    actions.revoke_key(first.person)
    second = ring.public_key(ring.generate_secret()).hex()
    actions.enrol_key(first.person, second)
    actions.enrol_key(other.person, other.public.hex())

    page = signed_in(first.person).get("/accounts/anonymous-key/").content.decode()

    listed = re.search(r'data-my-keys="([0-9a-f ]*)"', page)
    assert listed is not None
    assert set(listed[1].split()) == {first.public.hex(), second}


def test_a_roster_at_a_stated_size_may_be_kept_by_the_browser_and_the_latest_may_not(
    enrolled: list[Member],
) -> None:
    client = signed_in(enrolled[0].person)
    size = queries.latest_size()

    fixed = client.get("/api/v1/anonymous/roster", {"group": "org", "log_size": size})
    latest = client.get("/api/v1/anonymous/roster")

    ahead = client.get("/api/v1/anonymous/roster", {"group": "org", "log_size": size + 5})

    assert fixed.json() == latest.json()
    assert "immutable" in fixed["Cache-Control"]
    assert "immutable" not in latest.get("Cache-Control", "")
    assert "immutable" not in ahead.get("Cache-Control", "")  # leaves the log does not hold yet


def test_every_memo_offers_the_same_ring_until_the_roster_changes(enrolled: list[Member], memo: Memo) -> None:
    covering = queries.latest_size()  # the tree head that first covered the enrolments
    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.NAMED)  # more events...
    later = integrate_pending()  # ...in a later tree head
    assert later is not None and later.size > covering
    other = make_memo(
        MemoState.OPEN, drafter=memo.created_by, addressee=memo.addressee, invitees=[enrolled[1].person]
    )

    first, second = parameters(enrolled[1], memo), parameters(enrolled[1], other)

    assert first["log_size"] == second["log_size"] == covering
    assert first["ring"] == queries.roster("org", later.size)
    newcomer = Member(make_person("newcomer"))
    actions.enrol_key(newcomer.person, newcomer.public.hex())
    assert parameters(enrolled[1], other)["log_size"] == covering  # not in the log yet: no change
    moved = integrate_pending()
    assert moved is not None
    assert parameters(enrolled[1], other)["log_size"] == moved.size
    assert newcomer.public.hex() in parameters(enrolled[1], other)["ring"]  # type: ignore[operator]


def test_drafters_may_let_a_member_sign_both_ways_while_the_memo_is_a_draft(
    enrolled: list[Member], tmp_path: Path
) -> None:
    drafter, addressee = make_person("drafter"), make_person("principal", Role.PRINCIPAL)
    memo = make_memo(
        MemoState.DRAFT, drafter=drafter, addressee=addressee, invitees=[m.person for m in enrolled]
    )
    both = {"count_both_ways": True}

    def put(person: Person, body: dict[str, bool]) -> Any:
        client = signed_in(person)
        return client.put(
            f"/api/v1/memos/{memo.pk}/anonymous/counting",
            json.dumps(body),
            content_type="application/json",
            headers={"X-CSRFToken": csrf(client)},
        )

    assert put(enrolled[0].person, both).status_code == 404  # a draft: only its drafters see it
    assert not memo_parts(memo).count_both_ways
    assert put(drafter, both).json() == {"memo": memo.pk, "count_both_ways": True}
    memo_actions.open_memo(memo, drafter)
    refused = put(drafter, {"count_both_ways": False})
    assert refused.status_code == 409  # fixed once the memo is open
    assert put(enrolled[1].person, {"count_both_ways": False}).status_code == 403  # not a drafter
    assert memo_parts(memo).count_both_ways

    memo_actions.sign_memo(memo, enrolled[0].person, visibility=Visibility.NAMED)
    found = parameters(enrolled[0], memo)  # allowed now, though signed by name
    assert found["count_both_ways"] is True
    assert submit(memo.pk, found, anonymous_signature(enrolled[0], found)).status_code == 201  # type: ignore[attr-defined]
    page = signed_in(enrolled[0].person).get(f"/memos/{memo.pk}/").content.decode()
    assert '<strong class="signature-count">2</strong>' in page
    assert "one person may count twice" in page
    assert 'data-count-both-ways="true"' in page
    memo_actions.file_memo(memo, drafter)
    filing = Event.objects.get(kind=EventKind.MEMO_FILED, object_id=memo.pk)
    assert filing.payload["count_both_ways"] is True
    export, path = exported(memo, tmp_path)
    assert export["anonymous"]["count_both_ways"] is True  # type: ignore[index]
    assert "one person may count twice" in verify_file(path, "--offline")


def test_the_memo_page_form_sets_how_signatures_count_for_drafters_only(enrolled: list[Member]) -> None:
    drafter, addressee = make_person("drafter"), make_person("principal", Role.PRINCIPAL)
    memo = make_memo(MemoState.DRAFT, drafter=drafter, addressee=addressee, invitees=[enrolled[0].person])
    url = f"/memos/{memo.pk}/anonymous-counting/"

    invitee = signed_in(enrolled[0].person)
    refused = invitee.post(url, {"count_both_ways": "on"}, headers={"X-CSRFToken": csrf(invitee)})
    client = signed_in(drafter)
    page = client.get(f"/memos/{memo.pk}/").content.decode()
    saved = client.post(url, {"count_both_ways": "on"}, headers={"X-CSRFToken": csrf(client)})

    assert refused.status_code == 404  # a draft: only its drafters see it
    assert (
        'id="count-both-ways"' in page
        and 'id="count-both-ways" aria-describedby="count-both-ways-help" checked' not in page
    )
    assert saved.status_code == 302
    assert memo_parts(memo).count_both_ways
    assert (
        'aria-describedby="count-both-ways-help" checked' in client.get(f"/memos/{memo.pk}/").content.decode()
    )
    client.post(url, {}, headers={"X-CSRFToken": csrf(client)})  # the box unticked
    assert not memo_parts(memo).count_both_ways
