"""The corpus folder: its documents (.pdf, .txt, .md), their metadata sidecars, reading them
(cached by content), and adding and removing them."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .digests import DigestCache
from .document import Document, document_from_json, document_to_json
from .errors import CorpusError
from .ingest import DOCUMENT_SUFFIXES, PARSER_VERSION, doc_id_for, read_document
from .ingest.masthead import iso_date, organ_of, split_symbols

SIDECAR_SUFFIX = ".meta.json"
# The metadata a sidecar may set: {"symbol": "A/71/119", "title": "...", "date": "1 July 2016"}.
SIDECAR_KEYS = ("symbol", "title", "date", "session", "agenda_item", "kind", "organ")
# A folder's own notes are not documents: `qa add FOLDER` leaves these out (named, they go in).
_NOT_DOCUMENTS = ("readme", "license", "licence", "changelog", "contributing", "notice")


def document_files(corpus_dir: Path) -> list[Path]:
    """The documents directly inside the corpus folder; links leading outside it are ignored."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist; put the report's .txt file there "
            "or point --corpus-dir / QA_CORPUS_DIR at the folder that holds it"
        )
    root = corpus_dir.resolve()
    files = []
    for path in sorted(corpus_dir.iterdir()):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or path.name.startswith("."):
            continue
        if not path.resolve().is_relative_to(root) or not path.is_file():
            continue
        files.append(path)
    if not files:
        raise CorpusError(
            f"corpus folder {corpus_dir} holds no .pdf, .txt or .md document; "
            "add one with `qa add PATH`"
        )
    ids = [doc_id_for(p) for p in files]
    clash = sorted({s for s in ids if ids.count(s) > 1})
    if clash:
        raise CorpusError(
            f"corpus folder {corpus_dir} has several files named {', '.join(clash)} with "
            "different extensions; keep one of each (documents are known by file name)"
        )
    return files


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_overrides(path: Path) -> dict[str, str]:
    """Metadata from the document's sidecar file, if it has one."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CorpusError(f"{sidecar} is not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise CorpusError(
            f'{sidecar} must be a JSON object of strings, e.g. {{"symbol": "A/71/119"}}'
        )
    unknown = sorted(set(data) - set(SIDECAR_KEYS))
    if unknown:
        raise CorpusError(
            f"{sidecar} has unknown keys {', '.join(unknown)}; allowed: {', '.join(SIDECAR_KEYS)}"
        )
    return data


def apply_overrides(document: Document, overrides: dict[str, str]) -> Document:
    """The document with metadata a reader set by hand; derived fields follow."""
    if not overrides:
        return document
    document = dataclasses.replace(document, **overrides)
    if "symbol" in overrides:
        symbol = overrides["symbol"]
        document = dataclasses.replace(
            document,
            symbols=split_symbols(symbol),
            organ=overrides.get("organ") or organ_of(symbol) or document.organ,
        )
    if "date" in overrides:
        document = dataclasses.replace(document, date_iso=iso_date(overrides["date"]))
    return document


def read_file(path: Path) -> Document:
    """One corpus file as a Document (no sidecar): what a child process of `qa add` runs."""
    return read_document(path, doc_id_for(path))


def load_document(path: Path) -> Document:
    """Read one corpus file, with its sidecar's metadata taking precedence."""
    return apply_overrides(read_file(path), read_overrides(path))


def file_digest(path: Path) -> str:
    """Hash of a document and its sidecar: what decides whether it must be read again."""
    digest = hashlib.sha256(path.read_bytes())
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


def fingerprint(corpus_dir: Path, cache: Path | None = None) -> tuple[str, dict[str, str]]:
    """(hash of the whole corpus, hash per document file). `cache` remembers each file's
    digest by its size and modification time (qa/digests.py), so an unchanged corpus is not
    read again to find out that it is unchanged."""
    digests = DigestCache(cache)
    per_file = {
        p.name: digests.digest(p, file_digest, also=[sidecar_path(p)])
        for p in document_files(corpus_dir)
    }
    digests.save()
    whole = hashlib.sha256(json.dumps(per_file, sort_keys=True).encode()).hexdigest()
    return whole, per_file


