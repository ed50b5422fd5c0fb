"""The PDF export read back as a person would read it: pdftotext page by page, pypdf for
the document, pdftoppm for a picture of page 1 (kept in test-artefacts/exports/)."""

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from dissent.events.models import Event, EventKind
from dissent.exports import pdf, printing
from dissent.exports.snapshot import take_export
from dissent.log.sequencer import integrate_pending
from dissent.markings.models import Caveat
from dissent.memos import actions, caveats, responses
from dissent.memos.models import Visibility
from dissent.org.models import Role

from ..conftest import Cast, signed_in
from ..factories import make_person, make_unit
from .support import ARTEFACTS, filed_memo, first_page_png, lines_of, pdf_pages_text

SBU = "SENSITIVE BUT UNCLASSIFIED"
LONG_BODY = "\n\n".join(
    f"## Part {n}\n\n" + "The policy fails on its own terms, and the post sees it every day. " * 25
    for n in range(1, 13)
)


def export_pdf(person: Any, memo_id: int, *, via: str = "web") -> tuple[bytes, str]:
    client = signed_in(person)
    if via == "web":
        response = client.get(f"/memos/{memo_id}/export/pdf")
    else:
        response = client.get(f"/api/v1/memos/{memo_id}/export", {"format": "pdf"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="memo-{memo_id}.pdf"'
    return response.content, response["X-Export-Id"]


def export_reads(memo_id: int) -> list[Event]:
    reads = Event.objects.filter(kind=EventKind.MEMO_READ, object_type="memo", object_id=memo_id)
    return [e for e in reads.order_by("id") if "export" in e.payload]


@pytest.mark.parametrize("via", ["web", "api"])
def test_every_page_carries_the_marking_the_reader_footer_and_page_n_of_m(
    cast: Cast, tmp_path: Path, via: str
) -> None:
    memo = filed_memo(cast.alice, cast.paula, body=LONG_BODY)

    content, export_id = export_pdf(cast.alice, memo.pk, via=via)

    pages = pdf_pages_text(content, tmp_path)
    assert len(pages) >= 3, "the long memo should run over several pages"
    trace = re.compile(
        rf"^Exported by Alice Tester on \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC, export {export_id}$"
    )
    for number, page in enumerate(pages, start=1):
        lines = lines_of(page)
        assert lines[0] == SBU, f"page {number} has no marking at the top"
        assert lines[-3] == SBU, f"page {number} has no marking at the bottom"
        assert trace.match(lines[-2]), f"page {number} footer: {lines[-2]!r}"
        assert lines[-1] == f"page {number} of {len(pages)}"


def test_the_export_id_on_the_pages_is_the_one_in_the_read_record(cast: Cast, tmp_path: Path) -> None:
    memo = filed_memo(cast.alice, cast.paula, body=LONG_BODY)

    content, export_id = export_pdf(cast.alice, memo.pk)

    [event] = export_reads(memo.pk)
    assert event.payload == {"memo": memo.pk, "how": "export_pdf", "marking": "SBU", "export": export_id}
    assert event.actor_id == cast.alice.pk
    for page in pdf_pages_text(content, tmp_path):
        assert f"export {event.payload['export']}" in page
    assert export_id in str(PdfReader(BytesIO(content)).metadata.get("/Keywords", ""))


def test_each_export_gets_its_own_id(cast: Cast, tmp_path: Path) -> None:
    memo = filed_memo(cast.alice, cast.paula)

    _, first_id = export_pdf(cast.alice, memo.pk)
    second, second_id = export_pdf(cast.carol, memo.pk, via="api")

    assert first_id != second_id
    assert [(e.actor_id, e.payload["export"]) for e in export_reads(memo.pk)] == [
        (cast.alice.pk, first_id),
        (cast.carol.pk, second_id),
    ]
    assert "Exported by Carol Tester" in pdf_pages_text(second, tmp_path)[0]


def test_the_trace_time_is_in_the_readers_time_zone(cast: Cast, tmp_path: Path) -> None:
    cast.alice.time_zone = "Asia/Jakarta"
    cast.alice.save()
    memo = filed_memo(cast.alice, cast.paula)

    content, export_id = export_pdf(cast.alice, memo.pk)

    assert re.search(
        rf"on \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d WIB, export {export_id}", pdf_pages_text(content, tmp_path)[0]
    )


def test_a_picture_of_page_one_is_kept_and_shows_the_marking_at_top_and_bottom(
    cast: Cast, tmp_path: Path
) -> None:
    memo = filed_memo(
        cast.alice, cast.paula, body=LONG_BODY, invitees=[cast.bob], signers=[(cast.bob, Visibility.NAMED)]
    )
    content, _ = export_pdf(cast.alice, memo.pk)

    png = first_page_png(content, ARTEFACTS / "memo-page-1.png", tmp_path)

    assert (ARTEFACTS / "memo-page-1.png").stat().st_size > 0
    with Image.open(png) as image:
        page = image.convert("L")
        width, height = page.size
        assert height > width, "an A4 page, portrait"
        # Ink in the top and bottom margins: the running marking header and footer.
        top = page.crop((0, 0, width, int(height * 0.08)))
        bottom = page.crop((0, int(height * 0.90), width, height))
        assert top.getextrema()[0] < 100
        assert bottom.getextrema()[0] < 100


def test_the_signature_count_names_and_receipt_summary(cast: Cast, tmp_path: Path) -> None:
    memo = filed_memo(
        cast.alice,
        cast.paula,
        invitees=[cast.bob, cast.ivan],
        signers=[(cast.bob, Visibility.PROTECTED), (cast.ivan, Visibility.NAMED)],
    )

    pending, _ = export_pdf(cast.alice, memo.pk)
    integrate_pending()
    integrated, _ = export_pdf(cast.alice, memo.pk)

    before = " ".join(lines_of("\n".join(pdf_pages_text(pending, tmp_path))))
    assert "Signatures 2" in before
    assert "2 signatures" in before
    assert "1. Protected signer" in before
    assert "2. Ivan Tester" in before
    assert "Receipt pending: the filing is not yet in the channel's tamper-evident log" in before
    after = " ".join(lines_of("\n".join(pdf_pages_text(integrated, tmp_path))))
    assert "Receipt pending" not in after
    assert re.search(
        r"Filed with 2 signatures\. The filing is entry \d+ of the channel's tamper-evident log", after
    )
    assert memo.content_sha256 in after


def test_the_handling_description_and_addenda_are_in_the_copy(cast: Cast, tmp_path: Path) -> None:
    memo = filed_memo(cast.alice, cast.paula)
    actions.add_addendum(memo, cast.alice, body="A **correction**: the cable was sent on Tuesday.")

    content, _ = export_pdf(cast.paula, memo.pk)

    text = " ".join(lines_of("\n".join(pdf_pages_text(content, tmp_path))))
    assert "Not for public release. Share only with people who need it for their work." in text
    assert "Addendum of" in text
    assert "A correction: the cable was sent on Tuesday." in text
    assert "Because the policy fails on its own terms." in text


@pytest.mark.parametrize(
    ("reply_marking", "banner"), [("CONFIDENTIAL", "CONFIDENTIAL"), ("UNCLASSIFIED", SBU)]
)
def test_the_banner_is_the_highest_marking_of_memo_and_reply(
    cast: Cast, tmp_path: Path, reply_marking: str, banner: str
) -> None:
    memo = filed_memo(cast.alice, cast.paula, body=LONG_BODY)
    responses.acknowledge_memo(memo, cast.carol)
    responses.draft_reply(memo, cast.carol, text="We have weighed it carefully.", marking=reply_marking)
    responses.approve_reply(memo, cast.paula)

    content, _ = export_pdf(cast.carol, memo.pk)

    pages = pdf_pages_text(content, tmp_path)
    for page in pages:
        lines = lines_of(page)
        assert lines[0] == banner
        assert lines[-3] == banner
    assert "We have weighed it carefully." in "\n".join(pages)


def test_the_memos_caveats_follow_the_marking_on_every_page(cast: Cast, tmp_path: Path) -> None:
    hq = make_unit("hq")
    cast.alice.unit = make_unit("office", parent=hq)
    cast.alice.save()
    caveat = Caveat.objects.create(code="hq-only", label="Headquarters only", description="Not for posts.")
    caveat.units.add(hq)
    memo = filed_memo(cast.alice, cast.paula, body=LONG_BODY)
    caveats.set_caveats(memo, cast.carol, codes=["hq-only"])

    content, _ = export_pdf(cast.alice, memo.pk)

    pages = pdf_pages_text(content, tmp_path)
    for page in pages:
        lines = lines_of(page)
        assert lines[0] == f"{SBU}//HQ-ONLY"
        assert lines[-3] == f"{SBU}//HQ-ONLY"
    assert "HQ-ONLY (Headquarters only): Not for posts." in " ".join(lines_of(pages[0]))


def test_a_reply_whose_marking_forbids_the_reader_to_export_it_stays_out_of_the_copy(
    cast: Cast, tmp_path: Path
) -> None:
    memo = filed_memo(cast.alice, cast.paula)
    responses.acknowledge_memo(memo, cast.carol)
    responses.draft_reply(memo, cast.carol, text="Our confidential answer.", marking="CONFIDENTIAL")
    responses.approve_reply(memo, cast.paula)

    content, _ = export_pdf(cast.alice, memo.pk)

    text = " ".join(lines_of("\n".join(pdf_pages_text(content, tmp_path))))
    assert "Our confidential answer." not in text
    assert "The reply is marked CONFIDENTIAL" in text
    assert lines_of(pdf_pages_text(content, tmp_path)[0])[0] == SBU


def test_a_protected_name_is_in_the_copy_only_for_whoever_may_see_it(db: None, tmp_path: Path) -> None:
    cora = make_person("cora", Role.CUSTODIAN)
    carol = make_person("carol", Role.CUSTODIAN)
    sam = make_person("sam", supervisor=cora)
    alice, paula = make_person("alice"), make_person("paula", Role.PRINCIPAL)
    memo = filed_memo(alice, paula, invitees=[sam], signers=[(sam, Visibility.PROTECTED)])

    texts = {
        person.username: "\n".join(pdf_pages_text(export_pdf(person, memo.pk)[0], tmp_path))
        for person in (alice, paula, cora, carol)
    }

    assert "Sam Tester" in texts["carol"]
    for who in ("alice", "paula", "cora"):
        assert "Sam" not in texts[who], f"{who}'s copy names the protected signer"
        assert "Protected signer" in texts[who]


def test_a_hostile_title_is_text_in_the_copy_and_never_in_the_filename(cast: Cast, tmp_path: Path) -> None:
    title = '../../etc/passwd <script>alert("x")</script> & more'  # one line: titles refuse line breaks
    memo = filed_memo(cast.alice, cast.paula, title=title, body="<script>alert(1)</script>\n\nPlain words.")

    content, _ = export_pdf(cast.alice, memo.pk)
    via_api, _ = export_pdf(cast.alice, memo.pk, via="api")
    html = pdf.memo_html(take_export(cast.alice, memo.pk))

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    text = " ".join(lines_of(pdf_pages_text(content, tmp_path)[0]))
    assert '<script>alert("x")</script> & more' in text
    assert "alert(1)" not in text  # the sanitiser dropped the body's script
    metadata = PdfReader(BytesIO(via_api)).metadata
    assert metadata is not None
    assert metadata.title == title  # as data in the PDF's metadata, not as a path


def test_the_renderer_fetches_nothing(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    refuse = printing.RefusingFetcher.fetch

    def spy(self: printing.RefusingFetcher, url: str, headers: Any = None) -> Any:
        asked.append(url)
        return refuse(self, url, headers)

    monkeypatch.setattr(printing.RefusingFetcher, "fetch", spy)
    body = '<img src="https://example.invalid/pixel.png">\n\n![chart](https://example.invalid/chart.png)'
    memo = filed_memo(cast.alice, cast.paula, body=body)

    export_pdf(cast.alice, memo.pk)
    asked_by_the_export = list(asked)
    fetcher = printing.RefusingFetcher()
    printing.html_to_pdf(
        '<link rel="stylesheet" href="file:///etc/passwd"><img src="https://example.invalid/x.png">',
        "@import url(https://example.invalid/a.css); body { background: url(data:image/png;base64,AAAA) }",
        fetcher=fetcher,
    )

    assert asked_by_the_export == [], "the export asked for a resource"
    assert set(fetcher.refused) >= {
        "file:///etc/passwd",
        "https://example.invalid/x.png",
        "https://example.invalid/a.css",
    }
    css = pdf.print_css()
    assert "url(" not in css
    assert "@import" not in css
    assert "@font-face" not in css


def test_fonts_come_from_the_system_and_are_embedded(cast: Cast) -> None:
    memo = filed_memo(cast.alice, cast.paula)

    content, _ = export_pdf(cast.alice, memo.pk)

    fonts = set()
    for page in PdfReader(BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts
    assert all("DejaVu" in name for name in fonts), fonts
