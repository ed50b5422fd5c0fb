"""Co-signing throughput and latency, end to end, against a real server and PostgreSQL.

What it measures: how many signatures per second `dissent serve` (gunicorn, gthread) stores
when --clients signed-in members co-sign open memos at once over HTTP, each through
POST /api/v1/memos/{id}/signatures with session auth and CSRF, and the client-side latency
of those requests (p50/p95/p99/max over every request, computed with
statistics.quantiles(n=100, method="inclusive")). Each client is a closed loop: it sends
its next request when the previous one has answered.

How: create a fresh database, migrate, seed people and open memos (child process with
Django), start the server, sign every client in through the login page, co-sign for
--seconds, stop the server, then check the database against the responses. The goal is
>= 300 signatures/s with p99 < 200 ms; missing it is reported, not an error. The exit
status is 1 if a correctness check fails or any request got a 5xx or no answer.

Run:  .venv/bin/python bench/cosign.py [--clients 50] [--seconds 20] [--memos 300]
        [--workers 2] [--threads 4] [--port 8765] [--json] [--keep]
        [--database-url postgresql://postgres@127.0.0.1:5432/dissent_bench]
"""

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PASSWORD = "bench password, long enough"
GOAL_RATE = 300.0  # signatures per second
GOAL_P99_MS = 200.0
PROTECTED_SHARE = 0.2


@dataclass
class Sample:
    status: int  # 0 when no HTTP answer arrived (connection error, timeout)
    seconds: float
    signature_id: int | None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent signed-in members")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the co-signing phase")
    parser.add_argument("--memos", type=int, default=300, help="open memos; each client signs each once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/dissent_bench")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir afterwards")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)  # the seeding child
    return parser.parse_args()


