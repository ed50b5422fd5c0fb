"""Protected identities: sealed at rest, keys outside the database, rotation, the signer's
chain of command, and a database dump that names no protected signer."""

import io
import json
import shutil
import sqlite3
import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from dissent import identities
from dissent.events.models import Event, EventKind
from dissent.memos import actions, queries, reads, responses
from dissent.memos.models import Drafter, Memo, MemoState, Signature, Visibility
from dissent.org.models import Person, Role

from ..conftest import Cast, signed_in
from ..factories import make_memo, make_person


def _signed(cast: Cast, state: MemoState = MemoState.FILED) -> Memo:
    return make_memo(
        state,
        drafter=cast.alice,
        addressee=cast.paula,
        custodian=cast.carol,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )


def test_a_protected_signature_does_not_reference_its_signer(cast: Cast) -> None:
    memo = _signed(cast)
    protected = Signature.objects.get(memo=memo, visibility=Visibility.PROTECTED)

    assert protected.person_id is None
    assert protected.signer_sealed.startswith("gAAAA")  # a Fernet token, not an id or a name
    assert identities.unseal(protected.signer_sealed) == cast.bob.pk
    signed = Event.objects.get(kind=EventKind.MEMO_SIGNED, payload__signature=protected.pk)
    assert signed.actor_id is None  # the event record does not name bob either
    named = Signature.objects.get(memo=memo, visibility=Visibility.NAMED)
    assert named.person_id == cast.ivan.pk and named.signer_sealed == ""


def test_the_signer_still_finds_and_withdraws_their_protected_signature(cast: Cast) -> None:
    memo = _signed(cast, MemoState.OPEN)
    assert [line.mine for line in queries.signatures_seen_by(cast.bob, memo)] == [True, False]
    with pytest.raises(actions.AlreadyDone):
        actions.sign_memo(memo, cast.bob, visibility=Visibility.PROTECTED)

    actions.withdraw_signature(memo, cast.bob)

    assert memo.signatures.count() == 1
    withdrawn = Event.objects.get(kind=EventKind.MEMO_SIGNATURE_WITHDRAWN)
    assert withdrawn.actor_id is None


def test_keys_rotate_without_losing_a_name(cast: Cast, settings: object) -> None:
    memo = _signed(cast)
    old = identities._keys()[0]
    new = Fernet.generate_key().decode()
    settings.IDENTITY_KEYS = ",".join((new, *old))  # type: ignore[attr-defined]
    out = io.StringIO()

    call_command("rotateidentitykeys", stdout=out)

    assert "re-sealed 1 protected signatures" in out.getvalue()
    settings.IDENTITY_KEYS = new  # type: ignore[attr-defined]  # the old key is gone
    token = Signature.objects.get(memo=memo, visibility=Visibility.PROTECTED).signer_sealed
    assert identities.unseal(token) == cast.bob.pk
    settings.IDENTITY_KEYS = ",".join(old)  # type: ignore[attr-defined]
    with pytest.raises(identities.IdentityKeyError):
        identities.unseal(token)


def test_custodians_see_protected_names_and_each_time_is_recorded(cast: Cast) -> None:
    memo = _signed(cast)

    page = signed_in(cast.carol).get(f"/memos/{memo.pk}/").content.decode()

    assert "Bob Tester" in page
    shown = Event.objects.get(kind=EventKind.MEMO_PROTECTED_NAMES_SHOWN)
    assert shown.actor_id == cast.carol.pk and shown.payload == {"memo": memo.pk, "names": 1, "how": "page"}
    assert "Bob Tester" not in signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()
    assert Event.objects.filter(kind=EventKind.MEMO_PROTECTED_NAMES_SHOWN).count() == 1  # alice saw none


@pytest.mark.parametrize("levels_up", [1, 2])
def test_a_signers_chain_of_command_never_sees_the_name_even_as_custodians(
    cast: Cast, levels_up: int
) -> None:
    """dave supervises bob; dave's own supervisor is above both. Made custodians, neither
    sees bob's protected name anywhere, while carol (outside the chain) does."""
    director = make_person("director", Role.CUSTODIAN)
    cast.dave.supervisor = director
    cast.dave.role = Role.CUSTODIAN
    cast.dave.save()
    boss = cast.dave if levels_up == 1 else director
    memo = _signed(cast)
    responses.set_meeting_preference(memo, cast.bob, open_to_meeting=True)
    reads.record_read(cast.bob, memo, how="page")

    client = signed_in(boss)
    page = client.get(f"/memos/{memo.pk}/").content.decode()
    signatures = client.get(f"/api/v1/memos/{memo.pk}/signatures").json()
    read_record = client.get(f"/memos/{memo.pk}/reads/").content.decode()

    assert "Bob Tester" not in page and "Bob Tester" not in read_record
    assert [s["name"] for s in signatures["signatures"]] == [None, "Ivan Tester"]
    assert signatures["count"] == 2
    assert next(line.reader for line in reads.read_record(boss, memo)) is None
    assert not Event.objects.filter(kind=EventKind.MEMO_PROTECTED_NAMES_SHOWN, actor=boss).exists()
    assert next(line.reader for line in reads.read_record(cast.carol, memo)) == "Bob Tester"


