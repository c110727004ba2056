"""Bad input, damaged or mismatched index files, unsafe paths, a following index (LiveIndex)
and `qa doctor`: each case is a clear error naming the fix, or a documented clamp."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import small_report
from hits import assert_valid_hits

from qa import onnx_encoder
from qa.config import MAX_K, MAX_QUESTION_CHARS
from qa.doctor import diagnose, format_report
from qa.errors import CorruptIndexError, InvalidQuestionError, StaleIndexError
from qa.live import LiveIndex
from qa.search import Index, clean_question
from qa.store import _file_hashes, build_index, corpus_files, load_index, read_manifest

IOM = "How many victims did IOM assist in 2018?"


def run_qa(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        capture_output=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


# --- questions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "ما هو عدد ضحايا الاتجار الذين ساعدتهم المنظمة الدولية للهجرة؟",  # Arabic, right-to-left
        "כמה קורבנות סייע IOM בשנת 2018?",  # Hebrew with Latin and digits mixed in
        "国际移民组织在2018年援助了多少名人口贩运受害者？",  # Chinese
        "人身取引の被害者 victims 2018",  # Japanese and English
        "🚨 trafficking victims 👨‍👩‍👧 🙏",  # emoji, with zero-width joiners
        "\u202etrafficking\u202c victims",  # a right-to-left override around a word
    ],
)
def test_any_script_gets_cited_paragraphs(index, question):
    hits = index.search(question, k=5)
    assert 1 <= len(hits) <= 5
    assert_valid_hits(index, hits, 5)


def test_control_and_invisible_characters_change_nothing(index):
    noisy = "\x00How many\x1b[31m victims\u200b did\x7f IOM\u00ad assist\u2028in 2018?\u202e\x85"
    assert clean_question(noisy) == "How many [31m victims did IOM assist in 2018?"
    assert index.search(noisy, k=3)[0].paragraph == 57


def test_padding_cannot_push_the_question_out(index):
    padded = "\x00\u3000 \t\n" * 250_000 + IOM  # 1.25 M characters of blank and NUL
    assert clean_question(padded) == IOM
    assert index.search(padded, k=1)[0].paragraph == 57


def test_a_megabyte_question_is_cut(index):
    huge = IOM + " victims" * 130_000  # about 1 MB
    started = time.perf_counter()
    cleaned = clean_question(huge)
    took = time.perf_counter() - started
    print(f"\nclean_question on {len(huge):,} characters: {took * 1000:.1f} ms")
    assert len(cleaned) <= MAX_QUESTION_CHARS and cleaned.startswith(IOM)
    assert_valid_hits(index, index.search(huge, k=5), 5)


def test_undecodable_bytes_are_a_clear_error(index):
    # What Python makes of invalid UTF-8 on the command line (surrogate escapes).
    question = b"caf\xe9 victims \xff".decode("utf-8", "surrogateescape")
    with pytest.raises(InvalidQuestionError, match="not UTF-8 text"):
        index.search(question)


@pytest.mark.parametrize(
    ("question", "k", "mode", "message"),
    [
        (b"victims", 5, "hybrid", "must be text, not bytes"),
        (57, 5, "hybrid", "must be text, not int"),
        (["victims"], 5, "hybrid", "must be text, not list"),
        ("\x00\x01\x02\u200b", 5, "hybrid", "question is empty"),
        ("victims", 5.0, "hybrid", "whole number"),
        ("victims", None, "hybrid", "whole number"),
        ("victims", float("nan"), "hybrid", "whole number"),
        ("victims", True, "hybrid", "whole number"),
        ("victims", -(10**30), "hybrid", "at least 1"),
        ("victims", 5, None, "unknown mode"),
        ("victims", 5, "HYBRID", "unknown mode"),
        ("victims", 5, ["dense"], "unknown mode"),
    ],
)
def test_wrong_types_and_values_are_value_errors(index, question, k, mode, message):
    with pytest.raises(ValueError, match=message) as raised:
        index.search(question, k=k, mode=mode)
    assert isinstance(raised.value, InvalidQuestionError)


@pytest.mark.parametrize("k", [10**100, np.int64(10**6), np.int32(3)])
def test_k_is_clamped(index, k):
    hits = index.search("victims of trafficking", k=k)
    assert len(hits) == min(int(k), MAX_K)
    assert_valid_hits(index, hits, MAX_K)


def test_module_search_checks_the_question_before_the_index(monkeypatch, tmp_path):
    import qa

    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    with pytest.raises(InvalidQuestionError):
        qa.search(" \x00 ")
    with pytest.raises(InvalidQuestionError):
        qa.search("victims", k=0)
    assert not (tmp_path / "index").exists()  # nothing was built or loaded for a bad question


# --- the command line ---------------------------------------------------------------------------


def test_cli_undecodable_argument_is_a_usage_error(isolated_env):
    out = run_qa("search", b"caf\xe9 \xff victims", env={"LANG": "C.UTF-8"})
    assert out.returncode == 2
    assert b"not UTF-8 text" in out.stderr and b"Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["\x01\x02\x1b"], b"question is empty"),
        (["victims", "-k", "101"], b"-k"),
        (["victims", "-k", "-1"], b"-k"),
        (["victims", "--mode", "fuzzy"], b"--mode"),
    ],
)
def test_cli_bad_arguments_are_usage_errors(isolated_env, args, message):
    out = run_qa("search", *args)
    assert out.returncode == 2
    assert message in out.stderr and b"Traceback" not in out.stderr


def test_cli_long_mixed_script_question(isolated_env, index):
    # 100 kB (one command-line argument holds at most 128 kB on Linux).
    question = "IOM 🚨 人口贩运 ضحايا \x1b[0m victims " + "assistance " * 9_000
    out = run_qa("search", question, "-k", "3", "--json")
    assert out.returncode == 0, out.stderr.decode()
    hits = json.loads(out.stdout)
    assert 1 <= len(hits) <= 3
    for hit in hits:
        paragraph = index.paragraph(hit["document"], hit["ref"])
        assert paragraph is not None and hit["text"] == paragraph.text


# --- index files --------------------------------------------------------------------------------


@pytest.fixture
def copied(built_index, tmp_path):
    """(corpus, index_dir, build folder) of a private copy of the session's index."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_index[0], corpus)
    shutil.copytree(built_index[1], index_dir)
    return corpus, index_dir, index_dir / "builds" / read_manifest(index_dir).build


