"""Similar memos: which existing memos raise the same concern as a draft, in English or Indonesian.

The method is lexical and pure Python, so it runs the same inside the web process, the worker and
the benchmark, with no Django settings. A memo becomes a sparse vector of features:

- ``w:<stem>``: a word, stemmed for the memo's language (Snowball, via `text.py`);
- ``x:<concept>``: a word or phrase found in the bilingual lexicon (`lexicon.py`), so that
  "evacuation" and "evakuasi", or "procurement" and "pengadaan", become one feature;
- ``c:<key>``: a cognate key, the first letters of a word after English spelling is bent towards
  Indonesian spelling ("sanction" and "sanksi" both give ``c:sanks``), so loan words, invented
  place and programme names, and words missing from the lexicon still meet across languages.

Each feature's raw weight is a field-boosted term frequency (title and summary count more than
the body). `weigh` multiplies by IDF, keeps the `TOP_K` heaviest features and L2-normalises; the
database stores exactly that per memo (plus a document-frequency table), and a suggestion's score
is the dot product of the draft's weighed vector with each stored one (`score`), which SQL computes
over an inverted index. Nothing here needs the full text of a candidate at query time.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from dissent.search import lexicon as _lexicon
from dissent.search.lexicon import is_term
from dissent.search.text import LANGUAGES, STOPWORDS, detect_language, stem, word_spans, words

#: How many weighted features each memo keeps in the index.
TOP_K = 64
#: Suggestions scoring below this are not shown.
MIN_SCORE = 0.05
#: Longest feature key the index accepts.
MAX_KEY = 64

#: Raw weight of one occurrence, by field: a title names the concern, a summary restates it.
FIELD_BOOSTS = (("title", 3.0), ("summary", 2.0), ("body", 1.0))


@dataclass(frozen=True)
class MemoText:
    title: str
    summary: str
    body: str

    def fields(self) -> Iterable[tuple[str, str]]:
        yield "title", self.title
        yield "summary", self.summary
        yield "body", self.body


class Method(Protocol):
    """Anything that turns a memo into raw (pre-IDF) feature weights can drive the suggestions."""

    name: str

    def features(self, text: MemoText) -> dict[str, float]: ...


# --- cognates ---------------------------------------------------------------------------------

#: English spelling bent towards Indonesian spelling, applied in order to a stem. Indonesian
#: words pass through nearly unchanged, so the two languages meet in the middle.
_COGNATE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"ph", "f"),
        (r"th", "t"),
        (r"ch", "k"),
        (r"sh", "sy"),
        (r"[st]ion", "si"),  # sanction -> sanksi, commission -> komisi
        (r"cc(?=[eiy])", "ks"),  # vaccine -> vaksin, access -> akses
        (r"c(?=[eiy])", "s"),  # licence -> lisensi, policy -> polisi
        (r"ck", "k"),
        (r"qu", "ku"),
        (r"[cq]", "k"),  # contract -> kontrak
        (r"x", "ks"),  # export -> ekspor
        (r"y", "i"),  # system -> sistem
        (r"ou", "u"),  # journalist -> jurnalis
        (r"z", "s"),  # organization -> organisasi
        (r"(.)\1", r"\1"),  # commission -> komisi, effective -> efektif
    )
)

#: How many letters of the bent spelling make a cognate key.
COGNATE_LENGTH = 5


@lru_cache(maxsize=65536)
def cognate_key(stem_: str) -> str | None:
    """The cognate key of a stem, or None for short words and numbers (too ambiguous)."""
    if len(stem_) < 4 or not stem_.isalpha():
        return None
    bent = stem_
    for pattern, replacement in _COGNATE_RULES:
        bent = pattern.sub(replacement, bent)
    return bent[:COGNATE_LENGTH] if len(bent) >= 4 else None


# --- names ----------------------------------------------------------------------------------

#: What may come before the first word of a sentence or a list item (quotes, brackets, dashes
#: and bullets included, typographic ones as escapes).
_SENTENCE_START = frozenset(".!?:;\n\"'([*-\u2013\u2014\u2022\u2018\u201c\u201d")


def names(text: str) -> frozenset[str]:
    """Folded words written with a capital inside a sentence and never in lower case: the names of
    places, programmes, companies and laws, which both languages write the same way."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for start, _, word in word_spans(text):
        if not text[start].isupper():
            lower.add(word)
            continue
        j = start - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j >= 0 and text[j] not in _SENTENCE_START:
            capitalised.add(word)
    return frozenset(capitalised - lower)


