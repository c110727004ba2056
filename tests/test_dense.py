"""The FAISS index type follows corpus size; an approximate index keeps its settings on disk."""

from __future__ import annotations

import faiss
import numpy as np

from qa import dense


def test_index_type_follows_corpus_size():
    assert dense.index_type_for(200) == "Flat"
    assert dense.index_type_for(dense.FLAT_MAX) == "Flat"
    assert dense.index_type_for(100_000) == "IVF256,SQ8"
    assert dense.index_type_for(1_000_000) == "IVF1024,SQ8"


def test_ivf_index_round_trip_keeps_nprobe_and_finds_passages(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(4000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = dense.build(vectors, kind="IVF64,SQ8")
    dense.save(index, tmp_path / "dense.faiss")
    loaded = dense.load(tmp_path / "dense.faiss")
    assert faiss.extract_index_ivf(loaded).nprobe == dense.nprobe_for(64)
    found = [dense.search(loaded, vectors[i], 5)[1][0] for i in range(0, 4000, 400)]
    assert found == list(range(0, 4000, 400))