def seed(clients: int, memo_count: int) -> None:
    """Runs in a child process with the bench environment: people, then open memos."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    django.setup()
    from itertools import batched

    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from dissent.memos import actions
    from dissent.org.models import Person, Role

    hashed = make_password(PASSWORD)
    members = [f"member{i:04d}" for i in range(clients)]
    with transaction.atomic():  # one commit instead of thousands
        Person.objects.bulk_create(
            [Person(username=name, first_name=name.title(), last_name="Bench", password=hashed) for name in members]
        )
        Person.objects.create(username="principal", last_name="Principal", role=Role.PRINCIPAL, password=hashed)
        drafter = Person.objects.create(username="drafter", last_name="Drafter", password=hashed)
        for n in range(memo_count):
            memo = actions.create_memo(
                drafter,
                title=f"Bench memo {n}",
                summary="A memo for the co-signing benchmark.",
                body="## Why\n\nBecause the benchmark needs something to sign.",
                policy_questioned="Benchmark policy",
                addressee="principal",
                marking="SBU",
            )
            for chunk in batched(members, actions.MAX_INVITATIONS_PER_REQUEST):
                actions.invite(memo, drafter, usernames=chunk)
            actions.open_memo(memo, drafter)


def admin_conninfo(database_url: str) -> tuple[str, str]:
    """(conninfo for the server's `postgres` database, name of the bench database)."""
    name = conninfo_to_dict(database_url)["dbname"]
    return make_conninfo(database_url, dbname="postgres"), str(name)


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    conninfo, name = admin_conninfo(database_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def start_server(args: argparse.Namespace, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    dissent = str(Path(sys.executable).parent / "dissent")
    command = [dissent, "serve", "--workers", str(args.workers), "--threads", str(args.threads)]
    with log.open("wb") as out:  # the child keeps its own copy of the file descriptor
        return subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{args.port}"], env=env, stdout=out, stderr=out, start_new_session=True
        )


def wait_until_up(server: subprocess.Popen[bytes], base: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not up after {timeout:.0f}s:\n{log.read_text()[-2000:]}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole process group (arbiter and workers), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


async def sign_in(client: httpx.AsyncClient, username: str, gate: asyncio.Semaphore) -> None:
    """Through the real login page. Password hashing (PBKDF2, ~0.6 s of CPU) is slow by
    design, so only a few sign-ins run at once and they get a generous timeout."""
    async with gate:
        await client.get("/accounts/login/")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
        response = await client.post("/accounts/login/", data=form, timeout=120.0)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {username} answered {response.status_code}")


async def cosign(client: httpx.AsyncClient, memo_ids: list[int], deadline: float, samples: list[Sample]) -> bool:
    """Sign memos in a shuffled order until the deadline. True if the memos ran out first."""
    order = random.sample(memo_ids, len(memo_ids))
    headers = {"X-CSRFToken": client.cookies["csrftoken"], "Referer": str(client.base_url)}
    for memo_id in order:
        if time.perf_counter() >= deadline:
            return False
        body = {"visibility": "protected" if random.random() < PROTECTED_SHARE else "named"}
        started = time.perf_counter()
        try:
            response = await client.post(f"/api/v1/memos/{memo_id}/signatures", json=body, headers=headers)
        except httpx.HTTPError:
            samples.append(Sample(0, time.perf_counter() - started, None))
            continue
        elapsed = time.perf_counter() - started
        signature_id = response.json()["id"] if response.status_code == 201 else None
        samples.append(Sample(response.status_code, elapsed, signature_id))
    return True


async def run_load(args: argparse.Namespace, base: str, memo_ids: list[int]) -> tuple[list[Sample], float, int]:
    """Sign everyone in, then co-sign. Returns (samples, elapsed seconds, clients that ran out)."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) for _ in range(args.clients)]
    try:
        gate = asyncio.Semaphore(max(2, len(os.sched_getaffinity(0))))
        await asyncio.gather(*(sign_in(c, f"member{i:04d}", gate) for i, c in enumerate(clients)))
        samples: list[Sample] = []
        started = time.perf_counter()
        deadline = started + args.seconds
        ran_out = await asyncio.gather(*(cosign(c, memo_ids, deadline, samples) for c in clients))
        return samples, time.perf_counter() - started, sum(ran_out)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def verify(database_url: str, samples: list[Sample]) -> dict[str, bool]:
    ok_ids = [s.signature_id for s in samples if s.status == 201]
    with psycopg.connect(database_url) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM memos_signature")}
        pairs = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM memos_signature GROUP BY memo_id, person_id HAVING count(*) > 1) d"
        ).fetchone()
        events = conn.execute("SELECT count(*) FROM events_event WHERE kind = 'memo.signed'").fetchone()
    return {
        "stored signatures == 201 responses": len(stored) == len(ok_ids),
        "no (memo, person) pair twice": pairs is not None and pairs[0] == 0,
        "every 201 signature id is stored": len(set(ok_ids)) == len(ok_ids) and stored.issuperset(ok_ids),
        "memo.signed events == 201 responses": events is not None and events[0] == len(ok_ids),
        "no 5xx and no unanswered request": not any(s.status == 0 or s.status >= 500 for s in samples),
    }


def machine(database_url: str) -> dict[str, object]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": models[0] if models else platform.processor(),
        "python": platform.python_version(),
        "postgresql": row[0] if row else "?",
    }


def figures(samples: list[Sample], elapsed: float) -> dict[str, object]:
    ms = sorted(s.seconds * 1000 for s in samples)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    successes = sum(s.status == 201 for s in samples)
    rate = successes / elapsed if elapsed else 0.0
    return {
        "requests": len(samples),
        "successes": successes,
        "non_201_by_status": {str(k): v for k, v in sorted(Counter(s.status for s in samples).items()) if k != 201},
        "elapsed_s": round(elapsed, 3),
        "signatures_per_s": round(rate, 1),
        "p50_ms": round(cuts[49], 1) if cuts else None,
        "p95_ms": round(cuts[94], 1) if cuts else None,
        "p99_ms": round(cuts[98], 1) if cuts else None,
        "max_ms": round(ms[-1], 1) if ms else None,
        "goal_met": bool(cuts) and rate >= GOAL_RATE and cuts[98] < GOAL_P99_MS,
    }


def report(args: argparse.Namespace, box: dict[str, object], result: dict[str, object], ran_out: int) -> None:
    print("\n== co-sign benchmark ==")
    print(f"machine:    {box['nproc']} CPUs, {box['cpu']}; Python {box['python']}; PostgreSQL {box['postgresql']}")
    print(
        f"parameters: clients={args.clients} seconds={args.seconds:g} memos={args.memos} "
        f"workers={args.workers} threads={args.threads} (server, client and database share this machine)"
    )
    print(f"requests:   {result['requests']} in {result['elapsed_s']} s; 201: {result['successes']}")
    print(f"non-201:    {result['non_201_by_status'] or 'none'}  (status 0 = no answer)")
    print(f"throughput: {result['signatures_per_s']} signatures/s (201s / elapsed)")
    print(
        f"latency:    p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
        f"max {result['max_ms']} ms (all requests; statistics.quantiles n=100, inclusive)"
    )
    goal = "MET" if result["goal_met"] else "NOT MET"
    print(f"goal:       >= {GOAL_RATE:g} signatures/s with p99 < {GOAL_P99_MS:g} ms: {goal}")
    if ran_out:
        print(f"warning:    {ran_out} client(s) ran out of memos before time was up; raise --memos")


def main() -> int:
    args = parse_args()
    if args.seed_only:
        seed(args.clients, args.memos)
        return 0
    var_dir = Path(tempfile.mkdtemp(prefix="dissent-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECURE_COOKIES": "0",
        "DEBUG": "0",
        "DISSENT_VAR_DIR": str(var_dir),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "dissent.settings",
    }
    base = f"http://127.0.0.1:{args.port}"
    server: subprocess.Popen[bytes] | None = None
    try:
        recreate_database(args.database_url)
        print(f"database {admin_conninfo(args.database_url)[1]} created; migrating", flush=True)
        subprocess.run([str(Path(sys.executable).parent / "dissent"), "migrate", "-v", "0"], env=env, check=True)
        print(f"seeding {args.clients} members and {args.memos} open memos", flush=True)
        seeding = [sys.executable, __file__, "--seed-only", "--clients", str(args.clients), "--memos", str(args.memos)]
        subprocess.run(seeding, env=env, check=True)
        with psycopg.connect(args.database_url) as conn:
            memo_ids = [row[0] for row in conn.execute("SELECT id FROM memos_memo WHERE state = 'open'")]
        server = start_server(args, env, var_dir / "server.log")
        wait_until_up(server, base, var_dir / "server.log")
        print(f"server up on {base}; signing in {args.clients} clients, then co-signing for {args.seconds:g}s")
        samples, elapsed, ran_out = asyncio.run(run_load(args, base, memo_ids))
        stop_server(server)
        server = None
        checks = verify(args.database_url, samples)
        result = figures(samples, elapsed)
        box = machine(args.database_url)
        report(args, box, result, ran_out)
        for name, passed in checks.items():
            print(f"{'PASS' if passed else 'FAIL'}  {name}")
        if args.json:
            parameters = {k: v for k, v in vars(args).items() if k not in {"json", "keep", "seed_only"}}
            print(json.dumps({"machine": box, "parameters": parameters, **result, "checks": checks}))
        return 0 if all(checks.values()) else 1
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            recreate_database(args.database_url, drop_only=True)
            shutil.rmtree(var_dir, ignore_errors=True)
        else:
            print(f"kept database {args.database_url} and {var_dir}")


if __name__ == "__main__":
    sys.exit(main())
