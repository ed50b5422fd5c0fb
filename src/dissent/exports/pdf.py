"""The PDF export: the memo laid out for print, with its marking at the top and bottom of
every page, "page N of M", and a trace line on every page (who exported it, when, and the
export id that the read record keeps), so a copy found anywhere leads back to its export.

Everything the reader typed (title, names, Markdown) reaches the PDF only through the
autoescaping template, never through CSS strings: the margin boxes show running HTML
elements (`position: running()`), so no text of ours needs escaping for CSS.
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from dissent.memos.content import render_markdown

from .snapshot import MemoExport


def trace_time(export: MemoExport) -> str:
    """The export time as printed on the copy: seconds and the zone, in the reader's time
    zone (the page middleware activates it), so it reads unambiguously on paper."""
    local = timezone.localtime(export.exported_at)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


def memo_html(export: MemoExport) -> str:
    """The HTML WeasyPrint lays out (also useful to inspect in a test)."""
    memo, response = export.memo, export.response
    context = {
        "export": export,
        "memo": memo,
        "banner": export.banner,
        "markings": export.markings,
        "caveats": export.caveats,
        "readable": export.readable,
        "body_html": render_markdown(memo.body) if export.readable else "",
        "addenda": [(a, render_markdown(a.body)) for a in export.addenda],
        "response": response,
        "reply_html": render_markdown(response.reply.text) if response.reply else "",
        "signatures": export.signatures,
        "signature_count": len(export.signatures) + len((export.anonymous or {}).get("signatures", [])),
        "receipt": export.receipt,
        "exported_at": trace_time(export),
        "language": translation.get_language() or "en",
        # Empty spans the print stylesheet fills with the page counters; passed as safe
        # markup so that translators can place them anywhere in "page N of M".
        "page_number": mark_safe('<span class="page-number"></span>'),
        "page_count": mark_safe('<span class="page-count"></span>'),
    }
    return render_to_string("exports/memo.html", context)


def print_css() -> str:
    return render_to_string("exports/print.css")


def render_pdf(export: MemoExport) -> bytes:
    from .printing import html_to_pdf  # WeasyPrint loads Pango: only when a PDF is made

    return html_to_pdf(memo_html(export), print_css())
