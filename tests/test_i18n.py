"""English and Bahasa Indonesia: the catalogue is complete, current and compiled, and the
pages, dates, numbers and e-mails come out in Indonesian when that is the language."""

import ast
import gettext
import re
import shutil
import struct
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from time_machine import TimeMachineFixture

from dissent.exports.pdf import memo_html
from dissent.exports.snapshot import take_export
from dissent.log.sequencer import integrate_pending
from dissent.memos import actions, responses
from dissent.memos.models import MemoState, Visibility
from dissent.worker import run_tasks

from .conftest import Cast, csrf, signed_in
from .factories import make_memo
from .smtp import Inbox

SOURCE = Path(settings.BASE_DIR)
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "id" / "LC_MESSAGES"
PO, MO = CATALOGUE / "django.po", CATALOGUE / "django.mo"


# --- the catalogue, read with the standard library only -------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header's fields and the entries of a .po file (the header itself left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current is not None:
                entries.append(current)
            current = None
            continue
        current = current or Entry()
        if line.startswith("#~"):
            current.obsolete = True
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            keyword, index, text = match.group(1), int(match.group(2) or 0), ast.literal_eval(match.group(3))
            target = (keyword, index)
            _append(current, target, text)
        elif line.startswith('"'):
            _append(current, target, ast.literal_eval(line))
        else:
            raise AssertionError(f"unreadable line in {path.name}: {raw!r}")
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    fields = dict(line.split(": ", 1) for line in header.msgstr.get(0, "").splitlines() if ": " in line)
    return fields, [e for e in entries if e is not header]


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, keyword, (getattr(entry, keyword) or "") + text)


_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[sdifr%]")
_TAG = re.compile(r"<[^>]+>")


def placeholders(text: str) -> Counter[str]:
    return Counter(m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def tags(text: str) -> Counter[str]:
    return Counter(_TAG.findall(text))


def the_source_of(entry: Entry) -> str:
    """What a translation must match: Indonesian has one plural form, msgstr[0], which
    stands for every count, so it follows the general (plural) form of the English."""
    return entry.msgid_plural if entry.msgid_plural is not None else entry.msgid


# --- the catalogue -----------------------------------------------------------------------


def test_the_indonesian_catalogue_translates_every_entry_with_one_plural_form() -> None:
    header, entries = read_po(PO)

    assert header["Language"] == "id"
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert len(entries) > 500
    assert [e.msgid for e in entries if e.obsolete] == [], "obsolete entries: run makemessages"
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr] == []
    plural = [e for e in entries if e.msgid_plural is not None]
    assert plural, "the catalogue has plural entries"
    assert [e.msgid for e in plural if sorted(e.msgstr) != [0]] == [], "one plural form: msgstr[0] only"
    assert [e.msgid for e in entries if e.msgid_plural is None and sorted(e.msgstr) != [0]] == []


def test_every_translation_keeps_the_placeholders_and_tags_of_its_source() -> None:
    _header, entries = read_po(PO)

    wrong = [
        (e.msgid, translation)
        for e in entries
        for translation in e.msgstr.values()
        if placeholders(translation) != placeholders(the_source_of(e))
        or tags(translation) != tags(the_source_of(e))
    ]

    assert wrong == []


def test_no_message_with_two_placeholders_uses_positional_ones() -> None:
    _header, entries = read_po(PO)

    positional = [
        e.msgid
        for e in entries
        if sum(placeholders(the_source_of(e)).values()) >= 2
        and any("(" not in p for p in placeholders(the_source_of(e)))
    ]

    assert positional == []


