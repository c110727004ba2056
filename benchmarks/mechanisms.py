"""Each ranking mechanism measured alone and together, on every question set the index answers.

The figures behind README, "Retrieval quality" (the mechanisms table). Run from the project
folder with the index to measure in QA_INDEX_DIR (and its corpus in QA_CORPUS_DIR):

    python benchmarks/mechanisms.py                      # dev sets (tune on these)
    python benchmarks/mechanisms.py --heldout            # held-out sets too (report only)
    python benchmarks/mechanisms.py --sets library --json mechanisms.json

A set is skipped when the index lacks the documents it asks about (the library sets need the
273 UN documents: `qa add ../shared/un2025`). Hybrid mode unless `--mode` says otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from qa.evaluate.retrieval import (
    QUESTION_SETS,
    load_questions,
    missing_documents,
    rank_for,
    score_rankings,
)
from qa.search import Ranking, open_index

NONE = Ranking(
    sentences=False,
    expansion=False,
    evidence=False,
    local_idf=False,
    document_fields=0.0,
    copies=False,
    document_lists=0.0,
    clauses=0.0,
    answer_types=0.0,
    document_focus=False,
    organ_acts=0.0,
)
# Each mechanism alone (on top of the plain hybrid), then all but one, then all.
VARIANTS: dict[str, Ranking] = {
    "before: passages, BM25, equal weights": NONE,
    "+ sentence grain": dataclasses.replace(NONE, sentences=True),
    "+ word expansion": dataclasses.replace(NONE, expansion=True),
    "+ evidence weights": dataclasses.replace(NONE, evidence=True),
    "+ IDF within the documents searched": dataclasses.replace(NONE, local_idf=True),
    "+ document fields": dataclasses.replace(NONE, document_fields=Ranking().document_fields),
    "+ copies at their source": dataclasses.replace(NONE, copies=True),
    "+ lists of documents lowered": dataclasses.replace(
        NONE, document_lists=Ranking().document_lists
    ),
    "+ both parts of a question": dataclasses.replace(
        NONE, sentences=True, clauses=Ranking().clauses
    ),
    "+ the type of answer asked for": dataclasses.replace(
        NONE, answer_types=Ranking().answer_types
    ),
    "+ the document's own order": dataclasses.replace(NONE, document_focus=True),
    "+ the organ's acts": dataclasses.replace(NONE, organ_acts=Ranking().organ_acts),
    "all but sentence grain": dataclasses.replace(Ranking(), sentences=False),
    "all but word expansion": dataclasses.replace(Ranking(), expansion=False),
    "all but evidence weights": dataclasses.replace(Ranking(), evidence=False),
    "all but IDF within the documents searched": dataclasses.replace(Ranking(), local_idf=False),
    "all but document fields": dataclasses.replace(Ranking(), document_fields=0.0),
    "all but copies at their source": dataclasses.replace(Ranking(), copies=False),
    "all but lists of documents lowered": dataclasses.replace(Ranking(), document_lists=0.0),
    "all but both parts of a question": dataclasses.replace(Ranking(), clauses=0.0),
    "all but the type of answer asked for": dataclasses.replace(Ranking(), answer_types=0.0),
    "all but the document's own order": dataclasses.replace(Ranking(), document_focus=False),
    "all but the organ's acts": dataclasses.replace(Ranking(), organ_acts=0.0),
    "all (default)": Ranking(),
}
DEV_SETS = ("dev", "paraphrase", "library")
HELDOUT_SETS = ("heldout", "paraphrase-heldout", "library-heldout")


def measure(index, questions, mode: str) -> dict[str, float]:
    rankings = [rank_for(index, q, mode) for q in questions]
    return score_rankings(rankings, questions)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sets", nargs="*", help="question sets (default: the dev sets)")
    parser.add_argument("--heldout", action="store_true", help="add the held-out sets")
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "lexical"))
    parser.add_argument("--variants", nargs="*", help="only the variants whose name has this")
    parser.add_argument("--json", dest="json_path", help="write the figures to this file")
    args = parser.parse_args(argv)
    names = list(args.sets or DEV_SETS) + (list(HELDOUT_SETS) if args.heldout else [])
    index = open_index()
    default = index.ranking
    sets = {}
    for name in names:
        questions = load_questions(QUESTION_SETS[name])
        if missing_documents(index, questions):
            print(f"({name}: the index lacks its documents; skipped)", file=sys.stderr)
            continue
        sets[name] = questions
    variants = {
        label: ranking
        for label, ranking in VARIANTS.items()
        if not args.variants or any(v in label for v in args.variants)
    }
    results: dict = {}
    print(f"{args.mode} mode; recall@1 / recall@5 / mrr@10 per set\n")
    print("| mechanisms | " + " | ".join(f"{n} ({len(q)})" for n, q in sets.items()) + " |")
    print("|---|" + "---|" * len(sets))
    for label, ranking in variants.items():
        index.ranking = ranking
        row = {}
        started = time.perf_counter()
        for name, questions in sets.items():
            row[name] = measure(index, questions, args.mode)
        results[label] = row
        cells = [
            f"{m['recall@1']:.3f} / {m['recall@5']:.3f} / {m['mrr@10']:.3f}" for m in row.values()
        ]
        took = time.perf_counter() - started
        print(f"| {label} | " + " | ".join(cells) + f" |  ({took:.0f} s)", flush=True)
    index.ranking = default
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
