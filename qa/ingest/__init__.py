"""Documents in, Documents out: PDF, plain text or Markdown -> a Document of citable units.

The readers, in the order a PDF goes through them: `pdf` (positioned lines), `masthead`
(symbol, date, title, kind, organ), `layout` (running headers, footnotes, tables, blocks),
`paragraphs` (numbered paragraphs, annexes, preamble, unnumbered text). Plain text goes
through `text` (front matter and blocks), then `paragraphs`.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ..document import PARAGRAPH, Document
from ..errors import CorpusError
from .masthead import (
    front_lines,
    kind_of,
    organ_of,
    read_masthead,
    split_symbols,
    symbol_from_filename,
)
from .paragraphs import footnote_units, read_body

# Bump whenever reading changes what comes out, so built indexes are seen as stale.
PARSER_VERSION = "10"

DOCUMENT_SUFFIXES = (".txt", ".md", ".pdf")

_ODS_ERROR = "The document you are looking for does not exist"


class ParseError(ValueError):
    """The text holds nothing to search."""


def parse(raw: str, doc_id: str = "report", filename: str | None = None) -> Document:
    """A document from plain text or Markdown (a UN report converted to text)."""
    from .text import front_matter, split_blocks

    blocks = split_blocks(raw)
    meta, start = front_matter(blocks)
    body = read_body(blocks[start:])
    if not body.units and body.summary is None:
        raise ParseError("no text found (expected paragraphs separated by blank lines)")
    symbol = meta.get("symbol") or (symbol_from_filename(filename) if filename else None)
    numbered = any(u.kind == PARAGRAPH for u in body.units)
    return Document(
        doc_id=doc_id,
        title=meta.get("title") or doc_id,
        date=meta.get("date"),
        session=meta.get("session"),
        agenda_item=meta.get("agenda_item"),
        symbol=symbol,
        summary=body.summary,
        paragraphs=tuple(body.units),
        headings=tuple(body.headings),
        symbols=split_symbols(symbol) if symbol else (),
        date_iso=meta.get("date_iso") or None,
        kind=kind_of(symbol, meta.get("title"), meta.get("subtitle"), numbered),
        organ=organ_of(symbol),
        subtitle=meta.get("subtitle"),
        source=filename,
    )


def read_pdf(path: Path, doc_id: str | None = None) -> Document:
    """A document from a text-layer PDF."""
    from .layout import body_size, lay_out
    from .pdf import read_pages

    pages = read_pages(path)
    if not any(page.lines for page in pages):
        raise CorpusError(
            f"{path.name} has no text layer (a scanned PDF?); run it through OCR first "
            "(e.g. `ocrmypdf in.pdf out.pdf`) and add the result"
        )
    first_text = " ".join(line.text for line in pages[0].lines[:8])
    if _ODS_ERROR in first_text and len(pages) == 1:
        raise CorpusError(
            f"{path.name} is the UN documents site's 'document does not exist' page, not a "
            "document; download the document again"
        )
    size = body_size(pages)
    head = read_masthead(pages, size, path.name)
    if head.title is None:
        # No type to go by (a PDF set in one plain font): read page 1's lines above the first
        # chapter or paragraph as plain text's front matter would be.
        from .text import read_front_matter

        lines = [line for line in pages[0].lines if line.text.strip()]
        start = next(
            (n for n, ln in enumerate(lines) if re.match(r"^(?:1\.|[IVX]+\.)\s", ln.text)),
            0,
        )
        meta = read_front_matter(front_lines(lines[:start], pages[0].height))
        head.title = meta.get("title")
        head.subtitle = head.subtitle or meta.get("subtitle")
        head.date = head.date or meta.get("date")
        head.date_iso = head.date_iso or meta.get("date_iso") or None
        head.used.update((ln.page, ln.top, ln.x0) for ln in lines[:start])
    layout = lay_out(pages, list(head.symbols), skip=head.used)
    if not any(line.bold for page in pages for line in page.lines):
        # A PDF set without bold type says nothing by weight: judge headings by their words.
        layout.blocks = [dataclasses.replace(block, bold=None) for block in layout.blocks]
    footnotes = footnote_units(layout.footnotes)
    body = read_body(layout.blocks, layout.body_size, footnotes)
    units = body.units + footnotes
    if not units and body.summary is None:
        raise CorpusError(f"{path.name} holds no text below its masthead")
    numbered = any(u.kind == PARAGRAPH for u in units)
    return Document(
        doc_id=doc_id or path.stem,
        title=head.title or (head.symbol or path.stem),
        date=head.date,
        session=head.session,
        agenda_item=head.agenda_item,
        symbol=head.symbol,
        summary=body.summary,
        paragraphs=tuple(units),
        headings=tuple(body.headings),
        symbols=head.symbols,
        date_iso=head.date_iso,
        kind=kind_of(head.symbol, head.title, f"{head.subtitle or ''}\n{head.kicker}", numbered),
        organ=head.organ,
        subtitle=head.subtitle,
        pages=len(pages),
        source=path.name,
    )


def read_document(path: Path, doc_id: str | None = None) -> Document:
    """Any supported file -> Document; a CorpusError says why a file cannot be read."""
    path = Path(path)
    doc_id = doc_id or path.stem
    if path.suffix.lower() == ".pdf":
        return read_pdf(path, doc_id)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name} is not UTF-8 text ({exc}); convert it to UTF-8") from exc
    if not raw.strip():
        raise CorpusError(f"{path.name} is empty")
    try:
        return parse(raw, doc_id=doc_id, filename=path.name)
    except ParseError as exc:
        raise CorpusError(f"cannot parse {path.name}: {exc}") from exc


def doc_id_for(path: Path) -> str:
    """A document's id: its file name without extension (and without a language tag such as
    ".en" before it)."""
    stem = Path(path).stem
    return re.sub(r"\.(?:en|fr|es|ar|ru|zh)$", "", stem)
