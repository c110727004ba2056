"""The ONNX encoder gives sentence-transformers' vectors and rankings, without torch: for
questions at search time and for passages at build time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from hits import assert_same_rankings, with_passage_vectors

import qa.onnx_encoder
from qa.config import PROJECT_DIR
from qa.embed import Encoder
from qa.evaluate.retrieval import QUESTION_SETS, load_questions
from qa.onnx_encoder import (
    FILES,
    OnnxEncoder,
    _export_apart,
    _pooling,
    available,
    cached_export,
    export,
    export_key,
)
from qa.search import Index
from qa.store import _document_encoder, load_index, passage_vectors, read_manifest

# The report's questions, in its own words and in others (150): rankings are compared on the
# report's index, which the library's questions are not about.
QUESTIONS = [
    q.question for name in ("dev", "paraphrase") for q in load_questions(QUESTION_SETS[name])
]
# Heavy packages that answering a question from the command line must not import.
HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "gradio", "scipy", "numba")


@pytest.fixture(scope="session")
def build_folder(built_index):
    index_dir = built_index[1]
    return index_dir / "builds" / read_manifest(index_dir).build


@pytest.fixture(scope="session")
def onnx_encoder(build_folder):
    return OnnxEncoder(build_folder)


def test_build_exports_the_query_encoder(built_index, build_folder):
    manifest = read_manifest(built_index[1])
    assert manifest.query_encoder == "onnx"
    assert all(name in manifest.files for name in FILES)
    assert available(build_folder, manifest.files)
    assert manifest.timings["export_query_encoder"] > 0


def test_export_fuses_attention_into_onnxruntime_kernels(build_folder, encoder):
    """The graph is traced with eager attention, so the optimizer fuses every layer's
    attention (the main speed-up, docs/performance.md); the model keeps its own attention."""
    import onnx

    graph = onnx.load(str(build_folder / "query_encoder.onnx")).graph
    ops = [node.op_type for node in graph.node]
    layers = encoder.model[0].auto_model.config.num_hidden_layers
    assert json.loads((build_folder / "query_encoder.json").read_text())["fused"] is True
    assert ops.count("Attention") == layers and "Softmax" not in ops
    assert encoder.model[0].auto_model.config._attn_implementation != "eager"


def test_same_vectors_as_sentence_transformers(encoder, onnx_encoder):
    questions = QUESTIONS + ["IOM", "victims " * 400, "¿Qué dice el informe sobre la trata?"]
    reference = encoder.encode_queries(questions)
    vectors = onnx_encoder.encode_queries(questions)
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= 0.999, questions[int(cosines.argmin())]


def test_one_at_a_time_equals_batched(onnx_encoder):
    # A batch pads short questions; padding must not change their vectors.
    questions = QUESTIONS[:12]
    batched = onnx_encoder.encode_queries(questions)
    single = np.vstack([onnx_encoder.encode_queries([q]) for q in questions])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    assert onnx_encoder.encode_queries([]).shape == (0, onnx_encoder.dimension)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_same_rankings_on_the_evaluation_questions(built_index, index, mode):
    onnx_index = Index(load_index(built_index[1]))
    assert isinstance(onnx_index.encoder, OnnxEncoder)
    assert not isinstance(index.encoder, OnnxEncoder)
    for question in QUESTIONS:
        expected = [(h.paragraph, h.item) for h in index.search(question, k=10, mode=mode)]
        got = [(h.paragraph, h.item) for h in onnx_index.search(question, k=10, mode=mode)]
        assert got == expected, question


def test_index_without_export_falls_back_to_sentence_transformers(built_index, build_folder):
    stored = load_index(built_index[1])
    assert Index(stored).encoder.__class__ is OnnxEncoder
    stored.folder = None  # as an index built before the export existed
    assert Index(stored).encoder.__class__ is Encoder


def test_models_with_other_layers_are_not_exported(tmp_path, encoder):
    model = tmp_path / "model"
    model.mkdir()
    for name in ("tokenizer.json", "config.json"):
        (model / name).write_bytes((encoder.source / name).read_bytes())
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    (model / "modules.json").write_text(json.dumps(modules))
    other = Encoder(str(model))
    out = tmp_path / "out"
    out.mkdir()
    assert export(other, out) == []
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_cli_search_imports_no_heavy_package(isolated_env):
    """`qa search` answers with onnxruntime: torch, transformers, gradio… stay unloaded."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qa", "search", "IOM victims 2018", "-k", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "para. 57" in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "onnxruntime" in imported
    assert not imported.intersection(HEAVY), sorted(imported.intersection(HEAVY))


# --- passages: the build embeds them with the export ---------------------------------------------


def test_build_embeds_passages_as_the_model_does(built_index, model_passage_vectors):
    """The built index holds the ONNX export's passage vectors; they are the model's."""
    built = passage_vectors(load_index(built_index[1]))
    assert built.shape == model_passage_vectors.shape
    cosines = (built * model_passage_vectors).sum(axis=1)
    assert cosines.min() >= 0.999, int(cosines.argmin())


