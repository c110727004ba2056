"""The Gradio web UI: one loaded index answers every request (page, handlers, API, launch)."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import gradio as gr

from . import render
from .config import DEFAULT_K, DEFAULT_MODE, MAX_QUESTION_CHARS, MODES, Settings, settings
from .errors import InvalidQuestionError, QAError
from .search import clean_question, parse_reference

log = logging.getLogger(__name__)

UI_MAX_K = 20
SESSIONS_KEPT = 1000  # see launch_options (README, "Reliability and security")
EXAMPLES = (
    "How many victims did IOM assist in 2018?",
    "Which States ratified the Protocol during the reporting period?",
    "What does the report recommend on interpretation for victims?",
    "What is the Blue Heart Campaign?",
    "para 112",
)
MODE_CHOICES = [
    ("Hybrid — words and meaning (best)", "hybrid"),
    ("Meaning only (dense)", "dense"),
    ("Exact words only (lexical, BM25)", "lexical"),
]
ASSETS = Path(__file__).parent
CSS = (ASSETS / "web.css").read_text(encoding="utf-8")
# Runs in each gr.HTML that shows hits or the report: citation links open the reader, copy
# buttons copy. Our only script on the page; nothing from a query or the report is code.
JS_ON_LOAD = (ASSETS / "web.js").read_text(encoding="utf-8")
# Before each search: put the question in the address bar (?q=...) so the page can be shared.
JS_SET_URL = """(question, ...rest) => {
  try {
    const url = new URL(window.location.href);
    const q = (question || "").trim().slice(0, MAX_CHARS);
    if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
  } catch (e) {}
  return [question, ...rest];
}""".replace("MAX_CHARS", str(MAX_QUESTION_CHARS))

# Page-level rules outside the app's root, which Gradio's css= scoping cannot reach.
HEAD = (
    '<meta name="description" content="Ask the UN report; get its paragraphs with citations.">'
    "<style>@media (max-width: 560px) { .gradio-container > .main { padding: 0.75rem 0.6rem "
    "!important; } }</style>"
)

WELCOME = (
    '<div class="message info welcome"><p>Ask in your own words, or type a paragraph number '
    "(<q>para 112</q>, <q>139 (d)</q>). Each answer is a paragraph of the report with its "
    "citation: copy it with one click, or open it to read it in its section.</p></div>"
)


def _empty_message() -> str:
    return render.message_html(
        "Type a question about the report first.",
        "info",
        f"For example: “{EXAMPLES[0]}” — or a paragraph number such as “para 112”.",
    )


def _clamp_k(k: object) -> int:
    try:
        value = int(round(float(k)))  # sliders send floats
    except (TypeError, ValueError):
        value = DEFAULT_K
    return max(1, min(UI_MAX_K, value))


def _search_kwargs(index, documents: object) -> dict:
    """`documents=` for Index.search when the reader narrowed the reports, else nothing."""
    if not documents or len(index.documents) < 2:
        return {}
    chosen = [documents] if isinstance(documents, str) else list(documents)
    return {"documents": chosen}


def answer(
    index,
    question: object,
    k: object = DEFAULT_K,
    mode: object = DEFAULT_MODE,
    documents: object = None,
):
    """Results HTML for the page, and the reader's HTML when the question names a paragraph
    (else None: the reader stays as it is). Never raises: problems become messages.

    `documents` narrows the search to those document ids (several reports only)."""
    if question is None or (isinstance(question, str) and not question.strip()):
        return _empty_message(), None
    if not isinstance(question, str):
        return render.message_html("The question must be text.", "warning"), None
    mode = mode if mode in MODES else DEFAULT_MODE
    narrow = _search_kwargs(index, documents)
    named = len(index.documents) > 1
    notes = []
    try:
        text = clean_question(question)
        if len(question.strip()) > MAX_QUESTION_CHARS:
            notes.append(
                f"Your question was {len(question.strip()):,} characters long; "
                f"the first {MAX_QUESTION_CHARS:,} were searched."
            )
        reference = parse_reference(text)
        reader = None
        if reference:
            number, labels = reference
            found = _find_paragraph(index, number, narrow.get("documents"))
            if found is None:
                return _no_such_paragraph(index, number, narrow.get("documents")), None
            document, paragraph = found
            item = labels if labels and paragraph.item(labels) else None
            if labels and item is None:
                shown = " ".join(f"({label})" for label in labels)
                notes.append(
                    f"Paragraph {number} has no sub-item {shown}; showing the whole paragraph."
                )
            reader = render.paragraph_in_context(document, paragraph.ref, item, named=named)
        hits = index.search(text, k=_clamp_k(k), mode=mode, **narrow)
    except InvalidQuestionError as exc:
        return render.message_html(f"That question cannot be searched: {exc}.", "warning"), None
    except QAError as exc:
        return render.message_html(str(exc), "error"), None
    except Exception:  # a bug must not reach the page as a stack trace
        log.exception("search failed for %r", question[:200])
        return (
            render.message_html(
                "Something went wrong while searching. Please try again; "
                "if it keeps happening, the server log has the details.",
                "error",
            ),
            None,
        )
    if not hits:
        return (
            render.message_html(
                "No paragraph matches that question.",
                "info",
                "Try other words, or browse the contents.",
            ),
            reader,
        )
    results = render.results_html(
        hits, index.documents, text, mode, notes, highlight_terms=reference is None
    )
    return results, reader


def _documents(index, only: list[str] | None = None) -> list:
    return [d for doc_id, d in index.documents.items() if only is None or doc_id in only]


def _find_paragraph(index, number: int, only: list[str] | None = None):
    for document in _documents(index, only):
        paragraph = document.paragraph(number)
        if paragraph is not None:
            return document, paragraph
    return None


def _no_such_paragraph(index, number: int, only: list[str] | None = None) -> str:
    documents = _documents(index, only)
    numbers = [p.number for d in documents for p in d.numbered if p.number is not None]
    span = f"{min(numbers)}–{max(numbers)}" if numbers else "none"
    if len(documents) == 1:
        said = f"The report has no paragraph {number}; its paragraphs are numbered {span}."
    else:
        said = f"None of the reports has a paragraph {number}; they are numbered {span}."
    return render.message_html(
        said,
        "info",
    )


def open_target(index, target: object, jump: bool = True) -> str | None:
    """Reader HTML for a link target: "toc", "s:<section>:<doc>", "p:<unit ref>:<doc>".
    None for a target that names nothing (the reader then stays as it is)."""
    if not isinstance(target, str):
        return None
    if target == "toc":
        return render.toc_html(index.documents)
    kind, _, rest = target.partition(":")
    where, _, doc_id = rest.partition(":")
    document = index.documents.get(doc_id)
    if document is None:
        return None
    named = len(index.documents) > 1
    if kind == "s" and where.isdigit() and int(where) < len(document.headings):
        return render.section_html(document, int(where), jump=jump, named=named)
    if kind == "p":
        return render.paragraph_in_context(document, where, jump=jump, named=named)
    return None


def api_search(
    index,
    question: str,
    k: int = DEFAULT_K,
    mode: str = DEFAULT_MODE,
    documents: list[str] | None = None,
) -> list[dict]:
    """The JSON hits for the API; bad input raises gr.Error with a readable message (a JSON
    error for API clients; the page itself never calls this endpoint)."""
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    narrow = {"documents": documents} if documents else {}
    try:
        return [hit.to_dict() for hit in index.search(question, k=k, mode=mode, **narrow)]
    except QAError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


def _document_id(index, wanted: str | None) -> str | None:
    """A document named in a link, by id or by symbol ("S/2025/185"); None if none matches."""
    if not wanted:
        return None
    if wanted in index.documents:
        return wanted
    for doc_id, document in index.documents.items():
        if document.symbol == wanted or wanted in document.symbols:
            return doc_id
    return None


def _document_choices(documents: dict) -> list[tuple[str, str]]:
    return [(d.label, doc_id) for doc_id, d in documents.items()]


def build_app(index):
    """The page: header, question box, results, and the report's contents and reader.

    `index` is anything with `.search(question, k, mode)` and `.documents` (a qa Index).
    """

    def ask(question, k, mode, documents):
        results, reader = answer(index, question, k, mode, documents)
        return results, reader if reader is not None else gr.skip()

    def on_open(event: gr.EventData):
        data = getattr(event, "_data", None) or {}
        reader = open_target(index, data.get("ref") if isinstance(data, dict) else None)
        return reader if reader is not None else gr.skip()

    def on_load(request: gr.Request):
        """Header, contents and report list as the index has them now (it may have been
        reloaded since the page was built); a ?q= question is searched."""
        docs = index.documents
        fresh = (
            render.header_html(docs),
            gr.update(choices=_document_choices(docs), visible=len(docs) > 1),
        )
        params = request.query_params if request is not None else {}
        question = params.get("q")
        doc_id = _document_id(index, params.get("doc"))
        opened = None
        if doc_id and params.get("ref"):  # ?doc=<id>&ref=<unit>: open that unit
            opened = render.paragraph_in_context(
                docs[doc_id], params["ref"], jump=True, named=len(docs) > 1
            )
        if not question or not question.strip():
            return (
                *fresh,
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                (opened or render.toc_html(docs)),
            )
        k = _clamp_k(params.get("k", DEFAULT_K))
        mode = params.get("mode") if params.get("mode") in MODES else DEFAULT_MODE
        results, reader = answer(index, question, k, mode, [doc_id] if doc_id else None)
        return *fresh, question, k, mode, results, opened or reader or render.toc_html(docs)

    def search(
        question: str,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        documents: list[str] | None = None,
    ) -> list[dict]:
        """The paragraphs of the report that best answer the question, best first, as JSON.

        Args:
            question: a question in your own words, or a paragraph reference ("para 57").
            k: how many paragraphs to return (1–100).
            mode: "hybrid" (default), "dense" or "lexical".
            documents: only search these document ids; all when empty.
        """
        return api_search(index, question, k, mode, documents)

    with gr.Blocks(title="Ask the report — qa", analytics_enabled=False) as app:
        header = gr.HTML(render.header_html(index.documents), elem_id="qa-header", js_on_load=None)
        with gr.Row(equal_height=False, elem_id="qa-main"):
            with gr.Column(scale=3, min_width=340, elem_id="qa-ask"):
                with gr.Row(elem_id="qa-question-row"):
                    question = gr.Textbox(
                        label="Question",
                        show_label=False,
                        placeholder="Ask a question about the report, or type “para 112”",
                        lines=1,
                        max_lines=1,
                        autofocus=True,
                        elem_id="qa-question",
                        scale=5,
                        min_width=200,
                    )
                    go = gr.Button(
                        "Search", variant="primary", elem_id="qa-go", scale=1, min_width=90
                    )
                with gr.Row(elem_id="qa-examples"):
                    example_buttons = [
                        gr.Button(
                            q,
                            size="sm",
                            variant="secondary",
                            elem_classes="qa-example",
                            min_width=0,
                            scale=0,
                        )
                        for q in EXAMPLES
                    ]
                with gr.Row(elem_id="qa-options", equal_height=False):
                    k = gr.Slider(
                        1,
                        UI_MAX_K,
                        value=DEFAULT_K,
                        step=1,
                        label="Results",
                        elem_id="qa-k",
                        scale=1,
                        min_width=220,
                    )
                    with gr.Accordion("Advanced", open=False, elem_id="qa-advanced"):
                        mode = gr.Radio(
                            MODE_CHOICES,
                            value=DEFAULT_MODE,
                            label="Retrieval mode",
                            elem_id="qa-mode",
                        )
                        # Only worth showing when the index holds several reports.
                        documents = gr.Dropdown(
                            _document_choices(index.documents),
                            value=[],
                            multiselect=True,
                            label="Reports to search (all when empty)",
                            visible=len(index.documents) > 1,
                            elem_id="qa-documents",
                        )
                results = gr.HTML(
                    WELCOME, elem_id="qa-results", js_on_load=JS_ON_LOAD, apply_default_css=False
                )
            with gr.Column(scale=2, min_width=320, elem_id="qa-pane"):
                reader = gr.HTML(
                    render.toc_html(index.documents),
                    elem_id="qa-reader",
                    js_on_load=JS_ON_LOAD,
                    apply_default_css=False,
                )

        search_options = dict(
            inputs=[question, k, mode, documents],
            outputs=[results, reader],
            js=JS_SET_URL,
            api_visibility="private",
            show_progress="minimal",
            concurrency_id="search",
        )
        question.submit(ask, **search_options)
        go.click(ask, **search_options)
        for button in example_buttons:
            button.click(
                lambda q=button.value: q, outputs=question, api_visibility="private", queue=False
            ).then(ask, **search_options)
        for pane in (results, reader):
            pane.open(on_open, outputs=reader, api_visibility="private", show_progress="hidden")
        app.load(
            on_load,
            outputs=[header, documents, question, k, mode, results, reader],
            api_visibility="private",
            concurrency_id="search",
        )
        gr.api(search, api_name="search", concurrency_id="search")
    return app


def launch_options() -> dict:
    """Theme and CSS (Gradio 6 takes them in launch()); system fonts, no web fonts fetched."""
    theme = gr.themes.Base(
        primary_hue=gr.themes.colors.sky,
        neutral_hue=gr.themes.colors.slate,
        font=[
            "-apple-system",
            "BlinkMacSystemFont",
            "Segoe UI",
            "Roboto",
            "Helvetica Neue",
            "Arial",
            "Liberation Sans",
            "sans-serif",
        ],
        font_mono=["SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"],
    )
    return dict(
        theme=theme,
        css=CSS,
        head=HEAD,
        footer_links=["api", "settings"],
        ssr_mode=False,
        share=False,
        # Gradio keeps ~50 kB of state per session, and every API call without a session is a
        # new one: 10,000 by default is half a gigabyte. The oldest beyond this are dropped.
        state_session_capacity=SESSIONS_KEPT,
    )


def start(
    index, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True, quiet: bool = False
):
    """Launch the app for this index; with block=False return (app, url) at once."""
    app = build_app(index)
    app.queue(default_concurrency_limit=1)
    try:
        _, url, _ = app.launch(
            server_name=host,
            server_port=port,
            prevent_thread_lock=not block,
            quiet=quiet,
            **launch_options(),
        )
    except OSError as exc:
        raise QAError(
            f"cannot serve on {host}:{port} ({exc}); is another app using that port? "
            "Choose another with `qa serve --port N` or GRADIO_SERVER_PORT=N"
        ) from exc
    return app, url


def serve(conf: Settings | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Load the index and the model once, answer one question to warm up, then serve."""
    from .live import LiveIndex
    from .search import open_index

    started = time.perf_counter()
    conf = conf or settings()
    # Follows `qa build`: a new build is served once it is whole (README, "Reliability").
    index = LiveIndex(open_index(conf), conf.index_dir)
    index.search(EXAMPLES[0], k=1)  # loads the model and warms it up before the first reader
    print(
        f"qa: index and model ready in {time.perf_counter() - started:.1f} s; "
        f"serving on http://{host}:{port}",
        file=sys.stderr,
    )
    start(index, host, port, block=True)
