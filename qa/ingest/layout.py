"""Pages of lines -> reading-order blocks: running headers, footers and contents dropped,
footnotes and tables set apart, paragraphs rebuilt from line spacing and indentation."""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from .pdf import Line, Page

# A line in the top or bottom band of the page may be a running header or footer.
_EDGE_BAND = 0.1
# Printed page numbers and job numbers ("2/15", "25-11478 (E) 220725", "GE.25-05965",
# "*2511478*"): what running headers and footers are made of besides the symbol.
_JOB_NUMBER = re.compile(r"\b(?:GE\.)?\d{2}-\d{5}[A-Z]?\b(?:\s*\([A-Z]\))?(?:\s+\d{6})*")
_RUNNING_TOKENS = re.compile(
    r"(?:\*\d{6,}\*|\b\d{1,4}/\d{2}-\d{5}\b|(?:GE\.)?\d{2}-\d{5}[A-Z]?(?:\s*\([A-Z]\))?"
    r"|\b\d{6}\b|\b\d{1,4}\s*/\s*\d{1,4}\b"
    r"|\b[Pp]age\s+\d+(?:\s+of\s+\d+)?\b|^\d{1,4}(?=\s|$)|(?<=\s)\d{1,4}$|^[ivxlc]{1,6}$"
    r"|/\.\.\.|/…)"  # "/...": a typewritten page's "continued overleaf"
)
# The job number with its language and dates ("25-06847 (E) 090525", "V.25-09303 (E) 230625
# 240625"): set under the last page's text, above the footer band, but never text.
_JOB_LINE = re.compile(r"^(?:[A-Z]{1,2}\.)?\d{2}-\d{5}[A-Z]?\s*\([A-Z]\)(?:\s+\d{6}){0,2}$")
_SEPARATOR = re.compile(r"^[_\-—–]{5,}$")
# The languages a text was submitted in, printed under its title in a compilation ("[Original:
# English]"): the masthead's, not the text's.
_ORIGINAL = re.compile(r"^\[Original:\s[^\]]*\]\s*")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$|(?:\s\.){4,}|…{2,}\s*\d{1,4}$")
_FOOTNOTE_TEXT_START = re.compile(r"^(\*{1,3}|\d{1,3}|[a-z])\s+(?=\S)")
_UNIT_START = re.compile(
    r"^(?:\d{1,4}\.\s+\S|\([a-z]{1,2}\)\s|\([ivx]{1,6}\)\s|(?:[IVXL]{1,5}|[A-Z])\.\s+[A-Z])"
)
# A label a list item opens with: "I.", "12.", "(a)", "(iv)", "a)", "•".
_LABEL = re.compile(r"^(?:(?:[IVXL]{1,5}|\d{1,3}|[a-z])[.)]|\([a-z]{1,4}\)|[•–-])\s")
_SENTENCE_END = re.compile(r"[.:;!?][”’\"')\]]*$")


@dataclass(frozen=True)
class Block:
    """A run of lines that reads as one unit: a paragraph, a heading, a table, a footnote.

    `bold` is None when the source has no type information (plain text).
    """

    text: str
    page: int | None = None
    kind: str = "text"  # "text" | "table" | "footnote"
    bold: bool | None = None
    size: float | None = None
    label: str | None = None  # a footnote's marker ("12", "*")
    lines: tuple[str, ...] = field(default=(), repr=False)
    markers: tuple[str, ...] = ()  # footnote markers referenced from the block
    # How far the first line starts right of the page's running-text margin (points); None
    # without positions (plain text).
    indent: float | None = None


