"""`qa build` while the web app answers a steady loop of requests: a build killed half-way
changes nothing; a whole build is served once it is complete, and no request fails."""

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
from serving import Answer, Server, ask

from qa.search import Index
from qa.store import load_index, read_manifest

QUESTION = "How many victims did IOM assist in 2018?"
SENTENCE = "7,400 victims of trafficking."
# Added to paragraph 57 before the rebuild: only the new index knows it.
MARKER = "Quokka counts were recorded in 2018."
CLIENTS = 2
PAUSE = 0.2  # between one client's requests: steady traffic that leaves the build CPU
SWITCH_TIMEOUT = 60


class Traffic:
    """CLIENTS threads asking QUESTION in a loop until stopped."""

    def __init__(self, server: Server) -> None:
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(server,)) for _ in range(CLIENTS)
        ]
        for t in self._threads:
            t.start()

    def _loop(self, server: Server) -> None:
        with server.client() as client:
            while not self._stop.is_set():
                self.answers.append(ask(client, QUESTION, k=3))
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
    """(corpus, index_dir, server): the app over a copy of the session's index."""
    root = tmp_path_factory.mktemp("rebuild")
    corpus, index_dir = root / "corpus", root / "index"
    shutil.copytree(built_index[0], corpus)
    shutil.copytree(built_index[1], index_dir)
    server = Server(corpus, index_dir, root / "serve.log")
    try:
        server.wait_ready()
        with server.client() as client:
            assert ask(client, QUESTION).ok  # model loaded before the traffic starts
        yield corpus, index_dir, server
    finally:
        server.stop()


@pytest.mark.slow
def test_build_killed_while_writing_leaves_the_previous_index(served, encoder, tmp_path):
    corpus, index_dir, server = served
    before = read_manifest(index_dir)
    builds = index_dir / "builds"
    traffic = Traffic(server)
    try:
        with open(tmp_path / "build.log", "w") as log:
            build = qa_build(corpus, index_dir, stdout=log, stderr=subprocess.STDOUT)
            # Embedding done, files being written: kill the moment the new build folder appears.
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
    # The report changes (as after a correction); the server goes on with the old index.
    report = next(corpus.glob("*.txt"))
    text = report.read_text(encoding="utf-8")
    assert text.count(SENTENCE) == 1
    report.write_text(text.replace(SENTENCE, f"{SENTENCE} {MARKER}"), encoding="utf-8")

    traffic = Traffic(server)
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

    failed = [a for a in answers if not a.ok or "para. 57" not in a.payload]
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
