"""Lists of documents rank a little below the prose around them (qa/ranking/lists.py)."""

from __future__ import annotations

import dataclasses

from qa.ranking.lists import is_document_list

LIST = (
    "TPNW/MSP/2025/WP.3 Working paper submitted by the International Committee of the Red "
    "Cross TPNW/MSP/2025/WP.4 Review process of the mandate and terms of reference of the "
    "Scientific Advisory Group: working paper submitted by Mexico TPNW/MSP/2025/WP.5 Update to "
    "the Scientific Advisory Group's report TPNW/MSP/2025/WP.6 Working paper submitted by Chile"
)


def test_a_list_of_symbols_is_a_list_and_prose_citing_documents_is_not():
    assert is_document_list(LIST)
    # Three symbols: a footnote may cite the very report a question asks about.
    assert not is_document_list("See A/HRC/59/25, A/HRC/59/26 and A/HRC/59/27.")
    prose = (
        "The Executive Board took note of the annual report (E/ICEF/2025/21), its management "
        "response (E/ICEF/2025/22), the evaluation (E/ICEF/2025/23) and the summary "
        "(E/ICEF/2025/24), and requested UNICEF to report on progress at its next session, "
        "including on the steps taken to strengthen the independence of the function and "
        "on the resources it needs to cover every country office by the end of 2026. Several "
        "delegations welcomed the report and asked how the findings of the evaluations would "
        "inform the next strategic plan and the budget that accompanies it, and whether the "
        "country offices that lack an evaluation specialist would be supported by the regional "
        "offices in the meantime."
    )
    assert len(prose.split()) > 100
    assert not is_document_list(prose)  # four symbols in a hundred words: prose that cites


def test_a_list_of_documents_ranks_below_the_paragraph_that_answers(
    tmp_path, encoder, fresh_index_dir
):
    from conftest import small_report

    from qa.search import Index
    from qa.store import build_index, load_index

    answer = (
        "The meeting decided to establish an intersessional consultative process to review "
        "the mandate of the Scientific Advisory Group, coordinated by Mexico."
    )
    report = small_report([answer, "The meeting closed on 7 March."], "Report of the meeting")
    listing = small_report(["The meeting had before it the following documents.", LIST])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text(report, encoding="utf-8")
    (corpus / "listing.txt").write_text(listing, encoding="utf-8")
    build_index(corpus, fresh_index_dir, encoder)
    index = Index(load_index(fresh_index_dir), encoder=encoder)
    question = "What did Mexico's working paper on reviewing the Scientific Advisory Group propose?"

    index.ranking = dataclasses.replace(index.ranking, document_lists=0.0)
    plain = [(h.document, h.paragraph) for h in index.search(question, k=2)]
    index.ranking = dataclasses.replace(index.ranking, document_lists=0.1)
    lowered = [(h.document, h.paragraph) for h in index.search(question, k=2)]
    assert plain[0] == ("listing", 2)  # the list holds more of the question's words
    assert lowered[0] == ("report", 1)
