"""Scale benchmark: FAISS index types and BM25 on synthetic corpora of 10k to 1M passages.

Vectors: a Gaussian mixture on the sphere seeded by the report's own passage vectors. Each
synthetic topic centre is a real passage vector plus noise (cosine ≈ 0.85 to it), each passage
is a centre plus noise (cosine ≈ 0.75 to its centre), so neighbours are clustered the way
real embeddings are; uniform random vectors would be a pathological, easier-to-fake case.
Queries: the project's evaluation questions, encoded by the real model, plus held-out draws
from the same mixture. Ground truth: exact inner-product search (FAISS Flat).

Texts for BM25: bags of words whose frequencies are the report's own stems (70%) plus a
Zipf-distributed long tail of made-up words (30%), passage lengths like the report's. The BM25
matrix is computed exactly as bm25s does (Lucene IDF, k1=1.2, b=0.75; a test checks this
against bm25s) and searched with `qa.lexical.LexicalIndex.top`, the code `qa search` runs.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from ..dense import nlist_for
from .measure import peak_rss_mb, reset_peak_rss, rss_mb, summary_ms

K = 10
TOPIC_NOISE = 0.032  # per-dimension sd: cosine(topic centre, real passage) ≈ 0.85 at 384-d
PASSAGE_NOISE = 0.045  # cosine(passage, its topic centre) ≈ 0.75
PASSAGES_PER_TOPIC = 250
REAL_SHARE = 0.7  # share of a synthetic passage's words drawn from the report's own stems
TAIL_VOCAB = 500_000
LEXICAL_K = 1000  # search.LEXICAL_CANDIDATES: what `qa search` asks BM25 for


@dataclass
class DenseResult:
    """One index type at one corpus size."""

    n: int
    kind: str
    params: str
    build_s: float
    size_mb: float  # the index's own bytes (serialized size, the same arrays as in memory)
    rss_mb: float  # growth of this process's resident memory while building it
    peak_build_mb: float
    recall_at_10: float
    query: dict[str, float]
    note: str = ""


@dataclass
class LexicalResult:
    """BM25 at one corpus size: `query` times `LexicalIndex.top` as `qa search` runs it."""

    n: int
    postings: int
    vocabulary: int
    build_s: float
    memory_mb: float
    query: dict[str, float]
    mean_candidates: float
    k: int = LEXICAL_K
    mean_query_postings: float = 0.0
    # The same queries through the code before this change (commit d60bbae) and through
    # MaxScore pruning, timed side by side.
    query_before: dict[str, float] = field(default_factory=dict)
    query_pruned: dict[str, float] = field(default_factory=dict)
    # Against the exact top k (ties to the lower id): recall of each path, and the share of
    # queries whose top k equals it to the last bit.
    recall: dict[str, dict[str, float]] = field(default_factory=dict)
    exact_share: dict[str, float] = field(default_factory=dict)
    pruned_share: float = 0.0  # queries where MaxScore skipped anything
    skipped_share: float = 0.0  # mean share of a query's postings it did not scan
    extra_memory_mb: float = 0.0  # per-word figures MaxScore keeps, after all queries


@dataclass
class ScaleReport:
    sizes: list[int]
    queries: int
    real_queries: int
    dense: list[DenseResult] = field(default_factory=list)
    lexical: list[LexicalResult] = field(default_factory=list)
    generate_s: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


# --- synthetic vectors ---------------------------------------------------------------------------


def _normalize(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mixture(seeds: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(n passage vectors, topic centres): a Gaussian mixture on the sphere around `seeds`."""
    d = seeds.shape[1]
    topics = max(1, n // PASSAGES_PER_TOPIC)
    centres = seeds[rng.integers(0, len(seeds), topics)]
    centres = _normalize(centres + rng.normal(0, TOPIC_NOISE, (topics, d))).astype(np.float32)
    out = np.empty((n, d), dtype=np.float32)
    chunk = 100_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        which = rng.integers(0, topics, m)
        noise = rng.normal(0, PASSAGE_NOISE, (m, d)).astype(np.float32)
        out[start : start + m] = _normalize(centres[which] + noise)
    return out, centres


def exact_neighbours(corpus: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    import faiss

    index = faiss.IndexFlatIP(corpus.shape[1])
    index.add(corpus)
    _, ids = index.search(queries, k)
    del index
    return ids


# --- dense index types ---------------------------------------------------------------------------


def dense_variants(
    n: int,
) -> list[tuple[str, str, list[tuple[str, Callable]], Callable | None]]:
    """(label, factory string, [(parameter label, setter)], set up before adding or None) to
    build and sweep at size n."""
    nlist = nlist_for(n)

    def nprobe(v: int):
        return (f"nprobe={v}", lambda index: setattr(_ivf(index), "nprobe", v))

    def ef(v: int):
        return (f"efSearch={v}", lambda index: setattr(index.hnsw, "efSearch", v))

    def ef_construction(v: int):
        return lambda index: setattr(index.hnsw, "efConstruction", v)

    probes = [p for p in (8, 16, 32, 64) if p <= nlist]
    efs = [ef(v) for v in (32, 64, 128, 256, 512, 1024)]
    return [
        ("Flat", "Flat", [("exact", lambda index: None)], None),
        (f"IVF{nlist},Flat", f"IVF{nlist},Flat", [nprobe(p) for p in probes], None),
        (f"IVF{nlist},SQ8", f"IVF{nlist},SQ8", [nprobe(p) for p in probes], None),
        # Fast-scan PQ (4-bit codes, 48 bytes a vector): the memory-lean option. 8-bit PQ48
        # took minutes to train even at 5k vectors here.
        (f"IVF{nlist},PQ96x4fs", f"IVF{nlist},PQ96x4fs", [nprobe(p) for p in probes[:2]], None),
        # Last: by far the slowest to build at 1M on two cores. FAISS's default graph
        # (efConstruction 40), then a denser one: on these clustered vectors recall falls
        # with size at a fixed efSearch (docs/performance.md).
        ("HNSW32", "HNSW32", efs, None),
        ("HNSW32,efC128", "HNSW32", efs, ef_construction(128)),
    ]


def index_bytes(index) -> int:
    """Bytes FAISS writes for the index, counted without writing them anywhere."""
    import faiss

    total = [0]

    def count(chunk) -> int:
        total[0] += len(chunk)
        return len(chunk)

    faiss.write_index(index, faiss.PyCallbackIOWriter(count))
    return total[0]


def _ivf(index):
    import faiss

    return faiss.extract_index_ivf(index)


def _train_sample(corpus: np.ndarray, nlist: int, rng: np.random.Generator) -> np.ndarray:
    # 64 points per list is plenty for k-means and keeps training to seconds at 1M.
    size = min(len(corpus), max(64 * nlist, 10_000))
    if size == len(corpus):
        return corpus
    return corpus[np.sort(rng.choice(len(corpus), size, replace=False))]


def time_queries(search: Callable[[np.ndarray], np.ndarray], queries: np.ndarray):
    """(durations, ids) of one-at-a-time searches (how `qa search` asks)."""
    durations, found = [], []
    search(queries[:1])  # first-touch costs are not per-query latency
    for q in queries:
        started = time.perf_counter()
        ids = search(q.reshape(1, -1))
        durations.append(time.perf_counter() - started)
        found.append(ids[0])
    return durations, np.vstack(found)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f[f >= 0]).intersection(t)) for f, t in zip(found, truth))
    return round(hits / truth.size, 4)


