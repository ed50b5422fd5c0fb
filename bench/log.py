"""Benchmark of the tamper-evident log (issue: tamper-evident channel log).

Creates N events (default 1,000,000) in a fresh database, then measures:
- integration: events/s through the real sequencer (`integrate_pending`, batch size as set);
  then, on PostgreSQL, VACUUM ANALYZE of the log and event tables as autovacuum would do
  (not measured; --no-vacuum skips it);
- inclusion proofs at N leaves: p50/p99 over random leaves, proof built from stored nodes;
- consistency proofs between random sizes m < N: p50/p99;
- full verification (`verify_log`, as `dissent verifylog` runs it): leaves/s, with and
  without the per-event column check;
- the raw hashlib SHA-256 rate on this machine, in the same run, on inputs the size of the
  average leaf record (and 65-byte interior-node inputs), for comparison.

Run: .venv/bin/python bench/log.py [--events 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/dissent_bench_log]
     (SQLite: --database-url sqlite:////tmp/bench-log.sqlite3)
"""

import argparse
import hashlib
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/dissent_bench_log")
    parser.add_argument("--batch", type=int, default=10_000, help="sequencer batch size")
    parser.add_argument("--proofs", type=int, default=2_000, help="proofs timed of each kind")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-vacuum", action="store_true", help="time proofs right after integration")
    parser.add_argument(
        "--verify-runs",
        type=int,
        default=1,
        help="run verifylog --skip-columns this many more times, each beside its own raw rate, "
        "and print the median ratio (the ratio moves from run to run on a shared machine)",
    )
    parser.add_argument(
        "--template",
        help="name of a database (PostgreSQL) or file (SQLite) holding the N queued events: cloned "
        "instead of creating them again when it exists, saved after the setup when it does not",
    )
    return parser.parse_args()


