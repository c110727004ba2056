"""The real web app over HTTP on loopback: it listens on loopback only by default, answers bad
input with a clear message, serves a bounded load with no errors and flat memory, and goes on
answering while `qa build` runs, is killed half-way, or completes (then from the new index).
Figures are printed (pytest -s)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import small_report
from serving import Answer, Server, ask, listening_addresses, rss_mb

from qa.search import Index
from qa.store import load_index, read_manifest

CLIENTS = 32
# 8 keeps the suite quick; QA_LOAD_REQUESTS=50 gives the 32 x 50 run quoted in the README.
REQUESTS_PER_CLIENT = int(os.environ.get("QA_LOAD_REQUESTS", "8"))
# Generous: the query cache holds at most 1,024 vectors of 1.5 KB; anything near this is a leak.
RSS_GROWTH_LIMIT_MB = 150

QUESTIONS = [
    "How many victims did IOM assist in 2018?",
    "What happened in Operation Sawiyan?",
    "When is the World Day against Trafficking in Persons?",
    "Who sits on the board of trustees of the trust fund?",
    "trafficking for forced labour",
    "Which States ratified the trafficking protocol?",
    "What does the Inter-Agency Coordination Group do?",
    "child victims of trafficking in armed conflict",
    "para 57",
    "paragraph 139 (d)",
    "How does UNODC support Member States with legislation?",
    "victims' access to remedies and compensation",
]


QUESTION = "How many victims did IOM assist in 2018?"
# A report added to the corpus before the rebuild: only the new index knows it. (A new
# document, not an edit of the big one, so that the build embeds a few passages, not 200.)
MARKER = "Quokka counts were recorded in 2018 by the field teams."
MARKER_QUESTION = "How many quokka counts were recorded in 2018?"
TRAFFIC_CLIENTS = 2
PAUSE = 0.2  # between one client's requests: steady traffic that leaves the build CPU
SWITCH_TIMEOUT = 60


def run_clients(server, requests_per_client: int, sample_rss_at: int | None = None):
    """CLIENTS threads, each with its own connection and Gradio session (as each browser tab or
    gradio_client has), asking in turn; (answers, RSS sampled when the first client is
    `sample_rss_at` requests in)."""
    answers = []
    rss = []
    lock = threading.Lock()

    def one_client(n: int) -> None:
        with server.client() as client:
            for i in range(requests_per_client):
                if n == 0 and i == sample_rss_at:
                    rss.append(rss_mb(server.pid))
                answer = ask(client, QUESTIONS[(n + i) % len(QUESTIONS)], 5, f"load-{n}")
                with lock:
                    answers.append(answer)

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return answers, rss[0] if rss else None


class Traffic:
    """TRAFFIC_CLIENTS threads asking one question in a loop until stopped."""

    def __init__(self, server: Server, question: str = QUESTION) -> None:
        self.question = question
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(server,)) for _ in range(TRAFFIC_CLIENTS)
        ]
        for t in self._threads:
            t.start()

    def _loop(self, server: Server) -> None:
        with server.client() as client:
            while not self._stop.is_set():
                self.answers.append(ask(client, self.question, k=3))
                time.sleep(PAUSE)

    def stop(self) -> list[Answer]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=120)
        return self.answers


def qa_build(corpus, index_dir, **popen) -> subprocess.Popen:
    args = [sys.executable, "-m", "qa", "build", "--corpus-dir", str(corpus)]
    return subprocess.Popen(args + ["--index-dir", str(index_dir)], **popen)


@pytest.fixture(scope="module")
def served(built_index, tmp_path_factory):
    """(corpus, index_dir, server): the app on its default address (no --host) over a copy of
    the session's index. The tests below run in this order; only the last changes the index."""
    root = tmp_path_factory.mktemp("served")
    corpus, index_dir = root / "corpus", root / "index"
    shutil.copytree(built_index[0], corpus)
    shutil.copytree(built_index[1], index_dir)
    app = Server(corpus, index_dir, root / "serve.log")
    try:
        app.wait_ready()
        with app.client() as client:
            assert ask(client, QUESTION).ok  # the model is loaded before any test starts
        yield corpus, index_dir, app
    finally:
        app.stop()