_DIGIT = re.compile(r"\d")
_ALL_STOPWORDS = STOPWORDS["en"] | STOPWORDS["id"]


def _has_stopword(text: str) -> bool:
    return any(word in _ALL_STOPWORDS for word in words(text))


def _has_digit(word: str) -> bool:
    return _DIGIT.search(word) is not None


# --- the lexical method -----------------------------------------------------------------------


class Lexical:
    """The default method: word stems, bilingual lexicon concepts and cognate keys."""

    def __init__(
        self,
        *,
        use_lexicon: bool = True,
        word_weight: float = 0.25,
        cognate_weight: float = 1.0,
        concept_weight: float = 1.0,
        name_boost: float = 2.0,
    ) -> None:
        self.name_boost = name_boost
        self.use_lexicon = use_lexicon
        self.word_weight = word_weight
        self.cognate_weight = cognate_weight
        self.concept_weight = concept_weight
        self.name = "lexical-v1" if use_lexicon else "lexical-v1-nolex"

    def features(self, text: MemoText) -> dict[str, float]:
        whole = f"{text.title}\n{text.summary}\n{text.body}"
        language = detect_language(whole)
        # A few words without a single stop word (a title being typed) give no sign of their
        # language: look them up in both halves of the lexicon then.
        languages = (
            (language,) if _has_stopword(whole) else (language, *(x for x in LANGUAGES if x != language))
        )
        counts: defaultdict[str, float] = defaultdict(float)
        known = names(f"{text.summary}\n{text.body}") if self.name_boost != 1.0 else frozenset()
        for field, boost in FIELD_BOOSTS:
            for key, weight in self._field_features(getattr(text, field), languages, known):
                counts[key[:MAX_KEY]] += boost * weight
        # Sublinear: a word repeated ten times is not ten times the concern.
        return {
            key: 1.0 + math.log(count) if count > 1 else count for key, count in counts.items() if count > 0
        }

    def _field_features(
        self, text: str, languages: tuple[str, ...], known: frozenset[str]
    ) -> Iterable[tuple[str, float]]:
        raw = [word for word in words(text) if is_term(word)]
        stems = [stem(word, languages[0]) for word in raw]
        found: dict[int, tuple[str, int]] = {}
        if self.use_lexicon and raw:
            by_language = {languages[0]: stems}
            for other in languages[1:]:
                by_language[other] = [stem(word, other) for word in raw]
            found = _lexicon.find(raw, by_language)
        i = 0
        while i < len(raw):
            match = found.get(i)
            if match is not None:
                concept, length = match
                yield "x:" + concept, self.concept_weight
                i += length
                continue
            boost = self.name_boost if raw[i] in known else 1.0
            key = cognate_key(stems[i])
            if key is None and _has_digit(raw[i]):
                # Numbers ("2019", "karsa-3") read the same in both languages: full weight.
                yield "w:" + stems[i], self.cognate_weight * boost
            else:
                yield "w:" + stems[i], self.word_weight * boost
            if key is not None and self.cognate_weight:
                yield "c:" + key, self.cognate_weight * boost
            i += 1


# --- weighting and scoring --------------------------------------------------------------------


def idf(df: int, n_docs: int) -> float:
    """Inverse document frequency; positive even for a feature every document has."""
    return math.log((n_docs + 1) / (df + 0.5))


