"""The `qa` command: build | search | serve | eval | doctor; errors become `Error: …` and exit 1."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
import time
from collections.abc import Callable
from functools import wraps

import click

from .config import DEFAULT_K, DEFAULT_MODE, MAX_K, MODES, Settings, settings
from .errors import InvalidQuestionError, QAError


def _settings_options(command: Callable) -> Callable:
    """--corpus-dir, --index-dir and --model on every command, resolved into Settings."""

    @click.option(
        "--model",
        envvar="QA_MODEL",
        help="Sentence-transformers model name or folder "
        "[env QA_MODEL; default all-MiniLM-L6-v2, shipped offline].",
    )
    @click.option(
        "--index-dir",
        envvar="QA_INDEX_DIR",
        type=click.Path(file_okay=False),
        help="Index folder [env QA_INDEX_DIR; default ./index].",
    )
    @click.option(
        "--corpus-dir",
        envvar="QA_CORPUS_DIR",
        type=click.Path(file_okay=False),
        help="Folder of report files [env QA_CORPUS_DIR; default ./corpus].",
    )
    @wraps(command)
    def wrapper(*args, corpus_dir, index_dir, model, **kwargs):
        conf = settings(corpus_dir, index_dir, model)
        try:
            return command(*args, conf=conf, **kwargs)
        except InvalidQuestionError as exc:
            raise click.UsageError(str(exc)) from exc
        except QAError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa")
def main() -> None:
    """Ask questions of a UN report; get the paragraphs that answer them, with citations."""


def _progress_printer() -> Callable[[str, int, int], None]:
    """The build's progress on stderr: a bar on a terminal, a line every 5% or 10 s in logs."""
    from .progress import BuildProgress

    return BuildProgress(sys.stderr)


def run_build(conf: Settings) -> None:
    from .embed import Encoder
    from .store import build_index, corpus_files

    corpus_files(conf.corpus_dir)  # a missing corpus is reported before the model loads
    click.echo(f"Building the index from {conf.corpus_dir} with model {conf.model}…", err=True)
    started = time.perf_counter()
    encoder = Encoder(conf.model)
    manifest = build_index(conf.corpus_dir, conf.index_dir, encoder, progress=_progress_printer())
    took = time.perf_counter() - started
    click.echo(
        f"Built index {manifest.build} in {conf.index_dir}: {manifest.document_count} document(s), "
        f"{manifest.paragraph_count} paragraphs, {manifest.passage_count} passages, "
        f"{manifest.dimension}-d vectors ({manifest.faiss_index}), model {manifest.model}, "
        f"queries via {manifest.query_encoder}; "
        f"took {took:.1f} s (build {manifest.build_seconds:.1f} s, model load included in total)."
    )


@main.command()
@_settings_options
def build(conf: Settings) -> None:
    """Rebuild the index from the corpus folder."""
    run_build(conf)


