"""Index on disk: round trip, determinism, staleness, damage, atomic replacement, resuming."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import small_report
from fake_encoder import FakeEncoder

from qa.config import PROJECT_DIR
from qa.errors import CorpusError, CorruptIndexError, IndexMissingError, StaleIndexError
from qa.search import Index
from qa.store import _chunks, build_index, load_index, passage_vectors, read_manifest, staleness

TESTS_DIR = Path(__file__).resolve().parent


def test_round_trip(built_index):
    corpus, index_dir = built_index
    stored = load_index(index_dir)
    assert stored.manifest.paragraph_count == 139
    assert stored.manifest.passage_count == len(stored.passages) == stored.dense_index.ntotal
    assert stored.documents[0].paragraph(57).citation().startswith("para. 57 — III.B.3")
    assert staleness(stored.manifest, corpus, "all-MiniLM-L6-v2") is None
    assert stored.acronyms["IOM"] == "International Organization for Migration"


def test_manifest_records_what_it_was_built_from(built_index):
    manifest = json.loads((built_index[1] / "manifest.json").read_text())
    for key in ("model", "dimension", "corpus_hash", "parser_version", "passage_count", "built_at"):
        assert key in manifest
    assert manifest["dimension"] == 384


def _copy(built_index, tmp_path):
    corpus, index_dir = built_index
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index_dir, tmp_path / "index")
    return tmp_path / "corpus", tmp_path / "index"


def test_building_twice_gives_the_same_index(built_index, tmp_path, encoder):
    corpus, index_dir = _copy(built_index, tmp_path)
    first = load_index(index_dir)
    build_index(corpus, index_dir, encoder)
    second = load_index(index_dir)
    assert first.manifest.build != second.manifest.build
    assert first.passages == second.passages
    assert first.documents == second.documents
    np.testing.assert_allclose(passage_vectors(first), passage_vectors(second), atol=1e-6)
    # The previous build is kept for readers still using it; older ones are pruned.
    assert len(list((index_dir / "builds").iterdir())) == 2


def test_edited_corpus_makes_the_index_stale(built_index, tmp_path):
    corpus, index_dir = _copy(built_index, tmp_path)
    report = next(corpus.glob("*.txt"))
    report.write_text(report.read_text() + "\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="qa build"):
        Index.load(index_dir, corpus_dir=corpus)


def test_other_model_makes_the_index_stale(built_index):
    corpus, index_dir = built_index
    with pytest.raises(StaleIndexError, match="model"):
        Index.load(index_dir, corpus_dir=corpus, model="another-model")


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissingError, match="qa build"):
        read_manifest(tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "delete", "garbage_manifest"])
def test_damaged_index_is_detected(built_index, tmp_path, damage):
    corpus, index_dir = _copy(built_index, tmp_path)
    build = index_dir / "builds" / read_manifest(index_dir).build
    if damage == "truncate":
        data = (build / "dense.faiss").read_bytes()
        (build / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "delete":
        (build / "passages.json").unlink()
    else:
        (index_dir / "manifest.json").write_text("{not json")
    with pytest.raises(CorruptIndexError, match="qa build"):
        load_index(index_dir)


def test_failed_build_leaves_the_previous_index(built_index, tmp_path, encoder):
    corpus, index_dir = _copy(built_index, tmp_path)
    before = read_manifest(index_dir)
    for f in corpus.iterdir():
        f.write_text("no numbered paragraphs here", encoding="utf-8")
    with pytest.raises(CorpusError):
        build_index(corpus, index_dir, encoder)
    assert read_manifest(index_dir) == before
    assert load_index(index_dir).manifest.passage_count == before.passage_count
    assert not [p for p in (index_dir / "builds").iterdir() if p.name.startswith(".tmp")]


def test_missing_corpus_folder(tmp_path, encoder):
    with pytest.raises(CorpusError, match="does not exist"):
        build_index(tmp_path / "nope", tmp_path / "index", encoder)


# --- embedding in chunks, and resuming a killed build -----------------------------------------

_KILLED_BUILD = """
import sys
import qa.store
from fake_encoder import FakeEncoder
from pathlib import Path

