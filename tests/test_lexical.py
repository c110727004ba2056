"""BM25 top k: the fast selection and MaxScore pruning give exactly the plain full sort's answer
(same passages, same scores to the last bit, ties to the lower id), and the report's results are
what the code before them gave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa import lexical
from qa.bench import scale as bench_scale
from qa.bench import speed
from qa.lexical import LexicalIndex


def synthetic(n: int, words: int, seed: int, skew: float = 1.1) -> LexicalIndex:
    """n passages of Zipf-distributed words w0, w1, ...: w0 in nearly every passage."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, words + 1, dtype=np.float64)
    freq = ranks**-skew / (ranks**-skew).sum()
    docs, tokens = bench_scale.synthetic_token_ids(n, freq, np.array([4, 9, 20, 40]), rng)
    keep = tokens < words  # only the given words, no made-up tail
    data, indices, indptr, used = bench_scale.bm25_matrix(docs[keep], tokens[keep], n)
    return LexicalIndex(data, indices, indptr, {f"w{t}": i for i, t in enumerate(used)}, n)


def plain_top(index: LexicalIndex, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact top k the slow way: every score, fully sorted (score down, id up)."""
    return bench_scale.reference_top(index, query, k)


def assert_same(found, expected) -> None:
    ids, scores = (found.ids, found.scores) if hasattr(found, "ids") else found
    np.testing.assert_array_equal(ids, expected[0])
    np.testing.assert_array_equal(scores, expected[1])  # bit for bit: no tolerance


@pytest.fixture
def eager(monkeypatch):
    """Prune and sample even on small corpora (the defaults wait for big ones)."""
    monkeypatch.setattr(lexical, "PRUNE_FROM", 1)
    monkeypatch.setattr(lexical, "MIN_SKIP", 0.0)
    monkeypatch.setattr(lexical, "SAMPLE", 64)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(50, 3000),
    words=st.lists(st.integers(0, 59), min_size=1, max_size=12),
    k=st.sampled_from([1, 3, 10, 50, 1000]),
)
def test_every_path_gives_the_exact_top_k(seed, n, words, k):
    original = (lexical.PRUNE_FROM, lexical.MIN_SKIP, lexical.SAMPLE)
    lexical.PRUNE_FROM, lexical.MIN_SKIP, lexical.SAMPLE = 1, 0.0, 64
    try:
        index = synthetic(n, 60, seed)
        query = " ".join(f"w{w}" for w in words)
        expected = plain_top(index, query, k)
        assert_same(index.best(query, k), expected)
        assert_same(index.best(query, k, prune=True), expected)
        assert_same(index.top(query, k), expected)
    finally:
        lexical.PRUNE_FROM, lexical.MIN_SKIP, lexical.SAMPLE = original


def test_pruning_skips_the_common_words(eager):
    index = synthetic(4000, 300, seed=7)
    # w0 and w1 are in most passages (low idf); the rest are rarer, so the best passages are
    # decided by them and w0's and w1's postings need not be scanned.
    query = "w0 w1 w40 w41 w60 w80"
    for k in (1, 10, 100):
        found = index.best(query, k, prune=True)
        assert found.skipped >= index.best(query, k).postings // 2
        assert_same(found, plain_top(index, query, k))


def test_repeated_words_count_twice(eager):
    index = synthetic(2000, 100, seed=3)
    query = "w0 w0 w0 w30 w30 w70"
    assert_same(index.best(query, 20, prune=True), plain_top(index, query, 20))
    assert_same(index.best(query, 20), plain_top(index, query, 20))


def test_a_column_out_of_passage_order_is_never_pruned(eager):
    index = synthetic(2000, 100, seed=5)
    query = "w0 w1 w50"
    expected = plain_top(index, query, 10)
    w0 = index.vocab["w0"]
    a, b = index.indptr[w0], index.indptr[w0 + 1]
    index.indices[a:b] = index.indices[a:b][::-1].copy()  # same postings, reversed
    index.data[a:b] = index.data[a:b][::-1].copy()
    found = index.best(query, 10, prune=True)
    assert found.skipped == 0
    assert_same(found, expected)


def test_ties_go_to_the_lower_passage_ids():
    # Every passage holds the one word once and has the same length: all scores tie.
    data = np.full(500, 0.5, dtype=np.float32)
    index = LexicalIndex(data, np.arange(500, dtype=np.int32), np.array([0, 500]), {"visa": 0}, 500)
    ids, scores = index.top("visa", 7)
    assert ids.tolist() == list(range(7)) and set(scores.tolist()) == {0.5}


def test_report_results_are_unchanged(index):
    """On the report every query takes the exhaustive path and every candidate is kept, as
    before: the same passages and scores, bit for bit."""
    stored = index.stored.lexical
    for question in speed.questions(index, 60):
        query = index.expanded(question)
        before = bench_scale.top_before(stored, query, 1000)
        assert_same(stored.best(query, 1000), before)
        assert_same(stored.best(query, 1000, prune=True), before)
        assert stored.best(query, 1000, prune=True).skipped == 0