def test_the_catalogue_holds_exactly_the_strings_marked_in_the_source(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makemessages (GNU xgettext) over a copy of the source tree: a newly marked string
    that nobody translated, or a string that is no longer used, fails here."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install Debian's gettext package (it provides /usr/bin/xgettext)")
    copy = tmp_path / "dissent"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    settings.LOCALE_PATHS = [copy / "locale"]  # so that nothing is written next to the real one
    monkeypatch.chdir(copy)

    call_command("makemessages", locale=["id"], add_location="file", verbosity=0)

    _header, fresh = read_po(copy / "locale" / "id" / "LC_MESSAGES" / "django.po")
    _header, committed = read_po(PO)
    fresh_keys, committed_keys = {e.key for e in fresh}, {e.key for e in committed}
    assert sorted(fresh_keys - committed_keys, key=str) == [], "marked but not in the catalogue"
    assert sorted(committed_keys - fresh_keys, key=str) == [], "in the catalogue but no longer marked"


def test_the_compiled_catalogue_is_the_current_one() -> None:
    """django.mo is committed so that a machine without gettext runs the app; it must say
    what django.po says, entry for entry."""
    _header, entries = read_po(PO)
    with MO.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    count = struct.unpack("<I", MO.read_bytes()[8:12])[0]

    assert count == len(entries) + 1  # and the header
    for e in entries:
        if e.msgid_plural is None and e.msgctxt is None:
            assert compiled.gettext(e.msgid) == e.msgstr[0], e.msgid
        elif e.msgctxt is None:
            assert e.msgid_plural is not None
            for n in (1, 2, 5):
                assert compiled.ngettext(e.msgid, e.msgid_plural, n) == e.msgstr[0], e.msgid
        else:
            assert compiled.pgettext(e.msgctxt, e.msgid) == e.msgstr[0], e.msgid


# --- pages -------------------------------------------------------------------------------


