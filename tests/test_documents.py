"""More than one report: PDF, plain text and Markdown layouts, symbols in citations, filters."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import new_index_dir, small_report

from qa.corpus import add_document, document_files, load_document, remove_document
from qa.errors import CorpusError, InvalidQuestionError
from qa.search import Index
from qa.store import build_index, load_index, passage_vectors

FULL = (
    "2. Member States reported new laws on trafficking in persons. Several countries adopted "
    "national traf-",
    "ficking action plans and created special police units to investigate such cases, and this",
)


def make_pdf(path):
    """A two-page UN-style report with a symbol header on each page, page numbers, a running
    footer, a word hyphenated across a line end and a paragraph broken by the page."""
    from fpdf import FPDF

    pages = [
        [
            "A/71/119",
            "General Assembly",
            "Distr.: General",
            "1 July 2016",
            "Seventy-first session",
            "Improving the coordination of efforts against trafficking in persons",
            "Report of the Secretary-General",
            "I. Introduction",
            "1. The General Assembly requested a report on the coordination of efforts against",
            "trafficking in persons by the United Nations system.",
            *FULL,
            "16-10234",
            "1",
        ],
        [
            "A/71/119",
            "sentence continues on the next page and ends with the seizure of 14 fishing boats.",
            "II. Recommendations",
            "3. It is recommended that the General Assembly consider the following actions:",
            "(a) Encourage Member States to share data on convictions;",
            "(b) Invite donors to support the voluntary trust fund for victims.",
            "16-10234",
            "2",
        ],
    ]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=10)
    for lines in pages:
        pdf.add_page()
        for n, line in enumerate(lines):
            pdf.text(15, 20 + 8 * n, line)
    pdf.output(str(path))
    return path


SYMBOL_TEXT = """A/76/120

General Assembly

Distr.: General
2 July 2021

Seventy-sixth session

Item 24 of the provisional agenda

Trafficking in women and girls

Report of the Secretary-General

I. Introduction

1. This report covers measures to protect women and girls from trafficking, including shelters.

II. Trends

2. Online recruitment of victims grew sharply during the pandemic, according to police reports.

3. Several States opened hotlines staffed by survivors.
"""

MARKDOWN_TEXT = """# Note by the Secretariat

## I. Overview

1. The Secretariat organized four regional workshops on forced labour in fishing fleets.

## II. Follow-up

2. Participants recommended the following:

- (a) Inspect vessels at sea;
- (b) Train labour inspectors.
"""


def test_pdf_layout(tmp_path):
    doc = load_document(make_pdf(tmp_path / "a-71-119.pdf"))
    assert doc.symbol == "A/71/119"
    assert doc.date == "1 July 2016"
    assert doc.title == "Improving the coordination of efforts against trafficking in persons"
    assert [p.number for p in doc.paragraphs] == [1, 2, 3]
    p2 = doc.paragraph(2).text
    assert "national trafficking action plans" in p2  # hyphenation joined
    assert "such cases, and this sentence continues on the next page" in p2  # page break joined
    all_text = " ".join(p.text for p in doc.paragraphs)
    assert "A/71/119" not in all_text and "16-10234" not in all_text
    assert [i.label for i in doc.paragraph(3).items] == [("a",), ("b",)]
    assert doc.paragraph(3).section_code == "II"


def test_plain_text_with_symbol_and_no_subsections(tmp_path):
    path = tmp_path / "a-76-120.txt"
    path.write_text(SYMBOL_TEXT, encoding="utf-8")
    doc = load_document(path)
    assert (doc.symbol, doc.date, doc.title) == (
        "A/76/120",
        "2 July 2021",
        "Trafficking in women and girls",
    )
    assert [p.number for p in doc.paragraphs] == [1, 2, 3]
    assert doc.paragraph(3).citation() == "para. 3 — II Trends"
    assert doc.label == "A/76/120"


def test_markdown_layout_without_symbol(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(MARKDOWN_TEXT, encoding="utf-8")
    doc = load_document(path)
    assert doc.symbol is None
    assert [p.number for p in doc.paragraphs] == [1, 2]
    assert doc.paragraph(2).section_code == "II"
    assert [i.text for i in doc.paragraph(2).items] == [
        "Inspect vessels at sea;",
        "Train labour inspectors.",
    ]


def test_sidecar_overrides_metadata(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(MARKDOWN_TEXT, encoding="utf-8")
    (tmp_path / "note.meta.json").write_text(
        json.dumps({"symbol": "E/CN.15/2020/9", "date": "3 March 2020"})
    )
    doc = load_document(path)
    assert doc.symbol == "E/CN.15/2020/9"
    assert doc.label == "E/CN.15/2020/9"


def test_label_without_symbol_uses_short_title_and_date(document):
    assert document.label == "Improving the coordination of efforts against… (18 June 2019)"


def test_add_refuses_what_it_cannot_parse_and_copies_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bad = tmp_path / "notes.txt"
    bad.write_text("just prose, no numbered paragraphs", encoding="utf-8")
    with pytest.raises(CorpusError, match="cannot parse"):
        add_document(bad, corpus)
    assert list(corpus.iterdir()) == []
    docx = tmp_path / "report.docx"
    docx.write_text("not supported", encoding="utf-8")
    with pytest.raises(CorpusError, match="not a .pdf, .txt or .md"):
        add_document(docx, corpus)
    assert list(corpus.iterdir()) == []


def test_add_refuses_a_second_document_of_the_same_name(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-76-120.txt").write_text(SYMBOL_TEXT, encoding="utf-8")
    other = tmp_path / "a-76-120.md"
    other.write_text(MARKDOWN_TEXT, encoding="utf-8")
    with pytest.raises(CorpusError, match="qa remove a-76-120"):
        add_document(other, corpus)


@pytest.fixture
def two_reports(built_index, tmp_path, encoder):
    """The real report's index, then a PDF report added incrementally."""
    corpus, index_dir = built_index
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index_dir, tmp_path / "index")
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    add_document(make_pdf(tmp_path / "a-71-119.pdf"), corpus)
    embedded = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed":  # passages (sentences and words have stages of their own)
            embedded.append(total)

    build_index(corpus, index_dir, encoder, progress=progress)
    return corpus, index_dir, max(embedded)


