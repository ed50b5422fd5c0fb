"""Export file names never carry the author's text: whatever the title holds (a path, a
header break, quotes), the Content-Disposition names memo-ID.FORMAT, and a route parameter
or query that tries to name another file is refused."""

import re
from typing import Any

import pytest

from dissent.log.sequencer import integrate_pending
from dissent.memos.models import Memo, MemoState, Visibility

from ..conftest import Cast, signed_in
from ..factories import make_memo
from .support import ApiClient, assert_problem, database_state

HOSTILE_TITLES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "a\r\nSet-Cookie: x=y",
    '"; filename=evil.exe',
    "report.pdf\x7f\u202e",
    "/absolute/path",
    "%2e%2e%2fetc%2fpasswd",
    "名前\u3000with\ttabs",
]

_SAFE_DISPOSITION = re.compile(r'^attachment; filename="memo-\d+\.(pdf|json)"$')


def _disposition_is_safe(response: Any, memo_id: int, fmt: str) -> None:
    disposition = response["Content-Disposition"]
    assert _SAFE_DISPOSITION.match(disposition), disposition
    assert disposition == f'attachment; filename="memo-{memo_id}.{fmt}"'
    name = disposition.split("filename=", 1)[1].strip('"')
    for bad in ("/", "\\", "..", "\r", "\n", '"', ";"):
        assert bad not in name
    assert "Set-Cookie" not in str(response.cookies)


def _filed(cast: Cast, title: str) -> Any:
    """A filed memo whose title is `title` as stored: written into the row, because titles
    with line breaks or bidi controls are refused now (test_titles.py) but older rows, or
    another way in, may hold them."""
    memo = make_memo(
        MemoState.FILED,
        drafter=cast.alice,
        addressee=cast.paula,
        invitees=[cast.bob],
        signers=[(cast.bob, Visibility.NAMED)],
        title="Placeholder",
    )
    Memo.objects.filter(pk=memo.pk).update(title=title)
    memo.refresh_from_db()
    return memo


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_the_json_export_is_named_by_the_memo_id_whatever_the_title(cast: Cast, title: str) -> None:
    memo = _filed(cast, title)
    web = signed_in(cast.alice)
    api = ApiClient(cast.alice, how="token")

    page = web.get(f"/memos/{memo.pk}/export/json")
    call = api.get(f"/memos/{memo.pk}/export?format=json")

    for response in (page, call):
        assert response.status_code == 200
        _disposition_is_safe(response, memo.pk, "json")
        assert response.json()["memo"]["title"] == memo.title  # the title is inside, as written


def test_the_pdf_export_and_the_receipt_are_named_by_the_memo_id(cast: Cast) -> None:
    memo = _filed(cast, '../../x"\r\nSet-Cookie: a=b; filename=evil.exe')
    integrate_pending()  # the filing enters the log: the receipt can be made
    web = signed_in(cast.alice)

    pdf = web.get(f"/memos/{memo.pk}/export/pdf")
    receipt = web.get(f"/memos/{memo.pk}/receipt.json")

    assert pdf.status_code == 200
    _disposition_is_safe(pdf, memo.pk, "pdf")
    assert receipt.status_code == 200
    assert receipt["Content-Disposition"] == f'attachment; filename="receipt-memo-{memo.pk}.json"'


@pytest.mark.parametrize(
    "path",
    [
        "/memos/{id}/export/..%2F..%2Fetc%2Fpasswd",
        "/memos/{id}/export/pdf%00.exe",
        "/memos/{id}/export/json/../../../etc/passwd",
        "/memos/{id}/export/exe",
        "/memos/..%2F{id}/export/pdf",
        "/memos/{id}/receipt.json%00",
        "/memos/{id}/receipt.json/..%2F..%2Fsettings.py",
    ],
)
def test_a_route_that_tries_to_name_another_file_is_not_found(cast: Cast, path: str) -> None:
    memo = _filed(cast, "Visa policy")
    web = signed_in(cast.alice)
    before = database_state()

    response = web.get(path.format(id=memo.pk))

    assert response.status_code == 404
    assert "Content-Disposition" not in response
    assert database_state() == before


@pytest.mark.parametrize("fmt", ["../../etc/passwd", "pdf\x00", "PDF", "exe", "json;evil", ""])
def test_the_api_export_format_must_be_pdf_or_json(cast: Cast, fmt: str) -> None:
    memo = _filed(cast, "Visa policy")
    api = ApiClient(cast.alice, how="token")
    before = database_state()

    response = api.get(f"/memos/{memo.pk}/export", data={"format": fmt})

    assert_problem(response, 400, 422)
    assert "Content-Disposition" not in response
    assert database_state() == before
