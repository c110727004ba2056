"""Compare four PDF text extractors on real UN documents: speed, failures and fidelity.

Reads every PDF in a folder with pypdf, pypdfium2, pdfplumber (pdfminer.six) and PyMuPDF and
prints one markdown table, a row per extractor:

- speed, single thread: plain text extraction (seconds, pages/s), and pages/s when the char
  positions and font sizes are read too (what dropping superscript footnote markers and
  detecting footnotes and running headers needs);
- failures: exceptions, timeouts, empty pages that the other extractors read;
- fidelity without hand labels: words the majority of extractors do not produce (glued or split
  words), agreement with the majority per page, hyphenation fragments and special characters,
  reading order on two-column pages, running headers as strippable lines, superscript footnote
  markers glued to words, table rows kept on one line.

The layout measures are checked against the page geometry, read from pypdfium2's char boxes
(the chars' positions, not pypdfium2's reading order), so they are fair to every extractor.
Each extractor runs in its own worker process, one file and one process at a time (the four
take turns on each file, so changes in machine load hit them alike), with a per-file time
limit: a hostile file is recorded as a timeout and cannot hang the run.
No hand labels and no imports from the qa package: run it from the project folder with the
project's venv (pdfplumber and PyMuPDF are not project dependencies; pip install them there):

    python benchmarks/extractors.py                          # ../shared/un2025, every file
    python benchmarks/extractors.py --sample 60              # pdfplumber on 60 files only
    python benchmarks/extractors.py --limit 20 --folder DIR  # a quick look at 20 files
    python benchmarks/extractors.py --json benchmarks/results/extractors.json

Exit status 2 when the folder is absent.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import logging
import math
import multiprocessing as mp
import os
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = PROJECT.parent / "shared" / "un2025"
EXTRACTORS = ("pypdf", "pypdfium2", "pdfplumber", "pymupdf")
SLOW = ("pdfplumber",)  # --sample applies to these
LICENCES = {
    "pypdf": "BSD-3-Clause",
    "pypdfium2": "Apache-2.0 / BSD-3 (PDFium: BSD-3 / Apache-2.0)",
    "pdfplumber": "MIT (pdfminer.six: MIT)",
    "pymupdf": "**AGPL-3.0** or commercial (Artifex)",
}
# Imported before the clock starts, so the first file does not pay for them.
MODULES = {
    "pypdf": "pypdf",
    "pypdfium2": "pypdfium2.raw",
    "pdfplumber": "pdfplumber",
    "pymupdf": "pymupdf",
}
# What "positions" reads for each extractor.
POSITIONS_API = {
    "pypdf": "page.extract_text(visitor_text=...)",
    "pypdfium2": "raw FPDFText_GetUnicode/GetFontSize/GetCharBox/GetCharOrigin",
    "pdfplumber": "page.chars",
    "pymupdf": 'page.get_text("dict") without images',
}
STARTUP_TIMEOUT = 300.0  # seconds for a worker to start Python and import its library
MEMORY_LIMIT = 8 * 2**30  # per worker; a memory bomb fails with MemoryError instead
WORD = re.compile(r"[^\W\d_]+")
# Marks some extractors put for a hyphen at a line end (pdfium: U+FFFE, lines joined).
HYPHEN_MARKS = "\u00ad\ufffe\u0002"
# A word broken after a hyphen at a line end, "capacity-" + newline + "building".
LINE_END_HYPHEN = re.compile(r"([^\W\d_]+)-[ \t]*\r?\n[ \t]*([^\W\d_]+)")
# The same broken word joined on one line with a mark: "capacity\ufffebuilding".
MARKED_HYPHEN = re.compile(r"([^\W\d_]+)[" + HYPHEN_MARKS + r"]\s*([^\W\d_]+)")
LABEL = re.compile(r"^(?:\d{1,3}\.?|\([a-z]{1,4}\)|[a-z]\.|[IVXL]+\.|[A-Z]\.|[•\-–—])$")
SPECIALS: dict[str, Callable[[str], bool]] = {
    "U+FFFE": lambda ch: ch == "\ufffe",
    "soft hyphen": lambda ch: ch == "\u00ad",
    "ligature": lambda ch: "\ufb00" <= ch <= "\ufb06",
    "private use": lambda ch: "\ue000" <= ch <= "\uf8ff",
    "U+FFFD": lambda ch: ch == "\ufffd",
    "control": lambda ch: ch < " " and ch not in "\t\r\n\f",
}


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageReference:
    """What the page geometry says, to check each extractor's text against."""

    running: tuple[str, ...]  # running header/footer items on this page (normalized)
    markers: tuple[tuple[str, str], ...]  # superscript footnote markers: ("2024,", "1")
    left: frozenset[str]  # words only in the left column (two-column pages)
    right: frozenset[str]  # words only in the right column
    rows: tuple[tuple[str, ...], ...]  # table rows: normalized cell texts, left to right


@dataclass
class FileRun:
    """One extractor on one file, in one mode."""

    file: str
    pages: int = 0
    seconds: float = 0.0  # CPU time of the worker process (other load on the machine aside)
    wall: float = 0.0
    items: int = 0  # positions mode: chars or spans read
    texts: list[str] | None = None  # plain mode: the text of each page
    error: str | None = None
    reference: list[PageReference] | None = None


