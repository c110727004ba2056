"""Sentence vectors: a paragraph is also scored by its best sentence, read with its heading path.

A passage vector averages everything its window says; a question about one fact in it matches
that fact's sentence better than the whole. `qa build` embeds every sentence of every unit as
"heading path\\nsentence" (`sentences.npy`, float16, with the passage each belongs to in
`sentence_passage.npy`); a search scores the sentences of its candidate paragraphs only.
docs/retrieval.md has the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from . import reuse
from .acronyms import expand
from .document import Document, Paragraph
from .passages import Passage, split_sentences

VECTORS = "sentences.npy"
OWNERS = "sentence_passage.npy"
FILES = (VECTORS, OWNERS)
# Bump when what a sentence is read with changes: cached sentence vectors are keyed by it.
VERSION = 1
# Shorter pieces ("(a) Ensure;") are read as part of their unit's text, not alone.
MIN_WORDS = 3


def sentence_path(paragraph: Paragraph) -> str:
    """ "Chapter > section > subsection": what a sentence is read with."""
    return " > ".join(h.title for h in paragraph.headings if h.title)


def unit_sentences(paragraph: Paragraph) -> list[str]:
    """The distinct sentences of a unit (its opening words and every sub-item), at least one."""
    found: list[str] = []
    for line in paragraph.text.split("\n"):
        for sentence in split_sentences(line):
            if len(sentence.split()) >= MIN_WORDS and sentence not in found:
                found.append(sentence)
    return found or ([paragraph.text] if paragraph.text.strip() else [])


def document_sentences(
    document: Document, passages: Sequence[Passage], acronyms: dict[str, str]
) -> tuple[list[str], list[int]]:
    """(texts to embed, owning passage) for a document's units, in passage order. A sentence
    belongs to its unit's first passage; the texts gain the acronyms the document defines."""
    first: dict[str, int] = {}
    for p in passages:
        first.setdefault(p.ref, p.id)
    texts: list[str] = []
    owners: list[int] = []
    for ref, pid in first.items():
        unit = document.unit(ref)
        if unit is None:
            continue
        path = sentence_path(unit)
        for sentence in unit_sentences(unit):
            texts.append(expand(f"{path}\n{sentence}" if path else sentence, acronyms))
            owners.append(pid)
    return texts, owners


def build(
    parts: Iterable[tuple[Document, Sequence[Passage], dict[str, str]]],
    embedder,
    cache_dir: Path,
    model: str,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, set[str]]:
    """Sentence vectors (float16), owning passage ids, and the cache keys used.

    `parts`: each document with its passages (ids as in the index) and its acronyms. Each
    document's vectors are cached by content and model in `cache_dir`, so a rebuild embeds
    only new or changed documents; and of those, only the sentences no cached document
    holds (qa/reuse.py)."""
    salt = f"{VERSION}|{model}"
    entries = []
    for document, passages, acronyms in parts:
        texts, owners = document_sentences(document, passages, acronyms)
        key = reuse.texts_key(salt, texts)
        entries.append((key, texts, owners, _cache_get(cache_dir, key, len(texts))))
    for key, texts, _, vectors in entries:
        # An entry cached before sentences carried their text hashes gains them now.
        if vectors is not None and not (cache_dir / f"{key}{reuse.HASHES}").is_file():
            reuse.save_array(cache_dir / f"{key}{reuse.HASHES}", reuse.text_hashes(salt, texts))
    missing = [n for n, entry in enumerate(entries) if entry[3] is None and entry[1]]
    known = reuse.known_vectors(cache_dir) if missing else {}
    plans = {
        n: reuse.plan(reuse.text_hashes(salt, entries[n][1]), known, np.float16) for n in missing
    }
    total = sum(len(todo) for _, todo in plans.values())
    done = 0
    if progress:
        progress(0, total)
    pending = list(missing)
    # Embedded in runs of documents, so batches stay full and each document is cached when done.
    while pending:
        run, size = [], 0
        while pending and (not run or size < 2048):
            run.append(pending.pop(0))
            size += len(plans[run[-1]][1])
        texts_run = [entries[n][1][i] for n in run for i in plans[n][1]]
        vectors = embedder.encode_documents(texts_run) if texts_run else np.zeros((0, 0))
        start = 0
        for n in run:
            key, texts, owners, _ = entries[n]
            rows, todo = plans[n]
            new = np.asarray(vectors[start : start + len(todo)], dtype=np.float16)
            start += len(todo)
            done += len(todo)
            rows = reuse.fill(rows, todo, new)
            reuse.save_array(cache_dir / f"{key}{reuse.HASHES}", reuse.text_hashes(salt, texts))
            reuse.save_array(cache_dir / f"{key}.npy", rows)  # last: marks the entry whole
            entries[n] = (key, texts, owners, rows)
        if progress:
            progress(done, total)
    dimension = next((e[3].shape[1] for e in entries if e[3] is not None and e[3].ndim == 2), 0)
    arrays = [e[3] for e in entries if e[3] is not None and len(e[3])]
    vectors = np.vstack(arrays) if arrays else np.zeros((0, dimension), dtype=np.float16)
    owners = np.asarray([o for e in entries for o in e[2]], dtype=np.int32)
    return vectors, owners, {e[0] for e in entries}


