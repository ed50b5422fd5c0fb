"""Co-signing throughput and latency, end to end, against a real server and PostgreSQL.

Measures how many signatures per second `dissent serve` stores (gunicorn: by default here 4
sync worker processes, one request at a time each; threaded workers with --threads > 1) while
--clients signed-in members co-sign open memos at once through POST
/api/v1/memos/{id}/signatures (session cookie + CSRF header), and the client-side latency of
every request (p50/p95/p99 by statistics.quantiles(n=100, method="inclusive"), and max).
Each client is a closed loop: it sends its next request once the previous one has answered.
Clients sign in through the login page with httpx; the co-signing requests go out through a
minimal HTTP/1.1 client (Connection, below) so that the load generator takes little of the
CPU the server and the database need.

Steps: fresh database, migrate, seed people and open memos (a child process with Django),
start the server, sign every client in through the login page, co-sign for --seconds, stop
the server, check the database against the responses. The goals (issue 2: >= 300 signatures/s
with p99 < 200 ms; issue 9: >= 500/s with p99 < 100 ms, at 50 clients) are reported, not
enforced; the exit status is 1 if a check fails, including any 5xx or unanswered request.

With --two-factor every member has an authenticator and passes the second step at sign-in,
so each co-signature's session is also checked against the device that verified it.

Run:  .venv/bin/python bench/cosign.py [--clients 50] [--seconds 20] [--memos 500]
        [--workers 4] [--threads 1] [--connections N] [--port 8765] [--close] [--two-factor]
        [--json] [--keep]
        [--database-url postgresql://postgres@127.0.0.1:5432/dissent_bench]
"""

import argparse
import asyncio
import contextlib
import hashlib
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
from typing import cast

import httpx
import psycopg
from django_otp.oath import totp
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PASSWORD = "bench password, long enough"
GOAL_RATE = 300.0  # signatures per second (issue 2)
GOAL_P99_MS = 200.0
SCALE_GOAL_RATE = 500.0  # issue 9
SCALE_GOAL_P99_MS = 100.0
PROTECTED_SHARE = 0.2
DISSENT = str(Path(sys.executable).parent / "dissent")  # the project's console command