@dataclass
class Speed:
    files: int = 0
    pages: int = 0
    seconds: float = 0.0
    wall: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# --- extraction: runs in the worker process -----------------------------------------------


def plain_pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def plain_pypdfium2(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    try:
        texts = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def plain_pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    texts = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            page.close()
    return texts


def plain_pymupdf(path: Path) -> list[str]:
    import pymupdf

    with pymupdf.open(path) as doc:
        return [page.get_text() for page in doc]


Char = tuple[str, float, float, float, float, float, float]  # text, size, l, b, r, t, origin y


def positions_pypdf(path: Path) -> tuple[int, int, object]:
    from pypdf import PdfReader

    items: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text:
            items.append((text, tm[4], tm[5], size))

    reader = PdfReader(path)
    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return len(reader.pages), len(items), None


def positions_pypdfium2(path: Path) -> tuple[int, int, object]:
    pages = pdfium_chars(path)
    return len(pages), sum(map(len, pages)), None


def pdfium_chars(path: Path, real_only: bool = False) -> list[list[Char]]:
    """Each page's chars with font size, box and baseline; real_only keeps the upright chars
    the PDF draws, as the geometry needs (pdfium adds spaces and line breaks of its own, and
    landscape tables are drawn rotated on portrait pages)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    pages: list[list[Char]] = []
    doc = pdfium.PdfDocument(path)
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            chars: list[Char] = []
            for i in range(raw.FPDFText_CountChars(textpage)):
                if real_only and (
                    raw.FPDFText_IsGenerated(textpage, i) == 1
                    or abs(math.sin(raw.FPDFText_GetCharAngle(textpage, i))) > 0.1
                ):
                    continue
                size = raw.FPDFText_GetFontSize(textpage, i)
                raw.FPDFText_GetCharBox(textpage, i, left, right, bottom, top)
                raw.FPDFText_GetCharOrigin(textpage, i, origin_x, origin_y)
                chars.append(
                    (
                        chr(raw.FPDFText_GetUnicode(textpage, i)),
                        size,
                        left.value,
                        bottom.value,
                        right.value,
                        top.value,
                        origin_y.value,
                    )
                )
            pages.append(chars)
            textpage.close()
            page.close()
    finally:
        doc.close()
    return pages


def positions_pdfplumber(path: Path) -> tuple[int, int, object]:
    import pdfplumber

    count = pages = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = [(c["text"], c["x0"], c["top"], c["x1"], c["size"]) for c in page.chars]
            count += len(chars)
            pages += 1
            page.close()
    return pages, count, None


def positions_pymupdf(path: Path) -> tuple[int, int, object]:
    import pymupdf

    count = 0
    flags = pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES  # images cost 2-3x here
    with pymupdf.open(path) as doc:
        for page in doc:
            for block in page.get_text("dict", flags=flags)["blocks"]:
                for line in block.get("lines", ()):
                    spans = [(s["text"], s["bbox"], s["size"]) for s in line["spans"]]
                    count += len(spans)
        return len(doc), count, None


PLAIN: dict[str, Callable[[Path], list[str]]] = {
    "pypdf": plain_pypdf,
    "pypdfium2": plain_pypdfium2,
    "pdfplumber": plain_pdfplumber,
    "pymupdf": plain_pymupdf,
}
POSITIONS: dict[str, Callable[[Path], tuple[int, int, object]]] = {
    "pypdf": positions_pypdf,
    "pypdfium2": positions_pypdfium2,
    "pdfplumber": positions_pdfplumber,
    "pymupdf": positions_pymupdf,
}


def worker(conn: Connection, extractor: str, mode: str) -> None:
    """Serve one extractor in one mode: receive a path, send back a FileRun; None ends."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)  # pypdf and pdfminer log every odd object
    importlib.import_module(MODULES[extractor])
    conn.send("ready")
    while (name := conn.recv()) is not None:
        path = Path(name)
        run = FileRun(path.name)
        try:
            start, cpu = time.perf_counter(), time.process_time()
            if mode == "plain":
                run.texts = PLAIN[extractor](path)
                run.pages = len(run.texts)
            else:
                run.pages, run.items, _ = POSITIONS[extractor](path)
            run.seconds = time.process_time() - cpu
            run.wall = time.perf_counter() - start
            if mode == "positions" and extractor == "pypdfium2":  # the geometry, untimed
                run.reference = build_reference(pdfium_chars(path, real_only=True))
        except Exception as exc:  # any failure of a library is a result here
            run.error = f"{type(exc).__name__}: {exc}"[:300]
        conn.send(run)


class Worker:
    """One extractor in one mode, in its own process; a file over the time limit (or a
    crash) ends the process, and the next file starts a fresh one."""

    def __init__(self, extractor: str, mode: str, timeout: float) -> None:
        self.extractor, self.mode, self.timeout = extractor, mode, timeout
        self.process: mp.process.BaseProcess | None = None
        self.conn: Connection | None = None

    def run(self, path: Path) -> FileRun:
        try:
            conn = self.conn if self.conn is not None else self.start()
            conn.send(str(path))
            if conn.poll(self.timeout):
                return conn.recv()
            error = f"timeout ({self.timeout:g} s)"
        except (EOFError, OSError) as exc:
            error = f"worker crashed ({exc})" if str(exc) else "worker crashed"
        if self.process is not None:
            self.process.kill()
            self.process.join()
        self.close()
        return FileRun(path.name, error=error)

    def start(self) -> Connection:
        context = mp.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker, args=(child, self.extractor, self.mode), daemon=True
        )
        self.process.start()
        child.close()
        # Starting Python and importing the library is not the file's time.
        if not self.conn.poll(STARTUP_TIMEOUT) or self.conn.recv() != "ready":
            raise OSError("the worker did not start")
        return self.conn

    def close(self) -> None:
        if self.conn is not None and self.process is not None and self.process.is_alive():
            self.conn.send(None)
            self.process.join(10)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None