def write_manifest(index_dir: Path, **changes) -> None:
    data = {**json.loads((index_dir / "manifest.json").read_text()), **changes}
    (index_dir / "manifest.json").write_text(json.dumps(data))


def resign(index_dir: Path) -> None:
    """Record the current files' checksums, as if the build itself had written them wrong:
    then the readers, not the checksums, must catch the damage."""
    build = index_dir / "builds" / read_manifest(index_dir).build
    write_manifest(index_dir, files=_file_hashes(build))


def _faiss_of_dimension(path: Path, n: int, d: int) -> None:
    index = faiss.IndexFlatIP(d)
    index.add(np.random.default_rng(0).random((n, d), dtype=np.float32))
    faiss.write_index(index, str(path))


def _damage(build: Path, how: str) -> None:
    faiss_file = build / "dense.faiss"
    if how == "empty FAISS file":
        faiss_file.write_bytes(b"")
    elif how == "truncated FAISS file":
        faiss_file.write_bytes(faiss_file.read_bytes()[:1000])
    elif how == "random bytes for FAISS":
        faiss_file.write_bytes(np.random.default_rng(1).bytes(faiss_file.stat().st_size))
    elif how == "vectors of another dimension":
        _faiss_of_dimension(faiss_file, len(json.loads((build / "passages.json").read_text())), 8)
    elif how == "one passage fewer than vectors":
        passages = json.loads((build / "passages.json").read_text())
        (build / "passages.json").write_text(json.dumps(passages[:-1]))
    elif how == "passages of another document":
        passages = json.loads((build / "passages.json").read_text())
        passages[5]["ref"] = "9999"
        (build / "passages.json").write_text(json.dumps(passages))
    elif how == "empty documents file":
        (build / "documents.json").write_text("")
    elif how == "truncated BM25 array":
        array = build / "lexical" / "data.csc.index.npy"
        array.write_bytes(array.read_bytes()[:200])
    elif how == "BM25 word beyond its columns":
        vocab = build / "lexical" / "vocab.index.json"
        vocab.write_text(json.dumps({**json.loads(vocab.read_text()), "zzz": 10**6}))
    elif how == "BM25 vocabulary not JSON":
        (build / "lexical" / "vocab.index.json").write_text("{'a': 1")
    else:
        raise AssertionError(how)


