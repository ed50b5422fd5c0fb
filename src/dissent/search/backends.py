"""Full-text matching on PostgreSQL (a weighted tsvector column, GIN index) and on SQLite
(FTS5). Both index the same terms (search/indexing.py) and receive the same query: every query
word must match, in any of its forms (search/text.py `query_forms`). What matches is therefore
the same on both; how the matches are ranked differs (PostgreSQL `ts_rank` over the title,
policy and summary; SQLite `bm25` over all fields), so tests compare result sets, and "newest
first" orders identically everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from django.db import connection, transaction

#: A search considers at most this many matches, the newest ones: it counts them exactly up
#: to here (beyond, it says "more than"), ranks them and pages through them. A word found in
#: more memos than this costs no more than a rarer one (docs/search.md).
MATCHES_AT_MOST = 2_000


@dataclass(frozen=True)
class Found:
    """`total` matches (at most MATCHES_AT_MOST; `more` if there were more), of which `ids`
    is the asked-for page."""

    total: int
    more: bool
    ids: list[int]


def _page(candidates: list[int], ranked: list[int] | None, limit: int, offset: int) -> Found:
    """The page of `ranked` (or, without ranking, of the candidates newest first)."""
    more = len(candidates) > MATCHES_AT_MOST
    order = candidates[:MATCHES_AT_MOST] if ranked is None else ranked
    return Found(min(len(candidates), MATCHES_AT_MOST), more, order[offset : offset + limit])


@dataclass(frozen=True)
class ByRole:
    """The same memos as a Within, in two parts: every memo in `states` (which the reader's
    role sees), and the few `related` ones the reader sees through a relation to them."""

    states: tuple[str, ...]
    related: tuple[int, ...]


class Within:
    """The memos a search may match, as an SQL subquery of their ids (`sql`, `params`).
    `narrow`: the reader sees only memos they stand in some relation to (not whole states by
    role), so few. `by_role`, when not None, is the same set split by role and relation
    (PostgreSQL then tests the states on the search documents themselves). Both are made by
    their functions when first asked for, so a backend that does not use one costs nothing."""

    def __init__(
        self,
        subquery: Callable[[], tuple[str, tuple[Any, ...]]],
        *,
        narrow: bool = False,
        by_role: Callable[[], ByRole | None] = lambda: None,
    ) -> None:
        self._subquery, self._by_role = subquery, by_role
        self.narrow = narrow

    @cached_property
    def _compiled(self) -> tuple[str, tuple[Any, ...]]:
        return self._subquery()

    @property
    def sql(self) -> str:
        return self._compiled[0]

    @property
    def params(self) -> tuple[Any, ...]:
        return self._compiled[1]

    @cached_property
    def by_role(self) -> ByRole | None:
        return self._by_role()


class Backend(Protocol):
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: Within,
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> Found:
        """The matches among memos `within` whose index holds, for every group, at least one
        of its terms (with `titles_only`, in the title and policy fields only, for people
        who may not read the texts): the newest MATCHES_AT_MOST + 1 are found, and the page
        is cut from them newest first or by rank (order "relevance")."""
        ...


#: Title (weight A) and policy (B) only: the GIN index finds candidates, this narrows them.
_TITLES_ONLY = "AND ts_filter(d.vector, '{a,b}') @@ q "


class PostgresBackend:
    #: The first look is at least this many of the newest documents (more when the word is
    #: rarer: see match), then eight times as many, ... Kept small: for a word in half the
    #: memos, a window of 12,000 or more made the planner drop the word's index and test every
    #: row of the window instead (52-141 ms against 5-7 ms; docs/performance.md, session 8).
    WINDOW = 2 * (MATCHES_AT_MOST + 1)
    #: How many times as costly testing a row for the query is as reading a row the GIN
    #: index found (see match).
    WALK_COST = 16

    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: Within,
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> Found:
        # Terms are letters and digits only (search/text.py), so quoting them is enough; the
        # tsquery input function takes them as they are, without parsing or stemming.
        query = " & ".join("(" + " | ".join(f"'{term}'" for term in sorted(group)) + ")" for group in groups)
        visible, visible_params = self._visible(within)
        newest = (
            "SELECT d.memo_id FROM search_searchdocument d, CAST(%s AS tsquery) q "  # noqa: S608
            f"WHERE d.vector @@ q {_TITLES_ONLY if titles_only else ''}AND {visible} "
            "AND d.memo_id > %s ORDER BY d.memo_id DESC LIMIT %s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(memo_id), 0) FROM search_searchdocument")
            top = cursor.fetchone()[0]
            # The planner does not count that testing a row for a word means decompressing
            # its tsvector, so it is told which index to use (figures: docs/performance.md).
            cursor.execute("SET LOCAL enable_seqscan = off")
            expected = self._expected_matches(cursor, query) if top else 0.0
            walk = expected * expected >= self.WALK_COST * (MATCHES_AT_MOST + 1) * top
            if within.by_role is not None and within.by_role.states and walk:
                # A word in most memos, for a reader who sees whole states: walk the ids from
                # the newest, testing each; ~2,000 / frequency rows are read ("vena", in 99% of
                # 100,000 memos: ~10 ms; through the GIN index, every match's row is read to
                # find the newest: ~45 ms). Cheaper when matches**2 >= WALK_COST * 2,001 *
                # documents: the walk tests ~2,001 * documents / matches rows, each ~WALK_COST
                # times as costly as a row the index found (the test decompresses the row's
                # tsvector: ~4 µs against ~0.25 µs at 100,000 memos): above ~57% there.
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute(newest, [query, *visible_params, 0, MATCHES_AT_MOST + 1])
                candidates = [row[0] for row in cursor.fetchall()]
            else:
                # Rarer words: index bitmaps only (walking the ids backwards, "pada", in 5%,
                # took 167 ms). Looking only at the newest documents, the bitmaps of the word
                # and of the id range are intersected, so only those rows are read: the range
                # is made to hold half as many matches again as needed, by the planner's
                # estimate, and widens eightfold while it holds too few.
                cursor.execute("SET LOCAL enable_indexscan = off")
                needed = 1.5 * (MATCHES_AT_MOST + 1) * top / max(expected, 1.0)
                window = max(self.WINDOW, int(needed))
                while True:
                    after = top - window if window < top else 0
                    cursor.execute(newest, [query, *visible_params, after, MATCHES_AT_MOST + 1])
                    candidates = [row[0] for row in cursor.fetchall()]
                    if len(candidates) > MATCHES_AT_MOST or after == 0:
                        break
                    window *= 8
            if order == "newest" or not candidates:
                return _page(candidates, None, limit, offset)
            # Ranking reads each candidate's small title-policy-summary vector.
            cursor.execute(
                "SELECT memo_id FROM search_searchdocument WHERE memo_id = ANY(%s) "
                "ORDER BY ts_rank(rank_vector, CAST(%s AS tsquery)) DESC, memo_id DESC",
                [candidates[:MATCHES_AT_MOST], query],
            )
            ranked = [row[0] for row in cursor.fetchall()]
        return _page(candidates, ranked, limit, offset)

    @staticmethod
    def _expected_matches(cursor: Any, query: str) -> float:
        """How many documents the planner expects the query to match, from its statistics
        of the tsvector's lexemes (EXPLAIN, no execution)."""
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_searchdocument WHERE vector @@ CAST(%s AS tsquery)",
            [query],
        )
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return float(plan[0]["Plan"]["Plan Rows"])

    @staticmethod
    def _visible(within: Within) -> tuple[str, list[Any]]:
        """The SQL condition on `d` (a search document) for the memos `within`."""
        if within.by_role is not None and within.by_role.states:
            # The search document carries its memo's state (migration 0003, kept by triggers),
            # so the role's states are tested on the rows the index found, with no join.
            condition = "(d.memo_state = ANY(%s) OR d.memo_id = ANY(%s))"
            return condition, [list(within.by_role.states), list(within.by_role.related)]
        if within.by_role is not None:
            # Only related memos: naming them lets the planner start from them.
            return "d.memo_id = ANY(%s)", [list(within.by_role.related)]
        if within.narrow:
            # Naming the few memos lets the planner start from them, which it cannot tell
            # from the subquery's many OR-ed relations.
            with connection.cursor() as cursor:
                cursor.execute(within.sql, within.params)
                ids = [row[0] for row in cursor.fetchall()]
            return "d.memo_id = ANY(%s)", [ids]
        return f"d.memo_id IN ({within.sql})", list(within.params)


class SqliteBackend:
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: Within,
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> Found:
        query = " AND ".join(
            "(" + " OR ".join(f'"{term}"' for term in sorted(group)) + ")" for group in groups
        )
        if titles_only:
            query = "{title_terms policy_terms} : (" + query + ")"
        # FTS5 walks the matches newest first and stops at the limit; bm25 is computed only
        # for the rows it walked. "+rowid": test membership per match instead of letting
        # FTS5 look up every visible memo (10x slower when the reader may see many memos).
        sql = (
            "SELECT rowid, bm25(search_fts, 10.0, 5.0, 3.0, 1.0) FROM search_fts "  # noqa: S608
            f"WHERE search_fts MATCH %s AND +rowid IN ({within.sql}) ORDER BY rowid DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, *within.params, MATCHES_AT_MOST + 1])
            rows = cursor.fetchall()
        candidates = [memo_id for memo_id, _ in rows]
        if order == "newest":
            return _page(candidates, None, limit, offset)
        ranked = sorted(rows[:MATCHES_AT_MOST], key=lambda row: (row[1], -row[0]))
        return _page(candidates, [memo_id for memo_id, _ in ranked], limit, offset)


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()
