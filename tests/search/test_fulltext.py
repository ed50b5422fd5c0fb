"""Full-text search: what matches, within what the reader may see, on either backend."""

import random
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dissent.events.models import Event, EventKind
from dissent.memos.models import Memo, MemoState
from dissent.search import queries
from dissent.search.models import SearchDocument
from dissent.search.queries import SearchQuery
from tests.conftest import Cast, signed_in
from tests.factories import make_person, make_unit

from .writing import write

pytestmark = pytest.mark.django_db


def ids(person, **query) -> set[int]:  # type: ignore[no-untyped-def]
    return {hit.memo.pk for hit in queries.search(person, SearchQuery(**query)).hits}


def test_finds_a_filed_memo_by_a_word_in_its_body(cast: Cast) -> None:
    memo = write(cast.alice, cast.paula, title="Rethink the port levy", body="The levy hurts fishermen.")
    write(cast.alice, cast.paula, title="Another matter", body="Nothing about ports.")
    assert ids(cast.carol, text="fishermen") == {memo.pk}


def test_english_words_match_their_other_forms(cast: Cast) -> None:
    memo = write(cast.alice, cast.paula, title="Sanctions", body="The sanctioned banks keep trading.")
    assert ids(cast.carol, text="sanction") == {memo.pk}
    assert ids(cast.carol, text="banking") == {memo.pk}


def test_indonesian_words_match_their_other_forms(cast: Cast) -> None:
    memo = write(
        cast.alice,
        cast.paula,
        title="Pembatalan visa pelajar",
        body="Kami meminta agar kebijakan pembatalan visa pelajar ditinjau kembali oleh kementerian.",
    )
    assert ids(cast.carol, text="pembatalan") == {memo.pk}, "found by its own word"
    assert ids(cast.carol, text="membatalkan") == {memo.pk}, "and by another form of it"
    assert ids(cast.carol, text="kebijakan kementerian") == {memo.pk}
    assert SearchDocument.objects.get(memo=memo).language == "id"


def test_every_word_must_match(cast: Cast) -> None:
    both = write(cast.alice, cast.paula, title="Visas", body="Interpreters wait for visas.")
    write(cast.alice, cast.paula, title="Visas only", body="Students wait for visas.")
    assert ids(cast.carol, text="interpreters visas") == {both.pk}


def test_a_member_finds_only_what_they_may_see(cast: Cast) -> None:
    draft = write(cast.alice, cast.paula, title="Quiet draft", body="Reprisal risk.", state=MemoState.DRAFT)
    open_ = write(
        cast.alice,
        cast.paula,
        title="Open one",
        body="Reprisal risk.",
        state=MemoState.OPEN,
        invitees=[cast.bob],
    )
    filed = write(cast.alice, cast.paula, title="Filed one", body="Reprisal risk.")
    assert ids(cast.alice, text="reprisal") == {draft.pk, open_.pk, filed.pk}
    assert ids(cast.bob, text="reprisal") == {open_.pk}
    assert ids(cast.erin, text="reprisal") == set(), "an unrelated member finds nothing"
    assert ids(cast.carol, text="reprisal") == {filed.pk}, "custodians see filed memos, not drafts"
    assert ids(cast.paula, text="reprisal") == {filed.pk}
    assert queries.search(cast.erin, SearchQuery(text="reprisal")).total == 0


def test_auditors_search_titles_not_texts_and_see_no_snippet(cast: Cast) -> None:
    memo = write(cast.alice, cast.paula, title="Consular fees", body="Passport delays in the north.")
    assert ids(cast.audrey, text="passport") == set(), "the body is not theirs to search"
    results = queries.search(cast.audrey, SearchQuery(text="consular"))
    assert [hit.memo.pk for hit in results.hits] == [memo.pk]
    assert results.hits[0].snippet == "" and not results.texts
    assert ids(cast.carol, text="passport") == {memo.pk}


