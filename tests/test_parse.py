"""The parser on the real report and on small synthetic reports."""

from __future__ import annotations

import re

import pytest
from conftest import small_report

from qa.ingest import ParseError, parse
from qa.ingest.paragraphs import clean


def test_exactly_139_paragraphs_in_order(document):
    assert [p.number for p in document.paragraphs] == list(range(1, 140))


def test_metadata_read_from_the_text(document):
    assert document.title == "Improving the coordination of efforts against trafficking in persons"
    assert document.date == "18 June 2019"
    assert document.session == "Seventy-fourth session"
    assert document.agenda_item.startswith("Item 108")
    assert document.symbol is None  # the text carries none; A/74/50 is a footnote reference


def test_section_path_with_titles(document):
    p57 = document.paragraph(57)
    assert [h.label for h in p57.headings] == ["III", "B", "3"]
    assert p57.headings[0].title.startswith("Ensuring the full and effective implementation")
    assert p57.headings[1].title.startswith("Activities undertaken within the United Nations")
    assert p57.citation() == "para. 57 — III.B.3 International Organization for Migration"


def test_chapter_two_long_heading_is_a_heading(document):
    assert document.paragraph(3).section_code == "II"
    assert "criminalizing all forms" not in document.paragraph(2).text


@pytest.mark.parametrize("number", [4, 10, 18, 36, 42, 50, 57, 90, 120, 133, 139])
def test_page_break_continuations_are_merged(document, number):
    text = document.paragraph(number).text
    assert not re.search(r"\n[a-z]", text)  # no continuation left as its own line
    assert text.rstrip().endswith((".", ";", ":"))


def test_continuation_text_joined_mid_sentence(document):
    assert "direct assistance to 7,400 victims" in document.paragraph(57).text
    assert "mental and physical health care, family tracing" in document.paragraph(57).text
    assert "called upon Member States to increase" in document.paragraph(10).text


def test_numbered_subsection_headings_are_not_paragraphs(document):
    titles = [h.display for path in document.headings for h in path[-1:]]
    assert "1. Legislation" in titles
    assert "7. International Criminal Police Organization" in titles
    assert document.paragraph(7).text.startswith("Member States reported")


def test_unnumbered_heading(document):
    p95 = document.paragraph(95)
    assert p95.headings[-1].label is None
    assert p95.headings[-1].title.startswith("Appraisal of the Global Plan of Action")


def test_sub_items_including_roman_and_bullets(document):
    p139 = document.paragraph(139)
    labels = [i.label for i in p139.items]
    assert labels[:4] == [("a",), ("b",), ("c",), ("d",)]
    assert ("d", "iv") in labels and ("d", "viii") in labels
    assert labels[-1] == ("i",)  # letter (i) after (h), not roman
    assert p139.item(("d", "iv")).text.startswith("Provide expert interpretation")
    assert p139.citation(("d", "iv")) == "para. 139 (d) (iv) — IX Recommendations"
    p112 = document.paragraph(112)  # "- (a)" bullets then plain "(d)"
    assert [i.label for i in p112.items] == [("a",), ("b",), ("c",), ("d",), ("e",)]
    p77 = document.paragraph(77)
    assert len(p77.items) == 7


def test_inline_sub_items_are_split(document):
    p89 = document.paragraph(89)
    assert [i.label[0] for i in p89.items] == ["a", "b", "c", "d"]
    assert p89.intro.endswith("four main areas of action:")


def test_summary_is_a_citable_unit(document):
    assert document.summary is not None
    assert document.summary.number is None
    assert document.summary.text.startswith("The present report has been prepared")
    assert "A/74/50" not in document.summary.text  # footnote is not content
    assert document.summary.citation().startswith("Summary")


def test_contents_are_not_content(document):
    all_text = "\n".join(p.text for p in document.paragraphs)
    assert "Page" not in all_text.split()
    assert "\t" not in all_text


def test_markup_is_cleaned(document):
    all_text = "\n".join(p.text for p in document.paragraphs)
    for junk in ("](#)", "\\(", "\\$", "<i>", "*Operation"):
        assert junk not in all_text
    assert "resolution 2388 (2017)" in document.paragraph(64).text
    assert "$22,000" in document.paragraph(81).text
    assert document.paragraph(81).items[0].text.startswith("Operation Libertad.")


def test_clean_examples():
    assert clean("[72/195](#)") == "72/195"
    assert clean("2388 \\(2017\\)") == "2388 (2017)"
    assert clean("\\$6.7 million") == "$6.7 million"
    assert (
        clean("*Operation Libertad* and <i>Global Report</i>")
        == "Operation Libertad and Global Report"
    )


def test_small_report_numbering_and_heading_collision():
    text = small_report(["First point.", "Second point."]).replace(
        "2. Second point.", "1. Background\n\n2. Second point."
    )
    doc = parse(text, "small")
    assert [p.number for p in doc.paragraphs] == [1, 2]
    assert doc.paragraph(2).headings[-1].title == "Background"
    assert doc.title == "A small test report"
    assert doc.date == "1 May 2020"


def test_text_without_paragraphs_is_refused():
    with pytest.raises(ParseError):
        parse("Just a title\n\nAnd a subtitle", "bad")
    # One sentence of prose is a paragraph, if an unnumbered one.
    assert [p.kind for p in parse("Just some prose with no numbered paragraphs.").paragraphs] == [
        "text"
    ]


def test_a_short_sentence_of_a_plain_text_letter_is_a_unit_not_a_heading():
    # "Recommendations." is a title; "The Board adopted the programme for the Niger." is not.
    from qa.ingest.paragraphs import looks_like_heading

    assert looks_like_heading("Recommendations.")
    assert not looks_like_heading("The Board adopted the programme for the Niger.")
    letter = parse(
        "Security Council\n\nDistr.: General\n1 May 2025\n\nLetter dated 30 April 2025 from the "
        "Secretary-General addressed to the President of the Security Council\n\nI have the "
        "honour to inform you of the decisions of the Board.\n\nThe Board adopted the programme "
        "for the Niger.\n\nIt also adopted the programme for Chad and closed its session.\n",
        "letter",
    )
    assert [p.text for p in letter.paragraphs] == [
        "I have the honour to inform you of the decisions of the Board.",
        "The Board adopted the programme for the Niger.",
        "It also adopted the programme for Chad and closed its session.",
    ]
