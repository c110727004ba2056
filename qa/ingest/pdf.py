"""Text-layer PDF -> pages of positioned text lines (pypdfium2), superscript markers set apart."""

from __future__ import annotations

import ctypes
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError

# Work per file is bounded: a PDF beyond these is refused before its text is read.
MAX_PAGES = 2000
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    """One printed line: its text (superscripts removed), where it sits, and its type.

    Coordinates are points from the page's top-left corner; `baseline` is the y of the text's
    baseline, `top` of its tallest character.
    """

    text: str
    page: int
    x0: float
    x1: float
    top: float
    baseline: float
    size: float
    bold: bool = False
    markers: tuple[str, ...] = ()  # superscript footnote markers removed from the text
    hyphenated: bool = False  # ends in a hyphen the PDF marks as a line-end break


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]


class _Char:
    __slots__ = ("ch", "x0", "x1", "top", "base", "size", "bold")

    def __init__(self, ch, x0, x1, top, base, size, bold):
        self.ch, self.x0, self.x1, self.top, self.base, self.size, self.bold = (
            ch,
            x0,
            x1,
            top,
            base,
            size,
            bold,
        )


def open_pdf(path: Path):
    """The pdfium document, or a CorpusError saying why it cannot be read."""
    import pypdfium2 as pdfium

    size = path.stat().st_size
    if size == 0:
        raise CorpusError(f"{path.name} is empty (0 bytes)")
    if size > MAX_BYTES:
        raise CorpusError(
            f"{path.name} is {size // 2**20} MB; qa reads PDFs up to {MAX_BYTES // 2**20} MB"
        )
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise CorpusError(f"{path.name} is encrypted (password-protected)") from exc
        raise CorpusError(f"{path.name} is not a readable PDF ({message})") from exc
    if len(document) > MAX_PAGES:
        pages = len(document)
        document.close()
        raise CorpusError(f"{path.name} has {pages} pages; qa reads PDFs up to {MAX_PAGES}")
    return document


def read_pages(path: Path) -> list[Page]:
    """Every page's lines, in the order the PDF sets them."""
    document = open_pdf(path)
    try:
        return [_read_page(document, n) for n in range(len(document))]
    finally:
        document.close()


def _read_page(document, index: int) -> Page:
    import pypdfium2.raw as raw

    page = document[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            chars = _chars(raw, textpage, height)
        finally:
            textpage.close()
    finally:
        page.close()
    lines = [line for group in _split_lines(chars) if (line := _line(group, index + 1))]
    return Page(index + 1, width, height, tuple(lines))


def _chars(raw, textpage, height: float) -> list[_Char | None]:
    """The page's characters with box, baseline, size and weight; None marks a line break."""
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters outside the BMP: ask for each one
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(count))
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    ox, oy = ctypes.c_double(), ctypes.c_double()
    matrix = raw.FS_MATRIX()
    out: list[_Char | None] = []
    # Size and weight are properties of the text object (a run in one font): read once per run.
    styles: dict[int, tuple[float, bool]] = {}
    for i, ch in enumerate(text):
        if ch in "\r\n":
            if ch == "\n" or (i + 1 < count and text[i + 1] != "\n"):
                out.append(None)
            continue
        if ch == "\x02":  # pdfium's mark for a hyphen at a line end
            ch = "\ufffe"
        obj = raw.FPDFText_GetTextObject(handle, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        style = styles.get(key)
        if style is None:
            style = styles[key] = _style(raw, handle, i, matrix)
        raw.FPDFText_GetCharBox(handle, i, left, right, bottom, top)
        raw.FPDFText_GetCharOrigin(handle, i, ox, oy)
        if ch.isspace() and right.value <= left.value:
            x0 = x1 = ox.value
        else:
            x0, x1 = left.value, right.value
        out.append(_Char(ch, x0, x1, height - top.value, height - oy.value, *style))
    return out


def _style(raw, handle, index: int, matrix) -> tuple[float, bool]:
    """(size in points as printed, bold) of the character's text object. The nominal font size
    is scaled by the text matrix: some PDFs set every font at size 1 and scale it."""
    size = raw.FPDFText_GetFontSize(handle, index)
    if raw.FPDFText_GetMatrix(handle, index, matrix):
        scale = (matrix.c**2 + matrix.d**2) ** 0.5
        if scale > 0 and abs(scale - 1.0) > 0.01 and size <= 2.0:
            size *= scale
    return round(size, 1), raw.FPDFText_GetFontWeight(handle, index) >= 600


def _split_lines(chars: list[_Char | None]) -> list[list[_Char]]:
    """Group characters into lines at pdfium's line breaks, and wherever the baseline drops
    by more than a line while x goes back (a break pdfium did not mark, e.g. after a
    hyphen it joined)."""
    lines: list[list[_Char]] = []
    current: list[_Char] = []
    for c in chars:
        if c is None:
            if current:
                lines.append(current)
                current = []
            continue
        if current and not c.ch.isspace():
            last = next((p for p in reversed(current) if not p.ch.isspace()), None)
            if (
                last is not None
                and c.base - last.base > 0.8 * max(c.size, last.size, 1.0)
                and (c.x0 < last.x0 or last.ch == "\ufffe")
            ):
                lines.append(current)
                current = []
        current.append(c)
    if current:
        lines.append(current)
    return lines


def _line(chars: list[_Char], page: int) -> Line | None:
    visible = [c for c in chars if not c.ch.isspace()]
    if not visible:
        return None
    size = Counter(c.size for c in visible).most_common(1)[0][0]
    normal = [c for c in visible if c.size >= 0.85 * size] or visible
    base = statistics.median(c.base for c in normal)
    text: list[str] = []
    markers: list[str] = []
    marker = ""
    hyphenated = False
    for c in chars:
        raised = (
            not c.ch.isspace()
            and c.size < 0.85 * size
            and base - c.base > 0.12 * size
            and (c.ch.isdigit() or c.ch in "*†‡§abcdefghij,")
        )
        if raised:
            if c.ch != ",":
                marker += c.ch
            continue
        if marker:
            markers.append(marker)
            marker = ""
        if c.ch == "\ufffe":
            hyphenated = True
            text.append("-")
            continue
        text.append(c.ch)
    if marker:
        markers.append(marker)
    line_text = " ".join("".join(text).split())
    if not line_text:
        return None
    bold = sum(c.bold for c in normal) > len(normal) / 2
    return Line(
        text=line_text,
        page=page,
        x0=min(c.x0 for c in visible),
        x1=max(c.x1 for c in visible),
        top=min(c.top for c in visible),
        baseline=base,
        size=size,
        bold=bold,
        markers=tuple(markers),
        hyphenated=hyphenated and line_text.endswith("-"),
    )