def test_filters_narrow_inside_the_query(cast: Cast) -> None:
    ministry = make_unit("ministry")
    embassy = make_unit("embassy-x", parent=ministry)
    other = make_unit("other")
    at_embassy = make_person("eva", unit=embassy)
    elsewhere = make_person("oscar", unit=other)
    sbu = write(at_embassy, cast.paula, title="Water rights", body="Dams.", policy="Hydro policy")
    plain = write(elsewhere, cast.paula, title="Water rights", body="Dams.", marking="UNCLASSIFIED")
    opened = write(at_embassy, cast.paula, title="Water rights", body="Dams.", state=MemoState.OPEN)
    assert ids(cast.carol, text="dams", marking="SBU") == {sbu.pk}
    assert ids(cast.carol, text="dams", unit=ministry) == {sbu.pk}, "sub-units count"
    assert ids(cast.carol, text="dams", unit=other) == {plain.pk}
    assert ids(cast.carol, text="dams", policy="hydro") == {sbu.pk}
    assert ids(at_embassy, text="dams", states=(MemoState.OPEN,)) == {opened.pk}
    today = timezone.localdate()
    assert ids(cast.carol, text="dams", since=today, until=today) == {sbu.pk, plain.pk}
    assert ids(cast.carol, text="dams", since=today + timedelta(days=1)) == set()


def test_the_title_and_snippet_mark_the_matching_words_and_escape_the_rest(cast: Cast) -> None:
    write(
        cast.alice,
        cast.paula,
        title="<script>alert(1)</script> Sanctions",
        summary="On trade.",
        body="Long preamble. " * 40 + "The sanctioned banks keep trading. " + "Coda. " * 40,
    )
    hit = queries.search(cast.carol, SearchQuery(text="sanctions")).hits[0]
    assert "<script>" not in hit.title and "&lt;script&gt;" in hit.title
    assert "<mark>Sanctions</mark>" in hit.title
    assert "<mark>sanctioned</mark>" in hit.snippet
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …"), "cut around the match"


def test_newest_first_and_paging(cast: Cast) -> None:
    memos = [
        write(cast.alice, cast.paula, title=f"Levy {n}", body="Levy.") for n in range(queries.PAGE_SIZE + 3)
    ]
    first = queries.search(cast.carol, SearchQuery(text="levy", order="newest"))
    second = queries.search(cast.carol, SearchQuery(text="levy", order="newest", page=2))
    assert first.total == second.total == len(memos)
    shown = [hit.memo.pk for hit in first.hits + second.hits]
    assert shown == sorted((m.pk for m in memos), reverse=True)


WORDS = """
    ceasefire embargo visas interpreters evacuation levy harbour sanctions banking tender
    contract vaccines expiry monitoring surveillance posting heritage subsidy coal credit
    kebijakan pembatalan pelajar kementerian pengadaan kontrak vaksin pemantauan evakuasi
"""
VOCABULARY = WORDS.split()


def _oracle(person, words: list[str]) -> set[int]:  # type: ignore[no-untyped-def]
    """What the search must return, computed in Python from the stored terms: every query word
    matches one of its forms in some field of a memo the person may see."""
    from dissent.memos.policy import visible_memos
    from dissent.search import text

    visible = set(visible_memos(person).values_list("pk", flat=True))
    found = set()
    for document in SearchDocument.objects.filter(memo_id__in=visible):
        fields = (document.title_terms, document.policy_terms, document.summary_terms, document.body_terms)
        terms = set(" ".join(fields).split())
        if all(text.query_forms(word) & terms for word in words):
            found.add(document.memo_id)
    return found


def test_both_backends_return_what_the_stored_terms_say(cast: Cast) -> None:
    """The same assertions run on SQLite (FTS5) and on PostgreSQL (tsvector, GIN) in CI:
    each backend's matches equal an independent reading of the stored terms."""
    rng = random.Random(7)
    for n in range(60):
        body = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(3, 12)))
        state = rng.choice([MemoState.FILED, MemoState.FILED, MemoState.OPEN])
        write(cast.alice, cast.paula, title=f"Memo {n} {rng.choice(VOCABULARY)}", body=body, state=state)
    for person in (cast.carol, cast.alice, cast.erin):
        for _ in range(25):
            words = rng.sample(VOCABULARY, rng.randint(1, 2))
            expected = _oracle(person, words)
            got = queries.search(person, SearchQuery(text=" ".join(words), order="newest"))
            assert got.total == len(expected), (person, words)
            assert {hit.memo.pk for hit in got.hits} == set(
                sorted(expected, reverse=True)[: queries.PAGE_SIZE]
            )


