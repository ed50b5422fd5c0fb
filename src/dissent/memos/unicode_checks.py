"""Unicode tricks in titles: text that does not read the way it is stored.

A title is what people see in lists, e-mail subjects and exports before they open a memo,
so it is where a forged look-alike would do harm. Three kinds of trick:

- bidirectional controls (U+202A-202E, U+2066-2069, U+200E/200F, U+061C) reorder what a
  reader sees ("Trojan Source"); titles refuse them (`check_title`), because in an e-mail
  subject or a file no warning can travel with the title (line breaks and other control
  characters are refused too: a title is one line, and becomes an e-mail subject);
- other invisible characters (zero-width spaces and joiners, word joiner, byte-order mark,
  every format character, the blank Hangul fillers) make two different titles look the
  same; they are kept, because joiners are legitimate in some scripts and emoji, and
  flagged;
- words mixing Latin, Cyrillic and Greek letters ("paypal" with its "a" the Cyrillic U+0430) imitate a
  familiar word; kept and flagged.

Only `unicodedata` is used: a letter's script is the first word of its Unicode name, which
is exact for the three alphabets that look alike.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

#: Characters that change the direction in which the text around them is displayed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

#: Letters (category Lo) that display as blank space, besides the format characters (Cf).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")

#: Alphabets whose letters imitate each other (Latin a, Cyrillic U+0430, Greek U+03B1 ...).
_LOOK_ALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})

#: At most this many characters or words are named in one warning.
_NAMED_AT_MOST = 5

_WORD = re.compile(r"\w+")


def _describe(char: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE: how a warning names a character nobody can see."""
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_NAMED_AT_MOST])
    return shown + (", …" if len(items) > _NAMED_AT_MOST else "")


def bidi_controls(text: str) -> list[str]:
    """The distinct bidirectional control characters in `text`, in order of appearance."""
    return list(dict.fromkeys(c for c in text if c in BIDI_CONTROLS))


def invisible_characters(text: str) -> list[str]:
    """The distinct invisible characters in `text` other than bidi controls: format
    characters (category Cf: zero-width space and joiners, word joiner, byte-order mark,
    soft hyphen ...) and letters that display as blank."""
    return list(
        dict.fromkeys(
            c
            for c in text
            if c not in BIDI_CONTROLS and (unicodedata.category(c) == "Cf" or c in _BLANK_LETTERS)
        )
    )


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ", 1)[0]


def mixed_script_words(text: str) -> list[tuple[str, list[str]]]:
    """Each word whose letters come from more than one of Latin, Cyrillic and Greek, with
    the letters that are not from the word's main alphabet (the likely impostors)."""
    found: list[tuple[str, list[str]]] = []
    for word in dict.fromkeys(_WORD.findall(text)):
        scripts = [_script(c) for c in word if c.isalpha()]
        counts = Counter(s for s in scripts if s in _LOOK_ALIKE_SCRIPTS)
        if len(counts) < 2:
            continue
        main = counts.most_common(1)[0][0]
        odd = [c for c in dict.fromkeys(word) if c.isalpha() and _script(c) in _LOOK_ALIKE_SCRIPTS - {main}]
        found.append((word, odd))
    return found


def line_breaks_and_controls(text: str) -> list[str]:
    """The distinct control characters (category Cc: tab, carriage return, NEL ...) and line
    or paragraph separators in `text`. A title is one line: it becomes an e-mail subject,
    where a line break makes sending fail."""
    return list(dict.fromkeys(c for c in text if unicodedata.category(c) in {"Cc", "Zl", "Zp"}))


class TitleRefused(ValueError):
    """A title that may not be stored; the message says why, for the person typing."""


def check_title(title: str) -> None:
    """Refuse a title that is not one line, or that a bidi control could make read
    differently from what it says."""
    breaks = line_breaks_and_controls(title)
    if breaks:
        raise TitleRefused(
            _("The title must be one line of text; it contains %(characters)s. Remove them.")
            % {"characters": _listed([_describe(c) for c in breaks])}
        )
    controls = bidi_controls(title)
    if controls:
        raise TitleRefused(
            _(
                "The title contains characters that change the direction of text (%(characters)s), "
                "so readers could see it in another order than it was written. Remove them; "
                "text in any language displays in its own direction without them."
            )
            % {"characters": _listed([_describe(c) for c in controls])}
        )


TitleWarningKind = Literal["bidi", "invisible", "mixed_script"]


@dataclass(frozen=True)
class TitleWarning:
    """A warning shown next to a title: `kind` is stable (for clients), `message` is for
    people, in the active language."""

    kind: TitleWarningKind
    message: str


def title_warnings(title: str) -> list[TitleWarning]:
    """What a reader should know about how the title may deceive, one warning per kind of
    trick. Bidi controls appear here only in titles stored before they were refused."""
    warnings = []
    controls = bidi_controls(title)
    if controls:
        warnings.append(
            TitleWarning(
                "bidi",
                _(
                    "This title contains characters that reorder text (%(characters)s): "
                    "it may not read as written."
                )
                % {"characters": _listed([_describe(c) for c in controls])},
            )
        )
    invisible = invisible_characters(title)
    if invisible:
        warnings.append(
            TitleWarning(
                "invisible",
                _(
                    "This title contains invisible characters (%(characters)s): "
                    "it may not be what it looks like."
                )
                % {"characters": _listed([_describe(c) for c in invisible])},
            )
        )
    mixed = mixed_script_words(title)
    if mixed:
        words = [f"“{word}” ({', '.join(_describe(c) for c in odd)})" for word, odd in mixed]
        warnings.append(
            TitleWarning(
                "mixed_script",
                _(
                    "This title has words mixing alphabets, whose letters can imitate familiar ones: "
                    "%(words)s."
                )
                % {"words": _listed(words)},
            )
        )
    return warnings