def run_all(
    files: Sequence[Path], sample: Sequence[Path], timeout: float
) -> dict[tuple[str, str], dict[str, FileRun]]:
    """Each file through every extractor in both modes, one process at a time; taking the
    extractors in turn on each file spreads changes in machine load evenly over them."""
    jobs = [(name, mode) for mode in ("plain", "positions") for name in EXTRACTORS]
    workers = {job: Worker(*job, timeout) for job in jobs}
    runs: dict[tuple[str, str], dict[str, FileRun]] = {job: {} for job in jobs}
    sampled = {path.name for path in sample}
    try:
        for number, path in enumerate(files, 1):
            print(f"\r  {number}/{len(files)} {path.name[:50]:50}", end="", file=sys.stderr)
            for job in jobs:
                if job[0] in SLOW and path.name not in sampled:
                    continue
                runs[job][path.name] = workers[job].run(path)
    finally:
        for each in workers.values():
            each.close()
        print(file=sys.stderr)
    return runs


# --- the page geometry (from pypdfium2 char boxes) ------------------------------------------


def normalize(text: str) -> str:
    """Text for matching across extractors: NFKC, lower case, no spaces or hyphen marks."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace() and ch not in HYPHEN_MARKS)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@dataclass
class Segment:
    left: float
    right: float
    text: str


def _size(char: Char) -> float:
    # Some PDFs set the size in the text matrix and report 1 pt; the glyph box says more.
    return char[1] if char[1] > 2 else max(char[5] - char[3], 1.0) / 0.7


def page_lines(chars: Sequence[Char]) -> list[list[Char]]:
    """Glyphs and the PDF's own spaces grouped into lines by height on the page, top first,
    each line sorted left to right."""
    kept = [c for c in chars if (c[0] == " " or c[0].strip()) and c[4] > c[2]]
    kept.sort(key=lambda c: -(c[6] + 0.3 * c[1]))
    lines: list[list[Char]] = []
    anchor = anchor_size = 0.0
    for char in kept:
        centre = char[6] + 0.3 * char[1]
        # A superscript's centre sits about 0.2 em above the line's: within half an em.
        if lines and anchor - centre <= 0.5 * max(anchor_size, char[1]):
            lines[-1].append(char)
            anchor_size = max(anchor_size, char[1])
        else:
            lines.append([char])
            anchor, anchor_size = centre, char[1]
    for line in lines:
        line.sort(key=lambda c: c[2])
    return [line for line in lines if any(c[0] != " " for c in line)]


def segments(line: Sequence[Char]) -> list[Segment]:
    """A line cut into segments (cells) at gaps over 0.9 em that hold no space char:
    justified text spaces words that widely too, but puts the PDF's spaces in its gaps."""
    result: list[Segment] = []
    previous: Char | None = None
    spaced = False
    for char in line:
        if char[0] == " ":
            spaced = True
            continue
        size = char[1]
        gap = char[2] - previous[4] if previous else math.inf
        if previous is None or (gap > 0.9 * max(size, previous[1]) and not spaced):
            result.append(Segment(char[2], char[4], char[0]))
        else:
            result[-1].text += (" " if spaced or gap > 0.25 * size else "") + char[0]
            result[-1].right = max(result[-1].right, char[4])
        previous, spaced = char, False
    return result


def page_markers(chars: Sequence[Char]) -> list[tuple[str, str]]:
    """Superscript digits right after a non-space char, with the word they follow: in
    "in 2024,¹ the" the marker is ("2024,", "1")."""
    markers = []
    i = 1
    while i < len(chars):
        char, before = chars[i], chars[i - 1]
        if (
            char[0].isdigit()
            and before[0].strip()
            and char[1] <= 0.8 * before[1]
            and char[6] >= before[6] + 0.2 * before[1]
            and abs(char[2] - before[4]) < 0.5 * before[1]
        ):
            end = i
            while (
                end + 1 < len(chars)
                and chars[end + 1][0].isdigit()
                and abs(chars[end + 1][6] - char[6]) < 0.1 * char[1]
            ):
                end += 1
            start = i - 1
            while (
                start > max(0, i - 12)
                and chars[start - 1][0].strip()
                and abs(chars[start - 1][6] - before[6]) < 0.1 * before[1]
            ):
                start -= 1
            word = normalize("".join(c[0] for c in chars[start:i]))
            markers.append((word, "".join(c[0] for c in chars[i : end + 1])))
            i = end + 1
        else:
            i += 1
    return markers


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", normalize(text))


