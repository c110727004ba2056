"""Acronyms in queries and passages: the ones the report defines ("Organization for Migration
(IOM)"), and names the report uses, for acronyms it never defines ("ICAT"); found at build time."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

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
    if not acronyms:
        return text
    extra: list[str] = []
    lowered = text.lower()
    present = set(_acronym_pattern(tuple(acronyms)).findall(text))
    for acronym, expansion in acronyms.items():
        has_acronym = acronym in present
        has_expansion = expansion.lower() in lowered
        if has_acronym and not has_expansion:
            extra.append(expansion)
        elif has_expansion and not has_acronym:
            extra.append(acronym)
    return f"{text} ({'; '.join(extra)})" if extra else text


@lru_cache(maxsize=1024)
def _acronym_pattern(acronyms: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that finds any of the acronyms standing as a word of its own: a text is
    scanned once, not once per acronym (a library's documents define hundreds)."""
    ordered = sorted(acronyms, key=len, reverse=True)
    return re.compile(rf"(?<![\w-])({'|'.join(re.escape(a) for a in ordered)})(?![\w-])")


# --- acronyms the text never defines: matched to the initials of names it uses ---------------

# Capitalized only because they open a sentence: "The Global Report …", "Many Member States".
_LEADING = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "many", "several"}
_NAME_WORD = re.compile(r"[A-Z][\w’']*(?:-[\w’']+)*")
# Two to ten capitals (digits inside), an optional plural "s": "ICAT", "SDGs", "G20" no.
_ACRONYM_IN_QUERY = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{0,8}[A-Z])(s?)(?![\w-])")
# Connectors that never lend an acronym their initial ("against", "in" and "of" do: ICAT,
# GLOTIP, UNCLOS). Else "ICAT" spells "Islamic Cooperation and the European Union" free.
_SILENT = {"and", "the", "to", "for", "on", "de", "des", "du", "la"}
# Longest name an acronym is matched against, in words: bounds the search at query time.
_MAX_NAME_PARTS = 24


def find_names(texts: Iterable[str]) -> dict[str, int]:
    """Capitalized multi-word names in the texts ("Inter-Agency Coordination Group against
    Trafficking in Persons"), with how often each occurs: what undefined acronyms resolve to."""
    counts: dict[str, int] = {}
    for text in texts:
        words = _WORD.findall(text)
        run: list[str] = []
        for word in [*words, "."]:
            is_name = bool(_NAME_WORD.fullmatch(word)) and not word.isupper()
            if is_name or (run and word in _CONNECTORS):
                run.append(word)
                continue
            while run and run[-1] in _CONNECTORS:
                run.pop()
            while run and (run[0].lower() in _LEADING or run[0] in _CONNECTORS):
                run.pop(0)
            if sum(1 for w in run if w not in _CONNECTORS) >= 2:
                name = " ".join(run)
                counts[name] = counts.get(name, 0) + 1
            run = []
    return counts


def _parts(name: str) -> list[str]:
    """Words of a name with hyphenated words split ("Inter-Agency" -> "Inter", "Agency")."""
    return [part for word in name.split() for part in word.split("-") if part]


def _match_cost(acronym: str, parts: list[str], budget: float) -> tuple[float, int] | None:
    """How cheaply the acronym's letters spell the initials of `parts`, from the first word on.

    Each letter is the initial of a later word, or the next letter of the word the previous
    letter matched (prefixes like "GLO" of "Global"). Cost: one per content word skipped, a
    half per prefix letter. Returns (cost, index of the last word used) for the cheapest
    spelling within `budget`, or None. Dynamic programming over (word, letter-in-word) states,
    so the time is bounded by letters x words^2 whatever the input.
    """
    letters = acronym.lower()
    words = [p.lower() for p in parts[:_MAX_NAME_PARTS]]
    if not words or words[0][0] != letters[0] or words[0] in _CONNECTORS:
        return None
    frontier: dict[tuple[int, int], float] = {(0, 0): 0.0}
    for letter in letters[1:]:
        reached: dict[tuple[int, int], float] = {}
        for (wi, offset), cost in frontier.items():
            steps = []
            if offset + 1 < len(words[wi]) and words[wi][offset + 1] == letter:
                steps.append(((wi, offset + 1), cost + 0.5))
            skipped = 0
            for nxt in range(wi + 1, len(words)):
                if words[nxt][0] == letter and words[nxt] not in _SILENT:
                    steps.append(((nxt, 0), cost + skipped))
                if words[nxt] not in _CONNECTORS:
                    skipped += 1
            for state, new_cost in steps:
                if new_cost <= budget and new_cost < reached.get(state, budget + 1):
                    reached[state] = new_cost
        if not reached:
            return None
        frontier = reached
    cost, wi = min((cost, wi) for (wi, _), cost in frontier.items())
    return cost, wi


