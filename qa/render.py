"""HTML for the web UI: hits, paragraphs in context, the table of contents (all text escaped)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote

from .document import FOOTNOTE, PARAGRAPH, SUMMARY, Document, Heading, Paragraph, SubItem
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


def outline(document: Document) -> list[Section]:
    """Every heading in reading order with the range of paragraph numbers it covers."""
    sections = []
    for position, path in enumerate(document.headings):
        members = [p for p in document.paragraphs if p.headings[: len(path)] == path]
        numbers = [p.number for p in members if p.kind == PARAGRAPH and p.number is not None]
        pages = [p.page for p in members if p.page is not None]
        sections.append(
            Section(
                position,
                path,
                min(numbers, default=None),
                max(numbers, default=None),
                (min(pages), max(pages)) if pages else None,
            )
        )
    return sections


def paragraph_range(first: int | None, last: int | None) -> str:
    if first is None or last is None:
        return ""
    return f"para. {first}" if first == last else f"paras. {first}–{last}"


def section_range(section: Section) -> str:
    """ "paras. 3–12", or for a part without numbered paragraphs "pp. 2–4"."""
    span = paragraph_range(section.first, section.last)
    if span or section.pages is None:
        return span
    first, last = section.pages
    return f"p. {first}" if first == last else f"pp. {first}–{last}"


def unit_label(paragraph: Paragraph) -> str:
    """What the reader shows in front of a unit: "57.", or where it is ("p. 2", "footnote 3")."""
    if paragraph.kind == PARAGRAPH and paragraph.number is not None:
        return f"{paragraph.number}."
    if paragraph.kind == SUMMARY:
        return ""
    return paragraph.locator


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


def section_target(document: Document, position: int) -> str:
    return f"s:{position}:{document.doc_id}"


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


# --- hits ---------------------------------------------------------------------------------


def _neighbours(document: Document, paragraph: Paragraph) -> tuple[Paragraph | None, ...]:
    """The units read just before and after this one (footnotes have no neighbours)."""
    if paragraph.kind in (SUMMARY, FOOTNOTE):
        return None, None
    body = [p for p in document.paragraphs if p.kind != FOOTNOTE]
    at = next((i for i, p in enumerate(body) if p.ref == paragraph.ref), None)
    if at is None:
        return None, None
    before = body[at - 1] if at > 0 else None
    after = body[at + 1] if at + 1 < len(body) else None
    return before, after


def _context_paragraph(document: Document, paragraph: Paragraph, same_section: bool) -> str:
    where = "" if same_section else f' <span class="where">{esc(paragraph.citation())}</span>'
    return (
        f'<div class="ctx-para">'
        f"{_paragraph_link(document, paragraph, unit_label(paragraph), 'num')}{where}"
        f'<div class="ctx-body">{paragraph_body(paragraph)}</div></div>'
    )


def hit_html(hit, document: Document, terms: frozenset[str], named: bool = False) -> str:
    """One result: citation (copyable, opens the paragraph in context), the paragraph with the
    best sentence highlighted, a relevance bar, and the paragraphs before and after."""
    paragraph = document.unit(hit.ref) if hit.ref else document.paragraph(hit.paragraph)
    percent = round(max(0.0, min(1.0, float(hit.score))) * 100)
    head = (
        f'<div class="hit-head"><span class="rank">{int(hit.rank)}</span>'
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
        if all(p.kind == PARAGRAPH for p in shown):
            label = "para. " + " and ".join(str(p.number) for p in shown)
        else:
            label = " and ".join(unit_label(p).rstrip(".") for p in shown)
        context = (
            '<details class="context"><summary>Paragraphs before and after '
            f'<span class="muted">({esc(label)})</span></summary>'
            + (
                _context_paragraph(document, before, before.headings == paragraph.headings)
                if before
                else ""
            )
            + f'<div class="ctx-here">▸ {esc(paragraph.locator)} (this result)</div>'
            + (
                _context_paragraph(document, after, after.headings == paragraph.headings)
                if after
                else ""
            )
            + "</details>"
        )
    section = _hit_section_link(document, paragraph)
    return (
        f'<article class="hit">{head}{crumbs}<div class="para">{body}</div>'
        f'<div class="hit-foot">{context}{section}</div></article>'
    )


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
    if paragraph.kind == SUMMARY or paragraph.headings not in document.headings:
        return ""
    position = document.headings.index(paragraph.headings)
    section = outline(document)[position]
    label = f"{section.code} {section.heading.title}".strip() if section.code else "section"
    span = section_range(section)
    return (
        '<div class="section-link">'
        + _open_button(
            paragraph_target(document, paragraph),
            f"Read in context: {esc(label)} <span class='muted'>({esc(span)})</span>",
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
) -> str:
    """The list of hits under a line repeating the question (escaped, shortened)."""
    terms = query_terms(question) if highlight_terms else frozenset()
    shown = question if len(question) <= SHOWN_QUESTION_CHARS else question[:SHOWN_QUESTION_CHARS]
    ellipsis = "…" if len(question) > SHOWN_QUESTION_CHARS else ""
    count = f"{len(hits)} paragraph{'s' if len(hits) != 1 else ''}"
    parts = [
        f'<div class="results"><p class="results-for">{count} for '
        f'<q class="asked">{esc(shown)}{ellipsis}</q> <span class="muted">· {esc(mode)}</span></p>'
    ]
    parts += [f'<p class="note">{esc(note)}</p>' for note in notes]
    for hit in hits:
        document = documents.get(hit.document)
        if document is None:
            continue
        parts.append(hit_html(hit, document, terms, named=len(documents) > 1))
    parts.append("</div>")
    return "".join(parts)


def message_html(text: str, kind: str = "info", hint: str = "") -> str:
    """A friendly message in place of results (kind: info, warning or error)."""
    css = {"info": "info", "warning": "warning", "error": "error"}.get(kind, "info")
    extra = f'<p class="hint">{esc(hint)}</p>' if hint else ""
    return f'<div class="message {css}" role="status"><p>{esc(text)}</p>{extra}</div>'


# --- the reader: contents, sections, a paragraph in context -------------------------------


def header_html(documents: dict[str, Document]) -> str:
    """The report's title, body and date; a count of reports when there are several."""
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
    shown = docs[:HEADER_MAX_TITLES]
    titles = "".join(
        f"<li>{esc(d.title)}"
        + (f" <span class='muted'>· {esc(d.date)}</span>" if d.date else "")
        + "</li>"
        for d in shown
    )
    if len(docs) > len(shown):
        titles += f"<li class='muted'>and {len(docs) - len(shown)} more</li>"
    return (
        f'<header class="qa-header"><p class="kicker">Ask the reports</p>'
        f"<h1>{len(docs)} United Nations reports</h1><ul class='meta'>{titles}</ul></header>"
    )


