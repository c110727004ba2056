"""Build, save and load the index folder; the manifest tells whether it is fresh and whole."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import dense
from .acronyms import find_acronyms
from .errors import CorpusError, CorruptIndexError, IndexMissingError, StaleIndexError
from .parse import PARSER_VERSION, Document, Heading, Paragraph, ParseError, SubItem, parse
from .passages import Passage, make_passages

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CORPUS_SUFFIXES = (".txt", ".md")
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


@dataclass
class StoredIndex:
    """Everything search needs, loaded from one build folder."""

    manifest: Manifest
    documents: list[Document]
    passages: list[Passage]
    dense_index: Any
    lexical: Any
    acronyms: dict[str, str]


# --- corpus ---------------------------------------------------------------------------------


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The report files directly inside the corpus folder (no links leading outside it)."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist; put the report's .txt file there "
            "or point --corpus-dir / QA_CORPUS_DIR at the folder that holds it"
        )
    root = corpus_dir.resolve()
    files = []
    for path in sorted(corpus_dir.iterdir()):
        if path.suffix.lower() not in CORPUS_SUFFIXES or path.name.startswith("."):
            continue
        if not path.resolve().is_relative_to(root) or not path.is_file():
            continue
        files.append(path)
    if not files:
        raise CorpusError(
            f"corpus folder {corpus_dir} holds no .txt or .md report; copy the report there"
        )
    return files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def corpus_fingerprint(corpus_dir: Path) -> tuple[str, dict[str, str]]:
    """(hash of the whole corpus, hash per file): what staleness is judged by."""
    per_file = {p.name: _sha256(p.read_bytes()) for p in corpus_files(corpus_dir)}
    whole = _sha256(json.dumps(per_file, sort_keys=True).encode())
    return whole, per_file


def load_documents(corpus_dir: Path) -> list[Document]:
    documents = []
    for path in corpus_files(corpus_dir):
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path} is not UTF-8 text ({exc}); convert it to UTF-8") from exc
        try:
            documents.append(parse(raw, doc_id=path.stem))
        except ParseError as exc:
            raise CorpusError(f"cannot parse {path}: {exc}") from exc
    return documents


# --- JSON for documents and passages ----------------------------------------------------------


def _paragraph_from_json(data: dict) -> Paragraph:
    return Paragraph(
        number=data["number"],
        headings=tuple(Heading(**h) for h in data["headings"]),
        intro=data["intro"],
        items=tuple(SubItem(tuple(i["label"]), i["text"]) for i in data["items"]),
    )


def document_from_json(data: dict) -> Document:
    return Document(
        doc_id=data["doc_id"],
        title=data["title"],
        date=data.get("date"),
        session=data.get("session"),
        agenda_item=data.get("agenda_item"),
        symbol=data.get("symbol"),
        summary=_paragraph_from_json(data["summary"]) if data.get("summary") else None,
        paragraphs=tuple(_paragraph_from_json(p) for p in data["paragraphs"]),
        headings=tuple(tuple(Heading(**h) for h in path) for path in data.get("headings", [])),
    )


def passage_from_json(data: dict) -> Passage:
    item = tuple(data["item"]) if data.get("item") else None
    return Passage(
        data["id"], data["doc_id"], data["paragraph"], item, data["text"], data["context"]
    )


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=None), encoding="utf-8")


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
    corpus_hash, per_file = corpus_fingerprint(corpus_dir)
    documents = load_documents(corpus_dir)
    passages = make_passages(documents, encoder.count_tokens, encoder.max_tokens)
    acronyms = find_acronyms(p.text for d in documents for p in d.paragraphs)

    def say(stage: str, done: int = 0, total: int = 0) -> None:
        if progress:
            progress(stage, done, total)

    from .acronyms import expand

    embed_texts = [expand(p.embed_text, acronyms) for p in passages]
    done = 0
    say("embed", 0, len(passages))

    def step(n: int) -> None:
        nonlocal done
        done += n
        say("embed", done, len(passages))

    vectors = encoder.encode_documents(embed_texts, progress=step)
    say("index", 0, 0)
    faiss_index = dense.build(vectors)
    from .lexical import LexicalIndex

    lexical = LexicalIndex.build(embed_texts)

    with _build_lock(index_dir):
        builds = index_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]
        tmp = builds / f".tmp-{build_id}"
        tmp.mkdir()
        try:
            dense.save(faiss_index, tmp / "dense.faiss")
            lexical.save(tmp / "lexical")
            _write_json(tmp / "documents.json", [asdict(d) for d in documents])
            _write_json(tmp / "passages.json", [asdict(p) for p in passages])
            _write_json(tmp / "acronyms.json", acronyms)
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
        )
        tmp_manifest = index_dir / f".{MANIFEST}.{build_id}.tmp"
        _write_json(tmp_manifest, asdict(manifest))
        with open(tmp_manifest, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_manifest, index_dir / MANIFEST)
        _prune(builds, keep={build_id})
    return manifest


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): _sha256(p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _prune(builds: Path, keep: set[str]) -> None:
    """Remove older builds and leftovers of killed builds; the newest previous one stays,
    so a process that is still reading it is not cut off."""
    entries = sorted((p for p in builds.iterdir() if p.is_dir()), key=lambda p: p.name)
    finished = [p for p in entries if not p.name.startswith(".tmp-") and p.name not in keep]
    for path in finished[:-1] + [p for p in entries if p.name.startswith(".tmp-")]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


# --- load -------------------------------------------------------------------------------------


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index in {index_dir}; run `qa build` to build it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise CorruptIndexError(f"the index manifest {path} is unreadable ({exc}); {FIX}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise StaleIndexError(
            f"the index in {index_dir} has format {manifest.format_version}, this qa reads "
            f"format {FORMAT_VERSION}; {FIX}"
        )
    return manifest


def staleness(manifest: Manifest, corpus_dir: Path, model: str) -> str | None:
    """Why the index no longer matches the corpus, parser or model; None when it is fresh."""
    corpus_hash, per_file = corpus_fingerprint(corpus_dir)
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


def load_index(index_dir: Path, verify: bool = True) -> StoredIndex:
    """Load the current build; any missing, truncated or mismatched file is reported."""
    manifest = read_manifest(index_dir)
    folder = index_dir / "builds" / manifest.build
    if not folder.is_dir():
        raise CorruptIndexError(f"the index build folder {folder} is missing; {FIX}")
    if verify:
        for name, digest in manifest.files.items():
            path = folder / name
            if not path.is_file():
                raise CorruptIndexError(f"index file {path} is missing; {FIX}")
            if _sha256(path.read_bytes()) != digest:
                raise CorruptIndexError(f"index file {path} is damaged (checksum differs); {FIX}")
    try:
        documents = [
            document_from_json(d)
            for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        ]
        passages = [
            passage_from_json(p)
            for p in json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        ]
        acronyms = json.loads((folder / "acronyms.json").read_text(encoding="utf-8"))
        dense_index = dense.load(folder / "dense.faiss")
        from .lexical import LexicalIndex

        lexical = LexicalIndex.load(folder / "lexical")
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
    if lexical.retriever.scores["num_docs"] != len(passages):
        raise CorruptIndexError(f"the BM25 index in {folder} does not match the passages; {FIX}")
    return StoredIndex(manifest, documents, passages, dense_index, lexical, acronyms)


def passage_vectors(stored: StoredIndex) -> np.ndarray:
    """The stored passage vectors (exact for a Flat index), for tests and benchmarks."""
    return stored.dense_index.reconstruct_n(0, stored.dense_index.ntotal)