@main.command(name="search")
@click.argument("question")
@click.option(
    "-k",
    type=click.IntRange(1, MAX_K),
    default=DEFAULT_K,
    show_default=True,
    help="Number of paragraphs to return.",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=DEFAULT_MODE,
    show_default=True,
    help="Ranking: hybrid (lexical + dense), dense or lexical.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.option(
    "-d",
    "--document",
    "documents",
    multiple=True,
    metavar="DOC",
    help="Only search this document (repeatable; ids as `qa list` shows them, or symbols).",
)
@click.option(
    "--organ",
    multiple=True,
    help="Only documents of this organ: SC, GA, ECOSOC, HRC, … or the full name (repeatable).",
)
@click.option(
    "--kind",
    multiple=True,
    type=click.Choice(
        ("report", "letter", "resolution", "decision", "note", "other"), case_sensitive=False
    ),
    help="Only documents of this kind (repeatable).",
)
@click.option("--since", metavar="DATE", help="Only documents dated on or after: 2025, 2025-03 …")
@click.option("--until", metavar="DATE", help="Only documents dated on or before.")
@click.option(
    "--symbol",
    multiple=True,
    metavar="PREFIX",
    help="Only documents whose symbol is or starts with this: S/2025/185, S/2025/, A/HRC/ …",
)
@click.option(
    "--by-document",
    is_flag=True,
    help="The best paragraph of each of the k best documents, oldest first.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Print each paragraph whole (a short one is always whole; a long one shows its "
    "best sentence).",
)
@_settings_options
def search_command(
    question: str,
    k: int,
    mode: str,
    as_json: bool,
    documents: tuple[str, ...],
    organ: tuple[str, ...],
    kind: tuple[str, ...],
    since: str | None,
    until: str | None,
    symbol: tuple[str, ...],
    by_document: bool,
    full: bool,
    conf: Settings,
) -> None:
    """Print the paragraphs that best answer QUESTION, with citations."""
    from .search import clean_question, open_index

    question = clean_question(question)
    index = open_index(conf, progress=_progress_printer())
    hits = index.search(
        question,
        k=k,
        mode=mode,
        documents=list(documents) or None,
        organ=list(organ) or None,
        kind=list(kind) or None,
        since=since,
        until=until,
        symbol=list(symbol) or None,
        group_by="document" if by_document else None,
    )
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        filtered = any((documents, organ, kind, since, until, symbol))
        click.echo(
            "No document matches those filters."
            if filtered
            and index.select(documents or None, organ, kind, since, until, symbol) == set()
            else "No paragraph matches that question."
        )
        return
    width = min(shutil.get_terminal_size().columns, 100)
    for hit in hits:
        dated = f"  ({hit.document_date})" if by_document and hit.document_date else ""
        click.echo(
            click.style(f"{hit.rank}. {hit.citation}", bold=True)
            + dated
            + f"  [score {hit.score:.2f}]"
        )
        # The best sentence alone can leave out the answer the sentence before it gives
        # ("He will succeed …" without the name): a short paragraph is printed whole.
        whole = full or len(hit.text) <= SHORT_UNIT_CHARS or not hit.sentence
        shown = hit.text if whole else f"… {hit.sentence} …"
        for part in shown.split("\n"):
            for line in textwrap.wrap(part, width=width - 3):
                click.echo("   " + line)
        # A paragraph's sources (its footnotes), or what cites a footnote, in a line each.
        for note in hit.notes or hit.cited_by:
            said = "cited in " if not hit.notes else ""
            lines = textwrap.wrap(
                f"{said}{note.locator}: {note.text}",
                width=width - 5,
                max_lines=2,
                placeholder=" …",
                initial_indent="   ↳ ",
                subsequent_indent="     ",
            )
            click.echo(click.style("\n".join(lines), dim=True))
        click.echo()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--symbol", help="Document symbol, e.g. A/71/119 (one file only).")
@click.option("--title", help="Title to show and cite (one file only).")
@click.option("--date", help="Date as printed, e.g. '1 July 2016' (one file only).")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    help="Files read at once (default: one per core).",
)
@_settings_options
def add(
    paths: tuple[str, ...],
    symbol: str | None,
    title: str | None,
    date: str | None,
    jobs: int | None,
    conf: Settings,
) -> None:
    """Add documents (.pdf, .txt, .md files, or folders of them) to the corpus and update the
    index. Files that cannot be read are skipped with the reason; the rest go in."""
    from pathlib import Path

    from .corpus import ReadCache, add_documents

    overrides = {k: v for k, v in {"symbol": symbol, "title": title, "date": date}.items() if v}
    if overrides and (len(paths) > 1 or Path(paths[0]).is_dir()):
        raise click.UsageError("--symbol, --title and --date apply to one file at a time")
    started = time.perf_counter()
    verbose = not sys.stderr.isatty()

    def done(path, document, error, n, total):
        where = f"[{n}/{total}]"
        if document is not None:
            line = (
                f"{where} read {path.name}: {document.label} · {document.kind} · {_units(document)}"
            )
        else:
            line = f"{where} skipped {path.name}: {error}"
        if verbose or document is None:
            click.echo(line, err=True)
        else:
            click.echo(f"\r{where} reading…", err=True, nl=False)

    report = add_documents(
        [Path(p) for p in paths],
        conf.corpus_dir,
        overrides,
        cache=ReadCache(conf.index_dir / "cache" / "read"),
        jobs=jobs,
        on_done=done,
    )
    if not verbose:
        click.echo("\r", err=True, nl=False)
    for _path, document in report.added:
        click.echo(f"Added {document.doc_id}: {document.label} — {_units(document)}")
    for path, reason in report.skipped:
        click.echo(f"Skipped {path}: {reason}")
    took = time.perf_counter() - started
    total = len(report.added) + len(report.skipped)
    click.echo(
        f"{len(report.added)} of {total} file(s) added, {len(report.skipped)} skipped "
        f"({took:.1f} s)."
    )
    if report.added:
        run_build(conf)
    elif report.skipped:
        raise click.ClickException("no file could be added (see the reasons above)")