def bench_dense(
    corpus: np.ndarray,
    queries: np.ndarray,
    truth: np.ndarray,
    rng: np.random.Generator,
    kinds: Sequence[str] | None = None,
    log: Callable[[str], None] = print,
    on_result: Callable[[DenseResult], None] | None = None,
) -> list[DenseResult]:
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time uses one thread anyway; stable timing
    n, d = corpus.shape
    results = []
    for label, factory, sweep, prepare in dense_variants(n):
        if kinds and not any(label.startswith(k) or factory.endswith(k) for k in kinds):
            continue
        gc.collect()
        before = rss_mb()
        reset_peak_rss()
        started = time.perf_counter()
        index = faiss.index_factory(d, factory, faiss.METRIC_INNER_PRODUCT)
        if prepare is not None:
            prepare(index)
        if not index.is_trained:
            faiss.omp_set_num_threads(2)
            index.train(_train_sample(corpus, nlist_for(n), rng))
        faiss.omp_set_num_threads(2)
        index.add(corpus)
        faiss.omp_set_num_threads(1)
        build_s = time.perf_counter() - started
        gc.collect()
        memory = rss_mb() - before
        peak = peak_rss_mb() - before
        size = index_bytes(index) / 2**20
        log(f"  {label}: built in {build_s:.1f} s, {size:.0f} MB (RSS +{memory:.0f} MB)")
        for param, setter in sweep:
            setter(index)
            durations, found = time_queries(lambda q, index=index: index.search(q, K)[1], queries)
            results.append(
                DenseResult(
                    n,
                    label,
                    param,
                    round(build_s, 2),
                    round(size, 1),
                    round(memory, 1),
                    round(peak, 1),
                    recall(found, truth),
                    summary_ms(durations),
                )
            )
            r = results[-1]
            if on_result:
                on_result(r)
            log(
                f"    {param}: recall@10 {r.recall_at_10:.3f}, "
                f"p50 {r.query['p50_ms']:.2f} ms, p95 {r.query['p95_ms']:.2f} ms"
            )
        del index
        gc.collect()
    return results


