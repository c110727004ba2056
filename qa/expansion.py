"""Question words -> their nearest words in the corpus's own vocabulary under the embedding model.

Readers rarely use the report's words: "nations" for "countries", "yearly" for "annually",
"survivors" for "victims". At build time every word of the corpus, and every whole word of
the model's own vocabulary (the words a question may use that the corpus does not), is
embedded alone; each keeps its nearest corpus words (`neighbours.json`, by stem). A question
then asks BM25 for its own words and, at a lower weight, for their nearest corpus words. No
word list is written by hand: the neighbours come from the model and the corpus.
docs/retrieval.md has the figures.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import orjson

from .lexical import stem_word, stopwords, tokenize

FILE = "neighbours.json"
# Kept at build time: up to this many neighbours a word, each at least this similar.
STORED = 2
STORED_SIMILARITY = 0.5
# Used at query time (tuned on the dev sets: benchmarks/mechanisms.py).
PER_WORD = 1
SIMILARITY = 0.55
WEIGHT = 1.0

_WORD = re.compile(r"[^\W\d_]{3,}")
# Vectors of words embedded alone depend on the model only: kept per model, for every build.
_VERSION = 1


def word_cache_dir(fallback: Path) -> Path:
    """Where word vectors are kept: $QA_CACHE_DIR/words, else the user's cache folder
    ($XDG_CACHE_HOME or ~/.cache, then qa/words), so that every index folder on the machine
    shares them (the model's 21,000 words take a minute to embed); `fallback` (inside the
    index folder) when that is not writable."""
    root = os.environ.get("QA_CACHE_DIR")
    if root:
        folder = Path(root) / "words"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        folder = Path(base) / "qa" / "words"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{uuid.uuid4().hex[:8]}"
        probe.touch()
        probe.unlink()
    except OSError:
        return fallback
    return folder


def corpus_words(texts: Iterable[str]) -> Counter[str]:
    """The texts' words (lower case, three letters or more, no stop words) and their counts."""
    stop = stopwords()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _WORD.findall(text.lower()) if w not in stop)
    return counts


def model_words(embedder) -> list[str]:
    """The whole words of the model's word-piece vocabulary: English words a question may use
    that the corpus never does."""
    tokenizer = getattr(embedder, "tokenizer", None)
    if tokenizer is None:  # a model without a local tokenizer file: its own (loads the model)
        tokenizer = getattr(getattr(embedder, "model", None), "tokenizer", None)
    vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else None
    if not vocab:
        return []
    stop = stopwords()
    return sorted(w for w in vocab if _WORD.fullmatch(w) and w.islower() and w not in stop)


def build(
    lexical_texts: Iterable[str],
    embedder,
    cache_dir: Path,
    model: str,
    progress: Callable[[int, int], None] | None = None,
    table_cache: Path | None = None,
) -> dict[str, list[list]]:
    """{word: [[neighbour stem, similarity], …]} for every corpus and model word whose nearest
    corpus words (other stems than its own) are similar enough, best first; each stem also
    maps to its shortest word's. A stem's similarity is its closest form's ("annually" for
    "yearly", though BM25 reads "annual").

    `table_cache` keeps the last table with the words it was made from: the next build (a
    report added or removed) compares only what changed, with the same result."""
    counts = corpus_words(lexical_texts)
    if not counts:
        return {}
    targets = sorted(counts)
    sources = sorted(set(targets) | set(model_words(embedder)))
    vectors = _word_vectors(sources, embedder, cache_dir, model, progress)
    previous = _load_table(table_cache, model)
    if previous is None:
        table = _nearest(sources, targets, vectors)
    else:
        old_targets, old_sources, old_table = previous
        added = [w for w in targets if w not in old_targets]
        # A stem that lost a form may have lost its best one: rows that keep it are redone.
        shrunk = {stem_word(w) for w in old_targets - set(targets)}
        redo = [
            w
            for w in sources
            if w not in old_sources or any(t in shrunk for t, _ in old_table.get(w, ()))
        ]
        table = _nearest(redo, targets, vectors)
        redone = set(redo)
        kept = [w for w in sources if w not in redone]
        fresh = _nearest(kept, added, vectors) if added else {}
        for word in kept:
            merged: dict[str, float] = {}
            for stem, sim in [*old_table.get(word, ()), *fresh.get(word, ())]:
                merged[stem] = max(sim, merged.get(stem, -1.0))
            best = sorted(((v, t) for t, v in merged.items()), reverse=True)[:STORED]
            if best:
                table[word] = [[t, v] for v, t in best]
    _save_table(table_cache, model, targets, sources, table)
    neighbours = {w: table[w] for w in sorted(table)}
    # A question word the table lacks ("verdicts") is looked up by a word of its stem.
    for word in sorted(neighbours, key=lambda w: (len(w), w)):
        neighbours.setdefault(stem_word(word), neighbours[word])
    return neighbours