qa.store.EMBED_CHUNK = 3
qa.store.build_index(Path(sys.argv[1]), Path(sys.argv[2]), FakeEncoder(kill_after=2))
"""


def test_killed_build_keeps_finished_documents_and_resumes(make_corpus, tmp_path, monkeypatch):
    """SIGKILL during the second chunk: the first chunk's documents are cached, and the next
    build embeds only the others; the index equals one built in one go."""
    reports = {
        f"r{n}.txt": small_report([f"Report {n} says victims were assisted.", f"Fund {n} grew."])
        for n in range(6)
    }
    corpus = make_corpus(reports)
    index_dir = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), str(TESTS_DIR)])}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BUILD, str(corpus), str(index_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (index_dir / "manifest.json").exists()
    # Chunks of at least 3 passages: two 2-passage documents each; the first chunk is done.
    assert len(list((index_dir / "cache").glob("*.json"))) == 2

    monkeypatch.setattr("qa.store.EMBED_CHUNK", 3)
    resumed = FakeEncoder()
    manifest = build_index(corpus, index_dir, resumed)
    assert manifest.document_count == 6 and manifest.passage_count == 12
    # The encoder also embeds sentences and words (qa/grains.py, qa/expansion.py): count
    # the passages' texts only.
    passage_texts = {p.embed_text for p in load_index(index_dir).passages}
    passages = [t for t in resumed.embedded if t in passage_texts]
    assert len(passages) == 8  # the four documents not cached, two passages each
    assert not any("Report 0 " in t or "Report 1 " in t for t in passages)

    fresh = FakeEncoder()
    build_index(corpus, tmp_path / "fresh", fresh)
    assert len([t for t in fresh.embedded if t in passage_texts]) == 12
    np.testing.assert_array_equal(
        passage_vectors(load_index(index_dir)), passage_vectors(load_index(tmp_path / "fresh"))
    )


def test_chunks_close_when_they_reach_the_target():
    assert _chunks([10, 11, 12, 13, 14], [2, 1, 5, 1, 1], 3) == [[10, 11], [12], [13, 14]]
    assert _chunks([], [], 3) == []


def _age(path: Path, seconds: float = 60.0) -> None:
    """Set a file's modification time in the past (as a file that has sat on disk)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))


def test_digests_are_remembered_by_size_and_time(tmp_path):
    from qa.digests import DigestCache

    old, fresh = tmp_path / "old.txt", tmp_path / "fresh.txt"
    old.write_text("one")
    fresh.write_text("two")
    _age(old)
    calls = []

    def compute(path):
        calls.append(path.name)
        return path.read_text()

    cache = DigestCache(tmp_path / "stat" / "digests.json")
    assert cache.digest(old, compute) == "one" and cache.digest(fresh, compute) == "two"
    cache.save()
    again = DigestCache(tmp_path / "stat" / "digests.json")
    assert again.digest(old, compute) == "one" and again.digest(fresh, compute) == "two"
    # Only the file written just now (within the clock's reach of a change) is hashed again.
    assert calls == ["old.txt", "fresh.txt", "fresh.txt"]
    old.write_text("ONE")  # same size, new time
    assert again.digest(old, compute) == "ONE"


def test_a_changed_corpus_file_is_seen_through_remembered_digests(built_index, tmp_path):
    corpus, index_dir = _copy(built_index, tmp_path)
    for path in corpus.iterdir():
        _age(path)
    manifest = read_manifest(index_dir)
    model = manifest.model
    assert staleness(manifest, corpus, model, index_dir) is None
    assert (index_dir / "cache" / "stat" / "corpus.json").is_file()
    report = next(p for p in corpus.iterdir() if p.suffix == ".txt")
    report.write_text(report.read_text().replace("trafficking", "traffickinG", 1))
    assert "corpus changed" in staleness(manifest, corpus, model, index_dir)


def test_qa_doctor_verifies_every_byte_of_the_index(built_index, tmp_path):
    _corpus, index_dir = _copy(built_index, tmp_path)
    build = index_dir / "builds" / read_manifest(index_dir).build
    for path in build.rglob("*"):
        if path.is_file():
            _age(path)
    load_index(index_dir)  # verified once: its digests are remembered
    target = build / "passages.json"
    stat = target.stat()
    data = bytearray(target.read_bytes())
    data[-3] = ord("x") if data[-3] != ord("x") else ord("y")
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time
    with pytest.raises(CorruptIndexError, match="checksum differs"):
        load_index(index_dir, remembered=False)


def test_reading_an_index_leaves_the_collector_as_it_was(built_index, tmp_path):
    """The collector pauses while an index is read (qa/store.py), whether the read succeeds or
    the index is damaged, and is on again after."""
    import gc

    _, index_dir = built_index
    load_index(index_dir)
    assert gc.isenabled()
    broken = tmp_path / "index"
    shutil.copytree(index_dir, broken)
    build = broken / "builds" / read_manifest(broken).build
    (build / "passages.json").write_text("[{", encoding="utf-8")
    with pytest.raises(CorruptIndexError):
        load_index(broken, verify=False)
    assert gc.isenabled()
    gc.disable()
    try:
        load_index(index_dir)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_a_search_does_not_replace_an_index_built_from_another_folder(built_index, tmp_path):
    # `QA_CORPUS_DIR` unset in a shell where it was set for the build: the library's index
    # would have been rebuilt from the one report, and its vectors thrown away.
    from qa.config import settings
    from qa.search import open_index

    corpus, index_dir = _copy(built_index, tmp_path)
    manifest_path = index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["corpus_files"] |= {f"S_2025_{n}.en.pdf": "0" * 64 for n in range(3)}
    manifest["corpus_hash"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    before = manifest_path.read_bytes()
    with pytest.raises(StaleIndexError, match=r"3 of which are not in .*QA_CORPUS_DIR"):
        open_index(settings(corpus, index_dir), log=lambda msg: None)
    assert manifest_path.read_bytes() == before