# --- documents as read, cached by content --------------------------------------------------


class ReadCache:
    """Documents as read, one JSON file per file content (and sidecar, parser, id): `qa add`
    reads a file once and `qa build` and `qa list` reuse it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def key(self, path: Path, digest: str | None = None) -> str:
        digest = digest or file_digest(path)
        raw = f"{digest}|{PARSER_VERSION}|{doc_id_for(path)}"
        return hashlib.sha256(raw.encode()).hexdigest()[:40]

    def get(self, key: str) -> Document | None:
        try:
            return document_from_json(orjson.loads((self.folder / f"{key}.json").read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: read the file again

    def put(self, key: str, document: Document) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.folder / f"{key}.json", document_to_json(document).decode("utf-8"))

    def prune(self, keep: set[str]) -> None:
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name.split(".")[0] not in keep or path.name.startswith("."):
                path.unlink(missing_ok=True)


def load_documents(
    paths: Sequence[Path],
    cache: ReadCache | None = None,
    jobs: int | None = None,
    on_done: Callable[[Path, int, int], None] | None = None,
) -> list[Document]:
    """Every file read (from the cache when its content was read before; the rest in bounded
    child processes, in parallel). A file that cannot be read is a CorpusError naming it."""
    from .ingest.guard import read_all

    documents: dict[Path, Document] = {}
    keys = {}
    todo = []
    for path in paths:
        keys[path] = cache.key(path) if cache else ""
        cached = cache.get(keys[path]) if cache else None
        if cached is not None:
            documents[path] = apply_overrides(cached, read_overrides(path))
        else:
            todo.append(path)
    done = len(documents)
    if on_done and done:
        on_done(paths[0], done, len(paths))

    def finished(outcome, n, _total):
        if on_done:
            on_done(outcome.path, done + n, len(paths))

    for outcome in read_all(todo, read_file, jobs=jobs, on_done=finished):
        if outcome.document is None:
            raise CorpusError(
                f"cannot read {outcome.path.name}: {outcome.error}; fix or remove it "
                f"(`qa remove {doc_id_for(outcome.path)}`)"
            )
        if cache:
            cache.put(keys[outcome.path], outcome.document)
        documents[outcome.path] = apply_overrides(outcome.document, read_overrides(outcome.path))
    return [documents[path] for path in paths]


# --- adding and removing ---------------------------------------------------------------------


@dataclass
class AddReport:
    """What `add_documents` did: the documents added and the files skipped, with reasons."""

    added: list[tuple[Path, Document]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def expand_sources(sources: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to add: each file given, and the documents inside each folder given (its
    sub-folders too). Folder entries that are not documents are skipped with a reason."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for source in sources:
        source = Path(source)
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                if path.name.startswith("."):
                    continue
                if path.suffix.lower() not in DOCUMENT_SUFFIXES:
                    skipped.append((path, f"not a {_SUFFIXES} file"))
                elif path.stem.split(".")[0].lower() in _NOT_DOCUMENTS:
                    skipped.append(
                        (path, "the folder's own notes, not a document (name it to add it)")
                    )
                else:
                    files.append(path)
        elif source.is_file():
            files.append(source)
        elif source.exists():
            skipped.append((source, "not a regular file"))
        else:
            skipped.append((source, "no such file or folder"))
    return files, skipped


_SUFFIXES = ".pdf, .txt or .md"


def add_documents(
    sources: Sequence[Path],
    corpus_dir: Path,
    overrides: dict[str, str] | None = None,
    cache: ReadCache | None = None,
    jobs: int | None = None,
    on_done: Callable[[Path, Document | None, str | None, int, int], None] | None = None,
) -> AddReport:
    """Copy every readable document into the corpus; skip the rest with a reason.

    Each file is read first, in a child process bounded in time and memory; only a file
    that reads is copied (atomically, its sidecar first), so nothing half-added is left.
    """
    from .ingest.guard import read_all

    report = AddReport()
    files, report.skipped = expand_sources(sources)
    unknown = sorted(set(overrides or {}) - set(SIDECAR_KEYS))
    if unknown:
        raise CorpusError(
            f"unknown metadata {', '.join(unknown)}; allowed: {', '.join(SIDECAR_KEYS)}"
        )
    corpus_dir.mkdir(parents=True, exist_ok=True)
    existing = {}
    for path in corpus_dir.iterdir():
        if path.suffix.lower() in DOCUMENT_SUFFIXES and path.is_file():
            existing[doc_id_for(path)] = path
    todo: list[Path] = []
    seen: dict[str, Path] = {}
    for path in files:
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            report.skipped.append((path, f"not a {_SUFFIXES} file; convert it to one first"))
            continue
        doc_id = doc_id_for(path)
        if doc_id in seen:
            report.skipped.append((path, f"another file in this batch is named {doc_id}"))
            continue
        there = existing.get(doc_id)
        if there is not None and not _same_bytes(there, path):
            report.skipped.append(
                (
                    path,
                    f"the corpus already has a document named {doc_id} ({there.name}); remove "
                    f"it first with `qa remove {doc_id}` or rename the new file",
                )
            )
            continue
        seen[doc_id] = path
        todo.append(path)

    def done(outcome, n, total):
        if on_done:
            on_done(outcome.path, outcome.document, outcome.error, n, total)

    for outcome in read_all(todo, read_file, jobs=jobs, on_done=done):
        if outcome.document is None:
            report.skipped.append((outcome.path, outcome.error or "cannot read it"))
            continue
        target = corpus_dir / outcome.path.name
        try:
            if overrides:
                _atomic_write(
                    sidecar_path(target), json.dumps(overrides, ensure_ascii=False, indent=2)
                )
            if not (target.exists() and _same_bytes(target, outcome.path)):
                _atomic_copy(outcome.path, target)
        except OSError as exc:
            if overrides:
                sidecar_path(target).unlink(missing_ok=True)
            report.skipped.append((outcome.path, f"cannot copy it into {corpus_dir} ({exc})"))
            continue
        if cache:
            cache.put(cache.key(target), outcome.document)
        report.added.append((target, apply_overrides(outcome.document, overrides or {})))
    return report


def add_document(
    source: Path, corpus_dir: Path, overrides: dict[str, str] | None = None
) -> Document:
    """Add one file; a CorpusError says why it cannot be added (nothing is copied then)."""
    source = Path(source)
    if not source.is_file():
        raise CorpusError(f"{source} is not a file")
    if source.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise CorpusError(f"{source} is not a {_SUFFIXES} file; convert it to one of those first")
    report = add_documents([source], corpus_dir, overrides, jobs=1)
    if report.skipped:
        path, reason = report.skipped[0]
        raise CorpusError(f"cannot add {path.name}: {reason}")
    return report.added[0][1]


def remove_document(doc_id: str, corpus_dir: Path) -> list[Path]:
    """Delete a document (by id: its file name without extension) and its sidecar."""
    matches = [p for p in document_files(corpus_dir) if doc_id_for(p) == doc_id]
    if not matches:
        ids = [doc_id_for(p) for p in document_files(corpus_dir)]
        # The closest ids, not all 270 of a library: "S_2025_344.en" finds "S_2025_344".
        close = difflib.get_close_matches(doc_id, ids, n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise CorpusError(
            f"no document {doc_id!r} in {corpus_dir}; {hint}`qa list` shows the {len(ids)} "
            "document ids"
        )
    removed = []
    for path in [*matches, sidecar_path(matches[0])]:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _atomic_copy(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".add-", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".write-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
