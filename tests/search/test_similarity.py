"""The similar-memos method on its own: features, weighting, scoring and the in-memory corpus.

The memos here are short and invented (the places, programmes and firms do not exist); none
comes from the development set in shared/data/similar-memos.
"""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dissent.search import lexicon
from dissent.search.similarity import (
    MAX_KEY,
    MIN_SCORE,
    TOP_K,
    Corpus,
    Lexical,
    MemoText,
    cognate_key,
    names,
    rerank,
    score,
    shared,
    weigh,
)

FLOOD_LEVIES = MemoText(
    title="Stop the levy cuts before the monsoon reaches Ostrel Valley",
    summary="The budget cut to the Ostrel Valley flood defence programme leaves villages exposed.",
    body=(
        "The ministry plans to end funding for the Ostrel Valley flood defence programme in March. "
        "Engineers warn that the levees along the Tarvo river have not been repaired since the 2019 "
        "flood, and that the monsoon will reach the valley within weeks. Twelve villages depend on "
        "these levees. Ending the programme now saves little money and risks lives, homes and harvests. "
        "I ask that the funding continue until the levees are repaired."
    ),
)
FLOOD_LEVIES_REWORDED = MemoText(
    title="Ostrel Valley levees: the funding decision puts villages at risk",
    summary="Cancelling flood protection money for Ostrel Valley before the rainy season is dangerous.",
    body=(
        "Our decision to withdraw money from flood protection in Ostrel Valley ignores the engineers. "
        "The Tarvo river levees were damaged in the 2019 flood and still need repair. The monsoon "
        "comes soon. If the levees fail, villages and farms along the river will flood again. "
        "Please keep the programme funded for at least another year."
    ),
)
FLOOD_LEVIES_ID = MemoText(
    title="Pemotongan dana tanggul Ostrel Valley membahayakan desa",
    summary="Penghentian program pertahanan banjir Ostrel Valley sebelum musim hujan berisiko tinggi.",
    body=(
        "Kementerian berencana menghentikan pendanaan program pertahanan banjir di Ostrel Valley. "
        "Tanggul di sepanjang sungai Tarvo belum diperbaiki sejak banjir 2019. Para insinyur "
        "memperingatkan bahwa musim hujan akan segera tiba. Dua belas desa bergantung pada tanggul "
        "ini. Kami meminta agar pendanaan dilanjutkan sampai tanggul selesai diperbaiki."
    ),
)
CANTEEN_PRICES = MemoText(
    title="Canteen prices at headquarters have doubled",
    summary="The new catering contract at headquarters raised lunch prices for junior staff.",
    body=(
        "Since the catering contract changed in January, a lunch in the headquarters canteen costs "
        "twice as much. Junior staff and interns now bring food from home or skip lunch. I ask the "
        "facilities directorate to review the contract and publish the price list it agreed."
    ),
)
VISA_FEES_ID = MemoText(
    title="Biaya visa kerja untuk perawat dari Norlund terlalu mahal",
    summary="Kenaikan biaya visa kerja menghalangi perawat Norlund yang direkrut rumah sakit kita.",
    body=(
        "Biaya visa kerja naik tiga kali lipat tahun ini. Perawat dari Norlund yang sudah diterima "
        "rumah sakit tidak mampu membayarnya. Kami meminta kementerian meninjau ulang biaya tersebut."
    ),
)


def corpus_of(**texts: MemoText) -> Corpus:
    corpus = Corpus()
    for key, text in texts.items():
        corpus.add(key, text)
    return corpus


class TestRanking:
    def test_a_reworded_memo_on_the_same_concern_ranks_above_an_unrelated_one(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, canteen=CANTEEN_PRICES, visas=VISA_FEES_ID)

        suggestions = corpus.suggest(FLOOD_LEVIES_REWORDED)

        assert suggestions[0][0] == "levees"
        assert "canteen" not in [key for key, _ in suggestions[:1]]
        scores = dict(suggestions)
        assert scores["levees"] > scores.get("canteen", 0.0)

    def test_an_indonesian_memo_finds_the_english_memo_on_the_same_concern(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, canteen=CANTEEN_PRICES, visas=VISA_FEES_ID)

        suggestions = corpus.suggest(FLOOD_LEVIES_ID)

        assert suggestions[0][0] == "levees"

    def test_shared_names_and_numbers_bridge_the_languages_without_the_lexicon(self) -> None:
        corpus = Corpus(Lexical(use_lexicon=False))
        for key, text in (("levees", FLOOD_LEVIES), ("canteen", CANTEEN_PRICES), ("visas", VISA_FEES_ID)):
            corpus.add(key, text)

        suggestions = corpus.suggest(FLOOD_LEVIES_ID)

        assert suggestions[0][0] == "levees"

    def test_the_lexicon_maps_both_languages_to_one_concept(self) -> None:
        english = Lexical().features(MemoText("Evacuation of staff", "", ""))
        indonesian = Lexical().features(MemoText("Evakuasi pegawai", "", ""))

        assert {"x:evacuation", "x:staff"} <= english.keys()
        assert "x:evacuation" in indonesian

    def test_cognates_meet_across_the_languages(self) -> None:
        assert cognate_key("sanction") == cognate_key("sanksi")
        assert cognate_key("evacu") == cognate_key("evakuasi")
        assert cognate_key("vaccin") == cognate_key("vaksin")
        assert cognate_key("2019") is None


