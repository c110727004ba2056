"""BM25 over passages: built with bm25s, searched with numpy alone; English stems, no stop words.

bm25s stores each word's precomputed BM25 contributions as one column of a sparse matrix. A
query's scores are the sum of its words' columns, which numpy does directly from the saved
arrays: searching never imports bm25s (whose import pulls numba and scipy, about 0.7 s).
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

# Digit groups ("7,400") become one number so "7400" and "7,400" meet.
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}\b)")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# The arrays bm25s writes (and reads back with BM25.load).
_DATA, _INDICES, _INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"
_VOCAB, _PARAMS, _NONOCCURRENCE = (
    "vocab.index.json",
    "params.index.json",
    "nonoccurrence_array.index.npy",
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """bm25s's English stop words, read from its module file without importing bm25s."""
    spec = importlib.util.find_spec("bm25s")
    folder = next(iter(spec.submodule_search_locations or []), None) if spec else None
    path = Path(folder) / "stopwords.py" if folder else None
    if path is not None and path.is_file():
        module_spec = importlib.util.spec_from_file_location("_qa_bm25s_stopwords", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return frozenset(module.STOPWORDS_EN)
    from bm25s.stopwords import STOPWORDS_EN  # pragma: no cover - unusual installs

    return frozenset(STOPWORDS_EN)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without English stop words."""
    words = _TOKEN.findall(_DIGIT_GROUP.sub("", text.lower()))
    stop = _stopwords()
    return _stemmer().stemWords([w for w in words if w not in stop])


class LexicalIndex:
    """A BM25 index over the passages' texts (their context included).

    Holds bm25s's score matrix as three arrays (CSC: one column per word): `data` (the
    precomputed BM25 contributions), `indices` (their passages) and `indptr` (where each
    word's column starts).
    """

    def __init__(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        vocab: dict[str, int],
        num_docs: int,
        nonoccurrence: np.ndarray | None = None,
        retriever=None,
    ) -> None:
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.vocab = vocab
        self.num_docs = int(num_docs)
        self.nonoccurrence = nonoccurrence
        self._retriever = retriever  # only after build(): bm25s writes the files

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index([tokenize(t) or [""] for t in texts], show_progress=False)
        s = retriever.scores
        return cls(
            np.asarray(s["data"]),
            np.asarray(s["indices"]),
            np.asarray(s["indptr"]),
            dict(retriever.vocab_dict),
            s["num_docs"],
            getattr(retriever, "nonoccurrence_array", None),
            retriever,
        )

    def save(self, folder: Path) -> None:
        if self._retriever is None:
            raise ValueError("only a freshly built LexicalIndex can be saved")
        # Plain .npy arrays and JSON: nothing in an index folder is ever unpickled or run.
        self._retriever.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> LexicalIndex:
        """Read bm25s's saved arrays with numpy (memory-mapped when `mmap`, for big corpora)."""
        folder = Path(folder)
        mode = "r" if mmap else None
        params = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        nonoccurrence = None
        if (folder / _NONOCCURRENCE).is_file():
            nonoccurrence = np.load(folder / _NONOCCURRENCE, allow_pickle=False)
        return cls(
            np.load(folder / _DATA, mmap_mode=mode, allow_pickle=False),
            np.load(folder / _INDICES, mmap_mode=mode, allow_pickle=False),
            np.load(folder / _INDPTR, allow_pickle=False),
            json.loads((folder / _VOCAB).read_text(encoding="utf-8")),
            params["num_docs"],
            nonoccurrence,
        )

    def _postings(self, query: str) -> tuple[np.ndarray, np.ndarray, float]:
        """(passage ids, contributions, constant) of the query's known words, repeats kept."""
        ids = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), 0.0
        starts, ends = self.indptr[ids], self.indptr[np.asarray(ids) + 1]
        docs = np.concatenate([self.indices[a:b] for a, b in zip(starts, ends)])
        weights = np.concatenate([self.data[a:b] for a, b in zip(starts, ends)])
        constant = float(self.nonoccurrence[ids].sum()) if self.nonoccurrence is not None else 0.0
        return docs, weights, constant

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no query word is known)."""
        docs, weights, constant = self._postings(query)
        out = np.bincount(docs, weights=weights, minlength=self.num_docs).astype(np.float32)
        return out + np.float32(constant) if constant else out

    def top(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) of the k best passages with a positive score, in id order.

        Only the passages that contain a query word are scored, so the cost follows the
        query words' posting lists, not the corpus size.
        """
        docs, weights, constant = self._postings(query)
        if len(docs) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(docs) * 8 < self.num_docs:
            candidates, inverse = np.unique(docs, return_inverse=True)
            sums = np.bincount(inverse, weights=weights)
        else:
            sums = np.bincount(docs, weights=weights, minlength=self.num_docs)
            candidates = np.flatnonzero(sums)
            sums = sums[candidates]
        sums = (sums + constant).astype(np.float32)
        keep = sums > 0
        candidates, sums = candidates[keep], sums[keep]
        if len(candidates) > k:
            best = np.argpartition(-sums, k - 1)[:k]
            best.sort()  # id order, as `scores()` followed by flatnonzero would give
            candidates, sums = candidates[best], sums[best]
        return candidates.astype(np.int64), sums
