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
    aside: bool = False  # set in a box beside the running text (found by the layout)


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]


# A piece of a line as a plain tuple (text, x0, x1, top, baseline, size, bold): the characters
# of one text object (one font, one baseline) in a row, or one space pdfium put between two.
# Pages hold thousands of them, and tuples are the cheapest record Python builds. A space
# between pieces has size 0.
_Piece = tuple
_TEXT, _X0, _X1, _TOP, _BASE, _SIZE, _BOLD = range(7)


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
            pieces = _pieces(raw, textpage, height)
        finally:
            textpage.close()
    finally:
        page.close()
    lines = [line for group in _split_lines(pieces) if (line := _line(group, index + 1))]
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
        self.count_rects = bind(raw.FPDFText_CountRects, c_int, vp, c_int, c_int)
        self.get_rect = bind(raw.FPDFText_GetRect, c_int, vp, c_int, dp, dp, dp, dp)
        self.buffer = (ctypes.c_double * 6)()
        base = ctypes.addressof(self.buffer)
        self.slots = [ctypes.cast(base + 8 * k, dp) for k in range(6)]

    @classmethod
    def get(cls, raw) -> _Calls:
        if cls._cached is None:
            cls._cached = cls(raw)
        return cls._cached


def _pieces(raw, textpage, height: float) -> list[_Piece | None]:
    """The page's text as pieces with box, baseline, size and weight; None marks a line break.

    Size, weight and baseline belong to a text object (a run in one font on one baseline),
    and pdfium's rectangle over a range of one object's characters is their box, so only
    which object each character belongs to is asked character by character; a rotated or
    unowned character is placed on its own."""
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters outside the BMP: ask for each one
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(count))
    text = text.replace("\x02", "\ufffe")  # pdfium's mark for a hyphen at a line end
    calls = _Calls.get(raw)
    address = ctypes.cast(handle, ctypes.c_void_p).value
    text_object = calls.text_object
    left, right, bottom, top, ox, oy = calls.slots
    values = calls.buffer
    matrix = raw.FS_MATRIX()
    out: list[_Piece | None] = []
    # Per text object: (size, bold, baseline or None when its characters are rotated).
    styles: dict[int, tuple[float, bool, float | None]] = {}
    run_key = 0  # the object of the run being gathered, 0 when none
    run_start = run_end = 0  # its characters: text[run_start:run_end]

    def close_run() -> None:
        style = styles[run_key]
        rects = calls.count_rects(address, run_start, run_end - run_start)
        if rects < 1:
            return
        calls.get_rect(address, 0, left, top, right, bottom)
        x0, x1, y1 = values[0], values[1], values[3]
        for r in range(1, rects):
            calls.get_rect(address, r, left, top, right, bottom)
            x0, x1, y1 = min(x0, values[0]), max(x1, values[1]), max(y1, values[3])
        piece = text[run_start:run_end].rstrip()
        out.append((piece, x0, x1, height - y1, style[2], style[0], style[1]))

    for i, ch in enumerate(text):
        if ch in "\r\n":
            if run_key:
                close_run()
                run_key = 0
            if ch == "\n" or (i + 1 < count and text[i + 1] != "\n"):
                out.append(None)
            continue
        if ch.isspace():
            continue  # inside a run, or a space of its own once the run closes
        key = text_object(address, i) or 0
        if key == run_key:
            run_end = i + 1
            continue
        if run_key:
            close_run()
            run_key = 0
        if out and out[-1] is not None and i > 0 and text[i - 1].isspace():
            out.append((" ", 0.0, 0.0, 0.0, 0.0, 0.0, False))
        style = styles.get(key)
        if style is None:
            size, bold = _style(raw, handle, i, matrix)
            calls.char_origin(address, i, ox, oy)
            upright = key != 0 and abs(raw.FPDFText_GetCharAngle(handle, i)) < 0.01
            style = styles[key] = (max(size, 0.1), bold, height - values[5] if upright else None)
        if style[2] is None:  # rotated, or not in an object: this character alone
            calls.char_box(address, i, left, right, bottom, top)
            x0, x1, y1 = values[0], values[1], values[3]
            calls.char_origin(address, i, ox, oy)
            out.append((ch, x0, x1, height - y1, height - values[5], style[0], style[1]))
            continue
        run_key, run_start, run_end = key, i, i + 1
    if run_key:
        close_run()
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


def _split_lines(pieces: list[_Piece | None]) -> list[list[_Piece]]:
    """Group pieces into lines at pdfium's line breaks, and wherever the baseline drops by
    more than a line while x goes back (a break pdfium did not mark, e.g. after a hyphen it
    joined)."""
    lines: list[list[_Piece]] = []
    current: list[_Piece] = []
    last: _Piece | None = None  # the last visible piece of the current line
    for piece in pieces:
        if piece is None:
            if current:
                lines.append(current)
                current = []
            last = None
            continue
        if piece[_SIZE]:
            if (
                last is not None
                and piece[_BASE] - last[_BASE] > 0.8 * max(piece[_SIZE], last[_SIZE], 1.0)
                and (piece[_X0] < _last_x0(last) or last[_TEXT].endswith("\ufffe"))
            ):
                lines.append(current)
                current = []
            last = piece
        current.append(piece)
    if current:
        lines.append(current)
    return lines


def _last_x0(piece: _Piece) -> float:
    """Where the piece's last character starts (characters taken as equally wide)."""
    return piece[_X1] - (piece[_X1] - piece[_X0]) / max(len(piece[_TEXT]), 1)


# Characters a superscript footnote marker is made of.
_MARKER_CHARS = frozenset("0123456789*†‡§abcdefghij,")


def _line(pieces: list[_Piece], page: int) -> Line | None:
    visible = [p for p in pieces if p[_SIZE]]
    if not visible:
        return None
    sizes = {p[_SIZE] for p in visible}
    if len(sizes) == 1:
        size = visible[0][_SIZE]
        normal = visible
    else:
        weight: Counter = Counter()
        for p in visible:
            weight[p[_SIZE]] += len(p[_TEXT]) - p[_TEXT].count(" ")
        size = weight.most_common(1)[0][0]
        normal = [p for p in visible if p[_SIZE] >= 0.85 * size] or visible
    bases = {p[_BASE] for p in normal}
    if len(bases) == 1:
        base = normal[0][_BASE]
    else:
        base = statistics.median(b for p in normal for b in [p[_BASE]] * len(p[_TEXT]))
    markers: list[str] = []
    text: list[str] = []
    marker = ""
    for p in pieces:
        raised = p[_SIZE] and p[_SIZE] < 0.85 * size and base - p[_BASE] > 0.12 * size
        if not raised:
            if marker:
                markers.append(marker)
                marker = ""
            text.append(p[_TEXT])
            continue
        for ch in p[_TEXT]:  # a raised piece: its marker characters are set apart
            if ch in _MARKER_CHARS:
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
    chars = [len(p[_TEXT]) - p[_TEXT].count(" ") for p in normal]
    bold = sum(n for p, n in zip(normal, chars) if p[_BOLD]) > sum(chars) / 2
    return Line(
        text=line_text,
        page=page,
        x0=min(p[_X0] for p in visible),
        x1=max(p[_X1] for p in visible),
        top=min(p[_TOP] for p in visible),
        baseline=base,
        size=size,
        bold=bold,
        markers=tuple(markers),
        hyphenated=hyphenated and line_text.endswith("-"),
    )
