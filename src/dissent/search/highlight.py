"""Showing why a memo matched: the query's words marked in the title and in a short snippet.

Done here on the original text rather than by either database, so that both backends show the
same highlights, and so that a word is marked whichever language's stem made it match."""

from __future__ import annotations

from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import text

#: Words of context in a snippet.
SNIPPET_WORDS = 36


def _matcher(words: list[str]) -> frozenset[str]:
    return _forms_of(tuple(words))


@lru_cache(maxsize=256)
def _forms_of(words: tuple[str, ...]) -> frozenset[str]:
    forms: set[str] = set()
    for word in words:
        for part in word.replace("-", " ").replace("'", " ").split():
            forms |= text.query_forms(part)
    return frozenset(forms)


def _hits(
    spans: list[tuple[int, int, str]], forms: frozenset[str], known: dict[str, bool] | None = None
) -> list[bool]:
    """Whether each word matches. `known`, shared by the caller across texts for the same
    query (memos repeat their words, and each other's), remembers what was decided."""
    known = {} if known is None else known
    result = []
    for _, _, word in spans:
        hit = known.get(word)
        if hit is None:
            parts = word.replace("-", " ").replace("'", " ").split()
            hit = known[word] = any(not text.query_forms(part).isdisjoint(forms) for part in parts)
        result.append(hit)
    return result


def _render(value: str, spans: list[tuple[int, int, str]], hits: list[bool], start: int, end: int) -> str:
    out: list[str] = []
    cursor = start
    for (begin, finish, _), hit in zip(spans, hits, strict=True):
        if finish <= start or begin >= end or not hit:
            continue
        out.append(escape(value[cursor:begin]))
        out.append(f"<mark>{escape(value[begin:finish])}</mark>")
        cursor = finish
    out.append(escape(value[cursor:end]))
    return "".join(out)


def marked(value: str, words: list[str], known: dict[str, bool] | None = None) -> SafeString:
    """`value`, escaped, with every word that matches the query marked."""
    spans = list(text.word_spans(value))
    hits = _hits(spans, _matcher(words), known) if words else [False] * len(spans)
    return mark_safe(_render(value, spans, hits, 0, len(value)))  # noqa: S308 - escaped piece by piece


def snippet(value: str, words: list[str], known: dict[str, bool] | None = None) -> SafeString:
    """The stretch of `value` with the most matching words, about SNIPPET_WORDS long, escaped
    and marked; ellipses where it was cut."""
    value = " ".join(value.split())
    spans = list(text.word_spans(value))
    if not spans:
        return mark_safe("")
    hits = _hits(spans, _matcher(words), known) if words else [False] * len(spans)
    best, best_count, window = 0, -1, min(SNIPPET_WORDS, len(spans))
    count = sum(hits[:window])
    for first in range(len(spans) - window + 1):
        if first:
            count += hits[first + window - 1] - hits[first - 1]
        if count > best_count:
            best, best_count = first, count
    start = 0 if best == 0 else spans[best][0]
    end = len(value) if best + window >= len(spans) else spans[best + window - 1][1]
    body = _render(value, spans, hits, start, end)
    return mark_safe(("… " if start else "") + body + (" …" if end < len(value) else ""))  # noqa: S308
