"""Crash test: co-signing under load while app processes and the worker are killed with
SIGKILL and PostgreSQL is stopped hard and started again; afterwards nothing is lost, nothing
is doubled, and the log is whole.

The instance is the production shape on one machine: a PostgreSQL cluster of its own (initdb
into a temporary directory, so that it can be stopped without touching any other database),
two `dissent serve` app processes and one `dissent worker`. Every member co-signs every open
memo through the API with an access token, alternating between the two app processes; a
request that gets no answer (its process was killed) or 503 (the database is away) is sent
again until it gets a definite one: 201 (stored now) or 409 (stored by an earlier attempt
whose answer was lost). Meanwhile, at random moments (--seed fixes them): each app process is
killed and restarted, the worker is killed and restarted, and PostgreSQL is stopped in
"immediate" mode (a crash: no checkpoint, recovery from the WAL at start) and started again
--outage seconds later. While it is away both app processes are probed: they must answer
503 with Retry-After; once it is back, the time until both answer 200 again is measured.

Checks (exit status 1 if any fails):
- every 201 answer's signature is stored, exactly once; a (member, memo) pair is stored at
  most once; every stored pair got a 201 or a 409 (nothing is stored that was never confirmed);
- one memo.signed event per stored signature; no 500 answer at any time;
- while PostgreSQL is down, both app processes answer 503 with Retry-After; after it is back
  they answer again within 5 s;
- after the load, every event is in a signed tree head within the log's maximum merge delay
  (LOG_MAX_MERGE_DELAY, 5 s), and `dissent verifylog` passes.

Run:  .venv/bin/python bench/crash.py [--members 120] [--memos 6] [--seconds 30] [--seed 1]
      `make crash` runs a longer one; .ci/run a bounded one.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from cosign import DISSENT, open_memos, stop_server

RECOVERY_GOAL_S = 5.0
MERGE_DELAY_S = 5


@dataclass
class Outcome:
    status: int = 0  # the definite answer: 201, 409 or another 4xx; 0 if none came in time
    signature_id: int | None = None
    attempts: int = 0


@dataclass
class Chaos:
    events: list[str] = field(default_factory=list)
    outage_probes: list[tuple[int, str]] = field(default_factory=list)  # (status, Retry-After)
    recovery_s: float | None = None
    statuses: Counter[int] = field(default_factory=Counter)  # every answer, retries included


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=120)
    parser.add_argument("--memos", type=int, default=6, help="open memos; every member signs each once")
    parser.add_argument("--clients", type=int, default=30, help="concurrent clients")
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="when the chaos happens: within this time"
    )
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--seed", type=int, default=1, help="the random moments and orders")
    parser.add_argument("--port", type=int, default=8790, help="app processes on PORT and PORT+1")
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory afterwards")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)  # the seeding child
    return parser.parse_args()


# -- the seeding child -----------------------------------------------------------------------


def seed(members: int, memo_count: int) -> None:
    """Runs with the instance's environment: members with write tokens, open memos. Prints
    {"tokens": {username: token}, "memos": [ids]} as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    django.setup()
    from django.db import transaction

    from dissent.org.actions import create_access_token
    from dissent.org.models import Person

    names = [f"member{i:04d}" for i in range(members)]
    tokens = {}
    with transaction.atomic():
        people = Person.objects.bulk_create([Person(username=u, last_name="Crash") for u in names])
        for person in people:
            tokens[person.username] = create_access_token(person, name="crash", scope="write", days=1)[1]
        memo_ids = open_memos(
            names,
            memo_count,
            title="Crash memo",
            summary="A memo for the crash test.",
            body="## Why\n\nBecause the crash test needs something to sign.",
        )
    print(json.dumps({"tokens": tokens, "memos": memo_ids}))


# -- PostgreSQL of our own -------------------------------------------------------------------


class Cluster:
    """A throw-away PostgreSQL cluster (Debian's server binaries), run as the `postgres`
    user when we are root, listening on 127.0.0.1:port only."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.data = directory / "data"
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
        if not candidates:
            raise RuntimeError("PostgreSQL's server binaries are missing (Debian: postgresql)")
        self.bin = candidates[-1].parent
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self.as_owner, *command], capture_output=True, text=True, cwd="/", check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"
            )

    def create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_owner:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-w",
                  "-o", options, "start")  # fmt: skip

    def crash(self) -> None:
        """Stop without a checkpoint, as a power cut would; the next start recovers from the WAL."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


