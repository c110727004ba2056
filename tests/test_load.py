"""The real web app over HTTP on loopback: loopback only by default, bad input answered with a
clear message, and a bounded load with no errors and flat memory (figures printed)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest
from serving import Server, ask, listening_addresses, rss_mb

CLIENTS = 32
# 25 keeps the suite quick; QA_LOAD_REQUESTS=50 gives the 32 x 50 run quoted in the README.
REQUESTS_PER_CLIENT = int(os.environ.get("QA_LOAD_REQUESTS", "25"))
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


def run_clients(server, requests_per_client: int, sample_rss_at: int | None = None):
    """CLIENTS threads, each with its own connection, asking in turn; (answers, RSS sampled
    when the first client is `sample_rss_at` requests in)."""
    answers = []
    rss = []
    lock = threading.Lock()

    def one_client(n: int) -> None:
        with server.client() as client:
            for i in range(requests_per_client):
                if n == 0 and i == sample_rss_at:
                    rss.append(rss_mb(server.pid))
                answer = ask(client, QUESTIONS[(n + i) % len(QUESTIONS)], k=5)
                with lock:
                    answers.append(answer)

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return answers, rss[0] if rss else None


@pytest.fixture(scope="module")
def server(built_index, tmp_path_factory):
    """The app on its default address, over a copy of the session's index."""
    corpus, index_dir = built_index
    root = tmp_path_factory.mktemp("load")
    shutil.copytree(corpus, root / "corpus")
    shutil.copytree(index_dir, root / "index")
    app = Server(root / "corpus", root / "index", root / "serve.log")  # no --host: the default
    try:
        app.wait_ready()
        yield app
    finally:
        app.stop()


def test_serves_on_loopback_only_by_default(server):
    # 0100007F is 127.0.0.1 as /proc/net/tcp writes it.
    assert listening_addresses(server.port) == {"0100007F"}


@pytest.mark.parametrize(
    ("question", "k", "message"),
    [
        ("", 5, "question is empty"),
        ("   \t\n ", 5, "question is empty"),
        ("\x00\x01\x1b \u200b", 5, "question is empty"),
        ("caf\udce9 victims", 5, "not UTF-8 text"),  # a lone surrogate, JSON-escaped
        (None, 5, "question"),
        ("victims", 0, "1"),  # "at least 1" from qa, or the slider's "minimum value 1"
        ("victims", -5, "1"),
    ],
)
def test_bad_input_over_http_gets_a_clear_message(server, question, k, message):
    with server.client() as client:
        answer = ask(client, question, k)
        assert message in answer.payload, answer
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


def test_wrong_types_over_http_do_not_break_the_server(server):
    with server.client() as client:
        for question, k in [("victims", "abc"), ("victims", None), (["victims"], 5), ({}, {})]:
            answer = ask(client, question, k)
            assert answer.received - answer.sent < 30  # answered, not left hanging
        assert ask(client, "para 57", 1).ok


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
    assert all("para. " in json.loads(a.payload)[0] for a in answers)
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_MB
