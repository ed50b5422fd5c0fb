"""Full-text matching on PostgreSQL (a weighted tsvector column, GIN index) and on SQLite
(FTS5). Both index the same terms (search/indexing.py) and receive the same query: every query
word must match, in any of its forms (search/text.py `query_forms`). What matches is therefore
the same on both; how the matches are ranked differs (PostgreSQL `ts_rank` over the title,
policy and summary; SQLite `bm25` over all fields), so tests compare result sets, and "newest
first" orders identically everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction

#: PostgreSQL ranks at most this many matches, the newest ones; a word found in more memos
#: than this ranks the best of its most recent matches (docs/search.md).
RANK_AT_MOST = 2_000


@dataclass(frozen=True)
class ByRole:
    """The same memos as a Within, in two parts: every memo in `states` (which the reader's
    role sees), and the few `related` ones the reader sees through a relation to them."""

    states: tuple[str, ...]
    related: tuple[int, ...]


@dataclass(frozen=True)
class Within:
    """The memos a search may match, as an SQL subquery of their ids. `narrow`: the reader
    sees only memos they stand in some relation to (not whole states by role), so few.
    `by_role`, when given, is the same set split by role and relation (PostgreSQL then tests
    the states on the search documents themselves)."""

    sql: str
    params: tuple[Any, ...]
    narrow: bool = False
    by_role: ByRole | None = None


class Backend(Protocol):
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: Within,
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> tuple[int, list[int]]:
        """(number of matches, memo ids of one page) for memos `within` whose index holds,
        for every group, at least one of its terms; with `titles_only`, in the title and
        policy fields only (for people who may not read the texts)."""
        ...


#: Title (weight A) and policy (B) only: the GIN index finds candidates, this narrows them.
_TITLES_ONLY = "AND ts_filter(d.vector, '{a,b}') @@ q "


class PostgresBackend:
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: Within,
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> tuple[int, list[int]]:
        # Terms are letters and digits only (search/text.py), so quoting them is enough; the
        # tsquery input function takes them as they are, without parsing or stemming.
        query = " & ".join("(" + " | ".join(f"'{term}'" for term in sorted(group)) + ")" for group in groups)
        if within.by_role is not None:
            # The search document carries its memo's state (migration 0003, kept by triggers),
            # so the role's states are tested on the rows the index found, with no join.
            visible = "(d.memo_state = ANY(%s) OR d.memo_id = ANY(%s))"
            visible_params = [list(within.by_role.states), list(within.by_role.related)]
        elif within.narrow:
            # Naming the few memos lets the planner start from them, which it cannot tell
            # from the subquery's many OR-ed relations.
            with connection.cursor() as cursor:
                cursor.execute(within.sql, within.params)
                ids = [row[0] for row in cursor.fetchall()]
            visible, visible_params = "d.memo_id = ANY(%s)", [ids]
        else:
            visible, visible_params = f"d.memo_id IN ({within.sql})", list(within.params)
        matched = (
            "WITH matched AS MATERIALIZED (SELECT d.memo_id FROM search_searchdocument d, "  # noqa: S608
            f"CAST(%s AS tsquery) q WHERE d.vector @@ q {_TITLES_ONLY if titles_only else ''}AND {visible}) "
        )
        if order == "newest":
            newest = "SELECT memo_id, count(*) OVER () FROM matched ORDER BY memo_id DESC LIMIT %s OFFSET %s"
            sql = matched + newest
            return _run(sql, [query, *visible_params, limit, offset], no_seqscan=True)
        # Ranking reads each candidate's small title-policy-summary vector; only the newest
        # RANK_AT_MOST matches are ranked, so a very common word costs no more than a rarer one.
        ranked = (
            "SELECT c.memo_id, (SELECT count(*) FROM matched) FROM "
            "(SELECT memo_id FROM matched ORDER BY memo_id DESC LIMIT %s) c "
            "JOIN search_searchdocument d ON d.memo_id = c.memo_id "
            "ORDER BY ts_rank(d.rank_vector, CAST(%s AS tsquery)) DESC, c.memo_id DESC LIMIT %s OFFSET %s"
        )
        sql = matched + ranked
        return _run(sql, [query, *visible_params, RANK_AT_MOST, query, limit, offset], no_seqscan=True)


class SqliteBackend:
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: Within,
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> tuple[int, list[int]]:
        query = " AND ".join(
            "(" + " OR ".join(f'"{term}"' for term in sorted(group)) + ")" for group in groups
        )
        if titles_only:
            query = "{title_terms policy_terms} : (" + query + ")"
        ranking = "memo_id DESC" if order == "newest" else "rank, memo_id DESC"
        sql = (
            "SELECT memo_id, count(*) OVER () FROM ("  # noqa: S608 - placeholders only
            "SELECT rowid AS memo_id, bm25(search_fts, 10.0, 5.0, 3.0, 1.0) AS rank FROM search_fts "
            # "+rowid": test membership per match instead of letting FTS5 look up every
            # visible memo (which is 10x slower when the reader may see many memos).
            f"WHERE search_fts MATCH %s AND +rowid IN ({within.sql})) matched "
            f"ORDER BY {ranking} LIMIT %s OFFSET %s"
        )
        return _run(sql, [query, *within.params, limit, offset])


def _run(sql: str, params: list[Any], *, no_seqscan: bool = False) -> tuple[int, list[int]]:
    """With `no_seqscan` (PostgreSQL), the statement may not read a whole table row by row.
    For a word in most memos the planner prefers that to the GIN index, not counting that
    testing a row means decompressing its tsvector: "vena" in 99% of 100,000 memos took
    872 ms that way and 28 ms through the index (docs/performance.md)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if no_seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return 0, []
    return int(rows[0][1]), [int(memo_id) for memo_id, _ in rows]


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()
