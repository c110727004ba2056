"""Vectors reused by the text they embed.

A document read anew (a new parser version, a revised file) mostly reads as before, and a
revision added beside its original repeats most of it. Each cached array of vectors — a
document's passages in `index/cache/passages/`, its sentences in `index/cache/sentences/` —
has beside it the hashes of the texts it embeds (`<key>.texts.npy`), so a text that any
cached document holds is not embedded again.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HASHES = ".texts.npy"


def texts_key(salt: str, texts: Sequence[str]) -> str:
    """One key for a whole list of texts (a document's passages or sentences), salted with
    what else decides their vectors: the name of their cached array."""
    digest = hashlib.sha256(salt.encode())
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:40]


def text_hashes(salt: str, texts: Sequence[str]) -> np.ndarray:
    """A 64-bit hash of each text, salted with what else decides its vector (the model)."""
    return np.asarray(
        [
            int.from_bytes(
                hashlib.blake2b(f"{salt}|{text}".encode(), digest_size=8).digest(), "little"
            )
            for text in texts
        ],
        dtype=np.uint64,
    )


def save_array(path: Path, array: np.ndarray) -> None:
    """Write an .npy file whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
    os.replace(tmp, path)


def known_vectors(folder: Path) -> dict[int, np.ndarray]:
    """Text hash -> vector, over every cached array in `folder` that has its hashes."""
    known: dict[int, np.ndarray] = {}
    if not folder.is_dir():
        return known
    for path in folder.glob(f"*{HASHES}"):
        key = path.name.split(".")[0]
        try:
            hashes = np.load(path, allow_pickle=False)
            vectors = np.load(folder / f"{key}.npy", allow_pickle=False)
        except Exception:  # a damaged entry lends nothing
            continue
        if vectors.ndim != 2 or len(vectors) != len(hashes) or not np.isfinite(vectors).all():
            continue
        for h, v in zip(hashes.tolist(), vectors):
            known[h] = v
    return known


def plan(hashes: np.ndarray, known: dict[int, np.ndarray], dtype) -> tuple[np.ndarray, list[int]]:
    """(the rows already known, zeros elsewhere; the positions still to embed). The rows have
    no columns when nothing is known."""
    found = [known.get(h) for h in hashes.tolist()]
    width = next((f.shape[0] for f in found if f is not None), 0)
    rows = np.zeros((len(found), width), dtype=dtype)
    for i, f in enumerate(found):
        if f is not None:
            rows[i] = f
    return rows, [i for i, f in enumerate(found) if f is None]


def fill(rows: np.ndarray, todo: list[int], new: np.ndarray) -> np.ndarray:
    """`rows` with the newly embedded vectors at the positions `todo`."""
    if not todo:
        return rows
    if rows.shape[1] != new.shape[1]:
        rows = np.zeros((len(rows), new.shape[1]), dtype=rows.dtype)
    rows[todo] = new
    return rows