@dataclass
class Sample:
    status: int  # 0 when no HTTP answer arrived (connection error, timeout)
    seconds: float
    signature_id: int | None
    error: str = ""  # the exception's name when status is 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent signed-in members")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the co-signing phase")
    parser.add_argument("--memos", type=int, default=500, help="open memos; each client signs each once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--connections",
        type=int,
        default=0,
        help="with --threads > 1, `dissent serve --connections`: kept-alive connections one worker"
        " holds at most (default: clients / workers, rounded up, so that each serves its share)",
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/dissent_bench")
    parser.add_argument(
        "--close",
        action="store_true",
        help="one connection per request (Connection: close), as behind a proxy without keep-alive;"
        " otherwise each client keeps its connection, and so its worker, for the whole run",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="signatures per second offered in all (each client sends every clients/rate seconds);"
        " 0: each client sends its next request as soon as the last is answered",
    )
    parser.add_argument(
        "--two-factor",
        action="store_true",
        help="every member has an authenticator and passes the second step when signing in",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    parser.add_argument("--keep", action="store_true", help="keep the database and temp dir afterwards")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)  # the seeding child
    return parser.parse_args()


def authenticator_key(username: str) -> str:
    """The bench member's authenticator secret (hex, 20 bytes), known to both processes."""
    return hashlib.sha1(f"bench authenticator {username}".encode(), usedforsecurity=False).hexdigest()


def seed(clients: int, memo_count: int, *, two_factor: bool = False) -> None:
    """Runs in a child process with the bench environment: people, then open memos."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    django.setup()

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dissent.org.models import Person

    hashed = make_password(PASSWORD)
    members = [f"member{i:04d}" for i in range(clients)]
    with transaction.atomic():  # one commit instead of thousands
        people = Person.objects.bulk_create(
            [Person(username=u, last_name="Bench", password=hashed) for u in members]
        )
        if two_factor:
            TOTPDevice.objects.bulk_create(
                TOTPDevice(user=p, name="bench", confirmed=True, key=authenticator_key(p.username))
                for p in people
            )
        open_memos(
            members,
            memo_count,
            title="Bench memo",
            summary="A memo for the co-signing benchmark.",
            body="## Why\n\nBecause the benchmark needs something to sign.",
        )


def open_memos(members: list[str], count: int, *, title: str, summary: str, body: str) -> list[int]:
    """For a benchmark's seeding child (Django set up, inside its transaction): the addressee
    "principal", the drafter "drafter" and `count` open memos ("TITLE n") to which every one
    of `members` is invited. Returns their ids."""
    from itertools import batched

    from dissent.memos import actions
    from dissent.org.models import Person, Role

    Person.objects.create(username="principal", role=Role.PRINCIPAL)
    drafter = Person.objects.create(username="drafter")
    memo_ids = []
    for n in range(count):
        memo = actions.create_memo(
            drafter,
            title=f"{title} {n}",
            summary=summary,
            body=body,
            policy_questioned=f"{title} policy",
            addressee="principal",
            marking="SBU",
        )
        for chunk in batched(members, actions.MAX_INVITATIONS_PER_REQUEST):
            actions.invite(memo, drafter, usernames=chunk)
        actions.open_memo(memo, drafter)
        memo_ids.append(memo.pk)
    return memo_ids


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
    command = [DISSENT, "serve", "--workers", str(args.workers), "--threads", str(args.threads)]
    command += ["--bind", f"127.0.0.1:{args.port}"]
    if args.threads > 1:  # threaded workers keep connections alive: share them out evenly
        command += ["--connections", str(args.connections or -(-args.clients // args.workers))]
    with log.open("wb") as out:  # the child keeps its own copy of the file descriptor
        return subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True)


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
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=wait)
            return


async def sign_in(base: str, username: str, gate: asyncio.Semaphore, *, two_factor: bool) -> httpx.Cookies:
    """Through the real login page (and the second step's, with `two_factor`); returns the
    session and CSRF cookies. Password hashing (PBKDF2, ~0.6 s of CPU) is slow by design, so
    only a few sign-ins run at once."""
    async with gate, httpx.AsyncClient(base_url=base, timeout=120.0) as client:
        await client.get("/accounts/login/")
        token = client.cookies["csrftoken"]
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        response = await client.post("/accounts/login/", data=form)
        if response.status_code != 302:
            raise RuntimeError(f"sign-in of {username} answered {response.status_code}")
        if two_factor:
            code = f"{totp(bytes.fromhex(authenticator_key(username))):06d}"
            form = {"code": code, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
            response = await client.post("/accounts/two-factor/", data=form)
            if response.status_code != 302:
                raise RuntimeError(f"the second step of {username} answered {response.status_code}")
        return client.cookies


class Connection:
    """One kept-alive HTTP/1.1 connection that sends a request (a GET, or a JSON POST) and
    reads its answer, and nothing more. The load generator shares the two cores with the
    server and the database, so it must cost little: httpx used ~2 ms of CPU a request, this
    ~0.3 ms. Answers must carry Content-Length (Django's CommonMiddleware sets it); chunked
    ones are refused. With `idle_reconnect`, a connection idle longer than that many seconds
    is replaced before the next request, as a browser does (gunicorn closes kept-alive
    connections after 2 s idle)."""

    def __init__(
        self, host: str, port: int, headers: dict[str, str], close: bool = False, idle_reconnect: float = 0.0
    ) -> None:
        self.host, self.port, self.close, self.idle_reconnect = host, port, close, idle_reconnect
        lines = [f"Host: {host}:{port}", *(f"{name}: {value}" for name, value in headers.items())]
        if close:
            lines.append("Connection: close")
        self.head = "\r\n".join(lines)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.last_used = 0.0

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        return await self.request("POST", path, body)

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        if (
            self.streams is not None
            and self.idle_reconnect
            and time.monotonic() - self.last_used > self.idle_reconnect
        ):
            await self.aclose()
        self.last_used = time.monotonic()
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            extra = (
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                if body is not None
                else ""
            )
            writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}\r\n{extra}\r\n".encode() + (body or b""))
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionResetError("the server closed the connection")
            status, length, keep = int(status_line.split()[1]), 0, not self.close
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    keep = False
                elif name == b"transfer-encoding":
                    raise ValueError("a chunked answer: this client reads Content-Length only")
            content = await reader.readexactly(length) if length else b""
        except BaseException:
            await self.aclose()
            raise
        if not keep:
            await self.aclose()
        return status, content

    async def aclose(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def cosign(
    connection: Connection, memo_ids: list[int], deadline: float, out: list[Sample], interval: float = 0.0
) -> int:
    """Sign memos in a shuffled order until the deadline; returns how many requests it sent.
    With an `interval`, the client's requests are due that many seconds apart (from a random
    phase): it waits for the due time, or sends at once if it is late, and the latency is
    counted from the due time, so that a slow answer also counts against the requests it
    held up (no coordinated omission)."""
    order = random.sample(memo_ids, len(memo_ids))
    sent = 0
    due = time.perf_counter() + random.uniform(0, interval)
    for memo_id in order:
        if interval:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if time.perf_counter() >= deadline:
            break
        sent += 1
        visibility = "protected" if random.random() < PROTECTED_SHARE else "named"
        body = json.dumps({"visibility": visibility}).encode()
        started = due if interval else time.perf_counter()
        due += interval
        try:
            async with asyncio.timeout(30):  # TimeoutError is an OSError
                status, content = await connection.post(f"/api/v1/memos/{memo_id}/signatures", body)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            out.append(Sample(0, time.perf_counter() - started, None, type(exc).__name__))
            continue
        elapsed = time.perf_counter() - started
        signature_id = json.loads(content)["id"] if status == 201 else None
        out.append(Sample(status, elapsed, signature_id))
    return sent


def process_cpu(server_session: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes (the session it was started in),
    by PostgreSQL's, and by this process, from /proc (Linux; empty elsewhere)."""
    used = {"app": 0.0, "database": 0.0, "load generator": time.process_time()}
    if not Path("/proc/self/stat").exists():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if int(fields[3]) == server_session:
            used["app"] += seconds
        elif name == "postgres":
            used["database"] += seconds
    return used


async def run_load(
    args: argparse.Namespace, base: str, memos: list[int], server_session: int
) -> tuple[list[Sample], float, dict[str, float], list[int]]:
    """Sign everyone in, then co-sign. Returns (samples, elapsed seconds, CPU seconds used
    meanwhile by the server, the database and this process, requests sent by each client)."""
    gate = asyncio.Semaphore(max(2, len(os.sched_getaffinity(0))))
    jars = await asyncio.gather(
        *(sign_in(base, f"member{i:04d}", gate, two_factor=args.two_factor) for i in range(args.clients))
    )
    # New connections, so that no request goes out on one the server has closed as idle
    # (gunicorn's keep-alive is 2 s) while the other clients were still signing in.
    connections = [
        Connection(
            "127.0.0.1",
            args.port,
            {
                "Accept": "application/json",
                "Cookie": "; ".join(f"{name}={value}" for name, value in jar.items()),
                "X-CSRFToken": jar["csrftoken"],
                "Referer": f"{base}/",
            },
            args.close,
        )
        for jar in jars
    ]
    try:
        samples: list[Sample] = []
        started, cpu = time.perf_counter(), process_cpu(server_session)
        deadline = started + args.seconds
        interval = args.clients / args.rate if args.rate else 0.0
        sent = await asyncio.gather(*(cosign(c, memos, deadline, samples, interval) for c in connections))
        elapsed, after = time.perf_counter() - started, process_cpu(server_session)
        return samples, elapsed, {name: after[name] - cpu[name] for name in cpu}, sent
    finally:
        await asyncio.gather(*(c.aclose() for c in connections))


def verify(database_url: str, samples: list[Sample]) -> dict[str, bool]:
    ok_ids = [s.signature_id for s in samples if s.status == 201]
    with psycopg.connect(database_url) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM memos_signature")}
        # A protected signature names nobody; its blind index stands for the signer
        # (dissent/identities.py), so a person counts once per memo either way.
        pairs = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM memos_signature"
            " GROUP BY memo_id, COALESCE(person_id::text, 'tag:' || signer_tag) HAVING count(*) > 1) AS twice"
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
    with psycopg.connect(admin_conninfo(database_url)[0]) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": models[0] if models else platform.processor(),
        "python": platform.python_version(),
        "postgresql": row[0] if row else "?",
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),  # other work on the box skews the figures
    }


