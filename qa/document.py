"""The records every stage passes along: Document, its Paragraphs (numbered or not), Headings
and SubItems, and how each is cited."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

# Kinds of citable unit a document is read into.
PARAGRAPH = "paragraph"  # a numbered paragraph ("para. 12", "annex II, para. 4")
SUMMARY = "summary"  # the summary above the body
PREAMBLE = "preamble"  # an unnumbered preambular paragraph of a resolution or decision
TEXT = "text"  # unnumbered running text (letters, notes), cited by page
TABLE = "table"  # a table, cited by page
FOOTNOTE = "footnote"  # a footnote, cited by its number
UNIT_KINDS = (PARAGRAPH, SUMMARY, PREAMBLE, TEXT, TABLE, FOOTNOTE)

# A chapter title longer than this is shortened in citations (kept whole in `section`).
CITATION_TITLE_CHARS = 60


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


def short_title(title: str, limit: int = CITATION_TITLE_CHARS) -> str:
    """A title cut at a word boundary to about `limit` characters, with "…" when cut."""
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0].rstrip(",;:—– ")
    return cut + "…"


@dataclass(frozen=True)
class Paragraph:
    """One citable unit of a document, with where it sits.

    Attributes:
        number: the printed paragraph number; None for the Summary and unnumbered units.
        headings: the headings above it, chapter first.
        intro: its text up to the first sub-item (all of it when it has none).
        items: its lettered / roman sub-items.
        page: the page it starts on (PDFs), else None.
        kind: one of UNIT_KINDS.
        annex: the annex or enclosure it belongs to ("II", "" for a single unnumbered annex),
            when that annex numbers its own paragraphs or the unit is unnumbered; else None.
        ordinal: the unit's position among units of its kind that share a page (text, table),
            among preambular paragraphs (preamble), or its marker (footnote).
        notes: the footnotes it cites, by ordinal ("4", "1 (p. 7)"), in the order it cites
            them (PDFs whose markers are set as superscripts).
        last_page: for unnumbered text whose sentence a page break cuts, the page it ends
            on (cited "pp. 5–6"); else None.
    """

    number: int | None
    headings: tuple[Heading, ...]
    intro: str
    items: tuple[SubItem, ...] = ()
    page: int | None = None
    kind: str = PARAGRAPH
    annex: str | None = None
    ordinal: str | None = None
    notes: tuple[str, ...] = ()
    last_page: int | None = None

    @property
    def text(self) -> str:
        """Full text: the opening words, then each sub-item on its own line."""
        lines = [self.intro] if self.intro else []
        lines += [f"({item.label[-1]}) {item.text}" for item in self.items]
        return "\n".join(lines)

    @property
    def ref(self) -> str:
        """A key unique within the document: "12", "annex II/4", "summary", "preamble/3",
        "p2/1" (first unnumbered block of page 2), "footnote/12"."""
        if self.kind == SUMMARY:
            return "summary"
        if self.kind == PARAGRAPH:
            return (
                f"annex {self.annex}/{self.number}" if self.annex is not None else str(self.number)
            )
        if self.kind == FOOTNOTE:
            return f"footnote/{self.ordinal}"
        if self.kind == PREAMBLE:
            return f"preamble/{self.ordinal}"
        where = f"p{self.page}" if self.page is not None else "text"
        prefix = f"annex {self.annex}/" if self.annex is not None else ""
        return f"{prefix}{where}/{self.kind}{self.ordinal}"

    @property
    def locator(self) -> str:
        """Where it is, as a citation says it: "para. 12", "annex II, para. 4", "p. 2",
        "preambular para. 3", "footnote 12", "Summary"."""
        annex = f"annex {self.annex}".rstrip() + ", " if self.annex is not None else ""
        if self.kind == SUMMARY:
            return "Summary"
        if self.kind == PARAGRAPH:
            return f"{annex}para. {self.number}"
        if self.kind == FOOTNOTE:
            return f"footnote {self.ordinal}"
        if self.kind == PREAMBLE:
            return f"preambular para. {self.ordinal}"
        if self.page is None:
            page = "text"
        elif self.last_page is not None and self.last_page != self.page:
            page = f"pp. {self.page}–{self.last_page}"
        else:
            page = f"p. {self.page}"
        return f"{annex}{page}" + (", table" if self.kind == TABLE else "")

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
        """ "para. 57 — III.B.3 International Organization for Migration" (with sub-item);
        a long chapter title is shortened here and kept whole in `headings`."""
        where = f"{self.section_code} {short_title(self.section_title)}".strip()
        ref = self.locator
        if item:
            ref += " " + " ".join(f"({part})" for part in item)
        if self.kind in (FOOTNOTE,):
            return ref
        return f"{ref} — {where}" if where else ref

    def item(self, label: tuple[str, ...]) -> SubItem | None:
        return next((it for it in self.items if it.label == label), None)


@dataclass(frozen=True)
class Document:
    """A parsed document: metadata read from its own text, and its units in reading order.

    `paragraphs` holds every citable unit but the Summary: numbered paragraphs, preambular
    paragraphs, unnumbered text and tables, and footnotes (last).
    """

    doc_id: str
    title: str
    date: str | None = None
    session: str | None = None
    agenda_item: str | None = None
    symbol: str | None = None
    summary: Paragraph | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    headings: tuple[tuple[Heading, ...], ...] = field(default=(), repr=False)
    symbols: tuple[str, ...] = ()  # each symbol of a joint symbol ("A/79/740", "S/2025/45")
    date_iso: str | None = None  # the date as YYYY-MM-DD
    kind: str = "other"  # report | letter | resolution | decision | note | other
    organ: str | None = None  # "General Assembly", "Security Council", …
    subtitle: str | None = None  # "Report of the Secretary-General", a letter's line …
    pages: int | None = None
    source: str | None = None  # the file it was read from

    @property
    def label(self) -> str:
        """How citations name the document: its symbol, else a short title and the date."""
        if self.symbol:
            return self.symbol
        words = self.title.split()
        short = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
        return f"{short} ({self.date})" if self.date else short

    @property
    def numbered(self) -> list[Paragraph]:
        """The numbered paragraphs of the body (not of annexes that restart numbering)."""
        return [p for p in self.paragraphs if p.kind == PARAGRAPH and p.annex is None]

    def paragraph(self, number: int, annex: str | None = None) -> Paragraph | None:
        """The numbered paragraph `number` of the body (or of `annex`)."""
        index = self._by_ref.get(f"annex {annex}/{number}" if annex is not None else str(number))
        return self.paragraphs[index] if index is not None else None

    def notes_of(self, paragraph: Paragraph) -> list[Paragraph]:
        """The footnotes a unit cites, in the order it cites them."""
        found = (self.unit(f"footnote/{ordinal}") for ordinal in paragraph.notes)
        return [note for note in found if note is not None]

    def citing(self, footnote: Paragraph) -> list[Paragraph]:
        """The units that cite a footnote, in reading order."""
        if footnote.kind != FOOTNOTE:
            return []
        cited = self.__dict__.get("_citing")
        if cited is None:
            cited = {}
            for unit in self.paragraphs:
                for ordinal in unit.notes:
                    cited.setdefault(ordinal, []).append(unit)
            object.__setattr__(self, "_citing", cited)
        return list(cited.get(footnote.ordinal, ()))

    def unit(self, ref: str) -> Paragraph | None:
        """The unit whose `ref` this is ("12", "summary", "p2/text1", …)."""
        if ref == "summary":
            return self.summary
        index = self._by_ref.get(ref)
        return self.paragraphs[index] if index is not None else None

    @property
    def _by_ref(self) -> dict[str, int]:
        cached = self.__dict__.get("_refs")
        if cached is None:
            cached = {p.ref: i for i, p in enumerate(self.paragraphs)}
            object.__setattr__(self, "_refs", cached)
        return cached


# --- JSON on disk ------------------------------------------------------------------------------


def document_to_json(document: Document) -> bytes:
    """The document as UTF-8 JSON (orjson writes the dataclasses field by field, as asdict
    would, without asdict's deep copies)."""
    return orjson.dumps(document)


def paragraph_from_json(data: dict, paths: dict | None = None) -> Paragraph:
    """A Paragraph from its JSON; `paths` shares one tuple of Headings among the paragraphs
    under the same headings (a library holds 17,000 paragraphs under far fewer paths)."""
    raw = data["headings"]
    key = tuple((h["level"], h["label"], h["title"]) for h in raw)
    headings = paths.get(key) if paths is not None else None
    if headings is None:
        headings = tuple(Heading(*k) for k in key)
        if paths is not None:
            paths[key] = headings
    items = data["items"]
    return from_fields(
        Paragraph,
        number=data["number"],
        headings=headings,
        intro=data["intro"],
        items=tuple(from_fields(SubItem, label=tuple(i["label"]), text=i["text"]) for i in items)
        if items
        else (),
        page=data.get("page"),
        kind=data.get("kind", PARAGRAPH),
        annex=data.get("annex"),
        ordinal=data.get("ordinal"),
        notes=tuple(data.get("notes") or ()),
        last_page=data.get("last_page"),
    )


def from_fields(cls, **values):
    """An instance of a frozen dataclass, its fields (all of them, as written by asdict) set
    straight into its __dict__: a frozen __init__ sets each field through
    object.__setattr__, which made reading a library's 17,000 paragraphs twice as slow."""
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


def document_from_json(data: dict) -> Document:
    paths: dict = {}
    return Document(
        doc_id=data["doc_id"],
        title=data["title"],
        date=data.get("date"),
        session=data.get("session"),
        agenda_item=data.get("agenda_item"),
        symbol=data.get("symbol"),
        summary=paragraph_from_json(data["summary"]) if data.get("summary") else None,
        paragraphs=tuple(paragraph_from_json(p, paths) for p in data["paragraphs"]),
        headings=tuple(tuple(Heading(**h) for h in path) for path in data.get("headings", [])),
        symbols=tuple(data.get("symbols") or ()),
        date_iso=data.get("date_iso"),
        kind=data.get("kind", "other"),
        organ=data.get("organ"),
        subtitle=data.get("subtitle"),
        pages=data.get("pages"),
        source=data.get("source"),
    )