def test_passages_in_any_order_get_the_same_vectors(onnx_encoder, passage_texts):
    """Sorting by length, padding per batch and running batches side by side change nothing:
    the vectors come back in the order given, equal to the texts encoded one at a time."""
    texts = passage_texts[:24]
    vectors = onnx_encoder.encode_documents(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = onnx_encoder.encode_documents([texts[i] for i in order], batch_size=7)
    np.testing.assert_allclose(shuffled, vectors[order], atol=1e-5)
    # Batches side by side (one thread each) or one at a time (on all threads): the same.
    for workers in (1, 2, 3):
        got = onnx_encoder.encode_documents(texts, batch_size=5, workers=workers)
        np.testing.assert_allclose(got, vectors, atol=1e-5)
    one_by_one = np.vstack([onnx_encoder.encode_queries([t]) for t in texts[:8]])
    np.testing.assert_allclose(vectors[:8], one_by_one, atol=1e-5)
    assert onnx_encoder.encode_documents([]).shape == (0, onnx_encoder.dimension)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_passage_vectors_leave_rankings_unchanged(built_index, model_passage_vectors, mode):
    """The evaluation questions rank the report's paragraphs identically (top 10) whether its
    passages were embedded by the export or by sentence-transformers."""
    onnx_index = Index(load_index(built_index[1]))
    assert_same_rankings(
        with_passage_vectors(built_index[1], model_passage_vectors, onnx_index.encoder),
        onnx_index,
        QUESTIONS,
        mode,
    )


def test_the_export_is_made_once_per_model(built_index, encoder, monkeypatch):
    """The build keeps its export in index/encoder/<key>/ and links it into every build; a
    later build finds it there and neither loads the model nor exports again."""
    index_dir = built_index[1]
    folder = index_dir / "encoder" / export_key(encoder)
    assert available(folder)
    build_folder = index_dir / "builds" / read_manifest(index_dir).build
    assert (build_folder / "query_encoder.onnx").samefile(folder / "query_encoder.onnx")

    def no_export(*args):
        raise AssertionError("exported again")

    monkeypatch.setattr(qa.onnx_encoder, "export", no_export)
    assert cached_export(encoder, index_dir / "encoder") == folder


def test_a_damaged_export_falls_back_to_the_model(tmp_path, build_folder, encoder):
    folder = tmp_path / "export"
    folder.mkdir()
    for name in FILES:
        (folder / name).write_bytes((build_folder / name).read_bytes())
    assert isinstance(_document_encoder(encoder, folder), OnnxEncoder)
    (folder / "query_encoder.onnx").write_bytes(b"not a model")
    assert _document_encoder(encoder, folder) is encoder
    assert not folder.exists()  # the next build exports it again


@pytest.mark.slow
def test_an_export_that_gives_other_vectors_is_not_kept(tmp_path, encoder, monkeypatch):
    """The export is checked against the model before it is used for passages or questions."""
    original = OnnxEncoder.encode_queries
    monkeypatch.setattr(
        OnnxEncoder, "encode_queries", lambda self, texts: original(self, texts)[:, ::-1].copy()
    )
    out = tmp_path / "out"
    out.mkdir()
    assert export(encoder, out) == []
    assert list(out.iterdir()) == []


def test_search_after_building_on_demand_uses_the_export(make_corpus, encoder, fresh_index_dir):
    """`open_index` rebuilding a stale index (with the export already made) answers through
    the export: no model load for the build or for the questions."""
    from conftest import small_report

    from qa.config import settings
    from qa.search import open_index
    from qa.store import build_index

    paragraphs = ["Shelters opened in three provinces.", "Judges were trained on the law."]
    corpus = make_corpus({"r.txt": small_report(paragraphs)})
    build_index(corpus, fresh_index_dir, encoder)
    paragraphs.append("IOM assisted 4,000 victims of trafficking in 2018.")
    (corpus / "r.txt").write_text(small_report(paragraphs), encoding="utf-8")
    index = open_index(settings(corpus, fresh_index_dir), log=lambda message: None)
    assert isinstance(index.encoder, OnnxEncoder)
    assert index.manifest.timings["embed"] > 0
    assert index.search("How many victims did IOM assist in 2018?", k=1)[0].paragraph == 3


def test_models_saved_by_current_sentence_transformers_are_exported(tmp_path, encoder):
    # sentence-transformers 5+ saves modules.json with longer type paths
    # ("sentence_transformers.sentence_transformer.modules.pooling.Pooling"): such a model
    # (any model a user fine-tunes or downloads today) still gets the fast ONNX route.
    model = tmp_path / "model"
    shutil.copytree(encoder.source, model)
    modules = json.loads((model / "modules.json").read_text())
    new_paths = {
        "Transformer": "sentence_transformers.base.modules.transformer.Transformer",
        "Pooling": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
        "Normalize": "sentence_transformers.base.modules.normalize.Normalize",
    }
    for module in modules:
        module["type"] = new_paths[module["type"].rsplit(".", 1)[-1]]
    (model / "modules.json").write_text(json.dumps(modules))
    assert _pooling(model) == ("mean", True)


@pytest.mark.slow
def test_the_export_runs_in_a_process_of_its_own(tmp_path, encoder, onnx_encoder):
    """A build that has not loaded torch exports in a child process (`python -m
    qa.onnx_encoder`), so the model's weights and torch leave memory before the passages are
    embedded; the export it leaves is the one made in process."""
    out = tmp_path / "out"
    out.mkdir()
    assert _export_apart(encoder, out, apart=True) == list(FILES)
    assert available(out)
    questions = ["IOM", "Which agencies assist victims of trafficking?"]
    np.testing.assert_allclose(
        OnnxEncoder(out).encode_queries(questions),
        onnx_encoder.encode_queries(questions),
        atol=1e-6,
    )


def test_a_failed_export_process_leaves_the_model_route(tmp_path):
    """A child that fails (here: a model folder gone since) writes nothing the build would
    use; the build embeds with the model itself."""
    out = tmp_path / "out"
    out.mkdir()
    gone = SimpleNamespace(name=str(tmp_path / "model-removed"))
    assert _export_apart(gone, out, apart=True) == []
    assert list(out.iterdir()) == []
