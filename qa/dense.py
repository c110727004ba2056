"""FAISS inner-product search over normalized passage vectors; index type chosen by size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Thresholds from the scale benchmark (docs/performance.md; benchmarks/results/scale.json):
# exact search answers in a few milliseconds up to about 50k passages and is exact; above that
# an inverted file with 8-bit scalar codes keeps recall@10 above 0.95 at a fraction of the time
# and a quarter of the memory (HNSW needed a far larger efSearch for the same recall on
# clustered vectors, and PQ codes lose too much recall to rank passages).
FLAT_MAX = 50_000
# Share of the inverted lists each query visits (nprobe = nlist / PROBE_DIVISOR, at least 16).
PROBE_DIVISOR = 32
MIN_NPROBE = 16
# k-means needs a few dozen points per list; more only slows the build.
TRAIN_POINTS_PER_LIST = 64


def nlist_for(n: int) -> int:
    """Inverted lists for n vectors: a power of two near sqrt(n) (256 at 100k, 1024 at 1M)."""
    return int(2 ** round(np.log2(max(16.0, np.sqrt(n)))))


def nprobe_for(nlist: int) -> int:
    return min(nlist, max(MIN_NPROBE, nlist // PROBE_DIVISOR))


def index_type_for(n: int) -> str:
    """The FAISS factory string used for n vectors (see docs/performance.md)."""
    if n <= FLAT_MAX:
        return "Flat"
    return f"IVF{nlist_for(n)},SQ8"


def build(vectors: np.ndarray, kind: str | None = None, seed: int = 0):
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or index_type_for(len(vectors))
    index = faiss.index_factory(vectors.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        train = vectors
        ivf = faiss.try_extract_index_ivf(index)
        wanted = TRAIN_POINTS_PER_LIST * ivf.nlist if ivf is not None else len(vectors)
        if len(vectors) > wanted:
            rows = np.random.default_rng(seed).choice(len(vectors), wanted, replace=False)
            train = vectors[np.sort(rows)]
        index.train(train)
    index.add(vectors)
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = nprobe_for(ivf.nlist)  # saved with the index
    return index


def save(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path):
    import faiss

    return faiss.read_index(str(path))


def search(
    index, query: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, passage ids) of the k nearest passages for one query vector; `allowed` (sorted
    passage ids) restricts the search to those passages."""
    k = min(k, index.ntotal)
    vectors = _flat_vectors(index)
    if vectors is not None:
        return _search_flat(vectors, query, k, allowed)
    params = None
    if allowed is not None:
        import faiss

        if not len(allowed):
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
        else:
            params = faiss.SearchParameters(sel=selector)
        k = min(k, len(allowed))
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    scores, ids = index.search(query, k, params=params) if params else index.search(query, k)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]


_FLAT: dict[int, tuple[object, np.ndarray]] = {}


def _flat_vectors(index) -> np.ndarray | None:
    """The stored vectors of an exact inner-product index, as a numpy view (no copy); None
    for other index types."""
    cached = _FLAT.get(id(index))
    if cached is not None and cached[0] is index:
        return cached[1]
    import faiss

    if not isinstance(index, faiss.IndexFlat) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        return None
    if index.ntotal == 0:
        return None
    vectors = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(
        index.ntotal, index.d
    )
    # Keyed by id() with the index itself held, so the id cannot be reused while the view
    # (which points into the index's memory) is kept; the last few indexes only.
    _FLAT[id(index)] = (index, vectors)
    while len(_FLAT) > 4:
        _FLAT.pop(next(iter(_FLAT)))
    return vectors


def _search_flat(
    vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact search as one matrix-vector product and a partial sort: for one query this is
    several times faster than FAISS's flat search, whose threads wait on the query encoder's
    (4-20 ms against 1.5 ms over 21,000 passages on 2 cores: docs/performance.md)."""
    query = np.asarray(query, dtype=np.float32).reshape(-1)
    ids = None
    if allowed is None:
        scores = vectors @ query
    else:
        ids = np.asarray(allowed, dtype=np.int64)
        # A few documents' rows are gathered first (one document of a library: 0.05 ms
        # against 4 ms for every row); the products differ in the last bit at most.
        scores = vectors[ids] @ query if len(ids) * 4 < len(vectors) else (vectors @ query)[ids]
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.lexsort((top, -scores[top]))]  # best first; ties to the lower id, as FAISS
    found = ids[top] if ids is not None else top.astype(np.int64)
    return scores[top].astype(np.float32), found
