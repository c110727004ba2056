"""search() on the real report: the answering paragraph comes first, with an exact citation."""

from __future__ import annotations

import json

import pytest

from qa.errors import InvalidQuestionError


@pytest.mark.parametrize(
    ("question", "paragraph"),
    [
        ("How many victims did IOM assist in 2018?", 57),
        ("How many cases were in UNODC's case law database at the end of 2018?", 43),
        ("What happened in Operation Sawiyan?", 81),
        ("Which three States ratified the trafficking protocol during the reporting period?", 3),
        ("When is the World Day against Trafficking in Persons?", 125),
        ("Who sits on the board of trustees of the trust fund?", 124),
    ],
)
def test_answering_paragraph_comes_first(index, question, paragraph):
    hits = index.search(question, k=5)
    assert hits[0].paragraph == paragraph


def test_hit_is_a_complete_citable_record(index):
    hit = index.search("How many victims did IOM assist in 2018?", k=3)[0]
    assert hit.rank == 1
    assert hit.citation == "para. 57 — III.B.3 International Organization for Migration"
    assert hit.section[-1] == "3. International Organization for Migration"
    assert hit.section_code == "III.B.3"
    assert "7,400 victims" in hit.sentence
    assert hit.sentence in hit.text
    assert 0.0 <= hit.score <= 1.0
    json.dumps(hit.to_dict())  # JSON-serializable


def test_sub_item_is_reported(index):
    hit = index.search("provide interpretation and language assistance to victims", k=3)[0]
    assert hit.paragraph == 139
    assert hit.item == "(d) (iv)"
    assert hit.citation.startswith("para. 139 (d) (iv)")


@pytest.mark.parametrize(
    ("question", "paragraph", "item"),
    [
        ("para 57", 57, None),
        ("paragraph 139(d)", 139, "(d)"),
        ("para. 139 (d) (iv)", 139, "(d) (iv)"),
        ("139 (d)", 139, "(d)"),
        ("¶ 12", 12, None),
    ],
)
def test_paragraph_reference_comes_first(index, question, paragraph, item):
    hits = index.search(question, k=3)
    assert hits[0].paragraph == paragraph
    assert hits[0].item == item
    assert len(hits) == 3


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_modes_return_k_ranked_hits(index, mode):
    hits = index.search("trafficking for forced labour", k=7, mode=mode)
    assert [h.rank for h in hits] == list(range(1, 8))
    assert len({h.paragraph for h in hits}) == 7
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("question", "k", "mode"),
    [
        ("", 5, "hybrid"),
        ("   \n\t", 5, "hybrid"),
        (None, 5, "hybrid"),
        ("ok", 0, "hybrid"),
        ("ok", -3, "hybrid"),
        ("ok", "5", "hybrid"),
        ("ok", 5, "fuzzy"),
    ],
)
def test_bad_input_is_a_clear_error(index, question, k, mode):
    with pytest.raises(InvalidQuestionError):
        index.search(question, k=k, mode=mode)


def test_huge_k_is_clamped_and_long_question_cut(index):
    hits = index.search("victims " * 5000, k=10**9)
    assert 1 <= len(hits) <= 100


def test_module_search_uses_one_index(isolated_env):
    import importlib

    from qa import search

    qs = importlib.import_module("qa.search")  # the module; `qa.search` is the function

    qs._default.clear()
    first = search("How many victims did IOM assist in 2018?", k=2)
    assert first[0].paragraph == 57
    assert len(qs._default) == 1
    index = next(iter(qs._default.values()))
    search("para 57")
    assert next(iter(qs._default.values())) is index


_LETTER = """Security Council

Distr.: General
1 May 2025

Letter dated 30 April 2025 from the Secretary-General addressed to the President of the
Security Council

I have the honour to inform you that the Board adopted the country programme for the Niger.

The Board also closed its annual session after adopting the country programme for the Niger.

I have the honour to inform you that the Board adopted the country programme for the Niger.

The ministers of Chad discussed fisheries on the lake with the Board at length.
"""


def test_a_unit_the_reader_cannot_tell_from_one_above_it_is_listed_once(
    tmp_path, encoder, fresh_index_dir
):
    """The same text under the same citation (here "letter, text": a plain-text letter's
    unnumbered paragraphs) is one answer, not two."""
    from qa.search import Index
    from qa.store import build_index, load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "letter.txt").write_text(_LETTER, encoding="utf-8")
    build_index(corpus, fresh_index_dir, encoder)
    index = Index(load_index(fresh_index_dir), encoder=encoder)
    repeated = [p for p in index.documents["letter"].paragraphs if "honour" in p.text]
    assert len(repeated) == 2 and repeated[0].text == repeated[1].text  # two units, one text

    hits = index.search("Which country programme did the Board adopt?", k=3)
    assert len(hits) == 3
    assert sum("honour" in h.text for h in hits) == 1
    assert len({(h.citation, h.text) for h in hits}) == 3


def test_a_question_of_words_the_documents_do_not_hold_finds_nothing(index):
    # The model would rank its nearest passages first anyway, at 0.80, as if they answered.
    for nonsense in ("xqzv blorf wuggle", "?!.,;:"):
        assert index.search(nonsense, k=3) == []
        assert index.search(nonsense, k=3, mode="lexical") == []
    assert len(index.search("xqzv blorf wuggle", k=3, mode="dense")) == 3  # asked for by name
    # A misspelt word still finds its stem ("victms" has none, "trafficing" has).
    assert index.search("victms of trafficing", k=3)
