"""A question that asks two things wants the paragraph that answers both (qa/ranking/clauses.py)."""

from __future__ import annotations

import dataclasses

import pytest

from qa.ranking.clauses import clauses


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Who was chosen to head UNSMIL in January 2025 and whom does she succeed?",
            ["Who was chosen to head UNSMIL in January 2025", "whom does she succeed?"],
        ),
        (
            "How many people work for the agency, and how much money did it take in?",
            ["How many people work for the agency", "how much money did it take in?"],
        ),
        (
            "Why did the gang kill them? What do the UN reports say?",
            ["Why did the gang kill them?", "What do the UN reports say?"],
        ),
        # One question: "and" joins two things asked about, or the second part is too short.
        (
            "How many staff moved to Kenya and Germany?",
            ["How many staff moved to Kenya and Germany?"],
        ),
        ("Who presides, and why?", ["Who presides, and why?"]),
    ],
)
def test_a_question_splits_where_a_second_question_opens(question, parts):
    assert clauses(question) == parts


def test_the_paragraph_that_answers_both_parts_gains_on_one_that_answers_one(
    tmp_path, encoder, fresh_index_dir
):
    from conftest import small_report

    from qa.search import Index
    from qa.store import build_index, load_index

    both = (
        "The agency employs about 1,400 staff at its headquarters in Nairobi. "
        "Its income in 2022-2023 was $1.35 billion, against a budget of $872.9 million."
    )
    one = (
        "Most of the agency's 1,400 staff work at its headquarters in Nairobi, "
        "where eight divisions and the staff association have their offices."
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "review.txt").write_text(small_report([both, one]), encoding="utf-8")
    build_index(corpus, fresh_index_dir, encoder)
    index = Index(load_index(fresh_index_dir), encoder=encoder)
    question = "How many people work for the agency, and how much money did it take in?"

    def margin() -> float:
        scores = index.dense_paragraphs(question)[0]
        first, second = (index._units.index(("review", ref)) for ref in ("1", "2"))
        return float(scores[first] - scores[second])

    index.ranking = dataclasses.replace(index.ranking, clauses=0.0)
    plain = margin()
    index.ranking = dataclasses.replace(index.ranking, clauses=0.3)
    assert margin() > plain + 0.01
