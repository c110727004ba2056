"""Build, save and load the index folder; the manifest tells whether it is fresh and whole."""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import orjson

from . import dense, expansion, grains, reuse
from .acronyms import expand, find_acronyms, find_names
from .corpus import ReadCache, document_files, fingerprint, load_documents
from .digests import DigestCache
from .document import Document, document_from_json, from_fields
from .errors import CorruptIndexError, IndexMissingError, StaleIndexError
from .ingest import PARSER_VERSION
from .passages import Passage, make_passages

# 2: names.json (capitalized names, for acronyms the corpus never defines).
# 3: units of every kind (pages, annexes, preamble, text, footnotes); passages point at refs.
# 4: passages read by the model with their heading path; sentence vectors; word neighbours.
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
# Passages embedded together, sorted by length, before their documents are cached: about
# 10 s of work on 2 cores, so a killed build loses little, and batches are nearly uniform.
EMBED_CHUNK = 1024
FIX = "run `qa build` to rebuild it"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; written last, so its presence means the build is whole."""

    format_version: int
    build: str
    built_at: str
    model: str
    dimension: int
    corpus_hash: str
    corpus_files: dict[str, str]
    parser_version: str
    document_count: int
    paragraph_count: int
    passage_count: int
    faiss_index: str
    build_seconds: float
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    # "onnx" when the build folder holds the exported query encoder, else "sentence-transformers".
    query_encoder: str = "sentence-transformers"
    timings: dict[str, float] = field(default_factory=dict)  # build stage -> seconds


@dataclass
class StoredIndex:
    """Everything search needs, loaded from one build folder."""

    manifest: Manifest
    documents: list[Document]
    passages: list[Passage]
    dense_index: Any
    lexical: Any
    acronyms: dict[str, str]
    names: dict[str, int] = field(default_factory=dict)
    folder: Path | None = None
    # Sentence vectors and owning passages (qa/grains.py); word neighbours (qa/expansion.py).
    sentences: tuple[np.ndarray, np.ndarray] | None = None
    neighbours: Mapping[str, list] | None = None


# --- corpus (see qa/corpus.py) ----------------------------------------------------------------

corpus_files = document_files
corpus_fingerprint = fingerprint


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- JSON for documents and passages ----------------------------------------------------------


def passage_from_json(data: dict) -> Passage:
    item = tuple(data["item"]) if data.get("item") else None
    return from_fields(
        Passage,
        id=data["id"],
        doc_id=data["doc_id"],
        ref=data["ref"],
        item=item,
        text=data["text"],
        context=data["context"],
        heading=data.get("heading", ""),
    )


def _write_json(path: Path, data: Any) -> None:
    """UTF-8 JSON; orjson writes dataclasses itself, twenty times faster than asdict."""
    path.write_bytes(orjson.dumps(data))


# --- build ------------------------------------------------------------------------------------


@contextmanager
def _build_lock(index_dir: Path):
    """One build at a time per index folder; a second waits rather than interleaving files."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    encoder,
    progress: Callable[[str, int, int], None] | None = None,
) -> Manifest:
    """Parse the corpus, embed its passages and write a new index folder atomically.

    Files go to a fresh build folder; the manifest naming it replaces the old one last
    (os.replace), so a reader or a crash at any point sees either the old index or the new.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = [started]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock[0], 3)
        clock[0] = now

    corpus_hash, per_file = corpus_fingerprint(corpus_dir, digest_cache(index_dir, "corpus"))

    def say(stage: str, done: int = 0, total: int = 0) -> None:
        if progress:
            progress(stage, done, total)

    lap("fingerprint")
    # The ONNX export comes first: the build embeds with it, and queries use it afterwards.
    # Made before the documents are read, while this process holds little: the export's own
    # process holds the model with torch (1.3 GB) until it ends (qa/onnx_encoder.py).
    export = _encoder_export(encoder, index_dir, lambda: say("export"))
    lap("export_query_encoder")
    # Each document is read and embedded once per content: unchanged documents come from
    # the cache, so adding a report to a large corpus embeds only that report. Files are read
    # in bounded child processes, in parallel (qa/ingest/guard.py).
    cache = _Cache(index_dir / "cache", encoder)
    reads = ReadCache(index_dir / "cache" / "read")
    corpus_paths = corpus_files(corpus_dir)
    parts: list = [None] * len(corpus_paths)
    unread = []
    for n, path in enumerate(corpus_paths):
        key = cache.key(f"{path.name}|{per_file[path.name]}")
        entry = cache.get(key)
        parts[n] = (key, entry)
        if entry is None:
            unread.append(n)
    say("read", 0, len(unread))
    read = load_documents(
        [corpus_paths[n] for n in unread],
        reads,
        on_done=lambda _p, done, total: say("read", done, total),
    )
    todo = []
    text_keys: dict[int, str] = {}
    embed_texts: dict[int, list[str]] = {}  # what the model reads, for documents to embed
    for n, document in zip(unread, read):
        doc_passages = make_passages([document], encoder.count_tokens, encoder.max_tokens)
        doc_acronyms = find_acronyms(p.text for p in document.paragraphs)
        # A document read anew (a changed file, a new reader) whose passages read as before
        # keeps its vectors: they are cached by the texts the model reads.
        texts = _embed_texts(doc_passages, doc_acronyms)
        text_keys[n] = cache.texts_key(texts)
        vectors = cache.vectors(text_keys[n], len(doc_passages))
        parts[n] = (parts[n][0], (document, doc_passages, doc_acronyms, vectors))
        if vectors is None:
            todo.append(n)
            embed_texts[n] = texts
        else:
            cache.put(parts[n][0], parts[n][1], text_keys[n])

    lap("parse")
    embedder = _document_encoder(encoder, export) if todo else encoder
    if todo and embedder is encoder:
        getattr(encoder, "model", None)  # load it now, so "embed" times the embedding alone
    lap("load_model")
    # Of the documents to embed, only the passages no cached document holds (qa/reuse.py):
    # a document read otherwise in a few places, a revision beside its original.
    known = reuse.known_vectors(cache.folder / "passages") if todo else {}
    plans = {i: reuse.plan(cache.text_hashes(embed_texts[i]), known, np.float32) for i in todo}
    total = sum(len(plans[i][1]) for i in todo)
    done = 0
    say("embed", 0, total)

    def step(n: int) -> None:
        nonlocal done
        done += n
        say("embed", done, total)

    # Passages are embedded a chunk of documents at a time, sorted by length within the chunk
    # (qa/batching.py), and each document is cached as soon as its chunk is done: a build
    # killed half-way loses one chunk at most, and the next build embeds only the rest.
    for chunk in _chunks(todo, [len(plans[i][1]) for i in todo], EMBED_CHUNK):
        texts = [embed_texts[i][j] for i in chunk for j in plans[i][1]]
        vectors = embedder.encode_documents(texts, progress=step) if texts else np.zeros((0, 0))
        start = 0
        for i in chunk:
            key, (document, doc_passages, doc_acronyms, _) = parts[i]
            rows, new = plans[i]
            doc_vectors = reuse.fill(rows, new, vectors[start : start + len(new)])
            start += len(new)
            parts[i] = (key, (document, doc_passages, doc_acronyms, doc_vectors))
            cache.put_vectors(text_keys[i], doc_vectors, embed_texts[i])
            cache.put(key, parts[i][1], text_keys[i])

    documents = [entry[0] for _, entry in parts]
    acronyms: dict[str, str] = {}
    passages: list[Passage] = []
    lexical_texts: list[str] = []
    by_document = []
    for _, (doc, doc_passages, doc_acronyms, _) in parts:
        for acronym, long_form in doc_acronyms.items():
            acronyms.setdefault(acronym, long_form)
        first = len(passages)
        for p in doc_passages:
            passages.append(dataclasses.replace(p, id=len(passages)))
            lexical_texts.append(expand(p.lexical_text, doc_acronyms))
        by_document.append((doc, passages[first:], doc_acronyms))
    dimension = encoder.dimension if not parts else parts[0][1][3].shape[1]
    vectors = (
        np.vstack([entry[3] for _, entry in parts]).astype(np.float32)
        if passages
        else np.zeros((0, dimension), dtype=np.float32)
    )
    lap("embed")
    say("index", 0, 0)
    faiss_index = dense.build(vectors)
    lap("dense_index")
    from .lexical import LexicalIndex

    lexical = LexicalIndex.build(lexical_texts)
    lap("lexical_index")
    # Sentences and words are embedded like passages: through the export when it loads.
    if embedder is encoder and export is not None:
        embedder = _document_encoder(encoder, export)
    sentences = grains.build(
        by_document,
        embedder,
        index_dir / "cache" / "sentences",
        encoder.name,
        progress=lambda done, total: say("sentences", done, total),
    )
    lap("sentences")
    neighbours = expansion.build(
        lexical_texts,
        embedder,
        expansion.word_cache_dir(index_dir / "cache" / "words"),
        encoder.name,
        progress=lambda done, total: say("words", done, total),
        table_cache=index_dir / "cache" / "neighbours" / "table.json",
    )
    lap("neighbours")
    names = _library_names(documents, [key for key, _ in parts], index_dir / "cache" / "names")
    lap("names")

    with _build_lock(index_dir):
        builds = index_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]
        tmp = builds / f".tmp-{build_id}"
        tmp.mkdir()
        try:
            dense.save(faiss_index, tmp / "dense.faiss")
            lexical.save(tmp / "lexical")
            _write_json(tmp / "documents.json", documents)
            _write_json(tmp / "passages.json", passages)
            _write_json(tmp / "acronyms.json", acronyms)
            _write_json(tmp / "names.json", names)
            grains.save(tmp, sentences[0], sentences[1])
            expansion.save(tmp, neighbours)
            query_encoder = _link_export(export, tmp)
            lap("write")
            files = _file_hashes(tmp)
            for path in tmp.rglob("*"):
                if path.is_file():
                    with open(path, "rb") as fh:
                        os.fsync(fh.fileno())
            final = builds / build_id
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            build=build_id,
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            model=encoder.name,
            dimension=int(vectors.shape[1]) if len(vectors) else encoder.dimension,
            corpus_hash=corpus_hash,
            corpus_files=per_file,
            parser_version=PARSER_VERSION,
            document_count=len(documents),
            paragraph_count=sum(len(d.paragraphs) for d in documents),
            passage_count=len(passages),
            faiss_index=dense.index_type_for(len(passages)),
            build_seconds=round(time.perf_counter() - started, 2),
            files=files,
            query_encoder=query_encoder,
            timings=timings,
        )
        previous = _current_build(index_dir)
        tmp_manifest = index_dir / f".{MANIFEST}.{build_id}.tmp"
        _write_json(tmp_manifest, asdict(manifest))
        with open(tmp_manifest, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_manifest, index_dir / MANIFEST)
        _prune(index_dir, keep={build_id, previous})
        cache.prune(keep={key for key, _ in parts})
        grains.prune(index_dir / "cache" / "sentences", keep=sentences[2])
        _prune_folder(index_dir / "cache" / "names", keep={key for key, _ in parts})
        reads.prune(keep={reads.key(path, per_file[path.name]) for path in corpus_paths})
    return manifest


class _Cache:
    """Per document: what it reads as and its passages, keyed by content, parser and model
    (`<key>.json`); and its passages' vectors, keyed by the texts the model reads
    (`passages/<texts key>.npy`), so a document read anew (a changed file, a new parser) whose
    passages read as before is not embedded again."""

    def __init__(self, folder: Path, encoder) -> None:
        self.folder = folder
        self.model = f"{encoder.name}|{encoder.max_tokens}"
        self.salt = f"{FORMAT_VERSION}|{PARSER_VERSION}|{self.model}"
        self.texts_keys: dict[str, str] = {}  # entry key -> its vectors' key

    def key(self, digest: str) -> str:
        return _sha256(f"{digest}|{self.salt}".encode())[:40]

    def get(self, key: str):
        meta = self.folder / f"{key}.json"
        if not meta.is_file():
            return None
        try:
            data = orjson.loads(meta.read_bytes())
            document = document_from_json(data["document"])
            passages = [passage_from_json(p) for p in data["passages"]]
            texts_key = data["texts_key"]
        except Exception:  # a damaged cache entry is simply recomputed
            return None
        array = self.vectors(texts_key, len(passages))
        if array is None:
            return None
        hashes = self.folder / "passages" / f"{texts_key}{reuse.HASHES}"
        if not hashes.is_file():  # cached before passages carried their text hashes
            texts = _embed_texts(passages, data["acronyms"])
            reuse.save_array(hashes, self.text_hashes(texts))
        self.texts_keys[key] = texts_key
        return document, passages, data["acronyms"], array

    def put(self, key: str, entry, texts_key: str) -> None:
        """Cache a document whose vectors are in `passages/<texts_key>.npy` already."""
        document, passages, acronyms, _vectors = entry
        self.folder.mkdir(parents=True, exist_ok=True)
        self.texts_keys[key] = texts_key
        data = {
            "document": document,
            "passages": passages,
            "acronyms": acronyms,
            "texts_key": texts_key,
        }
        tmp = self.folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
        _write_json(tmp, data)
        os.replace(tmp, self.folder / f"{key}.json")

    def prune(self, keep: set[str]) -> None:
        _prune_folder(self.folder, keep)
        _prune_folder(self.folder / "passages", {self.texts_keys.get(k) for k in keep} - {None})

    def texts_key(self, texts: list[str]) -> str:
        return reuse.texts_key(f"{FORMAT_VERSION}|{self.model}", texts)

    def vectors(self, texts_key: str, count: int) -> np.ndarray | None:
        path = self.folder / "passages" / f"{texts_key}.npy"
        try:
            array = np.load(path, allow_pickle=False)
        except Exception:  # missing or damaged: embedded again
            return None
        ok = array.ndim == 2 and array.shape[0] == count and np.isfinite(array).all()
        return array if ok else None

    def text_hashes(self, texts: list[str]) -> np.ndarray:
        return reuse.text_hashes(f"{FORMAT_VERSION}|{self.model}", texts)

    def put_vectors(self, texts_key: str, vectors: np.ndarray, texts: list[str]) -> None:
        folder = self.folder / "passages"
        reuse.save_array(folder / f"{texts_key}{reuse.HASHES}", self.text_hashes(texts))
        # Written last: marks the entry whole.
        reuse.save_array(folder / f"{texts_key}.npy", np.asarray(vectors, dtype=np.float32))


def _embed_texts(passages: list[Passage], acronyms: dict[str, str]) -> list[str]:
    """What the model reads of a document's passages: each with the acronyms the document
    defines."""
    return [expand(p.embed_text, acronyms) for p in passages]


def document_names(documents: list[Document]) -> dict[str, int]:
    """Capitalized multi-word names in the documents' title, headings and paragraphs, with
    counts: what acronyms the corpus never defines are matched against (qa/acronyms.py)."""
    texts: list[str] = []
    for document in documents:
        texts.append(document.title)
        texts.extend(path[-1].title for path in document.headings if path)
        texts.extend(p.text for p in document.paragraphs)
        if document.summary:
            texts.append(document.summary.text)
    return find_names(texts)


def _library_names(documents: list[Document], keys: list[str], folder: Path) -> dict[str, int]:
    """document_names over all documents, each document's counts kept in `folder` under its
    cache key: adding a report reads the names of that report alone. Counts add up, and in
    the same order of first appearance as one pass over every document."""
    total: dict[str, int] = {}
    for document, key in zip(documents, keys):
        path = folder / f"{key}.json"
        try:
            names = orjson.loads(path.read_bytes())
        except (OSError, ValueError):
            names = document_names([document])
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{key}.{uuid.uuid4().hex[:8]}"
                tmp.write_bytes(orjson.dumps(names))
                os.replace(tmp, path)
            except OSError:
                pass
        for name, count in names.items():
            total[name] = total.get(name, 0) + count
    return total


def _encoder_export(
    encoder, index_dir: Path, exporting: Callable[[], None] | None = None
) -> Path | None:
    """The model's ONNX export (made once, kept in index/encoder/), or None.

    An export that fails or is not possible leaves nothing behind: the build embeds and
    queries go through sentence-transformers (slower, same vectors), so a build never fails
    for the sake of speed.
    """
    from . import onnx_encoder

    try:
        return onnx_encoder.cached_export(encoder, index_dir / "encoder", exporting)
    except Exception:
        return None


def _document_encoder(encoder, export: Path | None):
    """What embeds the passages: the ONNX export when it loads, else the model itself."""
    if export is None:
        return encoder
    from .onnx_encoder import OnnxEncoder

    try:
        onnx = OnnxEncoder(export)
        onnx.encode_documents(["IOM"])  # loads it now: a damaged export falls back here
    except Exception:
        shutil.rmtree(export, ignore_errors=True)  # the next build exports it again
        return encoder
    return onnx


def _link_export(export: Path | None, folder: Path) -> str:
    """Put the export's files into the build folder for queries (hard links, no copy where
    the file system allows); "onnx", or "sentence-transformers" without them."""
    from . import onnx_encoder

    if export is None:
        return "sentence-transformers"
    try:
        for name in onnx_encoder.FILES:
            try:
                os.link(export / name, folder / name)
            except OSError:
                shutil.copyfile(export / name, folder / name)
    except OSError:
        for name in onnx_encoder.FILES:
            (folder / name).unlink(missing_ok=True)
        return "sentence-transformers"
    return "onnx"


def _chunks(items: list[int], sizes: list[int], target: int) -> list[list[int]]:
    """Consecutive groups of items whose sizes add up to at least `target` (the last may be
    smaller)."""
    groups: list[list[int]] = [[]]
    total = 0
    for item, size in zip(items, sizes):
        if total >= target:
            groups.append([])
            total = 0
        groups[-1].append(item)
        total += size
    return [g for g in groups if g]


def _current_build(index_dir: Path) -> str | None:
    try:
        return read_manifest(index_dir).build
    except (IndexMissingError, CorruptIndexError, StaleIndexError):
        return None


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): _sha256(p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _prune_folder(folder: Path, keep: set[str]) -> None:
    """Remove the files of `folder` whose name (before its first dot) is not in `keep`."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and (path.name.startswith(".") or path.name.split(".")[0] not in keep):
            path.unlink(missing_ok=True)