def _text(chars: Iterable[Char]) -> str:
    """A line's chars (left to right) as text, with a space wherever the gap is 0.2 em."""
    out: list[str] = []
    right = math.inf
    for char in chars:
        if char[0] != " " and out and char[2] - right > 0.2 * char[1]:
            out.append(" ")
        out.append(char[0])
        right = char[4]
    return "".join(out)


def _ink(line: Sequence[Char]) -> list[tuple[int, int]]:
    """The x ranges a line's glyphs cover, merged (a word is one range)."""
    ranges: list[tuple[int, int]] = []
    for char in sorted((c for c in line if c[0] != " "), key=lambda c: c[2]):
        low, high = int(char[2]), int(char[4]) + 1
        if ranges and low <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], high))
        else:
            ranges.append((low, high))
    return ranges


def _columns(lines: list[list[Char]]) -> tuple[frozenset[str], frozenset[str]]:
    """Words only in the left and only in the right column, if the page has two columns.

    Two columns: an x in the middle third of the text area that at most 1 line in 10 inks
    (the gutter); on each side at least 8 lines of 4 or more words filling 60% of the side,
    and no second gutter inside the side (every x of its middle 60% inked by 30% of its
    lines): prose, not the cells of a table.
    """
    lines = [line for line in lines if any(c[0] != " " for c in line)]
    if len(lines) < 16:
        return frozenset(), frozenset()
    inks = [_ink(line) for line in lines]
    x0, x1 = min(ink[0][0] for ink in inks), max(ink[-1][1] for ink in inks)
    delta = [0] * (x1 - x0 + 2)
    for ink in inks:
        for low, high in ink:
            delta[low - x0] += 1
            delta[high - x0 + 1] -= 1
    cover, running = [], 0
    for step in delta:
        running += step
        cover.append(running)
    middle = range(x0 + (x1 - x0) * 35 // 100, x0 + (x1 - x0) * 65 // 100 + 1)
    gutter = min(middle, key=lambda x: cover[x - x0])
    if cover[gutter - x0] > len(lines) / 10:
        return frozenset(), frozenset()
    found: list[frozenset[str]] = []
    for west in (True, False):
        side = [[c for c in line if (c[4] < gutter) == west] for line in lines]
        side = [part for part in side if any(c[0] != " " for c in part)]
        if not side:
            return frozenset(), frozenset()
        start = min(part[0][2] for part in side)
        edge = max(part[-1][4] for part in side)
        inner = range(int(start + 0.2 * (edge - start)), int(edge - 0.2 * (edge - start)))
        if any(cover[x - x0] < 0.3 * len(side) for x in inner):
            return frozenset(), frozenset()
        texts = [_text(part) for part in side]
        full = sum(
            len(words(text)) >= 4 and part[-1][4] - part[0][2] >= 0.6 * (edge - start)
            for part, text in zip(side, texts)
        )
        if full < 8:
            return frozenset(), frozenset()
        found.append(frozenset(w for text in texts for w in words(text) if len(w) > 3))
    left, right = found
    return left - right, right - left


def _table_rows(lines: list[list[Char]]) -> tuple[tuple[str, ...], ...]:
    """Table rows: lines of 3 or more cells (a leading label such as "1." or "(a)" not
    counted) of which 3 start or end where cells of 2 other such lines do (a 4 pt grid);
    a page with at least 3 of them is a table page."""
    candidates = []
    for line in lines:
        cells = [s for s in segments(line) if normalize(s.text)]
        while cells and LABEL.match(normalize(cells[0].text)):
            cells.pop(0)
        if len(cells) >= 3:
            candidates.append(cells)
    edges: Counter[tuple[str, int]] = Counter()
    for cells in candidates:
        edges.update({e for c in cells for e in _edges(c)})
    rows = []
    for cells in candidates:
        aligned = sum(any(edges[e] >= 3 for e in _edges(c)) for c in cells)
        if aligned >= 3:
            rows.append(tuple(normalize(c.text) for c in cells))
    return tuple(rows) if len(rows) >= 3 else ()


def _edges(cell: Segment) -> list[tuple[str, int]]:
    return [("left", round(cell.left / 4)), ("right", round(cell.right / 4))]


def build_reference(pages: list[list[Char]]) -> list[PageReference]:
    """The geometry of each page: running items, superscript markers, columns, table rows."""
    pages = [[(c[0], _size(c), c[2], c[3], c[4], c[5], c[6]) for c in chars] for chars in pages]
    lines = [page_lines(chars) for chars in pages]
    # Running items: segments in the top or bottom 2 lines whose digit-blurred shape recurs
    # there on at least half the pages (and 3) of a document: symbol, "2/15", "25-11478";
    # kept from lines made of such items only (a masthead line with the symbol is not one).
    edges = [[segments(line) for line in page[:2] + page[-2:]] for page in lines]
    shapes = Counter(
        shape for page in edges for shape in {_shape(s.text) for line in page for s in line}
    )
    threshold = max(3, math.ceil(len(pages) / 2))
    references = []
    for chars, page, edge in zip(pages, lines, edges):
        running_lines = [
            line
            for line in edge
            if all(shapes[_shape(s.text)] >= threshold for s in line if normalize(s.text))
        ]
        running = tuple(
            dict.fromkeys(
                normalize(s.text) for line in running_lines for s in line if normalize(s.text)
            )
        )
        body = [
            line
            for line in page
            if not all(normalize(s.text) in running for s in segments(line) if normalize(s.text))
        ]
        left, right = _columns(body)
        # Without the PDF's own spaces, justified word gaps look like cell gaps: no tables.
        spaced = sum(c[0] == " " for c in chars) >= 0.05 * len(chars)
        rows = _table_rows(body) if spaced and not left else ()
        references.append(
            PageReference(
                running=running,
                markers=tuple(page_markers(chars)),
                left=left,
                right=right,
                rows=rows,
            )
        )
    return references


# --- fidelity measures (in the parent) ------------------------------------------------------


def dehyphenate(text: str) -> str:
    """Words broken at a line-end hyphen as "a-b", whichever way the extractor writes them,
    so that hyphenation does not count in the word measures (it has its own column)."""
    text = LINE_END_HYPHEN.sub(lambda m: f"{m[1]}-{m[2]}\n", text)
    return MARKED_HYPHEN.sub(lambda m: f"{m[1]}-{m[2]}", text)


def majority(counts: Sequence[Counter[str]]) -> Counter[str]:
    """Per word, the median count over the other extractors (with 2 others: the smaller)."""
    keys = set().union(*counts)
    result: Counter[str] = Counter()
    for key in keys:
        values = sorted(c[key] for c in counts)
        if value := values[(len(values) - 1) // 2]:
            result[key] = value
    return result


def ordered_in(cells: Sequence[str], line: str) -> bool:
    position = 0
    for cell in cells:
        position = line.find(cell, position)
        if position < 0:
            return False
        position += len(cell)
    return True


def non_empty_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@dataclass
class Fidelity:
    """Counts for one extractor."""

    files: int = 0  # files read, and measured against the geometry
    pages: int = 0
    vote_files: int = 0  # files every extractor read, for the word measures
    vote_pages: int = 0
    empty_pages: int = 0  # < 5 words where at least 2 others read >= 20
    tokens: int = 0
    oov: int = 0  # tokens fewer than 2 other extractors produce in the same document
    glued: int = 0  # OOV tokens that split into two majority words: "tothe"
    split: int = 0  # adjacent token pairs that join into a majority word: "mone" + "y"
    overlap: int = 0  # 2 x multiset overlap with the others' majority, per page
    size: int = 0  # |own words| + |majority words|, per page
    hyphen_breaks: int = 0  # "capacity-" + line end + "building": two lines to rejoin
    hyphen_words: int = 0  # ... of which the joined form is a word: "traf-" + "ficking"
    hyphen_marked: int = 0  # joined on one line with a mark instead: "capacity\ufffebuilding"
    specials: Counter[str] = field(default_factory=Counter)
    column_pages: int = 0
    column_pairs: int = 0  # consecutive lines whose words are from one column each
    column_jumps: int = 0  # ... from different columns
    column_lines: int = 0
    column_mixed: int = 0  # lines holding words of both columns (glued across the gutter)
    running: int = 0  # running items the geometry finds
    running_separate: int = 0  # ... on a line of their own (running items and spaces only)
    running_edge: int = 0  # ... and in the first or last 3 lines, where qa strips them
    running_glued: int = 0  # ... inside a line of body text
    markers: int = 0  # superscript markers the geometry finds
    markers_glued: int = 0  # ... that come out glued to their word: "2024,1"
    markers_broken: int = 0  # ... that start a new line: "2024," newline "1"
    table_pages: int = 0
    rows: int = 0
    rows_together: int = 0  # table rows whose cells are all on one line, in order


def measure(
    texts: dict[str, dict[str, list[str]]],
    references: dict[str, list[PageReference]],
) -> dict[str, Fidelity]:
    """Fidelity counts; texts[extractor][file] = the text of each page.

    The word measures, which vote, cover the files every extractor read; the measures
    against the geometry and the character counts cover every file each extractor read.
    """
    names = list(texts)
    results = {name: Fidelity() for name in names}
    for file in sorted(set().union(*texts.values())):
        here = [n for n in names if file in texts[n]]
        pages = min(len(texts[n][file]) for n in here)
        raw = {n: texts[n][file][:pages] for n in here}
        page_words = {n: [words(dehyphenate(t)) for t in raw[n]] for n in here}
        doc_sets = {n: {w for page in page_words[n] for w in page} for n in here}
        every_word = set().union(*doc_sets.values())
        reference = references.get(file)
        for name in here:
            fid = results[name]
            fid.files += 1
            fid.pages += pages
            for index, text in enumerate(raw[name]):
                for match in LINE_END_HYPHEN.finditer(text):
                    fid.hyphen_breaks += 1
                    fid.hyphen_words += (match[1] + match[2]).lower() in every_word
                fid.hyphen_marked += len(MARKED_HYPHEN.findall(text))
                for char in text:
                    if char < " " or char > "~":
                        for label, test in SPECIALS.items():
                            if test(char):
                                fid.specials[label] += 1
                if reference and index < len(reference):
                    check_layout(fid, reference[index], text)
            if len(here) == len(names):
                vote(fid, name, page_words, doc_sets)
    return results


def vote(
    fid: Fidelity,
    name: str,
    page_words: dict[str, list[list[str]]],
    doc_sets: dict[str, set[str]],
) -> None:
    """The word measures of one extractor on one document, against the other extractors."""
    others = [m for m in page_words if m != name]
    # A word is attested when at least 2 other extractors produce it in this document
    # (3 of 4 with the extractor itself).
    need = min(2, len(others))
    vocabulary = {
        w
        for w in set().union(*(doc_sets[m] for m in others))
        if sum(w in doc_sets[m] for m in others) >= need
    }
    fid.vote_files += 1
    for index, own in enumerate(page_words[name]):
        fid.vote_pages += 1
        other_counts = [Counter(page_words[m][index]) for m in others]
        if len(own) < 5 and sum(sum(c.values()) >= 20 for c in other_counts) >= 2:
            fid.empty_pages += 1
        fid.tokens += len(own)
        for position, word in enumerate(own):
            if word in vocabulary:
                continue
            fid.oov += 1
            if any(
                word[:k] in vocabulary and word[k:] in vocabulary for k in range(2, len(word) - 1)
            ):
                fid.glued += 1
            after = own[position + 1] if position + 1 < len(own) else ""
            if after and word + after in vocabulary:
                fid.split += 1
            elif position and own[position - 1] + word in vocabulary:
                fid.split += 1
        common_words = majority(other_counts)
        own_counts = Counter(own)
        fid.overlap += 2 * sum((own_counts & common_words).values())
        fid.size += len(own) + sum(common_words.values())


def _running_tokens(line: str, items: set[str]) -> tuple[set[str], bool]:
    """The running items a line holds as whole tokens, and whether it holds nothing else."""
    tokens = [normalize(t) for t in line.split()]
    tokens = [t for t in tokens if t]
    covered = [not re.search(r"[^\W_]", t) for t in tokens]  # punctuation needs no cover
    found = set()
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + 6) + 1):
            joined = "".join(tokens[start:end])
            if joined in items:
                found.add(joined)
                covered[start:end] = [True] * (end - start)
    return found, bool(found) and all(covered)