# A paragraph this short is printed whole by `qa search`; a longer one by its best sentence.
SHORT_UNIT_CHARS = 600


def _units(document) -> str:
    """ "12 paragraphs", or for an unnumbered document "3 pages of text"."""
    from .document import PARAGRAPH

    numbered = sum(1 for p in document.paragraphs if p.kind == PARAGRAPH)
    if numbered:
        return f"{numbered} paragraphs"
    pages = f"{document.pages} page{'s' if document.pages != 1 else ''}" if document.pages else ""
    return f"{pages} of text".strip() if pages else f"{len(document.paragraphs)} blocks of text"


@main.command()
@click.argument("doc_ids", nargs=-1, required=True, metavar="DOC...")
@_settings_options
def remove(doc_ids: tuple[str, ...], conf: Settings) -> None:
    """Remove documents (ids or symbols, as `qa list` shows them) from the corpus and the
    index."""
    from .corpus import remove_document

    for doc_id in _ids_of(doc_ids, conf):
        for path in remove_document(doc_id, conf.corpus_dir):
            click.echo(f"Removed {path}")
    run_build(conf)


def _ids_of(given: tuple[str, ...], conf: Settings) -> list[str]:
    """Document ids for ids or symbols ("S/2025/344" is S_2025_344), as `-d` takes them; what
    names neither is left for `remove_document` to report."""
    from .corpus import ReadCache, document_files, load_documents
    from .ingest import doc_id_for

    files = document_files(conf.corpus_dir)
    ids = {doc_id_for(path) for path in files}
    if all(name in ids for name in given):
        return list(given)
    documents = load_documents(files, ReadCache(conf.index_dir / "cache" / "read"))
    by_symbol = {
        symbol.upper(): doc_id_for(path)
        for path, doc in zip(files, documents)
        for symbol in (doc.symbol, *doc.symbols)
        if symbol
    }
    return [name if name in ids else by_symbol.get(name.upper(), name) for name in given]


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the documents as JSON.")
@_settings_options
def list_command(as_json: bool, conf: Settings) -> None:
    """List the documents in the corpus: id, symbol, kind, date and title."""
    from .corpus import ReadCache, document_files, load_documents
    from .ingest import doc_id_for

    files = document_files(conf.corpus_dir)
    documents = load_documents(files, ReadCache(conf.index_dir / "cache" / "read"))
    rows = [
        {
            "id": doc_id_for(path),
            "file": path.name,
            "symbol": doc.symbol,
            "kind": doc.kind,
            "organ": doc.organ,
            "date": doc.date_iso or doc.date,
            "title": doc.title,
            "paragraphs": sum(1 for p in doc.paragraphs if p.kind == "paragraph"),
            "pages": doc.pages,
            "cited_as": doc.label,
        }
        for path, doc in zip(files, documents)
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = min(shutil.get_terminal_size().columns, 200)
    # The id and symbol columns as wide as the longest ("FCCC/SBSTA/2011/Misc.14"), within
    # reason. The id is what `qa remove` and `-d` take; a symbol the document has, too.
    id_width = min(40, max([len(row["id"]) for row in rows], default=1))
    symbol_width = min(40, max([len(row["symbol"] or "—") for row in rows], default=1))
    for row in rows:
        symbol, date = row["symbol"] or "—", row["date"] or "—"
        head = f"{row['id']:<{id_width}} {symbol:<{symbol_width}} {row['kind']:<10} {date:<10}  "
        title = row["title"]
        room = max(20, width - len(head))
        click.echo(head + (title if len(title) <= room else title[: room - 1] + "…"))
    click.echo(f"{len(rows)} document(s) in {conf.corpus_dir}")


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 exposes the app to your network.",
)
@click.option("--port", default=7860, show_default=True, type=int, help="Port to listen on.")
@_settings_options
def serve(host: str, port: int, conf: Settings) -> None:
    """Start the web UI (builds the index first if needed)."""
    from .web import serve as serve_app

    serve_app(conf, host=host, port=port)


@main.command()
@_settings_options
def doctor(conf: Settings) -> None:
    """Show what is installed, which model and index are in use, and whether the index is fresh.

    Exits 1 when something needs fixing, after printing what to run.
    """
    from .doctor import diagnose, format_report

    checks = diagnose(conf)
    click.echo(format_report(checks))
    if not all(check.ok for check in checks):
        sys.exit(1)


