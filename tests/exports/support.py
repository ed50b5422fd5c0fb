"""Memos to export, and PDFs read back the way a person would see them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from dissent.memos import actions
from dissent.memos.models import Memo, MemoState, Visibility
from dissent.org.models import Person

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "exports"

SUMMARY = "We ask leadership to change course."
BODY = "## Why\n\nBecause the policy fails on its own terms."


def filed_memo(
    drafter: Person,
    addressee: Person,
    *,
    marking: str = "SBU",
    title: str = "Change course",
    body: str = BODY,
    invitees: list[Person] = (),  # type: ignore[assignment]
    signers: list[tuple[Person, Visibility]] = (),  # type: ignore[assignment]
    state: MemoState = MemoState.FILED,
) -> Memo:
    """A memo under any marking (tests/factories.py makes SBU ones), brought to `state`
    through the real actions."""
    memo = actions.create_memo(
        drafter,
        title=title,
        summary=SUMMARY,
        body=body,
        policy_questioned="Regional policy",
        addressee=addressee.username,
        marking=marking,
    )
    if invitees:
        actions.invite(memo, drafter, usernames=[p.username for p in invitees])
    if state == MemoState.DRAFT:
        return memo
    actions.open_memo(memo, drafter)
    for signer, visibility in signers:
        actions.sign_memo(memo, signer, visibility=visibility)
    if state == MemoState.OPEN:
        return memo
    actions.file_memo(memo, drafter)
    memo.refresh_from_db()
    return memo


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: run `make system-packages-test` (Debian's poppler-utils)")
    return path


def pdf_pages_text(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page as pdftotext lays it out (pages end with a form feed)."""
    source = tmp_path / "export.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(  # noqa: S603 - a fixed tool on our own file
        [poppler("pdftotext"), "-layout", "-enc", "UTF-8", str(source), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    assert len(pages) == len(PdfReader(source).pages), "pdftotext and pypdf disagree on the page count"
    return pages


def lines_of(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


def first_page_png(pdf: bytes, target: Path, tmp_path: Path) -> Path:
    """Page 1 as a PNG (pdftoppm), kept at `target` for a person to look at. Drawn in
    `tmp_path` and moved into place whole, so that two test runs at once never leave (or
    read) a half-written picture; returns the test's own copy."""
    source = tmp_path / "export.pdf"
    source.write_bytes(pdf)
    command = [poppler("pdftoppm"), "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(source), str(tmp_path / "page")], check=True)  # noqa: S603 - our own file
    drawn = tmp_path / "page.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(drawn, staged)
    os.replace(staged, target)
    return drawn