def test_auditors_see_counts_and_the_read_record_but_no_protected_name(cast: Cast) -> None:
    memo = _signed(cast)
    reads.record_read(cast.bob, memo, how="page")
    auditor = signed_in(cast.audrey)
    assert "Bob Tester" not in auditor.get(f"/memos/{memo.pk}/").content.decode()
    assert "Bob Tester" not in auditor.get(f"/memos/{memo.pk}/reads/").content.decode()
    assert reads.read_counts(memo).readers >= 1


def _protected_signers() -> list[Person]:
    tokens = Signature.objects.filter(visibility=Visibility.PROTECTED).values_list("signer_sealed", flat=True)
    ids = {identities.unseal(token) for token in tokens}
    ids |= {
        identities.unseal(t)
        for t in Drafter.objects.exclude(person_sealed="").values_list("person_sealed", flat=True)
    }
    assert Drafter.objects.exclude(person_sealed="").exists()  # the demo has a protected drafter too
    return list(Person.objects.filter(pk__in=ids))


def _dump() -> str:
    """The whole database as text, as an administrator's backup would have it, minus the
    staff directory itself (org_person lists every member's name by necessity; what must
    not be in a dump is who signed under protection)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        with sqlite3.connect(settings_dict["NAME"]) as raw:
            lines = list(raw.iterdump())
        return "\n".join(line for line in lines if not line.startswith('INSERT INTO "org_person"'))
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to dump the PostgreSQL test database"
    command = [
        pg_dump,
        "--data-only",
        "--inserts",
        "--exclude-table-data=org_person",
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict.get("USER") or "postgres",
        settings_dict["NAME"],
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 - our own test database


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_dump_of_the_demo_names_no_protected_signer(tmp_path: object, settings: object) -> None:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    call_command("demo", "--no-serve", "--json", stdout=io.StringIO())
    from dissent.worker import run_tasks

    run_tasks(max_tasks=None)  # the queued notices and deadline checks, as a running demo would
    signers = _protected_signers()
    assert len(signers) >= 5  # the demo has protected signers to look for

    dump = _dump()

    assert "memos_signature" in dump and len(dump) > 10_000  # the dump is real and complete
    for person in signers:
        for needle in (person.display_name, person.email, json.dumps(person.display_name)[1:-1]):
            assert needle not in dump, f"{needle!r} found in the dump"


def test_a_creator_may_draft_under_a_protected_name(cast: Cast) -> None:
    memo = actions.create_memo(
        cast.alice,
        title="Quietly change course",
        summary="We ask leadership to change course.",
        body="Because.",
        policy_questioned="Regional policy",
        addressee="paula",
        marking="SBU",
        protected_drafter=True,
    )
    drafter = memo.drafters.get()
    assert memo.created_by_id is None and drafter.person_id is None
    assert identities.unseal(drafter.person_sealed) == cast.alice.pk
    assert Event.objects.get(kind=EventKind.MEMO_CREATED, object_id=memo.pk).actor_id is None

    # alice is still the drafter: she edits, invites, opens, signs and files it
    actions.invite(memo, cast.alice, usernames=["bob"])
    actions.open_memo(memo, cast.alice)
    actions.sign_memo(memo, cast.alice, visibility=Visibility.PROTECTED)
    actions.file_memo(memo, cast.alice)

    page = signed_in(cast.paula).get(f"/memos/{memo.pk}/").content.decode()
    assert "Alice Tester" not in page
    assert "and 1 drafter(s) whose names are protected" in page
    assert queries.drafter_ids(memo) == {cast.alice.pk}


def test_a_protected_drafter_is_not_named_by_inviting_them_as_co_drafter(cast: Cast) -> None:
    memo = actions.create_memo(
        cast.alice,
        title="t",
        summary="s",
        body="b",
        policy_questioned="p",
        addressee="paula",
        marking="SBU",
        protected_drafter=True,
    )
    assert actions.invite(memo, cast.alice, usernames=["alice"], as_drafters=True) == []
    assert not memo.drafters.filter(person=cast.alice).exists()
