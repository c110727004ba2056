"""An organ's resolutions and decisions as evidence for a question about what it did."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import small_report

from qa.ingest import parse
from qa.ranking.acts import OrganActs, asks_about_acts
from qa.search import Ranking, _scaled_to_one

BODY = ["The Council reviewed the situation and decided to extend the mandate for a year."]


def _doc(doc_id: str, organ: str, kind: str):
    document = parse(small_report(BODY, title=f"A {kind} of the {organ}"), doc_id=doc_id)
    return dataclasses.replace(document, organ=organ, kind=kind)


@pytest.mark.parametrize(
    "question",
    [
        "What did the Security Council demand about interference with the Mission's flights?",
        "Did the Council also criticise the army for backing a militia?",
        "What did the Executive Board decide about the audit?",
        "How many sites were left to clear, per the January 2025 mandate renewal?",
        "Reporting deadlines under resolution 2769?",
        "Until when did the General Assembly extend the arrangement?",
    ],
)
def test_questions_about_what_an_organ_did(question):
    assert asks_about_acts(question)


@pytest.mark.parametrize(
    "question",
    [
        "How many people were displaced in 2024?",
        "Who chairs the Council?",
        "What did the Board of Auditors find about the accounts?",
        "What did the Secretary-General say about the ceasefire?",
    ],
)
def test_other_questions_are_not_about_acts(question):
    assert not asks_about_acts(question)


@pytest.fixture(scope="module")
def acts():
    return OrganActs(
        {
            "sc_res": _doc("sc_res", "Security Council", "resolution"),
            "sc_report": _doc("sc_report", "Security Council", "report"),
            "hrc_res": _doc("hrc_res", "Human Rights Council", "resolution"),
            "unicef_dec": _doc("unicef_dec", "Executive Board of UNICEF", "decision"),
            "unw_report": _doc("unw_report", "Executive Board of UN-Women", "report"),
        }
    )


def test_the_acts_of_the_organ_the_question_names(acts):
    assert acts.documents("What did the Security Council demand?") == ["sc_res"]
    assert acts.documents("What did the UNICEF Executive Board decide?") == ["unicef_dec"]
    # "The Council": every council's acts; a report is no act.
    assert sorted(acts.documents("What did the Council say about it?")) == ["hrc_res", "sc_res"]
    # An organ without acts in the library points at no other organ's.
    assert acts.documents("What did the UN-Women Executive Board decide?") == []
    # A resolution asked about by number: every organ's acts.
    assert sorted(acts.documents("Deadlines under resolution 2769?")) == [
        "hrc_res",
        "sc_res",
        "unicef_dec",
    ]
    assert acts.documents("How many people were displaced?") == []


def test_a_library_without_acts_points_at_none():
    acts = OrganActs({"r": _doc("r", "Security Council", "report")})
    assert acts.documents("What did the Security Council decide?") == []


@pytest.fixture(scope="module")
def library(built_index, encoder, tmp_path_factory):
    from serving import library_index

    return library_index(built_index, encoder, tmp_path_factory)


def _scores(index, question: str, organ_acts: float) -> dict[tuple, float]:
    """Every candidate paragraph of the hybrid ranking and its fused score."""
    index.ranking = Ranking(organ_acts=organ_acts, document_focus=False)
    try:
        return {key: score for key, score, _ in index.rank(question, "hybrid")}
    finally:
        index.ranking = Ranking()


def test_in_a_library_the_organs_resolution_gains_and_nothing_else(library):
    resolutions = {d for d, doc in library.documents.items() if doc.kind == "resolution"}
    assert resolutions  # S/RES/2775 (2025) among the fixtures
    question = "What did the Security Council decide about the measures at sea?"
    on = _scores(library, question, 0.15)
    off = _scores(library, question, 0.0)
    assert on.keys() == off.keys()
    gained = {key for key in on if key[0] in resolutions}
    assert gained
    assert all(on[key] == pytest.approx(off[key] + 0.15) for key in gained)
    assert all(on[key] == pytest.approx(off[key]) for key in on.keys() - gained)
    # A question about no organ's act is ranked as before.
    other = "How many vessels were inspected at sea?"
    assert _scores(library, other, 0.15) == _scores(library, other, 0.0)


def test_scores_above_one_are_scaled_by_the_best_not_clipped():
    ranked = iter([(("d", "1"), 1.3, 0), (("d", "2"), 1.1, 1), (("d", "3"), 0.5, 2)])
    scores = [score for _, score, _ in _scaled_to_one(ranked)]
    assert scores == pytest.approx([1.0, 1.1 / 1.3, 0.5 / 1.3])
    # A best of 1 or less is left as it is.
    plain = [s for _, s, _ in _scaled_to_one(iter([(("d", "1"), 0.9, 0), (("d", "2"), 0.4, 1)]))]
    assert plain == [0.9, 0.4]
    assert list(_scaled_to_one(iter([]))) == []


def test_a_question_about_an_act_shows_falling_scores(library):
    hits = library.search("What did the Security Council decide about the measures at sea?", k=5)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] <= 1.0
    assert len(set(scores)) > 1  # not all clipped to 1