@pytest.fixture
def server(served):
    return served[2]


def test_serves_on_loopback_only_by_default(server):
    # 0100007F is 127.0.0.1 as /proc/net/tcp writes it.
    assert listening_addresses(server.port) == {"0100007F"}


@pytest.mark.parametrize(
    ("question", "k", "params", "message"),
    [
        ("", 5, {}, "the question is empty"),
        ("   \t\n ", 5, {}, "the question is empty"),
        ("\x00\x01\x1b \u200b", 5, {}, "the question is empty"),
        ("caf\udce9 victims", 5, {}, "not UTF-8 text"),  # a lone surrogate, JSON-escaped
        (None, 5, {}, "the question must be text"),
        (["victims"], 5, {}, "the question must be text"),
        ({}, {}, {}, "the question must be text"),
        ("victims", 0, {}, "k must be at least 1"),
        ("victims", -5, {}, "k must be at least 1"),
        ("victims", "abc", {}, "k must be a whole number"),
        ("victims", None, {}, "k must be a whole number"),
        ("victims", 5, {"mode": "fuzzy"}, "unknown mode"),
        ("victims", 5, {"documents": 5}, "documents must be a list of document ids"),
        ("victims", 5, {"documents": ["no-such-report"]}, "unknown document"),
    ],
)
def test_bad_input_over_http_gets_a_clear_message(server, question, k, params, message):
    with server.client() as client:
        answer = ask(client, question, k, **params)
        assert not answer.ok
        assert message in json.loads(answer.payload)["error"]
        assert "Traceback" not in answer.payload
        assert ask(client, "para 57", 1).ok  # and the server goes on serving


@pytest.mark.parametrize(
    "question",
    [
        "How many victims did IOM assist in 2018? " + "victims " * 130_000,  # 1 MB, cut
        "ما هو عدد ضحايا الاتجار؟",
        "国际移民组织援助了多少名受害者？",
        "🚨👨‍👩‍👧 trafficking victims",
        "<img src=x onerror=alert(1)> victims",
    ],
)
def test_any_text_over_http_gets_cited_paragraphs(server, question):
    with server.client() as client:
        answer = ask(client, question, 3)
    assert answer.ok and "para. " in answer.payload
    assert "<img src=x" not in answer.payload  # nothing the reader typed comes back as markup


@pytest.mark.slow
def test_bounded_load(server):
    # Warm up at full concurrency: model loaded, every question's vector cached, the server's
    # worker threads and connection buffers allocated; memory is measured from there on.
    run_clients(server, requests_per_client=2)
    rss_before = rss_mb(server.pid)
    started = time.perf_counter()
    answers, rss_mid = run_clients(
        server, REQUESTS_PER_CLIENT, sample_rss_at=REQUESTS_PER_CLIENT // 2
    )
    took = time.perf_counter() - started
    rss_after = rss_mb(server.pid)

    failed = [a for a in answers if not a.ok]
    latencies = sorted(a.seconds for a in answers)
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"\nload: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests = {len(answers)} in "
        f"{took:.1f} s -> {len(answers) / took:.1f} req/s; latency p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; failures {len(failed)}; "
        f"server RSS {rss_before:.0f} MB after warm-up, {rss_mid:.0f} MB half-way, "
        f"{rss_after:.0f} MB after"
    )
    assert len(answers) == CLIENTS * REQUESTS_PER_CLIENT
    assert not failed, failed[:3]
    # Every answer is a real one: a citation of the report, not an error message.
    assert all("para. " in a.payload for a in answers)
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_MB