def resolve_acronym(
    acronym: str, names: dict[str, int], together: Callable[[str], bool] | None = None
) -> str | None:
    """The corpus name an undefined acronym most plausibly stands for, or None.

    A name qualifies when the acronym spells its initials (see `_match_cost`) with no more
    skipped words than half the acronym's letters; the cheapest wins, then the most frequent.
    With `together`, only a name it accepts qualifies (`expand_query`: a name the documents
    use alongside the acronym).
    """
    if len(acronym) < 2:
        return None
    for name in _candidates(acronym, names):
        if together is None or together(name):
            return name
    return None


# Acronyms whose candidate names are kept per table (a long-running server meets new ones).
_MAX_CANDIDATE_LISTS = 4096
_TABLES: dict[int, tuple[dict[str, int], list[tuple[int, list[str]]], dict, dict]] = {}


def _table(names: dict[str, int]) -> tuple[dict[str, int], list, dict, dict]:
    """(names, each name's words, starts by letter, candidates by acronym) for one names
    table, the index being searched; keyed by id() with the table itself held, so the id
    cannot be reused while it is kept."""
    cached = _TABLES.get(id(names))
    if cached is None or cached[0] is not names:
        _TABLES.clear()  # one table at a time
        split = [(count, name.split()) for name, count in names.items()]
        cached = _TABLES[id(names)] = (names, split, {}, {})
    return cached


def _candidates(acronym: str, names: dict[str, int]) -> list[str]:
    """Every name the acronym may stand for, best first (cheapest spelling, then most
    frequent). The same whichever documents are searched, so it is worked out once per
    acronym: 50 ms for a library's 13,000 names, which each search of one document (the
    document focus, a filter) paid again before stop 23."""
    by_acronym = _table(names)[3]
    found = by_acronym.get(acronym)
    if found is not None:
        return found
    letters = acronym.replace("-", "")
    candidates: list[tuple[float, int, str]] = []
    for count, words, start in _starts(names, letters[0].upper()):
        # Starting inside a longer name skips that name's first words: a cost like any skip.
        penalty = 1 if start > 0 and words[start - 1] not in _CONNECTORS else 0
        budget = len(letters) / 2 - penalty
        cost = _match_cost(letters, _parts(" ".join(words[start:])), budget)
        if cost is None:
            continue
        span = _span(words[start:], cost[1])
        candidates.append((cost[0] + penalty, -count, span))
    found = [name for _, _, name in sorted(candidates)]
    if len(by_acronym) >= _MAX_CANDIDATE_LISTS:
        by_acronym.clear()
    by_acronym[acronym] = found
    return found


def _starts(names: dict[str, int], letter: str) -> list[tuple[int, list[str], int]]:
    """Where an acronym starting with `letter` can start in the names: (count, words, index
    of the word) for every word with that initial that is not a connector, in the names'
    order. Each letter's list is made when first asked for (a library holds 13,000 names: all
    letters at once took 55 ms of the first question with an undefined acronym), so resolving
    an acronym looks only at the names its first letter allows."""
    _, split, by_letter, _ = _table(names)
    found = by_letter.get(letter)
    if found is None:
        found = by_letter[letter] = [
            (count, words, start)
            for count, words in split
            for start, word in enumerate(words)
            if word[0].upper() == letter and word not in _CONNECTORS
        ]
    return found


def _span(words: list[str], last_part: int) -> str:
    """The name from its first word through the word holding part `last_part` (the last one
    the acronym spells), then on to the end of the name unless an "and" starts a list
    ("United States of America and Uruguay")."""
    end, parts = 0, 0
    while end < len(words) and parts <= last_part:
        parts += len(_parts(words[end]))
        end += 1
    while end < len(words) and words[end] != "and":
        end += 1
    return " ".join(words[:end])


def expand_query(
    text: str,
    acronyms: dict[str, str],
    names: dict[str, int],
    resolved: dict[str, str | None] | None = None,
    together: Callable[[str, str], bool] | None = None,
) -> str:
    """`expand`, then append the name behind each acronym the corpus never defines.

    "How many entities make up ICAT?" gains "(Inter-Agency Coordination Group against
    Trafficking in Persons)". `resolved` caches acronym -> name across queries.

    `together(acronym, name)`: whether the documents use the name alongside the acronym
    (in one document). A library's 13,000 names spell most short acronyms by chance: "IED"
    the initials of "Industry and Economy Division" (in a report that never writes "IED"),
    "ICAT" those of "[Organisation of] Islamic Cooperation and the European Union"; a writer
    who uses an acronym without defining it uses it where its name is known, so the name
    sought is in a document that uses both.
    """
    extra: list[str] = []
    # A question typed in capitals has no acronyms to tell apart from its words.
    if any(c.islower() for c in text):
        for m in _ACRONYM_IN_QUERY.finditer(text):
            acronym = m.group(1)
            if acronym in acronyms:
                continue
            if resolved is not None and acronym in resolved:
                name = resolved[acronym]
            else:
                accept = (lambda name, a=acronym: together(a, name)) if together else None
                name = resolve_acronym(acronym, names, accept)
                if resolved is not None:
                    resolved[acronym] = name
            if name and name.lower() not in text.lower() and name not in extra:
                extra.append(name)
    text = expand(text, acronyms)
    return f"{text} ({'; '.join(extra)})" if extra else text
