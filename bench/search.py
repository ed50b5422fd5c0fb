"""Search and similar-memo latency at scale (issue: finding memos and joining instead of duplicating).

Fills a fresh database with --memos generated memos (default 100,000; English-like and
Indonesian-like text on 2,000 generated topics, 120-260 words each), indexes them exactly as
the app does (search/text.py terms into the full-text index, search/similarity.py features
into the similar-memo index), then times, as the pages call them:
- `search.queries.search()` for a custodian (who may see every filed memo) and for a member
  (who sees the hundred memos they drafted), 1-3 word queries mixing common and rare words,
  highlighting of the page of 20 hits included;
- `search.similar.suggestions()` for a custodian and for an invited member, the query being
  a new draft on one of the topics (featurising it included).
Prints p50/p95 of each, the goals, and the machine. Nothing is enforced.

Run: .venv/bin/python bench/search.py [--memos 100000] [--queries 300]
        [--database-url sqlite:////tmp/bench-search.sqlite3 | postgresql://postgres@127.0.0.1:5432/dissent_bench_search]
        [--template NAME]  (reuse a filled database: a file for SQLite, a database name for PostgreSQL)
"""

import argparse
import gc
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

GOALS_MS = {"search postgresql": 50.0, "search sqlite": 100.0, "suggestions": 100.0}
TOPICS = 2_000
CHUNK = 2_000

# ---------------------------------------------------------------- text that looks like memos

_SYLLABLES = [
    "ka",
    "ra",
    "to",
    "mi",
    "sa",
    "lu",
    "ne",
    "po",
    "ri",
    "da",
    "ve",
    "ko",
    "ba",
    "te",
    "na",
    "gu",
    "si",
    "lo",
    "pe",
    "ma",
    "ni",
    "du",
    "ho",
    "ta",
]
_EN_SUFFIXES = ["", "", "s", "ed", "ing", "ion", "ions", "ment"]
_ID_PREFIXES = ["", "", "me", "mem", "ber", "di", "pe", "ke"]
_ID_SUFFIXES = ["", "", "kan", "an", "nya", "i"]
_EN_COMMON_WORDS = """
    the of and to in a is that for it as with be on not this by are or from at have an but they
    policy ministry staff we our should would must because embassy government decision memo
    request officers country people programme public support risk review change continue
"""
_EN_COMMON = _EN_COMMON_WORDS.split()
_ID_COMMON_WORDS = """
    yang dan di untuk dengan ini itu dalam tidak akan dari pada kami kita bahwa oleh sebagai
    kebijakan kementerian pegawai kedutaan pemerintah keputusan permintaan negara masyarakat
    program dukungan risiko tinjauan perubahan
"""
_ID_COMMON = _ID_COMMON_WORDS.split()


