import django.db.models.deletion
from django.db import migrations, models

# The full-text index lives beside search_searchdocument and only the database maintains it:
# PostgreSQL computes a weighted tsvector column and indexes it with GIN; SQLite keeps an FTS5
# table in step through triggers. Terms are already stemmed and separated by single spaces
# (search/indexing.py), so PostgreSQL takes them as lexemes without parsing them again.


def _weighted(column: str, weight: str) -> str:
    """The column's terms as tsvector lexemes with a weight. Written as tsvector input
    ('term':1A ...) rather than parsed by to_tsvector, so each term stays exactly one lexeme
    (terms hold only letters and digits, so quoting them is enough); the position is there
    only because PostgreSQL keeps weights on positions."""
    return rf"CAST(regexp_replace({column}, '(\S+)', '''\1'':1{weight}', 'g') AS tsvector)"


POSTGRES_FORWARD = [
    f"""
    ALTER TABLE search_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        {_weighted("title_terms", "A")} || {_weighted("policy_terms", "B")}
        || {_weighted("summary_terms", "C")} || {_weighted("body_terms", "D")}
    ) STORED
    """,
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
]

_COLUMNS = "title_terms, policy_terms, summary_terms, body_terms"
_NEW = "new.title_terms, new.policy_terms, new.summary_terms, new.body_terms"
_OLD = "old.title_terms, old.policy_terms, old.summary_terms, old.body_terms"
SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE search_fts USING fts5({_COLUMNS}, content='search_searchdocument',
        content_rowid='memo_id', tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, {_COLUMNS}) VALUES (new.memo_id, {_NEW}); END""",
    f"""CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_COLUMNS}) VALUES ('delete', old.memo_id, {_OLD}); END""",
    f"""CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_COLUMNS}) VALUES ('delete', old.memo_id, {_OLD});
        INSERT INTO search_fts(rowid, {_COLUMNS}) VALUES (new.memo_id, {_NEW}); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("memos", "0010_retention"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeatureFrequency",
            fields=[
                ("feature", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("documents", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "memo",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="memos.memo",
                    ),
                ),
                ("language", models.CharField(max_length=8)),
                ("title_terms", models.TextField(blank=True)),
                ("summary_terms", models.TextField(blank=True)),
                ("body_terms", models.TextField(blank=True)),
                ("policy_terms", models.TextField(blank=True)),
                ("source_sha256", models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="SimilarFeature",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("feature", models.CharField(max_length=64)),
                ("weight", models.FloatField()),
                (
                    "memo",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="memos.memo"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["feature", "memo", "weight"], name="similar_feature_postings")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("memo", "feature"), name="one_weight_per_feature")
                ],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
