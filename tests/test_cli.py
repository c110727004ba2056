"""The qa command: output, JSON, and exit codes that mean something."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run_qa(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_a_search_that_needs_no_encoder_exits_cleanly(isolated_env):
    # The query encoder's session is set up on a thread while the index loads; a search
    # that answers before it is ready (lexical) must wait for it at exit, not abort the
    # process from inside onnxruntime (it did, about one run in four).
    for _ in range(6):
        out = run_qa("search", "victims IOM", "--mode", "lexical", "-k", "1")
        assert out.returncode == 0, out.stderr
        assert "terminate" not in out.stderr


def test_search_prints_the_citation(isolated_env):
    out = run_qa("search", "How many victims did IOM assist in 2018?")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith(
        "1. para. 57 — III.B.3 International Organization for Migration"
    )


def test_search_prints_a_long_paragraph_by_its_best_sentence_or_whole(isolated_env):
    question = "How many victims did IOM assist in 2018?"
    brief = run_qa("search", question, "-k", "1").stdout
    assert "… In 2018, IOM provided direct assistance to 7,400 victims of trafficking. …" in brief
    whole = run_qa("search", question, "-k", "1", "--full").stdout
    assert len(whole) > 2 * len(brief) and "7,400 victims" in whole


def test_search_json(isolated_env):
    out = run_qa("search", "para 139 (d)", "-k", "2", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert hits[0]["paragraph"] == 139 and hits[0]["item"] == "(d)"
    assert len(hits) == 2


def test_empty_question_is_a_usage_error(isolated_env):
    out = run_qa("search", "   ")
    assert out.returncode == 2
    assert "question is empty" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_corpus_is_an_error(tmp_path):
    out = run_qa(
        "build", "--corpus-dir", str(tmp_path / "none"), "--index-dir", str(tmp_path / "i")
    )
    assert out.returncode == 1
    assert out.stderr.startswith("Error: corpus folder")
    assert "Traceback" not in out.stderr


def test_unknown_model_is_an_error(isolated_env, tmp_path):
    out = run_qa(
        "build",
        "--model",
        str(tmp_path / "no-such-model"),
        "--index-dir",
        str(tmp_path / "i"),
        env={"HF_HUB_OFFLINE": "1"},
    )
    assert out.returncode == 1
    assert "Error: cannot load embedding model" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("k", ["0", "abc"])
def test_bad_k_is_a_usage_error(isolated_env, k):
    out = run_qa("search", "victims", "-k", k)
    assert out.returncode == 2


def test_search_prints_the_footnotes_a_paragraph_cites(
    built_index, encoder, tmp_path_factory, monkeypatch
):
    from click.testing import CliRunner
    from serving import library_dirs

    from qa.cli import main

    corpus, index_dir = library_dirs(built_index, encoder, tmp_path_factory)
    monkeypatch.setenv("QA_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("QA_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("COLUMNS", "100")
    out = CliRunner().invoke(main, ["search", "para. 17", "-d", "A/80/159", "-k", "1"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("1. A/80/159, para. 17")
    source = "   ↳ footnote 1: Information concerning the panellists"
    assert any(line.startswith(source) for line in lines)
