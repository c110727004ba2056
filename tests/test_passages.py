"""Passages fit the model and cover every word of every paragraph."""

from __future__ import annotations

import re

from qa.passages import make_passages, split_sentences


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_no_passage_exceeds_the_model_limit(document, encoder):
    passages = make_passages([document], encoder.count_tokens, encoder.max_tokens)
    assert encoder.max_tokens == 256
    assert max(encoder.count_tokens(p.embed_text) for p in passages) <= 256


def test_longest_paragraph_is_longer_than_the_model_reads(document, encoder):
    assert encoder.count_tokens(document.paragraph(139).text) > 3 * 256


def test_every_sentence_of_every_paragraph_is_in_a_passage(document, encoder):
    passages = make_passages([document], encoder.count_tokens, encoder.max_tokens)
    by_paragraph: dict = {}
    for p in passages:
        by_paragraph.setdefault(p.ref, []).append(p.text)
    for paragraph in [document.summary, *document.paragraphs]:
        covered = " ".join(by_paragraph[paragraph.ref])
        for line in paragraph.text.split("\n"):
            for sentence in split_sentences(line):
                assert sentence in covered, (paragraph.number, sentence[:60])


def test_sub_items_are_their_own_passages(document, encoder):
    passages = make_passages([document], encoder.count_tokens, encoder.max_tokens)
    iv = [p for p in passages if p.ref == "139" and p.item == ("d", "iv")]
    assert len(iv) == 1
    assert iv[0].text.startswith("(iv) Provide expert interpretation")
    assert "in order to:" in iv[0].context  # read with the (d) lead-in


def test_a_long_sentence_is_cut_by_words(encoder):
    from conftest import small_report

    from qa.ingest import parse

    long_sentence = " ".join(["word"] * 700) + "."
    doc = parse(small_report(["Short.", long_sentence]), "long")
    passages = make_passages([doc], encoder.count_tokens, encoder.max_tokens)
    pieces = [p for p in passages if p.ref == "2"]
    assert len(pieces) >= 3
    assert all(encoder.count_tokens(p.embed_text) <= 256 for p in pieces)
    assert sum(len(_words(p.text)) for p in pieces) >= 700


def test_split_sentences_keeps_abbreviations():
    text = "See para. 5 of the report, e.g. the first one. Then 7,400 victims were helped. End."
    assert split_sentences(text) == [
        "See para. 5 of the report, e.g. the first one.",
        "Then 7,400 victims were helped.",
        "End.",
    ]


def test_a_footnote_is_read_with_the_paragraph_that_cites_it(encoder):
    from pathlib import Path

    from qa.ingest import read_document

    doc = read_document(Path(__file__).parent / "fixtures" / "un" / "A_80_159.en.pdf")
    passages = make_passages([doc], encoder.count_tokens, encoder.max_tokens)
    (note,) = [p for p in passages if p.ref == "footnote/1"]
    cited = next(p for p in passages if p.ref == "17" and p.item is None)
    assert note.text.startswith("Information concerning the panellists")
    assert note.heading == cited.heading and note.heading.startswith(doc.title)
    assert note.context.startswith("In accordance with the format and annotated provisional")
    # A footnote no unit cites (the masthead's "*") is read alone, as before.
    (alone,) = [p for p in passages if p.ref == "footnote/*"]
    assert alone.context == "" and alone.heading == doc.title