def fresh_database(url: str, template: str | None) -> bool:
    """An empty database at `url`, or a copy of `template` if that exists (then True)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        for suffix in ["", "-wal", "-shm"]:
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        if template and os.path.exists(template):
            shutil.copyfile(template, path)
            return True
        return False
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = (
            template and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        )
        if exists:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return True
        conn.execute(f'CREATE DATABASE "{name}"')
        return False


def save_template(url: str, template: str) -> None:
    """Keep a copy of the freshly set-up database (the queued events) for later runs."""
    if url.startswith("sqlite:///"):
        shutil.copyfile(url.removeprefix("sqlite:///"), template)
        return
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')


def drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        return
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def raw_hash_rate(sample: bytes, seconds: float = 1.0) -> float:
    """hashlib.sha256(x).digest() calls per second on inputs like `sample`."""
    sha256 = hashlib.sha256
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(10_000):
            sha256(sample).digest()
        count += 10_000
    return count / (time.perf_counter() - started)


def make_events(count: int) -> None:
    """Events as the app writes them (canonical records, queued), inserted in bulk."""
    from dissent.events.canonical import canonical_json, canonical_sha256
    from dissent.events.models import Event, EventKind, PendingEvent

    start = datetime(2026, 1, 1, tzinfo=UTC)
    chunk = 20_000
    for offset in range(0, count, chunk):
        events = []
        for i in range(offset, min(count, offset + chunk)):
            payload = {"memo": i // 50, "signature": i, "visibility": "named"}
            event = Event(
                kind=EventKind.MEMO_SIGNED, actor_id=None, object_type="memo", object_id=i // 50,
                created_at=start + timedelta(milliseconds=i), payload=payload,
                payload_sha256=canonical_sha256(payload),
            )  # fmt: skip
            event.record = canonical_json(event.canonical_fields()).decode()
            events.append(event)
        created = Event.objects.bulk_create(events, batch_size=5000)
        PendingEvent.objects.bulk_create([PendingEvent(event_id=e.pk) for e in created], batch_size=5000)


def main() -> None:
    args = parse()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DISSENT_VAR_DIR", tempfile.mkdtemp(prefix="bench-log-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    cloned = fresh_database(args.database_url, args.template)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dissent.events.models import Event
    from dissent.log import merkle
    from dissent.log.audit import verify_log
    from dissent.log.sequencer import integrate_pending
    from dissent.log.store import DatabaseNodes

    call_command("migrate", verbosity=0)
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}")
    version = connection.cursor().connection.info.server_version if connection.vendor == "postgresql" else ""
    print(f"database: {connection.vendor} {version}")
    began = time.perf_counter()
    if cloned:
        print(f"setup: events copied from {args.template} (not measured)")
    else:
        make_events(args.events)
        print(f"setup: {args.events:,} events created in {time.perf_counter() - began:.1f} s (not measured)")
        if args.template:
            if connection.vendor == "sqlite":
                connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            save_template(args.database_url, args.template)
    from dissent.events.models import PendingEvent

    queued = PendingEvent.objects.count()
    assert queued == args.events, f"{queued} events queued, expected {args.events}"

    began = time.perf_counter()
    while integrate_pending(batch_size=args.batch) is not None:
        pass
    elapsed = time.perf_counter() - began
    rate = args.events / elapsed
    print(f"integration: {args.events:,} events in {elapsed:.1f} s = {rate:,.0f} events/s (goal >= 20,000)")
    if connection.vendor == "postgresql" and not args.no_vacuum:
        # What autovacuum does after a million inserts and queue deletions, done now so that
        # the proofs below are timed on a settled database and not against autovacuum
        # working beside them (not measured; --no-vacuum times them straight away).
        began = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("log_logtile", "log_logentry", "events_pendingevent", "events_event"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"vacuum analyze: {time.perf_counter() - began:.1f} s (not measured)")

    size, reader, rng = args.events, DatabaseNodes(), random.Random(7)
    root = merkle.root(reader, size)
    times = []
    for _ in range(args.proofs):
        index = rng.randrange(size)
        t = time.perf_counter()
        proof = merkle.inclusion_proof(reader, index, size)
        times.append((time.perf_counter() - t) * 1000)
        assert len(proof) <= 64
    p50, p99 = quantiles(times)
    print(f"inclusion proof at {size:,} leaves: p50 {p50:.3f} ms, p99 {p99:.3f} ms (goal p99 < 1 ms)")
    leaf = bytes(reader.get_nodes([(0, 12345 % size)])[(0, 12345 % size)])
    assert merkle.verify_inclusion(
        leaf, 12345 % size, size, merkle.inclusion_proof(reader, 12345 % size, size), root
    )
    times = []
    for _ in range(args.proofs):
        old = rng.randrange(1, size)
        t = time.perf_counter()
        merkle.consistency_proof(reader, old, size)
        times.append((time.perf_counter() - t) * 1000)
    p50, p99 = quantiles(times)
    print(f"consistency proof m < {size:,}: p50 {p50:.3f} ms, p99 {p99:.3f} ms")

    average_record = Event.objects.order_by("pk").values_list("record", flat=True).first() or ""
    sample = b"\x00" + average_record.encode()
    verify_rates = {}
    for check_columns in (False, True):
        t = time.perf_counter()
        verdict = verify_log(record_outcome=False, check_columns=check_columns)
        elapsed = time.perf_counter() - t
        assert verdict.ok, verdict.message
        label = (
            "verifylog (leaves, tree heads, signatures + event fields)"
            if check_columns
            else "verifylog --skip-columns (leaves, tree heads, signatures)"
        )
        print(f"{label}: {size / elapsed:,.0f} leaves/s ({elapsed:.1f} s)")
        verify_rates[check_columns] = size / elapsed
    leaf_rate = raw_hash_rate(sample)
    node_rate = raw_hash_rate(b"\x01" + bytes(64))
    # A leaf costs one leaf hash plus, on average, one interior-node hash.
    per_leaf = 1 / (1 / leaf_rate + 1 / node_rate)
    print(
        f"raw hashlib SHA-256: {leaf_rate:,.0f} hashes/s on {len(sample)}-byte leaf inputs, "
        f"{node_rate:,.0f}/s on 65-byte node inputs"
    )
    print(f"  = {per_leaf:,.0f} leaves/s if verification did nothing but the two hashes a leaf needs")
    print(
        f"verifylog / raw: {verify_rates[False] / per_leaf:.0%} with --skip-columns, "
        f"{verify_rates[True] / per_leaf:.0%} with the column check (goal >= 50%)"
    )
    if args.verify_runs > 1:
        ratios = []
        for _ in range(args.verify_runs):
            t = time.perf_counter()
            assert verify_log(record_outcome=False, check_columns=False).ok
            rate = size / (time.perf_counter() - t)
            raw = 1 / (1 / raw_hash_rate(sample) + 1 / raw_hash_rate(b"\x01" + bytes(64)))
            ratios.append(rate / raw)
            print(f"  verifylog --skip-columns again: {rate:,.0f} leaves/s, raw {raw:,.0f}: {rate / raw:.0%}")
        median = statistics.median(ratios)
        print(f"verifylog --skip-columns / raw over {len(ratios)} more runs: median {median:.0%}")
    if not args.keep:
        connection.close()
        drop_database(args.database_url)


if __name__ == "__main__":
    main()
