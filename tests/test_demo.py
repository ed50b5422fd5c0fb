import json

from django.core.management import call_command

from dissent.anonymous import queries as anonymous_queries
from dissent.log.sequencer import integrate_pending
from dissent.memos.models import Memo, MemoState
from dissent.org.models import Person, Role


def test_demo_seeds_every_state_and_prints_accounts_as_json(
    db: None, tmp_path: object, settings: object, capsys: object
) -> None:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]

    call_command("demo", "--no-serve", "--json")

    accounts = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert 25 <= len(accounts) <= 40
    assert {"username", "password", "role", "unit"} <= set(accounts[0])
    assert {a["role"] for a in accounts} == {r.value for r in Role}
    assert set(Memo.objects.values_list("state", flat=True)) == set(MemoState.values)
    someone = accounts[-1]
    assert Person.objects.get(username=someone["username"]).check_password(someone["password"])
    # A ring big enough for a demo member to sign anonymously once the log has the keys.
    integrate_pending()
    ring = anonymous_queries.roster("org", anonymous_queries.latest_size())
    assert len(ring) >= settings.ANONYMOUS_MIN_RING  # type: ignore[attr-defined]


def test_demo_run_twice_keeps_one_organisation(
    db: None, tmp_path: object, settings: object, capsys: object
) -> None:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    call_command("demo", "--no-serve", "--json")
    first = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]

    call_command("demo", "--no-serve", "--json")

    assert json.loads(capsys.readouterr().out) == first  # type: ignore[attr-defined]
    assert Person.objects.count() == len(first)
