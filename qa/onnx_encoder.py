"""The encoder without torch: the model exported to ONNX, run by onnxruntime.

`qa build` exports the transformer with its pooling (and normalization) once per model (kept in
`index/encoder/`, so later builds reuse it), embeds the passages with it, and links it into the
build folder for queries. `OnnxEncoder` turns questions and passages into the same vectors
sentence-transformers would, with only onnxruntime, tokenizers and numpy loaded (about 0.3 s to
start instead of about 6 s; passages in length-sorted batches). A model that cannot be exported
this way (extra layers, another pooling, vectors that differ) keeps the sentence-transformers
route: `export()` returns no files and the build embeds and answers with the full model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import os
import shutil
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .batching import encode_in_length_order
from .errors import ModelError

ONNX_FILE = "query_encoder.onnx"
TOKENIZER_FILE = "query_tokenizer.json"
CONFIG_FILE = "query_encoder.json"
FILES = (ONNX_FILE, TOKENIZER_FILE, CONFIG_FILE)
OPSET = 17
# Part of the cached export's key: change it when export() writes something different.
EXPORT_VERSION = 2
# An export takes about 10 s (loading torch and the model, tracing, fusing, checking).
EXPORT_TIMEOUT = 600
# Passages per onnxruntime call at build time, length-sorted (`qa bench --only embed` measures
# the alternatives; docs/performance.md).
DOCUMENT_BATCH = 16
# The export is kept only if it gives the model's own vectors for these (batched, so padded).
_PROBES = (
    "IOM",
    "In 2018, IOM provided direct assistance to 7,400 victims of trafficking.",
    "The Inter-Agency Coordination Group against Trafficking in Persons (ICAT) met twice. " * 12,
)
_PROBE_COSINE = 0.999
# The only sentence-transformers layers the export reproduces.
# The module classes an export reproduces, by class name: sentence-transformers writes them
# as "sentence_transformers.models.Pooling" up to version 4 and as
# "sentence_transformers.sentence_transformer.modules.pooling.Pooling" (or under
# "….base.modules…") in the models it saves since.
_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")


def _module_class(module: dict) -> str:
    return str(module.get("type", "")).rsplit(".", 1)[-1]


def _pooling(model_dir: Path) -> tuple[str, bool] | None:
    """("mean" or "cls", normalize?) when the model is transformer + pooling (+ normalize)."""
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file() or not (model_dir / "tokenizer.json").is_file():
        return None
    modules = json.loads(modules_file.read_text())
    types = [_module_class(m) for m in modules]
    if not types or types[0] != _SUPPORTED_MODULES[0]:
        return None
    if any(t not in _SUPPORTED_MODULES for t in types):
        return None
    pool = next((m for m in modules if _module_class(m) == "Pooling"), None)
    if pool is None:
        return None
    config = json.loads((model_dir / pool["path"] / "config.json").read_text())
    modes = {k for k, v in config.items() if k.startswith("pooling_mode") and v is True}
    named = config.get("pooling_mode")  # sentence-transformers 5+: "pooling_mode": "mean"
    if isinstance(named, str):
        modes = {
            f"pooling_mode_{named}_tokens" if named == "mean" else f"pooling_mode_{named}_token"
        }
    if modes == {"pooling_mode_mean_tokens"}:
        kind = "mean"
    elif modes == {"pooling_mode_cls_token"}:
        kind = "cls"
    else:
        return None
    return kind, _SUPPORTED_MODULES[2] in types


def export(encoder, folder: Path, fuse: bool = True) -> list[str]:
    """Write the encoder into `folder`; the names written, or [] when not exportable.

    `encoder` is the build's `qa.embed.Encoder`; its model is loaded (with torch) to be traced.
    The export is checked against the model's own vectors before it is kept. `fuse=False`
    keeps the graph as traced (for `qa bench`, to measure what fusion gives).
    """
    source = encoder.source
    if not isinstance(source, Path):
        return []
    pooling = _pooling(source)
    if pooling is None:
        return []
    kind, normalize = pooling
    try:
        import torch
    except ImportError:  # pragma: no cover - torch comes with sentence-transformers
        return []
    try:
        import onnx  # noqa: F401  (torch's exporter needs it; without it keep the fallback)
    except ImportError:
        return []
    transformer = encoder.model[0].auto_model
    takes_types = "token_type_ids" in inspect.signature(transformer.forward).parameters

    class Pooled(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            extra = {"token_type_ids": token_type_ids} if takes_types else {}
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, **extra
            ).last_hidden_state
            if kind == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
            return pooled

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names[:2]) + (
        torch.zeros(2, 8, dtype=torch.long),
    )
    target = folder / ONNX_FILE
    previous = transformer.training
    transformer.eval()
    # Traced with the plain ("eager") attention: onnxruntime's optimizer recognizes its
    # pattern and fuses each layer's attention into one kernel; the SDPA graph it cannot.
    # Same vectors (cosine > 0.99999), about 20% faster per question (docs/performance.md).
    attention = _use_attention(transformer, "eager")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            dimension = int(Pooled(transformer)(*example).shape[1])
            # Tracing notes (constant Python booleans, opset remarks) are expected here.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(transformer),
                example,
                str(target),
                input_names=names,
                output_names=["sentence_embedding"],
                dynamic_axes={
                    **{n: {0: "batch", 1: "tokens"} for n in names},
                    "sentence_embedding": {0: "batch"},
                },
                opset_version=OPSET,
                dynamo=False,
            )
    finally:
        transformer.train(previous)
        _use_attention(transformer, attention)
    fused = _fuse(target, transformer.config) if fuse else False
    shutil.copyfile(source / "tokenizer.json", folder / TOKENIZER_FILE)
    config = {
        "model": encoder.name,
        "max_seq_length": int(encoder.max_tokens),
        "dimension": dimension,
        "pooling": kind,
        "normalize": normalize,
        "opset": OPSET,
        "fused": fused,
    }
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    if not _same_vectors(encoder, folder):
        for name in FILES:
            (folder / name).unlink(missing_ok=True)
        return []
    return list(FILES)


def _same_vectors(encoder, folder: Path) -> bool:
    """The export gives the model's own vectors for a few probes, one of them long and all
    padded in one batch: what makes it safe to embed passages with it."""
    expected = encoder.model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxEncoder(folder).encode_queries(_PROBES)
    return bool(((expected * got).sum(axis=1) >= _PROBE_COSINE).all())


def export_key(encoder) -> str | None:
    """What the export depends on: the model's files, qa's export code and the versions of
    the packages that trace and fuse it; None for a model that is not a local folder."""
    source = encoder.source
    if not isinstance(source, Path):
        return None
    parts = [f"export {EXPORT_VERSION} opset {OPSET}", encoder.name, str(source)]
    for path in sorted(source.rglob("*")):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.relative_to(source)} {stat.st_size} {stat.st_mtime_ns}")
    for package in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime"):
        try:
            parts.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{package} -")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cached_export(encoder, root: Path, exporting: Callable[[], None] | None = None) -> Path | None:
    """The model's export in `root/<key>/`, made on first use; None when not exportable.

    Exporting loads the model with torch (about 6 s) and traces it (about 3 s); a build that
    finds the export already made needs neither. Written into a temporary folder and renamed,
    so a build killed while exporting leaves nothing half-made; older exports are removed.
    `exporting` is called before an export is made (to tell the user why this build waits).
    """
    key = export_key(encoder)
    if key is None:
        return None
    folder = root / key
    if available(folder):
        return folder
    if _pooling(encoder.source) is None:
        return None
    if exporting:
        exporting()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        if not _export_apart(encoder, tmp):
            return None
        try:
            os.rename(tmp, folder)
        except OSError:  # another build exported it first (or left a damaged one)
            if not available(folder):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for other in root.iterdir():
        if other.name != key and not other.name.startswith(".tmp-"):
            shutil.rmtree(other, ignore_errors=True)
    return folder


def _export_apart(encoder, folder: Path, apart: bool | None = None) -> list[str]:
    """`export` in a child process: the model's weights and torch leave memory when it ends,
    and the build embeds with onnxruntime alone (a fresh library build peaked at 1,981 MiB
    with them kept, docs/performance.md). By default in this process when torch is loaded
    here already: nothing would be freed."""
    if apart is None:
        apart = "torch" not in sys.modules
    if not apart:
        return export(encoder, folder)
    # The child imports this very qa, wherever it was imported from (an unpacked copy too).
    paths = [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
    try:
        subprocess.run(
            [sys.executable, "-m", "qa.onnx_encoder", encoder.name, str(folder)],
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=EXPORT_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return []  # the build embeds with the model itself, as for a model not exportable
    return [name for name in FILES if (folder / name).is_file()]


def _use_attention(transformer, kind: str | None) -> str | None:
    """Switch a transformers model's attention implementation; the one it had before."""
    config = getattr(transformer, "config", None)
    before = getattr(config, "_attn_implementation", None)
    if kind is not None and kind != before:
        try:
            transformer.set_attn_implementation(kind)
        except Exception:  # older transformers, or a model without the switch: as it is
            pass
    return before


