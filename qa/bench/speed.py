"""`qa bench`: how fast qa answers, starts, builds and serves, each figure next to its floor.

Measures, in one run (standard library timers; memory from /proc and wait4):
  floor    what Python and the imports alone cost (the limit for every start-up figure)
  cold     `qa search "…"` from process start to answer printed
  warm     Index.search latency per mode over the question set, split into query encoding,
           dense search, lexical search and fusion/aggregation; repeated questions (cache)
  build    `qa build`: wall time, peak memory, stage times, embedding throughput
  serving  `qa serve` until it answers, then requests/s and p95 with 8 and 32 clients, and
           the serving process's memory (resident at its first answer, after the loads, peak)
  embed    (only when asked for) `qa build` on a library of reports: passages/s of each way to
           embed, the model's floor, equality, peak memory, a killed build resumed
Scale runs on synthetic corpora (`--scale`) are in qa/bench/scale.py, embedding in
qa/bench/embed.py.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import MODES, Settings
from .measure import percentile, run_child, summary_ms

QUESTION_TARGET = 200
SAMPLE_QUESTION = "How many victims did IOM assist in 2018?"
STAGES = ("encode", "dense", "lexical", "fusion")


# --- questions ----------------------------------------------------------------------------------


def questions(index, target: int = QUESTION_TARGET) -> list[str]:
    """The evaluation questions, then one question per paragraph made from its opening words,
    until there are `target` distinct questions (the first `target` when the sets hold more)."""
    from ..evaluate.retrieval import QUESTION_SETS, load_questions

    out = list(
        dict.fromkeys(q.question for path in QUESTION_SETS.values() for q in load_questions(path))
    )
    if len(out) >= target:
        return out[:target]
    seen = set(out)
    for doc in index.documents.values():
        for paragraph in doc.paragraphs:
            if len(out) >= target:
                return out
            words = re.findall(r"[A-Za-z][A-Za-z-]+", paragraph.text)[:9]
            question = f"What does the report say about {' '.join(words)}?"
            if words and question not in seen:
                seen.add(question)
                out.append(question)
    return out


# --- warm latency --------------------------------------------------------------------------------


@dataclass
class WarmResult:
    mode: str
    questions: int
    total: dict[str, float]  # first time each question is asked
    cpu: dict[str, float]  # the same, CPU time of the searching thread
    stages: dict[str, dict[str, float]]
    repeated: dict[str, float]  # the same questions again (query vectors cached)


def _instrument(index, spent: dict[str, float]) -> Callable[[], None]:
    """Wrap the index's stage methods (on this instance only) to add up their time."""
    names = {"query_vector": "encode", "dense_scores": "dense+encode", "lexical_scores": "lexical"}
    originals = {}
    for method, stage in names.items():
        original = getattr(index, method)
        originals[method] = original

        def timed(*args, _original=original, _stage=stage, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_stage] = spent.get(_stage, 0.0) + time.perf_counter() - started

        setattr(index, method, timed)

    def restore() -> None:
        for method in originals:
            delattr(index, method)

    return restore


def warm(index, qs: Sequence[str], modes: Sequence[str] = MODES, k: int = 5) -> list[WarmResult]:
    """Latency of index.search per mode, each question asked once cold-cached, then again."""
    index.warm_up()
    index.search(qs[0], k=k)
    results = []
    for mode in modes:
        index._query_cache.clear()
        totals, cpus, repeated = [], [], []
        stages: dict[str, list[float]] = {s: [] for s in STAGES}
        for q in qs:
            spent: dict[str, float] = {}
            restore = _instrument(index, spent)
            try:
                started, cpu = time.perf_counter(), time.thread_time()
                index.search(q, k=k, mode=mode)
                cpus.append(time.thread_time() - cpu)
                total = time.perf_counter() - started
            finally:
                restore()
            encode = spent.get("encode", 0.0)
            dense = max(0.0, spent.get("dense+encode", 0.0) - encode)
            lexical = spent.get("lexical", 0.0)
            totals.append(total)
            for stage, value in zip(STAGES, (encode, dense, lexical)):
                stages[stage].append(value)
            stages["fusion"].append(max(0.0, total - encode - dense - lexical))
        for q in qs:
            started = time.perf_counter()
            index.search(q, k=k, mode=mode)
            repeated.append(time.perf_counter() - started)
        results.append(
            WarmResult(
                mode,
                len(qs),
                summary_ms(totals),
                summary_ms(cpus),
                {s: summary_ms(v) for s, v in stages.items()},
                summary_ms(repeated),
            )
        )
    return results


def torch_encode_reference(model: str, qs: Sequence[str]) -> dict:
    """Query encoding with sentence-transformers (the route before ONNX), for comparison."""
    from ..embed import Encoder

    started = time.perf_counter()
    encoder = Encoder(model)
    encoder.encode_queries([qs[0]])
    load = time.perf_counter() - started
    durations = []
    for q in qs:
        started = time.perf_counter()
        encoder.encode_queries([q])
        durations.append(time.perf_counter() - started)
    return {"load_s": round(load, 2), "encode": summary_ms(durations)}


