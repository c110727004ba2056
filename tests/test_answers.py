"""The type of answer a question asks for, and the paragraphs that hold one
(qa/ranking/answers.py)."""

from __future__ import annotations

import dataclasses

import pytest

from qa.ranking.answers import COUNT, DATE, PERSON, holds, wanted


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("How many suspected minefields remain on the island?", (COUNT,)),
        ("How much did Estonia give to OHCHR?", (COUNT,)),
        ("What minimum share of women should delegations include?", (COUNT,)),
        ("When did the M23 take Nyabibwe?", (DATE,)),
        ("Until when did the Council extend the measures?", (DATE,)),
        ("first meeting of the network: date and attendance", (DATE,)),
        ("Who was picked to lead the force?", (PERSON,)),
        ("Who did the Secretary-General appoint, and when does the term end?", (DATE, PERSON)),
        ("How many States joined, and who signed first?", (COUNT, PERSON)),
        ("What did the Council say about mines?", ()),
        # "when" that joins two clauses asks for no date
        ("What did the Board say when it adopted the budget?", ()),
        ("Why did Sierra Leone dissociate itself from the report?", ()),
    ],
)
def test_what_a_question_asks_for(question, kinds):
    assert wanted(question) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "There are 29 suspected minefields remaining.",
        "In 2024 the Mission collected 1,492 weapons.",
        "a contribution of US$ 50,000 a year",
        "a shortfall of $3.2 million",
        "EUR 40,000",
        "Women should make up at least 30 per cent of each delegation.",
        "at least 30% of the seats",
        "Two hundred older people were killed.",
        "Since then, 94 States have joined.",
    ],
)
def test_counts(text):
    assert holds(COUNT, text)


@pytest.mark.parametrize(
    "text",
    [
        # the numbers of documents, paragraphs, articles, years and meetings count nothing
        "The Council recalls resolution 2773 (2025) and paragraph 15 of its resolution.",
        "In its resolution 2733 (2024), the Security Council extended the authorizations.",
        "Article 6 of the Convention applies.",
        "the 2030 Agenda for Sustainable Development",
        "as set out in paragraphs 2 and 3",
        "adopted at its 9864th meeting",
        "resolutions 2773 and 2774 were adopted",
        "on 21 February 2025",
        "an entrepreneur 5 of whose",  # "eur" ends the word but is no currency
    ],
)
def test_not_counts(text):
    assert not holds(COUNT, text)


def test_dates_and_people():
    assert holds(DATE, "decides to extend the mandate until 31 January 2026")
    assert holds(DATE, "in its letter of 15 February")
    assert holds(DATE, "since March 2025")
    assert not holds(DATE, "at its eightieth session")
    assert holds(PERSON, "Major General Diodato Abagnara (Italy) will succeed him.")
    assert holds(PERSON, "Ms. Kaag replaces Tor Wennesland (Norway).")
    assert holds(PERSON, "Mr. Guterres said")
    assert not holds(PERSON, "the General Assembly decided")
    assert not holds(PERSON, "The Security Council (the Council) met")


def test_a_paragraph_with_the_count_asked_for_ranks_first(tmp_path, encoder, fresh_index_dir):
    from conftest import small_report

    from qa.search import Index
    from qa.store import build_index, load_index

    report = small_report(
        [
            "The Council calls on both communities to clear the suspected minefields that "
            "remain on the island, so that the whole island becomes free of mines.",
            "The mine action teams reported that 29 suspected minefields remain to be cleared.",
            "The Mission continued its liaison with both sides.",
        ]
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text(report, encoding="utf-8")
    build_index(corpus, fresh_index_dir, encoder)
    index = Index(load_index(fresh_index_dir), encoder=encoder)
    question = "How many suspected minefields remain to be cleared on the island?"

    index.ranking = dataclasses.replace(index.ranking, answer_types=0.0)
    plain = [h.paragraph for h in index.search(question, k=2)]
    index.ranking = dataclasses.replace(index.ranking, answer_types=0.15)
    raised = [h.paragraph for h in index.search(question, k=2)]
    assert plain[0] == 1  # the paragraph that holds more of the question's words
    assert raised[0] == 2  # the one that says how many