def _nearest(
    sources: list[str], targets: list[str], vectors: dict[str, np.ndarray]
) -> dict[str, list[list]]:
    """For each source word, its STORED nearest target stems (not its own) at least
    STORED_SIMILARITY alike, a stem counting as its closest form."""
    if not sources or not targets:
        return {}
    # Columns grouped by stem, so that a stem's best form is one reduceat over its columns.
    target_stems = [stem_word(w) for w in targets]
    order = sorted(range(len(targets)), key=lambda n: (target_stems[n], targets[n]))
    stem_list = list(dict.fromkeys(target_stems[n] for n in order))
    stem_ids = {s: n for n, s in enumerate(stem_list)}
    grouped = [target_stems[n] for n in order]
    starts = np.flatnonzero([True] + [a != b for a, b in zip(grouped[1:], grouped[:-1])])
    target_matrix = np.vstack([vectors[targets[n]] for n in order])
    table: dict[str, list[list]] = {}
    for start in range(0, len(sources), 512):
        chunk = sources[start : start + 512]
        sims = np.vstack([vectors[w] for w in chunk]) @ target_matrix.T
        best = np.maximum.reduceat(sims, starts, axis=1)
        for row, word in enumerate(chunk):
            own = stem_ids.get(stem_word(word))
            if own is not None:
                best[row, own] = -1.0  # a word's own stem is no expansion
        take = min(STORED, len(stem_list))
        top = np.argpartition(-best, take - 1, axis=1)[:, :take]
        for row, word in enumerate(chunk):
            found = sorted(((float(best[row, c]), stem_list[c]) for c in top[row]), reverse=True)
            kept = [[t, round(v, 3)] for v, t in found if v >= STORED_SIMILARITY]
            if kept:
                table[word] = kept
    return table


def _table_key(model: str) -> str:
    return hashlib.sha256(f"{_VERSION}|{STORED}|{STORED_SIMILARITY}|{model}".encode()).hexdigest()


