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


# A character as a plain tuple (ch, x0, x1, top, baseline, size, bold): pages hold hundreds
# of thousands of them, and tuples are the cheapest record Python builds. A space has size 0.
_Char = tuple
_CH, _X0, _X1, _TOP, _BASE, _SIZE, _BOLD = range(7)


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


class _Calls:
    """pdfium's per-character calls with plain ctypes signatures (handles as integers): the
    generated bindings wrap each returned handle in a pointer object and convert each
    argument, which costs more than the call itself over a page's thousands of characters."""

    _cached: _Calls | None = None

    def __init__(self, raw) -> None:
        vp, dp, c_int = ctypes.c_void_p, ctypes.POINTER(ctypes.c_double), ctypes.c_int

        def bind(function, restype, *argtypes):
            address = ctypes.cast(function, vp).value
            return ctypes.CFUNCTYPE(restype, *argtypes)(address)

        self.text_object = bind(raw.FPDFText_GetTextObject, vp, vp, c_int)
        self.char_box = bind(raw.FPDFText_GetCharBox, c_int, vp, c_int, dp, dp, dp, dp)
        self.char_origin = bind(raw.FPDFText_GetCharOrigin, c_int, vp, c_int, dp, dp)
        self.buffer = (ctypes.c_double * 6)()
        base = ctypes.addressof(self.buffer)
        self.slots = [ctypes.cast(base + 8 * k, dp) for k in range(6)]

    @classmethod
    def get(cls, raw) -> _Calls:
        if cls._cached is None:
            cls._cached = cls(raw)
        return cls._cached


def _chars(raw, textpage, height: float) -> list[_Char | None]:
    """The page's characters with box, baseline, size and weight; None marks a line break.

    Size, weight and baseline are properties of the text object (a run in one font on one
    baseline), so they are read once per object; only a rotated object's characters are
    placed one by one. Spaces carry no position (nothing downstream measures them)."""
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters outside the BMP: ask for each one
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(count))
    calls = _Calls.get(raw)
    address = ctypes.cast(handle, ctypes.c_void_p).value
    text_object, char_box, char_origin = calls.text_object, calls.char_box, calls.char_origin
    left, right, bottom, top, ox, oy = calls.slots
    values = calls.buffer
    matrix = raw.FS_MATRIX()
    out: list[_Char | None] = []
    # Per text object: (size, bold, baseline or None when its characters are rotated).
    styles: dict[int, tuple[float, bool, float | None]] = {}
    for i, ch in enumerate(text):
        if ch in "\r\n":
            if ch == "\n" or (i + 1 < count and text[i + 1] != "\n"):
                out.append(None)
            continue
        if ch.isspace():
            out.append((ch, 0.0, 0.0, 0.0, 0.0, 0.0, False))
            continue
        if ch == "\x02":  # pdfium's mark for a hyphen at a line end
            ch = "\ufffe"
        key = text_object(address, i) or 0
        style = styles.get(key)
        if style is None:
            size, bold = _style(raw, handle, i, matrix)
            char_origin(address, i, ox, oy)
            upright = key != 0 and abs(raw.FPDFText_GetCharAngle(handle, i)) < 0.01
            style = styles[key] = (max(size, 0.1), bold, height - values[5] if upright else None)
        char_box(address, i, left, right, bottom, top)
        base = style[2]
        if base is None:
            char_origin(address, i, ox, oy)
            base = height - values[5]
        out.append((ch, values[0], values[1], height - values[3], base, style[0], style[1]))
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
    last: _Char | None = None  # the last visible character of the current line
    for c in chars:
        if c is None:
            if current:
                lines.append(current)
                current = []
            last = None
            continue
        if c[_SIZE]:
            if (
                last is not None
                and c[_BASE] - last[_BASE] > 0.8 * max(c[_SIZE], last[_SIZE], 1.0)
                and (c[_X0] < last[_X0] or last[_CH] == "\ufffe")
            ):
                lines.append(current)
                current = []
            last = c
        current.append(c)
    if current:
        lines.append(current)
    return lines


def _line(chars: list[_Char], page: int) -> Line | None:
    visible = [c for c in chars if c[_SIZE]]
    if not visible:
        return None
    sizes = {c[_SIZE] for c in visible}
    if len(sizes) == 1:
        size = visible[0][_SIZE]
        normal = visible
    else:
        size = Counter(c[_SIZE] for c in visible).most_common(1)[0][0]
        normal = [c for c in visible if c[_SIZE] >= 0.85 * size] or visible
    bases = {c[_BASE] for c in normal}
    base = bases.pop() if len(bases) == 1 else statistics.median(c[_BASE] for c in normal)
    markers: list[str] = []
    if len(sizes) == 1:  # one size: nothing is a superscript
        raw_text = "".join(c[_CH] for c in chars)
    else:
        text: list[str] = []
        marker = ""
        for c in chars:
            ch = c[_CH]
            raised = (
                c[_SIZE]
                and c[_SIZE] < 0.85 * size
                and base - c[_BASE] > 0.12 * size
                and (ch.isdigit() or ch in "*†‡§abcdefghij,")
            )
            if raised:
                if ch != ",":
                    marker += ch
                continue
            if marker:
                markers.append(marker)
                marker = ""
            text.append(ch)
        if marker:
            markers.append(marker)
        raw_text = "".join(text)
    hyphenated = "\ufffe" in raw_text
    line_text = " ".join(raw_text.replace("\ufffe", "-").split())
    if not line_text:
        return None
    bold = sum(c[_BOLD] for c in normal) > len(normal) / 2
    return Line(
        text=line_text,
        page=page,
        x0=min(c[_X0] for c in visible),
        x1=max(c[_X1] for c in visible),
        top=min(c[_TOP] for c in visible),
        baseline=base,
        size=size,
        bold=bold,
        markers=tuple(markers),
        hyphenated=hyphenated and line_text.endswith("-"),
    )