def test_incremental_build_embeds_only_the_new_document(two_reports, encoder):
    corpus, index_dir, embedded = two_reports
    stored = load_index(index_dir)
    new_passages = [p for p in stored.passages if p.doc_id == "a-71-119"]
    assert embedded == len(new_passages) < len(stored.passages)
    assert stored.manifest.document_count == 2


def test_a_new_reader_embeds_only_what_reads_otherwise(
    make_corpus, built_index, tmp_path, encoder, monkeypatch
):
    """Vectors are kept by the texts the model reads (qa/reuse.py): a new parser version (or
    a changed file) re-reads every document but embeds only the passages and sentences no
    cached document holds."""
    corpus = make_corpus(
        {
            "r.txt": small_report(["Victims were assisted by IOM.", "Shelters were opened."]),
            "s.txt": small_report(["Fishing boats were seized in the bay.", "Crews went home."]),
        }
    )
    index_dir = new_index_dir(built_index, tmp_path / "index")
    build_index(corpus, index_dir, encoder)
    cache = index_dir / "cache"
    # A cache from before vectors carried their texts' hashes gains them at the next build.
    hashes = sorted(cache.rglob("*.texts.npy"))
    assert [p.parent.name for p in hashes] == ["passages"] * 2 + ["sentences"] * 2
    for path in hashes:
        path.unlink()
    build_index(corpus, index_dir, encoder)
    assert sorted(cache.rglob("*.texts.npy")) == hashes
    before = load_index(index_dir)
    embedded: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage in ("embed", "sentences"):
            embedded[stage] = max(embedded.get(stage, 0), total)

    monkeypatch.setattr("qa.store.PARSER_VERSION", "a reader of tomorrow")
    (corpus / "s.txt").write_text(
        small_report(["Fishing boats were seized at sea.", "Crews went home."])
    )
    build_index(corpus, index_dir, encoder, progress=progress)
    after = load_index(index_dir)
    # One paragraph of s reads otherwise: its passage and its sentence are embedded, no more.
    assert embedded == {"embed": 1, "sentences": 1}

    def vectors(stored, doc_id: str, ref: str) -> np.ndarray:
        ids = [p.id for p in stored.passages if p.doc_id == doc_id and p.ref == ref]
        return passage_vectors(stored)[ids]

    for doc_id, ref in (("r", "1"), ("r", "2"), ("s", "2")):
        np.testing.assert_array_equal(vectors(after, doc_id, ref), vectors(before, doc_id, ref))
    assert not np.array_equal(vectors(after, "s", "1"), vectors(before, "s", "1"))
    # A reused sentence has the vector it had; only the current documents stay cached.
    np.testing.assert_array_equal(after.sentences[0][-1], before.sentences[0][-1])
    assert len(list((cache / "passages").glob("*.texts.npy"))) == 2
    assert len(list((cache / "sentences").glob("*.texts.npy"))) == 2


