"""What a memo says, as canonical bytes and as safe HTML."""

from typing import Any

import nh3
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


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: whatever HTML the author wrote is cleaned by
    nh3 (no script, no event handler, no javascript: URL survives)."""
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
