"""Defaults in one place, with environment overrides (QA_CORPUS_DIR, QA_INDEX_DIR, QA_MODEL)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_K = 5
MAX_K = 100
# Questions longer than this are cut before searching: no reader's question is this long,
# and the model reads at most 256 word pieces anyway.
MAX_QUESTION_CHARS = 1000
MODES = ("hybrid", "dense", "lexical")
DEFAULT_MODE = "hybrid"


@dataclass(frozen=True)
class Settings:
    """Where the corpus and index live and which embedding model to use."""

    corpus_dir: Path
    index_dir: Path
    model: str


def settings(
    corpus_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    model: str | None = None,
) -> Settings:
    """Explicit arguments win over QA_* environment variables, which win over defaults."""
    return Settings(
        corpus_dir=Path(corpus_dir or os.environ.get("QA_CORPUS_DIR") or PROJECT_DIR / "corpus"),
        index_dir=Path(index_dir or os.environ.get("QA_INDEX_DIR") or PROJECT_DIR / "index"),
        model=model or os.environ.get("QA_MODEL") or DEFAULT_MODEL,
    )
