"""Retrieval metrics (Recall@k, MRR@10, nDCG@10) of each mode on the project's question sets:
the report's own (dev, held-out), its paraphrased questions, and the library's (UN documents)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
QUESTION_SETS = {
    "dev": DATA_DIR / "eval_questions.jsonl",
    "heldout": DATA_DIR / "eval_heldout.jsonl",
    "paraphrase": DATA_DIR / "paraphrase_questions.jsonl",
    "paraphrase-heldout": DATA_DIR / "paraphrase_heldout.jsonl",
    "library": DATA_DIR / "library_questions.jsonl",
    "library-heldout": DATA_DIR / "library_heldout.jsonl",
}
# The report every set but the library's asks about; with other documents in the index, its
# questions are searched in it alone ("the report's set, searched alone").
REPORT_ID = "trafficking-in-persons-coordination-2019"
CUTOFFS = (1, 3, 5)
DEPTH = 10


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    paragraphs: tuple[int, ...]
    kind: str = ""
    chapter: str = ""
    # Library questions: answer keys ("<doc>|para|<annex>|12", "<doc>|page|2", …), any of
    # which counts; empty for the report's questions, answered by paragraph number.
    answers: tuple[str, ...] = ()
    overlap: float | None = None

    @property
    def relevant(self) -> tuple:
        return self.answers or self.paragraphs

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(sorted({a.split("|", 1)[0] for a in self.answers}))


@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float]
    misses_at_1: list[dict] = field(default_factory=list)


def answer_key(answer: dict) -> str:
    """The key a gold answer of a library question is matched by (see `hit_keys`)."""
    from ..ingest import doc_id_for

    doc = doc_id_for(Path(answer["file"]))
    if "paragraph" in answer:
        return f"{doc}|para|{_annex(answer.get('annex'))}|{int(answer['paragraph'])}"
    if "preamble" in answer:
        return f"{doc}|preamble|{int(answer['preamble'])}"
    if "footnote" in answer:
        return f"{doc}|footnote|{answer['footnote']}"
    if "page" in answer:
        return f"{doc}|page|{int(answer['page'])}"
    raise ValueError(f"answer {answer} names no paragraph, preamble, footnote or page")


def hit_keys(hit) -> set[str]:
    """Every key a hit answers to: its unit (numbered paragraph, preambular paragraph,
    footnote) and the page it starts on (every page it is cited by, for text a page break
    cuts: "pp. 5–6")."""
    keys = set()
    if hit.kind == "paragraph" and hit.paragraph is not None:
        keys.add(f"{hit.document}|para|{_annex(hit.annex)}|{hit.paragraph}")
    elif hit.kind in ("preamble", "footnote"):
        ordinal = hit.ref.split("/", 1)[-1].split(" ")[0]
        keys.add(f"{hit.document}|{hit.kind}|{ordinal}")
    if hit.page is not None:
        last = hit.last_page or hit.page
        keys.update(f"{hit.document}|page|{page}" for page in range(hit.page, last + 1))
    return keys


def _annex(label: str | None) -> str:
    return "-" if label is None else label.rstrip("*").strip().lower()


def load_questions(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(
                Question(
                    row["id"],
                    row["question"],
                    tuple(row.get("paragraphs", ())),
                    row.get("kind", ""),
                    row.get("chapter", ""),
                    tuple(answer_key(a) for a in row.get("answers", ())),
                    row.get("overlap"),
                )
            )
    return questions


def _hits(entry) -> set:
    """A ranked entry: one key (a paragraph number) or a set of keys (a library hit)."""
    return entry if isinstance(entry, (set, frozenset)) else {entry}


def recall_at(ranked: Sequence, relevant: Iterable, k: int) -> float:
    """1 if any answering paragraph is in the top k (the reader finds an answer), else 0."""
    wanted = set(relevant)
    return 1.0 if any(_hits(p) & wanted for p in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence, relevant: Iterable, depth: int = DEPTH) -> float:
    wanted = set(relevant)
    for position, p in enumerate(ranked[:depth], start=1):
        if _hits(p) & wanted:
            return 1.0 / position
    return 0.0


def ndcg(ranked: Sequence, relevant: Sequence, depth: int = DEPTH) -> float:
    """Binary-relevance nDCG: every listed answering paragraph counts as relevant."""
    wanted = set(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, p in enumerate(ranked[:depth]) if _hits(p) & wanted)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(wanted), depth)))
    return min(1.0, dcg / ideal) if ideal else 0.0


def score_rankings(rankings: Sequence[Sequence], questions: Sequence[Question]) -> dict[str, float]:
    n = len(questions)
    metrics = {
        f"recall@{k}": sum(recall_at(r, q.relevant, k) for r, q in zip(rankings, questions)) / n
        for k in CUTOFFS
    }
    metrics["mrr@10"] = sum(reciprocal_rank(r, q.relevant) for r, q in zip(rankings, questions)) / n
    metrics["ndcg@10"] = sum(ndcg(r, q.relevant) for r, q in zip(rankings, questions)) / n
    return {name: round(value, 4) for name, value in metrics.items()}


def rank_for(index, question: Question, mode: str, k: int = DEPTH) -> list:
    """What the index ranks for a question, in the question's own terms: paragraph numbers of
    the report (searched alone when the index holds other documents too) or library keys."""
    if question.answers:
        return [hit_keys(h) for h in index.search(question.question, k=k, mode=mode)]
    documents = [REPORT_ID] if REPORT_ID in index.documents and len(index.documents) > 1 else None
    hits = index.search(question.question, k=k, mode=mode, documents=documents)
    return [h.paragraph for h in hits]


def missing_documents(index, questions: Sequence[Question]) -> list[str]:
    """Documents a question set answers from that the index does not hold."""
    wanted = {doc for q in questions for doc in q.documents}
    several = len(index.documents) > 1
    if several and any(not q.answers for q in questions):
        wanted.add(REPORT_ID)  # searched alone, so it must be there
    return sorted(wanted - set(index.documents))


def evaluate(index, questions: Sequence[Question], modes: Sequence[str]) -> list[ModeResult]:
    results = []
    for mode in modes:
        rankings = []
        misses = []
        for q in questions:
            ranked = rank_for(index, q, mode)
            rankings.append(ranked)
            if not ranked or not (_hits(ranked[0]) & set(q.relevant)):
                misses.append(
                    {
                        "id": q.id,
                        "question": q.question,
                        "expected": list(q.relevant),
                        "got": [sorted(_hits(r)) if q.answers else r for r in ranked[:3]],
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