def body_size(pages: list[Page]) -> float:
    """The size of running text: the font size that sets the most characters."""
    sizes = Counter()
    for page in pages:
        for line in page.lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def reading_order(page: Page, size: float | None = None) -> list[Line]:
    """Lines top to bottom (left to right on one baseline); a two-column page column by
    column. Pieces of one baseline that the PDF set apart are merged, table cells with " | ".
    A box set beside the running text (a "spotlight" of figures) comes after the lines it
    stands beside, marked `aside`, rather than woven into them line by line."""
    lines = [ln for ln in page.lines if ln.baseline - ln.top <= 3 * max(ln.size, 1.0)]
    if not lines:
        return []
    lines = _attach_markers(lines)
    columns = _columns(lines, page.width)
    boxes: list[list[Line]] = []
    if len(columns) == 1 and size is not None:
        columns[0], boxes = _side_boxes(columns[0], page.width, size)
    ordered: list[Line] = []
    for column in columns:
        column.sort(key=lambda ln: (round(ln.baseline / 2.5), ln.x0))
        ordered.extend(_merge_baselines(column))
    for box in sorted(boxes, key=lambda b: -min(ln.top for ln in b)):
        box.sort(key=lambda ln: (round(ln.baseline / 2.5), ln.x0))
        aside = [dataclasses.replace(ln, aside=True) for ln in _merge_baselines(box)]
        at = sum(1 for ln in ordered if ln.top < box[-1].top)
        ordered[at:at] = aside
    return ordered


def _side_boxes(
    lines: list[Line], width: float, size: float
) -> tuple[list[Line], list[list[Line]]]:
    """(running text, boxes): the lines of boxes set in the right part of the page beside a
    narrowed run of running text. The running text beside a box is body type set flush at
    both edges (headings may stand among it); no line crosses the gutter between the two."""
    boxes: list[list[Line]] = []
    for _ in range(4):  # a page holds a few boxes at most
        chosen = {id(ln) for box in boxes for ln in box}
        rest = sorted((ln for ln in lines if id(ln) not in chosen), key=lambda ln: ln.top)
        gutters = sorted({round(ln.x0) for ln in rest if 0.3 * width < ln.x0 < 0.75 * width})
        best: list[Line] = []
        for gutter in gutters:
            run: list[Line] = []
            for line in [*rest, None]:
                if line is not None and not (line.x0 < gutter - 1 and line.x1 > gutter - 6):
                    run.append(line)
                    continue
                box = _box_beside(run, gutter, width, size)
                if len(box) > len(best):
                    best = box
                run = []
        if not best:
            break
        boxes.append(best)
    chosen = {id(ln) for box in boxes for ln in box}
    return [ln for ln in lines if id(ln) not in chosen], boxes


def _box_beside(run: list[Line], gutter: float, width: float, size: float) -> list[Line]:
    left = [ln for ln in run if ln.x1 <= gutter - 6]
    right = [ln for ln in run if ln.x0 >= gutter - 1]
    if len(right) < 3:
        return []
    body = [ln for ln in left if abs(ln.size - size) < 0.6 and not ln.bold]
    if len(body) < 3 or len(body) < 0.5 * len(left):
        return []
    if min(ln.top for ln in right) > max(ln.top for ln in body):
        return []  # the box stands below the text, not beside it
    margin = min(ln.x0 for ln in body)
    edge = max(ln.x1 for ln in body)
    if edge - margin < 0.25 * width:
        return []  # a narrow column of cells, not running text
    flush = sum(1 for ln in body if abs(ln.x0 - margin) < 3 or ln.x0 - margin > 8)
    justified = sum(1 for ln in body if edge - ln.x1 < 3)
    if flush < 0.9 * len(body) or justified < max(3, 0.6 * len(body)):
        return []
    if sum(1 for ln in right if _tabular(ln.text)) > 0.3 * len(right):
        return []  # figures: the right-hand columns of a table
    return right


_LONE_MARKER = re.compile(r"[\d*†‡,]{1,8}")


def _attach_markers(lines: list[Line]) -> list[Line]:
    """A footnote marker the PDF set as a line of its own, raised just after the end of a line
    of text (pdfium broke the line before it): that line's marker, not a word of the next."""
    lone = [ln for ln in lines if _LONE_MARKER.fullmatch(ln.text)]
    if not lone:
        return lines
    hosts: dict[int, Line] = {}
    dropped: set[int] = set()
    for mark in lone:
        host = next(
            (
                ln
                for ln in lines
                if ln is not mark
                and ln.size > mark.size + 1
                and mark.baseline < ln.baseline - 0.5
                and mark.baseline > ln.top
                and -1 <= mark.x0 - ln.x1 < 0.5 * ln.size
            ),
            None,
        )
        if host is None:
            continue
        key = id(host)
        host = hosts.get(key, host)
        found = tuple(m for m in mark.text.split(",") if m)
        hosts[key] = dataclasses.replace(host, markers=host.markers + found)
        dropped.add(id(mark))
    return [hosts.get(id(ln), ln) for ln in lines if id(ln) not in dropped]


