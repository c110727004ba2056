"""Document fields (title, subtitle, symbols) as evidence for the paragraphs under them."""

from __future__ import annotations

import pytest
from conftest import small_report

from qa.ingest import parse
from qa.ranking.fields import DocumentFields, field_text
from qa.search import Ranking

BODY = ["The Council reviewed the situation and decided to extend the mandate for a year."]


def _doc(doc_id: str, title: str):
    return parse(small_report(BODY, title=title), doc_id=doc_id)


def test_the_document_whose_title_the_question_names_scores_highest():
    docs = {
        "golan": _doc("golan", "United Nations Disengagement Observer Force in the Golan"),
        "cyprus": _doc("cyprus", "United Nations operation in Cyprus"),
        "libya": _doc("libya", "United Nations Support Mission in Libya"),
    }
    fields = DocumentFields(docs)
    scores = fields.scores("What did the Council decide about the observers in the Golan?")
    assert scores["golan"] == 1.0
    assert set(scores) == {"golan"}  # "Council", "decide" are in no title
    assert fields.scores("mandate renewal") == {}
    both = fields.scores("Cyprus or Libya?")
    assert set(both) == {"cyprus", "libya"} and max(both.values()) == 1.0


def test_fields_hold_the_symbols():
    doc = _doc("a", "Situation in Mali")
    assert "Situation in Mali" in field_text(doc)


@pytest.fixture(scope="module")
def library(built_index, encoder, tmp_path_factory):
    from serving import library_index

    return library_index(built_index, encoder, tmp_path_factory)


def test_in_a_library_the_named_document_gains(library):
    question = "What did the note verbale from Mauritius say?"
    scores = library.document_fields.scores(question)
    assert max(scores, key=scores.get) == "A_80_91"
    on = library.search(question, k=1)
    library.ranking = Ranking(document_fields=0.0)
    try:
        off = library.search(question, k=1)
    finally:
        library.ranking = Ranking()
    assert on[0].document == "A_80_91"
    assert on[0].score >= off[0].score  # the fields only ever add