def save(folder: Path, vectors: np.ndarray, owners: np.ndarray) -> None:
    np.save(folder / VECTORS, np.asarray(vectors, dtype=np.float16), allow_pickle=False)
    np.save(folder / OWNERS, np.asarray(owners, dtype=np.int32), allow_pickle=False)


def read(folder: Path, passages: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(vectors, owning passages) of a build folder, or None for a build without them."""
    if not all((folder / name).is_file() for name in FILES):
        return None
    vectors = np.load(folder / VECTORS, allow_pickle=False)
    owners = np.load(folder / OWNERS, allow_pickle=False)
    if (
        vectors.ndim != 2
        or len(vectors) != len(owners)
        or len(owners)
        and (int(owners.min()) < 0 or int(owners.max()) >= passages)
        or bool((np.diff(owners) < 0).any())
    ):
        raise ValueError("the sentence vectors do not match the passages")
    return vectors, owners


def prune(cache_dir: Path, keep: set[str]) -> None:
    if cache_dir.is_dir():
        for path in cache_dir.iterdir():
            if path.is_file() and path.name.split(".")[0] not in keep:
                path.unlink(missing_ok=True)


class Sentences:
    """The stored sentence vectors, scored for a question one set of units at a time."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, unit_of: np.ndarray) -> None:
        """`owners`: each sentence's passage; `unit_of`: each passage's unit (0..n-1)."""
        self.vectors = vectors
        units = int(unit_of.max()) + 1 if len(unit_of) else 0
        # Each unit's sentences are consecutive: rows [start, end) per unit, end 0 for none.
        self.start = np.zeros(units, dtype=np.int64)
        self.end = np.zeros(units, dtype=np.int64)
        if len(owners):
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            ends = np.r_[starts[1:], len(owners)]
            owner_units = np.asarray(unit_of)[owners[starts]]
            self.start[owner_units] = starts
            self.end[owner_units] = ends

    @property
    def units(self) -> int:
        """How many units have sentences."""
        return int(np.count_nonzero(self.end > self.start))

    def best(self, vector: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(units that have sentences, each one's best sentence similarity to the vector)."""
        units = np.asarray(units, dtype=np.int64)
        units = units[self.end[units] > self.start[units]]
        if not len(units):
            return units, np.zeros(0, dtype=np.float32)
        starts, lengths = self.start[units], self.end[units] - self.start[units]
        offsets = np.r_[0, np.cumsum(lengths)[:-1]]
        # Every row of every unit, as one index array: the units' ranges laid end to end.
        rows = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        sims = self.vectors[rows].astype(np.float32) @ np.asarray(vector, dtype=np.float32)
        return units, np.maximum.reduceat(sims, offsets)


def _cache_get(cache_dir: Path, key: str, count: int) -> np.ndarray | None:
    path = cache_dir / f"{key}.npy"
    if not path.is_file():
        return None
    try:
        vectors = np.load(path, allow_pickle=False)
    except Exception:  # a damaged entry is simply recomputed
        return None
    return vectors if len(vectors) == count else None