def _columns(lines: list[Line], width: float) -> list[list[Line]]:
    """One list, or two when the page sets its running text in two columns."""
    mid = width / 2
    left = [ln for ln in lines if ln.x1 < mid - 4]
    right = [ln for ln in lines if ln.x0 > mid + 4]
    across = [ln for ln in lines if ln.x0 <= mid - 4 < mid + 4 <= ln.x1]
    if len(left) >= 8 and len(right) >= 8 and len(across) <= 0.25 * len(lines):
        # Both sides carry running text (not a table's narrow cells): long lines each side.
        wide = [ln for ln in left + right if ln.x1 - ln.x0 > 0.3 * width]
        if len(wide) >= 0.5 * (len(left) + len(right)):
            top_of_columns = min(ln.top for ln in left + right)
            head = [ln for ln in across if ln.top < top_of_columns]
            tail = [ln for ln in across if ln.top >= top_of_columns]
            return [head, left, right, tail]
    return [lines]


def _merge_baselines(lines: list[Line]) -> list[Line]:
    merged: list[Line] = []
    for line in lines:
        if merged and abs(merged[-1].baseline - line.baseline) <= 2.0 and line.x0 >= merged[-1].x0:
            prev = merged[-1]
            gap = line.x0 - prev.x1
            if gap > 2.5 * prev.size:  # far apart on one baseline: table cells
                sep = " | "
            elif gap > 0.15 * prev.size or not prev.text or not line.text:
                sep = " "
            else:
                sep = ""
            merged[-1] = Line(
                text=prev.text + sep + line.text if prev.text else line.text,
                page=prev.page,
                x0=prev.x0,
                x1=max(prev.x1, line.x1),
                top=min(prev.top, line.top),
                baseline=prev.baseline,
                size=prev.size if len(prev.text) >= len(line.text) else line.size,
                bold=prev.bold if len(prev.text) >= len(line.text) else line.bold,
                markers=prev.markers + line.markers,
                hyphenated=line.hyphenated,
            )
        else:
            merged.append(line)
    return merged


def _shape(text: str) -> str:
    """A line with its digits blurred, so "2/15" and "3/15" repeat as one running line."""
    return re.sub(r"\d+", "#", text.strip().lower())