class TestWeights:
    def test_weigh_keeps_at_most_top_k_features_and_normalises_them(self) -> None:
        raw = {f"w:word{i:03}": 1.0 + i % 7 for i in range(200)}
        df = {f"w:word{i:03}": 1 + i % 5 for i in range(200)}

        weights = weigh(raw, df, n_docs=50, top_k=32)

        assert len(weights) == 32
        assert math.isclose(math.sqrt(sum(v * v for v in weights.values())), 1.0)

    def test_weigh_keeps_the_heaviest_features_and_breaks_ties_by_key(self) -> None:
        raw = {"w:b": 1.0, "w:a": 1.0, "w:c": 1.0, "w:rare": 1.0}
        df = {"w:a": 3, "w:b": 3, "w:c": 3, "w:rare": 1}

        weights = weigh(raw, df, n_docs=10, top_k=3)

        assert set(weights) == {"w:rare", "w:a", "w:b"}
        assert weights["w:rare"] > weights["w:a"] == weights["w:b"]

    def test_a_feature_no_memo_has_gets_the_highest_idf(self) -> None:
        weights = weigh({"w:new": 1.0, "w:old": 1.0}, {"w:old": 4}, n_docs=10)

        assert weights["w:new"] > weights["w:old"]

    def test_score_is_symmetric_and_a_memo_scores_one_with_itself(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, canteen=CANTEEN_PRICES, visas=VISA_FEES_ID)
        levees, canteen = corpus.weights("levees"), corpus.weights("canteen")

        assert score(levees, canteen) == pytest.approx(score(canteen, levees))
        assert score(levees, levees) == pytest.approx(1.0)

    def test_feature_keys_fit_the_index(self) -> None:
        long_word = "antidisestablishmentarianism" * 4
        features = Lexical().features(MemoText(long_word, long_word, FLOOD_LEVIES.body))

        assert features
        assert all(len(key) <= MAX_KEY for key in features)

    def test_the_index_keeps_top_k_features_per_memo(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, canteen=CANTEEN_PRICES, visas=VISA_FEES_ID)

        assert all(0 < len(corpus.weights(key)) <= TOP_K for key in ("levees", "canteen", "visas"))


class TestShared:
    def test_shared_shows_readable_words_and_no_character_keys(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, reworded=FLOOD_LEVIES_REWORDED, canteen=CANTEEN_PRICES)

        words = shared(corpus.weights("levees"), corpus.weights("reworded"))

        assert 0 < len(words) <= 5
        assert len(set(words)) == len(words)
        assert not any(":" in word for word in words)
        assert "levee" in words or "flood" in words

    def test_shared_across_languages_names_the_concept_in_english(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, levees_id=FLOOD_LEVIES_ID, canteen=CANTEEN_PRICES)

        words = shared(corpus.weights("levees_id"), corpus.weights("levees"), n=10)

        assert "flood" in words
        assert not any(word.startswith(("c:", "x:", "w:")) for word in words)


class TestCorpus:
    def test_suggest_leaves_out_the_memo_being_written(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, reworded=FLOOD_LEVIES_REWORDED, canteen=CANTEEN_PRICES)

        suggestions = corpus.suggest(FLOOD_LEVIES, exclude="levees")

        assert "levees" not in [key for key, _ in suggestions]
        assert suggestions[0][0] == "reworded"

    def test_equal_scores_are_ordered_by_key(self) -> None:
        corpus = corpus_of(b=FLOOD_LEVIES, c=FLOOD_LEVIES, a=FLOOD_LEVIES, z=CANTEEN_PRICES)

        suggestions = corpus.suggest(FLOOD_LEVIES_REWORDED, k=3)

        assert [key for key, _ in suggestions] == ["a", "b", "c"]

    def test_suggest_returns_at_most_k_and_nothing_below_the_threshold(self) -> None:
        corpus = corpus_of(levees=FLOOD_LEVIES, reworded=FLOOD_LEVIES_REWORDED, levees_id=FLOOD_LEVIES_ID)

        assert len(corpus.suggest(FLOOD_LEVIES, k=2)) == 2
        unrelated = corpus.suggest(MemoText("Parking permits", "Bicycle racks", "Lockers for cyclists."))
        assert all(value >= MIN_SCORE for _, value in unrelated)

    def test_rerank_orders_stored_weights_by_score_then_key(self) -> None:
        query = {"w:a": 0.6, "w:b": 0.8}

        ranked = rerank(query, [("y", {"w:a": 1.0}), ("x", {"w:a": 1.0}), ("z", {"w:b": 1.0})])

        assert [key for key, _ in ranked] == ["z", "x", "y"]


def test_names_are_capitalised_words_inside_sentences() -> None:
    found = names(
        "The Karsenvik programme ended. Karsenvik staff left; the Ministry said the ministry would pay."
    )

    assert "karsenvik" in found
    assert "the" not in found
    assert "ministry" not in found  # also written in lower case, so an ordinary word


def test_every_lexicon_concept_has_both_languages() -> None:
    assert lexicon.size() > 500
    assert lexicon.find(["pengadaan"], {"id": ["ada"]}) == {0: ("procurement", 1)}
    assert lexicon.find(["berada"], {"id": ["ada"]}) == {}  # a short stem alone does not match
    rights = ["hak", "asasi", "manusia"]
    assert lexicon.find(rights, {"id": rights}) == {0: ("human_rights", 3)}


def test_the_method_imports_and_runs_without_django() -> None:
    src = Path(__file__).resolve().parents[2] / "src"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(src)
    code = (
        "import sys\n"
        "from dissent.search.similarity import Corpus, MemoText\n"
        "c = Corpus(); c.add('a', MemoText('Flood levees', 'Ostrel', 'Repair the levees.'))\n"
        "print(c.suggest(MemoText('Levees', '', 'Ostrel flood levees.'))[0][0])\n"
        "print('django' in sys.modules)\n"
    )

    command = [sys.executable, "-c", code]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603 (our interpreter)

    assert result.stdout.split() == ["a", "False"]
