"""Paragraphs -> passages that fit the embedding model, each pointing at paragraph + sub-item."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .document import FOOTNOTE, Document, Paragraph, SubItem


@dataclass(frozen=True)
class Passage:
    """The retrieval unit: a window of one paragraph (or of one of its sub-items).

    `text` is the report's own words (shown and highlighted); `context` (section title, the
    paragraph's opening words for a sub-item) is read by the model and BM25 alongside it;
    `heading` (the document's title and the path of headings above the paragraph) by the
    model alone.
    """

    id: int
    doc_id: str
    ref: str  # the unit's key in its document (Paragraph.ref): "57", "annex II/4", "p2/text1"
    item: tuple[str, ...] | None
    text: str
    context: str
    heading: str = ""

    @property
    def embed_text(self) -> str:
        """What the model reads: heading, context and text. A whole paragraph's context is
        its section title, which its heading path already ends with."""
        context = self.context if self.item is not None or not self.heading else ""
        return "\n".join(part for part in (self.heading, context, self.text) if part)

    @property
    def lexical_text(self) -> str:
        """What BM25 reads: context and text (a heading path repeated in every passage of a
        section only blurs BM25's word weights: docs/retrieval.md)."""
        return f"{self.context}\n{self.text}" if self.context else self.text


# A sentence ends at . ! ? or ; followed by space and a capital, quote or bracket — but not
# after common abbreviations ("e.g.", "No.", "para.") or single initials.
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "no",
    "nos",
    "para",
    "paras",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "art",
    "arts",
    "vol",
    "cf",
    "etc",
    "inc",
    "ltd",
    "co",
    "approx",
    "vs",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[”’\"')\]]*\s+(?=[A-Z0-9“\"(‘])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; joined with spaces they give back the text."""
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()].rstrip(".!?”’\"')]")
        last_word = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        sentences.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _windows(text: str, context: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Cut text into consecutive windows of whole sentences (one sentence of overlap) that fit."""

    def fits(candidate: str) -> bool:
        return count(f"{context}\n{candidate}" if context else candidate) <= limit

    if fits(text):
        return [text]
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if fits(sentence):
            pieces.append(sentence)
        else:  # a sentence longer than the model reads: cut it by words
            words, part = sentence.split(), []
            for word in words:
                if part and not fits(" ".join(part + [word])):
                    pieces.append(" ".join(part))
                    part = []
                part.append(word)
            if part:
                pieces.append(" ".join(part))
    windows: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and not fits(" ".join(current + [piece])):
            windows.append(" ".join(current))
            # Carry the last sentence over so no answer is cut from its lead-in.
            current = [current[-1]] if fits(" ".join([current[-1], piece])) else []
        current.append(piece)
    if current:
        windows.append(" ".join(current))
    return windows


def heading_path(
    document: Document,
    paragraph: Paragraph,
    count: Callable[[str], int] | None = None,
    budget: int = 0,
) -> str:
    """ "Document title: chapter > section > subsection": where a paragraph sits, as words.

    With `count` and `budget` (word pieces), the outer headings go first ("… > subsection"),
    then the title is shortened: the nearest heading says most about the paragraph."""
    titles = [h.title for h in paragraph.headings if h.title]

    def join(parts: list[str], cut: bool) -> str:
        path = " > ".join((["…"] if cut else []) + parts)
        return ": ".join(part for part in (document.title, path) if part)

    text = join(titles, False)
    if count is None or count(text) <= budget:
        return text
    for start in range(1, len(titles)):
        text = join(titles[start:], True)
        if count(text) <= budget:
            return text
    last = titles[-1] if titles else ""
    room = budget - (count(last) if last else 0)
    title = _trim(document.title, count, max(room, budget // 3))
    text = ": ".join(part for part in (title, last) if part)
    return text if count(text) <= budget else _trim(text, count, budget)


def _trim(context: str, count: Callable[[str], int], budget: int) -> str:
    """Shorten a context to at most `budget` word pieces, keeping its start."""
    if count(context) <= budget:
        return context
    words = context.split()
    while words and count(" ".join(words) + " …") > budget:
        words = words[: max(len(words) * 3 // 4, len(words) - 20) if len(words) > 8 else -1]
    return " ".join(words) + " …" if words else ""


def paragraph_units(
    paragraph: Paragraph, title: str
) -> Iterable[tuple[tuple[str, ...] | None, str, str]]:
    """(item label, text, context) for the whole paragraph and for each of its sub-items."""
    yield None, paragraph.text, title
    parents: dict[str, SubItem] = {}
    for item in paragraph.items:
        if len(item.label) == 1:
            parents[item.label[0]] = item
        lead = [paragraph.intro]
        if len(item.label) > 1 and item.label[0] in parents:
            lead.append(parents[item.label[0]].text)
        context = " ".join(part for part in [title + ":" if title else "", *lead] if part)
        text = f"({item.label[-1]}) {item.text}"
        children = [c for c in paragraph.items if len(c.label) > 1 and c.label[0] == item.label[0]]
        if len(item.label) == 1 and children:
            # A parent item ("(d) ... in order to:") is read with its roman sub-items.
            yield (
                item.label,
                text + "\n" + "\n".join(f"({c.label[-1]}) {c.text}" for c in children),
                context,
            )
            continue
        yield item.label, text, context


def make_passages(
    documents: Iterable[Document], count_tokens: Callable[[str], int], max_tokens: int
) -> list[Passage]:
    """Every paragraph as passages that fit `max_tokens` word pieces (context included).

    A paragraph that fits is one passage; sub-items also get passages of their own (with the
    paragraph's opening words as context) so an answer inside one item can be cited exactly.
    A paragraph too long for the model is read through its sub-items and sentence windows.
    The heading (document title and heading path) and the context share a third of what the
    model reads, the heading at most a quarter.
    """
    passages: list[Passage] = []
    heading_budget = max_tokens // 4
    context_budget = max_tokens // 3
    for document in documents:
        units = [document.summary] if document.summary else []
        for paragraph in [*units, *document.paragraphs]:
            title = paragraph.section_title or (
                paragraph.headings[-1].title if paragraph.headings else ""
            )
            # A footnote is read with the unit that cites it: its heading path (the model's)
            # and its text as context (BM25's; a whole unit's context is not the model's, see
            # Passage.embed_text): alone, "SIPRI Yearbook 2024" says nothing of the warheads.
            citing = document.citing(paragraph)[:1] if paragraph.kind == FOOTNOTE else []
            heading = heading_path(
                document, (citing or [paragraph])[0], count_tokens, heading_budget
            )
            budget = context_budget - (count_tokens(heading) if heading else 0)
            for label, text, context in paragraph_units(paragraph, title):
                if citing:
                    context = citing[0].text
                context = _trim(context, count_tokens, budget)
                read_with = "\n".join(part for part in (heading, context) if part)
                whole = label is None
                windows = _windows(text, read_with, count_tokens, max_tokens)
                if "\n" in text and len(windows) > 1:
                    # Too long as a whole: its opening words and items are read as their own
                    # passages (which the items below provide).
                    first = paragraph.intro if whole else text.split("\n", 1)[0]
                    windows = _windows(first, read_with, count_tokens, max_tokens)
                for window in windows:
                    if window:
                        passages.append(
                            Passage(
                                len(passages),
                                document.doc_id,
                                paragraph.ref,
                                label,
                                window,
                                context,
                                heading,
                            )
                        )
    return passages
