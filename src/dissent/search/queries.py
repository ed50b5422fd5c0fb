"""Search over the memos a person may see: the access policy and the filters make one
subquery, and the full-text match runs inside it (search/backends.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dissent.memos import policy
from dissent.memos.models import Memo
from dissent.memos.queries import with_signature_count
from dissent.org.models import OrgUnit, Person, Role

from . import backends, highlight, text

#: Longest query we look at, in words; the rest is ignored (and the page says so).
MAX_QUERY_WORDS = 12
PAGE_SIZE = 20


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    states: tuple[str, ...] = ()
    marking: str = ""
    unit: OrgUnit | None = None
    since: date | None = None
    until: date | None = None
    policy: str = ""
    order: str = "relevance"  # or "newest"
    page: int = 1


@dataclass(frozen=True)
class Hit:
    memo: Memo
    title: SafeString
    snippet: SafeString


@dataclass
class Results:
    total: int = 0
    #: More memos match than the search considers (backends.MATCHES_AT_MOST): `total` is
    #: that many, the newest; a narrower query finds the rest.
    more: bool = False
    hits: list[Hit] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    truncated: bool = False
    #: False for people who see that memos exist but may not read them (auditors): only
    #: titles and policies were searched, and no snippet is shown.
    texts: bool = True


def _subunits(unit: OrgUnit) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in OrgUnit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, pending = [], [unit.pk]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(person: Person, query: SearchQuery) -> QuerySet[Memo]:
    """The memos `person` may see that pass the query's filters (not yet its words)."""
    memos = policy.visible_memos(person)
    if query.states:
        memos = memos.filter(state__in=query.states)
    if query.marking:
        memos = memos.filter(marking__code=query.marking)
    if query.unit is not None:
        # The unit a memo came from is its creator's, when the creator is named.
        memos = memos.filter(created_by__unit__in=_subunits(query.unit))
    if query.since is not None:
        memos = memos.filter(created_at__gte=_day_start(query.since))
    if query.until is not None:
        memos = memos.filter(created_at__lt=_day_start(query.until) + timedelta(days=1))
    if query.policy:
        memos = memos.filter(policy__icontains=query.policy)
    return memos


def search(person: Person, query: SearchQuery) -> Results:
    words = text.query_words(query.text)
    truncated = len(words) > MAX_QUERY_WORDS
    words = words[:MAX_QUERY_WORDS]
    texts = not person.has_role(Role.AUDITOR)
    offset = (max(query.page, 1) - 1) * PAGE_SIZE
    if words:
        groups = [
            frozenset(form for part in _parts(word) for form in text.query_forms(part)) for word in words
        ]
        groups = [group for group in groups if group]

        def subquery() -> tuple[str, tuple[Any, ...]]:
            memos = filtered(person, query).order_by().values("pk")
            sql, params = memos.query.get_compiler(using=memos.db).as_sql()
            return sql, tuple(params)

        within = backends.Within(
            subquery, narrow=not policy.sees_by_role(person), by_role=lambda: _by_role(person, query)
        )
        found_ids = backends.backend().match(
            groups, within, query.order, PAGE_SIZE, offset, titles_only=not texts
        )
        total, more, ids = found_ids.total, found_ids.more, found_ids.ids
    else:
        memos = filtered(person, query)
        total, more = memos.count(), False
        ids = list(memos.order_by("-pk").values_list("pk", flat=True)[offset : offset + PAGE_SIZE])
    found = with_signature_count(Memo.objects.filter(pk__in=ids).select_related("marking")).in_bulk()
    known: dict[str, bool] = {}  # each word's match decided once for the whole page
    hits = [
        Hit(
            memo=found[pk],
            title=highlight.marked(found[pk].shown_title, words, known),
            snippet=highlight.snippet(f"{found[pk].summary}\n\n{found[pk].body}", words, known)
            if texts
            else mark_safe(""),
        )
        for pk in ids
        if pk in found
    ]
    return Results(total=total, more=more, hits=hits, words=words, truncated=truncated, texts=texts)


def _by_role(person: Person, query: SearchQuery) -> backends.ByRole | None:
    """The memos `filtered()` gives, split into the states the reader's role sees whole and
    the few memos seen through a relation; None when a filter other than the state applies
    (then the one subquery is used)."""
    if query.marking or query.unit is not None or query.since or query.until or query.policy:
        return None
    states = [state for state in policy.role_states(person) if not query.states or state in query.states]
    related = policy.visible_by_relation(person, query.states or None)
    return backends.ByRole(tuple(states), tuple(related))


def _parts(word: str) -> list[str]:
    """A hyphenated or apostrophised query word looks for its parts, as they were indexed."""
    return [part for part in word.replace("-", " ").replace("'", " ").split() if part]
