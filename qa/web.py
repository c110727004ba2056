"""The Gradio web UI: one loaded index answers every request (page, handlers, API, launch)."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import render
from .config import DEFAULT_K, DEFAULT_MODE, MAX_QUESTION_CHARS, MODES, Settings, settings
from .errors import InvalidQuestionError, QAError
from .gradio_import import import_gradio
from .ingest.masthead import KINDS as DOCUMENT_KINDS
from .ingest.masthead import organ_code
from .search import clean_question, parse_reference

gr = import_gradio()  # without the stub writer that costs 3 s of a start (qa/gradio_import.py)
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
# buttons copy, and the results' address (data-share) goes in the address bar. Our only script
# on the page; nothing from a query or the report is code.
JS_ON_LOAD = (ASSETS / "web.js").read_text(encoding="utf-8")

# Page-level rules outside the app's root, which Gradio's css= scoping cannot reach.
HEAD = (
    '<meta name="description" content="Ask UN documents; get their paragraphs with citations.">'
    "<style>@media (max-width: 560px) { .gradio-container > .main { padding: 0.75rem 0.6rem "
    "!important; } }</style>"
)
# The address parameters of a search besides q, k and mode (README, "Web UI").
FILTER_PARAMS = ("doc", "organ", "kind", "since", "until", "symbol")


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the search to: documents (ids), organ, kind, a date range and
    a symbol prefix, as the page's filters and the address (?doc=&organ=…) hold them."""

    documents: tuple[str, ...] = ()
    organ: str = ""
    kind: str = ""
    since: str = ""
    until: str = ""
    symbol: str = ""

    @classmethod
    def of(
        cls,
        documents: object = None,
        organ: object = None,
        kind: object = None,
        since: object = None,
        until: object = None,
        symbol: object = None,
    ) -> Filters:
        """From the page's values (None, lists, stray whitespace) to clean text."""
        if isinstance(documents, str):
            documents = [documents] if documents else []
        chosen = tuple(d for d in (documents or ()) if isinstance(d, str) and d)
        return cls(chosen, *(_text(v) for v in (organ, kind, since, until, symbol)))

    def __bool__(self) -> bool:
        return any(dataclasses.astuple(self))

    def replace(self, **changes) -> Filters:
        return dataclasses.replace(self, **changes)

    def search_kwargs(self) -> dict:
        """Index.search's filter arguments, only those set ("SC,GA" is two organs)."""
        found: dict = {"documents": list(self.documents)} if self.documents else {}
        for name in ("organ", "kind"):
            value = getattr(self, name)
            if value:
                several = [v.strip() for v in value.split(",") if v.strip()]
                found[name] = several if len(several) > 1 else value
        for name in ("since", "until", "symbol"):
            if getattr(self, name):
                found[name] = getattr(self, name)
        return found

    def said(self, index) -> str:
        """ "S/2025/185 · Security Council · letters · 2025-01 to 2025-06 · symbol S/2025/"."""
        parts = [_document_label(index, d) for d in self.documents[:3]]
        if len(self.documents) > 3:
            parts.append(f"{len(self.documents) - 3} more documents")
        if self.organ:
            parts.append(_organ_name(index, self.organ))
        if self.kind:
            parts.append(", ".join(render.kind_name(k.strip()) for k in self.kind.split(",")))
        if self.since and self.until:
            parts.append(
                self.since if self.since == self.until else f"{self.since} to {self.until}"
            )
        elif self.since:
            parts.append(f"since {self.since}")
        elif self.until:
            parts.append(f"until {self.until}")
        if self.symbol:
            parts.append(f"symbol {self.symbol}…")
        return " · ".join(parts)

    def query(self, index) -> list[tuple[str, str]]:
        """Address parameters: doc= (by symbol where that names one document), organ=, …"""
        pairs = [("doc", _document_param(index, d)) for d in self.documents]
        for name in FILTER_PARAMS[1:]:
            if getattr(self, name):
                pairs.append((name, getattr(self, name)))
        return pairs


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def share_query(
    question: str,
    filters: Filters,
    index,
    by_document: bool = False,
    k: int = DEFAULT_K,
    mode: str = DEFAULT_MODE,
) -> str:
    """The address that gives these results back: "?q=…&organ=SC&by=document" ("" for none)."""
    pairs = [("q", question.strip()[:MAX_QUESTION_CHARS])] if question.strip() else []
    pairs += filters.query(index)
    if by_document:
        pairs.append(("by", "document"))
    if k != DEFAULT_K:
        pairs.append(("k", str(k)))
    if mode != DEFAULT_MODE:
        pairs.append(("mode", mode))
    if not pairs:
        return ""
    return "?" + "&".join(f"{name}={quote(value, safe='/')}" for name, value in pairs)


