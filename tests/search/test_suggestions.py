"""Similar-memo suggestions from the database index: only what the drafter may see, the draft
itself never, and the same ranking as the method's in-memory corpus."""

import pytest

from dissent.events.models import Event
from dissent.memos import actions
from dissent.memos import queries as memo_queries
from dissent.memos.models import MemoState
from dissent.search import similar, similarity
from dissent.search.models import SimilarFeature
from tests.conftest import Cast, csrf, signed_in

from .writing import write

pytestmark = pytest.mark.django_db

EMBARGO = (
    "Suspend the arms embargo exemptions for Veltria",
    "The ministry keeps granting exemptions to the arms embargo on Veltria. Licences for rifles and "
    "armoured vehicles went to Veltrian police units that fired on protesters in Ostrava Square. "
    "We ask that every exemption be suspended until an inquiry reports.",
)
EMBARGO_AGAIN = (
    "Stop the arms licences to Veltrian police",
    "Armoured vehicles licensed under exemptions from the embargo were used against protesters in "
    "Ostrava Square by Veltrian police. The exemptions should stop while the inquiry runs.",
)
EMBARGO_ID = (
    "Hentikan pengecualian embargo senjata untuk Veltria",
    "Kementerian terus memberikan pengecualian embargo senjata kepada polisi Veltria. Kendaraan lapis "
    "baja digunakan terhadap demonstran di Lapangan Ostrava. Kami meminta semua pengecualian dihentikan.",
)
CANTEEN = (
    "Reopen the staff canteen at headquarters",
    "Since the canteen closed, staff on late shifts have nowhere to eat. Reopening it costs little "
    "and would help the consular hotline team most.",
)


def draft_text(pair: tuple[str, str]) -> similarity.MemoText:
    return similarity.MemoText(title=pair[0], summary=pair[0], body=pair[1])


def suggested(person, pair, exclude=None) -> list[int]:  # type: ignore[no-untyped-def]
    return [s.memo.pk for s in similar.suggestions(person, draft_text(pair), exclude=exclude)]


def test_a_filed_memo_on_the_same_concern_is_suggested_first(cast: Cast) -> None:
    embargo = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1])
    write(cast.alice, cast.paula, title=CANTEEN[0], body=CANTEEN[1])
    found = similar.suggestions(cast.carol, draft_text(EMBARGO_AGAIN))
    assert found and found[0].memo.pk == embargo.pk
    assert 0 < found[0].score <= 1.0001
    assert any(
        word in found[0].shared for word in ("embargo", "ostrava", "veltrian", "exemptions", "exemption")
    )


def test_an_indonesian_draft_finds_the_english_memo(cast: Cast) -> None:
    embargo = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1])
    write(cast.alice, cast.paula, title=CANTEEN[0], body=CANTEEN[1])
    assert suggested(cast.carol, EMBARGO_ID)[:1] == [embargo.pk]


def test_only_memos_the_drafter_may_see_are_suggested(cast: Cast) -> None:
    opened = write(
        cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1], state=MemoState.OPEN, invitees=[cast.bob]
    )
    assert suggested(cast.bob, EMBARGO_AGAIN) == [opened.pk], "an invitee may join it"
    assert suggested(cast.erin, EMBARGO_AGAIN) == [], "an unrelated member never learns it exists"
    assert suggested(cast.carol, EMBARGO_AGAIN) == [], "custodians see memos once filed"


def test_drafts_and_withdrawn_memos_are_never_suggested(cast: Cast) -> None:
    draft = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1], state=MemoState.DRAFT)
    assert suggested(cast.alice, EMBARGO_AGAIN) == []
    assert not SimilarFeature.objects.filter(memo=draft).exists()
    opened = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1], state=MemoState.OPEN)
    assert suggested(cast.alice, EMBARGO_AGAIN) == [opened.pk]
    actions.withdraw_memo(opened, cast.alice)
    assert suggested(cast.alice, EMBARGO_AGAIN) == []
    assert not SimilarFeature.objects.filter(memo=opened).exists()


def test_the_memo_being_edited_is_not_suggested_to_itself(cast: Cast) -> None:
    opened = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1], state=MemoState.OPEN)
    assert suggested(cast.alice, EMBARGO, exclude=opened.pk) == []


def test_auditors_are_not_shown_texts_they_may_not_read(cast: Cast) -> None:
    write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1])
    assert suggested(cast.audrey, EMBARGO_AGAIN) == []


