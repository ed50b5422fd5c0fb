"""Words, languages and stems: the one place that turns memo text into search terms.

Both search backends index the terms made here (PostgreSQL with the `simple` configuration,
SQLite FTS5 with `unicode61`), so the same text gives the same terms on both, and a query is
stemmed the same way as the memos it looks for. The stemmers are Snowball's English and
Indonesian algorithms (PyStemmer), the same ones PostgreSQL ships as `english` and
`indonesian`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

import Stemmer

LANGUAGES = ("en", "id")

#: Letters and digits, with inner apostrophes and hyphens kept ("don't", "anti-korupsi").
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")

_ENGLISH_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
"""

_INDONESIAN_STOPWORDS = """
    ada adalah agar akan aku anda antara apa apabila atas atau bagaimana bagi bahwa baik banyak
    beberapa belum berupa bisa boleh dalam dan dapat dari demikian dengan di dia hal hanya harus
    hingga ia ialah ini itu jika juga kalau kami kamu karena ke kepada ketika kita lagi lain
    lebih maka masih melalui mereka meski namun oleh pada para perlu saat sampai saja sangat
    saya sebagai sebelum sedang sehingga sejak sekarang selama seperti serta sesudah setelah
    suatu sudah supaya tanpa telah tentang tersebut tetapi tidak untuk walaupun yaitu yakni yang
"""

#: Words too common to say anything about a memo. Short on purpose: a stop word costs recall.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_ENGLISH_STOPWORDS.split()),
    "id": frozenset(_INDONESIAN_STOPWORDS.split()),
}


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer({"en": "english", "id": "indonesian"}[language])


def fold(text: str) -> str:
    """Lower case, compatibility-normalised (NFKC), accents kept: full-width and ordinary letters are one."""
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> Iterator[str]:
    """The words of `text`, folded, in order."""
    for match in _WORD.finditer(fold(text)):
        yield match.group().replace("\u2019", "'")


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, folded word) for each word of the original `text`, for highlighting."""
    # NFKC may change lengths; match on the original and fold each word on its own (ASCII
    # text, most of it, folds by lower-casing alone).
    if text.isascii():
        for match in _WORD.finditer(text):
            yield match.start(), match.end(), match.group().lower()
        return
    for match in _WORD.finditer(text):
        yield match.start(), match.end(), fold(match.group()).replace("\u2019", "'")


def detect_language(text: str) -> str:
    """'en' or 'id', by which language's stop words the text uses more. English when unsure."""
    counts = dict.fromkeys(LANGUAGES, 0)
    for n, word in enumerate(words(text)):
        if n >= 400:
            break
        for language in LANGUAGES:
            if word in STOPWORDS[language]:
                counts[language] += 1
    return "id" if counts["id"] > counts["en"] else "en"


def stem(word: str, language: str) -> str:
    return str(_stemmer(language).stemWord(word))


def terms(text: str, language: str) -> list[str]:
    """The index terms of `text`: its words without stop words, stemmed for `language`."""
    stop = STOPWORDS[language]
    kept = [word for word in words(text) if word not in stop]
    return [str(each) for each in _stemmer(language).stemWords(kept)]


@lru_cache(maxsize=65536)
def query_forms(word: str) -> frozenset[str]:
    """Every term a query word may match: its English stem, its Indonesian stem and itself, so
    that a query finds a memo whatever language the memo was written (and stemmed) in."""
    return frozenset({word, *(stem(word, language) for language in LANGUAGES)})


def query_words(query: str) -> list[str]:
    """The words of a search query worth looking for (stop words of both languages dropped,
    unless that leaves nothing)."""
    found = list(dict.fromkeys(words(query)))
    kept = [w for w in found if not any(w in STOPWORDS[language] for language in LANGUAGES)]
    return kept or found


def joined(terms_: Iterable[str]) -> str:
    return " ".join(terms_)


def index_terms(value: str, language: str) -> str:
    """Index terms for full-text search, space-separated. Hyphenated and apostrophised words
    are indexed by their parts, so both backends' tokenisers see exactly these terms."""
    parts = " ".join(words(value)).replace("-", " ").replace("'", " ")
    return joined(terms(parts, language))
