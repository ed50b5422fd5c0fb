"""The tamper-evident log over events (RFC 9162 Merkle tree), as stored rows.

Every row here is append-only. LogState is the one mutable row: the sequencer's lock and
its record of the current size and root.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from dissent.events.models import AppendOnlyError, Event


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.label} rows are append-only")


class LogState(models.Model):
    """The single row (pk=1) the sequencer locks; size and root of the integrated tree,
    and the outcome of the last full verification."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32, default=b"")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_size = models.BigIntegerField(default=0)
    verified_ok = models.BooleanField(null=True)
    verified_message = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"log of size {self.size}"


class LogEntry(AppendOnly):
    """Leaf `index` of the log is event `event`."""

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="log_entry")
    sequenced_at = models.DateTimeField()

    class Meta:
        ordering = ["index"]
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"leaf {self.index}: event {self.event_id}"


class LogTile(models.Model):
    """Six levels of the tree's perfect-subtree hashes (log/tiles.py): tile (level, index)
    holds the nodes at levels 6*level .. 6*level + 5 under node (6*level + 6, index), 32
    bytes each, in the order appending completes them. Only the rightmost tile of each
    level grows (the sequencer rewrites it with nodes appended); what a tile holds never
    changes, which `dissent verifylog` checks."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField(max_length=4032)

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}"


class TreeHead(AppendOnly):
    """A signed tree head: the log's signed statement of its size and root at a time."""

    size = models.BigIntegerField(unique=True)
    root = models.BinaryField(max_length=32)
    timestamp_ms = models.BigIntegerField()
    signature = models.BinaryField(max_length=64)
    key_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"tree head {self.size}"