DAMAGE = [
    "empty FAISS file",
    "truncated FAISS file",
    "random bytes for FAISS",
    "vectors of another dimension",
    "one passage fewer than vectors",
    "passages of another document",
    "empty documents file",
    "truncated BM25 array",
    "BM25 vocabulary not JSON",
    "BM25 word beyond its columns",
]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_file_is_caught_by_its_checksum(copied, how):
    _corpus, index_dir, build = copied
    _damage(build, how)
    with pytest.raises(CorruptIndexError, match=r"damaged \(checksum differs\).*qa build"):
        load_index(index_dir)


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_file_is_caught_by_its_reader(copied, how):
    _corpus, index_dir, build = copied
    _damage(build, how)
    resign(index_dir)
    with pytest.raises(CorruptIndexError, match="qa build") as raised:
        load_index(index_dir)
    assert "checksum" not in str(raised.value)
    if how == "vectors of another dimension":
        assert "dimension 8" in str(raised.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"passage_count": 10}, "inconsistent"),
        ({"dimension": 512}, "dimension 384, the manifest says 512"),
        ({"build": "../../../etc"}, "not one qa writes"),
        ({"build": "20990101-000000-00000000"}, "is missing"),
        ({"files": {"../../../etc/passwd": "0" * 64}}, "not a file inside the index"),
        ({"files": ["dense.faiss"]}, "field 'files'"),
        ({"dimension": "384"}, "field 'dimension'"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_manifest_that_does_not_match_the_files(copied, changes, message):
    _corpus, index_dir, _build = copied
    write_manifest(index_dir, **changes)
    with pytest.raises(CorruptIndexError, match="qa build") as raised:
        load_index(index_dir)
    assert message in str(raised.value)


@pytest.mark.parametrize("content", ["", "[]", "null", '{"format_version": 1}'])
def test_unreadable_manifest(copied, content):
    _corpus, index_dir, _build = copied
    (index_dir / "manifest.json").write_text(content)
    with pytest.raises(CorruptIndexError, match="unreadable.*qa build"):
        load_index(index_dir)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"model": "paraphrase-multilingual-MiniLM-L12-v2"}, "built with model"),
        ({"parser_version": "0"}, "parser changed"),
        ({"format_version": 99}, "format 99"),
    ],
)
def test_index_from_another_model_parser_or_format_is_stale(copied, changes, message):
    corpus, index_dir, _build = copied
    write_manifest(index_dir, **changes)
    with pytest.raises(StaleIndexError, match="qa build") as raised:
        Index.load(index_dir, corpus_dir=corpus)
    assert message in str(raised.value)


