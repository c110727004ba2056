"""Texts that several documents share, ranked at their source: the earliest document.

A library repeats itself: a draft resolution and the resolution adopted from it; a board's
decision in the draft decision, in the session's compendium and again in the annex of its
annual report; a letter that a later report quotes at length. The copies score alike, so
which one comes first is an accident of a few hundredths, and they fill the list. A later
document quotes or compiles an earlier one, so the text first appeared in the earliest copy:

- a unit most of whose text a later document's unit repeats ranks just above that unit
  (`lift_sources`: a quotation, a compilation);
- units with the same text are listed once, at the earliest document and the group's best
  score (`collapse`: the later copies say nothing more).

Only in a library (one document has no copies elsewhere). docs/retrieval.md has the
figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from operator import itemgetter

# Shorter texts are captions, headings and formulas ("Figure II", "Annual session 12 June
# 2025"): the same words in documents that share nothing else, not a quotation.
MIN_WORDS = 8
# Quotation is measured in runs of this many words (a shared run of five words is rarely
# chance), over the best candidates only.
SHINGLE = 5
QUOTE_CANDIDATES = 30
# Same-text units are looked for among this many of the best (a reader sees at most 100).
COPY_CANDIDATES = 200
# The share of a unit's word runs a later unit must hold to quote it: 0.5-0.8 gave the same
# library dev figures (0.3 let long official names count as quotations).
QUOTED = 0.6
# A unit's own enumeration ("6.", "(a)") is not part of the text it repeats.
_ENUMERATION = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|\([a-z]{1,4}\))\s+", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(_ENUMERATION.sub("", text).casefold())


def _best(scores: Mapping[Hashable, float], top: int) -> list[Hashable]:
    ranked = sorted(scores.items(), key=itemgetter(1), reverse=True)[:top]
    return [key for key, _ in ranked]


def signature(text: str) -> str | None:
    """What two copies of a text share (case, spacing, punctuation and a leading number
    aside); None for texts too short to count as copies."""
    words = _words(text)
    return " ".join(words) if len(words) >= MIN_WORDS else None


def shingles(text: str, n: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """The text's runs of n words; none for texts too short to count as copies."""
    words = _words(text)
    if len(words) < MIN_WORDS:
        return frozenset()
    # zip over n shifted views: the same runs as slicing at each position, built in C.
    return frozenset(zip(*(words[i:] for i in range(n))))


def lift_sources(
    scores: Mapping[Hashable, float],
    shingles_of: Callable[[Hashable], frozenset],
    date_of: Callable[[Hashable], str],
    top: int = QUOTE_CANDIDATES,
    quoted: float = QUOTED,
) -> dict[Hashable, float]:
    """Scores where each of the `top` best units that a later document's unit among them
    quotes (holds `quoted` of its word runs) ranks just above the best such unit. Keys are
    (document, unit) pairs; a document does not quote itself."""
    best = _best(scores, top)
    runs = {key: shingles_of(key) for key in best}
    dates = {key: date_of(key) for key in best}
    sources = [key for key in best if runs[key]]
    result = dict(scores)
    for copy in best:
        for source in sources:
            if source[0] == copy[0] or dates[source] >= dates[copy]:
                continue
            held = runs[source]
            if len(runs[copy] & held) / len(held) >= quoted:
                # Just above the copy; sources of one copy keep their own order.
                lifted = scores[copy] + 1e-3 * (1.0 + scores[source])
                result[source] = max(result[source], lifted)
    return result


def collapse(
    scores: Mapping[Hashable, float],
    signature_of: Callable[[Hashable], str | None],
    date_of: Callable[[Hashable], str],
    top: int = COPY_CANDIDATES,
) -> dict[Hashable, float]:
    """Scores with each group of same-text units among the `top` best reduced to one: the
    unit of the earliest dated document (the best scored among equally dated ones), at the
    group's best score."""
    groups: dict[str, list[Hashable]] = {}
    for key in _best(scores, top):
        sig = signature_of(key)
        if sig is not None:
            groups.setdefault(sig, []).append(key)
    result = dict(scores)
    for keys in groups.values():
        if len(keys) < 2:
            continue
        keep = min(keys, key=lambda k: (date_of(k), -scores[k]))
        best = max(scores[k] for k in keys)
        for key in keys:
            del result[key]
        result[keep] = best
    return result
