"""Report text -> Document of numbered Paragraphs with section paths and sub-items (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Bump whenever parsing changes what comes out, so built indexes are seen as stale.
PARSER_VERSION = "1"

ROMAN_NUMERALS = [
    "i",
    "ii",
    "iii",
    "iv",
    "v",
    "vi",
    "vii",
    "viii",
    "ix",
    "x",
    "xi",
    "xii",
    "xiii",
    "xiv",
    "xv",
    "xvi",
    "xvii",
    "xviii",
    "xix",
    "xx",
]


@dataclass(frozen=True)
class Heading:
    """A chapter ("III"), section ("B"), subsection ("3") or unnumbered heading (label None)."""

    level: int
    label: str | None
    title: str

    @property
    def display(self) -> str:
        return f"{self.label}. {self.title}" if self.label else self.title


@dataclass(frozen=True)
class SubItem:
    """A lettered or roman sub-item of a paragraph; label ("d", "iv") is its path."""

    label: tuple[str, ...]
    text: str

    @property
    def display(self) -> str:
        return " ".join(f"({part})" for part in self.label)


@dataclass(frozen=True)
class Paragraph:
    """One numbered paragraph (number None for the Summary), with where it sits in the report."""

    number: int | None
    headings: tuple[Heading, ...]
    intro: str
    items: tuple[SubItem, ...] = ()

    @property
    def text(self) -> str:
        """Full text: the opening words, then each sub-item on its own line."""
        lines = [self.intro] if self.intro else []
        lines += [f"({item.label[-1]}) {item.text}" for item in self.items]
        return "\n".join(lines)

    @property
    def section_code(self) -> str:
        """Dotted labels of the numbered headings: "III.B.3"."""
        return ".".join(h.label for h in self.headings if h.label)

    @property
    def section_title(self) -> str:
        """Title of the deepest numbered heading: "International Organization for Migration"."""
        labelled = [h for h in self.headings if h.label]
        return labelled[-1].title if labelled else ""

    def citation(self, item: tuple[str, ...] | None = None) -> str:
        """ "para. 57 — III.B.3 International Organization for Migration" (with sub-item)."""
        where = f"{self.section_code} {self.section_title}".strip()
        if self.number is None:
            return f"Summary — {where}" if where else "Summary"
        ref = f"para. {self.number}"
        if item:
            ref += " " + " ".join(f"({part})" for part in item)
        return f"{ref} — {where}" if where else ref

    def item(self, label: tuple[str, ...]) -> SubItem | None:
        return next((it for it in self.items if it.label == label), None)


@dataclass(frozen=True)
class Document:
    """A parsed report: metadata read from its own text, and its paragraphs in order."""

    doc_id: str
    title: str
    date: str | None = None
    session: str | None = None
    agenda_item: str | None = None
    symbol: str | None = None
    summary: Paragraph | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    headings: tuple[tuple[Heading, ...], ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """How citations name the document: its symbol, else a short title and the date."""
        if self.symbol:
            return self.symbol
        words = self.title.split()
        short = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
        return f"{short} ({self.date})" if self.date else short

    def paragraph(self, number: int) -> Paragraph | None:
        if 1 <= number <= len(self.paragraphs) and self.paragraphs[number - 1].number == number:
            return self.paragraphs[number - 1]
        return next((p for p in self.paragraphs if p.number == number), None)


class ParseError(ValueError):
    """The text does not look like a report with numbered paragraphs."""


# --- cleaning -------------------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>~])")
_TAG = re.compile(r"</?(?:i|b|em|strong|u|sup|sub|span)\b[^>]*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"(?<![\w*])\*{1,2}(?=\S)([^*\n]+?)(?<=\S)\*{1,2}(?![\w*])")


def clean(text: str) -> str:
    """Strip conversion markup: links, backslash escapes, HTML tags, *emphasis*, odd spaces."""
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    text = re.sub(r" +([:;,.])(?=\s|$)", r"\1", text)  # "<i>Title</i> : update" -> "Title: update"
    return re.sub(r"\s+", " ", text).strip()


# --- block classification -------------------------------------------------------------------

_CHAPTER = re.compile(r"^([IVXL]+)\.\s+(\S.*)$")
_SECTION = re.compile(r"^([A-Z])\.\s+(\S.*)$")
_NUMBERED = re.compile(r"^(\d{1,4})\.\s+(\S.*)$")
_ITEM = re.compile(r"^(?:[-•*]\s*)?\(([a-z]{1,2}|[ivx]{1,6})\)\s*(.*)$")
_TOC_LINE = re.compile(r"(?:\s\d{1,3}|<i>Page</i>|^Page)$")
_DATE = re.compile(
    r"^\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December) \d{4}$"
)
_SYMBOL = re.compile(r"^[A-Z]{1,2}(?:/[A-Z0-9.]+){2,}(?:/Add\.\d+|/Rev\.\d+|/Corr\.\d+)*$")
_SESSION = re.compile(r"^\S+(?:-\S+)? session$", re.IGNORECASE)
_AGENDA = re.compile(r"^Items? \d+.*$")
_HEADING_MAX_CHARS = 200
# Chapter titles of UN reports can run to several lines ("II. Status of ratification of ...").
_NUMBERED_HEADING_MAX_CHARS = 400
_TERMINAL = re.compile(r"[.:;!?][”’\"')\]]*$")


def _is_complete(text: str) -> bool:
    """A unit whose text ends a sentence; otherwise the next block continues it (page break)."""
    return bool(_TERMINAL.search(text))


def _looks_like_heading(text: str, max_chars: int = _HEADING_MAX_CHARS) -> bool:
    """Short, and not ending like a sentence ("Recommendations." is allowed)."""
    if len(text) > max_chars:
        return False
    return not text.endswith((".", ";", ",")) or (len(text) <= 60 and text.count(".") == 1)


def _split_blocks(raw: str) -> list[str]:
    """Blank-line separated blocks; lines inside a block are bullets or wrapped lines."""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        # Markdown bullets ("- (b) ...") each start their own block.
        current: list[str] = []
        for line in lines:
            if _ITEM.match(line.strip()) and current:
                blocks.append(" ".join(current))
                current = []
            # Markdown heading marks ("## I. Introduction"), not hashtags ("#EndHumanTrafficking").
            line = re.sub(r"^\s*#{1,6}\s+", "", line)
            current.append(line.strip() if not line.startswith("\t") else line)
        if current:
            blocks.append("\n".join(current))
    return blocks


# --- inline sub-items: "... action: (a) strengthening ...; (b) improving ..." ---------------

_INLINE_ITEM = re.compile(r"(?:(?<=\s)|^)\(([a-z])\)\s+")


def _split_inline_items(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split a run of consecutive inline (a), (b), (c)... labels out of one paragraph text."""
    marks = list(_INLINE_ITEM.finditer(text))
    run: list[re.Match[str]] = []
    for m in marks:
        expected = chr(ord("a") + len(run))
        if m.group(1) == expected:
            run.append(m)
        elif m.group(1) == "a":
            run = [m]
    if len(run) < 2:
        return text, []
    intro = text[: run[0].start()].strip()
    items = []
    for i, m in enumerate(run):
        end = run[i + 1].start() if i + 1 < len(run) else len(text)
        items.append((m.group(1), text[m.end() : end].strip()))
    return intro, items


