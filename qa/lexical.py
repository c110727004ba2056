"""BM25 over passages: built with bm25s, searched with numpy alone; English stems, no stop words.

bm25s stores each word's precomputed BM25 contributions as one column of a sparse matrix. A
query's scores are the sum of its words' columns, which numpy does directly from the saved
arrays: searching never imports bm25s (whose import pulls numba and scipy, about 0.7 s).

On big corpora a query's words have posting lists of hundreds of thousands of passages. The
sums cost about 3 ns a posting (one `bincount`); picking the best k of a million sums costs
more unless done with care: a threshold from a sample of the sums leaves a few thousand to
choose from (`_select_dense`). MaxScore pruning (`best(..., prune=True)`) skips scanning the
commonest words and returns the same top k to the last bit; on the benchmark's corpora it is
slower than scanning everything (benchmarks/results/scale-lexical.log), so it is not the
default.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

# Digit groups ("7,400") become one number so "7400" and "7,400" meet.
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}\b)")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# A query touching fewer postings than this is scored exhaustively: cheap enough, and simple.
# Every query on the report (a few thousand postings in all) stays there.
PRUNE_FROM = 100_000
# Pruning goes ahead only when it leaves at least this share of the postings unscanned.
MIN_SKIP = 0.2
# Relative margin on every pruning bound: float rounding never excludes a passage wrongly.
_SLACK = 1e-6
_TINY = float(np.nextafter(0.0, 1.0))

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


def stem_word(word: str) -> str:
    """One lower-case word's stem, as `tokenize` stems it."""
    return _stemmer().stemWord(word)