def _prune(index_dir: Path, keep: set[str | None]) -> None:
    """Remove older builds and what killed builds left behind (half-written build folders,
    manifests never renamed into place). The build the previous manifest named stays, so a
    process that is still reading it is not cut off. Runs under the build lock."""
    for path in (index_dir / "builds").iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(f".{MANIFEST}.*.tmp"):
        path.unlink(missing_ok=True)


# --- load -------------------------------------------------------------------------------------


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index in {index_dir}; run `qa build` to build it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**data)
        _check_manifest(manifest)
    except (ValueError, TypeError) as exc:
        raise CorruptIndexError(f"the index manifest {path} is unreadable ({exc}); {FIX}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise StaleIndexError(
            f"the index in {index_dir} has format {manifest.format_version}, this qa reads "
            f"format {FORMAT_VERSION}; {FIX}"
        )
    return manifest


_BUILD_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")
_FIELD_TYPES = {"int": int, "float": (int, float), "str": str, "dict": dict, "list": list}


def _check_manifest(manifest: Manifest) -> None:
    """Field types, and names that stay inside the build folder (a manifest is data, not a
    path we follow blindly)."""
    for f in fields(Manifest):
        value = getattr(manifest, f.name)
        expected = _FIELD_TYPES.get(str(f.type).split("[")[0])
        if expected and (isinstance(value, bool) or not isinstance(value, expected)):
            raise ValueError(f"field {f.name!r} is {value!r}, not {f.type}")
    if not _BUILD_ID.match(manifest.build):
        raise ValueError(f"build id {manifest.build!r} is not one qa writes")
    for mapping in (manifest.files, manifest.corpus_files):
        for name, digest in mapping.items():
            parts = PurePosixPath(name).parts
            if not isinstance(digest, str) or not parts or ".." in parts or name.startswith("/"):
                raise ValueError(f"file entry {name!r} is not a file inside the index")


