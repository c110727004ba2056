"""A tiny deterministic stand-in for the embedding model, for fast build tests (no torch, no
export): each text's vector comes from a hash of its words."""

from __future__ import annotations

import hashlib
import os
import signal

import numpy as np


class FakeEncoder:
    """Counts what it embeds; `kill_after` SIGKILLs its own process during that call of
    encode_documents, after half the texts were reported done (a build killed mid-chunk)."""

    name = "fake-model"
    source = "fake-model"  # not a folder: the build does not try to export it
    max_tokens = 256
    dimension = 8

    def __init__(self, kill_after: int | None = None) -> None:
        self.kill_after = kill_after
        self.calls = 0
        self.embedded: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def encode_documents(self, texts, progress=None) -> np.ndarray:
        self.calls += 1
        texts = list(texts)
        if self.calls == self.kill_after:
            if progress:
                progress(len(texts) // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        self.embedded.extend(texts)
        vectors = np.array([self.vector(t) for t in texts], dtype=np.float32)
        if progress:
            progress(len(texts))
        return vectors.reshape(len(texts), self.dimension)

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension)
        return v / np.linalg.norm(v)