def _fuse(path: Path, config) -> bool:
    """Fuse the BERT graph's attention, layer norms and GELUs into onnxruntime's kernels.

    About half the per-question encoding time on 2 cores (docs/performance.md); the vectors
    stay the same (cosine > 0.99999). Only for BERT-style models; any failure keeps the plain
    graph, which gives the same vectors a little slower.
    """
    if getattr(config, "model_type", None) != "bert":
        return False
    try:
        from onnxruntime.transformers import optimizer

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = optimizer.optimize_model(
                str(path),
                model_type="bert",
                num_heads=int(config.num_attention_heads),
                hidden_size=int(config.hidden_size),
                opt_level=1,
            )
        tmp = path.with_name(path.name + ".fused")
        model.save_model_to_file(str(tmp))
        os.replace(tmp, path)
        return True
    except Exception:  # an optimizer that cannot handle this graph leaves it as exported
        return False


def default_threads() -> int:
    """Threads (or batches side by side) onnxruntime uses: QA_ONNX_THREADS, else the cores, at
    most 2."""
    return int(os.environ.get("QA_ONNX_THREADS", min(2, os.cpu_count() or 1)))


def available(folder: Path | None, files: dict[str, str] | None = None) -> bool:
    """True when the build folder holds an exported query encoder (listed in the manifest)."""
    if folder is None:
        return False
    if files is not None and not all(name in files for name in FILES):
        return False
    return all((folder / name).is_file() for name in FILES)