def running_shapes(
    pages: list[list[Line]], symbols: list[str], heights: list[float] | None = None
) -> set[str]:
    """Shapes of lines that repeat in the top or bottom band of many pages: the first and
    last three lines of each, and every line inside the band of a page whose height is
    given (a running header of three lines over the symbol's line, E/HLS/2025/1)."""
    counts: Counter = Counter()
    for n, lines in enumerate(pages):
        edge = lines[:3] + lines[-3:]
        if heights is not None:
            top, bottom = _EDGE_BAND * heights[n], (1 - _EDGE_BAND) * heights[n]
            edge += [ln for ln in lines[3:-3] if ln.top < top or ln.baseline > bottom]
        counts.update({_shape(ln.text) for ln in edge})
    if len(pages) < 3:
        return set()
    threshold = max(3, len(pages) // 3)
    return {shape for shape, n in counts.items() if n >= threshold}


def is_running(
    line: Line, page: Page, shapes: set[str], symbols: list[str], edge: bool = False
) -> bool:
    """A page number, job number, barcode or the symbol in a page's top or bottom band, or a
    line that repeats there on many pages; a job number with its language anywhere."""
    in_band = (
        line.top < _EDGE_BAND * page.height
        or line.baseline > (1 - _EDGE_BAND) * page.height
        or edge
    )
    if _JOB_LINE.match(line.text.strip()):
        return True
    if not in_band:
        return False
    if _shape(line.text) in shapes:
        return True
    rest = line.text
    for symbol in symbols:  # as printed: "MISC.14" in the footer of "Misc.14"
        rest = re.sub(re.escape(symbol), " ", rest, flags=re.IGNORECASE)
    rest = _RUNNING_TOKENS.sub(" ", rest)
    return not rest.strip(" |*-–—.")


@dataclass
class Layout:
    """The body blocks of a document and its footnotes, in reading order."""

    blocks: list[Block]
    footnotes: list[Block]
    body_size: float


def lay_out(pages: list[Page], symbols: list[str], skip: set[int] | None = None) -> Layout:
    """Blocks of running text, tables and footnotes from the pages' lines.

    `skip` holds ids (id(line)) of lines already read as the masthead.
    """
    size = body_size(pages)
    ordered = [reading_order(page, size) for page in pages]
    shapes = running_shapes(ordered, symbols, [page.height for page in pages])
    blocks: list[Block] = []
    footnotes: list[Block] = []
    for page, lines in zip(pages, ordered):
        body = _page_body(page, lines, shapes, symbols, size, skip)
        body = [ln for ln in body if not _DOT_LEADER.search(ln.text)]  # contents entries
        body, notes = _split_footnotes(body, size)
        footnotes.extend(_footnote_blocks(notes))
        split = page.width / 2 if len(_columns(body, page.width)) > 1 else None
        blocks.extend(_without_original(_blocks(body, size, split)))
    mended = _join_hyphens(blocks + footnotes)
    return Layout(mended[: len(blocks)], mended[len(blocks) :], size)


def _without_original(blocks: list[Block]) -> list[Block]:
    """The blocks without the "[Original: …]" line that opens some (alone or run into the
    text under it)."""
    kept: list[Block] = []
    for block in blocks:
        opened = kept[-1] if kept else None
        if opened and opened.text.startswith("[Original:") and "]" not in opened.text:
            # The languages wrapped onto a second line ("… French, / Russian and Spanish]").
            joined = f"{opened.text} {block.text}"
            if _ORIGINAL.match(joined):
                kept.pop()
                block = dataclasses.replace(block, text=joined, lines=opened.lines + block.lines)
        found = _ORIGINAL.match(block.text)
        if found is None:
            kept.append(block)
        elif found.end() < len(block.text):
            closing = next((k for k, ln in enumerate(block.lines) if "]" in ln), -1)
            kept.append(
                dataclasses.replace(
                    block, text=block.text[found.end() :], lines=block.lines[closing + 1 :]
                )
            )
    return kept


def _page_body(
    page: Page,
    lines: list[Line],
    shapes: set[str],
    symbols: list[str],
    size: float,
    skip: set | None,
) -> list[Line]:
    """The page's lines without its running headers and footers and the masthead's lines."""
    body: list[Line] = []
    for n, line in enumerate(lines):
        if skip is not None and (page.number, line.top, line.x0) in skip:
            continue
        edge = n < 2 or n >= len(lines) - 2
        if is_running(line, page, shapes, symbols, edge) and not (
            _marker_of_next(line, lines[n + 1] if n + 1 < len(lines) else None)
            or (_shape(line.text) in shapes and _repeated_note(line, body, size))
            or _symbol_note(line, size)
        ):
            continue
        body.append(line)
    return body


def _symbol_note(line: Line, size: float) -> bool:
    """A note in small type that cites a document by its symbol alone (E/2025/72's "¹
    E/2025/72.", the report the resolution considers): in the bottom band it reads as the
    footer's symbol, but it carries its marker and no page or job number."""
    return (
        bool(line.markers)
        and line.size < size - 0.5
        and bool(_RUNNING_TOKENS.sub(" ", line.text).strip(" |*-–—."))
    )


def _repeated_note(line: Line, above: list[Line], size: float) -> bool:
    """A footnote printed on many pages (a resolution's note on a treaty it cites) repeats at
    the foot of each like a running footer, but it carries its marker, or goes on from the
    note line just above it in the same small type."""
    if line.size >= size - 0.5:
        return False
    if re.fullmatch(r"\d{1,4}|[ivxlc]{1,6}", line.text.strip()):
        return False  # the page number, set in the notes' small type just below them
    if line.markers:
        return True
    prev = above[-1] if above else None
    return (
        prev is not None
        and abs(prev.size - line.size) < 0.3
        and 0 <= line.top - prev.baseline < line.size
    )


def _marker_of_next(line: Line, nxt: Line | None) -> bool:
    """A footnote marker the PDF set on a line of its own, in smaller type just left of its
    note (not a page number, though it is a number alone at the foot of the page)."""
    return (
        nxt is not None
        and re.fullmatch(r"\*{1,3}|\d{1,3}", line.text) is not None
        and line.size < nxt.size - 1
        and 0 <= nxt.x0 - line.x1 < 2 * nxt.size
        and nxt.top < line.baseline
        and line.top < nxt.baseline
    )


def _split_footnotes(lines: list[Line], size: float) -> tuple[list[Line], list[Line]]:
    """(body, footnote lines): below a separator rule, or a closing run of small lines that
    starts with a footnote marker."""
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line.text) and i > 0:
            below = lines[i + 1 :]
            if below and all(ln.size < size - 0.4 for ln in below):
                return lines[:i], below
            return lines[:i] + below, []
    start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].size < size - 0.6:
            start = i
        else:
            break
    run = lines[start:]
    if not run or not all(ln.x1 - ln.x0 > 0 for ln in run):
        return lines, []

    def opens_notes(line: Line) -> bool:
        return _starts_footnote(line, size) and not _tabular(line.text)

    if opens_notes(run[0]):
        return lines[:start], run
    # Small type above the notes too (a table in small type at the foot of the page): the
    # notes begin with a marker set apart from the lines above by a gap.
    for i in range(start + 1, len(lines)):
        if opens_notes(lines[i]) and lines[i].top - lines[i - 1].baseline > size:
            return lines[:i], lines[i:]
    return lines, []