def check_layout(fid: Fidelity, page: PageReference, text: str) -> None:
    lines = non_empty_lines(text)
    flat = [normalize(line) for line in lines]
    # Running items: found (as whole tokens) on a line of their own, which can be stripped,
    # or glued into a line of body text.
    items = set(page.running)
    placed = [
        _running_tokens(line, items) if any(i in f for i in items) else (set(), False)
        for line, f in zip(lines, flat)
    ]
    for item in page.running:
        fid.running += 1
        for number, (found, alone) in enumerate(placed):
            if item in found:
                fid.running_separate += alone
                fid.running_edge += alone and (number < 3 or number >= len(lines) - 3)
                fid.running_glued += not alone
                break
    # Superscript markers: glued to their word ("2024,1"), after a space ("2024, 1") or
    # moved to the start of a new line ("2024,\n1").
    folded = unicodedata.normalize("NFKC", text).lower()
    for (word, digits), count in Counter(page.markers).items():
        fid.markers += count
        gaps = [m[1] for m in re.finditer(re.escape(word) + r"(\s*)" + digits + r"(?!\d)", folded)]
        glued = min(count, sum(not g for g in gaps))
        broken = min(count - glued, sum("\n" in g for g in gaps))
        fid.markers_glued += glued
        fid.markers_broken += broken
    # Two columns: label each line by the column its words come from; count jumps.
    if page.left and page.right:
        fid.column_pages += 1
        labels = []
        for line in lines:
            tokens = set(words(line))
            in_left, in_right = bool(tokens & page.left), bool(tokens & page.right)
            if in_left or in_right:
                fid.column_lines += 1
                fid.column_mixed += in_left and in_right
                labels.append("LR" if in_left and in_right else "L" if in_left else "R")
        for first, second in zip(labels, labels[1:]):
            if len(first) == len(second) == 1:
                fid.column_pairs += 1
                fid.column_jumps += first != second
    # Table rows: every cell of the row on one output line, left to right.
    if page.rows:
        fid.table_pages += 1
        for row in page.rows:
            fid.rows += 1
            fid.rows_together += any(ordered_in(row, line) for line in flat)