DEFAULT_LIBRARY = "../shared/un2025"
QUESTION_SET_NAMES = (
    "dev",
    "heldout",
    "paraphrase",
    "paraphrase-heldout",
    "library",
    "library-heldout",
    "all",
)


@main.command(name="eval")
@click.option(
    "--ingest",
    is_flag=True,
    help="Measure how documents are read (symbol, date, title, kind, numbering) against the "
    "project's labels, instead of retrieval.",
)
@click.option(
    "--folder",
    type=click.Path(file_okay=False),
    help=f"With --ingest: the folder of labelled PDFs [default {DEFAULT_LIBRARY} beside the "
    "project].",
)
@click.option(
    "--set",
    "question_set",
    type=click.Choice(list(QUESTION_SET_NAMES)),
    default="dev",
    show_default=True,
    help="Which of the project's question sets to run.",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False),
    help="A JSON-lines file of your own questions instead (question, paragraphs).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(MODES),
    help="Modes to compare (default: all three).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    help="Also write the metrics and misses to this JSON file.",
)
@_settings_options
def eval_command(
    ingest: bool,
    folder: str | None,
    question_set: str,
    questions: str | None,
    modes: tuple[str, ...],
    json_path: str | None,
    conf: Settings,
) -> None:
    """Print Recall@1/3/5, MRR@10 and nDCG@10 for each retrieval mode, and the misses at rank 1
    (with --ingest: how well the labelled documents are read)."""
    from pathlib import Path

    if ingest:
        _eval_ingest(folder, question_set, json_path)
        return

    from .evaluate.retrieval import (
        QUESTION_SETS,
        evaluate,
        format_table,
        load_questions,
        missing_documents,
    )
    from .search import open_index

    if questions:
        sets = {Path(questions).name: Path(questions)}
    elif question_set == "all":
        sets = dict(QUESTION_SETS)
    else:
        sets = {question_set: QUESTION_SETS[question_set]}
    index = open_index(conf, progress=_progress_printer())
    report = {}
    for name, path in sets.items():
        qs = load_questions(path)
        missing = missing_documents(index, qs)
        if missing:
            message = (
                f"Question set {name}: the index lacks {len(missing)} of the documents it asks "
                f"about ({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}); add "
                f"them (`qa add {DEFAULT_LIBRARY}`) to run it"
            )
            if question_set != "all":
                raise click.ClickException(message)
            click.echo(message + ".\n")
            continue
        results = evaluate(index, qs, modes or MODES)
        click.echo(format_table(results, len(qs), f"Question set: {name}"))
        for r in results:
            if r.misses_at_1:
                click.echo(f"\nMissed at rank 1 by {r.mode} ({len(r.misses_at_1)}):")
                for m in r.misses_at_1:
                    click.echo(
                        f"  {m['id']} expected {m['expected']} got {m['got']}: {m['question']}"
                    )
        click.echo()
        report[name] = {
            r.mode: {"metrics": r.metrics, "misses_at_1": r.misses_at_1} for r in results
        }
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=2, ensure_ascii=False))
        click.echo(f"Wrote {json_path}")


def library_folder(folder: str | None):
    """The folder of UN PDFs used by evaluations and benchmarks, or a clear stop."""
    from pathlib import Path

    from .config import PROJECT_DIR

    path = Path(folder) if folder else (PROJECT_DIR / DEFAULT_LIBRARY).resolve()
    if not path.is_dir():
        click.echo(
            f"Error: the folder of labelled UN PDFs, {path}, is not here (a fresh clone has "
            "only the fixtures in tests/fixtures/un); give it with --folder PATH",
            err=True,
        )
        sys.exit(2)
    return path