def _tabular(text: str) -> bool:
    """A row of figures ("State party 2012 2013 2014 ... Total", "Iraq – – 5 42 22 43"), not
    the opening of a note, though a table note's letter is raised on it."""
    tokens = text.split()
    figures = sum(1 for t in tokens if re.fullmatch(r"[–—\-]|[.,%()$]*\d[\d.,%()]*", t))
    return len(tokens) >= 3 and figures >= max(2, 0.5 * len(tokens))


def _starts_footnote(line: Line, size: float) -> bool:
    return (
        bool(_FOOTNOTE_TEXT_START.match(line.text))
        or (bool(line.markers) and not line.text[:1].islower())
        or (bool(line.markers) and line.text.startswith(("http", "www.")))
        # A marker on a line of its own, beside its note.
        or (re.fullmatch(r"\*{1,3}|\d{1,3}", line.text) is not None and line.size < size - 2)
    )


def _footnote_blocks(lines: list[Line]) -> list[Block]:
    notes: list[Block] = []
    current: list[Line] = []
    label = None

    def close():
        if current and label is not None:
            text = _join_lines(current)
            notes.append(
                Block(text, current[0].page, "footnote", False, current[0].size, label=label)
            )

    pending = None  # a marker the PDF set on a line of its own, just left of its note
    text_size = max((ln.size for ln in lines), default=0.0)
    for line in lines:
        if re.fullmatch(r"\*{1,3}|\d{1,3}", line.text) and line.size < text_size - 1.5:
            pending = line.text
            continue
        lead = _FOOTNOTE_TEXT_START.match(line.text)
        new_label = None
        if pending is not None:
            new_label, text, pending = pending, line.text, None
        # A raised marker opens a note where the note before it opened, give or take the
        # width of a marker ("* In accordance ..." above "¹ See ..."), or anywhere if it is
        # the next marker in turn (E/2025/L.18 sets its "¹" 15 points right of the "*").
        elif line.markers and (
            not current or line.x0 < current[0].x0 + 4 or _next_marker(label, line.markers[0])
        ):
            new_label = line.markers[0]
            text = line.text
        elif lead and (not current or line.x0 <= current[0].x0 + 1 or lead.group(1)[0] == "*"):
            new_label = lead.group(1)
            text = line.text[lead.end() :]
        if new_label is not None:
            close()
            label = new_label
            current = [_retext(line, text)]
        elif current:
            current.append(line)
    close()
    return notes


