"""`qa add` in batches: every readable file goes in, every other one is skipped with a reason,
odd names work, nothing is half-added, and work per file is bounded in time and memory."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from qa.corpus import ReadCache, add_documents, document_files, load_documents
from qa.document import Document
from qa.errors import CorpusError
from qa.ingest import doc_id_for
from qa.ingest.guard import read_all

FIXTURES = Path(__file__).parent / "fixtures" / "un"


def _bad_files(folder: Path) -> dict[str, str]:
    """Broken inputs, each with the words its skip reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "not a pdf.pdf").write_bytes(b"%PDF-1.4\n garbage that is not a PDF at all \n")
    good = (FIXTURES / "S_2025_497.en.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(good[: len(good) // 3])
    (folder / "blank.txt").write_text("   \n\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 1. r\xe9sum\xe9".encode("latin-1"))
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(FIXTURES / "S_2025_497.en.pdf").pages:
        writer.add_page(page)
    writer.encrypt("secret")
    with open(folder / "locked.pdf", "wb") as fh:
        writer.write(fh)
    return {
        "empty.pdf": "empty",
        "not a pdf.pdf": "not a readable PDF",
        "truncated.pdf": "",
        "blank.txt": "empty",
        "latin1.txt": "not UTF-8",
        "slides.pptx": "not a .pdf, .txt or .md",
        "locked.pdf": "encrypted",
    }


def test_a_folder_goes_in_except_what_cannot_be_read(tmp_path):
    source = tmp_path / "downloads"
    shutil.copytree(FIXTURES, source)
    # Odd names: spaces, brackets, parentheses, an asterisk.
    shutil.copy(FIXTURES / "S_2025_497.en.pdf", source / "S_2025_497 [copy] (1)*.pdf")
    (source / "README.md").write_text("# About this folder\n\nNotes.\n", encoding="utf-8")
    expected_skips = _bad_files(source / "bad")
    corpus = tmp_path / "corpus"
    seen = []
    report = add_documents(
        [source],
        corpus,
        cache=ReadCache(tmp_path / "cache"),
        on_done=lambda path, doc, error, n, total: seen.append((n, total)),
    )
    added = {path.name for path, _ in report.added}
    assert added == {p.name for p in FIXTURES.glob("*.pdf")} | {"S_2025_497 [copy] (1)*.pdf"}
    skipped = {path.name: reason for path, reason in report.skipped}
    assert set(skipped) == set(expected_skips) | {"README.md"}
    for name, words in expected_skips.items():
        assert words in skipped[name], (name, skipped[name])
    assert "not a document" in skipped["README.md"]
    assert seen[-1][0] == seen[-1][1]  # progress reached the end
    # Exactly the added files are in the corpus, whole, and nothing else.
    assert sorted(p.name for p in document_files(corpus)) == sorted(added)
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]
    for path in document_files(corpus):
        assert path.read_bytes() == (source / path.name).read_bytes()
    # What was read is cached: reading the corpus again reads no file.
    documents = load_documents(document_files(corpus), ReadCache(tmp_path / "cache"))
    assert {d.symbol for d in documents} >= {"S/2025/497", "A/80/159", "S/RES/2775 (2025)"}
    odd = next(d for d in documents if d.doc_id.startswith("S_2025_497 ["))
    assert odd.doc_id == doc_id_for(source / "S_2025_497 [copy] (1)*.pdf")


def test_adding_the_same_file_twice_is_harmless_and_a_clash_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    first = add_documents([FIXTURES / "S_2025_497.en.pdf"], corpus)
    again = add_documents([FIXTURES / "S_2025_497.en.pdf"], corpus)
    assert len(first.added) == len(again.added) == 1
    other = tmp_path / "S_2025_497.en.txt"
    other.write_text("1. A different text under the same name.\n", encoding="utf-8")
    clash = add_documents([other], corpus)
    assert not clash.added and "qa remove S_2025_497" in clash.skipped[0][1]
    assert [p.name for p in document_files(corpus)] == ["S_2025_497.en.pdf"]


def _slow_reader(path: Path) -> Document:
    time.sleep(30)
    raise AssertionError("never reached")


def _greedy_reader(path: Path) -> Document:
    hoard = []
    while True:
        hoard.append(bytearray(64 * 2**20))


def _crashing_reader(path: Path) -> Document:
    import os

    os._exit(3)


def test_work_per_file_is_bounded(tmp_path):
    path = FIXTURES / "S_2025_497.en.pdf"
    started = time.monotonic()
    # The time bound is the slow reader's test; the others get room enough that a busy
    # machine cannot stop them on time before they reach the memory bound or crash.
    slow, greedy, crash = (
        read_all([path], reader, seconds=seconds, memory=512 * 2**20)[0]
        for reader, seconds in (
            (_slow_reader, 1.0),
            (_greedy_reader, 15.0),
            (_crashing_reader, 15.0),
        )
    )
    assert time.monotonic() - started < 30
    assert slow.document is None and "longer than 1 s" in slow.error
    assert greedy.document is None and "memory" in greedy.error
    assert crash.document is None and "stopped unexpectedly" in crash.error


def test_a_corpus_file_that_cannot_be_read_names_itself(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(CorpusError, match=r"cannot read broken\.pdf.*qa remove broken"):
        load_documents(document_files(corpus))


def test_cli_add_prints_a_line_per_skip_and_a_summary(built_index, tmp_path):
    from test_cli import run_qa

    corpus, index_dir = built_index
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index_dir, tmp_path / "index")
    env = {"QA_CORPUS_DIR": str(tmp_path / "corpus"), "QA_INDEX_DIR": str(tmp_path / "index")}
    (tmp_path / "empty.pdf").write_bytes(b"")
    out = run_qa(
        "add", str(FIXTURES / "S_RES_2775 (2025).en.pdf"), str(tmp_path / "empty.pdf"), env=env
    )
    assert out.returncode == 0, out.stderr
    assert "Added S_RES_2775 (2025): S/RES/2775 (2025) — 2 paragraphs" in out.stdout
    assert f"Skipped {tmp_path / 'empty.pdf'}: empty.pdf is empty (0 bytes)" in out.stdout
    assert "1 of 2 file(s) added, 1 skipped" in out.stdout
    listed = run_qa("list", env=env).stdout
    assert "S/RES/2775 (2025)" in listed and "resolution" in listed and "2025-02-28" in listed
    out = run_qa("search", "Somalia Al-Shabaab", "--json", "-k", "1", env=env)
    assert '"citation": "S/RES/2775 (2025), ' in out.stdout
    nothing = run_qa("add", str(tmp_path / "empty.pdf"), env=env)
    assert nothing.returncode == 1 and "no file could be added" in nothing.stderr


def test_a_parent_holding_gigabytes_of_address_space_still_reads(tmp_path):
    """The memory bound counts from what a child inherits: a process that holds the model (a
    few GB mapped, little touched) can still read PDFs through the guard."""
    import mmap

    reserve = mmap.mmap(-1, 3 * 2**30)  # mapped, never touched: costs no memory
    try:
        outcome = read_all([FIXTURES / "S_2025_497.en.pdf"], _read_fixture, memory=512 * 2**20)[0]
    finally:
        reserve.close()
    assert outcome.error is None and outcome.document.symbol == "S/2025/497"


def _read_fixture(path: Path) -> Document:
    from qa.corpus import read_file

    return read_file(path)
