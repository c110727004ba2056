"""The query encoder without torch: the model exported to ONNX at build time, run by onnxruntime.

`qa build` exports the transformer with its pooling (and normalization) into the build folder;
`OnnxQueryEncoder` then turns questions into the same vectors sentence-transformers would, with
only onnxruntime, tokenizers and numpy loaded (about 0.3 s instead of about 6 s). A model that
cannot be exported this way (extra layers, another pooling) keeps the sentence-transformers
route: `export()` returns no files and the index reads queries with the full model.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

ONNX_FILE = "query_encoder.onnx"
TOKENIZER_FILE = "query_tokenizer.json"
CONFIG_FILE = "query_encoder.json"
FILES = (ONNX_FILE, TOKENIZER_FILE, CONFIG_FILE)
OPSET = 17
# The only sentence-transformers layers the export reproduces.
_SUPPORTED_MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)


def _pooling(model_dir: Path) -> tuple[str, bool] | None:
    """("mean" or "cls", normalize?) when the model is transformer + pooling (+ normalize)."""
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file() or not (model_dir / "tokenizer.json").is_file():
        return None
    modules = json.loads(modules_file.read_text())
    types = [m.get("type", "") for m in modules]
    if not types or types[0] != _SUPPORTED_MODULES[0]:
        return None
    if any(t not in _SUPPORTED_MODULES for t in types):
        return None
    pool = next((m for m in modules if m["type"].endswith("Pooling")), None)
    if pool is None:
        return None
    config = json.loads((model_dir / pool["path"] / "config.json").read_text())
    modes = {k for k, v in config.items() if k.startswith("pooling_mode") and v}
    if modes == {"pooling_mode_mean_tokens"}:
        kind = "mean"
    elif modes == {"pooling_mode_cls_token"}:
        kind = "cls"
    else:
        return None
    return kind, _SUPPORTED_MODULES[2] in types


def export(encoder, folder: Path) -> list[str]:
    """Write the query encoder into `folder`; the names written, or [] when not exportable.

    `encoder` is the build's `qa.embed.Encoder`; its loaded model is reused, so the export
    costs a trace (a few seconds), not a second model load.
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
    # Same vectors (cosine > 0.99999), about 20% faster per question (README, "Performance").
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
    fused = _fuse(target, transformer.config)
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
    return list(FILES)


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

    About half the per-question encoding time on 2 cores (README, "Performance"); the vectors
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


def available(folder: Path | None, files: dict[str, str] | None = None) -> bool:
    """True when the build folder holds an exported query encoder (listed in the manifest)."""
    if folder is None:
        return False
    if files is not None and not all(name in files for name in FILES):
        return False
    return all((folder / name).is_file() for name in FILES)


class OnnxQueryEncoder:
    """Questions -> normalized float32 vectors with onnxruntime and the model's tokenizer."""

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
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ModelError("onnxruntime is not installed; run: pip install -e .") from exc
        options = ort.SessionOptions()
        # Two threads halve a question's encoding on an idle 2-core machine (README,
        # "Performance"); on a machine busy with other work one can do better:
        # QA_ONNX_THREADS overrides.
        default = min(2, os.cpu_count() or 1)
        options.intra_op_num_threads = self.threads or int(
            os.environ.get("QA_ONNX_THREADS", default)
        )
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

    @cached_property
    def _inputs(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    def encode_queries(self, texts) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = enc.attention_mask
            types[row, :n] = enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (vectors,) = self.session.run(None, {k: feed[k] for k in self._inputs})
        vectors = np.asarray(vectors, dtype=np.float32)
        if not self.config.get("normalize", True):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
        return np.ascontiguousarray(vectors)