# --- processes: floor, cold start, build -------------------------------------------------------


def child_env(conf: Settings, extra: dict | None = None) -> dict:
    """The environment for child processes: this qa's code and these settings."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": root + (os.pathsep + path if path else ""),
        "QA_CORPUS_DIR": str(conf.corpus_dir),
        "QA_INDEX_DIR": str(conf.index_dir),
        "QA_MODEL": conf.model,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        **(extra or {}),
    }


def _repeat(cmd: Sequence[str], env: dict, runs: int, timeout: float = 300) -> dict:
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        child = run_child(cmd, env=env, timeout=timeout)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {child.stderr[-1500:]}")
        walls.append(child.wall_s)
        cpus.append(child.cpu_s)
        rss.append(child.peak_rss_mb)
    return {
        "wall_s": round(percentile(walls, 50), 3),
        "wall_min_s": round(min(walls), 3),
        "cpu_s": round(percentile(cpus, 50), 3),
        "peak_rss_mb": round(max(rss), 1),
        "runs": runs,
    }


FLOORS = {
    "python": "pass",
    "imports for qa search (numpy, faiss, onnxruntime, tokenizers, click)": (
        "import numpy, faiss, onnxruntime, tokenizers, click, Stemmer"
    ),
    "import gradio": "import gradio",
    "import sentence_transformers (torch, transformers, scikit-learn)": (
        "import sentence_transformers"
    ),
}


def floor(env: dict, runs: int, heavy: bool = True) -> dict:
    """Start-up cost of Python and of the packages each path needs, without any qa code."""
    out = {}
    for label, code in FLOORS.items():
        if not heavy and ("gradio" in code or "sentence" in code):
            continue
        out[label] = _repeat([sys.executable, "-c", code], env, runs)
    return out


def cold_search(env: dict, runs: int, question: str = SAMPLE_QUESTION) -> dict:
    """`qa search "…"` in a new process: start to answer printed (process exit)."""
    results = {}
    for label, extra in (("qa search", []), ("qa search --json", ["--json"])):
        cmd = [sys.executable, "-m", "qa", "search", question, *extra]
        results[label] = _repeat(cmd, env, runs)
    return results


def build(conf: Settings, env: dict) -> dict:
    """`qa build` into a fresh index folder: wall time, peak memory, stage times, throughput."""
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        env = {**env, "QA_INDEX_DIR": str(index_dir)}
        child = run_child([sys.executable, "-m", "qa", "build"], env=env, timeout=1800)
        if child.returncode != 0:
            raise RuntimeError(f"qa build failed: {child.stderr[-1500:]}")
        manifest = json.loads((index_dir / "manifest.json").read_text())
        folder = index_dir / "builds" / manifest["build"]
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    embed_s = manifest.get("timings", {}).get("embed")
    return {
        "wall_s": round(child.wall_s, 2),
        "cpu_s": round(child.cpu_s, 2),
        "peak_rss_mb": round(child.peak_rss_mb, 1),
        "passages": manifest["passage_count"],
        "stages_s": manifest.get("timings", {}),
        "passages_per_s": round(manifest["passage_count"] / embed_s, 1) if embed_s else None,
        "query_encoder": manifest.get("query_encoder"),
        "index_mb": round(size / 2**20, 1),
    }


# --- the whole run --------------------------------------------------------------------------------


@dataclass
class BenchReport:
    machine: dict
    settings: dict
    floor: dict = field(default_factory=dict)
    cold: dict = field(default_factory=dict)
    warm: list[WarmResult] = field(default_factory=list)
    torch_reference: dict = field(default_factory=dict)
    build: dict = field(default_factory=dict)
    serving: dict = field(default_factory=dict)
    scale: dict = field(default_factory=dict)
    embed: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_1m_at_start": round(load[0], 2),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def run(
    conf: Settings,
    quick: bool = False,
    parts: Sequence[str] = ("floor", "cold", "warm", "build", "serving"),
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True),
    texts: Path | None = None,
) -> BenchReport:
    """Run the chosen parts; `quick` keeps each tiny (for the test suite). `texts`: the folder
    of report texts the embed part cuts its passages from (default: the corpus)."""
    from ..search import open_index

    runs = 1 if quick else 5
    env = child_env(conf)
    report = BenchReport(machine(), {"process_runs": runs})
    if set(parts) == {"embed"}:  # the embed part reads no index
        report.embed = _embed_part(conf, env, texts, quick, log)
        return report
    index = open_index(conf, log=log)
    qs = questions(index, 20 if quick else QUESTION_TARGET)
    report.settings.update(
        {
            "questions": len(qs),
            "faiss_index": index.manifest.faiss_index,
            "passages": index.manifest.passage_count,
            "query_encoder": type(index.encoder).__name__,
            "onnx_threads": getattr(index.encoder, "threads", None)
            or os.environ.get("QA_ONNX_THREADS", 1),
        }
    )
    if "floor" in parts:
        log("floor: Python and imports alone…")
        report.floor = floor(env, runs, heavy=not quick)
    if "cold" in parts:
        log("cold: qa search in a new process…")
        report.cold = cold_search(env, runs)
    if "warm" in parts:
        log(f"warm: {len(qs)} questions × {len(MODES)} modes…")
        report.warm = warm(index, qs)
        if not quick:
            log("warm: sentence-transformers encoding, for comparison…")
            report.torch_reference = torch_encode_reference(conf.model, qs)
    if "build" in parts:
        log("build: qa build into a temporary folder…")
        report.build = build(conf, env)
    if "serving" in parts:
        from . import serving

        clients = (2,) if quick else (8, 32)
        log(f"serving: qa serve, then {', '.join(map(str, clients))} concurrent clients…")
        serving = serving.run(
            qs,
            clients=clients,
            requests_per_client=3 if quick else 25,
            max_seconds=20 if quick else 60,
            env=env,
        )
        report.serving = serving.to_dict()
    if "embed" in parts:
        report.embed = _embed_part(conf, env, texts, quick, log)
    return report


def _embed_part(conf: Settings, env: dict, texts: Path | None, quick: bool, log) -> dict:
    from . import embed

    log("embed: passages/s, floor, equality and builds on a library of reports…")
    return embed.run(conf, env, texts, quick=quick, log=log)


# --- the readable table ---------------------------------------------------------------------------


def _ms(summary: dict) -> str:
    return f"{summary['p50_ms']:.2f} / {summary['p95_ms']:.2f}"


def format_report(report: BenchReport) -> str:
    m = report.machine
    lines = [
        f"qa bench — {m['date']}, {m['cpus']} CPUs, Python {m['python']}, "
        f"load average {m['load_average_1m_at_start']} at start",
    ]
    if "passages" in report.settings:
        lines.append(
            f"index: {report.settings['passages']} passages, FAISS "
            f"{report.settings['faiss_index']}, queries via {report.settings['query_encoder']}"
        )
    lines.append("")
    if report.floor or report.cold or report.serving:
        lines += [
            "Start-up (new process; median wall of the runs, CPU = user+sys)",
            "",
            "| what | wall s | CPU s | peak MB |",
            "|---|---:|---:|---:|",
        ]
        for label, r in {
            **{f"floor: {k}": v for k, v in report.floor.items()},
            **report.cold,
        }.items():
            lines.append(
                f"| {label} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_rss_mb']:.0f} |"
            )
        if report.serving:
            s = report.serving["start"]
            rss = s.get("rss_mb")
            lines.append(
                f"| qa serve → first answer | {s['first_answer_s']:.2f} | "
                f"{s['cpu_s'] if s['cpu_s'] is not None else '—'} | "
                f"{f'{rss:.0f} (resident then)' if rss is not None else '—'} |"
            )
            lines.append(f"| qa serve → port open | {s['port_open_s']:.2f} | — | — |")
        lines.append("")
    if report.warm:
        n = report.warm[0].questions
        lines += [
            f"Warm search latency, {n} questions each asked once (ms, p50 / p95)",
            "",
            "| mode | total | CPU | encode | dense | lexical | fusion + hits | repeated question |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in report.warm:
            lines.append(
                f"| {r.mode} | {_ms(r.total)} | {_ms(r.cpu)} | "
                + " | ".join(_ms(r.stages[s]) for s in STAGES)
                + f" | {_ms(r.repeated)} |"
            )
        if report.torch_reference:
            t = report.torch_reference
            lines.append(
                f"\nReference: sentence-transformers query encoding {_ms(t['encode'])} ms "
                f"(p50 / p95), after {t['load_s']:.1f} s to import and load it."
            )
        lines.append("")
    if report.build:
        b = report.build
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in b["stages_s"].items())
        lines += [
            f"qa build: {b['wall_s']:.1f} s wall ({b['cpu_s']:.1f} s CPU), "
            f"peak {b['peak_rss_mb']:.0f} MB, {b['passages']} passages at "
            f"{b['passages_per_s']} passages/s, index {b['index_mb']} MB",
            f"  stages: {stages}",
            "",
        ]
    if report.serving:
        lines += [
            "Serving the search API on loopback (bounded runs)",
            "",
            "| clients | requests | errors | requests/s | p50 ms | p95 ms |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in report.serving["load"]:
            lines.append(
                f"| {r['clients']} | {r['requests']} | {r['errors']} | {r['requests_per_s']} | "
                f"{r['latency']['p50_ms']:.1f} | {r['latency']['p95_ms']:.1f} |"
            )
        memory = report.serving.get("memory") or {}
        if memory:
            lines.append(
                f"\nServing process memory after these loads: {memory.get('rss_mb', 0):.0f} MB "
                f"resident, {memory.get('peak_mb', 0):.0f} MB at its peak."
            )
        lines.append(f"\nsettings: {json.dumps(report.serving['settings'])}")
    if report.embed:
        from .embed import format_report as format_embed

        lines += ["", format_embed(report.embed)]
    return "\n".join(lines)