def test_full_rebuild_equals_incremental(make_corpus, built_index, tmp_path, encoder):
    """A report indexed, a PDF added incrementally; then both built afresh: the same index.
    (A small report: a full rebuild of the real one re-embeds all of it, 12 s more.)"""
    corpus = make_corpus(
        {"r.txt": small_report(["Victims were assisted by IOM.", "(a) Shelters; (b) Legal aid."])}
    )
    index_dir = new_index_dir(built_index, tmp_path / "index")
    build_index(corpus, index_dir, encoder)
    add_document(make_pdf(tmp_path / "a-71-119.pdf"), corpus)
    build_index(corpus, index_dir, encoder)
    incremental = load_index(index_dir)
    assert incremental.manifest.document_count == 2
    fresh = build_index(corpus, new_index_dir(built_index, tmp_path / "fresh"), encoder)
    full = load_index(tmp_path / "fresh")
    assert fresh.passage_count == incremental.manifest.passage_count
    assert full.passages == incremental.passages
    assert full.documents == incremental.documents
    np.testing.assert_allclose(passage_vectors(full), passage_vectors(incremental), atol=1e-5)


def test_search_across_both_or_either(two_reports, encoder):
    corpus, index_dir, _ = two_reports
    index = Index(load_index(index_dir), encoder=encoder)
    hit = index.search("How many fishing boats were seized?", k=3)[0]
    assert hit.document == "a-71-119"
    assert hit.citation == "A/71/119, para. 2 — I Introduction"
    assert hit.document_symbol == "A/71/119"
    only_2019 = index.search(
        "How many fishing boats were seized?", k=5, documents=[corpus_doc(corpus)]
    )
    assert {h.document for h in only_2019} == {corpus_doc(corpus)}
    assert only_2019[0].citation.startswith(
        "Improving the coordination of efforts against… (18 June 2019), para."
    )
    iom = index.search("How many victims did IOM assist in 2018?", k=1)[0]
    assert iom.paragraph == 57
    refs = index.search("para 3 (b)", k=2)
    assert {h.document for h in refs} == {"a-71-119", corpus_doc(corpus)}
    with pytest.raises(InvalidQuestionError, match="unknown document"):
        index.search("victims", documents=["nope"])


def corpus_doc(corpus) -> str:
    return next(p.stem for p in document_files(corpus) if p.suffix == ".txt")


def test_removed_document_leaves_the_index(two_reports, encoder):
    corpus, index_dir, _ = two_reports
    remove_document("a-71-119", corpus)
    build_index(corpus, index_dir, encoder)
    stored = load_index(index_dir)
    assert {p.doc_id for p in stored.passages} == {corpus_doc(corpus)}
    assert stored.manifest.document_count == 1
    cached = {p.name.split(".")[0] for p in (index_dir / "cache").iterdir() if p.is_file()}
    assert len(cached) == 1  # the removed document's cache entry is pruned too
    assert len(list((index_dir / "cache" / "read").iterdir())) == 1  # and what was read of it


def test_cli_add_list_search_remove(built_index, tmp_path):
    from test_cli import run_qa

    corpus, index_dir = built_index
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index_dir, tmp_path / "index")
    env = {"QA_CORPUS_DIR": str(tmp_path / "corpus"), "QA_INDEX_DIR": str(tmp_path / "index")}
    text = tmp_path / "women.txt"
    text.write_text(SYMBOL_TEXT, encoding="utf-8")
    out = run_qa("add", str(text), env=env)
    assert out.returncode == 0, out.stderr
    assert "Added women: A/76/120 — 3 paragraphs" in out.stdout
    listed = json.loads(run_qa("list", "--json", env=env).stdout)
    assert [(d["id"], d["symbol"]) for d in listed][-1] == ("women", "A/76/120")
    rows = run_qa("list", env=env).stdout.splitlines()
    assert rows[-1].startswith("2 document(s) in ")
    # Each row starts with the id `qa remove` and `-d` take; columns line up: each kind
    # starts where the longest id's and the longest symbol's columns end.
    assert rows[-2].startswith("women ") and rows[0].startswith(corpus_doc(corpus) + " ")
    id_width = max(len("women"), len(corpus_doc(corpus)))
    assert {row.index(" report ") for row in rows[:-1]} == {id_width + 1 + len("A/76/120")}
    out = run_qa("search", "hotlines staffed by survivors", "-d", "women", "--json", env=env)
    assert json.loads(out.stdout)[0]["citation"] == "A/76/120, para. 3 — II Trends"
    out = run_qa("remove", "A/76/120", env=env)  # by its symbol, as -d takes it
    assert out.returncode == 0, out.stderr
    assert "Removed" in out.stdout and "women.txt" in out.stdout
    out = run_qa("remove", "women", env=env)
    assert out.returncode == 1 and "Error: no document 'women'" in out.stderr
    out = run_qa("remove", "trafficking-in-persons-coordination", env=env)
    assert out.returncode == 1 and "did you mean trafficking-in-persons-coordination-" in out.stderr