def stopwords() -> frozenset[str]:
    """The English stop words `tokenize` drops."""
    return _stopwords()


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
        self._words: dict[int, _Word | None] = {}  # per word: postings, best impact (lazy)
        self._kth: dict[tuple[int, int], float] = {}  # per (word, k): its k-th best impact

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

    def top(
        self, query: str | dict[str, float], k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) of the k best passages with a positive score, in id order.

        Exact: ties at the k-th score go to the lower passage ids. `allowed` (a boolean mask
        over passages) keeps only those passages. `query` is text, or weighted stems
        ({stem: weight}, e.g. a question with its expansions: qa/expansion.py).
        """
        found = self.best(query, k, allowed=allowed)
        return found.ids, found.scores

    def df(self, stem: str) -> int:
        """How many passages hold the stem (0 for a stem the corpus never uses)."""
        i = self.vocab.get(stem)
        return 0 if i is None else int(self.indptr[i + 1] - self.indptr[i])

    def idf(self, stem: str) -> float:
        """BM25's inverse document frequency of a stem; a stem the corpus never uses gets the
        highest (it is as specific as a word can be)."""
        df = self.df(stem)
        return float(np.log(1.0 + (self.num_docs - df + 0.5) / (df + 0.5)))

    def local_weights(self, terms: dict[str, float], allowed: np.ndarray) -> dict[str, float]:
        """The terms' weights rescaled so that each word counts with its IDF over the allowed
        passages rather than over the whole corpus: in a library, a word every paragraph of
        one report uses ("trafficking") is rare overall and would outweigh the words that
        tell that report's paragraphs apart. Words absent from the allowed passages go."""
        n = int(np.count_nonzero(allowed))
        out: dict[str, float] = {}
        for stem, weight in terms.items():
            i = self.vocab.get(stem)
            if i is None:
                continue
            df = int(np.count_nonzero(allowed[self.indices[self.indptr[i] : self.indptr[i + 1]]]))
            if df == 0:
                continue
            local = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
            out[stem] = weight * local / self.idf(stem)
        return out

    def holds(self, stem: str, passages: np.ndarray) -> bool:
        """Whether any of these passages holds the stem."""
        i = self.vocab.get(stem)
        if i is None or not len(passages):
            return False
        column = np.asarray(self.indices[int(self.indptr[i]) : int(self.indptr[i + 1])])
        if not len(column):
            return False
        if self._sorted_columns:
            # A paragraph's few passages looked up in the sorted postings: no set built.
            at = np.minimum(np.searchsorted(column, passages), len(column) - 1)
            return bool((column[at] == passages).any())
        return bool(np.isin(passages, column, assume_unique=False).any())

    @cached_property
    def _sorted_columns(self) -> bool:
        """Whether each word's passage ids are in increasing order (bm25s writes them so)."""
        if len(self.indices) < 2:
            return True
        rising = np.diff(np.asarray(self.indices)) > 0
        starts = np.asarray(self.indptr[1:-1], dtype=np.int64)
        starts = starts[(starts > 0) & (starts < len(self.indices))]
        rising[starts - 1] = True  # a new word's first id may be lower than the last one's
        return bool(rising.all())

    def best(
        self,
        query: str | dict[str, float],
        k: int,
        prune: bool = False,
        allowed: np.ndarray | None = None,
    ) -> LexicalTop:
        """The k best passages with a positive score (exactly those, with or without pruning).

        Args:
            query: the question (tokenized here), or weighted stems {stem: weight}: each
                stem's BM25 contributions count `weight` times.
            k: how many passages at most.
            prune: skip scanning the commonest words' postings when their impacts cannot
                lift a passage into the top k (MaxScore); the result is the same.
            allowed: a boolean mask over passages; only those are scored (no pruning then).
        """
        weights = None
        if isinstance(query, dict):
            known = [(self.vocab[t], w) for t, w in query.items() if t in self.vocab and w > 0]
            ids = [i for i, _ in known]
            weights = [w for _, w in known]
            if all(w == 1.0 for w in weights):
                weights = None
        else:
            ids = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not ids or k <= 0:
            return LexicalTop(np.zeros(0, np.int64), np.zeros(0, np.float32), 0, 0)
        if self.nonoccurrence is None:
            constant = 0.0
        elif weights is None:
            constant = float(self.nonoccurrence[ids].sum())
        else:
            constant = float((self.nonoccurrence[ids] * np.asarray(weights)).sum())
        found = (
            self._maxscore(ids, k, constant)
            if prune and allowed is None and weights is None
            else None
        )
        if found is not None:
            return found
        return self._exhaustive(ids, k, constant, allowed, weights)

    # --- exhaustive: every posting of the query's words ---------------------------------------

    def _exhaustive(
        self,
        ids: list[int],
        k: int,
        constant: float,
        allowed: np.ndarray | None = None,
        term_weights: list[float] | None = None,
    ) -> LexicalTop:
        """Only the passages that contain a query word are scored, so the cost follows the
        query words' posting lists, not the corpus size."""
        starts, ends = self.indptr[ids], self.indptr[np.asarray(ids) + 1]
        docs = np.concatenate([self.indices[a:b] for a, b in zip(starts, ends)])
        if term_weights is None:
            weights = np.concatenate([self.data[a:b] for a, b in zip(starts, ends)])
        else:
            weights = np.concatenate(
                [self.data[a:b] * np.float32(w) for a, b, w in zip(starts, ends, term_weights)]
            )
        if allowed is not None:
            keep = allowed[docs]
            docs, weights = docs[keep], weights[keep]
            if not len(docs):
                return LexicalTop(np.zeros(0, np.int64), np.zeros(0, np.float32), 0, 0)
        if len(docs) * 8 < self.num_docs:
            # Summed per passage by sorting (np.unique would import numpy.ma: 0.17 s of a
            # cold start); a stable sort adds each passage's weights in the order bincount did.
            order = np.argsort(docs, kind="stable")
            ordered = docs[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            candidates = ordered[starts]
            summed = np.add.reduceat(weights[order].astype(np.float64), starts)
            sums = (summed + constant).astype(np.float32)
            keep = sums > 0
            chosen, scores = _select(candidates[keep], sums[keep], k)
        else:
            dense = np.bincount(docs, weights=weights, minlength=self.num_docs)
            if constant:  # a passage without a query word is no candidate, whatever the constant
                dense[dense != 0] += constant
            chosen, scores = _select_dense(dense.astype(np.float32), k)
        return LexicalTop(chosen.astype(np.int64), scores, len(docs), 0)

    # --- pruned: MaxScore over the query's words ----------------------------------------------

    def _maxscore(self, ids: list[int], k: int, constant: float) -> LexicalTop | None:
        """MaxScore (Turtle and Flood, 1995) in array form (None: not worth it, or not safe).

        Any word with k postings or more gives k passages scoring at least its k-th best
        impact, so the k-th best score `theta` is at least that (the word's champion list
        bound). The commonest words, whose best impacts add up to less than it, are not
        scanned ("non-essential"): a passage holding only them cannot reach the top k. The
        other words' postings are summed; a passage whose partial sum plus the non-essential
        words' best impacts stays below the k-th best partial sum cannot reach it either. The
        few passages left get every word's contribution looked up in its passage-ordered
        column and are summed in the exhaustive order, so scores and ties are the same to
        the last bit.
        """
        starts, ends = self.indptr[ids], self.indptr[np.asarray(ids) + 1]
        total = int((ends - starts).sum())
        if total < PRUNE_FROM or self.num_docs < k:
            return None
        times = {w: ids.count(w) for w in ids}
        stats = {w: self._stats(w) for w in times}
        if any(st is None for st in stats.values()):
            return None  # a column out of passage order, or a negative impact
        theta = max(times[w] * self._kth_impact(w, k) for w in times) + constant
        common, bound = [], 0.0
        for w in sorted(times, key=lambda w: (stats[w].best * times[w], w)):
            step = stats[w].best * times[w]
            if (bound + step + constant) * (1 + _SLACK) >= theta:
                break
            common.append(w)
            bound += step
        skipped = sum(stats[w].postings * times[w] for w in common)
        if skipped < total * MIN_SKIP:
            return None
        rare = [w for w in ids if w not in common]  # in query order, repeats kept
        docs = np.concatenate([self.indices[self.indptr[w] : self.indptr[w + 1]] for w in rare])
        weights = np.concatenate([self.data[self.indptr[w] : self.indptr[w + 1]] for w in rare])
        partial = np.bincount(docs, weights=weights, minlength=self.num_docs)
        _, best_partial = _select_dense(partial.astype(np.float32), k)
        if len(best_partial) == k:  # k passages score at least their partial sums
            theta = max(theta, float(best_partial.min()) + constant)
        # Survivors: passages whose partial sum plus the common words' best impacts can still
        # reach theta; each common word looked up narrows them further, best impact first.
        need = theta * (1 - _SLACK) - constant
        # (A passage without a scanned word holds only common words: already ruled out.)
        alive = np.flatnonzero(partial >= max(need - bound * (1 + _SLACK), _TINY))
        sums = partial[alive]
        left = bound
        for w in sorted(common, key=lambda w: -stats[w].best * times[w]):
            sums = sums + self._lookup(w, alive) * times[w]
            left -= stats[w].best * times[w]
            keep = sums >= need - max(left, 0.0) * (1 + _SLACK)
            alive, sums = alive[keep], sums[keep]
        exact = (self._rescore(ids, alive) + constant).astype(np.float32)
        keep = exact > 0
        chosen, scores = _select(alive[keep], exact[keep], k)
        return LexicalTop(chosen.astype(np.int64), scores, total - skipped, skipped)

    def _rescore(self, ids: list[int], candidates: np.ndarray) -> np.ndarray:
        """Exact BM25 sums of sorted candidates, added in the same order as `_exhaustive`
        adds them (float64, query word order), so equal scores are equal to the last bit."""
        total = np.zeros(len(candidates), dtype=np.float64)
        looked: dict[int, np.ndarray] = {}
        for w in ids:
            if w not in looked:
                looked[w] = self._lookup(w, candidates)
            total += looked[w]
        return total

    def _lookup(self, word: int, candidates: np.ndarray) -> np.ndarray:
        """The word's contribution to each sorted candidate (0 where it does not occur)."""
        a, b = int(self.indptr[word]), int(self.indptr[word + 1])
        docs, weights = self.indices[a:b], self.data[a:b]
        out = np.zeros(len(candidates), dtype=np.float32)
        if not len(docs) or not len(candidates):
            return out
        if len(docs) <= len(candidates):  # walk the shorter list, binary-search the longer
            pos = np.minimum(np.searchsorted(candidates, docs), len(candidates) - 1)
            hit = candidates[pos] == docs
            out[pos[hit]] = weights[hit]
        else:
            pos = np.minimum(np.searchsorted(docs, candidates), len(docs) - 1)
            hit = docs[pos] == candidates
            out[hit] = weights[pos[hit]]
        return out

    def _stats(self, word: int) -> _Word | None:
        """The word's posting count and best impact, computed on first use and kept (None:
        its column is not in passage order or holds a negative impact; never pruned)."""
        found = self._words.get(word, _MISSING)
        if found is _MISSING:
            found = self._words[word] = _Word.of(self, word)
        return found

    def _kth_impact(self, word: int, k: int) -> float:
        """The word's k-th best impact (0 with fewer than k postings), kept per (word, k)."""
        found = self._kth.get((word, k))
        if found is None:
            a, b = int(self.indptr[word]), int(self.indptr[word + 1])
            if b - a < k:
                found = 0.0
            else:
                impacts = np.asarray(self.data[a:b])
                found = float(np.partition(impacts, b - a - k)[b - a - k])
            self._kth[(word, k)] = found
        return found

    def memory_bytes(self) -> int:
        """Memory held by the per-word figures kept for pruning (a few dozen bytes a word)."""
        return 64 * (len(self._words) + len(self._kth))


@dataclass(frozen=True)
class LexicalTop:
    """The best passages for a query.

    Attributes:
        ids: passage ids, in id order.
        scores: their BM25 scores (float32).
        postings: how many postings were scanned.
        skipped: how many postings pruning left unscanned (looked up for a few passages).
    """

    ids: np.ndarray
    scores: np.ndarray
    postings: int
    skipped: int


@dataclass(frozen=True)
class _Word:
    """What pruning needs of one word: its posting count and best impact."""

    postings: int
    best: float

    @classmethod
    def of(cls, index: LexicalIndex, word: int) -> _Word | None:
        a, b = int(index.indptr[word]), int(index.indptr[word + 1])
        if a == b:
            return cls(0, 0.0)
        docs, impacts = np.asarray(index.indices[a:b]), np.asarray(index.data[a:b])
        if not bool((docs[1:] > docs[:-1]).all()) or float(impacts.min()) < 0:
            return None
        return cls(b - a, float(impacts.max()))


_MISSING = object()
# Selecting the best of n scores: a sample of about SAMPLE of them gives a threshold that about
# 2k pass; one comparison over the array then leaves a few thousand to select among.
SAMPLE = 32_768


def _select(candidates: np.ndarray, sums: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k highest sums (ties to the lower passage id), kept in the candidates' id order."""
    if len(candidates) <= k:
        return candidates, sums
    kth = np.partition(sums, len(sums) - k)[len(sums) - k]
    keep = sums > kth
    tied = np.flatnonzero(sums == kth)[: k - int(keep.sum())]
    keep[tied] = True
    return candidates[keep], sums[keep]


def _select_dense(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """`_select` over every passage's score (positive scores only), without sorting them all.

    A threshold from a strided sample keeps every score at least as high as the k-th best
    whenever at least k scores pass it (checked; otherwise all positive scores are kept).
    """
    stride = max(1, len(scores) // SAMPLE)
    if stride > 1:
        sample = scores[::stride]
        # About `rank * stride` scores pass: twice k, and never fewer than 32 sampled ones,
        # so that fewer than k pass only by a rare fluke.
        rank = max(32, -(-2 * k // stride))
        if rank < len(sample):
            low = np.partition(sample, len(sample) - rank)[len(sample) - rank]
            if low > 0:
                candidates = np.flatnonzero(scores >= low)
                if len(candidates) >= k:
                    return _select(candidates, scores[candidates], k)
    candidates = np.flatnonzero(scores > 0)
    return _select(candidates, scores[candidates], k)
