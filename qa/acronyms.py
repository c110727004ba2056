"""Acronyms the report defines ("Organization for Migration (IOM)"), found at build time."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DEFINITION = re.compile(r"\((?:the\s+)?([A-Z][A-Za-z]*[A-Z](?:-[A-Z][A-Za-z]+)?)\)")
_CONNECTORS = {"of", "on", "for", "and", "the", "against", "in", "to", "de", "des", "du", "la"}
_WORD = re.compile(r"[\w’'-]+|[^\w\s]")


def _expansion_before(text: str, end: int, acronym: str) -> str | None:
    """The run of capitalized words (with small connectors) just before `end`."""
    words = _WORD.findall(text[:end])[-16:]
    run: list[str] = []
    for word in reversed(words):
        if len(word) > 1 and word.isupper():  # another acronym: the expansion starts after it
            break
        if word[:1].isupper() or word in _CONNECTORS and run:
            run.insert(0, word)
        else:
            break
    while run and (run[0] in _CONNECTORS or run[0][0].upper() != acronym[0].upper()):
        run.pop(0)
    if len(run) < 2:
        return None
    return " ".join(run)


def find_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Map each acronym defined in the texts to its first expansion."""
    found: dict[str, str] = {}
    for text in texts:
        for m in _DEFINITION.finditer(text):
            acronym = m.group(1)
            if acronym in found or len(acronym) < 2:
                continue
            expansion = _expansion_before(text, m.start(), acronym)
            if expansion:
                found[acronym] = expansion
    return found


def expand(text: str, acronyms: dict[str, str]) -> str:
    """Append the other form of every acronym or expansion the text mentions.

    "IOM victims" -> "IOM victims (International Organization for Migration)", and an
    expansion gains its acronym, so a query and a passage meet whichever form each uses.
    """
    extra: list[str] = []
    lowered = text.lower()
    for acronym, expansion in acronyms.items():
        has_acronym = re.search(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text) is not None
        has_expansion = expansion.lower() in lowered
        if has_acronym and not has_expansion:
            extra.append(expansion)
        elif has_expansion and not has_acronym:
            extra.append(acronym)
    return f"{text} ({'; '.join(extra)})" if extra else text
