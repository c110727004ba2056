"""A real `qa serve` process on loopback, and a small HTTP client for its `search` endpoint."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

API = "search"  # the web app's named endpoint: question, then optional k, mode, documents
# The API's arguments after the question, in order (all optional).
API_OPTIONS = ("k", "mode", "documents", "organ", "kind", "since", "until", "symbol", "group_by")
# Six real UN PDFs of both organs and every kind of unit (tests/test_ingest_pdfs.py).
UN_PDFS = Path(__file__).parent / "fixtures" / "un"
_library: dict[str, object] = {}


def library_index(built_index, encoder, tmp_path_factory):
    """The real report and the six UN PDFs indexed together: a small library (7 documents,
    General Assembly and Security Council; reports, letters, a resolution). Built once per
    session from a copy of the report's index, so only the PDFs are read and embedded (read
    here, in this process, into the build's read cache: quicker than forking a reader each)."""
    if "index" not in _library:
        from qa.corpus import ReadCache, read_file
        from qa.search import Index
        from qa.store import build_index, load_index

        corpus, index_dir = built_index
        root = tmp_path_factory.mktemp("library")
        shutil.copytree(corpus, root / "corpus")
        shutil.copytree(index_dir, root / "index")
        reads = ReadCache(root / "index" / "cache" / "read")
        for pdf in sorted(UN_PDFS.glob("*.pdf")):
            copy = root / "corpus" / pdf.name
            shutil.copy(pdf, copy)
            reads.put(reads.key(copy), read_file(copy))
        build_index(root / "corpus", root / "index", encoder)
        _library["index"] = Index(load_index(root / "index"), encoder=encoder)
        _library["root"] = root
    return _library["index"]


def library_dirs(built_index, encoder, tmp_path_factory) -> tuple[Path, Path]:
    """(corpus, index folder) of `library_index`, for the command line."""
    library_index(built_index, encoder, tmp_path_factory)
    root = _library["root"]
    return root / "corpus", root / "index"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (MB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (IPv4 and IPv6), from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


@dataclass
class Answer:
    """One API call: what came back and when."""

    sent: float
    received: float
    ok: bool
    payload: str  # the JSON text of the result (or of the error)

    @property
    def seconds(self) -> float:
        return self.received - self.sent


def ask(client: httpx.Client, question, k=5, session: str | None = None, **params) -> Answer:
    """Call the named `search` endpoint over Gradio's HTTP API (POST, then read the result
    stream); `params` may add mode=, documents= and the filters (API_OPTIONS). Without
    `session`, each call is a new Gradio session (as with curl); with one, calls share it (as
    gradio_client and a browser tab do). Any transport error, HTTP error or error event counts
    as a failed answer; its message is in the payload."""
    sent = time.time()
    if session is None:  # named arguments
        url = f"/gradio_api/call/v2/{API}"
        data = {"question": question, "k": k, **params}
    else:  # positional arguments, all of them, and the session
        url = f"/gradio_api/call/{API}"
        args = [question, k, params.get("mode", "hybrid")]
        args += [params.get(name) for name in API_OPTIONS[2:]]
        data = {"data": args, "session_hash": session}
    # json.dumps escapes everything to ASCII, so even a lone surrogate can be sent.
    body = json.dumps(data)
    try:
        r = client.post(url, content=body, headers={"content-type": "application/json"})
        r.raise_for_status()
        event_id = r.json()["event_id"]
        r = client.get(f"/gradio_api/call/{API}/{event_id}")
        r.raise_for_status()
        event, data = None, None
        for line in r.text.splitlines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = line.split(":", 1)[1].strip()
        ok = event == "complete" and data is not None
        return Answer(sent, time.time(), ok, data if data is not None else r.text)
    except httpx.HTTPError as exc:
        return Answer(sent, time.time(), False, json.dumps(f"{type(exc).__name__}: {exc}"))


class Server:
    """`python -m qa serve` on a free loopback port, with its log in a file."""

    def __init__(self, corpus: Path, index_dir: Path, log: Path, host: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        args = [sys.executable, "-m", "qa", "serve", "--port", str(self.port)]
        if host:
            args += ["--host", host]
        args += ["--corpus-dir", str(corpus), "--index-dir", str(index_dir)]
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
        self._log_file = open(log, "w")
        self.process = subprocess.Popen(
            args, stdout=self._log_file, stderr=subprocess.STDOUT, env=env
        )
        self.pid = self.process.pid

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"qa serve exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/gradio_api/info", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"qa serve not ready in {timeout} s: {self.log.read_text()[-3000:]}")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
