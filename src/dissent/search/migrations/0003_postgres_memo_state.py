from django.db import migrations

# PostgreSQL only. A custodian may see every filed memo, so their search tested each match
# against ~90% of the memo table (a hash join: ~70 ms for a word in most of 100,000 memos,
# docs/performance.md). The search document now carries its memo's state, kept by the
# database itself (triggers, in the same statement as any change of state, however it is
# made), so that the states a role sees are tested on the index's own rows. Django does not
# know the column; search/backends.py is the only code that reads it.

FORWARD = [
    "ALTER TABLE search_searchdocument ADD COLUMN memo_state text",
    """
    CREATE FUNCTION search_document_memo_state() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.memo_state := (SELECT state FROM memos_memo WHERE id = NEW.memo_id);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER search_document_memo_state BEFORE INSERT OR UPDATE ON search_searchdocument
    FOR EACH ROW EXECUTE FUNCTION search_document_memo_state()
    """,
    """
    CREATE FUNCTION memo_state_to_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_searchdocument SET memo_state = NEW.state WHERE memo_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER memo_state_to_search_document AFTER UPDATE OF state ON memos_memo
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION memo_state_to_search_document()
    """,
    # Existing documents: the BEFORE trigger fills the column on this update.
    "UPDATE search_searchdocument SET memo_id = memo_id",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS memo_state_to_search_document ON memos_memo",
    "DROP FUNCTION IF EXISTS memo_state_to_search_document()",
    "DROP TRIGGER IF EXISTS search_document_memo_state ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_document_memo_state()",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS memo_state",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postgres_rank_vector")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
