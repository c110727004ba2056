"""The parts of a question that asks two things ("How many …, and when was it approved?").

A reader often asks two things at once: "How many people work for the Nairobi-based
environment agency, and how much money did it take in?", "Who was chosen to head UNSMIL and
whom does she succeed?". The paragraph that answers holds both; its neighbours hold one, and
one vector for the whole question, near both topics, ranks a paragraph that holds one part
very well above the one that holds both. So each part is also embedded alone, and a
paragraph's best-sentence similarity (qa/grains.py) gains `Ranking.clauses` of its least
similar part's: the paragraph must answer every part. docs/retrieval.md has the figures.
"""

from __future__ import annotations

import re

# Words that open a question: "…, and what", "… and whom", "…? What". A closed class of the
# grammar, not of any topic.
_OPENERS = (
    "what|how|when|where|who|whom|whose|which|why|did|does|do|is|are|was|were|has|have|can|will"
)
# "and" (after a comma or not) before an opener joins two questions; elsewhere it joins two
# things of one question ("Kenya and Germany").
_JOIN = re.compile(rf"(?:,\s*and|\band)\s+(?=(?:{_OPENERS})\b)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[?.])\s+")
# A shorter part ("and why?") says too little to be looked for alone.
MIN_WORDS = 3


def clauses(question: str) -> list[str]:
    """The questions the question asks, each as written; one part when it asks one thing."""
    parts = []
    for sentence in _SENTENCE_END.split(question.strip()):
        for part in _JOIN.split(sentence):
            if len(part.split()) >= MIN_WORDS:
                parts.append(part.strip())
    return parts or [question]
