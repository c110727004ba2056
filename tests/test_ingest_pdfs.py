"""Real UN PDFs (tests/fixtures/un, copied from the UN library): masthead, numbering, annexes,
preamble, letters by page, footnotes, citations; checked against labels read off the PDFs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.document import FOOTNOTE, PARAGRAPH, PREAMBLE, TEXT
from qa.evaluate.ingest import LABELS, evaluate_document, title_matches
from qa.ingest import read_document

FIXTURES = Path(__file__).parent / "fixtures" / "un"
LABELLED = {
    row["file"]: row
    for row in map(json.loads, LABELS.read_text(encoding="utf-8").splitlines())
    if (FIXTURES / row["file"]).is_file()
}


@pytest.fixture(scope="module")
def read():
    cache: dict[str, object] = {}

    def read_one(name: str):
        if name not in cache:
            cache[name] = read_document(FIXTURES / name)
        return cache[name]

    return read_one


def test_fixtures_are_small_and_labelled():
    files = sorted(FIXTURES.glob("*.pdf"))
    assert len(files) == 6 and set(LABELLED) == {f.name for f in files}
    assert sum(f.stat().st_size for f in files) <= 3 * 2**20


@pytest.mark.parametrize("name", sorted(LABELLED))
def test_every_labelled_check_holds(name, read):
    result = evaluate_document(LABELLED[name], lambda path: read(path.name), FIXTURES)
    failed = {check: result.got for check, ok in result.checks.items() if ok is False}
    assert not failed, failed


def test_report_masthead_and_numbering(read):
    doc = read("A_80_159.en.pdf")
    assert (doc.symbol, doc.date_iso, doc.kind, doc.organ) == (
        "A/80/159",
        "2025-07-14",
        "report",
        "General Assembly",
    )
    assert title_matches(doc.title, LABELLED["A_80_159.en.pdf"])
    assert [p.number for p in doc.numbered] == list(range(1, 69))
    assert doc.paragraph(17).page == 5
    # The covering letter above the report is searchable, cited by page.
    letter = [p for p in doc.paragraphs if p.kind == TEXT and p.page == 1]
    assert letter and "we were appointed as Co-Chairs" in letter[0].text
    assert letter[0].citation().startswith("p. 1")


def test_joint_symbol_letter_cited_by_page(read):
    doc = read("A_79_815.en.pdf")
    assert doc.symbol == "A/79/815-S/2025/145"
    assert doc.symbols == ("A/79/815", "S/2025/145")
    assert doc.kind == "letter" and not doc.numbered
    pages = {p.page for p in doc.paragraphs if "Sumgait" in p.text}
    assert 2 in pages


def test_resolution_preamble_and_operative_paragraphs(read):
    doc = read("S_RES_2775 (2025).en.pdf")
    assert doc.symbol == "S/RES/2775 (2025)" and doc.kind == "resolution"
    preamble = [p for p in doc.paragraphs if p.kind == PREAMBLE]
    assert len(preamble) == 3
    assert all(p.text.endswith(",") for p in preamble)
    assert preamble[0].citation().startswith("preambular para. 1")
    assert [p.number for p in doc.numbered] == [1, 2]
    assert doc.paragraph(1).text.startswith("Decides")


def test_annex_restarting_numbering_is_cited_with_the_annex(read):
    doc = read("A_79_7_Add.13.en.pdf")
    assert doc.symbol == "A/79/7/Add.13"
    assert [p.number for p in doc.numbered] == list(range(1, 37))
    annexed = [p for p in doc.paragraphs if p.kind == PARAGRAPH and p.annex is not None]
    assert [p.number for p in annexed][:15] == list(range(1, 16))
    four = doc.paragraph(4, annex="")
    assert four is not None and four.citation().startswith("annex, para. 4")
    assert doc.paragraph(10, annex="").page == 16
    assert doc.paragraph(4).citation().startswith("para. 4")  # the body's own para. 4


def test_letter_with_annex_of_numbered_pledges(read):
    doc = read("A_80_91.en.pdf")
    assert doc.kind == "letter"
    pledges = [p for p in doc.paragraphs if p.kind == PARAGRAPH and p.annex == ""]
    assert [p.number for p in pledges] == list(range(1, 10))
    assert pledges[0].page == 2


def test_footnotes_are_units_and_out_of_the_text(read):
    doc = read("A_80_159.en.pdf")
    notes = [p for p in doc.paragraphs if p.kind == FOOTNOTE]
    assert notes and all(p.page for p in notes)
    assert notes[0].citation().startswith("footnote ")
    body = " ".join(p.text for p in doc.paragraphs if p.kind != FOOTNOTE)
    assert "A/80/150." not in body  # the masthead's asterisk footnote stays a footnote


def test_a_paragraph_names_the_footnotes_it_cites(read):
    # A/80/159, p. 5: "… The panellists gave presentations,¹ after which …" (para. 17).
    doc = read("A_80_159.en.pdf")
    assert doc.paragraph(17).notes == ("1",)
    assert doc.unit("footnote/1").text.startswith("Information concerning the panellists")
    assert not doc.paragraph(16).notes and not doc.paragraph(18).notes
    # A/79/7/Add.13, p. 1: para. 2 ends "… on the strategic capital review.¹"
    assert read("A_79_7_Add.13.en.pdf").paragraph(2).notes == ("1",)