def toc_html(documents: dict[str, Document]) -> str:
    """Chapters and sections with their paragraph ranges; each opens that part. With several
    reports, each report's contents fold under its name (the first one open)."""
    several = len(documents) > 1
    parts = ['<div class="reader toc">']
    if several:
        parts.append(
            f'<h2 class="reader-title">Contents</h2><p class="muted small">{len(documents)} '
            "reports. Choose a part to read it.</p>"
        )
    for n, document in enumerate(documents.values()):
        numbered = sum(1 for p in document.paragraphs if p.kind == PARAGRAPH)
        about = f"{esc(document.title)} · " + (
            f"{numbered} paragraphs" if numbered else f"{document.pages or '?'} pages"
        )
        if several:
            parts.append(
                f"<details class='toc-doc'{' open' if n == 0 else ''}><summary>"
                f"<strong>{esc(document.label)}</strong> <span class='muted small'>{about}"
                "</span></summary>"
            )
        else:
            parts.append(
                f'<h2 class="reader-title">Contents</h2><p class="muted small">{about}. '
                "Choose a part to read it.</p>"
            )
        parts.append("<ul class='toc-list'>")
        if document.summary is not None:
            parts.append(
                "<li class='depth-1'>"
                + _open_button(
                    paragraph_target(document, document.summary),
                    "<span class='toc-name'>Summary</span>",
                    "toc-entry",
                )
                + "</li>"
            )
        for section in outline(document):
            span = section_range(section)
            label = (
                f"<span class='toc-name'>{esc(section.heading.display)}</span>"
                f"<span class='toc-range'>{esc(span)}</span>"
            )
            parts.append(
                f"<li class='depth-{min(len(section.path), 4)}'>"
                + _open_button(section_target(document, section.position), label, "toc-entry")
                + "</li>"
            )
        parts.append("</ul>")
        if several:
            parts.append("</details>")
    parts.append("</div>")
    return "".join(parts)


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
        + (_paragraph_link(document, paragraph, number, "num") if number else "")
        + (_copy_button(cite(document, paragraph, focus_item, named)) if focus else "")
        + "</div>"
    )
    body = paragraph_body(paragraph, focus=focus_item if focus else None)
    return f'<section class="{classes}" id="{esc(anchor)}">{head}<div>{body}</div></section>'


