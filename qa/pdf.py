"""Text-layer PDF -> report text: running headers, footers, page numbers and hyphenation removed."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

from .errors import CorpusError

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
_NEW_BLOCK = re.compile(
    r"^(?:\d{1,4}\.\s|[IVXL]+\.\s|[A-Z]\.\s|(?:[-•]\s*)?\([a-z]{1,2}\)\s|\([ivx]{1,6}\)\s)"
)
# A line shorter than this share of a full line ends its paragraph (or is a heading).
_SHORT_LINE = 0.75


def _shape(line: str) -> str:
    """A line with its digits blurred, so "Page 3" and "Page 4" repeat as one running line."""
    return re.sub(r"\d+", "#", line.strip().lower())


def extract_pages(path: Path) -> list[list[str]]:
    """The text lines of each page, as pypdf reads them."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise CorpusError("reading PDFs needs pypdf; run: pip install -e .") from exc
    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "").splitlines() for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise CorpusError(f"cannot read PDF {path}: {exc}") from exc
    if not any(line.strip() for page in pages for line in page):
        raise CorpusError(f"{path} has no text layer (a scanned PDF?); convert it to text first")
    return pages


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and lines that repeat at the top or bottom of many pages
    (running headers and footers, the document symbol printed on every page)."""
    edge = Counter()
    for page in pages:
        lines = [ln for ln in page if ln.strip()]
        for line in {*(lines[:3]), *(lines[-3:])}:
            edge[_shape(line)] += 1
    threshold = max(2, len(pages) // 2) if len(pages) > 1 else 10**9
    running = {shape for shape, n in edge.items() if n >= threshold}
    cleaned = []
    for page in pages:
        lines = [ln.rstrip() for ln in page if ln.strip()]
        keep = []
        for n, line in enumerate(lines):
            at_edge = n < 3 or n >= len(lines) - 3
            if at_edge and (_shape(line) in running or _PAGE_NUMBER.match(line.strip())):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def join_lines(pages: list[list[str]]) -> str:
    """Rebuild blank-line separated blocks from wrapped PDF lines.

    A block starts at a paragraph number, heading label or sub-item label, and after a short
    line (the last line of a paragraph, or a heading); a page break alone never ends one.
    Words hyphenated across a line end are joined.
    """
    lines = [ln.strip() for page in pages for ln in page if ln.strip()]
    if not lines:
        return ""
    full = statistics.quantiles([len(ln) for ln in lines], n=10)[-1] if len(lines) > 1 else 80
    blocks: list[str] = []
    current = ""
    previous_short = True
    for line in lines:
        starts_block = previous_short or bool(_NEW_BLOCK.match(line))
        if starts_block and current:
            blocks.append(current)
            current = ""
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line  # "traf-" + "ficking"
        else:
            current = f"{current} {line}".strip()
        previous_short = len(line) < _SHORT_LINE * full and not line.endswith("-")
    if current:
        blocks.append(current)
    return "\n\n".join(blocks) + "\n"


_SYMBOL_LINE = re.compile(r"^[A-Z]{1,2}(?:/[A-Z0-9.]+){2,}(?:/(?:Add|Rev|Corr)\.\d+)*$")


def pdf_to_text(path: Path) -> str:
    """The report text of a text-layer PDF, ready for qa.parse.

    The document symbol printed on every page is removed with the other running lines but
    kept once at the top, where the parser reads the front matter.
    """
    pages = extract_pages(path)
    first_lines = [ln.strip() for ln in pages[0][:6]] if pages else []
    symbol = next((ln for ln in first_lines if _SYMBOL_LINE.match(ln)), None)
    text = join_lines(strip_running_lines(pages))
    if symbol and not text.startswith(symbol):
        text = f"{symbol}\n\n{text}"
    return text
