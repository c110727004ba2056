"""`qa bench --only embed`: how fast `qa build` embeds a library, next to the model's floor.

Passages: paragraph-sized pieces of a folder of report texts (`--texts DIR`; the corpus by
default). Text dumps of PDFs are read as they come (`=== page N of M ===` markers and running
headers dropped), cut at numbered paragraphs and into windows of about 100 words, and kept
when they hold 30–250 word pieces: on the 273 UN reports of 2025 that gives about 15,500
passages averaging 97 word pieces, the report's own passages' average.

Measures, with the load average at the start of every run (other work on the machine slows
every figure; routes are run interleaved, `--repeat` times, best and median kept):
  routes    passages/s of each way to embed the same passages: sentence-transformers as the
            build used it (batches of 32 in corpus order), in one call (its own length sort),
            length-sorted; the ONNX export, length-sorted, at several batch sizes, unfused,
            with one thread, unsorted; bfloat16 where the CPU has AMX
  floor     the model's own cost: the ONNX export at one fixed length with no padding (per
            word piece), and the passages batched by exact length (no padding at all)
  library   the build's route and sentence-transformers over every passage: passages/s and
            cosine of each vector to sentence-transformers' (min, mean)
  build     `qa build` of a corpus made of those passages in new processes: fresh (with the
            export), unchanged, killed with SIGKILL half-way and resumed, one report added;
            wall time, peak memory, passages embedded
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..config import Settings
from .measure import run_child

WINDOW_WORDS = 100
MIN_TOKENS, MAX_TOKENS = 30, 250
ONNX_BATCHES = (4, 8, 16, 32, 64)
FLOOR_LENGTHS = (64, 128, 256)
FLOOR_BATCHES = (1, 4, 8, 16, 32)
SAMPLE_RUN = 100  # passages in a row: a sample keeps the corpus order within each run

_PAGE = re.compile(r"^=== page \d+ of \d+ ===$")
# Running headers and footers of UN documents: the symbol, the job number and page, "*2507948*".
_HEADER = re.compile(r"^([A-Z]{1,4}/[\w./-]+|\d+/\d+\s+\d{2}-\d{5}.*|\d{2}-\d{5}.*|\*\d+\*)$")
_NUMBERED = re.compile(r"^\d{1,3}\.\s+(?=\S)")


# --- passages ----------------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """A report's text cut at numbered paragraphs ("12. The …"), page furniture dropped."""
    out: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or _PAGE.match(line) or _HEADER.match(line):
            continue
        if _NUMBERED.match(line) and current:
            out.append(" ".join(current))
            current = []
        current.append(line)
    if current:
        out.append(" ".join(current))
    return out


def windows(paragraph: str, words: int = WINDOW_WORDS) -> list[str]:
    """A paragraph in equal windows of at most `words` words, its number dropped."""
    tokens = _NUMBERED.sub("", paragraph).split()
    if not tokens:
        return []
    size = math.ceil(len(tokens) / math.ceil(len(tokens) / words))
    return [" ".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]


def library(
    folder: Path, count_tokens: Callable[[str], int], limit: int | None = None
) -> dict[str, list[str]]:
    """Document name -> its passages of 30–250 word pieces, documents in name order, at most
    `limit` passages in all."""
    docs: dict[str, list[str]] = {}
    total = 0
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".txt", ".md"))
    for path in files:
        pieces = [
            w
            for par in paragraphs(path.read_text(encoding="utf-8", errors="replace"))
            for w in windows(par)
            if MIN_TOKENS <= count_tokens(w) <= MAX_TOKENS
        ]
        if limit is not None:
            pieces = pieces[: limit - total]
        if pieces:
            docs[path.stem] = pieces
            total += len(pieces)
        if limit is not None and total >= limit:
            break
    return docs


