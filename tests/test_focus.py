"""Document focus: the document a question points at orders its own paragraphs."""

from __future__ import annotations

import pytest
from conftest import small_report

from qa.search import Index, Ranking
from qa.store import build_index, load_index

# A board's report about audits, where one paragraph is about the entity's culture, and three
# reports where "culture" is everywhere. Over the library "audit" is the rarer word and BM25
# ranks the culture paragraph last; searched alone, the board's report weighs "audit" (in
# three of its four paragraphs) below "culture" (in one), and that paragraph comes first.
BOARD = [
    "The Entity's auditors presented their audit report and audit opinion.",
    "Delegations welcomed the Entity's unqualified audit opinion.",
    "The Director said that an assessment of the Entity's organizational culture was planned.",
    "The Entity's internal audit office presented its audit plan.",
]
CULTURE = [
    "Cultural rights include the right to take part in culture and cultural life.",
    "The culture of peace programme promoted culture and dialogue in schools.",
    "Access to culture and cultural heritage was discussed at length by the panel.",
]
QUESTION = "Has the Entity commissioned an audit of its culture?"
# A paragraph a later report repeats word for word, in a report whose own next paragraph
# answers the question best.
SHARED = (
    "The Council requests the mission to deploy forty riverine patrol boats along the "
    "northern lakes before the rainy season begins."
)
EARLIER = ["The mission opened two offices in the east.", SHARED]
LATER = [
    SHARED,
    "The mission deployed forty riverine patrol boats along the northern lakes in May.",
    "Fishing cooperatives were given new nets and engines.",
]


@pytest.fixture(scope="module")
def library(built_index, encoder, tmp_path_factory) -> Index:
    from conftest import new_index_dir

    root = tmp_path_factory.mktemp("focus")
    corpus = root / "corpus"
    corpus.mkdir()
    texts = {
        "board.txt": small_report(BOARD, title="Report of the Executive Board on audit matters"),
        "rights.txt": small_report(CULTURE, title="Cultural rights"),
        "peace.txt": small_report(CULTURE[::-1], title="Culture of peace"),
        "heritage.txt": small_report(CULTURE[1:], title="Cultural heritage"),
        "earlier.txt": small_report(EARLIER),
        "later.txt": small_report(LATER).replace("1 May 2020", "3 June 2021"),
    }
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index_dir = new_index_dir(built_index, root / "index")
    build_index(corpus, index_dir, encoder)
    return Index(load_index(index_dir), encoder=encoder)


def _ranked(index: Index, ranking: Ranking, question: str, k: int = 10, **kw) -> list:
    saved = index.ranking
    index.ranking = ranking
    try:
        return index.search(question, k=k, **kw)
    finally:
        index.ranking = saved


def test_the_document_orders_its_paragraphs_by_its_own_words(library):
    off = _ranked(library, Ranking(document_focus=False), QUESTION)
    on = _ranked(library, Ranking(), QUESTION)
    assert off[0].document == on[0].document == "board"
    assert off[0].paragraph != 3  # over the library, "audit" outweighs "culture"
    assert on[0].paragraph == 3
    alone = library.search(QUESTION, k=4, documents=["board"])
    assert alone[0].paragraph == 3  # as the report searched alone ranks it
    lexical = library.search(QUESTION, k=4, mode="lexical")
    assert [h.paragraph for h in lexical][-1] == 3


def test_the_document_keeps_its_places_and_the_scores_their_order(library):
    """Only the best hit's document is reordered, among the places it holds; every other
    hit stays where it was, and scores still fall with rank."""
    off = _ranked(library, Ranking(document_focus=False), QUESTION, k=10)
    on = _ranked(library, Ranking(), QUESTION, k=10)
    assert [h.document for h in on] == [h.document for h in off]
    assert [h.score for h in on] == [h.score for h in off]
    others = [(h.document, h.ref) for h in off if h.document != "board"]
    assert [(h.document, h.ref) for h in on if h.document != "board"] == others
    places = sum(h.document == "board" for h in off)
    alone = library.search(QUESTION, k=places, documents=["board"])
    assert [h.ref for h in on if h.document == "board"] == [h.ref for h in alone]
    assert len({(h.document, h.ref) for h in on}) == len(on)  # no paragraph twice
    # k cuts the same list: the first hits do not depend on how many are asked for.
    assert [(h.document, h.ref) for h in library.search(QUESTION, k=3)] == [
        (h.document, h.ref) for h in on[:3]
    ]


def test_a_search_of_one_document_is_not_refocused(library):
    alone = library.search(QUESTION, k=4, documents=["board"])
    plain = _ranked(library, Ranking(document_focus=False), QUESTION, k=4, documents=["board"])
    assert [h.ref for h in alone] == [h.ref for h in plain]
    assert [h.score for h in alone] == [h.score for h in plain]


def test_the_across_documents_view_shows_the_focused_best_paragraph(library):
    grouped = library.search(QUESTION, k=3, group_by="document")
    board = next(h for h in grouped if h.document == "board")
    assert board.paragraph == 3


def test_other_modes_are_left_as_they_are(library):
    for mode in ("dense", "lexical"):
        on = library.search(QUESTION, k=5, mode=mode)
        off = _ranked(library, Ranking(document_focus=False), QUESTION, k=5, mode=mode)
        assert [(h.document, h.ref) for h in on] == [(h.document, h.ref) for h in off]


def test_a_copy_listed_under_its_source_stays_hidden(library):
    """The best hit's document repeats a paragraph of an earlier one: the library lists it
    once, at the earlier document, and the document's own search does not bring it back."""
    question = "Were riverine patrol boats deployed along the northern lakes?"
    hits = library.search(question, k=5)
    assert (hits[0].document, hits[0].paragraph) == ("later", 2)
    alone = library.search(question, k=2, documents=["later"])
    assert [h.paragraph for h in alone] == [2, 1]  # the copy, second in its own document
    copies = [(h.document, h.paragraph) for h in hits if h.text == SHARED]
    assert copies == [("earlier", 2)]