def figures(
    samples: list[Sample], elapsed: float, cpu: dict[str, float], sent: list[int]
) -> dict[str, object]:
    """Throughput and latency. Percentiles: statistics.quantiles(n=100, method="inclusive")."""
    ms = sorted(s.seconds * 1000 for s in samples)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    successes = sum(s.status == 201 for s in samples)
    others = sorted(Counter(s.error or str(s.status) for s in samples if s.status != 201).items())
    rate = successes / elapsed
    return {
        "requests": len(samples),
        "successes": successes,
        "per_client_min_median_max": [min(sent), statistics.median(sent), max(sent)],
        "non_201_by_status": dict(others),
        "elapsed_s": round(elapsed, 3),
        "client_cpu_s": round(cpu.get("load generator", 0.0), 2),
        # Where the machine's CPU went, a signature at a time: a steadier figure than the
        # rate on a VM whose speed varies, for comparing two versions of the code.
        "cpu_ms_per_signature": {name: round(s * 1000 / max(successes, 1), 2) for name, s in cpu.items()},
        "signatures_per_s": round(rate, 1),
        **{f"p{p}_ms": round(cuts[p - 1], 1) for p in (50, 95, 99)},
        "max_ms": round(ms[-1], 1),
        "goal_met": rate >= GOAL_RATE and cuts[98] < GOAL_P99_MS,
        "scale_goal_met": rate >= SCALE_GOAL_RATE and cuts[98] < SCALE_GOAL_P99_MS,
    }