# -- the instance's processes ----------------------------------------------------------------


class Processes:
    def __init__(self, env: dict[str, str], ports: list[int], logs: Path) -> None:
        self.env, self.ports, self.logs = env, ports, logs
        self.apps: dict[int, subprocess.Popen[bytes]] = {}
        self.worker: subprocess.Popen[bytes] | None = None

    def _spawn(self, command: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.logs / log).open("ab") as out:
            return subprocess.Popen(command, env=self.env, stdout=out, stderr=out, start_new_session=True)

    def start_app(self, port: int) -> None:
        command = [DISSENT, "serve", "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}"]
        self.apps[port] = self._spawn(command, f"app-{port}.log")

    def start_worker(self) -> None:
        self.worker = self._spawn([DISSENT, "worker", "--interval", "0.2"], "worker.log")

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the arbiter and its worker: kill -9, no clean-up
        process.wait()

    def stop_all(self) -> None:
        for process in [*self.apps.values(), *([self.worker] if self.worker else [])]:
            stop_server(process)


async def wait_until_answering(ports: list[int], token: str, timeout: float) -> float:
    """Seconds until every app process answers GET /api/v1/memos with 200."""
    started = time.monotonic()
    pending = set(ports)
    async with httpx.AsyncClient(timeout=2.0) as client:
        while pending and time.monotonic() - started < timeout:
            for port in list(pending):
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(
                        f"http://127.0.0.1:{port}/api/v1/memos?limit=1",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    if response.status_code == 200:
                        pending.discard(port)
            if pending:
                await asyncio.sleep(0.05)
    if pending:
        raise RuntimeError(f"app processes on {sorted(pending)} not answering after {timeout:.0f} s")
    return time.monotonic() - started


# -- load and chaos ----------------------------------------------------------------------------


async def sign_all(
    pairs: list[tuple[str, str, int]],
    ports: list[int],
    clients: int,
    chaos: Chaos,
    seconds: float,
    deadline: float,
) -> dict[tuple[str, int], Outcome]:
    """Each pair (member, token, memo) is signed until a definite answer, or the deadline.
    New pairs start at an even pace over `seconds`, so that the load spans the chaos."""
    queue: asyncio.Queue[tuple[int, tuple[str, str, int]]] = asyncio.Queue()
    for number, pair in enumerate(pairs):
        queue.put_nowait((number, pair))
    outcomes: dict[tuple[str, int], Outcome] = {}
    started, pace = time.monotonic(), seconds / len(pairs)

    async def client(number: int) -> None:
        async with httpx.AsyncClient(timeout=10.0) as http:
            while not queue.empty():
                turn, (member, token, memo) = queue.get_nowait()
                await asyncio.sleep(max(0.0, started + turn * pace - time.monotonic()))
                outcome = outcomes.setdefault((member, memo), Outcome())
                port_turn = number
                while time.monotonic() < deadline:
                    outcome.attempts += 1
                    port = ports[port_turn % len(ports)]
                    port_turn += 1
                    try:
                        response = await http.post(
                            f"http://127.0.0.1:{port}/api/v1/memos/{memo}/signatures",
                            json={"visibility": "named"},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    except httpx.HTTPError:
                        await asyncio.sleep(0.2)  # no answer: its process died, or is starting
                        continue
                    chaos.statuses[response.status_code] += 1
                    if response.status_code == 503:
                        await asyncio.sleep(min(float(response.headers.get("Retry-After", "1")), 1.0))
                        continue
                    outcome.status = response.status_code
                    if response.status_code == 201:
                        outcome.signature_id = response.json()["id"]
                    break

    await asyncio.gather(*(client(n) for n in range(clients)))
    return outcomes


async def make_chaos(
    processes: Processes, cluster: Cluster, chaos: Chaos, rng: random.Random, seconds: float, outage: float,
    token: str,
) -> None:  # fmt: skip
    """At random moments within `seconds`: kill -9 each app process and the worker (each is
    restarted a second later) and crash PostgreSQL once (started again `outage` s later)."""
    started = time.monotonic()
    moments = sorted(
        [(rng.uniform(0.1, 0.8) * seconds, f"app:{port}") for port in processes.ports]
        + [(rng.uniform(0.1, 0.8) * seconds, "worker"), (rng.uniform(0.3, 0.6) * seconds, "postgres")]
    )
    for moment, what in moments:
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        stamp = f"{time.monotonic() - started:5.1f}s"
        if what.startswith("app:"):
            port = int(what.split(":")[1])
            processes.kill(processes.apps[port])
            chaos.events.append(f"{stamp} kill -9 app process on {port}")
            await asyncio.sleep(1.0)
            processes.start_app(port)
        elif what == "worker":
            assert processes.worker is not None
            processes.kill(processes.worker)
            chaos.events.append(f"{stamp} kill -9 worker")
            await asyncio.sleep(1.0)
            processes.start_worker()
        else:
            await asyncio.to_thread(cluster.crash)
            down = time.monotonic()
            chaos.events.append(f"{stamp} PostgreSQL stopped (immediate mode)")
            await asyncio.sleep(0.5)
            await probe_outage(processes.ports, token, chaos)
            chaos.events.append(f"{time.monotonic() - started:5.1f}s both app processes asked meanwhile")
            await asyncio.sleep(max(0.0, down + outage - time.monotonic()))
            await asyncio.to_thread(cluster.start)
            chaos.events.append(f"{time.monotonic() - started:5.1f}s PostgreSQL started again")
            chaos.recovery_s = await wait_until_answering(processes.ports, token, timeout=60)


async def probe_outage(ports: list[int], token: str, chaos: Chaos) -> None:
    """Each app process, asked while the database is down, should say 503 and when to retry."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        for port in ports:
            for __ in range(20):  # a process restarted a moment ago may still be starting
                try:
                    response = await client.get(
                        f"http://127.0.0.1:{port}/api/v1/memos?limit=1",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
                    continue
                chaos.outage_probes.append((response.status_code, response.headers.get("Retry-After", "")))
                break
            else:
                chaos.outage_probes.append((0, ""))


Outcomes = dict[tuple[str, int], Outcome]


async def run(
    args: argparse.Namespace, processes: Processes, cluster: Cluster, seeded: dict[str, object]
) -> tuple[Outcomes, Chaos]:
    rng = random.Random(args.seed)
    tokens: dict[str, str] = seeded["tokens"]  # type: ignore[assignment]
    memos: list[int] = seeded["memos"]  # type: ignore[assignment]
    pairs = [(member, token, memo) for member, token in tokens.items() for memo in memos]
    rng.shuffle(pairs)
    chaos = Chaos()
    probe_token = next(iter(tokens.values()))
    deadline = time.monotonic() + args.seconds + 120  # time enough to finish after the chaos
    outcomes, __ = await asyncio.gather(
        sign_all(pairs, processes.ports, args.clients, chaos, args.seconds, deadline),
        make_chaos(processes, cluster, chaos, rng, args.seconds, args.outage, probe_token),
    )
    return outcomes, chaos


# -- checks ------------------------------------------------------------------------------------


def log_covers_everything(database_url: str, timeout: float) -> float | None:
    """Seconds until the latest signed tree head covers every event, or None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with psycopg.connect(database_url) as conn:
            events = conn.execute("SELECT count(*) FROM events_event").fetchone()
            head = conn.execute("SELECT coalesce(max(size), 0) FROM log_treehead").fetchone()
        if events and head and head[0] == events[0]:
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def check(database_url: str, outcomes: dict[tuple[str, int], Outcome], chaos: Chaos) -> dict[str, bool]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT s.id, p.username, s.memo_id"
            " FROM memos_signature s JOIN org_person p ON p.id = s.person_id"
        ).fetchall()
        events = conn.execute("SELECT count(*) FROM events_event WHERE kind = 'memo.signed'").fetchone()
    stored = Counter((username, memo) for __, username, memo in rows)
    ids = {signature_id for signature_id, __, __ in rows}
    confirmed = {pair for pair, o in outcomes.items() if o.status in {201, 409}}
    created = [o.signature_id for o in outcomes.values() if o.status == 201]
    return {
        "every pair got a definite answer": all(o.status for o in outcomes.values()),
        "every 201's signature is stored": all(i in ids for i in created),
        "no (member, memo) pair is stored twice": all(n == 1 for n in stored.values()),
        "every stored pair was confirmed by a 201 or a 409": set(stored) <= confirmed,
        "every confirmed pair is stored": confirmed <= set(stored),
        "one memo.signed event per stored signature": events is not None and events[0] == len(rows),
        "no 500 answer": not any(status >= 500 and status != 503 for status in chaos.statuses),
        "503 with Retry-After while the database was down": bool(chaos.outage_probes)
        and all(status == 503 and retry.isdigit() for status, retry in chaos.outage_probes),
        f"answering again within {RECOVERY_GOAL_S:g} s of the database's return": chaos.recovery_s is not None
        and chaos.recovery_s <= RECOVERY_GOAL_S,
    }


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.seed_only:
        seed(args.members, args.memos)
        return 0
    directory = Path(tempfile.mkdtemp(prefix="dissent-crash-"))
    directory.chmod(0o711)  # the cluster's owner (postgres, when we are root) must reach its part
    cluster = Cluster(directory / "postgres", args.pg_port)
    database_url = cluster.url("dissent")
    (directory / "var").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DISSENT_VAR_DIR": str(directory / "var"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_COOKIES": "0",
        "LOG_MAX_MERGE_DELAY": str(MERGE_DELAY_S),
        "DJANGO_SETTINGS_MODULE": "dissent.settings",
    }
    processes = Processes(env, [args.port, args.port + 1], directory)
    try:
        cluster.create()
        cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE dissent")
        subprocess.run([DISSENT, "migrate", "-v", "0"], env=env, check=True)
        seeding = [
            sys.executable,
            __file__,
            "--seed-only",
            "--members",
            str(args.members),
            "--memos",
            str(args.memos),
        ]
        seeded = json.loads(
            subprocess.run(seeding, env=env, check=True, capture_output=True, text=True).stdout
        )
        for port in processes.ports:
            processes.start_app(port)
        processes.start_worker()
        asyncio.run(wait_until_answering(processes.ports, next(iter(seeded["tokens"].values())), timeout=60))
        pairs = args.members * args.memos
        print(
            f"crash test: {args.members} members x {args.memos} memos = {pairs} signatures to make,"
            f" {args.clients} clients, 2 app processes + 1 worker, chaos within {args.seconds:g} s",
            flush=True,
        )
        started = time.monotonic()
        outcomes, chaos = asyncio.run(run(args, processes, cluster, seeded))
        elapsed = time.monotonic() - started
        covered = log_covers_everything(database_url, timeout=60)
        checks = check(database_url, outcomes, chaos)
        checks[f"every event in a signed tree head within {MERGE_DELAY_S} s after the load"] = (
            covered is not None and covered <= MERGE_DELAY_S
        )
        verified = subprocess.run(
            [DISSENT, "verifylog"], env=env, capture_output=True, text=True, check=False
        )
        checks["dissent verifylog passes"] = verified.returncode == 0
        for line in chaos.events:
            print(f"  {line}")
        retried = sum(o.attempts > 1 for o in outcomes.values())
        print(
            f"answers: {dict(sorted(chaos.statuses.items()))}; pairs retried: {retried};"
            f" load took {elapsed:.1f} s; outage probes (status, Retry-After): {chaos.outage_probes}"
        )
        recovery = f"{chaos.recovery_s:.2f} s" if chaos.recovery_s is not None else "never"
        merged = f"{covered:.2f} s" if covered is not None else "not within 60 s"
        print(
            f"answering again after the database's return: {recovery}; log caught up after the load: {merged}"
        )
        print(verified.stdout.strip() or verified.stderr.strip())
        for name, passed in checks.items():
            print(f"{'PASS' if passed else 'FAIL'}  {name}")
        return 0 if all(checks.values()) else 1
    finally:
        processes.stop_all()
        cluster.stop()
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted")