def digest_cache(index_dir: Path, name: str) -> Path:
    """Where the digests of the corpus ("corpus") or of the current build ("index") are
    remembered between runs (qa/digests.py)."""
    return index_dir / "cache" / "stat" / f"{name}.json"


def staleness(
    manifest: Manifest, corpus_dir: Path, model: str, index_dir: Path | None = None
) -> str | None:
    """Why the index no longer matches the corpus, parser or model; None when it is fresh.
    With `index_dir`, unchanged corpus files are known by their size and time."""
    cache = digest_cache(index_dir, "corpus") if index_dir is not None else None
    corpus_hash, per_file = corpus_fingerprint(corpus_dir, cache)
    if manifest.corpus_hash != corpus_hash:
        changed = sorted(set(per_file.items()).symmetric_difference(manifest.corpus_files.items()))
        names = sorted({name for name, _ in changed})
        return f"the corpus changed since the index was built ({', '.join(names)})"
    if manifest.parser_version != PARSER_VERSION:
        return (
            f"the parser changed (index built with parser {manifest.parser_version}, "
            f"this qa has {PARSER_VERSION})"
        )
    if manifest.model != model:
        return f"the index was built with model {manifest.model!r}, not {model!r}"
    return None


def another_corpus(manifest: Manifest, corpus_dir: Path, index_dir: Path) -> str | None:
    """Why rebuilding this index from `corpus_dir` would throw most of it away, or None: more
    than half of the files it was built from (two or more) are not in that folder, so it was
    built from another one (`QA_CORPUS_DIR` unset in a shell where it was set for the build).
    A search rebuilds a stale index by itself only when it is not so."""
    _, per_file = corpus_fingerprint(corpus_dir, digest_cache(index_dir, "corpus"))
    missing = [name for name in manifest.corpus_files if name not in per_file]
    if len(missing) < 2 or 2 * len(missing) <= len(manifest.corpus_files):
        return None
    return (
        f"the index in {index_dir} was built from {len(manifest.corpus_files)} files, "
        f"{len(missing)} of which are not in {corpus_dir}: it was built from another folder. "
        "It is left as it is; set QA_CORPUS_DIR (or --corpus-dir) to the folder it was built "
        f"from, or run `qa build` to replace it with an index of {corpus_dir}"
    )