def _eval_ingest(folder: str | None, question_set: str, json_path: str | None) -> None:
    from dataclasses import asdict
    from pathlib import Path

    from .corpus import read_file
    from .evaluate.ingest import evaluate, format_misses, format_report, load_labels
    from .ingest.guard import read_all

    path = library_folder(folder)
    labels = [row for row in load_labels() if question_set == "all" or row["split"] == question_set]
    missing = [row["file"] for row in labels if not (path / row["file"]).is_file()]
    if missing:
        raise click.ClickException(
            f"{len(missing)} labelled file(s) are not in {path}: {', '.join(missing[:5])}"
        )
    started = time.perf_counter()
    # Each file read in a bounded child process, both cores busy, as `qa add` reads them.
    outcomes = {o.path.name: o for o in read_all([path / row["file"] for row in labels], read_file)}

    def read(file_path):
        outcome = outcomes[file_path.name]
        if outcome.document is None:
            raise RuntimeError(outcome.error)
        return outcome.document

    results = evaluate(labels, read, path)
    took = time.perf_counter() - started
    click.echo(f"Ingest evaluation: {len(labels)} labelled documents ({question_set}), {path}\n")
    click.echo(format_report(results))
    misses = format_misses(results, labels)
    if misses:
        click.echo("\nWhat differs from the labels:\n" + misses)
    click.echo(f"\nRead in {took:.1f} s.")
    if json_path:
        Path(json_path).write_text(
            json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False)
        )
        click.echo(f"Wrote {json_path}")


BENCH_PARTS = ("floor", "cold", "warm", "build", "serving")
# Parts run only when named with --only (each takes several minutes).
EXTRA_BENCH_PARTS = ("embed",)


def _sizes(ctx, param, value: str | None) -> list[int]:
    if not value:
        return []
    try:
        sizes = [
            int(v.replace("_", "").replace("k", "000").replace("M", "000000"))
            for v in value.split(",")
        ]
    except ValueError as exc:
        raise click.BadParameter("give sizes like 10000,100000,1000000 (or 10k,100k,1M)") from exc
    if any(n < 100 for n in sizes):
        raise click.BadParameter("each size must be at least 100 passages")
    return sizes


@main.command(name="bench")
@click.option("--quick", is_flag=True, help="A tiny run (a few questions, one run each).")
@click.option(
    "--only",
    "parts",
    multiple=True,
    type=click.Choice((*BENCH_PARTS, *EXTRA_BENCH_PARTS, "scale")),
    help="Run only these parts (repeatable; default: all but embed, and the --scale runs when "
    "sizes are given). `--only scale` runs the synthetic corpora alone; `--only embed` measures "
    "embedding a library of reports (about 25 minutes for 16,000 passages on 2 cores).",
)
@click.option(
    "--texts",
    type=click.Path(exists=True, file_okay=False),
    help="With --only embed: a folder of report texts (.txt, PDF text dumps welcome) to cut "
    "passages from [default: the corpus].",
)
@click.option(
    "--scale",
    callback=_sizes,
    help="Also benchmark FAISS index types and BM25 on synthetic corpora of these sizes, "
    "e.g. 10k,100k,1M (heavy: about 15 minutes at 1M on 2 idle cores).",
)
@click.option(
    "--lexical-only",
    is_flag=True,
    help="With --scale: benchmark BM25 only (no synthetic vectors, no FAISS).",
)
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False), help="Write every figure here."
)
@_settings_options
def bench_command(
    quick: bool,
    parts: tuple[str, ...],
    scale: list[int],
    lexical_only: bool,
    texts: str | None,
    json_path: str | None,
    conf: Settings,
) -> None:
    """Measure start-up, warm latency by stage, build, serving (and --scale); print a table."""
    from pathlib import Path

    from .bench.speed import format_report, run

    if "scale" in parts and not scale:
        raise click.UsageError("--only scale needs sizes: add --scale 10k,100k,1M (or others)")
    if lexical_only and not scale:
        raise click.UsageError("--lexical-only goes with --scale SIZES, e.g. --scale 10k,100k,1M")
    if texts and "embed" not in parts:
        raise click.UsageError("--texts goes with --only embed")
    if parts and "scale" not in parts:
        scale = []  # --only without "scale": just the parts named
    chosen = tuple(p for p in parts if p != "scale") if parts else BENCH_PARTS
    report = run(conf, quick=quick, parts=chosen, texts=Path(texts) if texts else None)
    if scale:
        from .bench import scale as bench_scale
        from .bench.speed import questions
        from .search import open_index

        index = open_index(conf)
        scale_report = bench_scale.run(
            index,
            questions(index),
            scale,
            log=lambda m: click.echo(m, err=True),
            lexical_only=lexical_only,
        )
        report.scale = scale_report.to_dict()
    click.echo(format_report(report))
    if scale:
        click.echo("\n" + bench_scale.format_tables(scale_report))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        click.echo(f"Wrote {json_path}")


if __name__ == "__main__":  # pragma: no cover
    main()