def _next_marker(label: str | None, marker: str) -> bool:
    """Whether `marker` is the note after `label`'s: 1 after an asterisk note, n + 1 after n."""
    if label is None or not marker.isdigit():
        return False
    if label.startswith("*"):
        return marker == "1"
    return label.isdigit() and int(marker) == int(label) + 1


def _retext(line: Line, text: str) -> Line:
    return Line(
        text,
        line.page,
        line.x0,
        line.x1,
        line.top,
        line.baseline,
        line.size,
        line.bold,
        line.markers,
        line.hyphenated,
    )


def _is_table_row(line: Line) -> bool:
    return " | " in line.text


def _blocks(lines: list[Line], size: float, split: float | None = None) -> list[Block]:
    """Group a page's body lines into blocks at gaps, indents and changes of type. `split`:
    where the right column starts on a page set in two columns."""
    if not lines:
        return []
    gaps = [
        b.top - a.baseline
        for a, b in zip(lines, lines[1:])
        if abs(a.size - size) < 0.6 and abs(b.size - size) < 0.6 and b.top > a.baseline
    ]
    leading = statistics.median(gaps) if gaps else size * 0.4
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    margins = _margins(lines, size, split)
    blocks: list[Block] = []
    group: list[Line] = []
    table = False

    def close():
        nonlocal group
        if group:
            if table:
                rows = [ln.text for ln in group]
                blocks.append(
                    Block(
                        "\n".join(rows),
                        group[0].page,
                        "table",
                        False,
                        group[0].size,
                        lines=tuple(rows),
                    )
                )
            else:
                blocks.append(
                    Block(
                        _join_lines(group),
                        group[0].page,
                        "text",
                        all(ln.bold for ln in group),
                        group[0].size,
                        lines=tuple(ln.text for ln in group),
                        markers=tuple(m for ln in group for m in ln.markers),
                        indent=_indent(group[0].x0, margins, split),
                    )
                )
        group = []

    for line in lines:
        # A row of figures whose cells the PDF did not set apart goes on the table above it.
        row = _is_table_row(line) or line.aside or (table and bool(group) and _tabular(line.text))
        if group:
            prev = group[-1]
            gap = line.top - prev.baseline
            short = prev.x1 < right - 4 * size
            new = (
                row != table
                or gap > (2 * size if table else leading + 0.45 * size)  # rows stand apart
                or gap < -2 * size  # went back up: a new column or a float
                or (not table and line.bold != prev.bold)
                or (not table and abs(line.size - prev.size) > 0.6)
                # A first line indented from the margin, after a line that was not (but
                # not the lines under a label set hanging: "I. Kobia is ... young people of"
                # over "goodwill who are ...").
                or (
                    not table
                    and line.x0 - left > 8
                    and (prev.x0 < line.x0 - 8 or short)
                    and not (
                        len(group) == 1
                        and not short
                        and _LABEL.match(prev.text)
                        and line.x0 - prev.x0 < 3 * size
                    )
                )
                # A paragraph number or sub-item label after a line that ended its sentence.
                or (
                    not table
                    and _UNIT_START.match(line.text)
                    and (short or _SENTENCE_END.search(prev.text))
                )
                # One short line without a full stop above running text: a heading.
                or (
                    not table
                    and len(group) == 1
                    and prev.x1 < right - 10 * size
                    and not _SENTENCE_END.search(prev.text)
                    and not prev.text.endswith(",")
                )
            )
            if (
                new
                and not (table or row)
                and 0 <= gap <= leading + 0.45 * size
                and _heading_goes_on(group, line, size)
            ):
                new = False
            if new:
                close()
        if not group:
            table = row
        group.append(line)
    close()
    return blocks


