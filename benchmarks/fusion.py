"""Compare ways of fusing dense and BM25 paragraph scores on the project's question sets.

The figures behind the choice in qa/ranking/fusion.py (docs/retrieval.md). Run from the
project folder (builds the index first if needed):

    python benchmarks/fusion.py            # dev set
    python benchmarks/fusion.py heldout    # held-out set: report it, never tune on it
"""

from __future__ import annotations

import statistics
import sys
from functools import partial

from qa.evaluate.retrieval import DEPTH, QUESTION_SETS, load_questions, score_rankings
from qa.ranking.fusion import fuse, minmax, rrf
from qa.search import open_index


def zscore(dense: dict, lexical: dict, dense_weight: float = 0.5) -> dict:
    """Convex combination of z-scores (the alternative normalization)."""
    keys = dense.keys() | lexical.keys()
    floor = min(dense.values(), default=0.0)
    out = {}
    for weight, scores in ((dense_weight, dense), (1 - dense_weight, lexical)):
        values = {k: scores.get(k, floor if scores is dense else 0.0) for k in keys}
        mean = statistics.fmean(values.values())
        sd = statistics.pstdev(values.values()) or 1.0
        for k, v in values.items():
            out[k] = out.get(k, 0.0) + weight * (v - mean) / sd
    return out


VARIANTS = {
    "dense only": lambda d, lx: minmax(d),
    "lexical only": lambda d, lx: minmax(lx),
    "RRF k=60 (before)": lambda d, lx: rrf(d, lx, k=60),
    "RRF k=10": lambda d, lx: rrf(d, lx, k=10),
    "RRF k=3": lambda d, lx: rrf(d, lx, k=3),
    "RRF k=3, lexical x1.5": lambda d, lx: rrf(d, lx, k=3, lexical_weight=1.5),
    **{
        f"min-max, dense weight {w}": partial(fuse, dense_weight=w)
        for w in (0.3, 0.4, 0.5, 0.6, 0.7)
    },
    **{
        f"z-score, dense weight {w}": partial(zscore, dense_weight=w)
        for w in (0.3, 0.4, 0.5, 0.6, 0.7)
    },
}


def main(set_name: str = "dev") -> None:
    index = open_index()
    questions = load_questions(QUESTION_SETS[set_name])
    scores = [index.paragraph_scores(q.question) for q in questions]
    print(f"Fusion on the {set_name} set ({len(questions)} questions)\n")
    print("| fusion | recall@1 | recall@3 | recall@5 | mrr@10 | ndcg@10 |")
    print("|---|---|---|---|---|---|")
    for name, fusion in VARIANTS.items():
        rankings = []
        for dense, lexical in scores:
            fused = fusion(dense, lexical)
            ranked = sorted(fused, key=lambda key: -fused[key])[:DEPTH]
            rankings.append([number for _doc, number in ranked])
        metrics = score_rankings(rankings, questions)
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in metrics.values()) + " |")


if __name__ == "__main__":
    main(*sys.argv[1:2])
