"""Retrieval metrics (Recall@k, MRR@10, nDCG@10) of each mode on the project's question sets."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
QUESTION_SETS = {
    "dev": DATA_DIR / "eval_questions.jsonl",
    "heldout": DATA_DIR / "eval_heldout.jsonl",
}
CUTOFFS = (1, 3, 5)
DEPTH = 10


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    paragraphs: tuple[int, ...]
    kind: str = ""
    chapter: str = ""


@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float]
    misses_at_1: list[dict] = field(default_factory=list)


def load_questions(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(
                Question(
                    row["id"],
                    row["question"],
                    tuple(row["paragraphs"]),
                    row.get("kind", ""),
                    row.get("chapter", ""),
                )
            )
    return questions


def recall_at(ranked: Sequence[int | None], relevant: Iterable[int], k: int) -> float:
    """1 if any answering paragraph is in the top k (the reader finds an answer), else 0."""
    wanted = set(relevant)
    return 1.0 if any(p in wanted for p in ranked[:k]) else 0.0


def reciprocal_rank(
    ranked: Sequence[int | None], relevant: Iterable[int], depth: int = DEPTH
) -> float:
    wanted = set(relevant)
    for position, p in enumerate(ranked[:depth], start=1):
        if p in wanted:
            return 1.0 / position
    return 0.0


def ndcg(ranked: Sequence[int | None], relevant: Sequence[int], depth: int = DEPTH) -> float:
    """Binary-relevance nDCG: every listed answering paragraph counts as relevant."""
    wanted = set(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, p in enumerate(ranked[:depth]) if p in wanted)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(wanted), depth)))
    return dcg / ideal if ideal else 0.0


def score_rankings(
    rankings: Sequence[Sequence[int | None]], questions: Sequence[Question]
) -> dict[str, float]:
    n = len(questions)
    metrics = {
        f"recall@{k}": sum(recall_at(r, q.paragraphs, k) for r, q in zip(rankings, questions)) / n
        for k in CUTOFFS
    }
    metrics["mrr@10"] = (
        sum(reciprocal_rank(r, q.paragraphs) for r, q in zip(rankings, questions)) / n
    )
    metrics["ndcg@10"] = sum(ndcg(r, q.paragraphs) for r, q in zip(rankings, questions)) / n
    return {name: round(value, 4) for name, value in metrics.items()}


def evaluate(index, questions: Sequence[Question], modes: Sequence[str]) -> list[ModeResult]:
    results = []
    for mode in modes:
        rankings = []
        misses = []
        for q in questions:
            hits = index.search(q.question, k=DEPTH, mode=mode)
            ranked = [h.paragraph for h in hits]
            rankings.append(ranked)
            if not ranked or ranked[0] not in q.paragraphs:
                misses.append(
                    {
                        "id": q.id,
                        "question": q.question,
                        "expected": list(q.paragraphs),
                        "got": ranked[:3],
                    }
                )
        results.append(ModeResult(mode, score_rankings(rankings, questions), misses))
    return results


def format_table(results: Sequence[ModeResult], n_questions: int, title: str) -> str:
    names = list(results[0].metrics) if results else []
    lines = [f"{title} ({n_questions} questions)", ""]
    lines.append("| mode | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for r in results:
        lines.append(f"| {r.mode} | " + " | ".join(f"{r.metrics[n]:.3f}" for n in names) + " |")
    return "\n".join(lines)