# Words a title does not end on: a line that ends on one wraps ("… the Special Envoy of the" /
# "Secretary-General for the Great Lakes Region").
_WRAPS_ON = re.compile(
    r"(?:\b(?:and|or|of|the|a|an|in|on|to|for|with|by|from|at|as|its|their|into|under|between|"
    r"towards|through|within|against)|[,–—-])$",
    re.IGNORECASE,
)


# The label a title hangs from: "II.", "A.", "3.", "2.1.".
_TITLE_LABEL = re.compile(r"^(?:[IVXL]{1,5}|[A-Z]|\d{1,3}(?:\.\d{1,3})*)\.\s")


def _heading_goes_on(group: list[Line], line: Line, size: float) -> bool:
    """A bold title wrapped onto the next line, set close under it in its type: under the
    title's words where a label hangs ("A. Situation in the area of operations of the United
    Nations Interim" / "Force in Lebanon"), or anywhere after a line that cannot end a title.
    Read as two blocks, the second line became a title of its own and the first was cut."""
    first, prev = group[0], group[-1]
    if not (
        all(ln.bold for ln in group)
        and line.bold
        and abs(line.size - first.size) < 0.3
        and not _SENTENCE_END.search(prev.text)
        and not _UNIT_START.match(line.text)
        and len(group) < 4
    ):
        return False
    hanging = bool(_TITLE_LABEL.match(first.text)) and 0 < line.x0 - first.x0 < 3 * size
    return hanging or bool(_WRAPS_ON.search(prev.text.rstrip())) or line.text[:1].islower()


def _margins(lines: list[Line], size: float, split: float | None) -> tuple[float, float]:
    """The left edge of running text in the left column, and in the right one on a page set
    in two columns: the leftmost start that plain lines of body type share (a page full of
    indented sub-items still has its margin there; one stray line does not move it)."""
    sides: tuple[Counter, Counter] = (Counter(), Counter())
    for ln in lines:
        if not ln.bold and abs(ln.size - size) < 0.6:
            sides[split is not None and ln.x0 >= split][round(ln.x0)] += 1
    fallback = min(ln.x0 for ln in lines)

    def edge(side: Counter) -> float:
        shared = [x for x in side if side[x] + side[x - 1] + side[x + 1] >= 2]
        return min(shared or side or [fallback])

    return edge(sides[0]), edge(sides[1])


def _indent(x0: float, margins: tuple[float, float], split: float | None) -> float:
    """How far right of its column's running-text edge a line starts."""
    return round(x0 - margins[split is not None and x0 >= split], 1)


def _join_lines(lines: list[Line]) -> str:
    text = ""
    for line in lines:
        piece = line.text
        if not text:
            text = piece
        elif text.endswith("-") and getattr(lines, "__len__", None) and _wrapped_hyphen(text):
            text = text + "\u00ad" + piece  # decided later, against the document's words
        else:
            text = f"{text} {piece}"
    return text


def _wrapped_hyphen(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]-$", text))


def _join_hyphens(blocks: list[Block]) -> list[Block]:
    """A word broken at a line end ("traf-" + "ficking") is joined without its hyphen when
    the document spells it whole elsewhere; otherwise the hyphen stays ("Secretary-General")."""
    words: Counter = Counter()
    for block in blocks:
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", block.text.replace("\u00ad", " ")))

    def mend(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        whole = (head + tail).lower()
        if words.get(whole, 0) > 0 and tail[:1].islower():
            return head + tail
        return f"{head}-{tail}"

    out = []
    for block in blocks:
        if "\u00ad" in block.text:
            text = re.sub(r"([A-Za-z]+)-\u00ad([A-Za-z]*)", mend, block.text)
            text = text.replace("\u00ad", "")
            block = Block(
                text,
                block.page,
                block.kind,
                block.bold,
                block.size,
                block.label,
                block.lines,
                block.markers,
                block.indent,
            )
        out.append(block)
    return out