# --- the run ------------------------------------------------------------------------------


def spread(items: Sequence[Path], count: int | None) -> list[Path]:
    """A deterministic subset: count items evenly spaced over the sorted list."""
    if count is None or count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def speed(runs: dict[str, FileRun]) -> Speed:
    result = Speed()
    for run in runs.values():
        if run.error:
            result.errors[run.file] = run.error
        else:
            result.files += 1
            result.pages += run.pages
            result.seconds += run.seconds
            result.wall += run.wall
    return result


def version(extractor: str) -> str:
    try:
        return metadata.version(extractor)
    except metadata.PackageNotFoundError:
        return "not installed"


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def layout(f: Fidelity) -> list[str]:
    """The cells of the layout columns: columns, running items, markers, table rows."""
    return [
        f"{pct(f.column_jumps, f.column_pairs)} ({pct(f.column_mixed, f.column_lines)})",
        f"{pct(f.running_separate, f.running)} ({pct(f.running_edge, f.running)}, "
        f"{pct(f.running_glued, f.running)})",
        f"{pct(f.markers_glued, f.markers)} ({pct(f.markers_broken, f.markers)})",
        pct(f.rows_together, f.rows),
    ]


def table(
    plain: dict[str, Speed], positions: dict[str, Speed], fidelity: dict[str, Fidelity]
) -> str:
    header = [
        "extractor",
        "version",
        "licence",
        "files / pages",
        "plain s CPU (wall)",
        "plain pages/s",
        "positions pages/s",
        "exceptions, timeouts",
        "empty pages",
        "non-majority words",
        "glued / split per 10k",
        "agreement",
        "line-end hyphens: broken (word), marked",
        "special chars",
        "column jumps (mixed lines)",
        "running items separate (at edge, glued)",
        "markers glued (new line)",
        "table rows on one line",
    ]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in plain:
        p, q, f = plain[name], positions[name], fidelity[name]
        specials = ", ".join(f"{k} {v}" for k, v in f.specials.most_common()) or "0"
        cells = [
            name,
            version(name),
            LICENCES[name],
            f"{p.files} / {p.pages}",
            f"{p.seconds:.1f} ({p.wall:.1f})",
            f"{p.pages_per_second:.1f}",
            f"{q.pages_per_second:.1f}",
            f"{len(p.errors)} / {len(q.errors)}",
            f"{f.empty_pages}",
            f"{pct(f.oov, f.tokens)} ({f.oov})",
            f"{1e4 * f.glued / max(f.tokens, 1):.1f} / {1e4 * f.split / max(f.tokens, 1):.1f}",
            pct(f.overlap, f.size),
            f"{f.hyphen_breaks} ({f.hyphen_words}), {f.hyphen_marked}",
            specials,
            *layout(f),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


LEGEND = """\
- plain s, plain pages/s: CPU time of the worker process to open each file and extract every
  page's text (pypdf extract_text, pypdfium2 get_text_range, pdfplumber extract_text, PyMuPDF
  get_text), one file at a time, one process at a time, one thread; wall-clock time in
  brackets (it grows with other load on the machine); files that failed are left out.
- positions pages/s: the same (CPU time) for reading each char's (or span's) text, position
  and font size instead:
  {positions}.
- exceptions, timeouts: files that raised or ran over the time limit (plain / positions).
- empty pages: pages with under 5 words where at least 2 other extractors read 20 or more.
- non-majority words: share of word tokens that fewer than 2 of the other extractors produce
  anywhere in the same document (a word broken at a line-end hyphen counts as written on one
  line, whichever way the extractor writes it); glued = such a token that splits into two
  attested words ("tothe"), split = such a token that joins its neighbour into an attested
  word ("mone" + "y"); per 10,000 tokens.
- agreement: per page, the multiset overlap (Dice) of the extractor's words with the median
  word counts of the other extractors, over all pages.
- line-end hyphens: broken = "capacity-" at a line end and "building" on the next line, left
  for the reader to rejoin (word = the joined form, "trafficking", is a word of the document;
  the rest are compounds whose hyphen must stay); marked = joined on one line with a mark
  for the hyphen instead (pdfium writes U+FFFE: "capacity<U+FFFE>building").
- special chars: U+FFFE, soft hyphen, ligatures (U+FB00-FB06), private-use, U+FFFD, control.
- column jumps: on two-column pages ({column_pages} found by a gutter in the char boxes:
  two-column prose and two-column tables of prose), the share of consecutive lines that
  switch column (lower is better: reading each column through gives about one switch per
  page); mixed lines: lines holding words of both columns.
- running items: the symbol, "2/15", the job number ({running} items: segments of the top or
  bottom 2 lines whose shape, digits blurred, recurs there on at least half of a document's
  pages, from lines holding only such items); separate = on a line holding running items
  only (strippable), at edge = such a line among the first or last 3 lines (where qa's
  strip_running_lines looks), glued = inside a line of body text.
- markers glued: superscript footnote markers ({markers} found by size and raise) that come out
  glued to their word ("2024,1"; plain text cannot drop them, positions can); new line: the
  marker moved to the start of the next line ("2024," / "1 the ..."), where it can pass
  for a number of the text.
- table rows on one line: rows of 3 or more cells ({rows} rows on {table_pages} table pages)
  whose cells all come out on one line, left to right."""


def summary(result: Speed) -> dict[str, object]:
    return {
        "files": result.files,
        "pages": result.pages,
        "cpu_seconds": round(result.seconds, 2),
        "wall_seconds": round(result.wall, 2),
        "pages_per_second": round(result.pages_per_second, 1),
        "errors": result.errors,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="folder of PDFs")
    parser.add_argument("--limit", type=int, help="read only N files (evenly spread)")
    parser.add_argument(
        "--sample", type=int, help=f"the slow extractors ({', '.join(SLOW)}) read only N files"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per file")
    parser.add_argument("--json", type=Path, help="save the results to this JSON file")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(
            f"No folder of PDFs at {args.folder}: pass --folder DIR "
            "(the UN corpus is ../shared/un2025 next to the project).",
            file=sys.stderr,
        )
        return 2
    files = spread(sorted(args.folder.glob("*.pdf")), args.limit)
    if not files:
        print(f"No PDF files in {args.folder}.", file=sys.stderr)
        return 2
    sample = spread(files, args.sample)
    started, load = time.perf_counter(), os.getloadavg()[1]
    runs = run_all(files, sample, args.timeout)
    plain_runs = {name: runs[name, "plain"] for name in EXTRACTORS}
    position_runs = {name: runs[name, "positions"] for name in EXTRACTORS}
    references = {
        run.file: run.reference
        for run in position_runs["pypdfium2"].values()
        if run.reference is not None
    }
    texts = {
        name: {r.file: r.texts for r in runs.values() if r.texts is not None}
        for name, runs in plain_runs.items()
    }
    fidelity = measure(texts, references)
    sampled = [n for n in SLOW if len(sample) < len(files)]
    if sampled:  # the layout measures again, all four on the sample's files only
        names = {f.name for f in sample}
        on_sample = measure(
            {n: {f: t for f, t in by_file.items() if f in names} for n, by_file in texts.items()},
            references,
        )
    plain = {name: speed(runs) for name, runs in plain_runs.items()}
    positions = {name: speed(runs) for name, runs in position_runs.items()}
    elapsed = time.perf_counter() - started
    load = max(load, os.getloadavg()[1])

    total = sum(
        max((runs[f.name].pages for runs in plain_runs.values() if f.name in runs), default=0)
        for f in files
    )
    voted = next(iter(fidelity.values()))
    if sampled:
        sample_pages = sum(plain_runs[sampled[0]][f.name].pages for f in sample)
        print(
            f"{', '.join(sampled)} read a deterministic sample of {len(sample)} files "
            f"({sample_pages} pages; --sample {args.sample}), a full run of it being too slow: "
            "its speed and layout columns cover that sample. The word columns (empty pages, "
            f"non-majority words, glued / split, agreement) cover the {voted.vote_files} files "
            f"({voted.vote_pages} pages) that all four read; every other column covers every "
            "file each extractor read.\n"
        )
    else:
        print(
            f"No sample: every extractor was given every file; the word columns cover the "
            f"{voted.vote_files} files ({voted.vote_pages} pages) that all four read.\n"
        )
    print(table(plain, positions, fidelity))
    print()
    if sampled:
        print(f"The layout columns on the {len(sample)} sample files only, for all four:\n")
        for name, fid in on_sample.items():
            cells = layout(fid)
            print(
                f"- {name}: column jumps {cells[0]} on {fid.column_pages} pages; running items "
                f"separate {cells[1]}; markers glued {cells[2]}; table rows on one line "
                f"{cells[3]} of {fid.rows}"
            )
        print()
    pages = [page for reference in references.values() for page in reference]
    print(
        LEGEND.format(
            positions=";\n  ".join(f"{n} {api}" for n, api in POSITIONS_API.items()),
            column_pages=sum(bool(p.left) for p in pages),
            running=sum(len(p.running) for p in pages),
            markers=sum(len(p.markers) for p in pages),
            rows=sum(len(p.rows) for p in pages),
            table_pages=sum(bool(p.rows) for p in pages),
        )
    )
    print(
        "\nPyMuPDF is AGPL-3.0 (or a paid Artifex licence): using it makes the whole app "
        "AGPL, including when served over a network."
    )
    for name in EXTRACTORS:
        for mode, result in (("plain", plain[name]), ("positions", positions[name])):
            for file, error in result.errors.items():
                print(f"- {name} {mode} {file}: {error}")
    print(
        f"\nTotal run time {elapsed:.0f} s on {os.cpu_count()} cores, load average "
        f"(5 min) up to {load:.1f} at start and end."
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "folder": str(args.folder),
            "files": len(files),
            "pages": total,
            "sample": [f.name for f in sample] if sampled else None,
            "timeout_s": args.timeout,
            "elapsed_s": round(elapsed, 1),
            "load_average_5min": round(load, 2),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "extractors": {
                name: {
                    "version": version(name),
                    "licence": LICENCES[name],
                    "positions_api": POSITIONS_API[name],
                    "plain": summary(plain[name]),
                    "positions": summary(positions[name]),
                    "fidelity": {
                        **asdict(fidelity[name]),
                        "specials": dict(fidelity[name].specials),
                    },
                    "seconds_per_file": {
                        r.file: round(r.seconds, 4)
                        for r in plain_runs[name].values()
                        if not r.error
                    },
                }
                for name in EXTRACTORS
            },
        }
        args.json.write_text(json.dumps(report, indent=1) + "\n")
        print(f"Saved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