def _empty_message(index) -> str:
    about = "the report" if len(index.documents) < 2 else "the documents"
    return render.message_html(
        f"Type a question about {about} first.",
        "info",
        f"For example: “{EXAMPLES[0]}” — or a paragraph number such as “para 112”.",
    )


def _clamp_k(k: object) -> int:
    try:
        value = int(round(float(k)))  # sliders send floats
    except (TypeError, ValueError):
        value = DEFAULT_K
    return max(1, min(UI_MAX_K, value))


def answer(
    index,
    question: object,
    k: object = DEFAULT_K,
    mode: object = DEFAULT_MODE,
    documents: object = None,
    *,
    organ: object = None,
    kind: object = None,
    since: object = None,
    until: object = None,
    symbol: object = None,
    by_document: bool = False,
):
    """Results HTML for the page, and the reader's HTML when the question names a paragraph
    (else None: the reader stays as it is). Never raises: problems become messages.

    `documents` (ids or symbols), `organ`, `kind`, `since`, `until` and `symbol` narrow the
    search (several documents only); `by_document` gives the best paragraph of each document,
    oldest first. The results carry the address that gives them back (render.shareable)."""
    several = len(index.documents) > 1
    filters = Filters.of(documents, organ, kind, since, until, symbol) if several else Filters()
    by_document = bool(by_document) and several
    mode = mode if mode in MODES else DEFAULT_MODE
    k = _clamp_k(k)
    text = question.strip() if isinstance(question, str) else ""
    share = share_query(text, filters, index, by_document, k, mode)
    results, reader = _answer(index, question, k, mode, filters, by_document)
    return render.shareable(results, share), reader


def answer_filtered(index, question: object, k, mode, filters: Filters, by_document: bool):
    """answer() with the filters as one record."""
    return answer(
        index,
        question,
        k,
        mode,
        list(filters.documents),
        organ=filters.organ,
        kind=filters.kind,
        since=filters.since,
        until=filters.until,
        symbol=filters.symbol,
        by_document=by_document,
    )


def _answer(index, question: object, k: int, mode: str, filters: Filters, by_document: bool):
    if question is None or (isinstance(question, str) and not question.strip()):
        return _empty_message(index), None
    if not isinstance(question, str):
        return render.message_html("The question must be text.", "warning"), None
    narrow = filters.search_kwargs()
    said = filters.said(index) if filters else ""
    notes = []
    try:
        allowed = _allowed(index, filters)
        if allowed is not None and not allowed:
            return _no_document(said), None
        text = clean_question(question)
        if len(question.strip()) > MAX_QUESTION_CHARS:
            notes.append(
                f"Your question was {len(question.strip()):,} characters long; "
                f"the first {MAX_QUESTION_CHARS:,} were searched."
            )
        reference = parse_reference(text)
        reader = None
        only = sorted(allowed) if allowed is not None else None
        if reference:
            number, labels = reference
            found = _find_paragraph(index, number, only)
            if found is None:
                return _no_such_paragraph(index, number, only), None
            document, paragraph = found
            item = labels if labels and paragraph.item(labels) else None
            if labels and item is None:
                shown = " ".join(f"({label})" for label in labels)
                notes.append(
                    f"Paragraph {number} has no sub-item {shown}; showing the whole paragraph."
                )
            reader = render.paragraph_in_context(
                document, paragraph.ref, item, named=len(index.documents) > 1
            )
        if by_document:
            narrow["group_by"] = "document"
        hits = index.search(text, k=k, mode=mode, **narrow)
    except _FilterError as exc:
        return render.message_html(f"A filter cannot be used: {exc}.", "warning"), None
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
                "No paragraph matches that question"
                + (f" in the documents filtered ({said})." if said else "."),
                "info",
                "Try other words, or browse the contents.",
            ),
            reader,
        )
    results = render.results_html(
        hits,
        index.documents,
        text,
        mode,
        notes,
        highlight_terms=reference is None,
        by_document=by_document,
        filters=said,
    )
    return results, reader


