"""Blocks -> citable units: numbered paragraphs with section paths and sub-items, the Summary,
annexes that restart numbering, a resolution's preamble, unnumbered text and tables by page,
footnotes (pure)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..document import (
    FOOTNOTE,
    PARAGRAPH,
    PREAMBLE,
    SUMMARY,
    TABLE,
    TEXT,
    Heading,
    Paragraph,
    SubItem,
)
from .layout import Block

ROMAN_NUMERALS = [
    "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
    "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx",
]  # fmt: skip

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

CHAPTER = re.compile(r"^([IVXL]+)\.\s+(\S.*)$")
SECTION = re.compile(r"^([A-Z])\.\s+(\S.*)$")
NUMBERED = re.compile(r"^(\d{1,4})\.\s+(\S.*)$")
_BARE_NUMBER = re.compile(r"^(\d{1,4})\s+([A-Z][a-z]+\b.{40,})$", re.DOTALL)
# A table's or figure's label on a line of its own: "Table 2", "Figure III", "Table A.II.2".
_CAPTION = (
    r"^(?:Table|Figure|Chart|Box|Map|Graph)\s+(?:[A-Z]\.)?(?:[IVXL]+|\d+)(?:\.(?:[IVXL]+|\d+))*"
    r"[a-z]?"
)
_CAPTION_LABEL = re.compile(_CAPTION + "$")
_CAPTION_START = re.compile(_CAPTION + r"\b")  # a caption's title: "Figure III Weekly …"
ITEM = re.compile(r"^(?:[-•*]\s*)?\(([a-z]{1,2}|[ivx]{1,6})\)\s*(.*)$")
ANNEX = re.compile(
    # Singular only: "Annexes" heads a list of the annexes (or says where they are), not one.
    r"^(Annex|ANNEX|Enclosure|ENCLOSURE|Appendix|APPENDIX|Attachment)"
    r"(?:\s+([IVXL]+|\d{1,2}|[A-Z])\b)?[.:]?(?:\s+(?:to|of)\b.*)?$"
)
# A panel of experts' annexes are numbered and titled: "Annex 10A: Photos of elvers …",
# "Annex 3.1: Panel's visit …".
_TITLED_ANNEX = re.compile(r"^(Annex)\s+(\d{1,2}(?:\.\d{1,2})?[A-Z]?)[:.]\s+\S.*$")
# "The Security Council,", "The General Assembly,", "The Executive Board,": what a
# resolution's or decision's preamble follows.
_PREAMBLE_LEAD = re.compile(r"^The [A-Z][A-Za-z’'\- ]{2,80},$")
_INLINE_PREAMBLE = re.compile(
    r"^The [A-Z][A-Za-z’'\- ]{2,80}, (?:recalling|reaffirming|noting|bearing in mind|welcoming|"
    r"recognizing|acknowledging|taking note|having (?:considered|examined|reviewed)|reiterating)\b"
)
_HEADING_MAX_CHARS = 200
# Chapter titles of UN reports can run to several lines ("II. Status of ratification of ...").
_NUMBERED_HEADING_MAX_CHARS = 400
_TERMINAL = re.compile(r"[.:;!?][”’\"')\]]*$")


def is_complete(text: str) -> bool:
    """A unit whose text ends a sentence; otherwise the next block continues it (page break)."""
    return bool(_TERMINAL.search(text))


def looks_like_heading(text: str, max_chars: int = _HEADING_MAX_CHARS) -> bool:
    """Short, and not ending like a sentence ("Recommendations." is allowed, "The Board
    adopted the programme." is a sentence)."""
    if len(text) > max_chars:
        return False
    return not text.endswith((".", ";", ",")) or (
        len(text) <= 60 and text.count(".") == 1 and len(text.split()) <= 5
    )


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
class _Open:
    """The unit being read: it grows while the blocks after it continue it."""

    number: int | None
    headings: tuple[Heading, ...]
    intro: str
    page: int | None = None
    kind: str = PARAGRAPH
    annex: str | None = None
    ordinal: str | None = None
    items: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    # The footnote markers of the blocks read into it, with each block's page.
    markers: list[tuple[str, int | None]] = field(default_factory=list)
    # Unnumbered text carried over a page break in mid-sentence: the page it ends on.
    last_page: int | None = None

    def size(self) -> int:
        """How much it holds: grows with every block read into it."""
        return len(self.intro) + sum(len(text) + 1 for _, text in self.items)

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
        next_letter = chr(ord(last_letter) + 1) if last_letter and len(last_letter) == 1 else "a"
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

    def close(self, note: Callable[[str, int | None], str | None] | None = None) -> Paragraph:
        """The unit; `note` names the footnote a marker on a page refers to (None: unknown)."""
        intro = clean(self.intro)
        items = [(label, clean(text)) for label, text in self.items]
        if not items and self.kind == PARAGRAPH:
            intro, inline = _split_inline_items(intro)
            items = [((label,), text) for label, text in inline]
        return Paragraph(
            number=self.number,
            headings=self.headings,
            intro=intro,
            items=tuple(SubItem(label, text) for label, text in items),
            page=self.page,
            kind=self.kind,
            annex=self.annex,
            ordinal=self.ordinal,
            last_page=self.last_page,
            notes=tuple(
                dict.fromkeys(
                    found for marker, page in self.markers if note and (found := note(marker, page))
                )
            ),
        )


@dataclass
class Body:
    """What the body of a document reads as."""

    summary: Paragraph | None
    units: list[Paragraph]
    headings: list[tuple[Heading, ...]]


def read_body(
    blocks: list[Block], body_size: float | None = None, footnotes: Sequence[Paragraph] = ()
) -> Body:
    """Units from the body's blocks (front matter already taken off).

    Paragraphs are found by their sequential numbers (1, 2, 3 ...), not by layout: a numbered
    block whose number is not the next paragraph number is a subsection heading, and a block
    after a unit that stops mid-sentence continues it (a page break). An annex whose first
    numbered block is "1." starts its own numbering. Text outside numbered paragraphs is kept
    as units of its own, cited by page. Each unit names the `footnotes` (the document's, as
    `footnote_units` reads them) whose markers its blocks carry.
    """
    note = _note_finder(footnotes)
    blocks = _captions_joined(blocks)
    texts = [clean(b.text) for b in blocks]
    numbers = [
        int(m.group(1)) if (m := NUMBERED.match(t)) and b.kind == "text" else None
        for t, b in zip(texts, blocks)
    ]
    next_number = _next_numbers(numbers)
    # A list numbered from 1 inside a paragraph ("The agenda read as follows: 1. Opening ...
    # 7. Other business."): the number it expects next, and where the last paragraph number
    # stood. A number that continues that list and stands further right is not the next
    # paragraph, even when it is the number the paragraphs expect.
    list_next: int | None = None
    number_indent: float | None = None
    nested = max(12.0, 1.2 * (body_size or 10.0))
    again_later = _numbers_again(blocks, texts, numbers)

    summary_parts: list[str] = []
    summary_page: int | None = None
    units: list[Paragraph] = []
    headings: list[Heading] = []
    all_headings: list[tuple[Heading, ...]] = []
    current: _Open | None = None
    expected = 1
    annex: str | None = None  # label of the annex we are in
    annex_restarts = False
    # Where the body's numbering stood when the first annex began: (next number, indent).
    body_resumes: tuple[int, float | None] = (0, None)
    annex_labels: set[str] = set()
    in_preamble = False
    preamble_count = 0
    per_page: dict[tuple[str | None, int | None, str], int] = {}
    # Headings as they come (where in `units`, page, annex, path, text): a page whose only
    # text is headings (a title over photographs, a figure) is cited by them.
    captions: list[tuple[int, int, str | None, tuple[Heading, ...], str]] = []
    mode = "body"
    contents_page: int | None = None
    i = 0

    inner_list_end = -1  # blocks before this index belong to a list inside the text

    def _inside_list(k: int) -> bool:
        """A list numbered from 1 inside the text (an agenda, a decision the report quotes),
        whose numbers the paragraphs take up again where it ends: none of it is theirs."""
        nonlocal inner_list_end
        if k < inner_list_end:
            return True
        resumes = None
        if numbers[k] == list_next:  # the list began with a "1." that was not paragraph 1
            resumes = again_later(k, None if number_indent is None else number_indent + nested)
        elif numbers[k] == 1 and blocks[k].indent is not None:
            # Conclusions quoted before the report's own paragraph 1, set further right.
            resumes = again_later(k, blocks[k].indent - nested)
        if resumes is not None:
            inner_list_end = resumes
        return resumes is not None

    def _carried_on(k: int) -> tuple[str, int | None]:
        """The text of block k when it is plain text, and the next paragraph number from it
        on: a year that opens a wrapped line ("2025. Since June ...") is not one."""
        if k >= len(blocks) or blocks[k].kind != "text" or blocks[k].bold:
            return "", None
        following = next(
            (n for n in numbers[k : k + 40] if n is not None and n <= expected + 3), None
        )
        return texts[k], following

    def close_current() -> None:
        nonlocal current
        if current is not None:
            units.append(current.close(note))
            current = None

    # A block's footnote markers go to the unit it was read into: the one being read after it,
    # if that is new or has grown. A heading's go to the first unit under it (`pending`); a
    # table takes its own; the Summary's and the contents' are dropped.
    marked: tuple[Block, _Open | None, int] | None = None
    pending: list[tuple[str, int | None]] = []

    def take_markers() -> None:
        if marked is not None and current is not None:
            block, before, size = marked
            if current is not before or current.size() != size:
                current.markers.extend(pending)
                pending.clear()
                current.markers.extend((m, block.page) for m in block.markers)

    caption_page: int | None = None  # the page of the figure or table heading the path

    def leave_caption(page: int | None, paragraph: bool) -> None:
        """A figure's or table's caption heads what is printed under it, not what follows
        the figure: it leaves the path when a numbered paragraph opens, or text on another
        page (S/2025/153 para. 14 was cited under "Figure III Weekly air attacks …")."""
        if (
            headings
            and headings[-1].label is None
            and _CAPTION_START.match(headings[-1].title)
            and (paragraph or page != caption_page)
        ):
            headings.pop()

    def set_heading(heading: Heading, page: int | None = None) -> None:
        nonlocal marked, caption_page
        caption_page = page
        if marked is not None:  # a heading's markers go to the first unit under it
            pending.extend((m, marked[0].page) for m in marked[0].markers)
            marked = None
        close_current()
        while headings and headings[-1].level >= heading.level:
            headings.pop()
        headings.append(heading)
        all_headings.append(tuple(headings))
        if page is not None:
            captions.append((len(units), page, annex, tuple(headings), heading.display))

    def loose_unit(kind: str, text: str, page: int | None) -> _Open:
        key = (annex, page, kind)
        per_page[key] = per_page.get(key, 0) + 1
        return _Open(None, tuple(headings), text, page, kind, annex, str(per_page[key]))

    while i < len(blocks):
        take_markers()
        block, text = blocks[i], texts[i]
        marked = (
            (block, current, current.size() if current else 0) if block.markers or pending else None
        )
        i += 1
        if not text or (block.bold is None and block.text.lstrip().startswith("* ")):
            continue  # a plain-text footnote line ("* A/74/50.")
        if text == "Summary" and expected == 1 and not summary_parts:
            # The Summary, before the body proper.
            close_current()
            mode = "summary"
            continue
        if mode == "summary":
            if (
                text == "Contents"
                or CHAPTER.match(text)
                or numbers[i - 1] == 1
                or (block.bold and looks_like_heading(text))
            ):
                mode = "body"
            else:
                summary_parts.append(text)
                summary_page = summary_page or block.page
                continue
        if text == "Contents" or (text in ("Page", "Paragraphs Page") and mode == "contents"):
            mode = "contents"
            contents_page = block.page
            continue
        if mode == "contents":
            # The page that holds "Contents" is the table of contents to its end (its list
            # of annexes too); on later pages, what reads like contents entries.
            same_page = (
                block.page is not None
                and block.page == contents_page
                and not (block.bold and CHAPTER.match(text))  # the body starts on this page
                and not (NUMBERED.match(text) and len(text) > 120)
            )
            if same_page or _is_contents_line(block, text, body_size):
                continue
            mode = "body"

        if block.kind == "table":
            table = loose_unit(TABLE, block.text, block.page)
            table.markers.extend([*pending, *((m, block.page) for m in block.markers)])
            pending.clear()
            units.append(table.close(note))
            continue

        numbered = NUMBERED.match(text)
        number = numbers[i - 1]
        bare = _BARE_NUMBER.match(text) if number is None and block.kind == "text" else None
        if (
            bare
            and int(bare.group(1)) == expected > 1
            and next_number[i - 1] == expected + 1
            and (current is None or is_complete(current.last_text()))
        ):
            # "44 With that adjustment ...": the expected number printed without its full
            # stop, between paragraphs 43 and 45.
            numbered, number = bare, expected
        heading_like = _heading_like(block, text)
        larger = bool(body_size and block.size and block.size >= body_size + 1.5)

        # An annex or enclosure: its own scope, and maybe its own numbering.
        annex_match = _annex_heading(block, text)
        if annex_match:
            close_current()
            label = (annex_match.group(2) or "").strip()
            kind_word = annex_match.group(1).lower().rstrip("s")
            if kind_word.startswith("annexe"):
                kind_word = "annex"
            name = label if kind_word == "annex" else f"{kind_word} {label}".strip()
            if annex and kind_word != "annex":
                name = f"{annex}, {name}"  # an enclosure inside annex II: "II, enclosure"
            while name in annex_labels:
                name = f"{name}*"
            annex_labels.add(name)
            if annex is None:
                body_resumes = (expected, number_indent)
            annex = name
            in_preamble = False
            upcoming = next_number[i - 1]
            annex_restarts = upcoming == 1 or (number == 1)
            number_indent = list_next = None
            if annex_restarts:
                expected = 1
            headings.clear()
            title = text if len(text) < 200 else text[:200]
            set_heading(Heading(0, None, title), block.page)
            continue

        if (
            annex_restarts
            and number is not None
            and number == body_resumes[0]
            and _back_in_body(block.indent, body_resumes[1], number_indent)
        ):
            # An annex inside the body (the annex of a draft resolution the report quotes,
            # its paragraphs set further right): the body's next paragraph, back at the body's
            # margin, ends it.
            close_current()
            annex, annex_restarts, in_preamble = None, False, False
            expected = number
            headings.clear()
        if (
            number is not None
            and (number == expected or _skipped(number, expected, next_number[i - 1], text))
            and not _numbered_heading(
                numbered.group(2), block, next_number[i - 1], number, _carried_on(i)
            )
            and not (
                number == list_next
                and block.indent is not None
                and number_indent is not None
                and block.indent > number_indent + nested
            )
            and not _inside_list(i - 1)
        ):
            close_current()
            in_preamble = False
            leave_caption(block.page, paragraph=True)
            current = _Open(
                number,
                tuple(headings),
                numbered.group(2),
                block.page,
                PARAGRAPH,
                annex if annex_restarts else None,
            )
            expected = number + 1
            number_indent = block.indent
            list_next = None
            continue
        if number is not None and numbers[i - 1] in (1, list_next):
            list_next = number + 1

        item = ITEM.match(text)
        if item and current is not None and current.kind == PREAMBLE and item.group(1) == "a":
            # "(a) Recommends ..." after a preamble that ends with a colon: the operative part.
            close_current()
            current = loose_unit(TEXT, "", block.page)
        if item and current is not None:
            current.add_item(item.group(1), item.group(2))
            continue

        if _CAPTION_LABEL.match(text):
            # A figure's or table's label alone ("Table 2" over the table read as text): the
            # start of what it labels, not the end of the paragraph above it.
            close_current()
            current = loose_unit(TEXT, text, block.page)
            continue

        structural = bool(CHAPTER.match(text) or SECTION.match(text) or numbered)
        if (
            current is not None
            and current.kind != PREAMBLE
            and not is_complete(current.last_text())
            and not _new_page(current, block, text)
            and not larger
            and not (structural and heading_like)
            and not (block.bold and not _bold_continues(current, block))
        ):
            _carry_on(current, block, text)
            continue

        if _PREAMBLE_LEAD.match(text) and expected == 1:
            close_current()
            in_preamble = True
            continue
        if _INLINE_PREAMBLE.match(text) and expected == 1 and text.endswith(":"):
            # "The Economic and Social Council, recalling ..., and noting ...:" before its
            # lettered decisions: a decision's preamble run into one paragraph.
            close_current()
            preamble_count += 1
            current = _Open(
                None, tuple(headings), text, block.page, PREAMBLE, annex, str(preamble_count)
            )
            continue

        if heading_like and _mostly_figures(text):
            # A table's row of totals set in bold ("Total 25 942.7 2 810.7 23 132.0"): text
            # of its own, not a title over what follows.
            close_current()
            current = loose_unit(TEXT, text, block.page)
            continue
        if heading_like and not _run_in_lead(block, text, structural, _carried_on(i)[0]):
            chapter = CHAPTER.match(text)
            section = SECTION.match(text)
            if chapter:
                heading = Heading(1, chapter.group(1), chapter.group(2).rstrip("."))
            elif section:
                heading = Heading(2, section.group(1), section.group(2).rstrip("."))
            elif numbered:
                heading = Heading(3, numbered.group(1), numbered.group(2).rstrip("."))
            else:
                heading = Heading(4, None, text)
            set_heading(heading, block.page)
            in_preamble = in_preamble and not block.bold
            continue

        if current is not None and current.kind == PARAGRAPH and not larger:
            # An unnumbered block of prose after a paragraph belongs to it; one set in larger
            # type (the title of a text attached after the last paragraph) does not.
            current.extend_last(text)
            continue
        if (
            current is not None
            and current.kind == PREAMBLE
            and not is_complete(current.intro)
            and (text[:1].islower() or not current.intro.endswith((",", ";")))
        ):
            # A preambular paragraph ends with a comma; the next one opens with a capital.
            current.extend_last(text)
            continue
        if (
            current is not None
            and current.kind == TEXT
            and not is_complete(current.intro)
            and not _new_page(current, block, text)
        ):
            _carry_on(current, block, text)
            continue
        close_current()
        if in_preamble:
            preamble_count += 1
            current = _Open(
                None, tuple(headings), text, block.page, PREAMBLE, annex, str(preamble_count)
            )
        else:
            leave_caption(block.page, paragraph=False)
            current = loose_unit(TEXT, text, block.page)
    take_markers()
    close_current()
    _cite_lone_headings(units, captions, summary_page)

    summary = (
        Paragraph(
            number=None,
            headings=(Heading(1, None, "Summary"),),
            intro=" ".join(summary_parts),
            page=summary_page,
            kind=SUMMARY,
        )
        if summary_parts
        else None
    )
    return Body(summary, units, all_headings)


def _captions_joined(blocks: list[Block]) -> list[Block]:
    """A table's or figure's label ("Table 2", "Figure III", "Table A.II.2") set on its own
    line over its title or the table itself is read with it ("Table 2 Resource requirements
    for 2025"), so that it neither ends the paragraph above nor stands alone."""
    joined: list[Block] = []
    k = 0
    while k < len(blocks):
        block = blocks[k]
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if (
            nxt is not None
            and block.kind == "text"
            and nxt.page == block.page
            and _CAPTION_LABEL.match(clean(block.text))
            and (nxt.kind == "table" or (nxt.bold and not NUMBERED.match(clean(nxt.text))))
        ):
            joined.append(
                dataclasses.replace(
                    nxt,
                    text=f"{block.text.strip()} {nxt.text}",
                    lines=block.lines + nxt.lines,
                    markers=block.markers + nxt.markers,
                )
            )
            k += 2
            continue
        joined.append(block)
        k += 1
    return joined


def _new_page(current: _Open, block: Block, text: str) -> bool:
    """Unnumbered text is cited by page, so it does not run on across a page break, unless
    the break cuts a sentence: the unit stops mid-sentence and the next page goes on in lower
    case ("… a significant gender gap" / "persists (the rate was …"). It then runs on, and is
    cited by both pages (`last_page`). Callers have checked that the unit stops
    mid-sentence."""
    ends = current.last_page or current.page
    if current.kind != TEXT or block.page is None or block.page == ends:
        return False
    return not (text[:1].islower() and ends is not None and block.page == ends + 1)


def _carry_on(current: _Open, block: Block, text: str) -> None:
    """The block's text read into the unit, whose last page it may be."""
    current.extend_last(text)
    if current.kind == TEXT and block.page is not None and block.page != current.page:
        current.last_page = block.page


def _cite_lone_headings(
    units: list[Paragraph],
    captions: list[tuple[int, int, str | None, tuple[Heading, ...], str]],
    summary_page: int | None,
) -> None:
    """A text unit, in place, for the headings of each page on which no unit starts (an
    annex's title over photographs, a figure's caption): what is printed there stays findable
    and citable by page."""
    cited = {u.page for u in units} | {summary_page}
    by_page: dict[int, list[tuple[int, str | None, tuple[Heading, ...], str]]] = {}
    for at, page, annex, path, text in captions:
        if page not in cited:
            by_page.setdefault(page, []).append((at, annex, path, text))
    for page, found in sorted(by_page.items(), key=lambda kv: -kv[1][0][0]):
        at, annex, path, _ = found[0]
        text = " ".join(t for *_, t in found)
        unit = Paragraph(None, path, text, page=page, kind=TEXT, annex=annex, ordinal="1")
        units.insert(at, unit)


def _note_finder(
    footnotes: Sequence[Paragraph],
) -> Callable[[str, int | None], str | None]:
    """marker, page -> the ordinal of the footnote it refers to: the one with that marker on
    the same page, else on the next (a footnote carried over), else the only one with it."""
    on_page: dict[tuple[str, int | None], str] = {}
    anywhere: dict[str, list[str]] = {}
    for unit in footnotes:
        ordinal = unit.ordinal or ""
        label = ordinal.split(" (p. ")[0]
        on_page.setdefault((label, unit.page), ordinal)
        anywhere.setdefault(label, []).append(ordinal)

    def find(marker: str, page: int | None) -> str | None:
        found = on_page.get((marker, page))
        if found is None and page is not None:
            found = on_page.get((marker, page + 1))
        if found is None and len(anywhere.get(marker, ())) == 1:
            found = anywhere[marker][0]
        return found

    return find


def footnote_units(footnotes: list[Block]) -> list[Paragraph]:
    """Footnotes as units of their own, cited by marker; the first of a repeated marker wins
    its plain number and later ones get the page ("12", then "12 (p. 30)")."""
    units = []
    seen: set[str] = set()
    for note in footnotes:
        label = note.label or "*"
        ordinal = label if label not in seen else f"{label} (p. {note.page})"
        while ordinal in seen:
            ordinal += "*"
        seen.add(ordinal)
        seen.add(label)
        units.append(
            Paragraph(None, (), clean(note.text), page=note.page, kind=FOOTNOTE, ordinal=ordinal)
        )
    return units


def _annex_heading(block: Block, text: str) -> re.Match[str] | None:
    """ "Annex II", "Enclosure", "Annex to the letter dated ...": not set in plain type."""
    if block.bold is False or len(text) >= 300:
        return None
    first = block.lines[0].strip() if block.lines else text
    return ANNEX.match(first) or _TITLED_ANNEX.match(first)


def _numbers_again(
    blocks: list[Block], texts: list[str], numbers: list[int | None]
) -> Callable[[int, float | None], int | None]:
    """A test for a numbered block: after the run of numbers it starts (n, n + 1, ...), is
    the next number printed n again, before the next annex, on a block of plain type (not a
    numbered heading) that starts no further right than `limit` (any, when None)? Then the
    run was a list inside the text and the paragraphs take up the numbering there: the index
    of that block, else None."""
    scope_end = [len(blocks)] * len(blocks)
    end = len(blocks)
    for k in range(len(blocks) - 1, -1, -1):
        scope_end[k] = end
        if _annex_heading(blocks[k], texts[k]):
            end = k
    plain = [k for k, n in enumerate(numbers) if n is not None and not blocks[k].bold]
    position = {k: at for at, k in enumerate(plain)}

    def again(k: int, limit: float | None) -> int | None:
        if k not in position:
            return None
        upcoming = (numbers[k] or 0) + 1
        for j in plain[position[k] + 1 :]:
            if j >= scope_end[k]:
                return None
            if numbers[j] == upcoming:
                upcoming += 1
                continue
            indent = blocks[j].indent
            if numbers[j] == numbers[k] and (limit is None or indent is None or indent <= limit):
                return j
            return None
        return None

    return again


def _back_in_body(indent: float | None, body: float | None, annex: float | None) -> bool:
    """A number at the body paragraphs' indent, where the annex set its own numbers
    further right."""
    if indent is None or body is None or annex is None:
        return False
    return abs(indent - body) < 3 and annex - body > 8


def _next_numbers(numbers: list[int | None]) -> list[int | None]:
    """For each block, the number of the next numbered block after it."""
    out: list[int | None] = [None] * len(numbers)
    upcoming = None
    for index in range(len(numbers) - 1, -1, -1):
        out[index] = upcoming
        if numbers[index] is not None:
            upcoming = numbers[index]
    return out


def _skipped(number: int, expected: int, following: int | None, text: str) -> bool:
    """A paragraph number one or two past the expected one, confirmed by the next number: the
    document skipped a number (or the missing one is not in its text layer)."""
    return expected < number <= expected + 2 and following == number + 1 and len(text) > 60


def _numbered_heading(
    rest: str,
    block: Block,
    following: int | None,
    number: int,
    carried: tuple[str, int | None] = ("", None),
) -> bool:
    """ "1. Legislation" right before paragraph 1 is a heading; a sentence never is. In a PDF,
    a bold numbered line without any punctuation heads what follows ("1. Center for Family
    Studies"); a bold paragraph ("16. The Commission is invited:") does not, nor a bold first
    line whose sentence the next, plain block carries on (a run-in heading set in bold that
    wraps: "16. The Committee of Permanent Representatives has various distinct" /
    "subcommittees. In addition ...") when the numbers say it is the next paragraph."""
    if (
        not looks_like_heading(rest)
        or rest.endswith(".")
        or (rest.endswith(":") and len(rest) > 60)
        or (
            carried[0]
            and (carried[1] or following) == number + 1
            and (carried[0][:1].islower() or len(rest) >= 60)
        )
    ):
        return False  # a sentence that introduces what follows is a paragraph
    if following == number:
        return True
    return bool(block.bold) and len(rest) <= 100 and not re.search(r"[.:;!?]", rest)


_MONTH = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)


