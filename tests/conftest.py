"""Shared fixtures: the real report, one loaded model per session, one index built per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.config import PROJECT_DIR

REPORT = next((PROJECT_DIR / "corpus").glob("*.txt"))


@pytest.fixture(scope="session")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def document(report_text):
    from qa.ingest import parse

    return parse(report_text, doc_id=REPORT.stem)


@pytest.fixture(scope="session")
def encoder():
    """The real default model, loaded once for the whole test session."""
    from qa.embed import Encoder

    return Encoder()


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, encoder):
    """(corpus_dir, index_dir) of an index built once from the real report."""
    from qa.store import build_index

    root = tmp_path_factory.mktemp("built")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / REPORT.name).write_text(REPORT.read_text(encoding="utf-8"), encoding="utf-8")
    index_dir = root / "index"
    build_index(corpus, index_dir, encoder)
    return corpus, index_dir


def new_index_dir(built_index, folder: Path) -> Path:
    """A new index folder holding the model's ONNX export, copied from the session's index: a
    build into it embeds at once instead of exporting the model again (about 5 s a build).
    Tests of the export itself build into an empty folder."""
    import shutil

    folder.mkdir(parents=True)
    shutil.copytree(built_index[1] / "encoder", folder / "encoder")
    return folder


@pytest.fixture(scope="session")
def index(built_index, encoder):
    from qa.search import Index
    from qa.store import load_index

    return Index(load_index(built_index[1]), encoder=encoder)


@pytest.fixture(scope="session")
def passage_texts(built_index):
    """What the build embedded for each passage of the report (with its acronyms)."""
    from qa.acronyms import expand
    from qa.store import load_index

    stored = load_index(built_index[1])
    return [expand(p.embed_text, stored.acronyms) for p in stored.passages]


@pytest.fixture(scope="session")
def model_passage_vectors(encoder, passage_texts):
    """The same passages through sentence-transformers in float32: the reference vectors."""
    return encoder.model.encode(passage_texts, normalize_embeddings=True, convert_to_numpy=True)


@pytest.fixture
def isolated_env(monkeypatch, built_index):
    """QA_* variables pointing at the session's built index (for CLI and search() tests)."""
    corpus, index_dir = built_index
    monkeypatch.setenv("QA_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("QA_INDEX_DIR", str(index_dir))
    monkeypatch.delenv("QA_MODEL", raising=False)
    return corpus, index_dir


def pytest_configure(config):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def small_report(paragraphs: list[str], title: str = "A small test report") -> str:
    """A tiny report in the UN layout, for synthetic-document tests."""
    body = "\n\n".join(f"{n}. {text}" for n, text in enumerate(paragraphs, start=1))
    return (
        f"General Assembly\n\nDistr.: General\n1 May 2020\n\nSeventy-fifth session\n\n"
        f"{title}\n\nReport of the Secretary-General\n\nI. Introduction\n\n{body}\n"
    )


@pytest.fixture
def fresh_index_dir(built_index, tmp_path) -> Path:
    """tmp_path/index, new, with the model's export in it (`new_index_dir`)."""
    return new_index_dir(built_index, tmp_path / "index")


@pytest.fixture
def make_corpus(tmp_path):
    def make(texts: dict[str, str]) -> Path:
        folder = tmp_path / "corpus"
        folder.mkdir(exist_ok=True)
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return make


@pytest.fixture(scope="session")
def web_server(index):
    """The real Gradio app on a free local port, serving the session's index (one per session)."""
    import socket

    from qa.web import start

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app, url = start(index, "127.0.0.1", port, block=False, quiet=True)
    try:
        yield url
    finally:
        app.close()
