"""SQL and full-text query syntax in search boxes, filters and stored text: every search is
a 200 with results or a 400 with the reason, never a 500, on SQLite (FTS5) and PostgreSQL
(tsquery) alike, and metacharacters match themselves, never more."""

import pytest

from dissent.memos.models import MemoState

from ..conftest import Cast, signed_in
from ..factories import make_memo
from .support import HOW, ApiClient, database_state

SQL_AND_FTS = [
    "' OR 1=1 --",
    "'; DROP TABLE memos_memo; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "%_\\%",
    "NEAR(visa policy",
    "NEAR(visa policy, 2)",
    '"unterminated',
    '"visa',
    "*",
    "visa*",
    "^visa",
    "title:visa",
    "title:x body:y",
    "{title summary}:visa",
    "visa AND",
    "OR",
    "NOT visa",
    "visa -policy",
    "visa & policy | !x",
    "visa <-> policy",
    "(visa",
    "visa)",
    "():*&|!",
    ":*",
    "'",
    "''",
    "$$",
    "\\x00",
    "visa\u202epolicy",
    "\u0430" * 200,
]


@pytest.fixture
def visa_memo(cast: Cast) -> int:
    """A filed memo alice may see, whose text has the words the queries aim at."""
    memo = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Visa policy review")
    return memo.pk


@pytest.mark.parametrize("query", SQL_AND_FTS)
def test_the_search_page_answers_any_query(cast: Cast, visa_memo: int, query: str) -> None:
    client = signed_in(cast.alice)

    response = client.get("/search/", {"q": query})
    with_filters = client.get("/search/", {"q": query, "policy": query[:300], "state": "filed"})

    for answer in (response, with_filters):
        assert answer.status_code in {200, 400}, (query, answer.status_code)
        if answer.status_code == 400:
            assert 'class="errorlist' in answer.content.decode() or 'role="alert"' in answer.content.decode()


@pytest.mark.parametrize("how", HOW)
def test_the_search_api_answers_any_query_and_changes_nothing_but_the_read_record(
    cast: Cast, visa_memo: int, how: str
) -> None:
    client = ApiClient(cast.alice, how=how)
    before = database_state()["rows"]

    for query in SQL_AND_FTS:
        for params in ({"q": query}, {"q": "visa", "policy": query}, {"q": query, "order": "newest"}):
            response = client.get("/search", data=params)
            assert response.status_code in {200, 400, 422}, (params, response.status_code)
            if response.status_code == 200:
                assert {hit["id"] for hit in response.json()["results"]} <= {visa_memo}
            else:
                assert response.json()["detail"]

    assert database_state()["rows"] == before


def test_metacharacters_match_themselves_not_everything(cast: Cast, visa_memo: int) -> None:
    make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Unrelated budget note")
    client = ApiClient(cast.alice, how="token")

    injected = client.get("/search", data={"q": "' OR 1=1 --"}).json()
    percent = client.get("/search", data={"q": "visa", "policy": "%"}).json()
    wildcard = client.get("/search", data={"q": "visa", "policy": "_"}).json()
    column = client.get("/search", data={"q": "title:budget"}).json()

    assert injected["total"] == 0
    assert percent["total"] == 0  # no policy contains a "%": a LIKE wildcard would match all
    assert wildcard["total"] == 0
    as_words = client.get("/search", data={"q": "title budget"}).json()
    # "title:" is no column filter: at most the memos that have both words
    assert {hit["id"] for hit in column["results"]} <= {hit["id"] for hit in as_words["results"]}


@pytest.mark.parametrize("value", ["' OR 1=1 --", "%", "x'; --", "2024-01-01' OR '1'='1", "9999-99-99"])
@pytest.mark.parametrize("field", ["state", "marking", "unit", "since", "until", "order", "page"])
def test_filters_refuse_what_they_do_not_know_with_a_400(
    cast: Cast, visa_memo: int, field: str, value: str
) -> None:
    client = ApiClient(cast.alice, how="token")
    page = signed_in(cast.alice)

    api = client.get("/search", data={"q": "visa", field: value})
    web = page.get("/search/", {"q": "visa", field: value})

    assert api.status_code in {400, 422}, (field, value, api.status_code)
    assert api.json()["detail"]
    assert web.status_code == 400, (field, value, web.status_code)


def test_sql_metacharacters_in_stored_text_are_stored_and_found_as_text(cast: Cast) -> None:
    title = "Visa ' OR 1=1 -- \"; DROP TABLE x; % _ \\ NEAR( title:y *"
    client = ApiClient(cast.alice, how="token")

    created = client.send(
        "post",
        "/memos",
        {
            "title": title,
            "summary": "100% of '_' cases",
            "body": "`SELECT * FROM memos` -- \\",
            "policy": "Visa % policy",
            "addressee": "paula",
            "marking": "SBU",
        },
    )
    found = client.get("/search", data={"q": "visa", "policy": "visa %"}).json()

    assert created.status_code == 201
    assert created.json()["title"] == title
    assert [hit["id"] for hit in found["results"]] == [created.json()["id"]]