class _FilterError(QAError):
    """A filter value the index cannot use (an unknown organ, a date it cannot read)."""


def _allowed(index, filters: Filters) -> set[str] | None:
    """The documents the filters leave (None: all); bad values raise _FilterError."""
    if not filters:
        return None
    narrow = filters.search_kwargs()
    try:
        return index.select(**narrow)
    except InvalidQuestionError as exc:
        raise _FilterError(str(exc)) from exc


def _no_document(said: str) -> str:
    return render.message_html(
        f"No document matches the filters ({said}).",
        "info",
        "Clear a filter, or see in the Library what there is.",
    )


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
        what = "report" if len(index.documents) == 1 else "document"
        said = f"The {what} has no paragraph {number}; its paragraphs are numbered {span}."
    else:
        said = f"None of the {len(documents)} documents searched has a paragraph {number}."
    return render.message_html(said, "info")


# --- the library: facets and documents --------------------------------------------------------


def _organ_value(document) -> str | None:
    """What the organ filter takes for this document: "SC", or the organ's name."""
    return organ_code(document.organ) or document.organ


def _organ_name(index, value: str) -> str:
    for document in index.documents.values():
        if value.casefold() in {
            (_organ_value(document) or "").casefold(),
            (document.organ or "").casefold(),
        }:
            return document.organ or value
    return value


def _document_label(index, doc_id: str) -> str:
    document = index.documents.get(doc_id)
    return document.label if document is not None else doc_id


def _document_param(index, doc_id: str) -> str:
    """A document in an address: its symbol when that names it alone, else its id."""
    document = index.documents.get(doc_id)
    if document is None or not document.symbol:
        return doc_id
    same = [d for d in index.documents.values() if document.symbol in (d.symbol, *d.symbols)]
    return document.symbol if len(same) == 1 else doc_id


def _document_id(index, wanted: str | None) -> str | None:
    """A document named in a link, by id or by symbol ("S/2025/185"); None if none matches."""
    if not wanted:
        return None
    if wanted in index.documents:
        return wanted
    for doc_id, document in index.documents.items():
        if document.symbol == wanted or wanted in document.symbols:
            return doc_id
    upper = wanted.upper()
    for doc_id, document in index.documents.items():
        if upper in {s.upper() for s in (document.symbol or "", *document.symbols)}:
            return doc_id
    return None


def _counts(index, ids: set[str] | None, key) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc_id, document in index.documents.items():
        if ids is None or doc_id in ids:
            value = key(document)
            if value:
                counts[value] = counts.get(value, 0) + 1
    return counts