def test_the_database_ranks_as_the_method_does(cast: Cast) -> None:
    """The in-memory corpus (what bench/similar.py scores) and the database index agree."""
    texts = [EMBARGO, EMBARGO_AGAIN, EMBARGO_ID, CANTEEN]
    memos = [write(cast.alice, cast.paula, title=t, body=b) for t, b in texts]
    similar.reweigh()  # the corpus weighs with the frequencies of all; so must the index
    corpus = similarity.Corpus()
    for memo, pair in zip(memos, texts, strict=True):
        corpus.add(str(memo.pk), draft_text(pair))
    query = similarity.MemoText(
        title="Arms embargo", summary="Veltria", body="Exemptions for Veltrian police."
    )
    expected = [(int(key), round(score, 6)) for key, score in corpus.suggest(query)]
    got = [(s.memo.pk, round(s.score, 6)) for s in similar.suggestions(cast.carol, query)]
    assert got == expected and got


class TestPanel:
    def test_the_draft_page_panel_lists_suggestions(self, cast: Cast) -> None:
        embargo = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1])
        client = signed_in(cast.carol)
        client.get("/memos/new/")
        response = client.post(
            "/search/similar/",
            {
                "title": EMBARGO_AGAIN[0],
                "summary": "",
                "body": EMBARGO_AGAIN[1],
                "csrfmiddlewaretoken": csrf(client),
            },
        )
        assert response.status_code == 200
        assert f'href="/memos/{embargo.pk}/"' in response.content.decode()

    def test_the_panel_refuses_a_request_without_the_csrf_token(self, cast: Cast) -> None:
        response = signed_in(cast.carol).post("/search/similar/", {"title": "x", "body": "y"})
        assert response.status_code == 403

    def test_an_oversized_draft_is_a_400(self, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
        client = signed_in(cast.carol)
        client.get("/memos/new/")
        body = "word " * (settings.MEMO_BODY_MAX_CHARS // 4)
        response = client.post(
            "/search/similar/", {"title": "t", "body": body, "csrfmiddlewaretoken": csrf(client)}
        )
        assert response.status_code == 400

    def test_the_api_answers_with_scores_and_shared_words(self, cast: Cast) -> None:
        embargo = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1])
        client = signed_in(cast.carol)
        response = client.post(
            "/api/v1/similar",
            {"title": EMBARGO_AGAIN[0], "body": EMBARGO_AGAIN[1]},
            content_type="application/json",
            headers={"X-CSRFToken": csrf(client)},
        )
        assert response.status_code == 200, response.content
        assert response.json()[0]["id"] == embargo.pk and response.json()[0]["shared"]


class TestDuplicates:
    def test_custodians_see_queue_memos_that_look_alike(self, cast: Cast) -> None:
        first = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1])
        second = write(cast.bob, cast.paula, title=EMBARGO_AGAIN[0], body=EMBARGO_AGAIN[1])
        write(cast.alice, cast.paula, title=CANTEEN[0], body=CANTEEN[1])
        pairs = similar.duplicates(cast.carol, memo_queries.custodian_queue(cast.carol))
        assert [{p.first.pk, p.second.pk} for p in pairs] == [{first.pk, second.pk}]
        page = signed_in(cast.carol).get("/search/duplicates/")
        assert page.status_code == 200 and f'href="/memos/{second.pk}/"' in page.content.decode()

    def test_others_get_a_404(self, cast: Cast) -> None:
        events = Event.objects.count()
        assert signed_in(cast.erin).get("/search/duplicates/").status_code == 404
        assert Event.objects.count() == events


def test_a_custodian_gets_the_best_memos_they_may_see_when_better_ones_are_hidden(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Custodians' suggestions score all memos first and filter after (similar._scored): when
    the best-scoring memos are ones they may not see, the answer is still exactly the best of
    those they may see, and the hidden ones never appear."""
    hidden = write(cast.alice, cast.paula, title=EMBARGO[0], body=EMBARGO[1], state=MemoState.OPEN)
    filed = write(cast.alice, cast.paula, title=EMBARGO_AGAIN[0], body=EMBARGO_AGAIN[1])
    monkeypatch.setattr(similar, "CANDIDATES", 1)
    monkeypatch.setattr(similar, "OVERFETCH", 1)
    weights = similar.query_weights(draft_text(EMBARGO))
    assert similar._aggregate(weights, "1 = 1", [], 1)[0][0] == hidden.pk, "the hidden memo scores best"
    assert suggested(cast.carol, EMBARGO) == [filed.pk]