def _pseudo(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def _vocabulary(seed: int) -> tuple[list[str], list[list[str]]]:
    """A Zipf-ish general vocabulary, and for each topic 25 root words of its own."""
    rng = random.Random(seed)
    general = list(dict.fromkeys(_pseudo(rng, rng.randint(2, 4)) for _ in range(30_000)))
    topics = [[_pseudo(rng, rng.randint(3, 4)) for _ in range(25)] for _ in range(TOPICS)]
    return general, topics


GENERAL, TOPIC_WORDS = _vocabulary(20261125)
_ZIPF = list(accumulate(1.0 / (rank + 1) for rank in range(len(GENERAL))))


def memo_text(index: int) -> tuple[str, str, str, str, int]:
    """(title, summary, body, policy, topic) of generated memo `index`, always the same."""
    rng = random.Random(index)
    topic = rng.randrange(TOPICS)
    indonesian = rng.random() < 0.3
    common = _ID_COMMON if indonesian else _EN_COMMON
    own = TOPIC_WORDS[topic]

    def word() -> str:
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(common)
        root = rng.choice(own) if roll < 0.6 else rng.choices(GENERAL, cum_weights=_ZIPF)[0]
        if indonesian:
            return rng.choice(_ID_PREFIXES) + root + rng.choice(_ID_SUFFIXES)
        return root + rng.choice(_EN_SUFFIXES)

    def sentence(n: int) -> str:
        return " ".join(word() for _ in range(n)).capitalize() + "."

    title = " ".join(word() for _ in range(rng.randint(4, 9))).capitalize()
    summary = sentence(rng.randint(18, 35))
    body = "\n\n".join(
        " ".join(sentence(rng.randint(8, 20)) for _ in range(3)) for _ in range(rng.randint(3, 5))
    )
    policy = " ".join(rng.choice(own) for _ in range(3))
    return title, summary, body, policy, topic


# ---------------------------------------------------------------- indexing in worker processes


def _chunk_terms(bounds: tuple[int, int]) -> tuple[list[tuple[str, ...]], Counter[str]]:
    from dissent.search import similarity, text

    method = similarity.Lexical()
    rows, frequencies = [], Counter[str]()
    for index in range(*bounds):
        title, summary, body, policy, _ = memo_text(index)
        language = text.detect_language(f"{title}\n{summary}\n{body}")
        rows.append(
            (
                language,
                text.index_terms(title, language),
                text.index_terms(summary, language),
                text.index_terms(body, language),
                text.index_terms(policy, language),
            )
        )
        frequencies.update(method.features(similarity.MemoText(title, summary, body)).keys())
    return rows, frequencies


_FREQUENCIES: Counter[str] = Counter()


def _chunk_weights(job: tuple[int, int, int]) -> list[dict[str, float]]:
    from dissent.search import similarity

    first, last, documents = job
    method = similarity.Lexical()
    out = []
    for index in range(first, last):
        title, summary, body, _, _ = memo_text(index)
        raw = method.features(similarity.MemoText(title, summary, body))
        out.append(similarity.weigh(raw, _FREQUENCIES, documents))
    return out


# ---------------------------------------------------------------- database


def fresh_database(url: str, template: str | None) -> bool:
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
        if template and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return True
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def save_template(url: str, template: str) -> None:
    from django.db import connections

    connections.close_all()
    if url.startswith("sqlite:///"):
        shutil.copyfile(url.removeprefix("sqlite:///"), template)
        return
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')


def fill(count: int) -> None:
    """People, then memos in bulk with their search documents and similar-memo features."""
    from django.db import connection, transaction

    from dissent.markings.models import Marking
    from dissent.memos.models import Drafter, Memo, MemoState
    from dissent.org.models import Person, Role
    from dissent.search import similarity
    from dissent.search.models import FeatureFrequency, SearchDocument, SimilarFeature

    global _FREQUENCIES
    principals = [Person.objects.create(username=f"principal{n}", role=Role.PRINCIPAL) for n in range(20)]
    member = Person.objects.create(username="member", role=Role.MEMBER)
    Person.objects.create(username="custodian", role=Role.CUSTODIAN)
    marking = Marking.objects.get(code="SBU")
    bounds = [(start, min(count, start + CHUNK)) for start in range(0, count, CHUNK)]
    started = time.perf_counter()
    frequencies: Counter[str] = Counter()
    start_time = datetime(2025, 1, 1, tzinfo=UTC)
    with Pool(os.cpu_count() or 2) as pool:
        for (first, last), (rows, chunk_frequencies) in zip(
            bounds, pool.imap(_chunk_terms, bounds), strict=True
        ):
            frequencies.update(chunk_frequencies)
            memos, documents = [], []
            for index, row in zip(range(first, last), rows, strict=True):
                title, summary, body, policy, _ = memo_text(index)
                state = MemoState.OPEN if index % 10 == 0 else MemoState.FILED
                at = start_time + timedelta(minutes=index)
                memos.append(
                    Memo(
                        pk=index + 1, title=title, summary=summary, body=body, policy=policy,
                        addressee=principals[index % 20], marking=marking, state=state, created_by=member,
                        created_at=at, filed_at=None if state == MemoState.OPEN else at,
                    )
                )  # fmt: skip
                language, title_terms, summary_terms, body_terms, policy_terms = row
                documents.append(
                    SearchDocument(
                        memo_id=index + 1, language=language, title_terms=title_terms,
                        summary_terms=summary_terms, body_terms=body_terms, policy_terms=policy_terms,
                        source_sha256="-",
                    )
                )  # fmt: skip
            with transaction.atomic():
                Memo.objects.bulk_create(memos, batch_size=1000)
                SearchDocument.objects.bulk_create(documents, batch_size=1000)
                # The member drafted one memo in a thousand (about a hundred in all).
                Drafter.objects.bulk_create(
                    [Drafter(memo_id=i + 1, person=member) for i in range(first, last) if i % 1000 == 0]
                )
            print(
                f"  {last:>7} memos and search documents  {time.perf_counter() - started:6.0f} s", flush=True
            )
        _FREQUENCIES = frequencies
        FeatureFrequency.objects.bulk_create(
            [FeatureFrequency(feature=f, documents=n) for f, n in frequencies.items()]
            + [FeatureFrequency(feature="", documents=count)],
            batch_size=5000,
        )
    bounds3 = [(first, last, count) for first, last in bounds]
    with Pool(os.cpu_count() or 2) as pool:  # forked after _FREQUENCIES is set
        for (first, last, _), weights in zip(bounds3, pool.imap(_chunk_weights, bounds3), strict=True):
            SimilarFeature.objects.bulk_create(
                [
                    SimilarFeature(memo_id=index + 1, feature=feature, weight=weight)
                    for index, each in zip(range(first, last), weights, strict=True)
                    for feature, weight in each.items()
                ],
                batch_size=5000,
            )
            print(f"  {last:>7} memos' similar features  {time.perf_counter() - started:6.0f} s", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    print(f"filled {count} memos in {time.perf_counter() - started:.0f} s ({similarity.Lexical().name})")


# ---------------------------------------------------------------- timing


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


def time_search(count: int, queries: int, rng: random.Random) -> dict[str, list[float]]:
    from dissent.org.models import Person
    from dissent.search.queries import SearchQuery, search

    people = {
        "custodian": Person.objects.get(username="custodian"),
        "member": Person.objects.get(username="member"),
    }
    timings: dict[str, list[float]] = {name: [] for name in people}
    found: dict[str, list[int]] = {name: [] for name in people}
    for _ in range(queries):
        sample = memo_text(rng.randrange(count))
        words = [w.strip(".").lower() for w in f"{sample[0]} {sample[2]}".split() if len(w) > 3]
        query = " ".join(rng.sample(words, rng.randint(1, min(3, len(words)))))
        order = rng.choice(["relevance", "relevance", "newest"])
        for name, person in people.items():
            started = time.perf_counter()
            results = search(person, SearchQuery(text=query, order=order))
            timings[name].append((time.perf_counter() - started) * 1000)
            found[name].append(results.total)
    for name in people:
        counts = found[name]
        print(f"  {name:<9} matches per query: median {statistics.median(counts):.0f}, max {max(counts)}")
    return timings


def time_suggestions(count: int, queries: int, rng: random.Random) -> dict[str, list[float]]:
    from dissent.memos.models import Invitation
    from dissent.org.models import Person
    from dissent.search import similar, similarity

    custodian = Person.objects.get(username="custodian")
    member = Person.objects.get(username="member")
    # The member is invited to 200 open memos (open memos are seen by invitees only).
    open_ids = list(range(1, count + 1, 10))[:200]
    Invitation.objects.bulk_create(
        [Invitation(memo_id=i, person=member, invited_by=member) for i in open_ids], ignore_conflicts=True
    )
    timings: dict[str, list[float]] = {"custodian": [], "member": []}
    shown = []
    for _ in range(queries):
        # A new draft on an existing topic: a memo generated beyond the stored ones.
        title, summary, body, _, _ = memo_text(count + rng.randrange(1_000_000))
        text = similarity.MemoText(title, summary, body)
        for name, person in (("custodian", custodian), ("member", member)):
            started = time.perf_counter()
            found = similar.suggestions(person, text)
            timings[name].append((time.perf_counter() - started) * 1000)
            if name == "custodian":
                shown.append(len(found))
    print(f"  suggestions shown to the custodian: median {statistics.median(shown):.0f}")
    return timings


def report(what: str, who: str, p50: float, p95: float, goal: float, size: str) -> None:
    verdict = "met" if p95 < goal else "NOT met"
    figures = f"p50={p50:6.1f} ms  p95={p95:6.1f} ms  goal p95<{goal:.0f} ms"
    print(f"{what:<11} {who:<9} {figures}  {verdict}  ({size})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--memos", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-search.sqlite3")
    parser.add_argument(
        "--template", help="a filled database to reuse (file or database name); saved when missing"
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DISSENT_VAR_DIR", tempfile.mkdtemp(prefix="bench-search-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    cloned = fresh_database(args.database_url, args.template)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if not cloned:
        fill(args.memos)
        if args.template:
            save_template(args.database_url, args.template)
    vendor = connection.vendor
    if vendor == "postgresql":
        # What autovacuum does to a table after bulk inserts: statistics, and the visibility
        # map that lets index-only scans skip the heap.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}, {platform.system()} {platform.release()}; database: {vendor}")
    # As `dissent serve` does before it forks its workers: what was loaded so far (Django,
    # the app, the fill) is left out of garbage collection, whose full passes over it would
    # otherwise land in some timed queries (seen as 100 ms outliers on 10 ms queries).
    gc.freeze()
    rng = random.Random(1)
    for name, samples in time_search(args.memos, args.queries, rng).items():
        p50, p95 = percentiles(samples)
        goal = GOALS_MS[f"search {vendor}"]
        report("search", name, p50, p95, goal, f"{len(samples)} queries, {args.memos} memos")
    for name, samples in time_suggestions(args.memos, args.queries, rng).items():
        p50, p95 = percentiles(samples)
        goal = GOALS_MS["suggestions"]
        report("suggestions", name, p50, p95, goal, f"{len(samples)} drafts, {args.memos} memos")
    if not args.keep and not args.database_url.startswith("sqlite:///"):
        from django.db import connections

        connections.close_all()
        import psycopg

        admin, name = args.database_url.rsplit("/", 1)
        with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
