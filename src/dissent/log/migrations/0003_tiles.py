"""Nodes move from one row each (LogNode) to tiles of six levels (LogTile, log/tiles.py):
about 1/64 row per leaf instead of two, and four to eight rows per proof at a million
leaves. The tiles are rebuilt from the stored leaf hashes; the tree does not change."""

from collections.abc import Iterator
from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from dissent.log import merkle, tiles

BATCH = 65_536


def _leaves(LogNode: Any) -> Iterator[list[bytes]]:
    size = LogNode.objects.filter(level=0).count()
    for start in range(0, size, BATCH):
        rows = LogNode.objects.filter(level=0, index__gte=start, index__lt=start + BATCH).order_by("index")
        yield [bytes(digest) for digest in rows.values_list("hash", flat=True)]


def nodes_to_tiles(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    LogNode, LogTile = apps.get_model("log", "LogNode"), apps.get_model("log", "LogTile")
    stored: dict[tiles.TileKey, bytes] = {}
    size = 0
    for leaves in _leaves(LogNode):
        tree = tiles.TileAppender(size, {key: stored[key] for key in tiles.partial_tiles(size)})
        tree.extend(leaves)
        size = tree.size
        for level, index, data, _ in tree.changed():
            stored[level, index] = data
    LogTile.objects.bulk_create(
        [LogTile(level=level, index=index, hashes=data) for (level, index), data in stored.items()],
        batch_size=1000,
    )
    if schema_editor.connection.vendor == "postgresql":
        # A full tile is 4,032 bytes: keep it in the row, uncompressed (hashes do not compress).
        schema_editor.execute("ALTER TABLE log_logtile ALTER COLUMN hashes SET STORAGE PLAIN")


def tiles_to_nodes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    LogNode, LogTile = apps.get_model("log", "LogNode"), apps.get_model("log", "LogTile")
    bottom = {(0, t.index): bytes(t.hashes) for t in LogTile.objects.filter(level=0)}
    leaves: list[bytes] = []
    while (leaf := tiles.node_in(bottom, 0, len(leaves))) is not None:
        leaves.append(leaf)
    nodes = merkle.tree_nodes_from_leaves(leaves)
    LogNode.objects.bulk_create(
        [LogNode(level=level, index=index, hash=digest) for (level, index), digest in nodes.items()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("log", "0002_log_state_row")]

    operations = [
        migrations.CreateModel(
            name="LogTile",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "level", "index", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("level", models.SmallIntegerField()),
                ("index", models.BigIntegerField()),
                ("hashes", models.BinaryField(max_length=4032)),
            ],
        ),
        migrations.RunPython(nodes_to_tiles, tiles_to_nodes),
        migrations.DeleteModel(name="LogNode"),
    ]
