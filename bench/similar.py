"""Similar-memo suggestions: recall and precision on a labelled set, and featurize time.

Scores `dissent.search.similarity.Corpus` the way ../shared/data/similar-memos/README.md says:
each memo is a query (title, summary and body, as a finished draft), the pool is every other memo
in both languages, at most 5 suggestions count, ties are broken by id, and figures are
micro-averaged. Prints one line per split, the overall precision, the machine and the median time
to featurize one memo.

Run:  .venv/bin/python bench/similar.py [--data DIR] [--no-lexicon] [--top-k N] [--min-score S]
        [--cognate-weight W] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from dissent.search.similarity import MIN_SCORE, TOP_K, Corpus, Lexical, MemoText  # noqa: E402


def default_data_dir() -> Path:
    # CI clones the repository beside shared/; a developer's checkout may live elsewhere.
    for candidate in (
        REPO.parent / "shared" / "data" / "similar-memos",
        Path("/work/shared/data/similar-memos"),
    ):
        if (candidate / "memos.jsonl").exists():
            return candidate
    return REPO.parent / "shared" / "data" / "similar-memos"


def load(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "memos.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def text_of(memo: dict[str, str]) -> MemoText:
    return MemoText(title=memo["title"], summary=memo["summary"], body=memo["body"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="directory holding memos.jsonl")
    parser.add_argument("--no-lexicon", action="store_true", help="leave the bilingual lexicon out")
    parser.add_argument("--top-k", type=int, default=TOP_K, help=f"features kept per memo (default {TOP_K})")
    parser.add_argument("--min-score", type=float, default=MIN_SCORE, help=f"threshold (default {MIN_SCORE})")
    parser.add_argument("--cognate-weight", type=float, default=None, help="weight of cognate keys")
    parser.add_argument("--show-misses", action="store_true", help="list the relevant memos not suggested")
    args = parser.parse_args()

    memos = load(args.data or default_data_dir())
    method = Lexical(use_lexicon=not args.no_lexicon)
    if args.cognate_weight is not None:
        method = Lexical(use_lexicon=not args.no_lexicon, cognate_weight=args.cognate_weight)
    texts = {memo["id"]: text_of(memo) for memo in memos}

    # The first call builds the lexicon's tables (once per process); time it apart.
    started = time.perf_counter()
    method.features(MemoText("warm-up", "", ""))
    warm_up = time.perf_counter() - started
    timings = []
    for _ in range(5):
        for memo in memos:
            started = time.perf_counter()
            method.features(texts[memo["id"]])
            timings.append(time.perf_counter() - started)
    n_words = statistics.median(
        len(" ".join(memo[f] for f in ("title", "summary", "body")).split()) for memo in memos
    )

    # Built once over all memos and queried with exclude=<query id>: the pool is "every other
    # memo", and the only difference from rebuilding per query is that the query itself counts
    # in the document frequencies (one document in 80), as a draft would once it is saved.
    corpus = Corpus(method, top_k=args.top_k, min_score=args.min_score)
    for memo in memos:
        corpus.add(memo["id"], texts[memo["id"]])

    by_id = {memo["id"]: memo for memo in memos}
    hit = {"same": 0, "cross": 0}
    relevant = {"same": 0, "cross": 0}
    shown = {"same": 0, "cross": 0}
    overall_hits = 0
    for query in memos:
        suggestions = corpus.suggest(texts[query["id"]], k=5, exclude=query["id"])
        suggested = [by_id[key] for key, _ in suggestions][:5]
        for memo in memos:
            if memo["id"] != query["id"] and memo["concern"] == query["concern"]:
                relevant["same" if memo["lang"] == query["lang"] else "cross"] += 1
        for memo in suggested:
            split = "same" if memo["lang"] == query["lang"] else "cross"
            shown[split] += 1
            hit[split] += memo["concern"] == query["concern"]
            overall_hits += memo["concern"] == query["concern"]
        if args.show_misses:
            found = {memo["id"] for memo in suggested}
            for memo in memos:
                if (
                    memo["id"] != query["id"]
                    and memo["concern"] == query["concern"]
                    and memo["id"] not in found
                ):
                    listed = ", ".join(f"{m['id']}:{m['concern'][:18]}" for m in suggested)
                    print(
                        f"miss {query['id']}({query['lang']}) -> {memo['id']}({memo['lang']})"
                        f" {query['concern']}; shown: {listed}"
                    )

    for split, label in (("same", "same-language "), ("cross", "cross-language")):
        precision = f"{hit[split] / shown[split]:.3f}" if shown[split] else "n/a"
        recall = hit[split] / relevant[split] if relevant[split] else 0.0
        print(
            f"{label} recall@5={recall:.3f} precision@5={precision} ({relevant[split] // 2} relevant pairs)"
        )
    overall = overall_hits / (5 * len(memos))
    print(f"overall        precision@5={overall:.3f} (suggestions shown: {sum(shown.values())})")
    print(
        f"method={method.name} top_k={args.top_k} min_score={args.min_score} memos={len(memos)};"
        f" featurize median={statistics.median(timings) * 1000:.2f} ms per memo (median {n_words:.0f} words),"
        f" max={max(timings) * 1000:.2f} ms, first call (builds the lexicon)={warm_up * 1000:.0f} ms"
    )
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