# --- the parser -----------------------------------------------------------------------------


@dataclass
class _OpenParagraph:
    number: int | None
    headings: tuple[Heading, ...]
    intro: str
    items: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def last_text(self) -> str:
        return self.items[-1][1] if self.items else self.intro

    def extend_last(self, more: str) -> None:
        if self.items:
            label, text = self.items[-1]
            self.items[-1] = (label, f"{text} {more}".strip())
        else:
            self.intro = f"{self.intro} {more}".strip()

    def add_item(self, label_text: str, text: str) -> None:
        letters = [lab for lab in self.items if len(lab[0]) == 1]
        last = self.items[-1][0] if self.items else None
        last_letter = letters[-1][0][0] if letters else None
        next_letter = chr(ord(last_letter) + 1) if last_letter else "a"
        in_roman = last is not None and len(last) == 2
        next_roman = (
            ROMAN_NUMERALS[ROMAN_NUMERALS.index(last[1]) + 1]
            if in_roman and last[1] in ROMAN_NUMERALS[:-1]
            else None
        )
        if in_roman and label_text == next_roman:
            label: tuple[str, ...] = (last[0], label_text)
        elif label_text == next_letter or label_text not in ROMAN_NUMERALS:
            label = (label_text,)
        elif label_text == "i" and last_letter and self.last_text().endswith(":"):
            label = (last_letter, "i")
        else:
            label = (label_text,)
        self.items.append((label, text))

    def close(self) -> Paragraph:
        intro = clean(self.intro)
        items = [(label, clean(text)) for label, text in self.items]
        if not items:
            intro, inline = _split_inline_items(intro)
            items = [((label,), text) for label, text in inline]
        return Paragraph(
            number=self.number,
            headings=self.headings,
            intro=intro,
            items=tuple(SubItem(label, text) for label, text in items),
        )


