"""Searching a library: filters by organ, kind, date, symbol and document; the best paragraph
per document by date; a document named by its symbol in the question; citations by symbol."""

from __future__ import annotations

import pytest

from qa.errors import InvalidQuestionError

QUESTION = "What did the Security Council decide?"


@pytest.fixture(scope="module")
def library(built_index, encoder, tmp_path_factory):
    from serving import library_index

    return library_index(built_index, encoder, tmp_path_factory)


def _docs(library, hits):
    return {library.documents[h.document] for h in hits}


def test_organ_by_code_or_name(library):
    council = library.search(QUESTION, k=10, organ="SC")
    assert council and all(d.organ == "Security Council" for d in _docs(library, council))
    assembly = library.search(QUESTION, k=10, organ=["general assembly"])
    assert assembly and all(d.organ == "General Assembly" for d in _docs(library, assembly))
    with pytest.raises(InvalidQuestionError, match="organs in the index: GA, SC"):
        library.search(QUESTION, organ="UNICEF")


def test_kind_date_and_symbol_prefix(library):
    resolutions = library.search(QUESTION, k=10, kind="resolution")
    assert {d.symbol for d in _docs(library, resolutions)} == {"S/RES/2775 (2025)"}
    recent = library.search(QUESTION, k=20, since="2025-06", until="2025-08-31")
    assert recent and all(
        "2025-06-01" <= d.date_iso <= "2025-08-31" for d in _docs(library, recent)
    )
    seventy_ninth = library.search(QUESTION, k=20, symbol="A/79/")
    assert {d.symbol for d in _docs(library, seventy_ninth)} <= {
        "A/79/815-S/2025/145",
        "A/79/7/Add.13",
    }
    # A joint symbol answers to either of its parts.
    joint = library.search(QUESTION, k=5, symbol="S/2025/145")
    assert {d.symbol for d in _docs(library, joint)} == {"A/79/815-S/2025/145"}
    assert library.search(QUESTION, kind="decision") == []  # nothing of that kind: no hits
    with pytest.raises(InvalidQuestionError, match="since must be a date"):
        library.search(QUESTION, since="last March")
    for impossible in ("2025-13", "2025-02-30"):  # the right shape, but no such date
        with pytest.raises(InvalidQuestionError, match="not a date of the calendar"):
            library.search(QUESTION, until=impossible)
    with pytest.raises(InvalidQuestionError, match="unknown kind"):
        library.search(QUESTION, kind="speech")


def test_documents_by_symbol_or_id(library):
    by_symbol = library.search(QUESTION, k=5, documents=["S/2025/497"])
    by_id = library.search(QUESTION, k=5, documents=["S_2025_497"])
    assert [h.ref for h in by_symbol] == [h.ref for h in by_id]
    assert {h.document for h in by_symbol} == {"S_2025_497"}
    assert by_symbol[0].citation.startswith("S/2025/497, p. ")


def test_best_paragraph_per_document_oldest_first(library):
    hits = library.search("humanitarian situation", k=5, group_by="document")
    documents = [h.document for h in hits]
    assert len(documents) == len(set(documents)) == 5
    dates = [library.documents[d].date_iso for d in documents]
    assert dates == sorted(dates)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    with pytest.raises(InvalidQuestionError, match="group_by"):
        library.search("x", group_by="page")


def test_a_symbol_in_the_question_names_the_document(library):
    hit = library.search("para 1 of S/RES/2775 (2025)", k=1)[0]
    assert hit.citation.startswith("S/RES/2775 (2025), para. 1")
    assert hit.score == 1.0
    hits = library.search("A/80/159 capacity-building", k=3)
    assert {h.document_symbol for h in hits} == {"A/80/159"}


def test_citations_name_documents_by_symbol_or_title(library):
    iom = library.search("How many victims did IOM assist in 2018?", k=1)[0]
    assert iom.citation == (
        "Improving the coordination of efforts against… (18 June 2019), para. 57 — III.B.3 "
        "International Organization for Migration"
    )
    annexed = library.search("para 4", k=10, documents=["A/79/7/Add.13"])
    assert annexed[0].citation.startswith("A/79/7/Add.13, para. 4")


def test_a_hit_carries_the_footnotes_it_cites_and_a_footnote_what_cites_it(library):
    # A/80/159, para. 17: "… The panellists gave presentations,¹ after which …"
    (para,) = library.search("para. 17", k=1, documents=["A/80/159"])
    assert para.ref == "17" and not para.cited_by
    assert [(n.locator, n.citation) for n in para.notes] == [("footnote 1", "A/80/159, footnote 1")]
    assert para.notes[0].text.startswith("Information concerning the panellists")
    assert para.to_dict()["notes"][0]["locator"] == "footnote 1"
    hits = library.search(
        "Where is information about the panellists and their affiliations?",
        k=10,
        documents=["A/80/159"],
    )
    note = next(h for h in hits if h.kind == "footnote" and h.ref == "footnote/1")
    assert not note.notes
    assert [n.citation for n in note.cited_by] == [para.citation]


def test_an_unknown_document_in_a_library_names_the_closest_not_all():
    from types import SimpleNamespace

    from qa.search import Index

    docs = {
        f"S_2025_{n}": SimpleNamespace(symbol=f"S/2025/{n}", symbols=(f"S/2025/{n}",))
        for n in range(340, 370)
    }
    hint = Index._documents_hint(SimpleNamespace(documents=docs), "S/2025/3444")
    assert hint.startswith("did you mean S/2025/344")
    assert hint.endswith("`qa list` shows the 30 documents of the index")
    assert len(hint) < 150


def test_a_citation_pasted_back_finds_its_unit(library):
    # Annex paragraphs, preambular paragraphs, footnotes, pages and tables as well as numbered
    # paragraphs: "…, annex I, para. 22" gave the body's para. 22, "footnote 57" another note.
    seen_kinds = set()
    for question in ("nuclear programme", "Somalia Al-Shabaab", "marine technology", "Nairobi"):
        for hit in library.search(question, k=10):
            first = library.search(hit.citation, k=1)[0]
            assert (first.document, first.citation) == (hit.document, hit.citation), hit.citation
            seen_kinds.add(hit.kind)
    for doc_id in ("A_80_159", "S_RES_2775 (2025)"):
        units = library.documents[doc_id].paragraphs
        for unit in [*units[:40], *[u for u in units if u.kind == "footnote"][:10]]:
            citation = library.citation(doc_id, unit, None)
            first = library.search(citation, k=1)[0]
            assert (first.document, first.citation) == (doc_id, citation)
            seen_kinds.add(unit.kind)
    assert {"paragraph", "preamble", "footnote", "text"} <= seen_kinds


def test_an_executive_board_answers_to_the_body_it_governs_and_kinds_to_any_case(library):
    from qa.search import _organ_names

    assert {"unw", "un-women", "executive board of un-women"} <= _organ_names(
        "Executive Board of UN-Women"
    )
    assert {"undp", "unfpa", "unops"} <= _organ_names("Executive Board of UNDP/UNFPA/UNOPS")
    assert _organ_names("Security Council") == {"security council", "sc"}
    assert library.search(QUESTION, k=3, kind="Letter") == library.search(
        QUESTION, k=3, kind="letter"
    )