def in_indonesian(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    return client


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    text: str = response.content.decode()
    assert '<html lang="id">' in text
    return text


def test_the_language_switcher_sets_indonesian_for_the_signed_in_person(cast: Cast) -> None:
    client = signed_in(cast.alice)
    assert "My memos" in client.get("/").content.decode()

    response = client.post(
        "/i18n/setlang/", {"language": "id", "next": "/", "csrfmiddlewaretoken": csrf(client)}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    home = page(client, "/")
    assert "Memo saya" in home and "Susun memo" in home
    assert "My memos" not in home


def test_the_switcher_on_the_sign_in_page_works_before_signing_in(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")

    response = client.post(
        "/i18n/setlang/",
        {"language": "id", "next": "/accounts/login/", "csrfmiddlewaretoken": csrf(client)},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    sign_in = page(client, "/accounts/login/")
    assert "<h1>Masuk</h1>" in sign_in and "Sign in" not in sign_in
    # each language is offered in its own name, whatever the page's language
    assert '<option value="en" lang="en">English</option>' in sign_in
    assert '<option value="id" lang="id" selected>Bahasa Indonesia</option>' in sign_in


def test_the_draft_page_in_indonesian(cast: Cast) -> None:
    draft = page(in_indonesian(signed_in(cast.alice)), "/memos/new/")

    assert "Susun memo" in draft and "Simpan draf" in draft
    assert ">Judul:</label>" in draft and ">Ringkasan:</label>" in draft  # form labels
    assert "Save draft" not in draft


@pytest.fixture
def filed_in_may(cast: Cast, time_machine: TimeMachineFixture) -> int:
    """A memo filed on Tuesday 12 May 2026, 10:00 UTC, signed by bob; its deadlines run."""
    time_machine.move_to(datetime(2026, 5, 12, 10, 0, tzinfo=UTC), tick=False)
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )
    return memo.pk


def test_a_filed_memo_page_in_indonesian_with_its_dates_and_deadlines(
    cast: Cast, settings: Any, filed_in_may: int
) -> None:
    settings.CHANNEL_TIME_ZONE = "UTC"

    memo = page(in_indonesian(signed_in(cast.alice)), f"/memos/{filed_in_may}/")

    assert "Tenggat konfirmasi penerimaan" in memo and "Tenggat balasan" in memo
    assert "tenggat dalam 2 hari kerja" in memo  # the acknowledgment, counted in working days
    assert '<h2 id="sig-heading">1 tanda tangan</h2>' in memo
    assert "12 Mei 2026" in memo  # filed: Indonesian month name and day-month-year order
    assert "May" not in memo and "Acknowledgment due" not in memo


def test_search_in_indonesian(cast: Cast) -> None:
    make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="Change course")

    results = page(in_indonesian(signed_in(cast.alice)), "/search/?q=course")

    assert "Cari memo" in results and "1 memo ditemukan." in results
    assert "memo found" not in results


def test_the_channel_log_in_indonesian_with_localised_numbers(cast: Cast, filed_in_may: int) -> None:
    integrate_pending()  # the clock stands still: every merge delay is 0.00 seconds

    log = page(in_indonesian(signed_in(cast.alice)), "/log/")

    assert "Log saluran yang dapat diverifikasi" in log
    assert "median 0,00 detik, terlama 0,00 detik" in log  # a decimal comma
    assert "tamper-evident" not in log


def test_the_pdf_export_is_laid_out_in_the_exporters_language(cast: Cast, filed_in_may: int) -> None:
    with translation.override("id"):
        html = memo_html(take_export(cast.alice, filed_in_may))

    assert '<html lang="id">' in html
    assert "Memo perbedaan pendapat" in html and "Tanda terima pengajuan" in html
    assert 'halaman <span class="page-number"></span> dari <span class="page-count"></span>' in html
    assert "12 Mei 2026" in html and "Filing receipt" not in html


def test_a_missing_page_says_so_in_indonesian(cast: Cast) -> None:
    response = in_indonesian(signed_in(cast.alice)).get("/no/such/page/")

    assert response.status_code == 404
    text = response.content.decode()
    assert '<html lang="id">' in text and "Halaman tidak ditemukan" in text


def test_an_api_error_is_in_the_language_the_client_asks_for(cast: Cast) -> None:
    client = signed_in(cast.alice)

    response = client.post(
        "/api/v1/memos",
        data="[1, 2, 3]",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf(client),
        HTTP_ACCEPT_LANGUAGE="id",
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("Masukan tidak valid.")


# --- e-mail ------------------------------------------------------------------------------
# People have no language of their own (org.Person has none): every message is written in
# the site's language, LANGUAGE_CODE, whatever language the person who caused it browses in.


def test_e_mail_is_written_in_the_sites_language(cast: Cast, smtp: Inbox, settings: Any) -> None:
    settings.LANGUAGE_CODE = "id"
    memo = make_memo(
        MemoState.OPEN,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
    )
    actions.file_memo(memo, cast.alice)

    run_tasks()

    [to_paula] = smtp.to("paula@example.org")
    assert to_paula.subject == "[SBU] Memo diajukan ke saluran: Change course"
    assert to_paula.text.startswith("Yth. Paula Tester,")
    assert "Tanda tangan saat diajukan: 1" in to_paula.text


def test_an_answer_given_in_indonesian_is_worded_in_the_sites_language(cast: Cast, smtp: Inbox) -> None:
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.PROTECTED)],
    )
    responses.set_meeting_preference(memo, cast.bob, open_to_meeting=True)
    meeting = responses.propose_meeting(
        memo, cast.paula, starts_at=datetime(2099, 1, 5, 10, tzinfo=UTC), place="Room 7"
    )
    run_tasks()
    smtp.received.clear()
    bob = in_indonesian(signed_in(cast.bob))

    bob.post(
        f"/memos/{memo.pk}/meetings/{meeting.pk}/answer/",
        {"accept": "no", "csrfmiddlewaretoken": csrf(bob)},
    )
    run_tasks()

    [answer] = smtp.to("paula@example.org")
    assert "A signer whose name is protected declined the meeting" in answer.text
    assert "ditolak" not in answer.text and "dilindungi" not in answer.text
