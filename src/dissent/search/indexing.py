"""Keeping the search room's indexes in step with memos.

Memos do not know about search (search may call memos, not the other way round), so the index
follows each memo save through Django's post_save signal, inside the same transaction as the
action that saved it: a memo is searchable as soon as its change commits, and never before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection
from django.db.models.signals import post_save
from django.dispatch import receiver

from dissent.memos.models import FILED_STATES, Memo, MemoState

from . import similar, text
from .models import SearchDocument

#: Memos that suggestions may point to: people can still join them (open) or they are on record.
SUGGESTABLE_STATES = frozenset({MemoState.OPEN, *FILED_STATES})


def source_digest(title: str, summary: str, body: str, policy: str) -> str:
    return hashlib.sha256("\x1f".join((title, summary, body, policy)).encode()).hexdigest()


def document_for(memo_id: int, title: str, summary: str, body: str, policy: str) -> SearchDocument:
    """The (unsaved) search document of a memo with these texts."""
    language = text.detect_language(f"{title}\n{summary}\n{body}")
    return SearchDocument(
        memo_id=memo_id,
        language=language,
        title_terms=text.index_terms(title, language),
        summary_terms=text.index_terms(summary, language),
        body_terms=text.index_terms(body, language),
        policy_terms=text.index_terms(policy, language),
        source_sha256=source_digest(title, summary, body, policy),
    )


def index_document(memo: Memo) -> SearchDocument | None:
    """Write the memo's search document if its text changed; returns it when written."""
    digest = source_digest(memo.title, memo.summary, memo.body, memo.policy)
    current = SearchDocument.objects.filter(memo_id=memo.pk).values_list("source_sha256", flat=True).first()
    if current == digest:
        return None
    document = document_for(memo.pk, memo.title, memo.summary, memo.body, memo.policy)
    document.save(force_insert=current is None, force_update=current is not None)
    return document


def index_memo(memo: Memo) -> None:
    index_document(memo)
    if memo.state in SUGGESTABLE_STATES and memo.purged_at is None:
        similar.add(memo)
    else:
        similar.remove(memo.pk)


@receiver(post_save, sender=Memo, dispatch_uid="search-index-memo")
def _memo_saved(sender: type[Memo], instance: Memo, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures
        return
    index_memo(instance)


def rebuild() -> int:
    """Index every memo again from scratch (the `reindex` command). Returns how many."""
    SearchDocument.objects.all().delete()
    similar.clear()
    count = 0
    for memo in Memo.objects.order_by("pk").iterator(chunk_size=500):
        index_memo(memo)
        count += 1
    similar.reweigh()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    return count