def facets(index, filters: Filters) -> list[render.Facet]:
    """Organ, kind and year, each value with how many documents the other filters leave."""

    def leaving(**cleared) -> set[str] | None:
        try:
            return _allowed(index, filters.replace(**cleared))
        except _FilterError:
            return None

    organs = _counts(index, leaving(organ=""), _organ_value)
    names = {(_organ_value(d) or ""): d.organ or "" for d in index.documents.values()}
    organ_values = tuple(
        render.FacetValue(
            value,
            names.get(value, value) if len(names.get(value, value)) <= 28 else value,
            count,
            value.casefold() == filters.organ.casefold(),
        )
        for value, count in sorted(organs.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    kinds = _counts(index, leaving(kind=""), lambda d: d.kind)
    kind_values = tuple(
        render.FacetValue(kind, render.kind_name(kind), kinds[kind], kind == filters.kind)
        for kind in (*DOCUMENT_KINDS, *sorted(set(kinds) - set(DOCUMENT_KINDS)))
        if kind in kinds
    )
    years = _counts(index, leaving(since="", until=""), lambda d: (d.date_iso or "")[:4])
    year_values = tuple(
        render.FacetValue(year, year, count, filters.since == filters.until == year)
        for year, count in sorted(years.items(), reverse=True)
    )
    found = [
        render.Facet("organ", "Organ", organ_values),
        render.Facet("kind", "Kind", kind_values),
        render.Facet("year", "Year", year_values),
    ]
    return [f for f in found if f.values]


def library_view(index, filters: Filters) -> str:
    """The library pane: facet counts and the documents the filters leave."""
    try:
        allowed = _allowed(index, filters)
    except _FilterError as exc:
        note = render.message_html(f"A filter cannot be used: {exc}.", "warning")
        return note + render.library_html(index.documents, list(index.documents))
    shown = list(index.documents) if allowed is None else sorted(allowed)
    said = filters.said(index) if filters else ""
    return render.library_html(index.documents, shown, facets(index, filters), said)


def home_view(index, filters: Filters) -> str:
    """The reader's first view: the report's contents, or the library."""
    if len(index.documents) < 2:
        return render.toc_html(index.documents)
    return library_view(index, filters)


def with_facet(filters: Filters, name: str, value: str) -> Filters:
    """The filters after a click on a facet ("f:organ:SC"; an empty value clears it)."""
    if name == "clear":
        return Filters()
    if name == "year":
        return filters.replace(since=value, until=value)
    if name in ("organ", "kind"):
        return filters.replace(**{name: value})
    return filters


def open_target(index, target: object, jump: bool = True, filters: Filters | None = None):
    """Reader HTML for a link target: "toc" (contents, or the library), "d:<doc>" (a
    document's contents), "s:<part>[@<start>]:<doc>" (a section, "top" or "notes"),
    "p:<unit ref>:<doc>". None for a target that names nothing (the reader then stays)."""
    if not isinstance(target, str):
        return None
    if target == "toc":
        return home_view(index, filters or Filters())
    kind, _, rest = target.partition(":")
    named = len(index.documents) > 1
    if kind == "d":
        document = index.documents.get(rest)
        return render.contents_html(document, named, jump) if document is not None else None
    where, _, doc_id = rest.partition(":")
    document = index.documents.get(doc_id)
    if document is None:
        return None
    if kind == "s":
        part, _, start = where.partition("@")
        position = int(part) if part.isdigit() else part
        if position not in render.parts(document) or (start and not start.isdigit()):
            return None
        return render.part_html(
            document, position, jump=jump, named=named, start=int(start) if start else None
        )
    if kind == "p":
        return render.paragraph_in_context(document, where, jump=jump, named=named)
    return None


def api_search(
    index,
    question: str,
    k: int = DEFAULT_K,
    mode: str = DEFAULT_MODE,
    documents: list[str] | None = None,
    **filters,
) -> list[dict]:
    """The JSON hits for the API; bad input raises gr.Error with a readable message (a JSON
    error for API clients; the page itself never calls this endpoint)."""
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    narrow = {"documents": documents} if documents else {}
    for name, value in filters.items():
        if name in ("organ", "kind") and isinstance(value, str) and "," in value:
            value = [v.strip() for v in value.split(",") if v.strip()]
        if value not in (None, "", []):
            narrow[name] = value
    try:
        return [hit.to_dict() for hit in index.search(question, k=k, mode=mode, **narrow)]
    except QAError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


def _document_choices(documents: dict) -> list[tuple[str, str]]:
    """The document picker: newest first, each labelled by symbol, date and title."""
    ordered = sorted(
        documents.items(), key=lambda kv: (kv[1].date_iso or "", kv[1].label), reverse=True
    )
    return [(render.document_choice(d), doc_id) for doc_id, d in ordered]


def _organ_choices(documents: dict) -> list[tuple[str, str]]:
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for d in documents.values():
        value = _organ_value(d)
        if value:
            counts[value] = counts.get(value, 0) + 1
            names[value] = d.organ
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [("Any organ", "")] + [
        (f"{names[v]} ({n})" if names[v] == v else f"{names[v]} — {v} ({n})", v) for v, n in ranked
    ]


def _kind_choices(documents: dict) -> list[tuple[str, str]]:
    counts: dict[str, int] = {}
    for d in documents.values():
        counts[d.kind] = counts.get(d.kind, 0) + 1
    order = [k for k in DOCUMENT_KINDS if k in counts] + sorted(set(counts) - set(DOCUMENT_KINDS))
    return [("Any kind", "")] + [(f"{render.kind_name(k)} ({counts[k]})", k) for k in order]


def _choice(choices: list[tuple[str, str]], wanted: str) -> str:
    """The dropdown value a link's organ= or kind= means ("sc" -> "SC"), "" if none."""
    for label, value in choices:
        if value and wanted.casefold() in (value.casefold(), label.split(" (")[0].casefold()):
            return value
    return ""


def _params(request) -> dict[str, list[str]]:
    """The page address's parameters, each with all its values (doc= may repeat)."""
    raw = getattr(request, "query_params", None) if request is not None else None
    if raw is None:
        return {}
    items = raw.multi_items() if hasattr(raw, "multi_items") else dict(raw).items()
    found: dict[str, list[str]] = {}
    for name, value in items:
        found.setdefault(name, []).append(value)
    return found


@dataclass(frozen=True)
class Restored:
    """What a page address gives back: the question and filters, and what the panes show."""

    question: str | None
    k: int
    mode: str
    by_document: bool
    filters: Filters
    results: str
    reader: str
    view: str  # "toc" when the reader shows the contents or the library


def restore(index, params: dict[str, list[str]]) -> Restored:
    """The page for an address: ?q=…&doc=…&organ=…&kind=…&since=…&until=…&symbol=…
    &by=document&k=…&mode=… searches with those filters; ?doc=<id or symbol> alone opens that
    document's contents, and with &ref=<unit> that unit in its part."""
    documents = index.documents
    several = len(documents) > 1
    first = {name: values[0] for name, values in params.items() if values}
    question = first.get("q")
    question = question if question and question.strip() else None
    ref = first.get("ref")
    wanted = [d for d in (_document_id(index, v) for v in params.get("doc", [])) if d]
    opened = None
    if wanted and ref:
        opened = render.paragraph_in_context(documents[wanted[0]], ref, jump=True, named=several)
    elif wanted and not question and several:
        opened = open_target(index, f"d:{wanted[0]}")
    organ = first.get("organ", "")
    kind = first.get("kind", "")
    filters = Filters.of(
        [] if (ref and not question) else wanted,
        _choice(_organ_choices(documents), organ) or organ,
        _choice(_kind_choices(documents), kind) or kind,
        first.get("since"),
        first.get("until"),
        first.get("symbol"),
    )
    if not several:
        filters = Filters()
    by_document = first.get("by") == "document" and several
    k = _clamp_k(first.get("k", DEFAULT_K))
    mode = first.get("mode") if first.get("mode") in MODES else DEFAULT_MODE
    unknown = [v for v in params.get("doc", []) if v and _document_id(index, v) is None]
    if unknown and several:
        # Searching the whole library instead would let the reader take its answers for
        # the document's (the CLI and the API refuse the same).
        results = render.message_html(
            f"A filter cannot be used: no document {', '.join(map(repr, unknown))} in the library.",
            "warning",
            "Pick one with the document filter, or find it in the Library.",
        )
        reader = None
    elif question is None:
        results = filtered_welcome(index, filters)
        reader = None
    else:
        results, reader = answer_filtered(index, question, k, mode, filters, by_document)
    shown = opened or reader
    return Restored(
        question,
        k,
        mode,
        by_document,
        filters,
        results,
        shown or home_view(index, filters),
        "unit" if shown else "toc",
    )


def filtered_welcome(index, filters: Filters, changed: bool = False) -> str:
    """The results pane before a question: the welcome, or how many documents the filters
    leave, with the address of those filters (`changed`: also when there are none left, so
    that the address loses them)."""
    share = share_query("", filters, index)
    if not filters:
        welcome = render.welcome_html(index.documents)
        return render.shareable(welcome, share) if changed else welcome
    try:
        allowed = _allowed(index, filters)
    except _FilterError as exc:
        return render.shareable(
            render.message_html(f"A filter cannot be used: {exc}.", "warning"), share
        )
    n = len(index.documents) if allowed is None else len(allowed)
    said = filters.said(index)
    if not n:
        return render.shareable(_no_document(said), share)
    return render.shareable(
        render.message_html(
            f"{n} document{'s' if n != 1 else ''} match the filters ({said}).",
            "info",
            "Ask a question to search them, or choose one in the Library.",
        ),
        share,
    )


def build_app(index):
    """The page: header, question box, filters, results, and the reader (the report's
    contents, or the library of documents).

    `index` is anything with `.search(question, k, mode, …)`, `.select(…)` and `.documents`
    (a qa Index or LiveIndex).
    """
    docs = index.documents
    several = len(docs) > 1

    def ask(question, k, mode, by_document, documents, organ, kind, since, until, symbol):
        filters = Filters.of(documents, organ, kind, since, until, symbol)
        results, reader = answer_filtered(index, question, k, mode, filters, by_document)
        if reader is None:
            return results, gr.skip(), gr.skip()
        return results, reader, "unit"

    def refilter(
        question, k, mode, by_document, documents, organ, kind, since, until, symbol, view
    ):
        """A filter changed: search again (if there is a question) and, when the reader shows
        the library, show what the filters leave."""
        filters = Filters.of(documents, organ, kind, since, until, symbol)
        if question and isinstance(question, str) and question.strip():
            results, _ = answer_filtered(index, question, k, mode, filters, by_document)
        else:
            results = filtered_welcome(index, filters, changed=True)
        reader = home_view(index, filters) if view == "toc" else gr.skip()
        return results, reader

    def on_open(
        question,
        k,
        mode,
        by_document,
        documents,
        organ,
        kind,
        since,
        until,
        symbol,
        event: gr.EventData,
    ):
        data = getattr(event, "_data", None) or {}
        target = data.get("ref") if isinstance(data, dict) else None
        filters = Filters.of(documents, organ, kind, since, until, symbol)
        skip_filters = (gr.skip(),) * 7
        if isinstance(target, str) and target.startswith("f:"):
            _, name, value = (target.split(":", 2) + ["", ""])[:3]
            new = with_facet(filters, name, value)
            if question and isinstance(question, str) and question.strip():
                results, _ = answer_filtered(index, question, k, mode, new, by_document)
            else:
                results = filtered_welcome(index, new, changed=True)
            return (
                home_view(index, new),
                "toc",
                results,
                list(new.documents),
                new.organ,
                new.kind,
                new.since,
                new.until,
                new.symbol,
            )
        reader = open_target(index, target, filters=filters)
        if reader is None:
            return gr.skip(), gr.skip(), *skip_filters
        return reader, ("toc" if target == "toc" else "unit"), *skip_filters

    def on_load(request: gr.Request):
        """Header, filters and document list as the index has them now (it may have been
        reloaded since the page was built); the address's question and filters are restored."""
        documents = index.documents
        params = _params(request)
        page = restore(index, params)
        filters = page.filters
        organs, kinds = _organ_choices(documents), _kind_choices(documents)
        fresh = (
            render.header_html(documents),
            gr.update(choices=_document_choices(documents), value=list(filters.documents)),
            gr.update(choices=organs, value=_choice(organs, filters.organ)),
            gr.update(choices=kinds, value=_choice(kinds, filters.kind)),
            filters.since,
            filters.until,
            filters.symbol,
            gr.update(value=page.by_document, visible=len(documents) > 1),
            # Opened for an address with filters; else left as the reader may have set it.
            gr.update(visible=len(documents) > 1, open=True)
            if filters
            else gr.update(visible=len(documents) > 1),
        )
        if not params:
            # A plain address: the page already shows the welcome. Sent again, it could land
            # after a question the reader typed as the page loaded and wipe its answer (seen
            # once in the browser tests); the reader pane still gets the library's home.
            skip = gr.skip()
            return (*fresh, skip, skip, skip, skip, page.reader, page.view)
        if page.question is None:
            return (*fresh, gr.skip(), gr.skip(), gr.skip(), page.results, page.reader, page.view)
        return (*fresh, page.question, page.k, page.mode, page.results, page.reader, page.view)

    def search(
        question: str,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        documents: list[str] | None = None,
        organ: str | None = None,
        kind: str | None = None,
        since: str | None = None,
        until: str | None = None,
        symbol: str | None = None,
        group_by: str | None = None,
    ) -> list[dict]:
        """The paragraphs that best answer the question, best first, as JSON.

        Args:
            question: a question in your own words, or a paragraph reference ("para 57").
            k: how many paragraphs to return (1–100).
            mode: "hybrid" (default), "dense" or "lexical".
            documents: only search these documents (ids or symbols); all when empty.
            organ: only documents of this organ: "SC", "GA", "ECOSOC", "HRC" or the full name
                (several separated by commas).
            kind: only documents of this kind: report, letter, resolution, decision, note or
                other (several separated by commas).
            since: only documents dated on or after this date ("2025", "2025-03",
                "2025-03-15").
            until: only documents dated on or before this date.
            symbol: only documents whose symbol is or starts with this ("S/2025/", "A/HRC/").
            group_by: "document" for the best paragraph of each of the k best documents,
                ordered by date (oldest first).
        """
        return api_search(
            index,
            question,
            k,
            mode,
            documents,
            organ=organ,
            kind=kind,
            since=since,
            until=until,
            symbol=symbol,
            group_by=group_by,
        )

    title = "Ask the UN documents — qa" if several else "Ask the report — qa"
    with gr.Blocks(title=title, analytics_enabled=False) as app:
        header = gr.HTML(render.header_html(docs), elem_id="qa-header", js_on_load=None)
        with gr.Row(equal_height=False, elem_id="qa-main"):
            with gr.Column(scale=3, min_width=340, elem_id="qa-ask"):
                with gr.Row(elem_id="qa-question-row"):
                    question = gr.Textbox(
                        label="Question",
                        show_label=False,
                        placeholder=(
                            "Ask a question about the documents, or type “para 112”"
                            if several
                            else "Ask a question about the report, or type “para 112”"
                        ),
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
                # Only worth showing when the index holds several documents.
                with gr.Accordion(
                    "Filters: document, organ, kind, date, symbol",
                    open=False,
                    visible=several,
                    elem_id="qa-filters",
                ) as filter_box:
                    documents = gr.Dropdown(
                        _document_choices(docs),
                        value=[],
                        multiselect=True,
                        filterable=True,
                        label="Documents: type a symbol, a date or words of the title (all "
                        "when empty)",
                        elem_id="qa-documents",
                    )
                    with gr.Row(elem_id="qa-facets", equal_height=True):
                        organ = gr.Dropdown(
                            _organ_choices(docs),
                            value="",
                            label="Organ",
                            elem_id="qa-organ",
                            min_width=180,
                        )
                        kind = gr.Dropdown(
                            _kind_choices(docs),
                            value="",
                            label="Kind",
                            elem_id="qa-kind",
                            min_width=130,
                        )
                        since = gr.Textbox(
                            label="Since",
                            placeholder="2025-03",
                            max_lines=1,
                            elem_id="qa-since",
                            min_width=100,
                        )
                        until = gr.Textbox(
                            label="Until",
                            placeholder="2025-06-30",
                            max_lines=1,
                            elem_id="qa-until",
                            min_width=100,
                        )
                        symbol = gr.Textbox(
                            label="Symbol prefix",
                            placeholder="S/2025/",
                            max_lines=1,
                            elem_id="qa-symbol",
                            min_width=120,
                        )
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
                    by_document = gr.Checkbox(
                        value=False,
                        label="Across documents: the best paragraph of each, oldest first",
                        visible=several,
                        elem_id="qa-by-document",
                        scale=1,
                        min_width=220,
                    )
                results = gr.HTML(
                    render.welcome_html(docs),
                    elem_id="qa-results",
                    js_on_load=JS_ON_LOAD,
                    apply_default_css=False,
                )
            with gr.Column(scale=2, min_width=320, elem_id="qa-pane"):
                reader = gr.HTML(
                    render.toc_html(docs),
                    elem_id="qa-reader",
                    js_on_load=JS_ON_LOAD,
                    apply_default_css=False,
                )
        view = gr.State("toc")  # "toc" while the reader shows the contents or the library

        filter_inputs = [documents, organ, kind, since, until, symbol]
        search_inputs = [question, k, mode, by_document, *filter_inputs]
        search_options = dict(
            inputs=search_inputs,
            outputs=[results, reader, view],
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
        refilter_options = dict(
            inputs=[*search_inputs, view],
            outputs=[results, reader],
            api_visibility="private",
            show_progress="minimal",
            concurrency_id="search",
        )
        for control in (documents, organ, kind, by_document):
            control.input(refilter, **refilter_options)
        for box in (since, until, symbol):
            box.submit(refilter, **refilter_options)
        for pane in (results, reader):
            pane.open(
                on_open,
                inputs=search_inputs,
                outputs=[reader, view, results, *filter_inputs],
                api_visibility="private",
                show_progress="hidden",
                concurrency_id="search",
            )
        app.load(
            on_load,
            outputs=[
                header,
                *filter_inputs,
                by_document,
                filter_box,
                question,
                k,
                mode,
                results,
                reader,
                view,
            ],
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