def _load_table(
    path: Path | None, model: str
) -> tuple[set[str], set[str], dict[str, list[list]]] | None:
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != _table_key(model):
            return None
        return set(data["targets"]), set(data["sources"]), dict(data["table"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged cache costs one full comparison, nothing more


def _save_table(
    path: Path | None,
    model: str,
    targets: list[str],
    sources: list[str],
    table: dict[str, list[list]],
) -> None:
    if path is None:
        return
    data = {"key": _table_key(model), "targets": targets, "sources": sources, "table": table}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # without the cache the next build compares every word again


def save(folder: Path, neighbours: dict[str, list[list]]) -> None:
    """One string a word ("countri 0.873 nation 0.871"): 50,000 short strings decode in a
    fifth of the time that as many nested lists take, at every start of a search."""
    flat = {w: " ".join(f"{t} {v}" for t, v in row) for w, row in neighbours.items()}
    (folder / FILE).write_bytes(orjson.dumps(flat))


class NeighbourTable(Mapping):
    """The saved table, each word's row read when a question first asks for it."""

    def __init__(self, raw: dict) -> None:
        self._raw = raw
        self._rows: dict[str, list[list]] = {}

    def __getitem__(self, word: str) -> list[list]:
        row = self._rows.get(word)
        if row is None:
            value = self._raw[word]
            if isinstance(value, str):
                parts = value.split()
                row = [[parts[k], float(parts[k + 1])] for k in range(0, len(parts) - 1, 2)]
            else:  # an index written before rows were strings
                row = value
            self._rows[word] = row
        return row

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, word: object) -> bool:
        return word in self._raw


def load(folder: Path) -> NeighbourTable | None:
    path = folder / FILE
    if not path.is_file():
        return None
    data = orjson.loads(path.read_bytes())
    if not isinstance(data, dict):
        raise ValueError(f"{FILE} is not a mapping")
    return NeighbourTable(data)


def expand_terms(
    question: str,
    neighbours: Mapping[str, list[list]],
    known: Callable[[str], bool] = lambda s: True,
    per_word: int = PER_WORD,
    similarity: float = SIMILARITY,
    weight: float = WEIGHT,
) -> dict[str, float]:
    """The question's stems (weight 1 each time they occur, as `tokenize` gives them) and,
    for each of its words, the nearest corpus stems at `weight` × similarity (when not the
    question's own). A word the table lacks is looked up by another word of its stem."""
    terms: dict[str, float] = {}
    for s in tokenize(question):
        terms[s] = terms.get(s, 0.0) + 1.0
    asked = set(terms)
    stop = stopwords()
    for word in dict.fromkeys(w for w in _WORD.findall(question.lower()) if w not in stop):
        found = neighbours.get(word)
        if found is None:
            found = neighbours.get(stem_word(word), ())
        for other, sim in found[:per_word]:
            if sim < similarity or other in asked or not known(other):
                continue
            terms[other] = max(terms.get(other, 0.0), weight * sim)
    return terms


def _word_vectors(
    words: list[str],
    embedder,
    cache_dir: Path,
    model: str,
    progress: Callable[[int, int], None] | None,
) -> dict[str, np.ndarray]:
    """Each word embedded alone; cached per model in `cache_dir`, so only new words cost."""
    key = hashlib.sha256(f"{_VERSION}|{model}".encode()).hexdigest()[:16]
    names, arrays = cache_dir / f"words-{key}.json", cache_dir / f"words-{key}.npy"
    known: dict[str, np.ndarray] = {}
    try:
        cached_words = json.loads(names.read_text(encoding="utf-8"))
        cached = np.load(arrays, allow_pickle=False)
        if len(cached_words) == len(cached):
            known = dict(zip(cached_words, cached))
    except (OSError, ValueError):
        known = {}
    todo = [w for w in words if w not in known]
    if progress:
        progress(0, len(todo))
    for start in range(0, len(todo), 4096):
        part = todo[start : start + 4096]
        try:  # single words: far bigger batches than passages
            vectors = embedder.encode_documents(part, batch_size=256)
        except TypeError:
            vectors = embedder.encode_documents(part)
        for word, vector in zip(part, vectors):
            known[word] = np.asarray(vector, dtype=np.float32)
        if progress:
            progress(min(start + 4096, len(todo)), len(todo))
    if todo:
        cache_dir.mkdir(parents=True, exist_ok=True)
        all_words = sorted(known)
        tag = uuid.uuid4().hex[:8]
        tmp_arrays, tmp_names = cache_dir / f".{tag}.npy", cache_dir / f".{tag}.json"
        np.save(tmp_arrays, np.vstack([known[w] for w in all_words]).astype(np.float16))
        tmp_names.write_text(json.dumps(all_words), encoding="utf-8")
        os.replace(tmp_arrays, arrays)
        os.replace(tmp_names, names)
    return {w: np.asarray(known[w], dtype=np.float32) for w in words}
