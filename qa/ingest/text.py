"""Plain text and Markdown -> front matter and blocks (blank-line separated, bullets split)."""

from __future__ import annotations

import re

from .layout import Block
from .masthead import DATE, find_symbol, iso_date
from .paragraphs import CHAPTER, ITEM, clean

_DATE_LINE = re.compile(DATE.pattern.replace(r"\b(", r"^(", 1) + "$")
_SESSION = re.compile(r"^\S+(?:-\S+)? session$", re.IGNORECASE)
_AGENDA = re.compile(r"^Items? \d+.*$")


def split_blocks(raw: str) -> list[Block]:
    """Blank-line separated blocks; lines inside a block are bullets or wrapped lines."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        # Markdown bullets ("- (b) ...") each start their own block.
        current: list[str] = []
        for line in lines:
            if ITEM.match(line.strip()) and current:
                blocks.append(_block(current))
                current = []
            # Markdown heading marks ("## I. Introduction"), not hashtags ("#EndHumanTrafficking").
            line = re.sub(r"^\s*#{1,6}\s+", "", line)
            current.append(line.strip() if not line.startswith("\t") else line)
        if current:
            blocks.append(_block(current))
    return blocks


def _block(lines: list[str]) -> Block:
    return Block("\n".join(lines), lines=tuple(lines))


def front_matter(blocks: list[Block]) -> tuple[dict[str, str], int]:
    """Metadata from the blocks before "Summary", "Contents" or the first chapter heading, and
    the index of the first block after them."""
    header_lines: list[str] = []
    i = 0
    while i < len(blocks):
        text = clean(blocks[i].text)
        if text in ("Summary", "Contents") or CHAPTER.match(text):
            break
        header_lines += [clean(line) for line in blocks[i].text.split("\n")]
        i += 1
    if i == len(blocks):  # no chapter: the front matter ends before the first numbered block
        i = next((n for n, b in enumerate(blocks) if re.match(r"^1\.\s", clean(b.text))), 0)
        header_lines = [clean(line) for b in blocks[:i] for line in b.text.split("\n")]
    return read_front_matter(header_lines), i


def read_front_matter(lines: list[str]) -> dict[str, str]:
    """Date, session, agenda item, title and symbol from the lines above the Summary."""
    meta: dict[str, str] = {}
    lines = [line.rstrip("*").strip() for line in lines if line and not line.startswith("* ")]
    for n, line in enumerate(lines):
        if "date" not in meta and _DATE_LINE.match(line):
            meta["date"] = line
        elif (
            "symbol" not in meta
            and (line.startswith("United Nations") or re.fullmatch(r"\S+", line))
            and find_symbol(line)
        ):
            meta["symbol"] = find_symbol(line) or ""
        elif "session" not in meta and _SESSION.match(line):
            meta["session"] = line
        elif "agenda_item" not in meta and _AGENDA.match(line):
            subject = lines[n + 1] if n + 1 < len(lines) else ""
            meta["agenda_item"] = f"{line}: {subject}" if subject else line
        elif re.match(r"^(Report|Note) (of|by) the ", line) and n > 0 and "title" not in meta:
            meta["title"] = lines[n - 1]
            meta["subtitle"] = line
    if "title" not in meta:
        prose = [
            ln
            for ln in lines
            if len(ln) > 20 and not _DATE_LINE.match(ln) and not ln.startswith("United Nations")
        ]
        if prose:
            meta["title"] = prose[-1]
    if "date" in meta:
        meta["date_iso"] = iso_date(meta["date"]) or ""
    return meta
