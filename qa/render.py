"""HTML for the web UI: hits, paragraphs in context, the table of contents (all text escaped)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote

from .document import (
    FOOTNOTE,
    PARAGRAPH,
    PREAMBLE,
    SUMMARY,
    Document,
    Heading,
    Paragraph,
    SubItem,
    short_title,
)
from .ingest.masthead import organ_code
from .lexical import tokenize

# A word as the lexical index sees it; digit groups ("7,400") stay one word.
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|[^\W_]+")
_LABEL = re.compile(r"\(\s*([a-z]{1,5})\s*\)")
_LEADING_LABEL = re.compile(r"^\(([a-z]{1,5})\)\s+")
# How much of a question the results header repeats back.
SHOWN_QUESTION_CHARS = 200
# A hit inside a list longer than this shows its own sub-item, the rest folded.
COMPACT_AFTER_ITEMS = 4
# With several reports the header names this many and counts the rest.
HEADER_MAX_TITLES = 4
# The reader shows a part of a document this many units at a time (letters of 300 pages).
PART_UNITS = 80
# Parts of a document that are not under a heading: the text above every heading (a letter,
# a preamble) and the footnotes. A section is its position in Document.headings.
TOP = "top"
NOTES = "notes"
KIND_NAMES = {
    "report": "Report",
    "letter": "Letter",
    "resolution": "Resolution",
    "decision": "Decision",
    "note": "Note",
    "other": "Other",
}


def esc(text: object) -> str:
    """Escape text for HTML bodies and attribute values.

    Beyond html.escape: `{`, `}`, `$` and backticks too, so that no template engine on the
    page (Gradio's gr.HTML reads its value as a JS/Handlebars template) can read text from a
    query or the report as code.
    """
    return (
        html.escape(str(text), quote=True)
        .replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("$", "&#36;")
        .replace("`", "&#96;")
    )


def query_terms(question: str) -> frozenset[str]:
    """The question's stemmed words (stop words dropped), as the lexical index matches them."""
    return frozenset(tokenize(question))


@lru_cache(maxsize=8192)
def _stem(word: str) -> str | None:
    tokens = tokenize(word.replace(",", ""))
    return tokens[0] if tokens else None


def mark_terms(text: str, terms: frozenset[str]) -> str:
    """Escaped text with the words matching `terms` wrapped in <strong class="term">."""
    if not terms:
        return esc(text)
    out: list[str] = []
    last = 0
    for m in _WORD.finditer(text):
        if _stem(m.group(0)) in terms:
            out.append(esc(text[last : m.start()]))
            out.append(f'<strong class="term">{esc(m.group(0))}</strong>')
            last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def highlight(text: str, sentence: str, terms: frozenset[str]) -> tuple[str, bool]:
    """(escaped HTML, whether `sentence` was found): the sentence in <mark>, terms in bold."""
    sentence = sentence.strip()
    at = text.find(sentence) if sentence else -1
    if at < 0 and sentence:
        sentence = _LEADING_LABEL.sub("", sentence)
        at = text.find(sentence) if sentence else -1
    if at < 0:
        return mark_terms(text, terms), False
    end = at + len(sentence)
    return (
        mark_terms(text[:at], terms)
        + f'<mark class="best">{mark_terms(text[at:end], terms)}</mark>'
        + mark_terms(text[end:], terms),
        True,
    )


def item_labels(item: str | None) -> tuple[str, ...] | None:
    """ "(d) (iv)" -> ("d", "iv")."""
    return tuple(_LABEL.findall(item)) if item else None


# --- paragraphs ----------------------------------------------------------------------------


def _item_tree(items: tuple[SubItem, ...]) -> list[tuple[SubItem, list[SubItem]]]:
    """Lettered items with their roman sub-items under them."""
    tree: list[tuple[SubItem, list[SubItem]]] = []
    for item in items:
        if len(item.label) > 1 and tree and tree[-1][0].label == item.label[:1]:
            tree[-1][1].append(item)
        else:
            tree.append((item, []))
    return tree


def paragraph_body(
    paragraph: Paragraph,
    sentence: str = "",
    terms: frozenset[str] = frozenset(),
    focus: tuple[str, ...] | None = None,
) -> str:
    """The paragraph's opening words, then its sub-items as a (nested) list.

    The best-matching sentence is marked where it is first found, query terms are bold, and
    the sub-item `focus` (e.g. ("d", "iv")) is marked as the one cited.
    """
    found = False

    def text_html(text: str) -> str:
        nonlocal found
        if found:
            return mark_terms(text, terms)
        out, found = highlight(text, sentence, terms)
        return out

    def item_html(item: SubItem, children: list[SubItem]) -> str:
        classes = "item focus-item" if focus and item.label == focus else "item"
        inner = (
            f'<span class="label">({esc(item.label[-1])})</span> '
            f'<span class="item-text">{text_html(item.text)}</span>'
        )
        if children:
            inner += '<ol class="items sub">'
            inner += "".join(item_html(child, []) for child in children)
            inner += "</ol>"
        return f'<li class="{classes}" data-label="{esc(" ".join(item.label))}">{inner}</li>'

    parts = []
    if paragraph.intro:
        parts.append(f'<p class="intro">{text_html(paragraph.intro)}</p>')
    if paragraph.items:
        parts.append('<ol class="items">')
        parts += [item_html(item, children) for item, children in _item_tree(paragraph.items)]
        parts.append("</ol>")
    return "".join(parts)


# --- the document's outline ---------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One heading of the document and the paragraphs under it (its subsections included)."""

    position: int  # index in Document.headings
    path: tuple[Heading, ...]
    first: int | None
    last: int | None
    pages: tuple[int, int] | None = None  # first and last page of its units, in PDFs

    @property
    def heading(self) -> Heading:
        return self.path[-1]

    @property
    def code(self) -> str:
        return ".".join(h.label for h in self.path if h.label)


def _cached(document: Document, name: str, make):
    """A value worked out once per document (documents are frozen; as Document._by_ref)."""
    found = document.__dict__.get(name)
    if found is None:
        found = make()
        object.__setattr__(document, name, found)
    return found


def outline(document: Document) -> list[Section]:
    """Every heading in reading order with the range of paragraph numbers it covers."""
    return _cached(document, "_render_outline", lambda: _outline(document))


def _outline(document: Document) -> list[Section]:
    numbers: dict[tuple, list[int]] = {}
    pages: dict[tuple, list[int]] = {}
    for p in document.paragraphs:
        for depth in range(1, len(p.headings) + 1):
            path = p.headings[:depth]
            if p.kind == PARAGRAPH and p.number is not None:
                numbers.setdefault(path, []).append(p.number)
            if p.page is not None:
                pages.setdefault(path, []).extend((p.page, p.last_page or p.page))
    sections = []
    for position, path in enumerate(document.headings):
        found, on = numbers.get(path, []), pages.get(path, [])
        sections.append(
            Section(
                position,
                path,
                min(found, default=None),
                max(found, default=None),
                (min(on), max(on)) if on else None,
            )
        )
    return sections


def paragraph_range(first: int | None, last: int | None) -> str:
    if first is None or last is None:
        return ""
    return f"para. {first}" if first == last else f"paras. {first}–{last}"


def page_range(first: int, last: int) -> str:
    return f"p. {first}" if first == last else f"pp. {first}–{last}"


def section_range(section: Section) -> str:
    """ "paras. 3–12", or for a part without numbered paragraphs "pp. 2–4"."""
    span = paragraph_range(section.first, section.last)
    if span or section.pages is None:
        return span
    return page_range(*section.pages)


def units_range(units: list[Paragraph]) -> str:
    """The span of some units as a reader finds them: paragraph numbers, else preambular
    paragraphs, else pages."""
    numbers = [p.number for p in units if p.kind == PARAGRAPH and p.number is not None]
    if numbers:
        return paragraph_range(min(numbers), max(numbers))
    if units and all(p.kind == PREAMBLE for p in units):
        first, last = units[0].ordinal, units[-1].ordinal
        return f"preambular para. {first}" if first == last else f"preambular paras. {first}–{last}"
    if units and all(p.kind == FOOTNOTE for p in units):
        return f"{len(units)} note{'s' if len(units) != 1 else ''}"
    on = [p.page for p in units if p.page is not None]
    return page_range(min(on), max(on)) if on else ""


def part_of(document: Document, paragraph: Paragraph) -> int | str:
    """Where the reader shows a unit: its section's position, TOP (above every heading),
    NOTES (a footnote) or "summary"."""
    if paragraph.kind == SUMMARY:
        return "summary"
    if paragraph.kind == FOOTNOTE:
        return NOTES
    positions = _cached(
        document, "_render_positions", lambda: {h: i for i, h in enumerate(document.headings)}
    )
    return positions.get(paragraph.headings, TOP)


def part_units(document: Document, part: int | str, exact: bool = False) -> list[Paragraph]:
    """The units of a part: a section (and its subsections, unless `exact`), TOP or NOTES."""
    if part == NOTES:
        return [p for p in document.paragraphs if p.kind == FOOTNOTE]
    if part == TOP:
        headings = set(document.headings)
        return [p for p in document.paragraphs if p.kind != FOOTNOTE and p.headings not in headings]
    path = document.headings[part]
    if exact:
        return [p for p in document.paragraphs if p.headings == path]
    return [p for p in document.paragraphs if p.headings[: len(path)] == path]


def parts(document: Document) -> list[int | str]:
    """The parts of a document in reading order."""
    top = [TOP] if part_units(document, TOP) else []
    notes = [NOTES] if any(p.kind == FOOTNOTE for p in document.paragraphs) else []
    return top + list(range(len(document.headings))) + notes


def part_title(document: Document, part: int | str) -> str:
    if part == NOTES:
        return "Footnotes"
    if part == TOP:
        units = part_units(document, TOP)
        if units and all(p.kind == PREAMBLE for p in units):
            return "Preamble"
        return "Full text" if not document.headings else "Opening text"
    return document.headings[part][-1].display


def part_span(document: Document, part: int | str) -> str:
    if isinstance(part, int):
        return section_range(outline(document)[part])
    return units_range(part_units(document, part))


def unit_label(paragraph: Paragraph) -> str:
    """What the reader shows in front of a unit: "57.", or where it is ("p. 2", "footnote 3")."""
    if paragraph.kind == PARAGRAPH and paragraph.number is not None:
        return f"{paragraph.number}."
    if paragraph.kind == SUMMARY:
        return ""
    return paragraph.locator


def kind_name(kind: str | None) -> str:
    """ "letter" -> "Letter"."""
    return KIND_NAMES.get(kind or "other", (kind or "other").capitalize())


def document_choice(document: Document) -> str:
    """The document picker's label (plain text, typed ahead on): symbol, date, title."""
    parts_ = [document.symbol or document.doc_id]
    if document.date:
        parts_.append(document.date)
    parts_.append(short_title(" ".join(document.title.split()), 90))
    return " · ".join(parts_)


def paragraph_href(document: Document, paragraph: Paragraph | None, named: bool = False) -> str:
    """A deep link that opens the unit: "?q=para%2057" (with "&doc=<id>" when the index holds
    several documents), or "?doc=<id>&ref=<ref>" for a unit without a number of its own."""
    if paragraph is None:
        return "?"
    if paragraph.kind == PARAGRAPH and paragraph.annex is None and paragraph.number is not None:
        link = "?q=" + quote(f"para {paragraph.number}")
        return link + (f"&doc={quote(document.doc_id)}" if named else "")
    return f"?doc={quote(document.doc_id)}&ref={quote(paragraph.ref)}"


def paragraph_target(document: Document, paragraph: Paragraph | None) -> str:
    ref = paragraph.ref if paragraph is not None else "summary"
    return f"p:{ref}:{document.doc_id}"


def section_target(document: Document, part: int | str, start: int | None = None) -> str:
    """The reader target of a part ("s:3:<doc>", "s:top:<doc>", "s:notes@80:<doc>")."""
    where = f"{part}@{start}" if start else str(part)
    return f"s:{where}:{document.doc_id}"


def document_target(document: Document) -> str:
    return f"d:{document.doc_id}"


def _open_button(target: str, label_html: str, css: str = "link") -> str:
    return f'<button type="button" class="{css}" data-open="{esc(target)}">{label_html}</button>'


def _paragraph_link(
    document: Document, paragraph: Paragraph, label: str, css: str = "", named: bool = False
) -> str:
    return (
        f'<a class="{css}" href="{esc(paragraph_href(document, paragraph, named))}" '
        f'data-open="{esc(paragraph_target(document, paragraph))}">{esc(label)}</a>'
    )


def _copy_button(text: str) -> str:
    return (
        f'<button type="button" class="copy" data-copy="{esc(text)}" '
        f'title="Copy the citation" aria-label="Copy the citation">Copy</button>'
    )


def cite(
    document: Document,
    paragraph: Paragraph,
    item: tuple[str, ...] | None = None,
    named: bool = False,
) -> str:
    """The paragraph's citation; `named` puts the document first, as search does when the index
    holds several reports ("A/71/119, para. 12 — …")."""
    citation = paragraph.citation(item)
    return f"{document.label}, {citation}" if named or document.symbol else citation


def breadcrumbs(path: tuple[Heading, ...] | list[str]) -> str:
    names = [h.display if isinstance(h, Heading) else h for h in path]
    return " <span class='sep'>›</span> ".join(f"<span>{esc(n)}</span>" for n in names)


def document_line(document: Document) -> str:
    """Symbol (opens the document's contents), kind, date and title, above a hit; a document
    without a symbol is named by its title."""
    date = f'<span class="doc-date">{esc(document.date)}</span>' if document.date else ""
    name = document.symbol or short_title(document.title, 140)
    title = (
        f'<span class="doc-title">{esc(short_title(document.title, 140))}</span>'
        if document.symbol
        else ""
    )
    return (
        '<div class="hit-doc">'
        + _open_button(
            document_target(document),
            f'<span class="doc-symbol">{esc(name)}</span>',
            "link doc-open",
        )
        + f'<span class="doc-kind">{esc(kind_name(document.kind))}</span>{date}{title}</div>'
    )


# --- hits ---------------------------------------------------------------------------------


def _neighbours(document: Document, paragraph: Paragraph) -> tuple[Paragraph | None, ...]:
    """The units read just before and after this one (footnotes have no neighbours)."""
    if paragraph.kind in (SUMMARY, FOOTNOTE):
        return None, None
    body = _cached(
        document,
        "_render_body",
        lambda: [p for p in document.paragraphs if p.kind != FOOTNOTE],
    )
    where = _cached(document, "_render_body_at", lambda: {p.ref: i for i, p in enumerate(body)})
    at = where.get(paragraph.ref)
    if at is None:
        return None, None
    before = body[at - 1] if at > 0 else None
    after = body[at + 1] if at + 1 < len(body) else None
    return before, after


def _context_paragraph(
    document: Document, paragraph: Paragraph, same_section: bool, named: bool = False
) -> str:
    where = "" if same_section else f' <span class="where">{esc(paragraph.citation())}</span>'
    return (
        f'<div class="ctx-para">'
        f"{_paragraph_link(document, paragraph, unit_label(paragraph), 'num', named)}{where}"
        f'<div class="ctx-body">{paragraph_body(paragraph)}</div></div>'
    )


def hit_html(hit, document: Document, terms: frozenset[str], named: bool = False) -> str:
    """One result: (with several documents) the document's symbol, kind, date and title; the
    citation (copyable, opens the paragraph in context), the paragraph with the best sentence
    highlighted, a relevance bar, and the paragraphs before and after."""
    paragraph = document.unit(hit.ref) if hit.ref else document.paragraph(hit.paragraph)
    percent = round(max(0.0, min(1.0, float(hit.score))) * 100)
    head = (
        (document_line(document) if named else "")
        + f'<div class="hit-head"><span class="rank">{int(hit.rank)}</span>'
        f'<a class="cite" href="{esc(paragraph_href(document, paragraph, named))}" '
        f'data-open="{esc(paragraph_target(document, paragraph))}" '
        f'title="Read it in context">{esc(hit.citation)}</a>'
        f"{_copy_button(hit.citation)}"
        f'<span class="score" title="Relevance {hit.score:.2f} (1 = best match)">'
        f'<span class="bar"><span style="width:{percent}%"></span></span>'
        f'<span class="score-num">{hit.score:.2f}</span></span></div>'
    )
    crumbs = f'<div class="crumbs">{breadcrumbs(hit.section)}</div>' if hit.section else ""
    if paragraph is None:  # the index and the documents disagree; show what the hit carries
        body = f'<p class="intro">{highlight(hit.text, hit.sentence, terms)[0]}</p>'
        return f'<article class="hit">{head}{crumbs}<div class="para">{body}</div></article>'
    body = _hit_body(paragraph, hit.sentence, terms, item_labels(hit.item))
    before, after = _neighbours(document, paragraph)
    context = ""
    if before or after:
        shown = [p for p in (before, after) if p is not None]
        if all(p.kind == PARAGRAPH and p.annex == paragraph.annex for p in shown):
            label = "para. " + " and ".join(str(p.number) for p in shown)
        else:  # "para. 90 and annex I, para. 1", "p. 1 and p. 2"; "p. 1" for both on it
            label = " and ".join(dict.fromkeys(p.locator for p in shown))
        context = (
            '<details class="context"><summary>Paragraphs before and after '
            f'<span class="muted">({esc(label)})</span></summary>'
            + (
                _context_paragraph(document, before, before.headings == paragraph.headings, named)
                if before
                else ""
            )
            + f'<div class="ctx-here">▸ {esc(paragraph.locator)} (this result)</div>'
            + (
                _context_paragraph(document, after, after.headings == paragraph.headings, named)
                if after
                else ""
            )
            + "</details>"
        )
    section = _hit_section_link(document, paragraph)
    return (
        f'<article class="hit">{head}{crumbs}<div class="para">{body}</div>'
        f"{notes_html(document, paragraph)}"
        f'<div class="hit-foot">{context}{section}</div></article>'
    )


def notes_html(document: Document, paragraph: Paragraph) -> str:
    """The footnotes a unit cites, each opening in the reader; for a footnote, the units that
    cite it. Empty when there are none."""
    notes = document.notes_of(paragraph)
    if notes:
        rows = "".join(
            f'<div class="source">{_paragraph_link(document, note, note.locator, "source-ref")} '
            f"{esc(note.text)}</div>"
            for note in notes
        )
        return f'<div class="sources" aria-label="Footnotes it cites">{rows}</div>'
    citing = document.citing(paragraph)
    if citing:
        links = ", ".join(
            _paragraph_link(document, unit, unit.locator, "source-ref") for unit in citing
        )
        return f'<div class="sources">Cited in {links}</div>'
    return ""


def _hit_body(
    paragraph: Paragraph, sentence: str, terms: frozenset[str], focus: tuple[str, ...] | None
) -> str:
    """The paragraph; when the match is one sub-item of a long list, just that sub-item (under
    its opening words and parent item) with the whole paragraph one click away."""
    if not focus or len(paragraph.items) <= COMPACT_AFTER_ITEMS or not paragraph.item(focus):
        return paragraph_body(paragraph, sentence, terms, focus)
    shown = tuple(it for it in paragraph.items if it.label in (focus[:1], focus))
    compact = paragraph_body(replace(paragraph, items=shown), sentence, terms, focus)
    return (
        f"{compact}<details class='whole'><summary>Show the whole paragraph "
        f"<span class='muted'>({len(paragraph.items)} sub-items)</span></summary>"
        f"{paragraph_body(paragraph, sentence, terms, focus)}</details>"
    )


def _hit_section_link(document: Document, paragraph: Paragraph) -> str:
    """ "Read in context: III.B.3 … (paras. 50–60)", or the page text, preamble or footnotes
    the unit belongs to; every unit opens in the reader."""
    part = part_of(document, paragraph)
    if part == "summary":
        label, span = "Summary", ""
    elif isinstance(part, int):
        section = outline(document)[part]
        label = f"{section.code} {section.heading.title}".strip() if section.code else ""
        label = label or section.heading.display
        span = section_range(section)
    else:
        label, span = part_title(document, part), part_span(document, part)
    extra = f" <span class='muted'>({esc(span)})</span>" if span else ""
    return (
        '<div class="section-link">'
        + _open_button(
            paragraph_target(document, paragraph), f"Read in context: {esc(label)}{extra}"
        )
        + "</div>"
    )


def results_html(
    hits: list,
    documents: dict[str, Document],
    question: str,
    mode: str,
    notes: list[str] | tuple[str, ...] = (),
    highlight_terms: bool = True,
    by_document: bool = False,
    filters: str = "",
) -> str:
    """The list of hits under a line repeating the question (escaped, shortened).

    `by_document`: the hits are the best paragraph of each document, oldest first.
    `filters`: what the search was narrowed to, said above the hits."""
    terms = query_terms(question) if highlight_terms else frozenset()
    shown = question if len(question) <= SHOWN_QUESTION_CHARS else question[:SHOWN_QUESTION_CHARS]
    ellipsis = "…" if len(question) > SHOWN_QUESTION_CHARS else ""
    if by_document:
        n = len(hits)
        count = f"The best paragraph in each of {n} document{'s' if n != 1 else ''}, oldest first,"
    else:
        count = f"{len(hits)} paragraph{'s' if len(hits) != 1 else ''}"
    css = "results by-document" if by_document else "results"
    parts_ = [
        f'<div class="{css}"><p class="results-for">{count} for '
        f'<q class="asked">{esc(shown)}{ellipsis}</q> <span class="muted">· {esc(mode)}</span></p>'
    ]
    if filters:
        parts_.append(filters_line(filters))
    parts_ += [f'<p class="note">{esc(note)}</p>' for note in notes]
    named = len(documents) > 1
    for hit in hits:
        document = documents.get(hit.document)
        if document is None:
            continue
        parts_.append(hit_html(hit, document, terms, named=named))
    parts_.append("</div>")
    return "".join(parts_)


def filters_line(said: str) -> str:
    """ "Only: Security Council · letters · 2025" with a button that clears the filters."""
    return (
        f'<p class="filters-on"><span class="muted">Only:</span> {esc(said)} '
        + _open_button("f:clear:", "Clear filters", "link clear-filters")
        + "</p>"
    )


def message_html(text: str, kind: str = "info", hint: str = "") -> str:
    """A friendly message in place of results (kind: info, warning or error)."""
    css = {"info": "info", "warning": "warning", "error": "error"}.get(kind, "info")
    extra = f'<p class="hint">{esc(hint)}</p>' if hint else ""
    return f'<div class="message {css}" role="status"><p>{esc(text)}</p>{extra}</div>'


def shareable(html_: str, query: str) -> str:
    """The results with the address that gives them back ("?q=…&organ=SC"); web.js puts it
    in the address bar."""
    return f'<div class="share" hidden data-share="{esc(query)}"></div>{html_}'


# --- the library: what it holds, facets, the documents --------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str  # what the filter takes ("SC", "letter", "2025")
    label: str  # what the reader sees ("Security Council")
    count: int  # documents with this value that the other filters leave
    active: bool = False


@dataclass(frozen=True)
class Facet:
    name: str  # organ, kind or year
    title: str
    values: tuple[FacetValue, ...]


def _years(documents) -> str:
    years = sorted({d.date_iso[:4] for d in documents if d.date_iso})
    if not years:
        return ""
    return years[0] if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def _short_organ(name: str) -> str:
    """ "Security Council", or for a long name its code ("Executive Board of UNICEF" ->
    "UNICEF")."""
    return name if len(name) <= 28 else organ_code(name) or short_title(name, 28)


def header_html(documents: dict[str, Document]) -> str:
    """The report's title, body and date; for a library, how many documents of which organs
    and years it holds."""
    docs = list(documents.values())
    if len(docs) == 1:
        doc = docs[0]
        meta = [
            ("General Assembly, " + doc.session) if doc.session else "",
            doc.symbol or "",
            doc.date or "",
        ]
        meta_html = " · ".join(f"<span>{esc(m)}</span>" for m in meta if m)
        return (
            f'<header class="qa-header"><p class="kicker">Ask the report</p>'
            f'<h1>{esc(doc.title)}</h1><p class="meta">{meta_html}</p></header>'
        )
    organs: dict[str, int] = {}
    for d in docs:
        if d.organ:
            organs[d.organ] = organs.get(d.organ, 0) + 1
    ranked = sorted(organs.items(), key=lambda kv: (-kv[1], kv[0]))
    meta = [f"{_short_organ(name)} {count}" for name, count in ranked[:HEADER_MAX_TITLES]]
    if len(ranked) > HEADER_MAX_TITLES:
        meta.append(f"{len(ranked) - HEADER_MAX_TITLES} more bodies")
    years = _years(docs)
    if years:
        meta.append(years)
    meta_html = " · ".join(f"<span>{esc(m)}</span>" for m in meta)
    return (
        f'<header class="qa-header"><p class="kicker">Ask the UN documents</p>'
        f"<h1>{len(docs)} United Nations documents</h1>"
        f'<p class="meta">{meta_html}</p></header>'
    )


def welcome_html(documents: dict[str, Document]) -> str:
    """What the results pane says before the first question."""
    if len(documents) <= 1:
        return (
            '<div class="message info welcome"><p>Ask in your own words, or type a paragraph '
            "number (<q>para 112</q>, <q>139 (d)</q>). Each answer is a paragraph of the report "
            "with its citation: copy it with one click, or open it to read it in its section."
            "</p></div>"
        )
    years = _years(documents.values())
    return (
        '<div class="message info welcome"><p>Ask in your own words across '
        f"{len(documents)} documents{' (' + esc(years) + ')' if years else ''}. Each answer is "
        "a paragraph with its citation: copy it with one click, or open it to read it in its "
        "document.</p><p class='hint'>Narrow the search by document, organ, kind, date or "
        "symbol under <em>Filters</em>; <em>Across documents</em> gives the best paragraph of "
        "each document, oldest first; the <em>Library</em> on the right lists them all.</p></div>"
    )


def library_html(
    documents: dict[str, Document],
    shown: list[str],
    facets: list[Facet] | tuple[Facet, ...] = (),
    filters: str = "",
) -> str:
    """The library: facet counts (each sets that filter) and the documents the filters leave,
    newest first, each opening its contents."""
    docs = [documents[d] for d in shown if d in documents]
    docs.sort(key=lambda d: (d.date_iso or "", d.label), reverse=True)
    total = len(documents)
    about = f"{total} documents"
    years = _years(documents.values())
    if years:
        about += f", {years}"
    if filters:
        about += f" · {len(docs)} match the filters"
    parts_ = [
        '<div class="reader library">',
        '<div class="reader-head"><h2 class="reader-title">Library</h2>'
        f'<p class="muted small">{esc(about)}. Choose a document to read its contents.</p>',
    ]
    if filters:
        parts_.append(filters_line(filters))
    parts_.append("</div>")
    if facets:
        parts_.append('<div class="facets">')
        for facet in facets:
            parts_.append(
                f'<div class="facet" data-facet="{esc(facet.name)}">'
                f'<span class="facet-title">{esc(facet.title)}</span>'
            )
            for value in facet.values:
                target = f"f:{facet.name}:" + ("" if value.active else value.value)
                css = "facet-value on" if value.active else "facet-value"
                label = f"{esc(value.label)} <span class='count'>{value.count}</span>" + (
                    " <span aria-hidden='true'>×</span>" if value.active else ""
                )
                parts_.append(_open_button(target, label, css))
            parts_.append("</div>")
        parts_.append("</div>")
    if not docs:
        parts_.append('<p class="muted">No document matches the filters.</p>')
    parts_.append('<ol class="doc-list">')
    for d in docs:
        date = f"<span class='doc-date'>{esc(d.date)}</span>" if d.date else ""
        parts_.append(
            "<li>"
            + _open_button(
                document_target(d),
                f"<span class='doc-symbol'>{esc(d.label)}</span>"
                f"<span class='doc-kind'>{esc(kind_name(d.kind))}</span>{date}"
                f"<span class='doc-title'>{esc(short_title(d.title, 160))}</span>",
                "doc-entry",
            )
            + "</li>"
        )
    parts_.append("</ol></div>")
    return "".join(parts_)


# --- the reader: contents, sections, a paragraph in context -------------------------------


def _toc_entry(target: str, name: str, span: str, depth: int) -> str:
    label = f"<span class='toc-name'>{esc(name)}</span>" + (
        f"<span class='toc-range'>{esc(span)}</span>" if span else ""
    )
    button = _open_button(target, label, "toc-entry")
    return f"<li class='depth-{min(depth, 4)}'>{button}</li>"


def contents_html(document: Document, named: bool = False, jump: bool = False) -> str:
    """A document's contents: the Summary, the text above every heading, each heading with its
    paragraph (or page) range, the footnotes; each opens that part. `named`: the document is
    one of a library (its symbol, title and a way back to the library come first)."""
    numbered = sum(1 for p in document.paragraphs if p.kind == PARAGRAPH)
    size = f"{numbered} paragraphs" if numbered else f"{document.pages or '?'} pages"
    parts_ = [f'<div class="reader toc"{" data-jump" if jump else ""}>']
    if named:
        meta = [kind_name(document.kind), document.organ or "", document.date or "", size]
        about = f'<p class="doc-about">{esc(document.title)}</p>' if document.symbol else ""
        parts_.append(
            f'<div class="reader-head">{_reader_nav(document, None, named)}'
            f'<h2 class="reader-title">{esc(document.symbol or document.title)}</h2>{about}'
            f'<p class="muted small">{esc(" · ".join(m for m in meta if m))}</p></div>'
        )
    else:
        parts_.append(
            f'<h2 class="reader-title">Contents</h2><p class="muted small">'
            f"{esc(document.title)} · {size}. Choose a part to read it.</p>"
        )
    parts_.append("<ul class='toc-list'>")
    if document.summary is not None:
        parts_.append(_toc_entry(paragraph_target(document, document.summary), "Summary", "", 1))
    sections = outline(document)
    for part in parts(document):
        if isinstance(part, int):
            section = sections[part]
            parts_.append(
                _toc_entry(
                    section_target(document, part),
                    section.heading.display,
                    section_range(section),
                    len(section.path),
                )
            )
        else:
            parts_.append(
                _toc_entry(
                    section_target(document, part),
                    part_title(document, part),
                    part_span(document, part),
                    1,
                )
            )
    parts_.append("</ul></div>")
    return "".join(parts_)


def toc_html(documents: dict[str, Document]) -> str:
    """The reader's first view: the report's contents, or for a library all its documents."""
    if len(documents) == 1:
        return contents_html(next(iter(documents.values())))
    return library_html(documents, list(documents))


def _reader_paragraph(
    document: Document,
    paragraph: Paragraph,
    focus: bool,
    focus_item: tuple[str, ...] | None = None,
    named: bool = False,
) -> str:
    number = unit_label(paragraph)
    classes = "rpara focus" if focus else "rpara"
    anchor = (
        f"para-{paragraph.ref}"
        if paragraph.ref.isdigit()
        else "summary"
        if paragraph.kind == SUMMARY
        else "u-" + re.sub(r"[^A-Za-z0-9_-]+", "-", paragraph.ref)
    )
    head = (
        '<div class="rpara-head">'
        + (_paragraph_link(document, paragraph, number, "num", named) if number else "")
        + (_copy_button(cite(document, paragraph, focus_item, named)) if focus else "")
        + "</div>"
    )
    body = paragraph_body(paragraph, focus=focus_item if focus else None)
    sources = notes_html(document, paragraph)
    return (
        f'<section class="{classes}" id="{esc(anchor)}">{head}<div>{body}{sources}</div></section>'
    )


def _short_part(document: Document, part: int | str) -> str:
    if isinstance(part, int):
        section = outline(document)[part]
        return section.code or short_title(section.heading.title, 40)
    return part_title(document, part)


def _reader_nav(document: Document, part: int | str | None, named: bool = False) -> str:
    """Back to the contents (in a library: to the library and the document's contents), and
    to the parts before and after."""
    if named:
        links = [
            _open_button("toc", "← Library", "link nav-toc"),
            _open_button(document_target(document), "Contents", "link nav-doc"),
        ]
    else:
        links = [_open_button("toc", "← Contents", "link nav-toc")]
    order = parts(document)
    if part is not None and part in order:
        at = order.index(part)
        if at > 0:
            links.append(
                _open_button(
                    section_target(document, order[at - 1]),
                    f"‹ {esc(_short_part(document, order[at - 1]))}",
                    "link nav-prev",
                )
            )
        if at + 1 < len(order):
            links.append(
                _open_button(
                    section_target(document, order[at + 1]),
                    f"{esc(_short_part(document, order[at + 1]))} ›",
                    "link nav-next",
                )
            )
    return f'<nav class="reader-nav">{"".join(links)}</nav>'


def _window(units: list[Paragraph], focus: str | None, start: int | None) -> int:
    """Where the shown PART_UNITS units of a long part begin: at `start`, else where the
    focus is, else at the top."""
    if len(units) <= PART_UNITS:
        return 0
    if start is None:
        start = next((i for i, p in enumerate(units) if p.ref == focus), 0)
    start = max(0, min(start, len(units) - 1))
    return start // PART_UNITS * PART_UNITS


def _window_nav(document: Document, part: int | str, units: list[Paragraph], start: int) -> str:
    if len(units) <= PART_UNITS:
        return ""
    end = min(start + PART_UNITS, len(units))
    shown = units_range(units[start:end]) or f"{start + 1}–{end}"
    links = [f'<span class="muted small">{esc(shown)} of {esc(units_range(units))}</span>']
    if start > 0:
        links.append(
            _open_button(
                section_target(document, part, start - PART_UNITS or None),
                "‹ earlier",
                "link nav-earlier",
            )
        )
    if end < len(units):
        links.append(_open_button(section_target(document, part, end), "later ›", "link nav-later"))
    return f'<nav class="reader-nav window">{"".join(links)}</nav>'


def part_html(
    document: Document,
    part: int | str,
    focus: str | None = None,
    focus_item: tuple[str, ...] | None = None,
    exact: bool = False,
    jump: bool = False,
    named: bool = False,
    start: int | None = None,
) -> str:
    """A part of a document: a section (its subsections too, unless `exact`), the text above
    every heading (TOP) or the footnotes (NOTES), with sub-headings where they change, the unit
    `focus` marked, and long parts shown PART_UNITS units at a time."""
    units = part_units(document, part, exact)
    at = _window(units, focus, start)
    shown = units[at : at + PART_UNITS]
    if isinstance(part, int):
        section = outline(document)[part]
        path = section.path
        span = section_range(section)
        crumbs = f'<div class="crumbs">{breadcrumbs(path[:-1])}</div>' if len(path) > 1 else ""
        title = section.heading.display
    else:
        path, crumbs = (), ""
        span, title = units_range(units), part_title(document, part)
    if named:
        name = short_title(document.title, 80)
        name = f"{document.symbol} · {name}" if document.symbol else name
        crumbs = f'<div class="crumbs doc-crumb">{esc(name)}</div>{crumbs}'

    parts_ = [
        f'<div class="reader section"{" data-jump" if jump else ""}>',
        # Stays at the top of the pane while reading, so the reader knows where they are.
        f'<div class="reader-head">{_reader_nav(document, part, named)}{crumbs}'
        f'<h2 class="reader-title">{esc(title)} '
        f'<span class="muted small">{esc(span)}</span></h2>'
        f"{_window_nav(document, part, units, at)}</div>",
    ]
    current = path
    for paragraph in shown:
        if path and paragraph.headings != current:
            deeper = paragraph.headings[len(path) :]
            if deeper:
                parts_.append(f'<h3 class="subhead">{esc(deeper[-1].display)}</h3>')
            current = paragraph.headings
        is_focus = focus is not None and paragraph.ref == focus
        parts_.append(_reader_paragraph(document, paragraph, is_focus, focus_item, named))
    if not units:
        parts_.append('<p class="muted">No paragraphs directly under this heading.</p>')
    parts_.append(_window_nav(document, part, units, at))
    parts_.append(_reader_nav(document, part, named))
    parts_.append("</div>")
    return "".join(parts_)


def section_html(
    document: Document,
    position: int,
    focus: str | None = None,
    focus_item: tuple[str, ...] | None = None,
    exact: bool = False,
    jump: bool = False,
    named: bool = False,
) -> str:
    """A section of the report: its paragraphs (its subsections' too, unless `exact`), with
    sub-headings where they change and the paragraph `focus` marked."""
    return part_html(document, position, focus, focus_item, exact, jump, named)


def paragraph_in_context(
    document: Document,
    ref: str | int,
    item: tuple[str, ...] | None = None,
    jump: bool = False,
    named: bool = False,
) -> str | None:
    """The part a unit belongs to ("57", "summary", "p2/text1", "footnote/3"): its section,
    the text above every heading or the footnotes, with that unit marked; None if there is no
    such unit."""
    ref = str(ref)
    if ref == "summary":
        if document.summary is None:
            return None
        return (
            f'<div class="reader section"{" data-jump" if jump else ""}>'
            + f'<div class="reader-head">{_reader_nav(document, None, named)}'
            + '<h2 class="reader-title">Summary</h2></div>'
            + _reader_paragraph(document, document.summary, True, named=named)
            + "</div>"
        )
    paragraph = document.unit(ref)
    if paragraph is None:
        return None
    part = part_of(document, paragraph)
    return part_html(document, part, ref, item, exact=True, jump=jump, named=named)