def parse(raw: str, doc_id: str = "report") -> Document:
    """Parse a UN report converted to text into a Document.

    Paragraphs are found by their sequential numbers (1, 2, 3 ...), not by blank lines: a
    numbered block whose number is not the next paragraph number is a subsection heading,
    and a block after a unit that stops mid-sentence continues it (a page break).
    """
    blocks = _split_blocks(raw)
    meta: dict[str, str] = {}
    header_lines: list[str] = []
    i = 0
    # Front matter: everything before "Summary", "Contents" or the first chapter heading.
    while i < len(blocks):
        text = clean(blocks[i])
        if text in ("Summary", "Contents") or _CHAPTER.match(text):
            break
        header_lines += [clean(line) for line in blocks[i].split("\n")]
        i += 1
    _read_front_matter(header_lines, meta)

    summary_text: list[str] = []
    if i < len(blocks) and clean(blocks[i]) == "Summary":
        i += 1
        while i < len(blocks):
            text = clean(blocks[i])
            if text == "Contents" or _CHAPTER.match(text):
                break
            if not blocks[i].lstrip().startswith("*"):  # footnote, e.g. "* A/74/50."
                summary_text.append(text)
            i += 1

    # Table of contents: chapter lines ending in a page number, until the body repeats I.
    if i < len(blocks) and clean(blocks[i]) == "Contents":
        i += 1
        while i < len(blocks):
            first = blocks[i].split("\n")[0]
            if _TOC_LINE.search(blocks[i].strip()) or "\t" in first:
                i += 1
                continue
            break

    paragraphs: list[Paragraph] = []
    headings: list[Heading] = []
    all_headings: list[tuple[Heading, ...]] = []
    current: _OpenParagraph | None = None
    expected = 1

    def close_current() -> None:
        nonlocal current
        if current is not None:
            paragraphs.append(current.close())
            current = None

    def set_heading(heading: Heading) -> None:
        close_current()
        while headings and headings[-1].level >= heading.level:
            headings.pop()
        headings.append(heading)
        all_headings.append(tuple(headings))

    for index in range(i, len(blocks)):
        block = blocks[index].strip()
        text = clean(block)
        if not text or block.startswith("* "):
            continue
        numbered = _NUMBERED.match(text)
        if (
            numbered
            and int(numbered.group(1)) == expected
            and not (
                # "1. Legislation" right before paragraph 1 is a heading; a sentence never is.
                _looks_like_heading(numbered.group(2))
                and not numbered.group(2).endswith(".")
                and _next_number(blocks, index) == expected
            )
        ):
            close_current()
            current = _OpenParagraph(expected, tuple(headings), numbered.group(2))
            expected += 1
            continue
        item = _ITEM.match(text)
        if item and current is not None:
            current.add_item(item.group(1), item.group(2))
            continue
        structural = bool(_CHAPTER.match(text) or _SECTION.match(text) or numbered)
        if (
            current is not None
            and not _is_complete(current.last_text())
            and not (structural and _looks_like_heading(text, _NUMBERED_HEADING_MAX_CHARS))
        ):
            current.extend_last(text)
            continue
        limit = _NUMBERED_HEADING_MAX_CHARS if structural else _HEADING_MAX_CHARS
        if not _looks_like_heading(text, limit):
            if current is not None:  # an unnumbered block of prose belongs to the paragraph
                current.extend_last(text)
            continue
        chapter = _CHAPTER.match(text)
        section = _SECTION.match(text)
        if chapter:
            set_heading(Heading(1, chapter.group(1), chapter.group(2).rstrip(".")))
        elif section:
            set_heading(Heading(2, section.group(1), section.group(2).rstrip(".")))
        elif numbered:
            set_heading(Heading(3, numbered.group(1), numbered.group(2).rstrip(".")))
        else:
            set_heading(Heading(4, None, text))
    close_current()

    if not paragraphs:
        raise ParseError(
            "no numbered paragraphs found (expected blocks starting '1. ', '2. ', ...)"
        )
    summary = (
        Paragraph(
            number=None, headings=(Heading(1, None, "Summary"),), intro=" ".join(summary_text)
        )
        if summary_text
        else None
    )
    return Document(
        doc_id=doc_id,
        title=meta.get("title") or doc_id,
        date=meta.get("date"),
        session=meta.get("session"),
        agenda_item=meta.get("agenda_item"),
        symbol=meta.get("symbol"),
        summary=summary,
        paragraphs=tuple(paragraphs),
        headings=tuple(all_headings),
    )


def _next_number(blocks: list[str], index: int) -> int | None:
    """The number of the next numbered block after blocks[index], if any."""
    for block in blocks[index + 1 :]:
        m = _NUMBERED.match(clean(block))
        if m:
            return int(m.group(1))
    return None


def _read_front_matter(lines: list[str], meta: dict[str, str]) -> None:
    """Date, session, agenda item, title and symbol from the lines above the Summary."""
    lines = [line.rstrip("*").strip() for line in lines if line and not line.startswith("* ")]
    for n, line in enumerate(lines):
        if "date" not in meta and _DATE.match(line):
            meta["date"] = line
        elif "symbol" not in meta and _SYMBOL.match(line):
            meta["symbol"] = line
        elif "session" not in meta and _SESSION.match(line):
            meta["session"] = line
        elif "agenda_item" not in meta and _AGENDA.match(line):
            subject = lines[n + 1] if n + 1 < len(lines) else ""
            meta["agenda_item"] = f"{line}: {subject}" if subject else line
        elif re.match(r"^(Report|Note) (of|by) the ", line) and n > 0 and "title" not in meta:
            meta["title"] = lines[n - 1]
            meta["subtitle"] = line
    if "title" not in meta:
        prose = [ln for ln in lines if len(ln) > 20 and not _DATE.match(ln)]
        if prose:
            meta["title"] = prose[-1]