# --- synthetic BM25 ---------------------------------------------------------------------------


def report_stems(texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(stems, their frequencies, passage lengths in stems) of the report's passages."""
    from collections import Counter

    from ..lexical import tokenize

    counts: Counter = Counter()
    lengths = []
    for text in texts:
        tokens = tokenize(text)
        counts.update(tokens)
        lengths.append(len(tokens))
    stems = sorted(counts)
    freq = np.array([counts[s] for s in stems], dtype=np.float64)
    return stems, freq / freq.sum(), np.array(lengths)


def synthetic_token_ids(
    n: int, freq: np.ndarray, lengths: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(doc of each token, token id) for n passages: report stems, then a Zipf tail."""
    doc_len = np.maximum(1, rng.choice(lengths, n))
    docs = np.repeat(np.arange(n, dtype=np.int32), doc_len)
    total = len(docs)
    real = rng.random(total) < REAL_SHARE
    tokens = np.empty(total, dtype=np.int32)
    tokens[real] = rng.choice(len(freq), int(real.sum()), p=freq)
    tail = rng.zipf(1.3, int((~real).sum())) % TAIL_VOCAB
    tokens[~real] = len(freq) + tail
    return docs, tokens


def bm25_matrix(
    docs: np.ndarray, tokens: np.ndarray, n: int, k1: float = 1.2, b: float = 0.75
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """bm25s's precomputed score matrix (Lucene IDF) as CSC: (data, indices, indptr, used ids)."""
    doc_len = np.bincount(docs, minlength=n).astype(np.float32)
    avg = doc_len.mean()
    # One (word, passage) pair per distinct occurrence, with its term frequency.
    key = tokens.astype(np.int64) * n + docs
    key, tf = np.unique(key, return_counts=True)
    word, doc = key // n, (key % n).astype(np.int32)
    used, word = np.unique(word, return_inverse=True)
    df = np.bincount(word, minlength=len(used)).astype(np.float32)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    tf = tf.astype(np.float32)
    data = idf[word] * tf / (tf + k1 * (1 - b + b * doc_len[doc] / avg))
    indptr = np.zeros(len(used) + 1, dtype=np.int64)
    np.cumsum(df.astype(np.int64), out=indptr[1:])
    return data.astype(np.float32), doc, indptr, used


def bench_lexical(
    n: int,
    stems: list[str],
    freq: np.ndarray,
    lengths: np.ndarray,
    questions: Sequence[str],
    rng: np.random.Generator,
    log: Callable[[str], None] = print,
) -> LexicalResult:
    from ..lexical import LexicalIndex

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    docs, tokens = synthetic_token_ids(n, freq, lengths, rng)
    data, indices, indptr, used = bm25_matrix(docs, tokens, n)
    del docs, tokens
    names = [stems[i] if i < len(stems) else f"zz{i - len(stems)}" for i in used.tolist()]
    vocab = {name: i for i, name in enumerate(names)}
    index = LexicalIndex(data, indices, indptr, vocab, n)
    build_s = time.perf_counter() - started
    gc.collect()
    memory = rss_mb() - before
    k = LEXICAL_K
    paths = {
        "new": lambda q: index.best(q, k),
        "before": lambda q: top_before(index, q, k),
        "pruned": lambda q: index.best(q, k, prune=True),
    }
    for path in paths.values():  # first touches (and MaxScore's per-word figures) untimed
        for q in questions:
            path(q)
    durations: dict[str, list[float]] = {name: [] for name in paths}
    found: dict[str, list] = {name: [] for name in paths}
    for q in questions:  # interleaved, so that a busy moment costs every path alike
        for name, path in paths.items():
            started = time.perf_counter()
            out = path(q)
            durations[name].append(time.perf_counter() - started)
            found[name].append(out if isinstance(out, tuple) else (out.ids, out.scores))
    truth = [reference_top(index, q, k) for q in questions]
    pruned = [index.best(q, k, prune=True) for q in questions]
    exhaustive = [index.best(q, k) for q in questions]
    result = LexicalResult(
        n,
        int(len(data)),
        len(vocab),
        round(build_s, 2),
        round(memory, 1),
        summary_ms(durations["new"]),
        round(float(np.mean([len(ids) for ids, _ in truth])), 1),
        k,
        round(float(np.mean([r.postings for r in exhaustive])), 1),
        summary_ms(durations["before"]),
        summary_ms(durations["pruned"]),
        {
            name: {"at_10": top_recall(got, truth, 10), f"at_{k}": top_recall(got, truth, k)}
            for name, got in found.items()
        },
        {name: identical_share(got, truth) for name, got in found.items()},
        round(float(np.mean([r.skipped > 0 for r in pruned])), 4),
        round(float(np.mean([r.skipped / max(1, r.skipped + r.postings) for r in pruned])), 4),
        round(index.memory_bytes() / 2**20, 3),
    )
    log(
        f"  BM25: {result.postings:,} postings ({result.mean_query_postings:,.0f} a query), "
        f"top-{k}: p50 {result.query['p50_ms']:.2f} ms, p95 {result.query['p95_ms']:.2f} ms "
        f"(before: {result.query_before['p50_ms']:.2f} / {result.query_before['p95_ms']:.2f}; "
        f"MaxScore: {result.query_pruned['p50_ms']:.2f} / {result.query_pruned['p95_ms']:.2f}, "
        f"skips {result.skipped_share:.0%} of postings); identical to exact: "
        + ", ".join(f"{name} {share:.0%}" for name, share in result.exact_share.items())
    )
    return result


def reference_top(index, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact top k by the plainest route: every passage's score, fully sorted (score
    down, then id up), positive scores only; in id order."""
    scores = index.scores(query)
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    order = np.sort(order[scores[order] > 0])
    return order.astype(np.int64), scores[order]


def _best_first(ids: np.ndarray, scores: np.ndarray, m: int) -> set[int]:
    """The m best ids, ties to the lower id (as the exact path breaks them)."""
    order = np.lexsort((ids, -scores))[:m]
    return set(ids[order].tolist())


def top_recall(found: list, truth: list, m: int) -> float:
    """Mean share of the exact m best passages found among a path's m best."""
    shares = [
        len(_best_first(*f, m) & _best_first(*t, m)) / max(1, min(m, len(t[0])))
        for f, t in zip(found, truth)
    ]
    return round(float(np.mean(shares)), 4)


def identical_share(found: list, truth: list) -> float:
    """Share of queries whose (ids, scores) equal the exact ones to the last bit."""
    same = [np.array_equal(f[0], t[0]) and np.array_equal(f[1], t[1]) for f, t in zip(found, truth)]
    return round(float(np.mean(same)), 4)


# --- the run ------------------------------------------------------------------------------------


def run(
    index,
    questions: Sequence[str],
    sizes: Sequence[int],
    kinds: Sequence[str] | None = None,
    seed: int = 0,
    log: Callable[[str], None] = print,
    min_queries: int = 200,
    save: Callable[[ScaleReport], None] | None = None,
    lexical_only: bool = False,
) -> ScaleReport:
    """Benchmark dense index types and BM25 at each size, seeded by a loaded `qa` Index.

    `save` is called with the report so far after every measurement (long runs keep what
    they measured if stopped). `lexical_only` skips the vectors altogether (no model needed).
    """
    from ..store import passage_vectors

    rng = np.random.default_rng(seed)
    stems, freq, lengths = report_stems([p.embed_text for p in index.passages])
    if lexical_only:
        report = ScaleReport(list(sizes), len(questions), len(questions))
        for n in sizes:
            log(f"n = {n:,}")
            lexical_rng = np.random.default_rng(seed + n)
            report.lexical.append(
                bench_lexical(n, stems, freq, lengths, questions, lexical_rng, log)
            )
            if save:
                save(report)
            gc.collect()
        return report
    seeds = passage_vectors(index.stored).astype(np.float32)
    real_q = index.encoder.encode_queries(list(questions))
    extra = max(0, min_queries - len(real_q))
    report = ScaleReport(list(sizes), len(real_q) + extra, len(real_q))
    for n in sizes:
        log(f"n = {n:,}")
        started = time.perf_counter()
        corpus, centres = mixture(seeds, n + extra, rng)
        held_out, corpus = corpus[:extra], corpus[extra:]
        queries = np.ascontiguousarray(np.vstack([real_q, held_out]), dtype=np.float32)
        corpus = np.ascontiguousarray(corpus)
        truth = exact_neighbours(corpus, queries)
        report.generate_s[str(n)] = round(time.perf_counter() - started, 2)

        def keep(result: DenseResult) -> None:
            report.dense.append(result)
            if save:
                save(report)

        lexical_rng = np.random.default_rng(seed + n)
        report.lexical.append(bench_lexical(n, stems, freq, lengths, questions, lexical_rng, log))
        if save:
            save(report)
        bench_dense(corpus, queries, truth, rng, kinds, log, on_result=keep)
        del corpus, centres, truth
        gc.collect()
    return report


def format_tables(report: ScaleReport) -> str:
    lines = [
        f"Dense search, synthetic clustered vectors ({report.queries} queries, "
        f"{report.real_queries} of them the real questions; k={K}; one query at a time)",
        "",
        "| passages | index | setting | build s | size MB | recall@10 | p50 ms | p95 ms |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    if not report.dense:
        lines = []
    for r in report.dense:
        lines.append(
            f"| {r.n:,} | {r.kind} | {r.params} | {r.build_s:.1f} | {r.size_mb:.0f} | "
            f"{r.recall_at_10:.3f} | {r.query['p50_ms']:.2f} | {r.query['p95_ms']:.2f} |"
        )
    if report.dense:
        lines.append("")
    lines += [
        "BM25 top-1000 (what `qa search` asks for), synthetic texts with the report's word "
        "frequencies; before = the code before the selection fix (d60bbae), MaxScore = "
        "`best(prune=True)`; recall and 'identical' against the exact top k",
        "",
        "| passages | postings | a query | p50 ms | p95 ms | before p50 | before p95 "
        "| MaxScore p50 | MaxScore p95 | recall@10 | recall@k | identical | MaxScore identical "
        "| MaxScore skips |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.lexical:
        rec = r.recall.get("new", {})
        lines.append(
            f"| {r.n:,} | {r.postings:,} | {r.mean_query_postings:,.0f} | "
            f"{r.query['p50_ms']:.2f} | {r.query['p95_ms']:.2f} | "
            f"{r.query_before.get('p50_ms', 0):.2f} | {r.query_before.get('p95_ms', 0):.2f} | "
            f"{r.query_pruned.get('p50_ms', 0):.2f} | {r.query_pruned.get('p95_ms', 0):.2f} | "
            f"{rec.get('at_10', 0):.3f} | {rec.get(f'at_{r.k}', 0):.3f} | "
            f"{r.exact_share.get('new', 0):.0%} | {r.exact_share.get('pruned', 0):.0%} | "
            f"{r.skipped_share:.0%} |"
        )
    return "\n".join(lines)


def top_before(index, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """`LexicalIndex.top` as it was before pruning (commit d60bbae), timed side by side:
    every posting summed, then every passage with a positive sum selected from."""
    docs, weights, constant = index._postings(query)
    if len(docs) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    if len(docs) * 8 < index.num_docs:
        candidates, inverse = np.unique(docs, return_inverse=True)
        sums = np.bincount(inverse, weights=weights)
    else:
        sums = np.bincount(docs, weights=weights, minlength=index.num_docs)
        candidates = np.flatnonzero(sums)
        sums = sums[candidates]
    sums = (sums + constant).astype(np.float32)
    keep = sums > 0
    candidates, sums = candidates[keep], sums[keep]
    if len(candidates) > k:
        best = np.argpartition(-sums, k - 1)[:k]
        best.sort()
        candidates, sums = candidates[best], sums[best]
    return candidates.astype(np.int64), sums
