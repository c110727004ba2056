"""The web UI's handlers, its JSON API through gradio_client, and `python app.py` / `qa serve`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from serving import API_OPTIONS

from qa import render, web
from qa.config import MAX_QUESTION_CHARS, PROJECT_DIR
from qa.document import short_title

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
    library = web.open_target(two_reports, "toc")
    assert library.count('class="doc-entry"') == 2
    reader = web.open_target(two_reports, "p:2:fisheries-2020")
    assert f'data-copy="{small.label}, para. 2 — I Introduction"' in reader
    results, _ = web.answer(two_reports, "para 500", 5)
    assert "None of the 2 documents searched has a paragraph 500" in results
    results, reader = web.answer(two_reports, "para 57", 5, "hybrid", ["fisheries-2020"])
    assert "The document has no paragraph 57" in results and reader is None


# --- a library: the report and six UN PDFs ------------------------------------------------------


@pytest.fixture(scope="module")
def library(built_index, encoder, tmp_path_factory):
    from serving import library_index

    return library_index(built_index, encoder, tmp_path_factory)


def _cited(results: str) -> list[str]:
    """The document symbols above the hits, in order."""
    return re.findall(r'<span class="doc-symbol">([^<]+)</span>', results)


def test_a_library_is_described_by_its_documents(library):
    header = render.header_html(library.documents)
    assert "<h1>7 United Nations documents</h1>" in header
    assert "General Assembly 4" in header and "Security Council 2" in header
    assert "2019–2025" in header
    assert "across 7 documents (2019–2025)" in render.welcome_html(library.documents)


def test_an_organ_filter_narrows_the_search_and_the_address_says_so(library):
    results, _ = web.answer(library, "nuclear programme", 5, "hybrid", organ="SC")
    assert set(_cited(results)) <= {"S/2025/497", "S/RES/2775 (2025)"} and _cited(results)
    assert "Only:</span> Security Council" in results
    assert 'data-share="?q=nuclear%20programme&amp;organ=SC"' in results
    letters, _ = web.answer(library, "statement", 5, "hybrid", kind="letter", since="2025-06")
    assert set(_cited(letters)) == {"A/80/91", "S/2025/497"}  # the letters from June 2025 on
    by_symbol, _ = web.answer(library, "oceans", 3, "hybrid", symbol="A/80/")
    assert {s[:5] for s in _cited(by_symbol)} == {"A/80/"}


def test_across_documents_one_paragraph_each_oldest_first(library):
    results, _ = web.answer(library, "human rights", 7, "hybrid", by_document=True)
    symbols = _cited(results)
    assert len(symbols) == len(set(symbols)) >= 4
    by_symbol = {
        d.symbol or short_title(d.title, 140): d.date_iso for d in library.documents.values()
    }
    dates = [by_symbol[s] for s in symbols]
    assert dates == sorted(dates)
    assert "oldest first" in results and "by=document" in results


@pytest.mark.parametrize(
    ("filters", "said"),
    [
        ({"since": "March"}, "A filter cannot be used: since must be a date like 2025"),
        ({"organ": "XYZ"}, "A filter cannot be used: no document of organ xyz"),
        ({"kind": "decision"}, "No document matches the filters (Decision)."),
        ({"since": "2030"}, "No document matches the filters (since 2030)."),
    ],
)
def test_filters_that_cannot_be_used_are_messages(library, filters, said):
    results, reader = web.answer(library, "victims", 5, "hybrid", **filters)
    assert said in results and 'class="hit"' not in results and reader is None


def test_the_library_pane_counts_documents_per_organ_kind_and_year(library):
    html = web.library_view(library, web.Filters())
    assert html.count('class="doc-entry"') == 7
    for facet, value, count in [
        ("organ", "GA", 4),
        ("organ", "SC", 2),
        ("kind", "report", 3),
        ("kind", "letter", 3),
        ("kind", "resolution", 1),
        ("year", "2025", 5),
        ("year", "2019", 1),
    ]:
        assert re.search(
            rf'data-open="f:{facet}:{re.escape(value)}">[^<]*<span class=\'count\'>{count}<', html
        ), (facet, value)
    # With the Security Council chosen: its kinds are counted; the other organs still are.
    sc = web.library_view(library, web.Filters(organ="SC"))
    assert sc.count('class="doc-entry"') == 2
    assert "f:kind:report" not in sc and "f:organ:GA" in sc
    assert 'class="facet-value on" data-open="f:organ:"' in sc


def test_a_facet_click_sets_the_filter():
    filters = web.Filters(organ="SC")
    assert web.with_facet(filters, "year", "2025") == web.Filters(
        organ="SC", since="2025", until="2025"
    )
    assert web.with_facet(filters, "organ", "") == web.Filters()
    assert web.with_facet(filters, "clear", "") == web.Filters()


def test_every_document_and_part_opens_in_the_reader(library):
    for doc_id, document in library.documents.items():
        contents = web.open_target(library, f"d:{doc_id}")
        assert contents.count("toc-entry") == len(render.parts(document)) + bool(document.summary)
        for part in render.parts(document):
            assert 'class="reader section"' in web.open_target(library, f"s:{part}:{doc_id}")
        for unit in document.paragraphs:
            html = web.open_target(library, f"p:{unit.ref}:{doc_id}")
            assert html.count('class="rpara focus"') == 1, (doc_id, unit.ref)
    letter = web.open_target(library, "d:S_2025_497")
    assert "Full text" in letter and "pp. 1–2" in letter
    for bad in ("d:nope", "s:zz:S_2025_497", "s:top@x:S_2025_497", "s:notes:S_2025_497"):
        assert web.open_target(library, bad) is None


def test_an_address_restores_question_filters_and_view(library):
    page = web.restore(
        library,
        {
            "q": ["armed forces"],
            "doc": ["S/2025/497"],
            "organ": ["sc"],
            "by": ["document"],
            "k": ["3"],
        },
    )
    assert page.filters == web.Filters(documents=("S_2025_497",), organ="SC")
    assert page.by_document and page.k == 3 and page.view == "toc"
    assert _cited(page.results) == ["S/2025/497"]
    assert (
        'data-share="?q=armed%20forces&amp;doc=S/2025/497&amp;organ=SC&amp;by=document&amp;k=3"'
        in (page.results)
    )
    assert 'data-open="d:S_2025_497"' in page.reader  # the library, narrowed
    note = web.restore(library, {"doc": ["A/80/159"], "ref": ["footnote/1"]})
    assert note.filters == web.Filters() and note.view == "unit"
    assert 'class="rpara focus" id="u-footnote-1"' in note.reader
    contents = web.restore(library, {"doc": ["S/RES/2775 (2025)"]})
    assert "S/RES/2775 (2025)</h2>" in contents.reader
    assert contents.filters.documents == ("S_RES_2775 (2025)",)
    years = web.restore(library, {"since": ["2025"], "until": ["2025"], "kind": ["Letter"]})
    assert "3 documents match the filters (Letter · 2025)." in years.results
    # A document the library does not hold is said so, not searched as the whole library.
    missing = web.restore(library, {"q": ["victims assisted"], "doc": ["S/2025/185"]})
    assert "no document &#x27;S/2025/185&#x27; in the library" in missing.results
    assert 'class="hit' not in missing.results


def test_a_single_report_ignores_library_filters_in_its_address(index):
    page = web.restore(index, {"q": ["para 57"], "organ": ["SC"], "by": ["document"]})
    assert page.filters == web.Filters() and not page.by_document
    assert IOM_CITATION in page.results and 'id="para-57"' in page.reader


def test_api_search_takes_the_filters(library):
    hits = web.api_search(library, "statement", 5, "hybrid", None, organ="SC,GA", kind="letter")
    assert {h["document_kind"] for h in hits} == {"letter"}
    grouped = web.api_search(library, "human rights", 7, group_by="document")
    dates = [h["document_date"] for h in grouped]
    assert len({h["document"] for h in grouped}) == len(grouped)
    assert [library.documents[h["document"]].date_iso for h in grouped] == sorted(
        library.documents[h["document"]].date_iso for h in grouped
    )
    assert dates
    with pytest.raises(Exception, match="since must be a date"):
        web.api_search(library, "statement", since="soon")


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
    assert parameters == ["question", *API_OPTIONS]


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


def test_address_parameters_keep_every_value_of_a_repeated_name(library):
    from types import SimpleNamespace

    from starlette.datastructures import QueryParams

    request = SimpleNamespace(query_params=QueryParams("q=rights&doc=A/80/91&doc=S/2025/497"))
    params = web._params(request)
    assert params == {"q": ["rights"], "doc": ["A/80/91", "S/2025/497"]}
    page = web.restore(library, params)
    assert page.filters.documents == ("A_80_91", "S_2025_497")
    assert set(_cited(page.results)) <= {"A/80/91", "S/2025/497"}
    assert "doc=A/80/91&amp;doc=S/2025/497" in page.results
    assert web._params(SimpleNamespace(query_params={"q": "x"})) == {"q": ["x"]}
    assert web._params(None) == {}
