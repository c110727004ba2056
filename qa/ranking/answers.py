"""What a question asks for — a number, a date, a person — and whether a paragraph holds one.

"How many suspected minefields remain?", "Until when did the Council extend the measures?",
"Who was picked to lead the force?": the reader wants a count, a date, a name. The
paragraph that answers holds one ("29 suspected minefields", "until 31 January 2026",
"Major General Diodato Abagnara (Italy)"); its neighbours on the same topic often do not
(the preamble that recalls the mandate, the paragraph that welcomes the appointment). The
model's vector of the question hardly carries "how many", and BM25 drops it with the stop
words, so the type of answer asked for is looked for in the candidates' text: a paragraph
that holds it gains `Ranking.answer_types` of its fused score (qa/search.py). This is the
answer-type matching of classic question answering, on three types whose forms are fixed by
English and by the UN's editorial rules, not by any topic. docs/retrieval.md has the
figures.
"""

from __future__ import annotations

import re

COUNT, DATE, PERSON = "count", "date", "person"

# --- what the question asks for -------------------------------------------------------------

_ASKS = {
    COUNT: re.compile(
        r"\bhow (?:many|much)\b|\bwhat (?:number|share|percentage|proportion|amount|sum)\b"
        r"|\bwhat (?:minimum|maximum) (?:number|share|percentage|proportion)\b",
        re.IGNORECASE,
    ),
    DATE: re.compile(
        r"^\s*when\b|\b(?:and|or|but) when\b|\b(?:until|by|since|from|as of) when\b"
        r"|\b(?:what|which) (?:date|day|month)\b|\bdates?\b|\bdeadlines?\b",
        re.IGNORECASE,
    ),
    PERSON: re.compile(
        r"^\s*(?:who|whom|whose)\b|\b(?:and|or) (?:who|whom|whose)\b", re.IGNORECASE
    ),
}


def wanted(question: str) -> tuple[str, ...]:
    """The answer types the question asks for, in a fixed order; () when it asks none."""
    return tuple(kind for kind, asks in _ASKS.items() if asks.search(question))


# --- what a paragraph holds -----------------------------------------------------------------

# Words before a number that make it a name, not a count: "resolution 2773", "paragraph 15",
# "article 6", "rule 41", "goal 5", "No. 3".
_LABELS = frozenset(
    """resolution resolutions decision decisions paragraph paragraphs para paras articles
    article rule rules annex annexes chapter chapters section sections page pages item items
    no no. number numbers goal goals target targets phase phases level levels session sessions
    part parts protocol protocols convention conventions table tables figure figures box boxes
    recommendation recommendations grade class category supplement volume volumes vol.
    add. rev. corr. comment""".split()
)
# Words after a number that are not what it counts ("15 of the", "2 and 3").
_NOT_COUNTED = frozenset(
    """and or of to the in on at by for from with as that which is was were are be has have
    had per above below bis ter january february march april may june july august september
    october november december""".split()
)
_NUMBER_WORD = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty"
    r"|ninety|hundred|hundreds|thousand|thousands|million|millions|dozens?|half|double|twice"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_HOLDS = {
    DATE: re.compile(rf"\b\d{{1,2}}\s+{_MONTH}\b|\b{_MONTH}\s+(?:\d{{1,2}},?\s+)?(?:19|20)\d\d\b"),
    PERSON: re.compile(
        # "Mr. Tor Wennesland", "Major General Diodato Abagnara", "Ms. Kaag"; a name and the
        # nationality the UN prints after it: "Diodato Abagnara (Italy)".
        r"\b(?:Mr|Ms|Mrs|Messrs|Mmes|Dr|H\.E)\.?\s+[A-Z]"
        r"|\b(?:(?:Major|Lieutenant|Brigadier) General|Colonel|Admiral|Ambassador|Judge|Professor"
        r"|Sir|Dame)\s+[A-Z][a-z]+"
        r"|\b[A-Z][a-z]+(?:\s+(?:[A-Z][a-z'-]+|de|da|del|van|von|bin|al-))*\s+[A-Z][a-z'-]+"
        r"\s+\([A-Z][a-z]+(?:\s+[A-Za-z]+)*\)"
    ),
}
# A count: "1,492 weapons", "two countries", "3.5 million", "30 per cent", "US$ 12": each number
# found, then the words around it looked at with string operations (as one pattern, a label
# before and a counted noun after cost 150 microseconds a paragraph).
_DIGITS = re.compile(r"(?<![\w/.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w/])")
# Looked for in the lowered text: case-blind matching of the alternatives is four times slower.
_WORDS = re.compile(rf"\b(?:{_NUMBER_WORD})\b")
_NEXT_WORD = re.compile(r"\s*(%|[A-Za-z][a-z-]+)")
_MAGNITUDES = ("%", "per", "percent", "million", "billion", "thousand")
_CURRENCY_SIGNS = ("$", "€", "£")  # "US$ 12", "$12 million"
_CURRENCY_CODES = frozenset(("usd", "eur", "chf", "gbp"))


def holds(kind: str, text: str) -> bool:
    """Whether the text holds an answer of that type (a count, a date, a person's name)."""
    if kind != COUNT:
        return _HOLDS[kind].search(text) is not None
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: offsets would shift
        lowered = text
    for match in [*_DIGITS.finditer(text), *_WORDS.finditer(lowered)]:
        after = _NEXT_WORD.match(lowered, match.end())
        word = after.group(1) if after else ""
        if word in _MAGNITUDES:
            return True
        before = lowered[max(0, match.start() - 16) : match.start()].split()
        if before and (before[-1].endswith(_CURRENCY_SIGNS) or before[-1] in _CURRENCY_CODES):
            return True
        number = match.group()
        if len(number) == 4 and number[:2] in ("19", "20"):  # a year
            continue
        if before and before[-1] in _LABELS:
            continue
        if len(word) > 2 and word not in _NOT_COUNTED:
            return True
    return False
