"""HTML to PDF with WeasyPrint, fetching nothing.

Imported only when a PDF is made (exports/pdf.py imports it inside the function), so that
the site starts, and every other page works, on a machine without Pango; only the PDF
export needs the Debian packages (docs/exports.md).
"""

from typing import Any

from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]


class FetchRefused(ValueError):
    """WeasyPrint asked for a resource. Exports are made from inline HTML and CSS and the
    system's fonts only; anything else would be a request to the network or the disk
    chosen by whoever wrote the memo."""


class RefusingFetcher(URLFetcher):  # type: ignore[misc]
    """A URL fetcher that refuses every URL (http, https, file, data alike) and remembers
    what it was asked for. WeasyPrint then leaves the resource out and goes on."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.refused.append(url)
        raise FetchRefused(f"exports fetch nothing: {url}")


def html_to_pdf(html: str, css: str, *, fetcher: RefusingFetcher | None = None) -> bytes:
    """Lay out `html` with the print stylesheet `css` and return the PDF bytes."""
    fetcher = fetcher or RefusingFetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    stylesheet = CSS(string=css, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[stylesheet])
    assert isinstance(pdf, bytes)
    return pdf