def load_index(index_dir: Path, verify: bool = True, remembered: bool = True) -> StoredIndex:
    """Load the current build; any missing, truncated or mismatched file is reported.

    Each file's checksum is verified; `remembered` lets a file whose size and modification
    time are those it had when last verified pass on that verification (qa/digests.py);
    `qa doctor` verifies every byte."""
    manifest = read_manifest(index_dir)
    folder = index_dir / "builds" / manifest.build
    if not folder.is_dir():
        raise CorruptIndexError(f"the index build folder {folder} is missing; {FIX}")
    if verify:
        digests = DigestCache(digest_cache(index_dir, "index") if remembered else None)
        for name, digest in manifest.files.items():
            path = folder / name
            if not path.is_file():
                raise CorruptIndexError(f"index file {path} is missing; {FIX}")
            if digests.digest(path, lambda p: _sha256(p.read_bytes())) != digest:
                raise CorruptIndexError(f"index file {path} is damaged (checksum differs); {FIX}")
        digests.save()
    with _collector_paused():
        stored = _read_build(manifest, folder)
    # What was just read lives as long as the process (or until a new build replaces it):
    # kept out of every later collection, so none walks its million objects again (a
    # library's first search spent 0.1 s in such a walk). LiveIndex.reload unfreezes.
    gc.freeze()
    return stored