def report(args: argparse.Namespace, box: dict[str, object], r: dict[str, object], sent: list[int]) -> None:
    spread = f"{min(sent)}/{statistics.median(sent):g}/{max(sent)}"
    ran_out = sum(n == args.memos for n in sent)
    shares = cast(dict[str, float], r["cpu_ms_per_signature"])
    per_signature = ", ".join(f"{name} {ms} ms" for name, ms in shares.items())
    goal = "MET" if r["goal_met"] else "NOT MET"
    scale_goal = "MET" if r["scale_goal_met"] else "NOT MET"
    print(
        "\n== co-sign benchmark ==\n"
        f"machine:    {box['nproc']} CPUs, {box['cpu']}; Python {box['python']};"
        f" PostgreSQL {box['postgresql']}\n"
        f"load:       1-minute load average {box['loadavg_1m_at_start']} when the benchmark started\n"
        f"parameters: clients={args.clients} seconds={args.seconds:g} memos={args.memos}"
        f" workers={args.workers} threads={args.threads} close={args.close} rate={args.rate:g}"
        f" two_factor={args.two_factor}"
        " (server, client and database share this machine)\n"
        f"requests:   {r['requests']} in {r['elapsed_s']} s; 201: {r['successes']};"
        f" per client min/median/max {spread}; the load generator used {r['client_cpu_s']} CPU-s\n"
        f"non-201:    {r['non_201_by_status'] or 'none'} (an exception name: no HTTP answer)\n"
        f"throughput: {r['signatures_per_s']} signatures/s (201s / elapsed)\n"
        f"CPU:        {per_signature or 'not measured (no /proc)'} a signature, over the co-signing phase\n"
        f"latency:    p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms"
        " (all requests; statistics.quantiles n=100, inclusive)\n"
        f"goal:       >= {GOAL_RATE:g} signatures/s with p99 < {GOAL_P99_MS:g} ms (issue 2): {goal}\n"
        f"goal:       >= {SCALE_GOAL_RATE:g} signatures/s with p99 < {SCALE_GOAL_P99_MS:g} ms (issue 9):"
        f" {scale_goal}"
    )
    if ran_out:
        print(f"warning:    {ran_out} client(s) ran out of memos before time was up; raise --memos")


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # like Ctrl-C: `finally` cleans up
    if args.seed_only:
        seed(args.clients, args.memos, two_factor=args.two_factor)
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
        box = machine(args.database_url)
        recreate_database(args.database_url)
        print(f"database {admin_conninfo(args.database_url)[1]} created; migrating", flush=True)
        subprocess.run([DISSENT, "migrate", "-v", "0"], env=env, check=True)
        print(f"seeding {args.clients} members and {args.memos} open memos", flush=True)
        seeding = ["--seed-only", "--clients", str(args.clients), "--memos", str(args.memos)]
        seeding += ["--two-factor"] if args.two_factor else []
        subprocess.run([sys.executable, __file__, *seeding], env=env, check=True)
        with psycopg.connect(args.database_url) as conn:
            memo_ids = [row[0] for row in conn.execute("SELECT id FROM memos_memo WHERE state = 'open'")]
        server = start_server(args, env, var_dir / "server.log")
        wait_until_up(server, base, var_dir / "server.log")
        print(f"server up on {base}; signing in {args.clients} clients, co-signing for {args.seconds:g}s")
        samples, elapsed, cpu, sent = asyncio.run(run_load(args, base, memo_ids, server.pid))
        stop_server(server)
        server = None
        if not samples:
            raise RuntimeError("no co-signing request was made")
        checks = verify(args.database_url, samples)
        result = figures(samples, elapsed, cpu, sent)
        report(args, box, result, sent)
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
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted (server stopped, database dropped unless --keep)")
