"""Serving benchmark: start the web app, time it until it answers, then load its search API.

Talks plain HTTP to the Gradio API endpoint named "search" (`/gradio_api/call/search`: POST the
inputs, then read the answer's event stream), the way any API client does, on loopback only.
Runs are bounded in requests and seconds, and the server started here is stopped here.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .measure import summary_ms

HOST = "127.0.0.1"
API = "search"


class ApiError(RuntimeError):
    """The server answered, but not with a search result."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class SearchClient:
    """One keep-alive HTTP connection to the app's search endpoint, as one reader.

    Each client keeps one Gradio session (a `session_hash` of its own, as a browser tab or
    gradio_client has), so the server holds one session's state per reader, not per call.
    """

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port = port
        self.timeout = timeout
        self.session_hash = uuid.uuid4().hex[:11]
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self._extra: list | None = None

    def close(self) -> None:
        self.conn.close()

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):  # a keep-alive connection the server closed is reopened once
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def inputs(self, question: str, k: int) -> list:
        """The endpoint's inputs: the question first, then k, then any others' defaults."""
        if self._extra is None:
            status, body = self._request("GET", "/gradio_api/info")
            if status != 200:
                raise ApiError(f"GET /gradio_api/info answered {status}")
            endpoint = json.loads(body)["named_endpoints"].get(f"/{API}")
            if endpoint is None:
                raise ApiError(f"the app has no API endpoint named {API!r}")
            self._extra = [
                ("k" if p.get("parameter_name") == "k" else None, p.get("parameter_default"))
                for p in endpoint["parameters"][1:]
            ]
        return [question] + [k if name == "k" else default for name, default in self._extra]

    def search(self, question: str, k: int = 5) -> str:
        """The endpoint's output for one question (raises ApiError on an error event)."""
        body = json.dumps(
            {"data": self.inputs(question, k), "session_hash": self.session_hash}
        ).encode()
        status, data = self._request("POST", f"/gradio_api/call/{API}", body)
        if status != 200:
            raise ApiError(f"POST /gradio_api/call/{API} answered {status}: {data[:200]!r}")
        event_id = json.loads(data)["event_id"]
        status, stream = self._request("GET", f"/gradio_api/call/{API}/{event_id}")
        text = stream.decode("utf-8", "replace")
        if status != 200 or "event: complete" not in text:
            raise ApiError(f"no result for event {event_id}: {text[:300]!r}")
        payload = text.split("event: complete", 1)[1].split("data:", 1)[1].strip()
        return payload


# --- the server -------------------------------------------------------------------------------


@dataclass
class AppStart:
    """From `qa serve` starting to the app answering its first question."""

    port_open_s: float
    first_answer_s: float
    cpu_s: float | None
    rss_mb: float | None = None  # the serving process's resident memory at its first answer


class Server:
    """`python -m qa serve` on a free loopback port, stopped on exit (its own process group)."""

    def __init__(self, env: dict | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = b""

    def start(self, question: str, timeout: float = 180) -> AppStart:
        started = time.perf_counter()
        cmd = [sys.executable, "-m", "qa", "serve", "--host", HOST, "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        port_open = None
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited early: {self.proc.stderr.read()[-2000:]!r}")
            if port_open is None:
                try:
                    socket.create_connection((HOST, self.port), timeout=0.2).close()
                    port_open = time.perf_counter() - started
                except OSError:
                    time.sleep(0.05)
                    continue
            client = SearchClient(self.port, timeout=30)
            try:
                client.search(question)
                answered = time.perf_counter() - started
                return AppStart(
                    round(port_open, 3),
                    round(answered, 3),
                    _cpu_seconds(self.proc.pid),
                    memory_mb(self.proc.pid).get("rss_mb"),
                )
            except (ApiError, OSError, http.client.HTTPException, KeyError, ValueError):
                time.sleep(0.05)
            finally:
                client.close()
        raise TimeoutError(f"the app did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=15)
        finally:
            if self.proc.stderr:
                self.proc.stderr.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a running process has used (from /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, IndexError, ValueError):
        return None


def memory_mb(pid: int) -> dict[str, float]:
    """A running process's resident memory now (`rss_mb`) and at its peak so far (`peak_mb`),
    from /proc/PID/status; empty where /proc cannot tell."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            key = {"VmRSS": "rss_mb", "VmHWM": "peak_mb"}.get(name)
            if key and value.strip().endswith("kB"):
                found[key] = round(int(value.split()[0]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return {}
    return found


# --- load ---------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    clients: int
    requests: int
    errors: int
    seconds: float
    requests_per_s: float
    latency: dict[str, float]
    error_samples: list[str] = field(default_factory=list)


def load(
    port: int,
    questions: Sequence[str],
    clients: int,
    requests_per_client: int,
    max_seconds: float,
    k: int = 5,
) -> LoadResult:
    """`clients` threads, each with its own connection, asking questions back to back.

    Bounded: each client stops after `requests_per_client` requests or `max_seconds`.
    """
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    deadline = [0.0]

    def client_loop(offset: int) -> None:
        client = SearchClient(port, timeout=max(30.0, max_seconds))
        try:
            client.inputs("warm", k)  # endpoint description fetched before timing starts
            barrier.wait()
            for i in range(requests_per_client):
                if time.perf_counter() > deadline[0]:
                    break
                question = questions[(offset * requests_per_client + i) % len(questions)]
                started = time.perf_counter()
                try:
                    client.search(question, k)
                    took = time.perf_counter() - started
                    with lock:
                        latencies.append(took)
                except Exception as exc:  # counted and reported, the run goes on
                    with lock:
                        errors.append(f"{exc.__class__.__name__}: {exc}"[:200])
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    deadline[0] = started + max_seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return LoadResult(
        clients,
        len(latencies),
        len(errors),
        round(elapsed, 2),
        round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        summary_ms(latencies),
        errors[:3],
    )


@dataclass
class ServingReport:
    start: AppStart
    load: list[LoadResult]
    settings: dict
    # The serving process after the loads: resident memory now and at its peak.
    memory: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def queue_settings(port: int) -> dict:
    """What the app says about its queue and the search endpoint's concurrency (/config)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", "/config")
        config = json.loads(conn.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return {}
    finally:
        conn.close()
    dep = next((d for d in config.get("dependencies", []) if d.get("api_name") == API), {})
    wanted = ("queue", "concurrency_limit", "concurrency_id", "trigger_mode", "max_batch_size")
    return {
        "gradio_version": config.get("version"),
        "enable_queue": config.get("enable_queue"),
        "search_endpoint": {k: dep[k] for k in wanted if k in dep},
        "server_threads": "gradio default (max_threads=40)",
        "client_sessions": "one Gradio session per client (its own session_hash)",
    }


def run(
    questions: Sequence[str],
    clients: Sequence[int] = (8, 32),
    requests_per_client: int = 20,
    max_seconds: float = 60,
    env: dict | None = None,
) -> ServingReport:
    """Start the app, time it to its first answer, load it with each client count, stop it."""
    with Server(env) as server:
        start = server.start(questions[0])
        settings = queue_settings(server.port)
        results = [
            load(server.port, questions, n, requests_per_client, max_seconds) for n in clients
        ]
        memory = memory_mb(server.proc.pid) if server.proc is not None else {}
    return ServingReport(start, results, settings, memory)