def test_editing_a_draft_reindexes_it(cast: Cast) -> None:
    from dissent.memos import actions

    memo = write(cast.alice, cast.paula, title="Old words", body="Harbour.", state=MemoState.DRAFT)
    actions.edit_memo(
        memo,
        cast.alice,
        title="New words",
        summary="s",
        body="Embargo.",
        policy_questioned="p",
        addressee=cast.paula.username,
        marking="SBU",
    )
    assert ids(cast.alice, text="embargo") == {memo.pk}
    assert ids(cast.alice, text="harbour") == set()


class TestPage:
    def test_search_page_lists_marked_hits_and_records_the_reads(self, cast: Cast) -> None:
        memo = write(cast.alice, cast.paula, title="Harbour levy", body="The levy hurts fishermen.")
        before = Event.objects.filter(kind=EventKind.MEMO_READ).count()
        response = signed_in(cast.carol).get("/search/", {"q": "fishermen"})
        assert response.status_code == 200
        page = response.content.decode()
        assert f'href="/memos/{memo.pk}/"' in page and "<mark>fishermen</mark>" in page
        read = Event.objects.filter(kind=EventKind.MEMO_READ).order_by("pk").last()
        assert Event.objects.filter(kind=EventKind.MEMO_READ).count() == before + 1
        assert read.payload["how"] == "search" and read.actor_id == cast.carol.pk

    def test_an_unrelated_member_sees_no_trace(self, cast: Cast) -> None:
        write(cast.alice, cast.paula, title="Harbour levy", body="The levy hurts fishermen.")
        page = signed_in(cast.erin).get("/search/", {"q": "fishermen"}).content.decode()
        assert "Harbour" not in page and "No memo you may read matches." in page

    @pytest.mark.parametrize(
        "params",
        [
            {"q": "x", "since": "2026-02-30"},
            {"q": "x", "since": "2026-05-02", "until": "2026-05-01"},
            {"q": "x", "marking": "TOPSECRET"},
            {"q": "x", "unit": "../etc"},
            {"q": "x", "state": "nonsense"},
            {"q": "x", "page": "0"},
            {"q": "x" * 201},
        ],
    )
    def test_bad_input_is_a_400_with_the_reason(self, cast: Cast, params: dict[str, str]) -> None:
        events = Event.objects.count()
        response = signed_in(cast.carol).get("/search/", params)
        assert response.status_code == 400
        assert re.search(r'class="errorlist', response.content.decode())
        assert Event.objects.count() == events


class TestApi:
    def test_search_returns_hits_with_highlights(self, cast: Cast) -> None:
        memo = write(cast.alice, cast.paula, title="Harbour levy", body="The levy hurts fishermen.")
        response = signed_in(cast.carol).get("/api/v1/search", {"q": "levy", "state": "filed"})
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 1 and body["results"][0]["id"] == memo.pk
        assert "<mark>levy</mark>" in body["results"][0]["snippet_html"]

    def test_bad_dates_are_a_problem_document(self, cast: Cast) -> None:
        response = signed_in(cast.carol).get("/api/v1/search", {"q": "levy", "since": "yesterday"})
        assert response.status_code in (400, 422)
        assert response.json()["status"] == response.status_code
        assert "since" in response.json()["detail"]

    def test_a_member_cannot_find_what_they_may_not_see(self, cast: Cast) -> None:
        write(cast.alice, cast.paula, title="Harbour levy", body="The levy hurts fishermen.")
        assert signed_in(cast.erin).get("/api/v1/search", {"q": "levy"}).json()["total"] == 0


def test_withdrawing_keeps_the_search_document_for_its_drafters(cast: Cast) -> None:
    memo = write(cast.alice, cast.paula, title="Harbour levy", body="Fishermen.", state=MemoState.WITHDRAWN)
    assert Memo.objects.get(pk=memo.pk).state == MemoState.WITHDRAWN
    assert ids(cast.alice, text="fishermen") == {memo.pk}


