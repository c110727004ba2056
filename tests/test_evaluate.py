"""Retrieval quality: metric code on hand-computed examples, fusion, acronyms by initials."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from qa.acronyms import expand_query, find_names, resolve_acronym
from qa.cli import main
from qa.evaluate.retrieval import (
    QUESTION_SETS,
    Question,
    load_questions,
    ndcg,
    recall_at,
    reciprocal_rank,
    score_rankings,
)
from qa.ranking.fusion import fuse, minmax, rrf

# --- metrics --------------------------------------------------------------------------------


def test_metrics_on_a_tiny_fixed_example():
    questions = [
        Question("a", "first", (7,)),  # answer ranked 1st
        Question("b", "second", (3, 9)),  # answers ranked 2nd and 4th
        Question("c", "third", (5,)),  # answer missing from the top 10
    ]
    rankings = [
        [7, 1, 2],
        [4, 3, 8, 9, 10],
        [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 5],  # 5 is 11th: beyond the depth of 10
    ]
    metrics = score_rankings(rankings, questions)
    assert metrics["recall@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["recall@3"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["recall@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2 + 0) / 3, abs=1e-4)
    # b: DCG = 1/log2(3) + 1/log2(5); ideal (two relevant) = 1 + 1/log2(3).
    ndcg_b = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert metrics["ndcg@10"] == pytest.approx((1 + ndcg_b + 0) / 3, abs=1e-4)


def test_single_metrics_edge_cases():
    assert recall_at([], [1], 5) == 0.0
    assert recall_at([None, 2], [2], 2) == 1.0  # the Summary (None) is a paragraph like any
    assert reciprocal_rank([4, 5, 6], [6]) == pytest.approx(1 / 3)
    assert ndcg([1], []) == 0.0
    assert ndcg([2, 1], [1, 2]) == pytest.approx(1.0)


def test_question_sets_cover_every_chapter_and_kind():
    dev = load_questions(QUESTION_SETS["dev"])
    assert len(dev) >= 60
    assert {q.chapter for q in dev} >= {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"}
    assert {q.kind for q in dev} >= {"factoid", "list", "conceptual", "recommendation"}
    heldout = load_questions(QUESTION_SETS["heldout"])
    assert not {q.question for q in dev} & {q.question for q in heldout}


def test_library_sets_are_apart_and_every_answer_names_a_unit():
    dev = load_questions(QUESTION_SETS["library"])
    heldout = load_questions(QUESTION_SETS["library-heldout"])
    assert len(dev) >= 60 and len(heldout) >= 40
    assert not {q.question for q in dev} & {q.question for q in heldout}
    ids = [q.id for q in dev + heldout]
    assert len(ids) == len(set(ids))
    # Every answer is a document's paragraph, preambular paragraph, footnote or page.
    assert all(q.relevant and all("|" in key for key in q.relevant) for q in dev + heldout)


# --- fusion ---------------------------------------------------------------------------------


def test_minmax_maps_candidates_onto_zero_to_one():
    assert minmax({"a": 0.2, "b": 0.6, "c": 0.4}) == pytest.approx({"a": 0, "b": 1, "c": 0.5})
    assert minmax({"a": 3.0}) == {"a": 1.0}
    assert minmax({"a": 0.0, "b": 0.0}) == {"a": 0.0, "b": 0.0}
    assert minmax({}) == {}


def test_fuse_averages_normalized_scores_and_fills_gaps():
    dense = {"a": 0.8, "b": 0.6, "c": 0.4}
    lexical = {"b": 10.0, "c": 5.0}  # "a" shares no word with the question: BM25 0
    fused = fuse(dense, lexical)
    assert fused == pytest.approx({"a": 0.5, "b": 0.75, "c": 0.25})
    assert max(fused, key=fused.get) == "b"  # second by meaning, first by words
    assert all(0.0 <= s <= 1.0 for s in fused.values())
    assert fuse({"a": 0.9}, {"a": 2.0}) == {"a": 1.0}  # best by both: 1.0
    assert fuse(dense, {}) == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.0})


def test_rrf_sums_reciprocal_ranks():
    fused = rrf({"a": 0.9, "b": 0.1}, {"b": 3.0}, k=1)
    assert fused == pytest.approx({"a": 1 / 2, "b": 1 / 3 + 1 / 2})


# --- acronyms the text never defines --------------------------------------------------------

SYNTHETIC = [
    "The Inter-Agency Coordination Group against Trafficking in Persons met twice a year.",
    "Members of the Inter-Agency Coordination Group against Trafficking in Persons agreed.",
    "The Global Report on Trafficking in Persons covers 142 countries.",
    "Progress on the Sustainable Development Goals was reviewed by the Council of Europe.",
    "Delegations from the United States of America and Uruguay attended.",
]


def test_names_are_capitalized_runs_with_connectors():
    names = find_names(SYNTHETIC)
    assert names["Inter-Agency Coordination Group against Trafficking in Persons"] == 1
    assert names["Global Report on Trafficking in Persons"] == 1  # without the opening "The"
    assert "Council of Europe" in names
    for name in names:
        assert not name.split()[-1].islower()  # never ends in "of", "in"
        assert sum(word[0].isupper() for word in name.split()) >= 2


@pytest.mark.parametrize(
    ("acronym", "name"),
    [
        ("ICAT", "Inter-Agency Coordination Group against Trafficking in Persons"),
        ("GLOTIP", "Global Report on Trafficking in Persons"),
        ("SDG", "Sustainable Development Goals"),
        ("CoE", "Council of Europe"),
        ("USA", "United States of America"),  # not "… and Uruguay"
    ],
)
def test_acronym_resolves_to_the_name_its_letters_spell(acronym, name):
    assert resolve_acronym(acronym, find_names(SYNTHETIC)) == name


@pytest.mark.parametrize("acronym", ["XYZ", "NRM", "I"])
def test_acronym_with_no_plausible_name_stays_unresolved(acronym):
    assert resolve_acronym(acronym, find_names(SYNTHETIC)) is None


def test_acronym_matching_time_is_bounded():
    # Many same-initial words once made the search exponential; the dynamic programme is not.
    names = {" ".join(["Aaa", "Bbb"] * 15): 1, " ".join(["Aaa"] * 30): 1}
    assert resolve_acronym("AAAAAAAAAC", names) is None
    assert resolve_acronym("ABABABABAB", names) is not None


def test_an_acronyms_names_are_worked_out_once_whatever_the_scope(monkeypatch):
    """The names an acronym may spell do not depend on which documents are searched; only
    which of them the scope accepts does (the document focus searches a new scope each time)."""
    import qa.acronyms as acronyms

    names = find_names(SYNTHETIC)
    calls = []
    match_cost = acronyms._match_cost
    monkeypatch.setattr(acronyms, "_match_cost", lambda *a: calls.append(a) or match_cost(*a))
    first = resolve_acronym("ICAT", names)
    counted = len(calls)
    assert counted > 0
    assert resolve_acronym("ICAT", names, lambda name: name != first) != first
    assert resolve_acronym("ICAT", names, lambda name: False) is None
    assert len(calls) == counted  # no name spelled again


def test_query_gains_the_names_behind_its_acronyms():
    names = find_names(SYNTHETIC)
    defined = {"IOM": "International Organization for Migration"}
    expanded = expand_query("Did ICAT and IOM discuss the SDGs?", defined, names)
    assert "Inter-Agency Coordination Group against Trafficking in Persons" in expanded
    assert "International Organization for Migration" in expanded
    assert "Sustainable Development Goals" in expanded
    assert expand_query("WHAT IS ICAT", defined, names) == "WHAT IS ICAT"
    cache: dict = {}
    expand_query("ICAT members", {}, names, cache)
    assert cache == {"ICAT": "Inter-Agency Coordination Group against Trafficking in Persons"}


def test_articles_and_conjunctions_lend_an_acronym_no_letter():
    # "Islamic Cooperation and the European Union" would spell ICAT at no cost.
    names = {"Organization of Islamic Cooperation and the European Union": 1}
    assert resolve_acronym("ICAT", names) is None
    assert resolve_acronym("ICAT", {**names, **find_names(SYNTHETIC)}) == (
        "Inter-Agency Coordination Group against Trafficking in Persons"
    )


def test_acronym_resolves_to_a_name_used_where_the_acronym_is():
    # In a library, "IED" spells "Industry and Economy Division" (in a report that never writes
    # IED) better than anything in the resolution that writes "IED components".
    names = {"Industry and Economy Division": 1}
    texts = {"unep": "the Industry and Economy Division", "res": "IED components"}

    def together(acronym: str, name: str) -> bool:
        users = [t for t in texts.values() if acronym in t]
        return not users or any(name in t for t in users)

    assert expand_query("IED seizures", {}, names) == "IED seizures (Industry and Economy Division)"
    assert expand_query("IED seizures", {}, names, together=together) == "IED seizures"
    names = {**names, "Improvised Explosive Device Unit": 1}  # a new table (resolving caches)
    texts["res"] = "IED components, Improvised Explosive Device Unit"
    assert "Improvised Explosive" in expand_query("IED seizures", {}, names, together=together)
    names = {"Industry and Economy Division": 1}
    texts.pop("res")  # an acronym no document uses: the initials alone decide
    assert "Industry" in expand_query("IED seizures", {}, names, together=together)


def test_index_knows_which_names_its_documents_use_with_an_acronym(index):
    assert index._used_together("IOM", "International Organization for Migration")
    assert not index._used_together("IOM", "Industry and Economy Division")
    assert index._used_together("XQZW", "Industry and Economy Division")  # no document uses it


def test_index_resolves_an_acronym_the_report_never_defines(index):
    assert "ICAT" not in index.acronyms
    assert "Inter-Agency Coordination Group" in index.expanded("How many entities make up ICAT?")
    hit = index.search("How many entities make up ICAT?", k=1)[0]
    assert hit.section_code.startswith("IV")  # the chapter on the Coordination Group


def test_within_some_documents_an_undefined_acronym_is_read_as_they_would(
    make_corpus, encoder, fresh_index_dir
):
    """ "ICAT" spells "International Classification for Administrative Data on Trafficking"
    with fewer words skipped than "Inter-Agency Coordination Group against Trafficking".
    Across the library the letter that writes "ICAT" beside the Group decides; within
    documents that do not write it, the names they use do."""
    from conftest import small_report

    from qa.search import Index
    from qa.store import build_index, load_index

    group = "the Inter-Agency Coordination Group against Trafficking in Persons"
    classification = "the International Classification for Administrative Data on Trafficking"
    corpus = make_corpus(
        {
            "coordination.txt": small_report(
                [f"Principals of {group} met in Vienna.", f"Members of {group} drafted a brief."],
                "Coordination against trafficking",
            ),
            "statistics.txt": small_report(
                [f"States tested {classification} in 2019.", f"Officers used {classification}."],
                "Data on trafficking",
            ),
            "letter.txt": small_report(
                [f"ICAT, that is {group}, wrote to the Council.", "The Council replied."],
                "A letter on coordination",
            ),
        }
    )
    build_index(corpus, fresh_index_dir, encoder)
    index = Index(load_index(fresh_index_dir), encoder=encoder)
    question = "What did ICAT publish?"
    assert "ICAT" not in index.acronyms
    assert "Inter-Agency Coordination Group" in index.expanded(question)  # the letter's reading
    reads = {
        docs: index.expanded(question, index.within(set(docs)))
        for docs in (("coordination",), ("statistics",), ("letter", "statistics"))
    }
    assert "Inter-Agency Coordination Group" in reads[("coordination",)]
    assert "International Classification" in reads[("statistics",)]
    # A document searched that uses the acronym decides: the letter writes it with the Group.
    assert "Inter-Agency Coordination Group" in reads[("letter", "statistics")]
    # The search itself reads it so: the hit within the report is about the Group.
    hit = index.search(question, k=1, documents=["coordination"])[0]
    assert hit.document == "coordination"
    assert index.expanded(question, index.within({"coordination"})) in index._query_cache


def test_hybrid_scores_are_on_a_zero_to_one_scale(index):
    hits = index.search("How many victims did IOM assist in 2018?", k=10)
    scores = [h.score for h in hits]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


# --- qa eval ---------------------------------------------------------------------------------


def test_qa_eval_prints_the_table_and_writes_json(isolated_env, tmp_path):
    questions = tmp_path / "mine.jsonl"
    rows = [
        {"id": "m1", "question": "How many victims did IOM assist in 2018?", "paragraphs": [57]},
        {"id": "m2", "question": "When is the World Day against Trafficking?", "paragraphs": [125]},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(
        main, ["eval", "--questions", str(questions), "--json", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "| mode | recall@1 | recall@3 | recall@5 | mrr@10 | ndcg@10 |" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["mine.jsonl"]) == {"hybrid", "dense", "lexical"}
    metrics = report["mine.jsonl"]["hybrid"]["metrics"]
    assert set(metrics) == {"recall@1", "recall@3", "recall@5", "mrr@10", "ndcg@10"}
    assert all(0.0 <= v <= 1.0 for v in metrics.values())