def weigh(
    raw: Mapping[str, float], df: Mapping[str, int], n_docs: int, top_k: int = TOP_K
) -> dict[str, float]:
    """IDF-weighted, pruned to the `top_k` heaviest features (ties by key), L2-normalised."""
    weighted = [(value * idf(df.get(key, 0), n_docs), key) for key, value in raw.items() if value > 0]
    weighted.sort(key=lambda pair: (-pair[0], pair[1]))
    kept = [(key, value) for value, key in weighted[:top_k] if value > 0]
    norm = math.sqrt(sum(value * value for _, value in kept))
    if not norm:
        return {}
    return {key: value / norm for key, value in kept}


def score(query: Mapping[str, float], doc: Mapping[str, float]) -> float:
    """Cosine of two `weigh` outputs: the sum, over shared features, of the products."""
    if len(doc) < len(query):
        query, doc = doc, query
    return sum(value * doc[key] for key, value in query.items() if key in doc)


def readable(key: str) -> str | None:
    """How a feature is shown to people, or None if it means nothing on its own (a cognate key)."""
    kind, _, value = key.partition(":")
    if kind == "w":
        return value
    if kind == "x":
        return _lexicon.label(value)
    return None


def shared(query: Mapping[str, float], doc: Mapping[str, float], n: int = 5) -> list[str]:
    """Up to `n` readable words the two share, the ones contributing most to the score first."""
    common = sorted((-query[key] * doc[key], key) for key in query.keys() & doc.keys())
    shown: list[str] = []
    for _, key in common:
        word = readable(key)
        if word is not None and word not in shown:
            shown.append(word)
            if len(shown) == n:
                break
    return shown


def rerank[K: (str, int)](
    query_weights: Mapping[str, float], candidates: Sequence[tuple[K, Mapping[str, float]]]
) -> list[tuple[K, float]]:
    """Order candidates (key, stored weights) by score, best first, ties by key.

    The cheap pass over the few dozen candidates the inverted index returned: it needs only
    their stored weights, never their text. For the lexical method it is the exact dot product
    again (the same order SQL gives, with ties settled the same way on every database)."""
    scored = [(key, score(query_weights, weights)) for key, weights in candidates]
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored


class Corpus:
    """An in-memory index that does what the database index does: the same df, weights and scores."""

    def __init__(
        self, method: Method | None = None, *, top_k: int = TOP_K, min_score: float = MIN_SCORE
    ) -> None:
        self.method: Method = method if method is not None else Lexical()
        self.top_k = top_k
        self.min_score = min_score
        self._raw: dict[str, dict[str, float]] = {}
        self._df: Counter[str] = Counter()
        self._weights: dict[str, dict[str, float]] | None = None

    def __len__(self) -> int:
        return len(self._raw)

    def add(self, key: str, text: MemoText) -> None:
        if key in self._raw:
            self._df.subtract(self._raw[key].keys())
        raw = self.method.features(text)
        self._raw[key] = raw
        self._df.update(raw.keys())
        self._weights = None

    def weights(self, key: str) -> dict[str, float]:
        """What the database would store for the memo `key`."""
        return self._all_weights()[key]

    def query_weights(self, text: MemoText) -> dict[str, float]:
        return weigh(self.method.features(text), self._df, len(self._raw), self.top_k)

    def suggest(self, text: MemoText, k: int = 5, exclude: str | None = None) -> list[tuple[str, float]]:
        query = self.query_weights(text)
        candidates = [(key, weights) for key, weights in self._all_weights().items() if key != exclude]
        ranked = rerank(query, candidates)
        return [(key, value) for key, value in ranked if value >= self.min_score and value > 0][:k]

    def _all_weights(self) -> dict[str, dict[str, float]]:
        if self._weights is None:
            n_docs = len(self._raw)
            self._weights = {key: weigh(raw, self._df, n_docs, self.top_k) for key, raw in self._raw.items()}
        return self._weights


__all__ = [
    "MIN_SCORE",
    "TOP_K",
    "Corpus",
    "Lexical",
    "MemoText",
    "Method",
    "cognate_key",
    "rerank",
    "score",
    "shared",
    "weigh",
]
