"""The `qa` command: build | search | serve | eval; errors become `Error: …` and exit 1."""

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

    @click.option("--model", envvar="QA_MODEL", help="Sentence-transformers model name or folder "
                  "[env QA_MODEL; default all-MiniLM-L6-v2, shipped offline].")
    @click.option("--index-dir", envvar="QA_INDEX_DIR", type=click.Path(file_okay=False),
                  help="Index folder [env QA_INDEX_DIR; default ./index].")
    @click.option("--corpus-dir", envvar="QA_CORPUS_DIR", type=click.Path(file_okay=False),
                  help="Folder of report files [env QA_CORPUS_DIR; default ./corpus].")
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
    """A progress bar on stderr for the embedding stage of a build."""
    state: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed":
            if "bar" not in state:
                state["bar"] = click.progressbar(
                    length=total, label="Embedding passages", file=sys.stderr
                )
                state["bar"].__enter__()
                state["done"] = 0
            state["bar"].update(done - state["done"])
            state["done"] = done
            if done >= total:
                state.pop("bar").__exit__(None, None, None)
        elif stage == "index":
            click.echo("Writing FAISS and BM25 indexes…", err=True)

    return progress


def run_build(conf: Settings) -> None:
    from .embed import Encoder
    from .store import build_index

    click.echo(f"Building the index from {conf.corpus_dir} with model {conf.model}…", err=True)
    started = time.perf_counter()
    encoder = Encoder(conf.model)
    manifest = build_index(conf.corpus_dir, conf.index_dir, encoder, progress=_progress_printer())
    took = time.perf_counter() - started
    click.echo(
        f"Built index {manifest.build} in {conf.index_dir}: {manifest.document_count} document(s), "
        f"{manifest.paragraph_count} paragraphs, {manifest.passage_count} passages, "
        f"{manifest.dimension}-d vectors ({manifest.faiss_index}), model {manifest.model}; "
        f"took {took:.1f} s (build {manifest.build_seconds:.1f} s, model load included in total)."
    )


@main.command()
@_settings_options
def build(conf: Settings) -> None:
    """Rebuild the index from the corpus folder."""
    run_build(conf)


@main.command(name="search")
@click.argument("question")
@click.option("-k", type=click.IntRange(1, MAX_K), default=DEFAULT_K, show_default=True,
              help="Number of paragraphs to return.")
@click.option("--mode", type=click.Choice(MODES), default=DEFAULT_MODE, show_default=True,
              help="Ranking: hybrid (lexical + dense), dense or lexical.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@_settings_options
def search_command(question: str, k: int, mode: str, as_json: bool, conf: Settings) -> None:
    """Print the paragraphs that best answer QUESTION, with citations."""
    from .search import clean_question, open_index

    question = clean_question(question)
    index = open_index(conf, progress=_progress_printer())
    hits = index.search(question, k=k, mode=mode)
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No paragraph matches that question.")
        return
    width = min(shutil.get_terminal_size().columns, 100)
    for hit in hits:
        click.echo(click.style(f"{hit.rank}. {hit.citation}", bold=True) + f"  [score {hit.score:.2f}]")
        shown = hit.sentence if hit.sentence else hit.passage
        for line in textwrap.wrap(shown, width=width - 3):
            click.echo("   " + line)
        click.echo()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 exposes the app to your network.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to listen on.")
@_settings_options
def serve(host: str, port: int, conf: Settings) -> None:
    """Start the web UI (builds the index first if needed)."""
    from .web import serve as serve_app

    serve_app(conf, host=host, port=port)


if __name__ == "__main__":  # pragma: no cover
    main()
