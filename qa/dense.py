"""FAISS inner-product search over normalized passage vectors; index type chosen by size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Below this many vectors exact search is both fastest to build and fast enough to query.
FLAT_MAX = 50_000
HNSW_MAX = 2_000_000


def index_type_for(n: int) -> str:
    """The FAISS factory string used for n vectors (see README, "Scale")."""
    if n <= FLAT_MAX:
        return "Flat"
    if n <= HNSW_MAX:
        return "HNSW32"
    return f"IVF{int(4 * np.sqrt(n))},PQ32"


def build(vectors: np.ndarray, kind: str | None = None):
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or index_type_for(len(vectors))
    index = faiss.index_factory(vectors.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        index.train(vectors)
    index.add(vectors)
    return index


def save(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path):
    import faiss

    return faiss.read_index(str(path))


def search(index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, passage ids) of the k nearest passages for one query vector."""
    k = min(k, index.ntotal)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]