@pytest.mark.slow
def test_build_killed_while_writing_leaves_the_previous_index(served, encoder, tmp_path):
    corpus, index_dir, server = served
    before = read_manifest(index_dir)
    builds = index_dir / "builds"
    traffic = Traffic(server)
    try:
        with open(tmp_path / "build.log", "w") as log:
            build = qa_build(corpus, index_dir, stdout=log, stderr=subprocess.STDOUT)
            # Kill the moment the new build folder appears: its files are being written.
            deadline = time.time() + 600
            while build.poll() is None and time.time() < deadline:
                if any(p.name.startswith(".tmp-") for p in builds.iterdir()):
                    os.kill(build.pid, signal.SIGKILL)
                    break
                time.sleep(0.001)
            build.wait(timeout=60)
        time.sleep(1.5)  # the server looks at the manifest about once a second
    finally:
        answers = traffic.stop()
    leftovers = sorted(p.name for p in builds.iterdir() if p.name.startswith(".tmp-"))
    print(
        f"\nkilled build: exit {build.returncode}, leftovers {leftovers}, "
        f"{len(answers)} requests answered meanwhile"
    )
    assert build.returncode == -signal.SIGKILL, (tmp_path / "build.log").read_text()
    assert read_manifest(index_dir) == before
    stored = load_index(index_dir)  # every checksum, count and dimension still right
    assert Index.load(index_dir, corpus_dir=corpus).manifest.build == before.build  # fresh
    assert Index(stored, encoder=encoder).search(QUESTION)[0].paragraph == 57
    assert answers and all(a.ok and "para. 57" in a.payload for a in answers)


@pytest.mark.slow
def test_rebuild_under_traffic(served):
    corpus, index_dir, server = served
    old_build = read_manifest(index_dir).build
    # A report joins the corpus; the server goes on with the old index until the build is done.
    (corpus / "quokka-census.txt").write_text(
        small_report([MARKER], title="A census of quokkas"), encoding="utf-8"
    )
    traffic = Traffic(server, MARKER_QUESTION)
    try:
        build_started = time.time()
        build = qa_build(corpus, index_dir, stderr=subprocess.PIPE, text=True)
        _, stderr = build.communicate(timeout=600)
        build_ended = time.time()
        assert build.returncode == 0, stderr
        manifest_path = index_dir / "manifest.json"
        on_disk = os.stat(manifest_path).st_mtime  # written just before its rename
        new_build = json.loads(manifest_path.read_text())["build"]
        deadline = time.time() + SWITCH_TIMEOUT
        while time.time() < deadline and not any(MARKER in a.payload for a in traffic.answers):
            time.sleep(0.1)
        time.sleep(1)  # a little traffic after the switch
    finally:
        answers = traffic.stop()

    failed = [a for a in answers if not a.ok or "para. " not in a.payload]
    new = [a for a in answers if MARKER in a.payload]
    during = [a for a in answers if build_started <= a.sent and a.received <= build_ended]
    assert new, f"the server never switched to the new index: {server.log.read_text()[-2000:]}"
    first_new = min(a.received for a in new)
    print(
        f"\nrebuild under traffic: build took {build_ended - build_started:.1f} s; "
        f"{len(answers)} requests in all, {len(during)} answered during the build, "
        f"{len(failed)} failed; manifest replaced {on_disk - build_started:.1f} s after the "
        f"build started, first answer from the new index {first_new - on_disk:.2f} s after "
        f"that; build {old_build} -> {new_build}"
    )
    assert not failed, failed[:3]
    # Old answers until the new build was whole on disk: none from the new index earlier.
    assert all(a.received >= on_disk for a in new)
    # Then the new one only: no request sent after the first new answer gets an old one.
    assert all(MARKER in a.payload for a in answers if a.sent > first_new)
    assert f"now serving index build {new_build}" in server.log.read_text()
    # The build cleaned what a killed build left; the previous build stays for its readers.
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == sorted(
        {old_build, new_build}
    )
    assert not list(index_dir.glob(".manifest.json.*"))