def _reader_nav(document: Document, position: int | None) -> str:
    sections = outline(document)
    links = [_open_button("toc", "← Contents", "link nav-toc")]
    if position is not None:
        if position > 0:
            prev = sections[position - 1]
            links.append(
                _open_button(
                    section_target(document, prev.position),
                    f"‹ {esc(prev.code or prev.heading.title)}",
                    "link nav-prev",
                )
            )
        if position + 1 < len(sections):
            nxt = sections[position + 1]
            links.append(
                _open_button(
                    section_target(document, nxt.position),
                    f"{esc(nxt.code or nxt.heading.title)} ›",
                    "link nav-next",
                )
            )
    return f'<nav class="reader-nav">{"".join(links)}</nav>'


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
    sections = outline(document)
    section = sections[position]
    path = section.path
    members = [
        p
        for p in document.paragraphs
        if (p.headings == path if exact else p.headings[: len(path)] == path)
    ]
    span = section_range(section)
    crumbs = f'<div class="crumbs">{breadcrumbs(path[:-1])}</div>' if len(path) > 1 else ""
    parts = [
        f'<div class="reader section"{" data-jump" if jump else ""}>',
        # Stays at the top of the pane while reading, so the reader knows where they are.
        f'<div class="reader-head">{_reader_nav(document, position)}{crumbs}'
        f'<h2 class="reader-title">{esc(section.heading.display)} '
        f'<span class="muted small">{esc(span)}</span></h2></div>',
    ]
    current = path
    for paragraph in members:
        if paragraph.headings != current:
            deeper = paragraph.headings[len(path) :]
            if deeper:
                parts.append(f'<h3 class="subhead">{esc(deeper[-1].display)}</h3>')
            current = paragraph.headings
        is_focus = focus is not None and paragraph.ref == focus
        parts.append(_reader_paragraph(document, paragraph, is_focus, focus_item, named))
    if not members:
        parts.append('<p class="muted">No paragraphs directly under this heading.</p>')
    parts.append(_reader_nav(document, position))
    parts.append("</div>")
    return "".join(parts)


def paragraph_in_context(
    document: Document,
    ref: str | int,
    item: tuple[str, ...] | None = None,
    jump: bool = False,
    named: bool = False,
) -> str | None:
    """The section a unit belongs to ("57", "summary", "p2/text1"), with that unit marked;
    None if there is no such unit."""
    ref = str(ref)
    if ref == "summary":
        if document.summary is None:
            return None
        return (
            f'<div class="reader section"{" data-jump" if jump else ""}>'
            + f'<div class="reader-head">{_reader_nav(document, None)}'
            + '<h2 class="reader-title">Summary</h2></div>'
            + _reader_paragraph(document, document.summary, True, named=named)
            + "</div>"
        )
    paragraph = document.unit(ref)
    if paragraph is None:
        return None
    if paragraph.headings in document.headings:
        position = document.headings.index(paragraph.headings)
        return section_html(document, position, ref, item, exact=True, jump=jump, named=named)
    # A paragraph above every heading: show it with its neighbours.
    before, after = _neighbours(document, paragraph)
    shown = [p for p in (before, paragraph, after) if p is not None]
    return (
        f'<div class="reader section"{" data-jump" if jump else ""}>'
        + f'<div class="reader-head">{_reader_nav(document, None)}</div>'
        + "".join(_reader_paragraph(document, p, p is paragraph, item, named) for p in shown)
        + "</div>"
    )