class OnnxEncoder:
    """Questions and passages -> normalized float32 vectors with onnxruntime and the model's
    tokenizer: sentence-transformers' vectors (cosine >= 0.999), without torch."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        self.folder = Path(folder)
        self.config = json.loads((self.folder / CONFIG_FILE).read_text())
        self.name = self.config["model"]
        self.dimension = int(self.config["dimension"])
        self.max_tokens = int(self.config["max_seq_length"])
        self.threads = threads

    @cached_property
    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        tok.enable_truncation(self.max_tokens)
        tok.no_padding()
        return tok

    @cached_property
    def session(self) -> Any:
        # Two threads halve a question's encoding on an idle 2-core machine
        # (docs/performance.md); on a machine busy with other work one can do better:
        # QA_ONNX_THREADS overrides.
        return self._session(self.threads or default_threads())

    @cached_property
    def single_thread_session(self) -> Any:
        """A session that runs each call on the calling thread alone: for batches of passages
        run side by side (one per core) rather than each split across the cores."""
        return self._session(1)

    def _session(self, threads: int) -> Any:
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ModelError("onnxruntime is not installed; run: pip install -e .") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            return ort.InferenceSession(
                str(self.folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(
                f"cannot load the query encoder {self.folder / ONNX_FILE} "
                f"({exc.__class__.__name__}: {exc}); run `qa build` to export it again"
            ) from exc

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions on the session's threads: one at once, or several in length-sorted
        batches (one long text among many would pad them all to its length)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._run(self.tokenizer.encode_batch(texts))
        return self.encode_documents(texts, workers=1)  # each batch on all the threads

    def encode_documents(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        batch_size: int = DOCUMENT_BATCH,
        workers: int | None = None,
    ) -> np.ndarray:
        """Passages in length-sorted batches, each padded to its longest (qa/batching.py);
        the vectors in the order of `texts`.

        `workers` batches run at once, each on one thread (default: as many as the threads a
        question uses); with 1, batches run one after the other, each on all those threads.
        """
        encodings = self.tokenizer.encode_batch(list(texts))
        workers = workers or self.threads or default_threads()
        session = self.single_thread_session if workers > 1 else self.session
        return encode_in_length_order(
            [len(e.ids) for e in encodings],
            lambda positions: self._run([encodings[i] for i in positions], session),
            self.dimension,
            batch_size,
            progress,
            workers,
        )

    def _run(self, encodings: list, session: Any = None) -> np.ndarray:
        """One onnxruntime call over tokenized texts, padded to the longest of them."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = enc.attention_mask
            types[row, :n] = enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        session = session or self.session
        (vectors,) = session.run(None, {i.name: feed[i.name] for i in session.get_inputs()})
        vectors = np.asarray(vectors, dtype=np.float32)
        if not self.config.get("normalize", True):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
        return np.ascontiguousarray(vectors)


# The name qa/search.py loads a build's query encoder by (it encodes passages too now).
OnnxQueryEncoder = OnnxEncoder


if __name__ == "__main__":  # `_export_apart`: python -m qa.onnx_encoder MODEL FOLDER
    from .embed import Encoder

    sys.exit(0 if export(Encoder(sys.argv[1]), Path(sys.argv[2])) else 1)