class _Payload:
    """Unpickling this would create the file: proof that something ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickle_in_an_index_file_is_never_run(copied, tmp_path):
    _corpus, index_dir, build = copied
    proof = tmp_path / "ran"
    array = np.array([_Payload(str(proof))], dtype=object)
    np.save(build / "lexical" / "data.csc.index.npy", array, allow_pickle=True)
    resign(index_dir)
    with pytest.raises(CorruptIndexError, match="qa build"):
        load_index(index_dir)
    assert not proof.exists()


def test_index_folder_is_plain_data(built_index):
    import onnx

    files = [p for p in built_index[1].rglob("*") if p.is_file() and p.name != ".build.lock"]
    assert {p.suffix for p in files} <= {".json", ".npy", ".faiss", ".onnx"}
    for path in files:
        assert not path.read_bytes().startswith(b"\x80"), f"{path} looks like a pickle"
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".npy":
            assert np.load(path, allow_pickle=False).dtype != object
        elif path.suffix == ".onnx":
            # Standard operators and onnxruntime's own built-in fused kernels (com.microsoft);
            # no custom-op library is ever registered or loaded.
            model = onnx.load(path)
            # (The optimizer declares other opset domains; only the nodes' domains run.)
            allowed = {"", "ai.onnx", "com.microsoft"}
            assert {n.domain for n in model.graph.node} <= allowed
            assert not model.functions


def test_build_recovers_from_a_wrecked_index(make_corpus, encoder, fresh_index_dir):
    corpus = make_corpus({"r.txt": small_report(["Victims were assisted.", "Funds were given."])})
    index_dir = fresh_index_dir
    first = build_index(corpus, index_dir, encoder)
    # A damaged build, a garbage manifest, a damaged build cache, what killed builds leave.
    (index_dir / "builds" / first.build / "dense.faiss").write_bytes(b"\0" * 10)
    (index_dir / "manifest.json").write_text("{garbage")
    (index_dir / "builds" / ".tmp-20200101-000000-deadbeef").mkdir()
    (index_dir / "builds" / ".tmp-20200101-000000-deadbeef" / "passages.json").write_text("[")
    (index_dir / ".manifest.json.20200101-000000-deadbeef.tmp").write_text("{")
    damaged = list((index_dir / "cache").rglob("*.npy"))  # passage and sentence vectors
    assert damaged
    for cached in damaged:
        cached.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(CorruptIndexError, match="qa build"):
        Index.load(index_dir, corpus_dir=corpus)
    second = build_index(corpus, index_dir, encoder)
    index = Index.load(index_dir, corpus_dir=corpus)
    assert index.search("victims", k=1)[0].paragraph == 1
    assert [p.name for p in (index_dir / "builds").iterdir()] == [second.build]
    assert sorted(p.name for p in index_dir.iterdir()) == [
        ".build.lock",
        "builds",
        "cache",
        "encoder",
        "manifest.json",
    ]


# --- corpus paths -------------------------------------------------------------------------------


def test_corpus_is_only_regular_files_directly_in_the_folder(make_corpus, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not part of the report")
    corpus = make_corpus({"report.txt": small_report(["One."]), "notes.md": "# notes"})
    (corpus / "link-out.txt").symlink_to(outside / "secret.txt")
    (corpus / "dir-link.txt").symlink_to(outside, target_is_directory=True)
    (corpus / "copy.txt").symlink_to(corpus / "report.txt")  # a link inside stays inside
    (corpus / "sub").mkdir()
    (corpus / "sub" / "deeper.txt").write_text("not directly in the folder")
    (corpus / ".hidden.txt").write_text("hidden")
    (corpus / "report.docx").write_bytes(b"PK")  # not a format qa reads
    os.mkfifo(corpus / "pipe.txt")  # reading it would block for ever
    assert [p.name for p in corpus_files(corpus)] == ["copy.txt", "notes.md", "report.txt"]


# --- LiveIndex ----------------------------------------------------------------------------------


@pytest.fixture
def live_setup(make_corpus, encoder, fresh_index_dir):
    """(corpus, index_dir, LiveIndex) over a tiny report, checking the manifest every time."""
    corpus = make_corpus({"r.txt": small_report(["Victims were assisted.", "Funds were given."])})
    index_dir = fresh_index_dir
    build_index(corpus, index_dir, encoder)
    messages = []
    live = LiveIndex(Index(load_index(index_dir), encoder=encoder), index_dir, interval=0)
    live._log = messages.append
    return corpus, index_dir, live, messages


def _wait(condition, timeout: float = 30) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_live_index_switches_to_a_new_build(live_setup, encoder):
    corpus, index_dir, live, messages = live_setup
    old = live.manifest.build
    assert live.search("kangaroo", k=1, mode="lexical") == []
    (corpus / "r.txt").write_text(small_report(["Victims were assisted.", "A kangaroo came."]))
    new = build_index(corpus, index_dir, encoder).build
    # The search that notices the change is answered at once by the old build...
    assert live.search("kangaroo", k=1, mode="lexical") == [] or live.manifest.build == new
    # ...and once the new one is loaded, by the new one.
    assert _wait(lambda: live.search("kangaroo", k=1, mode="lexical") != [])
    assert live.manifest.build == new != old and live.switches == 1
    assert live.documents is live.index.documents and live.passages is live.index.passages
    assert any(f"now serving index build {new}" in m for m in messages)


def test_live_index_keeps_serving_when_the_new_build_is_broken(live_setup, encoder):
    corpus, index_dir, live, messages = live_setup
    old = live.manifest.build
    bad = index_dir / "builds" / "20990101-000000-00000000"
    shutil.copytree(index_dir / "builds" / old, bad)
    (bad / "dense.faiss").write_bytes(b"broken")
    manifest = replace(read_manifest(index_dir), build=bad.name)
    (index_dir / "next.json").write_text(json.dumps(asdict(manifest)))
    os.replace(index_dir / "next.json", index_dir / "manifest.json")
    assert live.reload() is False
    assert live.manifest.build == old and "checksum" in live.last_error
    assert live.search("victims", k=1)[0].paragraph == 1
    assert any("still serving build" in m for m in messages)
    # A build made with a model this machine does not have (and no exported query encoder
    # of its own): still the old one.
    other = index_dir / "builds" / "20990101-000000-00000001"
    shutil.copytree(index_dir / "builds" / old, other)
    files = dict(read_manifest(index_dir).files)
    for name in onnx_encoder.FILES:
        (other / name).unlink(missing_ok=True)
        files.pop(name, None)
    manifest = replace(
        read_manifest(index_dir),
        build=other.name,
        model="no-such-model-here",
        files=files,
        query_encoder="sentence-transformers",
    )
    (index_dir / "next.json").write_text(json.dumps(asdict(manifest)))
    os.replace(index_dir / "next.json", index_dir / "manifest.json")
    assert live.reload() is False
    assert "no-such-model-here" in live.last_error
    assert live.search("victims", k=1)[0].paragraph == 1
    # Removed manifest: still serving; a good build afterwards is picked up.
    (index_dir / "manifest.json").unlink()
    assert live.search("victims", k=1)[0].paragraph == 1
    good = build_index(corpus, index_dir, encoder).build
    assert live.reload() is True and live.manifest.build == good


# --- qa doctor ----------------------------------------------------------------------------------


def test_doctor_on_a_fresh_index(isolated_env):
    out = run_qa("doctor")
    text = out.stdout.decode()
    assert out.returncode == 0, text + out.stderr.decode()
    for name in ("software", "model", "corpus", "index", "fresh", "files"):
        assert f"ok    {name}" in text
    assert "all-MiniLM-L6-v2 (packaged, offline" in text and "torch " in text
    assert "Ready" in text


def test_doctor_says_what_to_run(copied):
    corpus, index_dir, build = copied
    conf_args = ["--corpus-dir", str(corpus), "--index-dir", str(index_dir)]
    report = next(corpus.glob("*.txt"))
    report.write_text(report.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (build / "passages.json").write_text("[]")
    out = run_qa("doctor", *conf_args)
    text = out.stdout.decode()
    assert out.returncode == 1
    assert f"FAIL  fresh     the corpus changed since the index was built ({report.name})" in text
    assert "FAIL  files" in text and "checksum" in text
    assert f"Not ready. Run: qa build --corpus-dir {corpus} --index-dir {index_dir}" in text
    shutil.rmtree(index_dir)
    from qa.config import settings

    checks = diagnose(settings(corpus, index_dir))
    assert [c.name for c in checks if not c.ok] == ["index"]
    assert "no index" in format_report(checks)


def test_doctor_summarises_a_library_instead_of_listing_every_file(tmp_path):
    from qa.doctor import describe_files

    few = [tmp_path / f"r{n}.txt" for n in range(2)]
    many = [tmp_path / f"S_2025_{n}.en.pdf" for n in range(20)] + few
    for path in many:
        path.write_bytes(b"x" * 2048)
    assert describe_files(few) == "r0.txt (2 KB), r1.txt (2 KB)"
    text = describe_files(sorted(many))
    assert text.startswith("22 files (20 pdf, 2 txt; 0 MB): S_2025_0.en.pdf, S_2025_1.en.pdf")
    assert "qa list" in text and "S_2025_19" not in text