def test_a_custodians_search_follows_each_memos_state_however_it_changes(cast: Cast) -> None:
    """Custodians see whole states by role; on PostgreSQL their search tests the state kept
    on the search document by triggers, so a change made without Django's signals (a bulk
    update) must be followed at once, in both directions."""
    filed = write(cast.alice, cast.paula, title="Filed levy", body="Harbour levy.")
    others_draft = write(
        cast.alice, cast.paula, title="Draft levy", body="Harbour levy.", state=MemoState.DRAFT
    )
    own_draft = write(cast.carol, cast.paula, title="Own levy", body="Harbour levy.", state=MemoState.DRAFT)
    assert ids(cast.carol, text="harbour") == {filed.pk, own_draft.pk}

    Memo.objects.filter(pk=others_draft.pk).update(state=MemoState.FILED)
    Memo.objects.filter(pk=filed.pk).update(state=MemoState.DRAFT)

    assert ids(cast.carol, text="harbour") == {others_draft.pk, own_draft.pk}
    assert ids(cast.carol, text="harbour", states=(MemoState.DRAFT,)) == {own_draft.pk}
    assert queries.search(cast.carol, SearchQuery(text="harbour")).total == 2


def test_the_policy_split_in_role_and_relation_is_the_whole_policy(cast: Cast) -> None:
    from dissent.memos import policy

    for state in (MemoState.DRAFT, MemoState.OPEN, MemoState.FILED, MemoState.WITHDRAWN):
        write(cast.alice, cast.paula, title=f"{state} one", body="Text.", state=state)
        write(cast.carol, cast.paula, title=f"{state} two", body="Text.", state=state)
    for person in (cast.alice, cast.carol, cast.audrey, cast.paula, cast.erin):
        whole = set(policy.visible_memos(person).values_list("pk", flat=True))
        by_role = set(Memo.objects.filter(state__in=policy.role_states(person)).values_list("pk", flat=True))
        related = set(policy.visible_by_relation(person))
        assert whole == by_role | related, person
        for states in ([MemoState.DRAFT], [MemoState.OPEN, MemoState.FILED]):
            some = set(policy.visible_memos(person).filter(state__in=states).values_list("pk", flat=True))
            in_role = {pk for pk in by_role if Memo.objects.get(pk=pk).state in states}
            assert some == in_role | set(policy.visible_by_relation(person, states)), (person, states)
    assert policy.role_states(cast.alice) == []
    assert set(policy.role_states(cast.carol)) == {
        MemoState.FILED,
        MemoState.ACKNOWLEDGED,
        MemoState.REPLIED,
        MemoState.CLOSED,
    }


def test_a_search_considers_the_newest_matches_up_to_a_limit_and_says_there_are_more(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dissent.search import backends

    monkeypatch.setattr(backends, "MATCHES_AT_MOST", 3)
    monkeypatch.setattr(backends.PostgresBackend, "WINDOW", 1)  # widen the look several times
    monkeypatch.setattr(backends.PostgresBackend, "WALK_COST", 0.1)  # so that a few memos are "most"
    memos = [write(cast.alice, cast.paula, title=f"Levy {n}", body="The harbour levy.") for n in range(5)]
    write(cast.alice, cast.paula, title="Other", body="Nothing here.")
    newest_three = {memo.pk for memo in memos[-3:]}
    if connection.vendor == "postgresql":  # statistics, so that "harbour" counts as a common word
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument")
            # the walk down the ids is taken for "harbour" (25 >= 0.1 * 4 * 6), not "lighthouse"
            assert backends.PostgresBackend._expected_matches(cursor, "'harbour'") >= 4
            assert backends.PostgresBackend._expected_matches(cursor, "'lighthouse'") <= 1

    for order in ("relevance", "newest"):
        results = queries.search(cast.carol, SearchQuery(text="harbour", order=order))
        assert (results.total, results.more) == (3, True), order
        assert {hit.memo.pk for hit in results.hits} == newest_three, order
    exact = queries.search(cast.carol, SearchQuery(text="harbour levy", states=(MemoState.FILED,)))
    assert exact.more is True
    rare = write(cast.alice, cast.paula, title="Rare", body="A lighthouse.")
    assert (queries.search(cast.carol, SearchQuery(text="lighthouse")).total, rare.pk) == (1, rare.pk)
    assert queries.search(cast.carol, SearchQuery(text="lighthouse")).more is False

    page = signed_in(cast.carol).get("/search/", {"q": "harbour"}).content.decode()
    assert "More than 3 memos found; these are the newest 3." in page
