"""`dissent backup` and `dissent restore` round-trip a live instance: the restored log
verifies, and so do receipts handed out before the backup. Runs on SQLite and, with
DATABASE_URL set, on PostgreSQL (pg_dump and pg_restore)."""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dissent.log.receipts import filing_receipt
from dissent.log.sequencer import integrate_pending
from dissent.memos.models import MemoState, Visibility

from .conftest import Cast
from .factories import make_memo

# transaction: pg_dump and the SQLite backup see only committed rows; serialized_rollback: the
# markings seeded by a migration are put back after each test flushes the tables.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The DATABASE_URL of a new, empty database of the kind the tests run on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    settings_dict = connection.settings_dict
    name = f"dissent_restore_{uuid.uuid4().hex[:12]}"
    server = (
        f"postgresql://{settings_dict.get('USER') or 'postgres'}@{settings_dict.get('HOST') or '127.0.0.1'}"
        f":{settings_dict.get('PORT') or 5432}"
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dissent(*arguments: str, database_url: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    """The `dissent` command as an operator runs it, for another instance."""
    environment = {**os.environ, "DATABASE_URL": database_url, "DISSENT_VAR_DIR": str(var_dir)}
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "dissent", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def filed_with_receipt(cast: Cast, tmp_path: Path, title: str) -> Path:
    memo = make_memo(
        MemoState.FILED, drafter=cast.alice, addressee=cast.paula, invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)], title=title,
    )  # fmt: skip
    integrate_pending()
    receipt = tmp_path / f"receipt-{memo.pk}.json"
    receipt.write_text(json.dumps(filing_receipt(memo.pk)))
    return receipt


def test_a_restored_instance_verifies_its_log_and_earlier_receipts(
    cast: Cast, tmp_path: Path, empty_database: str
) -> None:
    receipt = filed_with_receipt(cast, tmp_path, "Before the backup")
    backup = tmp_path / "backup"

    call_command("backup", str(backup), "--keys")

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor and manifest["tree_head"]["tree_size"] > 0
    assert "log_signing_key" in manifest["keys"]
    assert oct((backup / "keys" / "log_signing_key").stat().st_mode & 0o777) == "0o600"
    var = tmp_path / "restored-var"
    restored = dissent(
        "restore",
        str(backup),
        "--keys",
        "--check-receipt",
        str(receipt),
        database_url=empty_database,
        var_dir=var,
    )
    assert restored.returncode == 0, restored.stderr
    assert "log verified" in restored.stdout and "1 receipt(s) verified" in restored.stdout
    verified = dissent("verifylog", database_url=empty_database, var_dir=var)
    assert verified.returncode == 0, verified.stderr
    count = dissent(
        "shell", "--no-imports", "-c", "from dissent.memos.models import Signature; "
        "print(Signature.objects.filter(memo__title='Before the backup').count())",
        database_url=empty_database, var_dir=var,
    )  # fmt: skip
    assert count.stdout.strip() == "2", count.stderr


def test_a_receipt_from_after_the_backup_does_not_verify_against_it(
    cast: Cast, tmp_path: Path, empty_database: str
) -> None:
    filed_with_receipt(cast, tmp_path, "Before")
    call_command("backup", str(tmp_path / "backup"), "--keys")
    later = filed_with_receipt(cast, tmp_path, "After")

    restored = dissent(
        "restore", str(tmp_path / "backup"), "--keys", "--check-receipt", str(later),
        database_url=empty_database, var_dir=tmp_path / "var",
    )  # fmt: skip

    assert restored.returncode != 0
    assert "backed up before the filing" in restored.stderr


def test_without_its_signing_key_the_restored_log_does_not_verify(
    cast: Cast, tmp_path: Path, empty_database: str
) -> None:
    filed_with_receipt(cast, tmp_path, "Before")
    call_command("backup", str(tmp_path / "backup"))  # no --keys: a new instance makes its own

    restored = dissent(
        "restore", str(tmp_path / "backup"), database_url=empty_database, var_dir=tmp_path / "v"
    )

    assert restored.returncode != 0
    assert "the restored log does NOT verify" in restored.stderr


def test_a_damaged_backup_is_refused_before_anything_is_written(
    cast: Cast, tmp_path: Path, empty_database: str
) -> None:
    filed_with_receipt(cast, tmp_path, "Before")
    backup = tmp_path / "backup"
    call_command("backup", str(backup), "--keys")
    database = next(p for p in backup.iterdir() if p.name.startswith("database."))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0x01
    database.write_bytes(bytes(data))
    var = tmp_path / "var"

    restored = dissent("restore", str(backup), "--keys", database_url=empty_database, var_dir=var)

    assert restored.returncode != 0 and "the backup is damaged" in restored.stderr
    tables = dissent(
        "shell", "--no-imports", "-c",
        "from django.db import connection; print(len(connection.introspection.table_names()))",
        database_url=empty_database, var_dir=var,
    )  # fmt: skip
    assert tables.stdout.strip() == "0"


def test_restoring_over_a_database_that_has_data_is_refused(cast: Cast, tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "backup"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "backup"))


def test_a_backup_goes_into_a_new_directory_only(cast: Cast, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "full"))
