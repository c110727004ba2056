"""The web UI's handlers, its JSON API through gradio_client, and `python app.py` / `qa serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from qa import web
from qa.config import MAX_QUESTION_CHARS, PROJECT_DIR

IOM_QUESTION = "How many victims did IOM assist in 2018?"
IOM_CITATION = "para. 57 — III.B.3 International Organization for Migration"


# --- handlers (no server) -------------------------------------------------------------------


def test_answer_shows_cited_hits(index):
    results, reader = web.answer(index, IOM_QUESTION, 3, "hybrid")
    assert results.count('class="hit"') == 3
    assert IOM_CITATION in results
    assert reader is None  # a question leaves the reader as it is


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", None])
def test_an_empty_question_gets_a_friendly_message(index, question):
    results, reader = web.answer(index, question, 5, "hybrid")
    assert "Type a question about the report" in results
    assert 'class="hit"' not in results and reader is None


def test_a_huge_paste_is_trimmed_and_says_so(index):
    question = IOM_QUESTION + " " + "x" * 10_000
    results, _ = web.answer(index, question, 5, "hybrid")
    assert f"the first {MAX_QUESTION_CHARS:,} were searched" in results
    assert 'class="hit"' in results
    assert "x" * (MAX_QUESTION_CHARS + 1) not in results


def test_markup_in_the_question_is_escaped(index):
    results, _ = web.answer(index, "<img src=x onerror=alert(1)> victims", 5, "hybrid")
    assert "<img" not in results
    assert "&lt;img src=x onerror=alert(1)&gt;" in results


@pytest.mark.parametrize(
    ("question", "number", "item"),
    [("para 112", 112, None), ("139 (d)", 139, "d"), ("paragraph 139 (d) (iv)", 139, "d iv")],
)
def test_a_paragraph_reference_opens_that_paragraph(index, question, number, item):
    results, reader = web.answer(index, question, 5, "hybrid")
    assert f'class="cite" href="?q=para%20{number}"' in results.split('class="hit"')[1]
    assert reader is not None
    assert reader.count('class="rpara focus"') == 1
    assert f'id="para-{number}"' in reader
    if item:
        assert f'class="item focus-item" data-label="{item}"' in reader


def test_a_reference_to_a_missing_paragraph_says_what_exists(index):
    results, reader = web.answer(index, "para 500", 5, "hybrid")
    assert "no paragraph 500" in results and "1–139" in results
    assert reader is None


def test_a_missing_sub_item_is_noted(index):
    results, reader = web.answer(index, "139 (z)", 5, "hybrid")
    assert "Paragraph 139 has no sub-item (z)" in results
    assert 'id="para-139"' in reader


def test_bad_k_and_mode_fall_back_to_defaults(index):
    results, _ = web.answer(index, IOM_QUESTION, 500, "nonsense")
    assert results.count('class="hit"') == web.UI_MAX_K
    assert "· hybrid" in results


def test_open_target_opens_contents_sections_and_paragraphs(index):
    doc_id = next(iter(index.documents))
    assert "Contents" in web.open_target(index, "toc")
    section = web.open_target(index, f"s:0:{doc_id}")
    assert 'class="reader section" data-jump' in section
    paragraph = web.open_target(index, f"p:57:{doc_id}")
    assert 'class="rpara focus" id="para-57"' in paragraph
    assert "Summary" in web.open_target(index, f"p:summary:{doc_id}")
    for bad in (None, 3, "", "x", "p:999:" + doc_id, "s:9999:" + doc_id, "p:1:nope", "s:-1:x"):
        assert web.open_target(index, bad) is None


@pytest.fixture(scope="module")
def two_reports(built_index, encoder, tmp_path_factory):
    """The real report plus a small second one, indexed together."""
    from conftest import small_report

    from qa.search import Index
    from qa.store import build_index, load_index

    corpus, index_dir = built_index
    root = tmp_path_factory.mktemp("two")
    shutil.copytree(corpus, root / "corpus")
    shutil.copytree(index_dir, root / "index")
    (root / "corpus" / "fisheries-2020.txt").write_text(
        small_report(
            [
                "Coast guards inspected 312 fishing vessels for forced labour in 2020.",
                "Inspectors found crew <img src=x onerror=alert(1)> held for months without pay.",
            ],
            title="Forced labour at sea",
        ),
        encoding="utf-8",
    )
    build_index(root / "corpus", root / "index", encoder)
    return Index(load_index(root / "index"), encoder=encoder)


def test_several_reports_name_the_report_in_citations(two_reports):
    small = two_reports.documents["fisheries-2020"]
    results, _ = web.answer(two_reports, "How many fishing vessels were inspected?", 3)
    assert f"{small.label}, para. 1 — I Introduction" in results
    only_small, _ = web.answer(
        two_reports, "victims of trafficking", 5, "hybrid", ["fisheries-2020"]
    )
    assert only_small.count('class="hit"') == 2
    assert "International Organization for Migration" not in only_small
    assert "crew &lt;img src=x onerror=alert(1)&gt; held" in only_small


def test_several_reports_in_the_reader_and_messages(two_reports):
    small = two_reports.documents["fisheries-2020"]
    toc = web.open_target(two_reports, "toc")
    assert toc.count("<details class='toc-doc'") == 2
    reader = web.open_target(two_reports, "p:2:fisheries-2020")
    assert f'data-copy="{small.label}, para. 2 — I Introduction"' in reader
    results, _ = web.answer(two_reports, "para 500", 5)
    assert "None of the reports has a paragraph 500" in results
    results, reader = web.answer(two_reports, "para 57", 5, "hybrid", ["fisheries-2020"])
    assert "The report has no paragraph 57" in results and reader is None


# --- the running server ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(web_server):
    from gradio_client import Client

    return Client(web_server, verbose=False)


def test_the_page_has_the_report_title(web_server):
    with urllib.request.urlopen(web_server, timeout=30) as response:
        page = response.read().decode("utf-8")
    assert response.status == 200
    assert "Ask the report" in page


def test_api_search_returns_json_hits(client):
    hits = client.predict(IOM_QUESTION, api_name="/search")
    assert len(hits) == 5
    assert hits[0]["citation"] == IOM_CITATION
    assert hits[0]["paragraph"] == 57
    assert "7,400" in hits[0]["sentence"]
    assert {"rank", "score", "section", "text", "document"} <= set(hits[0])


def test_api_search_takes_k_and_mode(client):
    hits = client.predict(IOM_QUESTION, k=2, mode="lexical", api_name="/search")
    assert [h["rank"] for h in hits] == [1, 2]


def test_api_search_reports_bad_input_as_a_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/search")
    with pytest.raises(AppError, match="k must be at least 1"):
        client.predict(IOM_QUESTION, k=0, api_name="/search")


def test_only_the_search_endpoint_is_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/search"]
    parameters = [p["parameter_name"] for p in endpoints["/search"]["parameters"]]
    assert parameters == ["question", "k", "mode", "documents"]


# --- `python app.py` and `qa serve` as a reader starts them -----------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["app.py", "qa serve"])
def test_the_run_command_serves_answers(built_index, command):
    from gradio_client import Client

    corpus, index_dir = built_index
    port = _free_port()
    env = dict(os.environ, QA_CORPUS_DIR=str(corpus), QA_INDEX_DIR=str(index_dir))
    if command == "app.py":
        args = [sys.executable, str(PROJECT_DIR / "app.py")]
        env["GRADIO_SERVER_PORT"] = str(port)
    else:
        args = [sys.executable, "-m", "qa", "serve", "--port", str(port)]
    started = time.monotonic()
    process = subprocess.Popen(
        args, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() - started < 300, "the app did not start within 300 s"
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                time.sleep(0.25)
        hits = Client(url, verbose=False).predict(IOM_QUESTION, k=1, api_name="/search")
        took = time.monotonic() - started
        assert hits[0]["citation"] == IOM_CITATION
        print(f"\n{command}: process start to first answer {took:.1f} s")
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"serving on http://127.0.0.1:{port}" in output


def test_app_py_rejects_a_bad_port_with_a_message():
    env = dict(os.environ, GRADIO_SERVER_PORT="not-a-port")
    done = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "app.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "GRADIO_SERVER_PORT must be a port number" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_busy_port_is_a_clear_error(index, web_server):
    from urllib.parse import urlparse

    from qa.errors import QAError

    busy = urlparse(web_server).port
    with pytest.raises(QAError, match="cannot serve on 127.0.0.1:.*--port"):
        web.start(index, "127.0.0.1", busy, block=False, quiet=True)
