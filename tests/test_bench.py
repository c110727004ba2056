"""A tiny run of every benchmark, so `qa bench` keeps working; figures are checked, not timed."""

from __future__ import annotations

import json
import math
import shutil
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import new_index_dir, small_report

from qa.bench import embed as bench_embed
from qa.bench import scale as bench_scale
from qa.bench import serving as bench_serving
from qa.bench import speed
from qa.bench.measure import percentile, run_child, summary_ms
from qa.cli import main
from qa.config import MODES, settings
from qa.search import Index
from qa.store import load_index


@pytest.fixture(scope="module")
def conf(built_index):
    corpus, index_dir = built_index
    return settings(corpus, index_dir)


@pytest.fixture(scope="module")
def onnx_index(built_index):
    return Index(load_index(built_index[1]))


def _positive(summary: dict) -> bool:
    return summary["n"] > 0 and 0 < summary["p50_ms"] <= summary["p95_ms"]


def test_percentile_matches_numpy():
    values = list(np.random.default_rng(1).random(101))
    for q in (0, 50, 95, 100):
        assert math.isclose(percentile(values, q), float(np.percentile(values, q)))
    assert summary_ms([0.001, 0.003])["p50_ms"] == 2.0


def test_child_measurement_is_the_childs_own():
    child = run_child([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"])
    assert (child.returncode, child.stdout) == (3, "hi\n")
    assert child.wall_s > 0 and child.cpu_s > 0
    # Not this test process's memory: a bare interpreter is far below it.
    assert 0 < child.peak_rss_mb < 100


def test_questions_reach_the_target(onnx_index):
    qs = speed.questions(onnx_index)
    assert len(qs) == len(set(qs)) == speed.QUESTION_TARGET


def test_quick_bench_prints_every_figure(conf):
    report = speed.run(conf, quick=True, parts=("floor", "cold", "warm"), log=lambda m: None)
    assert report.settings["query_encoder"] == "OnnxEncoder"
    assert {"python"} <= {k.split(" ")[0] for k in report.floor}
    for figures in (*report.floor.values(), *report.cold.values()):
        assert figures["wall_s"] > 0 and figures["peak_rss_mb"] > 0
    assert [r.mode for r in report.warm] == list(MODES)
    for r in report.warm:
        assert _positive(r.total) and _positive(r.repeated)
        assert set(r.stages) == set(speed.STAGES)
    by_mode = {r.mode: r for r in report.warm}
    assert by_mode["lexical"].stages["encode"]["p50_ms"] == 0  # no model for BM25 alone
    assert _positive(by_mode["dense"].stages["encode"])
    assert _positive(by_mode["hybrid"].stages["lexical"])
    table = speed.format_report(report)
    for mode in MODES:
        assert f"| {mode} |" in table
    assert "| qa search |" in table
    json.dumps(report.to_dict())


def test_cli_bench_writes_json(conf, tmp_path):
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(
        main,
        ["bench", "--quick", "--only", "warm", "--json", str(out)]
        + ["--corpus-dir", str(conf.corpus_dir), "--index-dir", str(conf.index_dir)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [w["mode"] for w in data["warm"]] == list(MODES)
    assert "Warm search latency" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--only", "scale"], "--only scale needs sizes"),
        (["--lexical-only"], "--lexical-only goes with --scale"),
        (["--scale", "10"], "at least 100 passages"),
    ],
)
def test_cli_bench_refuses_options_that_do_not_go_together(args, message):
    result = CliRunner().invoke(main, ["bench", *args])
    assert result.exit_code == 2 and message in result.output


def test_cli_bench_only_scale_runs_the_synthetic_corpora_alone(conf, tmp_path):
    out = tmp_path / "scale.json"
    result = CliRunner().invoke(
        main,
        ["bench", "--only", "scale", "--scale", "2k", "--lexical-only", "--json", str(out)]
        + ["--corpus-dir", str(conf.corpus_dir), "--index-dir", str(conf.index_dir)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["warm"] == [] and data["serving"] == {}
    assert [r["n"] for r in data["scale"]["lexical"]] == [2000]
    assert "| 2,000 |" in result.output


@pytest.mark.slow
def test_build_bench_on_a_small_report(make_corpus, tmp_path):
    corpus = make_corpus(
        {"small.txt": small_report(["Victims were assisted.", "Traffickers were convicted."])}
    )
    conf = settings(corpus, tmp_path / "index")
    figures = speed.build(conf, speed.child_env(conf))
    assert figures["passages"] == 2 and figures["query_encoder"] == "onnx"
    assert figures["passages_per_s"] > 0 and figures["peak_rss_mb"] > 0
    assert figures["stages_s"]["export_query_encoder"] > 0


@pytest.mark.slow
def test_serving_bench_starts_the_app_and_loads_it(conf):
    qs = ["How many victims did IOM assist in 2018?", "What is UNODC?", "para 57"]
    report = bench_serving.run(
        qs, clients=(2,), requests_per_client=3, max_seconds=60, env=speed.child_env(conf)
    )
    start = report.start
    assert 0 < start.port_open_s <= start.first_answer_s
    (result,) = report.load
    assert (result.clients, result.requests, result.errors) == (2, 6, 0)
    assert result.requests_per_s > 0 and _positive(result.latency)
    assert report.settings["search_endpoint"]["queue"] is True
    # The serving process's memory: at its first answer, and now and at its peak after loading.
    assert start.rss_mb and start.rss_mb > 50
    assert report.memory["peak_mb"] >= report.memory["rss_mb"] > 50


def test_memory_of_a_running_process_comes_from_proc():
    import os

    mine = bench_serving.memory_mb(os.getpid())
    assert mine["peak_mb"] >= mine["rss_mb"] > 10
    assert bench_serving.memory_mb(2**22 + 12345) == {}  # no such process: nothing, no error


def test_scale_bench_tiny(onnx_index):
    qs = speed.questions(onnx_index, 8)
    report = bench_scale.run(
        onnx_index, qs, [3000], kinds=["Flat", "SQ8"], log=lambda m: None, min_queries=20
    )
    kinds = {r.kind for r in report.dense}
    assert kinds == {"Flat", "IVF64,Flat", "IVF64,SQ8"}
    exact = next(r for r in report.dense if r.kind == "Flat")
    assert exact.recall_at_10 == 1.0 and exact.size_mb > 0
    assert all(0 < r.recall_at_10 <= 1 for r in report.dense)
    (lexical,) = report.lexical
    assert lexical.n == 3000 and lexical.postings > 3000 and _positive(lexical.query)
    assert "| 3,000 | Flat |" in bench_scale.format_tables(report)


def test_scale_bench_hnsw_variants_differ_in_graph_only():
    """Both HNSW rows are HNSW32; the second is built with a denser graph (efConstruction)."""
    import faiss

    variants = {
        label: (factory, prepare) for label, factory, _, prepare in bench_scale.dense_variants(1000)
    }
    factory, prepare = variants["HNSW32,efC128"]
    index = faiss.index_factory(8, factory, faiss.METRIC_INNER_PRODUCT)
    default = index.hnsw.efConstruction
    prepare(index)
    assert (default, index.hnsw.efConstruction) == (40, 128)
    assert variants["HNSW32"] == ("HNSW32", None)


def test_synthetic_bm25_is_bm25s():
    """The scale benchmark's BM25 matrix scores exactly as bm25s's own index does."""
    import bm25s

    from qa.lexical import LexicalIndex

    rng = np.random.default_rng(3)
    freq = np.full(40, 1 / 40)
    docs, tokens = bench_scale.synthetic_token_ids(300, freq, np.array([5, 12, 30]), rng)
    data, indices, indptr, used = bench_scale.bm25_matrix(docs, tokens, 300)
    words = [f"w{i}" for i in used]
    ours = LexicalIndex(data, indices, indptr, {w: i for i, w in enumerate(words)}, 300)
    texts = [[] for _ in range(300)]
    for d, t in zip(docs.tolist(), tokens.tolist()):
        texts[d].append(f"w{t}")
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(texts, show_progress=False)
    for query in (["w1", "w2"], ["w7"], ["w3", "w3", "w39"]):
        expected = reference.get_scores(query)
        np.testing.assert_allclose(ours.scores(" ".join(query)), expected, rtol=1e-5, atol=1e-6)


# --- embedding a library (qa/bench/embed.py) ------------------------------------------------------

DUMP = """
=== page 1 of 2 ===
United Nations A/80/99
General Assembly
25-01234 (E) 010525
*2501234*
Report of the Secretary-General
1. The present report is submitted pursuant to resolution 79/1. {long}
2. Short.
=== page 2 of 2 ===
A/80/99
2/2 25-01234
3. Member States were invited to share information on victims of trafficking and the
assistance they received in 2024, including shelter, legal aid and medical care.
"""


def test_embed_bench_cuts_pdf_dumps_into_paragraph_sized_passages(tmp_path, encoder):
    long = " ".join(["Victims of trafficking were assisted by the Organization."] * 40)
    (tmp_path / "A_80_99.en.txt").write_text(DUMP.format(long=long), encoding="utf-8")
    docs = bench_embed.library(tmp_path, encoder.count_tokens)
    (passages,) = docs.values()
    # Page markers, symbols, job numbers dropped; paragraph 1 (320 words) cut into 4 windows
    # of 80 words; "2. Short." too short to keep; paragraph 3 joined across its lines.
    assert len(passages) == 5
    assert all(30 <= encoder.count_tokens(p) <= 250 for p in passages)
    assert passages[0].startswith("The present report is submitted")
    assert not any("25-01234" in p or "=== page" in p or "A/80/99" in p for p in passages)
    assert passages[-1].startswith("Member States were invited")
    assert "the\nassistance" not in passages[-1] and "and the assistance" in passages[-1]


def test_embed_bench_samples_runs_of_neighbours():
    passages = [str(i) for i in range(1000)]
    picked = bench_embed.sample(passages, 200, run=50)
    assert len(picked) == 200
    assert picked[:2] == ["0", "1"] and picked[50] == "250"  # runs of 50, spread evenly
    assert bench_embed.sample(passages[:10], 200) == passages[:10]
    assert bench_embed.fill([10, 10, 5, 5], [np.array([0, 1]), np.array([2, 3])]) == 1.0
    assert bench_embed.fill([10, 5], [np.array([0, 1])]) == 0.75


@pytest.mark.slow
def test_embed_bench_quick_prints_every_figure(tmp_path, built_index):
    texts = tmp_path / "texts"
    texts.mkdir()
    for n in range(3):
        paragraphs = "\n".join(
            f"{i}. Report {n} paragraph {i}: victims of trafficking were assisted in "
            f"{2000 + i} by States, United Nations entities and civil society organizations, "
            "which offered shelter, legal aid and medical care to every victim identified."
            for i in range(1, 30)
        )
        (texts / f"r{n}.txt").write_text(paragraphs, encoding="utf-8")
    # An index folder with the model's export, as after `qa build`: the bench uses it.
    conf = settings(texts, new_index_dir(built_index, tmp_path / "index"))
    figures = bench_embed.run(conf, speed.child_env(conf), texts, quick=True, log=lambda m: None)
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["encoder"]  # read only
    assert figures["passages"] == 87 and figures["documents"] == 3
    routes = {r["route"]: r for r in figures["routes"]}
    before = routes["sentence-transformers, batches of 32 in corpus order (before)"]
    assert before["best"] > 0 and before["cosine_min"] > 0.999
    assert all(r["cosine_min"] >= 0.999 for r in routes.values())
    assert figures["library"]["cosine_min"] >= 0.999
    builds = figures["builds"]
    assert builds["fresh"]["embedded"] == builds["fresh"]["passages"] > 0
    assert builds["unchanged"]["embedded"] == 0
    assert 0 < builds["add_one"]["embedded"] < builds["add_one"]["passages"]
    assert builds["killed"]["returncode"] == -9 and not builds["killed"]["manifest_written"]
    assert builds["resumed"]["same_vectors_as_fresh"] >= 0.999
    table = bench_embed.format_report(figures)
    assert "| ONNX, length-sorted, batch 16, 2 batches side by side |" in table
    assert "Killed with SIGKILL" in table
    json.dumps(figures)


def test_cli_embed_bench_on_one_report_says_what_to_give(conf, tmp_path):
    """One document cannot show a build resumed or a report added: an error, not a traceback."""
    texts = tmp_path / "one"
    texts.mkdir()
    shutil.copy(next(conf.corpus_dir.glob("*.txt")), texts)
    result = CliRunner().invoke(
        main,
        ["bench", "--only", "embed", "--texts", str(texts)]
        + ["--corpus-dir", str(conf.corpus_dir), "--index-dir", str(tmp_path / "index")],
    )
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and "--texts DIR" in result.output
