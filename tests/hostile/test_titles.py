"""Unicode tricks in titles (memos/unicode_checks.py): bidirectional controls are refused,
because they make a title read differently wherever it goes (lists, e-mail subjects, file
exports) and no warning travels with it; invisible characters and words mixing look-alike
alphabets are kept and flagged next to the title wherever it is listed, and in the API."""

import pytest

from dissent.errors import InvalidInput
from dissent.memos import actions
from dissent.memos.models import MemoState
from dissent.memos.unicode_checks import (
    bidi_controls,
    invisible_characters,
    mixed_script_words,
    title_warnings,
)

from ..conftest import Cast, csrf, signed_in
from ..factories import make_memo
from .scenes import NEW_MEMO
from .support import HOW, ApiClient, assert_problem, database_state

#: "Pay the invoice from <RLO>fdp.exe<PDF>": shown as "...from exe.pdf".
BIDI_TITLES = [
    "Pay the invoice from \u202efdp.exe\u202c",
    "Visa \u2066policy\u2069 review",
    "Budget \u200f2024\u200e review",
    "Arabic letter mark \u061c here",
    "Embedded \u202aleft\u202b right \u202d override",
]
#: Kept, flagged: "paypal" with a Cyrillic a (U+0430); "Policy" with a Greek capital rho (U+03A1).
HOMOGLYPH_TITLE = "Refund the p\u0430ypal fees under the \u03a1olicy"
INVISIBLE_TITLE = "Visa\u200b policy\ufeff and the word\u2060joiner"


def test_bidi_controls_are_found_each_once() -> None:
    assert bidi_controls("a\u202eb\u202ec\u2066") == ["\u202e", "\u2066"]
    assert bidi_controls("Plain English, bahasa Indonesia, русский, ελληνικά, العربية") == []


def test_invisible_characters_are_format_characters_and_blank_letters() -> None:
    found = invisible_characters("a\u200bb\u200cc\u200dd\u2060e\ufefff\u00adg\u3164h\u202e")

    assert found == ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164"]
    assert invisible_characters("Ordinary title, with punctuation: (a) \u2013 b!") == []


def test_mixed_script_words_name_the_letters_from_the_other_alphabet() -> None:
    assert mixed_script_words(HOMOGLYPH_TITLE) == [("p\u0430ypal", ["\u0430"]), ("\u03a1olicy", ["\u03a1"])]
    # One alphabet per word is never flagged, whichever it is, nor are digits beside letters.
    assert mixed_script_words("Москва and Αθήνα, 2024 budget, COVID19, Jakarta-Selatan") == []


def test_a_plain_title_has_no_warnings() -> None:
    assert title_warnings("Change course on visas (2024): a review") == []


def test_each_kind_of_trick_is_one_warning_naming_the_characters() -> None:
    warnings = title_warnings(HOMOGLYPH_TITLE + INVISIBLE_TITLE)

    assert [w.kind for w in warnings] == ["invisible", "mixed_script"]
    assert "U+200B ZERO WIDTH SPACE" in warnings[0].message
    assert "U+0430 CYRILLIC SMALL LETTER A" in warnings[1].message
    assert "“p\u0430ypal”" in warnings[1].message


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("title", BIDI_TITLES)
def test_the_api_refuses_a_title_with_bidi_controls_and_stores_nothing(
    cast: Cast, how: str, title: str
) -> None:
    client = ApiClient(cast.alice, how=how)
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)
    before = database_state()

    created = client.send("post", "/memos", {**NEW_MEMO, "title": title})
    edited = client.send("patch", f"/memos/{memo.pk}", {"title": title})

    for response in (created, edited):
        detail = assert_problem(response, 400)["detail"]
        assert "change the direction of text" in detail
        assert "U+" in detail
    assert database_state() == before


@pytest.mark.parametrize("title", BIDI_TITLES[:2])
def test_the_web_form_refuses_a_title_with_bidi_controls_keeping_what_was_typed(
    cast: Cast, title: str
) -> None:
    client = signed_in(cast.alice)
    before = database_state()

    response = client.post("/memos/new/", {**NEW_MEMO, "title": title, "csrfmiddlewaretoken": csrf(client)})

    assert response.status_code == 400
    page = response.content.decode()
    assert "change the direction of text" in page
    assert NEW_MEMO["summary"] in page  # the form comes back filled in
    assert database_state() == before


def test_a_title_with_homoglyphs_or_invisible_characters_is_kept_and_flagged_on_the_memo_page(
    cast: Cast,
) -> None:
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title=HOMOGLYPH_TITLE)
    quiet = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="Plain visa memo")
    client = signed_in(cast.alice)

    page = client.get(f"/memos/{memo.pk}/").content.decode()
    plain = client.get(f"/memos/{quiet.pk}/").content.decode()

    assert HOMOGLYPH_TITLE in page
    assert 'class="title-warning"' in page
    assert "CYRILLIC SMALL LETTER A" in page
    assert "title-warning" not in plain
    assert " style=" not in page.split("<body", 1)[1]  # the strict CSP allows no inline style


