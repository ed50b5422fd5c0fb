"""Backing up and restoring a whole instance: the database, consistently, while it runs;
and, only when asked, the key files under var/ (kept in a directory of their own, so they
can be stored apart from the database, as docs/deployment.md asks).

A backup is a directory:

    manifest.json      what it holds: engine, when, the log's size and root, each file's SHA-256
    database.dump      PostgreSQL: pg_dump's custom format (a consistent snapshot, taken live)
    database.sqlite3   SQLite: the online backup API's copy (consistent, taken live)
    keys/              with --keys only: the key files found under var/

Restoring goes into an empty database only (never over a live one), checks every file's
hash first, then verifies the restored log, and can check filing receipts issued before the
backup against it.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from dissent.log import queries as log_queries
from dissent.log.audit import verify_log
from dissent.log.verify import check_receipt

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
KEYS = "keys"
#: The secrets generated into var/ when they are not configured (settings, log/keys.py,
#: identities.py). Keys given in the environment are the operator's to keep.
KEY_FILES = ("secret_key", "log_signing_key", "identity_keys", "identity_index_key")


class BackupError(Exception):
    """Said to the operator as it is; the command exits non-zero."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the default database: no password on a command line."""
    db = settings.DATABASES["default"]
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }
    return {**os.environ, **{k: v for k, v in values.items() if v}}


def _tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(f"{name} is not installed (Debian: apt install postgresql-client)")
    return str(candidates[-1])


def _run(command: list[str]) -> None:
    # the program is pg_dump or pg_restore; the arguments are ours and paths, never a shell
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def backup(target: Path, *, with_keys: bool) -> dict[str, Any]:
    """Writes a backup of this instance into the new directory `target`; returns its manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; give a new directory")
    target.mkdir(parents=True, exist_ok=True)
    head = log_queries.latest_tree_head()  # read before the copy: the copy holds at least this
    if _is_postgres():
        database = target / PG_DUMP
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={database}"])
    else:
        database = target / SQLITE_COPY
        connection.ensure_connection()
        with sqlite3.connect(database) as copy:
            connection.connection.backup(copy)
        copy.close()
    files = {database.name: _sha256(database)}
    keys_written: list[str] = []
    if with_keys:
        (target / KEYS).mkdir(mode=0o700)
        for name in KEY_FILES:
            source = Path(settings.VAR_DIR) / name
            if source.exists():
                destination = target / KEYS / name
                shutil.copyfile(source, destination)
                destination.chmod(0o600)
                files[f"{KEYS}/{name}"] = _sha256(destination)
                keys_written.append(name)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": connection.vendor,
        "tree_head": head,
        "files": files,
        "keys": keys_written,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


@dataclass(frozen=True)
class Restored:
    log_message: str
    receipts_checked: int


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as failure:
        raise BackupError(f"{source} holds no readable {MANIFEST}: {failure}") from failure
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source}/{MANIFEST} is not a backup of format {FORMAT}")
    for name, expected in manifest.get("files", {}).items():
        path = source / name
        if ".." in Path(name).parts or not path.is_file():
            raise BackupError(f"the backup lacks {name}")
        if _sha256(path) != expected:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the backup is damaged")
    return manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(source: Path, *, with_keys: bool, receipts: list[dict[str, Any]]) -> Restored:
    """Restores the backup in `source` into this instance's (empty) database, and its keys
    into var/ when asked; then verifies the log and each receipt against it."""
    manifest = read_manifest(source)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"this is a {manifest['engine']} backup; the database here is {connection.vendor}")
    if not _database_is_empty():
        raise BackupError("the database is not empty: restore into a new, empty database")
    if with_keys:
        _restore_keys(source, manifest)
    if _is_postgres():
        connection.close()
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={settings.DATABASES['default']['NAME']}",
                str(source / PG_DUMP),
            ]
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(source / SQLITE_COPY) as copy:
            copy.backup(connection.connection)
        copy.close()
    connection.close()
    verdict = verify_log(check_columns=True)
    if not verdict.ok:
        raise BackupError(f"the restored log does NOT verify: {verdict.message}")
    for receipt in receipts:
        problems = check_receipt(receipt, _later_than(receipt))
        if problems:
            raise BackupError("a receipt does NOT verify against the restored log: " + "; ".join(problems))
    return Restored(verdict.message, len(receipts))


def _later_than(receipt: dict[str, Any]) -> dict[str, Any]:
    head = log_queries.latest_tree_head()
    first = receipt.get("tree_head", {}).get("tree_size")
    if head is None or not isinstance(first, int) or first > head["tree_size"]:
        raise BackupError(
            "the restored log is smaller than the receipt's: it was backed up before the filing"
        )
    proof = log_queries.consistency(first, head["tree_size"])["proof"]
    return {"tree_head": head, "consistency_proof": proof}


def _restore_keys(source: Path, manifest: dict[str, Any]) -> None:
    """Puts the backup's key files into var/. Any there already were made by this instance
    for its empty database (settings make a secret key at start-up), so nothing depends on
    them yet: they are replaced."""
    var = Path(settings.VAR_DIR)
    var.mkdir(parents=True, exist_ok=True)
    for name in manifest.get("keys", []):
        if name not in KEY_FILES:
            raise BackupError(f"unknown key file {name} in the backup")
        present = var / name
        shutil.copyfile(source / KEYS / name, present)
        present.chmod(0o600)
