from django.db import migrations

# PostgreSQL only. Measured at 100,000 memos (docs/performance.md), search was slow for
# common words because every match's whole tsvector was decompressed twice, once to test it
# and once to rank it, from a heap made wide by the term columns. Now:
# - rows keep only small values in the heap (toast_tuple_target): matches found through the
#   GIN index are checked for visibility by reading a few hundred pages, not tens of thousands;
# - ranking uses a small vector of the title, policy and summary only (kept in the row), so a
#   memo that names the words up front ranks first; body-only matches follow, newest first;
# - an index holding the memo columns the access policy tests lets the database check which
#   of many matches a custodian may see from the index alone (SQLite has no INCLUDE).

FORWARD = [
    "ALTER TABLE search_searchdocument SET (toast_tuple_target = 128)",
    # Adding a stored generated column rewrites the table, so existing rows take the new layout.
    """
    ALTER TABLE search_searchdocument ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS (
        CAST(regexp_replace(title_terms, '(\\S+)', '''\\1'':1A', 'g') AS tsvector)
        || CAST(regexp_replace(policy_terms, '(\\S+)', '''\\1'':1B', 'g') AS tsvector)
        || CAST(regexp_replace(summary_terms, '(\\S+)', '''\\1'':1C', 'g') AS tsvector)
    ) STORED
    """,
    "ALTER TABLE search_searchdocument ALTER COLUMN rank_vector SET STORAGE MAIN",
    "CREATE INDEX memo_visibility ON memos_memo (state) "
    "INCLUDE (id, addressee_id, reviewer_id, call_unit_id, purged_at)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS memo_visibility",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS rank_vector",
    "ALTER TABLE search_searchdocument RESET (toast_tuple_target)",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial"), ("memos", "0012_call_unit")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
