"""Full-text matching on PostgreSQL (a weighted tsvector column, GIN index) and on SQLite
(FTS5). Both index the same terms (search/indexing.py) and receive the same query: every query
word must match, in any of its forms (search/text.py `query_forms`). What matches is therefore
the same on both; how the matches are ranked differs (PostgreSQL `ts_rank`, SQLite `bm25`), so
tests compare result sets, and "newest first" orders identically everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.db import connection

#: Weights of the fields, highest first: title, policy, summary, body.
FIELDS = ("title_terms", "policy_terms", "summary_terms", "body_terms")


class Backend(Protocol):
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: tuple[str, tuple[Any, ...]],
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> tuple[int, list[int]]:
        """(number of matches, memo ids of one page) for memos in the `within` subquery whose
        index holds, for every group, at least one of its terms; with `titles_only`, in the
        title and policy fields only (for people who may not read the texts)."""
        ...


def _order(order: str, rank: str, ascending_rank: bool) -> str:
    if order == "newest":
        return "memo_id DESC"
    return f"{rank} {'ASC' if ascending_rank else 'DESC'}, memo_id DESC"


#: Title (weight A) and policy (B) only: the GIN index finds candidates, this narrows them.
_TITLES_ONLY = "AND ts_filter(d.vector, '{a,b}') @@ q "


class PostgresBackend:
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: tuple[str, tuple[Any, ...]],
        order: str,
        limit: int,
        offset: int,
        titles_only: bool = False,
    ) -> tuple[int, list[int]]:
        # Terms are letters and digits only (search/text.py), so quoting them is enough; the
        # tsquery input function takes them as they are, without parsing or stemming.
        query = " & ".join("(" + " | ".join(f"'{term}'" for term in sorted(group)) + ")" for group in groups)
        within_sql, within_params = within
        sql = (
            "SELECT memo_id, count(*) OVER () FROM ("  # noqa: S608 - placeholders only
            "SELECT d.memo_id, ts_rank(d.vector, q) AS rank FROM search_searchdocument d, "
            "CAST(%s AS tsquery) q WHERE d.vector @@ q "
            f"{_TITLES_ONLY if titles_only else ''}"
            f"AND d.memo_id IN ({within_sql})) matched ORDER BY {_order(order, 'rank', False)} "
            "LIMIT %s OFFSET %s"
        )
        return _run(sql, [query, *within_params, limit, offset])


class SqliteBackend:
    def match(
        self,
        groups: Sequence[frozenset[str]],
        within: tuple[str, tuple[Any, ...]],
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
        within_sql, within_params = within
        sql = (
            "SELECT memo_id, count(*) OVER () FROM ("  # noqa: S608 - placeholders only
            "SELECT rowid AS memo_id, bm25(search_fts, 10.0, 5.0, 3.0, 1.0) AS rank FROM search_fts "
            # "+rowid": test membership per match instead of letting FTS5 look up every
            # visible memo (which is 10x slower when the reader may see many memos).
            f"WHERE search_fts MATCH %s AND +rowid IN ({within_sql})) matched "
            f"ORDER BY {_order(order, 'rank', True)} LIMIT %s OFFSET %s"
        )
        return _run(sql, [query, *within_params, limit, offset])


def _run(sql: str, params: list[Any]) -> tuple[int, list[int]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return 0, []
    return int(rows[0][1]), [int(memo_id) for memo_id, _ in rows]


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()
