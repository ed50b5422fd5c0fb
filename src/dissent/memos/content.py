"""What a memo says, as canonical bytes and as safe HTML."""

from functools import lru_cache
from typing import Any

import nh3
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from dissent.events.canonical import canonical_sha256

from .models import Memo

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


#: markdown-it-py looks for the end of a link label from every "[", so its time grows with
#: the square of the brackets in a paragraph: 25,000 "![" took 1 to 3 s, 2,000 "[" 0.05 s. A memo
#: has a few dozen links; texts with more brackets than this are refused (`markdown_problem`).
MARKDOWN_MAX_BRACKETS = 2_000


def markdown_problem(label: str, text: str) -> str | None:
    """Why `text` may not be stored as Markdown, or None: a message for the writer."""
    brackets = text.count("[")
    if brackets > MARKDOWN_MAX_BRACKETS:
        return _(
            "%(field)s has %(count)d “[” brackets, at most %(limit)d: so many take too long to show."
        ) % {
            "field": label,
            "count": brackets,
            "limit": MARKDOWN_MAX_BRACKETS,
        }
    return None


@lru_cache(maxsize=32)
def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: whatever HTML the author wrote is cleaned by
    nh3 (no script, no event handler, no javascript: URL survives). A text is rendered once
    per process while it is among the last 32 shown (a filed text never changes)."""
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def filed_content(memo: Memo) -> dict[str, Any]:
    """The fields that filing freezes, in the form whose hash the filing event records."""
    return {
        "memo": memo.pk,
        "title": memo.title,
        "summary": memo.summary,
        "body": memo.body,
        "policy": memo.policy,
        "addressee": memo.addressee.username,
        "marking": memo.marking.code,
    }


def content_sha256(memo: Memo) -> str:
    return canonical_sha256(filed_content(memo))