def test_the_warning_is_shown_in_the_lists_and_search_results(cast: Cast) -> None:
    make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title=INVISIBLE_TITLE)
    alice = signed_in(cast.alice)
    paula = signed_in(cast.paula)
    carol = signed_in(cast.carol)

    pages = {
        "home": alice.get("/"),
        "search": alice.get("/search/?q=visa"),
        "inbox": paula.get("/inbox/"),
        "queue": carol.get("/queue/"),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "U+200B ZERO WIDTH SPACE" in html, name
        assert 'class="title-warning"' in html, name


@pytest.mark.parametrize("how", HOW)
def test_an_invisible_character_or_homoglyph_title_is_stored_as_written(cast: Cast, how: str) -> None:
    client = ApiClient(cast.alice, how=how)

    for title in (HOMOGLYPH_TITLE, INVISIBLE_TITLE, "Emoji family 👨\u200d👩\u200d👧 budget"):
        response = client.send("post", "/memos", {**NEW_MEMO, "title": title})

        assert response.status_code == 201, response.content
        assert response.json()["title"] == title


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "title",
    [
        "Visa\rpolicy",
        "Visa\nSet-Cookie: x=y",
        "Visa\tpolicy",
        "Visa\x85policy",
        "Visa\u2028policy",
        "Bell\x07",
    ],
)
def test_a_title_is_one_line_without_control_characters(cast: Cast, how: str, title: str) -> None:
    """A title becomes an e-mail subject, where a line break makes sending fail: the custodians
    would never hear of the filing."""
    client = ApiClient(cast.alice, how=how)
    before = database_state()

    response = client.send("post", "/memos", {**NEW_MEMO, "title": title})

    assert "must be one line of text" in assert_problem(response, 400)["detail"]
    assert database_state() == before


def test_a_title_stored_before_the_rule_still_shows_its_bidi_warning(cast: Cast) -> None:
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula)
    type(memo).objects.filter(pk=memo.pk).update(title=BIDI_TITLES[0])  # as an old row would be

    page = signed_in(cast.alice).get(f"/memos/{memo.pk}/").content.decode()

    assert "characters that reorder text" in page
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in page


def test_a_title_may_not_be_edited_into_bidi_controls_through_the_action(cast: Cast) -> None:
    memo = make_memo(MemoState.DRAFT, drafter=cast.alice, addressee=cast.paula, title="Before")

    with pytest.raises(InvalidInput, match="change the direction of text"):
        actions.edit_memo(
            memo,
            cast.alice,
            title="After \u202e",
            summary=memo.summary,
            body=memo.body,
            policy_questioned=memo.policy,
            addressee="paula",
            marking="SBU",
        )

    memo.refresh_from_db()
    assert memo.title == "Before"


@pytest.mark.parametrize("how", HOW)
def test_the_api_gives_the_title_warnings_with_the_memo(cast: Cast, how: str) -> None:
    flagged = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title=HOMOGLYPH_TITLE)
    plain = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title="Plain visa memo")
    client = ApiClient(cast.alice, how=how)

    one = client.get(f"/memos/{flagged.pk}").json()
    listed = {m["id"]: m for m in client.get("/memos").json()}

    assert [w["kind"] for w in one["title_warnings"]] == ["mixed_script"]
    assert "CYRILLIC SMALL LETTER A" in one["title_warnings"][0]["message"]
    assert listed[flagged.pk]["title_warnings"] == one["title_warnings"]
    assert listed[plain.pk]["title_warnings"] == []


@pytest.mark.parametrize("how", HOW)
def test_search_and_suggestions_in_the_api_give_the_title_warnings_too(cast: Cast, how: str) -> None:
    flagged = make_memo(MemoState.FILED, drafter=cast.alice, addressee=cast.paula, title=HOMOGLYPH_TITLE)
    client = ApiClient(cast.alice, how=how)

    hits = client.get("/search?q=refund").json()["results"]
    draft = {
        "title": "Refund the fees under the policy",
        "summary": "We ask leadership to change course.",
        "body": "## Why\n\nBecause the policy fails on its own terms.",
    }
    suggested = client.send("POST", "/similar", draft).json()

    assert [h["title_warnings"][0]["kind"] for h in hits if h["id"] == flagged.pk] == ["mixed_script"]
    assert [s["title_warnings"][0]["kind"] for s in suggested if s["id"] == flagged.pk] == ["mixed_script"]
