"""The similar-memo index in the database, and the suggestions drawn from it.

The method (search/similarity.py) turns a memo into raw features; this module keeps, per memo
that suggestions may point to, its `weigh()`ed features as rows of an inverted index, and the
document frequency of every raw feature. A suggestion is one SQL aggregate over the postings of
the draft's features, restricted by the access policy inside the same statement.

Document frequencies count every memo ever indexed: removing a memo (withdrawn, purged) deletes
its postings but not its share of the frequencies, so weights drift a little until
`dissent reindex` recomputes them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from dissent.memos import policy
from dissent.memos.models import Memo
from dissent.org.models import Person, Role

from . import similarity, text
from .models import FeatureFrequency, SimilarFeature

#: Candidates fetched by the SQL aggregate before the method's final ordering.
CANDIDATES = 50
#: For people who see most memos, how many more to score before the policy filters them.
OVERFETCH = 4
#: Score above which two filed memos are shown to custodians as likely duplicates.
DUPLICATE_SCORE = 0.15
#: Reweigh everything each time the number of indexed memos reaches a power of two from here.
REWEIGH_FROM = 8


@dataclass(frozen=True)
class Suggestion:
    memo: Memo
    score: float
    shared: list[str]


def method() -> similarity.Method:
    return similarity.Lexical()


def memo_text(memo: Memo) -> similarity.MemoText:
    return similarity.MemoText(title=memo.title, summary=memo.summary, body=memo.body)


def _frequencies(features: Iterable[str]) -> tuple[dict[str, int], int]:
    wanted = sorted(set(features) | {""})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found.update(FeatureFrequency.objects.filter(feature__in=chunk).values_list("feature", "documents"))
    return found, found.pop("", 0)


def _count(features: Iterable[str]) -> None:
    """Add one to the document frequency of each feature (and of the memo count), in a fixed
    order so that concurrent indexers never wait on each other in a cycle."""
    rows = [(feature,) for feature in sorted(set(features) | {""})]
    table = FeatureFrequency._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (feature, documents) VALUES (%s, 1) "  # noqa: S608 - our table name
            f"ON CONFLICT (feature) DO UPDATE SET documents = {table}.documents + 1",
            rows,
        )


def add(memo: Memo) -> None:
    """Index a memo for suggestions, once: content is fixed by the time it is suggestable."""
    if memo.pk is None or SimilarFeature.objects.filter(memo_id=memo.pk).exists():
        return
    raw = method().features(memo_text(memo))
    with transaction.atomic():
        _count(raw)
        frequencies, documents = _frequencies(raw)
        weights = similarity.weigh(raw, frequencies, documents)
        SimilarFeature.objects.bulk_create(
            SimilarFeature(memo_id=memo.pk, feature=feature, weight=weight)
            for feature, weight in weights.items()
        )
        if documents >= REWEIGH_FROM and documents & (documents - 1) == 0:
            # The corpus doubled since the last time: weights of early memos were computed
            # from too few documents. The worker recomputes them all.
            from .tasks import reweigh_similar

            transaction.on_commit(reweigh_similar.enqueue)


def remove(memo_id: int | None) -> None:
    if memo_id is not None:
        SimilarFeature.objects.filter(memo_id=memo_id).delete()


def clear() -> None:
    SimilarFeature.objects.all().delete()
    FeatureFrequency.objects.all().delete()


def reweigh() -> int:
    """Recompute every indexed memo's weights with today's frequencies, one memo per
    transaction (suggestions go on being served meanwhile). Returns how many memos."""
    from .indexing import SUGGESTABLE_STATES

    memos = Memo.objects.filter(state__in=SUGGESTABLE_STATES, purged_at__isnull=True).order_by("pk")
    count = 0
    for memo in memos.iterator(chunk_size=500):
        raw = method().features(memo_text(memo))
        frequencies, documents = _frequencies(raw)
        weights = similarity.weigh(raw, frequencies, documents)
        with transaction.atomic():
            SimilarFeature.objects.filter(memo_id=memo.pk).delete()
            SimilarFeature.objects.bulk_create(
                SimilarFeature(memo_id=memo.pk, feature=feature, weight=weight)
                for feature, weight in weights.items()
            )
        count += 1
    return count


def query_weights(draft: similarity.MemoText) -> dict[str, float]:
    raw = method().features(draft)
    frequencies, documents = _frequencies(raw)
    return similarity.weigh(raw, frequencies, documents)


def _sql(queryset: QuerySet[Memo]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.order_by().values("pk").query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _aggregate(
    weights: dict[str, float], where: str, where_params: list[Any], limit: int
) -> list[tuple[int, float]]:
    """(memo id, score) of the best `limit` memos sharing a feature with `weights`, among the
    postings that pass `where` (SQL on the postings table `f`)."""
    values = ", ".join(["(%s, %s)"] * len(weights))
    if connection.vendor == "postgresql":
        values = ", ".join(["(CAST(%s AS varchar(64)), CAST(%s AS double precision))"] * len(weights))
    params: list[Any] = [each for pair in sorted(weights.items()) for each in pair]
    table = SimilarFeature._meta.db_table
    sql = (
        f"WITH q(feature, weight) AS (VALUES {values}) "  # noqa: S608 - placeholders only
        f"SELECT f.memo_id, SUM(f.weight * q.weight) AS score FROM {table} f "
        f"JOIN q ON q.feature = f.feature WHERE {where} "
        "GROUP BY f.memo_id ORDER BY score DESC, f.memo_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params, limit])
        return [(int(memo_id), float(score)) for memo_id, score in cursor.fetchall()]


def _scored(
    weights: dict[str, float], candidates: QuerySet[Memo], limit: int, *, narrow: bool
) -> list[tuple[int, float]]:
    """(memo id, score) of the best `limit` `candidates` sharing a feature with `weights`.

    Someone who sees few memos (`narrow`): the aggregate runs over those memos' postings only.
    Someone who sees most memos (a custodian): the aggregate first runs over all postings for
    `OVERFETCH` times as many, and the policy then keeps those the person may see. If at least
    `limit` remain, they are exactly the best `limit` the person may see (any memo not fetched
    scores lower than all fetched); otherwise the aggregate runs again within the policy."""
    if not weights:
        return []
    visible_sql, visible_params = _sql(candidates)
    if narrow:
        ids = list(candidates.order_by().values_list("pk", flat=True))
        if not ids:
            return []
        return _aggregate(weights, f"f.memo_id IN ({', '.join(['%s'] * len(ids))})", ids, limit)
    fetched = _aggregate(weights, "1 = 1", [], limit * OVERFETCH)
    allowed = set(candidates.filter(pk__in=[memo_id for memo_id, _ in fetched]).values_list("pk", flat=True))
    kept = [(memo_id, score) for memo_id, score in fetched if memo_id in allowed]
    if len(kept) >= limit or len(fetched) < limit * OVERFETCH:
        return kept[:limit]
    return _aggregate(weights, f"f.memo_id IN ({visible_sql})", list(visible_params), limit)


def stored_weights(memo_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    result: dict[int, dict[str, float]] = {}
    for memo_id, feature, weight in SimilarFeature.objects.filter(memo_id__in=list(memo_ids)).values_list(
        "memo_id", "feature", "weight"
    ):
        result.setdefault(memo_id, {})[feature] = weight
    return result


def suggestable(person: Person) -> QuerySet[Memo]:
    """Memos `person` may see and read, that are open for signatures or filed."""
    from .indexing import SUGGESTABLE_STATES

    memos = policy.visible_memos(person).filter(state__in=SUGGESTABLE_STATES, purged_at__isnull=True)
    if person.has_role(Role.AUDITOR):
        # Auditors see that memos exist, not their texts: only memos they stand in some
        # other relation to may be compared with what they write (visible_memos annotates).
        memos = memos.filter(
            Q(is_drafter=True)
            | Q(is_signer=True)
            | Q(is_invitee=True)
            | Q(is_reader=True)
            | Q(addressee=person)
            | Q(reviewer=person)
        )
    return memos


def suggestions(
    person: Person, draft: similarity.MemoText, *, exclude: int | None = None, k: int = 5
) -> list[Suggestion]:
    """The memos most like `draft` that `person` may see and could still join or cite, best
    first. Nothing outside what the policy lets `person` see is ever scored."""
    weights = query_weights(draft)
    candidates = suggestable(person)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    scored = _scored(weights, candidates, CANDIDATES, narrow=not policy.sees_by_role(person))
    stored = stored_weights(memo_id for memo_id, _ in scored)
    ranked = similarity.rerank(weights, [(memo_id, stored.get(memo_id, {})) for memo_id, _ in scored])
    ranked = [(memo_id, score) for memo_id, score in ranked if score >= similarity.MIN_SCORE][:k]
    memos = Memo.objects.in_bulk([memo_id for memo_id, _ in ranked])
    spelled = _spellings(draft)
    return [
        Suggestion(
            memo=memos[memo_id],
            score=score,
            shared=[spelled.get(word, word) for word in similarity.shared(weights, stored[memo_id])],
        )
        for memo_id, score in ranked
        if memo_id in memos
    ]


def _spellings(draft: similarity.MemoText) -> dict[str, str]:
    """Stem -> the word as the draft spells it, so "what they share" reads "policies", not
    the stem "polici" the index keeps."""
    spelled: dict[str, str] = {}
    for word in text.words(f"{draft.title} {draft.summary} {draft.body}"):
        for language in text.LANGUAGES:
            spelled.setdefault(text.stem(word, language), word)
    return spelled


@dataclass(frozen=True)
class Duplicate:
    first: Memo
    second: Memo
    score: float
    shared: list[str]


def duplicates(person: Person, among: QuerySet[Memo], limit: int = 50) -> list[Duplicate]:
    """Pairs of memos that look like the same concern: one of them in `among` (e.g. the
    custodian's queue), the other any memo `person` may see that suggestions point to."""
    table = SimilarFeature._meta.db_table
    among_sql, among_params = _sql(among)
    seen_sql, seen_params = _sql(suggestable(person))
    sql = (
        f"SELECT a.memo_id, b.memo_id, SUM(a.weight * b.weight) AS score FROM {table} a "  # noqa: S608
        f"JOIN {table} b ON b.feature = a.feature AND b.memo_id <> a.memo_id "
        f"WHERE a.memo_id IN ({among_sql}) AND b.memo_id IN ({seen_sql}) "
        "GROUP BY a.memo_id, b.memo_id HAVING SUM(a.weight * b.weight) >= %s "
        "ORDER BY score DESC, a.memo_id, b.memo_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*among_params, *seen_params, DUPLICATE_SCORE, limit * 2])
        rows = cursor.fetchall()
    pairs: dict[frozenset[int], tuple[int, int, float]] = {}
    for first, second, score in rows:
        pairs.setdefault(frozenset((first, second)), (first, second, float(score)))
    chosen = list(pairs.values())[:limit]
    ids = {memo_id for first, second, _ in chosen for memo_id in (first, second)}
    memos = Memo.objects.in_bulk(list(ids))
    stored = stored_weights(ids)
    return [
        Duplicate(memos[first], memos[second], score, similarity.shared(stored[first], stored[second]))
        for first, second, score in chosen
    ]