@contextmanager
def _collector_paused():
    """No cyclic garbage collection while an index is read: reading creates a million objects
    and none is garbage, yet the collector walked them all several times (0.2-0.3 s of a
    library's cold `qa search`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_build(manifest: Manifest, folder: Path) -> StoredIndex:
    """The build folder's files, read and checked against each other."""
    try:
        # orjson: the library's 28 MB of JSON in half the time of the json module.
        documents = [
            document_from_json(d) for d in orjson.loads((folder / "documents.json").read_bytes())
        ]
        passages = [
            passage_from_json(p) for p in orjson.loads((folder / "passages.json").read_bytes())
        ]
        acronyms = orjson.loads((folder / "acronyms.json").read_bytes())
        names = orjson.loads((folder / "names.json").read_bytes())
        dense_index = dense.load(folder / "dense.faiss")
        from .lexical import LexicalIndex

        lexical = LexicalIndex.load(folder / "lexical")
        sentences = grains.read(folder, len(passages))
        neighbours = expansion.load(folder)
    except CorruptIndexError:
        raise
    except Exception as exc:  # any reader failing means the files are not what we wrote
        raise CorruptIndexError(
            f"cannot read the index in {folder} ({exc.__class__.__name__}: {exc}); {FIX}"
        ) from exc
    if dense_index.ntotal != len(passages) or len(passages) != manifest.passage_count:
        raise CorruptIndexError(
            f"the index in {folder} is inconsistent ({dense_index.ntotal} vectors, "
            f"{len(passages)} passages, manifest says {manifest.passage_count}); {FIX}"
        )
    if dense_index.d != manifest.dimension:
        raise CorruptIndexError(
            f"the vectors in {folder} have dimension {dense_index.d}, the manifest says "
            f"{manifest.dimension}; {FIX}"
        )
    paragraphs = {(d.doc_id, p.ref) for d in documents for p in d.paragraphs}
    paragraphs |= {(d.doc_id, "summary") for d in documents if d.summary is not None}
    for position, p in enumerate(passages):
        if p.id != position or (p.doc_id, p.ref) not in paragraphs:
            raise CorruptIndexError(
                f"passage {position} in {folder} points at no paragraph of the stored "
                f"documents; {FIX}"
            )
    if lexical.num_docs != len(passages) or not _lexical_is_whole(lexical):
        raise CorruptIndexError(f"the BM25 index in {folder} does not match the passages; {FIX}")
    return StoredIndex(
        manifest,
        documents,
        passages,
        dense_index,
        lexical,
        acronyms,
        names,
        folder,
        sentences,
        neighbours,
    )


def _lexical_is_whole(lexical) -> bool:
    """Every word points at a column, every column inside the postings, every posting at a
    passage: what a query would otherwise trip over with an IndexError."""
    columns = len(lexical.indptr) - 1
    # bm25s adds "" (the token of an empty passage) without a column; no query holds it.
    ids = [i for word, i in lexical.vocab.items() if word]
    if not all(isinstance(i, int) and 0 <= i < columns for i in ids):
        return False
    if len(lexical.indptr) and (
        lexical.indptr[0] != 0 or lexical.indptr[-1] != len(lexical.indices)
    ):
        return False
    if len(lexical.data) != len(lexical.indices):
        return False
    return (
        not len(lexical.indices)
        or 0 <= int(lexical.indices.min())
        and int(lexical.indices.max()) < lexical.num_docs
    )


def passage_vectors(stored: StoredIndex) -> np.ndarray:
    """The stored passage vectors (exact for a Flat index), for tests and benchmarks."""
    return stored.dense_index.reconstruct_n(0, stored.dense_index.ntotal)
