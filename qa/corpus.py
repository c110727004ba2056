"""The corpus folder: its documents (.txt, .md, .pdf), their metadata sidecars, add and remove."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import CorpusError
from .parse import Document, ParseError, parse

DOCUMENT_SUFFIXES = (".txt", ".md", ".pdf")
SIDECAR_SUFFIX = ".meta.json"
# The metadata a sidecar may set: {"symbol": "A/71/119", "title": "...", "date": "1 July 2016"}.
SIDECAR_KEYS = ("symbol", "title", "date", "session", "agenda_item")


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
            f"corpus folder {corpus_dir} holds no .txt, .md or .pdf report; "
            "add one with `qa add PATH`"
        )
    stems = [p.stem for p in files]
    clash = sorted({s for s in stems if stems.count(s) > 1})
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


def read_text(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from .pdf import pdf_to_text

        return pdf_to_text(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text ({exc}); convert it to UTF-8") from exc


def load_document(path: Path) -> Document:
    """Parse one corpus file, with its sidecar's metadata taking precedence."""
    try:
        document = parse(read_text(path), doc_id=path.stem)
    except ParseError as exc:
        raise CorpusError(f"cannot parse {path}: {exc}") from exc
    overrides = read_overrides(path)
    return dataclasses.replace(document, **overrides) if overrides else document


def load_documents(corpus_dir: Path) -> list[Document]:
    return [load_document(path) for path in document_files(corpus_dir)]


def file_digest(path: Path) -> str:
    """Hash of a document and its sidecar: what decides whether it must be parsed again."""
    digest = hashlib.sha256(path.read_bytes())
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


def fingerprint(corpus_dir: Path) -> tuple[str, dict[str, str]]:
    """(hash of the whole corpus, hash per document file)."""
    per_file = {p.name: file_digest(p) for p in document_files(corpus_dir)}
    whole = hashlib.sha256(json.dumps(per_file, sort_keys=True).encode()).hexdigest()
    return whole, per_file


def _atomic_copy(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)


def add_document(
    source: Path, corpus_dir: Path, overrides: dict[str, str] | None = None
) -> Document:
    """Copy a report into the corpus after checking that it parses; returns the parsed document.

    Nothing is copied when the file cannot be read or parsed, or when another document of
    the same name is already there.
    """
    source = Path(source)
    if not source.is_file():
        raise CorpusError(f"{source} is not a file")
    if source.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise CorpusError(
            f"{source} is not a .txt, .md or .pdf file; convert it to one of those first"
        )
    corpus_dir.mkdir(parents=True, exist_ok=True)
    target = corpus_dir / source.name
    existing = [
        p
        for p in corpus_dir.iterdir()
        if p.stem == source.stem and p.suffix.lower() in DOCUMENT_SUFFIXES
    ]
    if existing and not (target.exists() and target.read_bytes() == source.read_bytes()):
        raise CorpusError(
            f"the corpus already has a document named {source.stem} ({existing[0].name}); "
            f"remove it first with `qa remove {source.stem}` or rename the new file"
        )
    unknown = sorted(set(overrides or {}) - set(SIDECAR_KEYS))
    if unknown:
        raise CorpusError(
            f"unknown metadata {', '.join(unknown)}; allowed: {', '.join(SIDECAR_KEYS)}"
        )
    document = load_document(source)  # raises before anything is copied
    _atomic_copy(source, target)
    if overrides:
        _atomic_write(sidecar_path(target), json.dumps(overrides, ensure_ascii=False, indent=2))
        document = dataclasses.replace(document, **overrides)
    return document


def remove_document(doc_id: str, corpus_dir: Path) -> list[Path]:
    """Delete a document (by id: its file name without extension) and its sidecar."""
    matches = [p for p in document_files(corpus_dir) if p.stem == doc_id]
    if not matches:
        known = ", ".join(p.stem for p in document_files(corpus_dir))
        raise CorpusError(f"no document {doc_id!r} in {corpus_dir}; documents: {known}")
    removed = []
    for path in [*matches, sidecar_path(matches[0])]:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