def sample(passages: Sequence[str], n: int, run: int = SAMPLE_RUN) -> list[str]:
    """About `n` passages in runs of `run` consecutive ones spread over the whole list: the
    length mix of the whole, with neighbours as a document has them."""
    if n >= len(passages):
        return list(passages)
    runs = max(1, n // run)
    step = len(passages) // runs
    out: list[str] = []
    for start in range(0, step * runs, step):
        out.extend(passages[start : start + min(run, n)])
    return out[:n]


def fill(lengths: Sequence[int], batches: Sequence[np.ndarray]) -> float:
    """Share of the padded positions that are real word pieces."""
    padded = sum(int(max(lengths[i] for i in b)) * len(b) for b in batches if len(b))
    return sum(lengths) / padded if padded else 1.0


# --- routes ------------------------------------------------------------------------------------


@dataclass
class RouteResult:
    """One way to embed the sample, run `len(runs)` times."""

    route: str
    passages: int
    tokens: int
    runs: list[float] = field(default_factory=list)  # passages/s
    cpu_ms: list[float] = field(default_factory=list)  # process CPU per passage
    load: list[float] = field(default_factory=list)  # 1-minute load average at each start
    fill: float | None = None
    cosine_min: float | None = None  # to sentence-transformers' vectors of the same passages
    cosine_mean: float | None = None

    @property
    def best(self) -> float:
        return max(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def cpu_has(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


def _load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else 0.0


def timed(fn: Callable[[], np.ndarray], count: int) -> tuple[np.ndarray, float, float, float]:
    """(vectors, passages/s, CPU ms a passage, load average at the start)."""
    load = _load()
    cpu, wall = time.process_time(), time.perf_counter()
    vectors = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return vectors, count / wall, cpu / count * 1000, load


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(axis=1)


def model_routes(encoder, texts: list[str], lengths: list[int]) -> dict[str, Callable]:
    """The sentence-transformers routes: label -> encode the texts."""
    model = encoder.model
    encode = getattr(model, "encode_document", None) or model.encode

    def before() -> np.ndarray:  # qa build until now: batches of 32 in corpus order
        parts = [
            encode(texts[s : s + 32], normalize_embeddings=True, batch_size=32)
            for s in range(0, len(texts), 32)
        ]
        return np.vstack(parts)

    routes = {
        "sentence-transformers, batches of 32 in corpus order (before)": before,
        "sentence-transformers, one encode() call (its own length sort)": lambda: encode(
            texts, normalize_embeddings=True, batch_size=32
        ),
        "sentence-transformers, length-sorted (the fallback route)": lambda: (
            encoder.encode_documents(texts)
        ),
    }
    if cpu_has("amx_bf16"):
        routes["sentence-transformers in bfloat16 (AMX), length-sorted, batch 64"] = lambda: (
            bf16_encode(model, texts, lengths, 64)
        )
    return routes


def bf16_encode(model, texts: list[str], lengths: list[int], batch: int) -> np.ndarray:
    """sentence-transformers under torch's bfloat16 autocast (matrix products in bfloat16,
    on AMX tiles where the CPU has them), length-sorted."""
    import torch

    from ..batching import encode_in_length_order

    def run(positions: np.ndarray) -> np.ndarray:
        part = [texts[i] for i in positions]
        with torch.autocast("cpu", dtype=torch.bfloat16), torch.inference_mode():
            vectors = model.encode(part, batch_size=batch, convert_to_numpy=True)
        return vectors.astype(np.float32)

    out = encode_in_length_order(lengths, run, out_dim(model), batch)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def out_dim(model) -> int:
    getter = getattr(model, "get_embedding_dimension", None)
    return int(getter() if getter else model.get_sentence_embedding_dimension())


def onnx_routes(
    fused, unfused, single, texts: list[str], default_batch: int
) -> dict[str, Callable]:
    """The ONNX routes: label -> encode the texts. The build's: two batches side by side, one
    thread each (`workers`, the default on 2 cores)."""
    routes: dict[str, Callable] = {}
    for batch in ONNX_BATCHES:
        routes[f"ONNX, length-sorted, batch {batch}, 2 batches side by side"] = lambda b=batch: (
            fused.encode_documents(texts, batch_size=b, workers=2)
        )
    routes[f"ONNX, length-sorted, batch {default_batch}, each batch on 2 threads"] = lambda: (
        fused.encode_documents(texts, batch_size=default_batch, workers=1)
    )
    routes[f"ONNX, length-sorted, batch {default_batch}, 1 thread"] = lambda: (
        single.encode_documents(texts, batch_size=default_batch, workers=1)
    )
    if unfused is not None:
        label = f"ONNX unfused, length-sorted, batch {default_batch}, 2 batches side by side"
        routes[label] = lambda: unfused.encode_documents(texts, batch_size=default_batch, workers=2)
    # Each batch as it comes, padded to its longest: what length sorting is measured against.
    routes["ONNX, batches of 32 in corpus order, each on 2 threads"] = lambda: np.vstack(
        [
            fused._run(fused.tokenizer.encode_batch(texts[s : s + 32]))
            for s in range(0, len(texts), 32)
        ]
    )
    return routes


def route_fill(label: str, lengths: list[int], default_batch: int) -> float:
    """The padding a route's batches carry, from its label."""
    from ..batching import length_batches

    if "corpus order" in label:
        n = len(lengths)
        return fill(lengths, [np.arange(s, min(s + 32, n)) for s in range(0, n, 32)])
    match = re.search(r"batch (\d+)", label)
    batch = int(match.group(1)) if match else (32 if "sentence" in label else default_batch)
    return fill(lengths, list(length_batches(lengths, batch)))


def measure_routes(
    routes: dict[str, Callable],
    texts: list[str],
    lengths: list[int],
    repeat: int,
    default_batch: int,
    log: Callable[[str], None],
) -> list[RouteResult]:
    """Every route over the same texts, interleaved `repeat` times; cosines to the model's."""
    results = {
        label: RouteResult(
            label,
            len(texts),
            int(sum(lengths)),
            fill=round(route_fill(label, lengths, default_batch), 3),
        )
        for label in routes
    }
    vectors: dict[str, np.ndarray] = {}
    for round_ in range(repeat):
        for label, fn in routes.items():
            got, rate, cpu_ms, load = timed(fn, len(texts))
            vectors.setdefault(label, got)
            r = results[label]
            r.runs.append(round(rate, 1))
            r.cpu_ms.append(round(cpu_ms, 2))
            r.load.append(load)
            log(f"  {label}: {rate:.1f} passages/s (load {load}, run {round_ + 1}/{repeat})")
    reference = next((v for k, v in vectors.items() if "one encode()" in k), None)
    if reference is not None:
        for label, got in vectors.items():
            c = _cosines(got, reference)
            results[label].cosine_min = round(float(c.min()), 6)
            results[label].cosine_mean = round(float(c.mean()), 6)
    return list(results.values())


# --- floor -------------------------------------------------------------------------------------


def fixed_length_floor(
    onnx,
    vocab: int,
    seconds: float = 2.0,
    lengths: Sequence[int] = FLOOR_LENGTHS,
    batches: Sequence[int] = FLOOR_BATCHES,
) -> list[dict]:
    """The export's cost per word piece at one length, no padding, per batch size."""
    rng = np.random.default_rng(0)
    rows = []
    for length in lengths:
        for batch in batches:
            ids = rng.integers(1000, vocab, size=(batch, length), dtype=np.int64)
            ids[:, 0], ids[:, -1] = 101, 102  # [CLS] … [SEP]
            feed = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.zeros_like(ids),
            }
            feed = {i.name: feed[i.name] for i in onnx.session.get_inputs()}
            onnx.session.run(None, feed)
            runs, started, load = 0, time.perf_counter(), _load()
            while time.perf_counter() - started < seconds:
                onnx.session.run(None, feed)
                runs += 1
            spent = time.perf_counter() - started
            rows.append(
                {
                    "length": length,
                    "batch": batch,
                    "us_per_token": round(spent / (runs * batch * length) * 1e6, 2),
                    "sequences_per_s": round(runs * batch / spent, 1),
                    "load": load,
                }
            )
    return rows


def exact_length_floor(onnx, texts: list[str], batch: int) -> tuple[float, float]:
    """(passages/s, load) with the passages batched by exact length: no padding at all."""
    encodings = onnx.tokenizer.encode_batch(texts)
    by_length: dict[int, list] = {}
    for e in encodings:
        by_length.setdefault(len(e.ids), []).append(e)
    groups = [g[s : s + batch] for g in by_length.values() for s in range(0, len(g), batch)]
    load = _load()
    started = time.perf_counter()
    for group in groups:
        onnx._run(group)
    return len(texts) / (time.perf_counter() - started), load


# --- builds in new processes ---------------------------------------------------------------------


def report_text(name: str, passages: Sequence[str]) -> str:
    """A report in the UN layout the parser reads, its passages as numbered paragraphs."""
    body = "\n\n".join(f"{n}. {text}" for n, text in enumerate(passages, start=1))
    return (
        f"General Assembly\n\nDistr.: General\n1 May 2025\n\nEightieth session\n\n"
        f"{name}\n\nReport of the Secretary-General\n\nI. Introduction\n\n{body}\n"
    )


def _manifest(index_dir: Path) -> dict:
    return json.loads((index_dir / "manifest.json").read_text())


def _embedded(stderr: str) -> int:
    """Passages the build embedded, from its progress lines ("Embedding 1,234 passages…")."""
    match = re.search(r"^Embedding ([\d,]+) passages", stderr, re.MULTILINE)
    return int(match.group(1).replace(",", "")) if match else 0


def _build(cmd: list[str], env: dict, label: str, log: Callable[[str], None]) -> dict:
    log(f"build: {label}…")
    child = run_child(cmd, env=env, timeout=3600)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {child.stderr[-1500:]}")
    manifest = _manifest(Path(env["QA_INDEX_DIR"]))
    return {
        "what": label,
        "wall_s": round(child.wall_s, 2),
        "cpu_s": round(child.cpu_s, 2),
        "peak_rss_mb": round(child.peak_rss_mb, 1),
        "passages": manifest["passage_count"],
        "embedded": _embedded(child.stderr),
        "stages_s": manifest.get("timings", {}),
        "query_encoder": manifest.get("query_encoder"),
        "load": _load(),
    }


def kill_halfway(env: dict, fraction: float = 0.5, timeout: float = 3600) -> dict:
    """Start `qa build`; SIGKILL it when its progress lines say `fraction` of the passages are
    embedded (in the middle of a chunk, as a real interruption would be)."""
    index_dir = Path(env["QA_INDEX_DIR"])
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "build"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    done = total = 0
    try:
        for line in proc.stderr:
            match = re.match(r"Embedded ([\d,]+)/([\d,]+) passages", line)
            if match:
                done, total = (int(g.replace(",", "")) for g in match.groups())
                if done >= total * fraction or time.perf_counter() - started > timeout:
                    break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
        proc.wait()
    return {
        "killed_after_s": round(time.perf_counter() - started, 1),
        "returncode": proc.returncode,
        "embedded_when_killed": done,
        "to_embed": total,
        "documents_cached": len(list((index_dir / "cache").glob("*.json"))),
        "manifest_written": (index_dir / "manifest.json").exists(),
    }


def builds(
    docs: dict[str, list[str]], env: dict, log: Callable[[str], None], export: Path | None = None
) -> dict:
    """Fresh build, unchanged rebuild, one report added; a build killed half-way, resumed.

    With `export` (--quick) the fresh build finds that export of the model in its index
    folder, as a second build does, instead of exporting it (about 10 s)."""
    out: dict = {}
    names = list(docs)
    held_out = names[-1]
    with tempfile.TemporaryDirectory(prefix="qa-bench-embed-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        for name in names[:-1]:
            (corpus / f"{name}.txt").write_text(report_text(name, docs[name]), encoding="utf-8")
        extra = root / f"{held_out}.txt"
        extra.write_text(report_text(held_out, docs[held_out]), encoding="utf-8")
        first = {**env, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(root / "index")}
        build = [sys.executable, "-m", "qa", "build"]
        fresh = "fresh, the export made first"
        if export is not None:
            shutil.copytree(export, root / "index" / "encoder" / export.name)
            fresh = "fresh, the export copied in (--quick)"
        out["fresh"] = _build(build, first, fresh, log)
        out["unchanged"] = _build(build, first, "again, nothing changed", log)
        out["add_one"] = _build(
            [sys.executable, "-m", "qa", "add", str(extra)], first, "qa add one report", log
        )
        # Killed half-way: a new index folder that has the export (as after any first build).
        second = {**first, "QA_INDEX_DIR": str(root / "index-killed")}
        (root / "index-killed").mkdir()
        shutil.copytree(root / "index" / "encoder", root / "index-killed" / "encoder")
        log("build: killed with SIGKILL half-way…")
        out["killed"] = kill_halfway(second)
        out["resumed"] = _build(build, second, "resumed after the kill", log)
        out["resumed"]["same_vectors_as_fresh"] = _same_index(root / "index", root / "index-killed")
    return out


def _same_index(a: Path, b: Path) -> float:
    """Smallest cosine between the two indexes' vectors of the same passages."""
    from ..store import load_index, passage_vectors

    first, second = load_index(a), load_index(b)
    ids = {(p.doc_id, p.ref, p.item, p.text): p.id for p in first.passages}
    va, vb = passage_vectors(first), passage_vectors(second)
    pairs = [
        (ids[key], p.id)
        for p in second.passages
        if (key := (p.doc_id, p.ref, p.item, p.text)) in ids
    ]
    if not pairs:
        return float("nan")
    ia, ib = map(list, zip(*pairs))
    return round(float(_cosines(va[ia], vb[ib]).min()), 6)


# --- the whole part ----------------------------------------------------------------------------


def run(
    conf: Settings,
    env: dict,
    texts_dir: Path | None = None,
    quick: bool = False,
    repeat: int = 2,
    sample_size: int = 1000,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True),
) -> dict:
    """Every figure of the part, as a JSON-ready dict."""
    from ..embed import Encoder
    from ..onnx_encoder import (
        DOCUMENT_BATCH,
        OnnxEncoder,
        available,
        cached_export,
        export,
        export_key,
    )

    encoder = Encoder(conf.model)
    texts_dir = Path(texts_dir or conf.corpus_dir)
    docs = library(texts_dir, encoder.count_tokens, limit=120 if quick else None)
    passages = [p for ps in docs.values() for p in ps]
    if len(docs) < 2:
        from ..errors import CorpusError

        raise CorpusError(
            f"{texts_dir} gives {len(passages)} passages of {MIN_TOKENS}–{MAX_TOKENS} word "
            f"pieces in {len(docs)} document(s); the embed bench needs two documents at least: "
            "give a folder of report texts with --texts DIR"
        )
    lengths_all = [encoder.count_tokens(p) for p in passages]
    picked = sample(passages, 24 if quick else sample_size)
    lengths = [encoder.count_tokens(p) for p in picked]
    log(
        f"embed: {len(passages):,} passages from {len(docs)} documents in {texts_dir}; "
        f"routes on {len(picked):,} of them"
    )
    figures: dict = {
        "texts": str(texts_dir),
        "documents": len(docs),
        "passages": len(passages),
        "tokens": {
            "total": int(sum(lengths_all)),
            "mean": round(float(np.mean(lengths_all)), 1),
            "median": float(np.median(lengths_all)),
            "p95": float(np.percentile(lengths_all, 95)),
            "max": int(max(lengths_all)),
        },
        "sample": len(picked),
        "document_batch": DOCUMENT_BATCH,
        "load_at_start": _load(),
    }
    with tempfile.TemporaryDirectory(prefix="qa-bench-onnx-") as tmp:
        # The index's own export when it has one (the same key: same model, export code and
        # packages), read only; else one made here.
        key = export_key(encoder)
        fused_dir = conf.index_dir / "encoder" / key if key else None
        if fused_dir is not None and available(fused_dir):
            log(f"embed: the index's export of the model ({fused_dir})…")
        else:
            log("embed: exporting the model (fused, and unfused unless --quick)…")
            fused_dir = cached_export(encoder, Path(tmp) / "fused")
        if fused_dir is None:
            raise RuntimeError(f"model {conf.model} cannot be exported to ONNX")
        fused, unfused = OnnxEncoder(fused_dir), None
        if not quick:  # a second export: the unfused graph's figure is for comparison only
            unfused_dir = Path(tmp) / "unfused"
            unfused_dir.mkdir()
            export(encoder, unfused_dir, fuse=False)
            unfused = OnnxEncoder(unfused_dir)
        single = OnnxEncoder(fused_dir, threads=1)
        for onnx in (fused, unfused, single):
            if onnx is not None:
                onnx.encode_documents(picked[:16])  # load and warm
        routes = model_routes(encoder, picked, lengths)
        routes.update(onnx_routes(fused, unfused, single, picked, DOCUMENT_BATCH))
        encoder.encode_documents(picked[:16])
        if quick:
            routes = {k: v for k, v in routes.items() if "batch 4" not in k and "64" not in k}
        log(f"embed: {len(routes)} routes × {repeat if not quick else 1} runs…")
        figures["routes"] = [
            asdict(r) | {"best": r.best, "median": r.median}
            for r in measure_routes(
                routes, picked, lengths, 1 if quick else repeat, DOCUMENT_BATCH, log
            )
        ]
        log("embed: floor…")
        vocab = fused.tokenizer.get_vocab_size()
        figures["floor_fixed_length"] = (
            # --quick: the length the build's batch size is chosen at, three batch sizes.
            fixed_length_floor(fused, vocab, 0.2, lengths=(128,), batches=(1, 4, 16))
            if quick
            else fixed_length_floor(fused, vocab)
        )
        best_batch = min(
            (r for r in figures["floor_fixed_length"] if r["length"] == 128),
            key=lambda r: r["us_per_token"],
        )["batch"]
        rate, load = exact_length_floor(fused, picked, max(best_batch, DOCUMENT_BATCH))
        figures["floor_exact_length"] = {
            "passages_per_s": round(rate, 1),
            "batch": max(best_batch, DOCUMENT_BATCH),
            "load": load,
        }
        log(f"embed: every passage ({len(passages):,}) through the build's route and the model…")
        ours, ours_rate, ours_cpu, ours_load = timed(
            lambda: fused.encode_documents(passages), len(passages)
        )
        model, model_rate, model_cpu, model_load = timed(
            lambda: encoder.model.encode(passages, normalize_embeddings=True, batch_size=32),
            len(passages),
        )
        cos = _cosines(ours, model)
        figures["library"] = {
            "onnx_passages_per_s": round(ours_rate, 1),
            "onnx_seconds": round(len(passages) / ours_rate, 1),
            "onnx_cpu_ms": round(ours_cpu, 2),
            "onnx_load": ours_load,
            "model_passages_per_s": round(model_rate, 1),
            "model_seconds": round(len(passages) / model_rate, 1),
            "model_load": model_load,
            "cosine_min": round(float(cos.min()), 6),
            "cosine_mean": round(float(cos.mean()), 6),
            "cosine_p01": round(float(np.percentile(cos, 1)), 6),
        }
        figures["builds"] = builds(docs, env, log, fused_dir if quick else None)
    figures["load_at_end"] = _load()
    return figures


# --- the readable table ------------------------------------------------------------------------


def format_report(f: dict) -> str:
    t = f["tokens"]
    lines = [
        f"Embedding: {f['passages']:,} passages from {f['documents']} documents "
        f"({f['texts']}), word pieces mean {t['mean']}, median {t['median']:.0f}, "
        f"p95 {t['p95']:.0f}, max {t['max']}; load average {f['load_at_start']} at start, "
        f"{f.get('load_at_end', '?')} at the end",
        "",
        f"Routes on {f['sample']:,} of the passages (passages/s, best and median of the runs; "
        "CPU ms a passage; real word pieces among padded positions; cosine to "
        "sentence-transformers' vectors, min / mean)",
        "",
        "| route | best | median | CPU ms | fill | cosine min / mean | load |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in f["routes"]:
        cos = (
            f"{r['cosine_min']:.5f} / {r['cosine_mean']:.5f}"
            if r["cosine_min"] is not None
            else "—"
        )
        lines.append(
            f"| {r['route']} | {r['best']:.1f} | {r['median']:.1f} | {min(r['cpu_ms']):.1f} | "
            f"{r['fill']:.2f} | {cos} | {', '.join(str(x) for x in r['load'])} |"
        )
    lines += ["", "Floor: the export at one fixed length, no padding (µs per word piece)", ""]
    batches = sorted({r["batch"] for r in f["floor_fixed_length"]})
    lines.append("| length | " + " | ".join(f"batch {b}" for b in batches) + " |")
    lines.append("|---:|" + "---:|" * len(batches))
    for length in sorted({r["length"] for r in f["floor_fixed_length"]}):
        row = {r["batch"]: r for r in f["floor_fixed_length"] if r["length"] == length}
        lines.append(
            f"| {length} | " + " | ".join(f"{row[b]['us_per_token']:.1f}" for b in batches) + " |"
        )
    e = f["floor_exact_length"]
    lines.append(
        f"\nThe passages batched by exact length (no padding at all), batch {e['batch']}: "
        f"{e['passages_per_s']:.1f} passages/s (load {e['load']})."
    )
    lib = f["library"]
    lines += [
        "",
        f"Every passage: the build's route (ONNX, length-sorted, batch {f['document_batch']}) "
        f"{lib['onnx_passages_per_s']:.1f} passages/s ({lib['onnx_seconds']:.0f} s, load "
        f"{lib['onnx_load']}); sentence-transformers in one call {lib['model_passages_per_s']:.1f} "
        f"passages/s ({lib['model_seconds']:.0f} s, load {lib['model_load']}); cosine min "
        f"{lib['cosine_min']:.5f}, 1st percentile {lib['cosine_p01']:.5f}, mean "
        f"{lib['cosine_mean']:.6f}",
    ]
    b = f["builds"]
    lines += [
        "",
        "qa build in new processes (wall s, peak MB, passages embedded of the index's)",
        "",
        "| build | wall s | CPU s | peak MB | embedded | passages | stages s | load |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for key in ("fresh", "unchanged", "add_one", "resumed"):
        r = b[key]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_s"].items())
        lines.append(
            f"| {r['what']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['embedded']:,} | {r['passages']:,} | {stages} | {r['load']} |"
        )
    k, r = b["killed"], b["resumed"]
    redone = k["embedded_when_killed"] + r["embedded"] - k["to_embed"]
    lines.append(
        f"\nKilled with SIGKILL after {k['killed_after_s']:.0f} s, at "
        f"{k['embedded_when_killed']:,} of {k['to_embed']:,} passages: {k['documents_cached']} "
        f"documents cached, manifest written: {k['manifest_written']}. The next build embedded "
        f"{r['embedded']:,} passages ({redone:,} embedded twice: the chunk under way); its "
        f"vectors against the fresh build's: min cosine {r['same_vectors_as_fresh']}."
    )
    return "\n".join(lines)