def _mostly_figures(text: str) -> bool:
    """A row of figures: three numbers or more, and more digits than letters (a decision's
    number, "2025/4", or a date, "10–13 June 2025", heads what follows)."""
    if _MONTH.search(text):
        return False
    return len(re.findall(r"(?<![\w/])[\d.,]*\d(?![\w/])", text)) >= 3 and sum(
        c.isdigit() for c in text
    ) > sum(c.isalpha() for c in text)


def _run_in_lead(block: Block, text: str, structural: bool, carried: str) -> bool:
    """A bold first line whose sentence the next, plain block carries on in lower case is
    the opening of a paragraph, not a title: a speaker's name set in bold leads the line
    ("Ms Mirjana Spoljaric Egger, President of the ICRC, emphasized that water is" /
    "essential for life, …"), and the line counts as bold because most of it is. Taken
    for a title, the paragraph lost its first line and opened mid-sentence."""
    return (
        bool(block.bold)
        and not structural
        # Its lines fill the measure; a title set centred over short lines ("Extract" / "of
        # the Criminal Code" / …) does not run on into the text under it.
        and (len(block.lines) <= 1 or all(len(line) >= 40 for line in block.lines))
        and not re.search(r"[.:;!?]$", text)
        and carried[:1].islower()
    )


def _heading_like(block: Block, text: str) -> bool:
    structural = bool(CHAPTER.match(text) or SECTION.match(text) or NUMBERED.match(text))
    limit = _NUMBERED_HEADING_MAX_CHARS if structural else _HEADING_MAX_CHARS
    if block.bold is None:
        return looks_like_heading(text, limit)
    if block.bold:
        # A title over several lines (read as one block since they are set as one) may be
        # long; bold prose ends its sentence, or leads into what follows.
        return len(text) <= limit or (
            len(text) <= _NUMBERED_HEADING_MAX_CHARS
            and not re.search(r"[.:;?!]$", text)
            and not re.match(r"[•▪\-–—]", text)  # a bold point of a list
        )
    # Not bold: only a labelled chapter or section line that reads as a title.
    return bool(CHAPTER.match(text) or SECTION.match(text)) and looks_like_heading(text, 120)


def _bold_continues(current: _Open, block: Block) -> bool:
    """A bold block continuing an unfinished unit (a page break inside bold text): one that
    does not read as a title, or goes on in lower case."""
    text = clean(block.text)
    return not looks_like_heading(text) or text[:1].islower()


def _is_contents_line(block: Block, text: str, body_size: float | None) -> bool:
    """A line of the table of contents (dot leaders are gone already in PDFs): small type, or
    an entry that is neither a bold heading nor a paragraph of prose."""
    if block.bold is not None:
        if block.bold or NUMBERED.match(text) and len(text) > 120:
            return False
        return (
            (block.size is not None and body_size is not None and block.size < body_size - 0.4)
            or len(text) < 160
            or not is_complete(text)
        )
    return bool(re.search(r"(?:\s\d{1,3}|<i>Page</i>|^Page)$", block.text.strip())) or (
        "\t" in block.text.split("\n")[0]
    )
