"""Dense + lexical paragraph scores -> one hybrid score on a 0–1 scale (normalized-score fusion).

Each measure is min-max normalized over the question's candidate paragraphs, then the two are
averaged with equal weights: 1.0 means best by both measures, 0.5 best by one and last by the
other. Reciprocal rank fusion is kept for comparison (`benchmarks/fusion.py`);
docs/retrieval.md has the figures that decided between them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np

# Weight of the dense measure; the lexical one gets the rest. Equal weights sit in the middle
# of a flat optimum (0.3–0.6 give the same Recall@1 on the dev set), so no fitted constant.
DENSE_WEIGHT = 0.5
# Evidence-following weights: when BM25's best paragraph holds at least FULL_EVIDENCE of the
# question's words (weighted by IDF), the weights stay equal; at NO_EVIDENCE or less the dense
# measure gets MAX_DENSE_WEIGHT; linear in between (tuned on the dev sets: docs/retrieval.md).
FULL_EVIDENCE = 0.5
NO_EVIDENCE = 0.2
MAX_DENSE_WEIGHT = 0.8
# The constant of reciprocal rank fusion in Cormack et al. (2009).
RRF_K = 60


def minmax(scores: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Scores mapped onto 0–1: the lowest candidate 0, the best 1.

    When all candidates score the same, positive scores become 1 and the rest 0 (one paragraph
    found by a measure is its best; a measure that found nothing adds nothing).
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low <= 1e-12:
        return {key: 1.0 if value > 0 else 0.0 for key, value in scores.items()}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def evidence_weight(
    coverage: float,
    full: float = FULL_EVIDENCE,
    none: float = NO_EVIDENCE,
    low: float = DENSE_WEIGHT,
    high: float = MAX_DENSE_WEIGHT,
) -> float:
    """The dense weight for a question whose best BM25 paragraph covers `coverage` (0–1) of
    its words by IDF. Readers who use the documents' own words (names, numbers, terms) are
    served by BM25 as well as by the model; readers who say it in other words leave BM25
    matching a few common words, and the model should decide."""
    if full <= none:
        return low
    share = min(1.0, max(0.0, (full - coverage) / (full - none)))
    return low + share * (high - low)


def fuse(
    dense: Mapping[Hashable, float],
    lexical: Mapping[Hashable, float],
    dense_weight: float = DENSE_WEIGHT,
) -> dict[Hashable, float]:
    """Convex combination of the min-max normalized scores over every candidate of either.

    A paragraph without a lexical score has BM25 0 (no query word); one beyond the dense
    candidates gets the lowest dense score seen.
    """
    keys = list(dict.fromkeys([*dense, *lexical]))
    if not keys:
        return {}
    d = np.fromiter((dense.get(k, -np.inf) for k in keys), float, len(keys))
    lx = np.fromiter((lexical.get(k, -np.inf) for k in keys), float, len(keys))
    found, fused = fuse_arrays(d, lx, dense_weight)
    return dict(zip([keys[i] for i in found.tolist()], fused.tolist()))


def fuse_arrays(
    dense: np.ndarray, lexical: np.ndarray, dense_weight: float = DENSE_WEIGHT
) -> tuple[np.ndarray, np.ndarray]:
    """`fuse` over arrays indexed by paragraph, -inf where a measure has no score: (the
    paragraphs either measure scored, their fused scores). A library's question fuses a few
    thousand candidates, so this is the form the search uses."""
    found = np.flatnonzero(np.isfinite(dense) | np.isfinite(lexical))
    if not len(found):
        return found, np.zeros(0)
    d, lx = dense[found], lexical[found]
    seen = np.isfinite(d)
    d = np.where(seen, d, d[seen].min() if seen.any() else 0.0)
    lx = np.where(np.isfinite(lx), lx, 0.0)
    return found, dense_weight * _minmax_array(d) + (1 - dense_weight) * _minmax_array(lx)


def _minmax_array(values: np.ndarray) -> np.ndarray:
    """`minmax` over an array."""
    low, high = values.min(), values.max()
    if high - low <= 1e-12:
        return (values > 0).astype(float)
    return (values - low) / (high - low)


def rrf(
    dense: Mapping[Hashable, float],
    lexical: Mapping[Hashable, float],
    k: float = RRF_K,
    lexical_weight: float = 1.0,
) -> dict[Hashable, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the two rankings."""
    fused: dict[Hashable, float] = {}
    for weight, scores in ((1.0, dense), (lexical_weight, lexical)):
        ordered = sorted(scores, key=lambda key: -scores[key])
        for rank, key in enumerate(ordered, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused
