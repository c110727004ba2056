"""An organ's acts as evidence: a question about what a council, an assembly or a board did is
answered by that organ's resolutions and decisions.

"What did the Security Council demand about …", "… according to the June 2025 mandate
renewal": the answer is a paragraph of a resolution, but the Secretary-General's reports on the
same mission use the same words, are longer, and outrank it. A question that names an organ
doing something (a deliberative body, then within three words a verb of enactment: demand,
decide, urge, extend, say …), or that asks about a resolution or a renewal, points at acts:
the resolutions and decisions of the organ it names gain a share of their fused score.

Which organ: those whose whole name the question holds ("the UN-Women Executive Board"),
else those whose name holds the body the question names ("the Council": the Security, Human
Rights and Economic and Social Councils), else every organ's (a resolution asked about by
number). docs/retrieval.md has the figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..document import Document

# The kinds of document an organ adopts (qa/ingest/masthead.py decides a document's kind).
ACT_KINDS = frozenset({"resolution", "decision"})
# The bodies that adopt resolutions and decisions, as a question names them.
BODIES = ("council", "assembly", "board", "commission", "committee", "conference", "meeting")
# Verbs of enactment, by their stems: what a body's resolution does to the matter it is about.
_VERBS = (
    "adopt|ask|authori[sz]|call|condemn|criticis|criticiz|decid|demand|deplor|emphasi[sz]|"
    "encourag|express|extend|note|reaffirm|recall|recogni[sz]|renew|request|sa(?:y|id)|stress|"
    "tell|told|urg|welcom"
)
_ASKS = re.compile(
    rf"\b(?:{'|'.join(BODIES)})\b(?:\W+\w+){{0,3}}?\W+(?:{_VERBS})\w*"
    r"|\b(?:resolutions?|renewal)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w-]+")
# Words of an organ's name a question need not repeat ("Executive Board of UNICEF").
_FILLER = frozenset({"of", "the", "and", "to", "on", "for", "a", "an", "in"})


def asks_about_acts(question: str) -> bool:
    """Whether the question asks what an organ did, or about a resolution or a renewal."""
    return _ASKS.search(question) is not None


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


class OrganActs:
    """The library's resolutions and decisions, by the organ that adopted them."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.by_organ: dict[str, list[str]] = {}
        for doc_id, document in documents.items():
            if document.organ:
                acts = self.by_organ.setdefault(document.organ, [])
                if document.kind in ACT_KINDS:
                    acts.append(doc_id)
        # Every organ's name, those without acts too: a question that names one of them
        # ("the UN-Women Executive Board") points at no other organ's acts.
        self.names = {organ: _words(organ) - _FILLER for organ in self.by_organ}

    def documents(self, question: str) -> list[str]:
        """The acts a question points at (document ids); none for other questions."""
        if not any(self.by_organ.values()) or not asks_about_acts(question):
            return []
        words = _words(question)
        organs = [organ for organ, name in self.names.items() if name <= words]
        if not organs:
            bodies = words.intersection(BODIES)
            organs = [o for o, name in self.names.items() if name & bodies] if bodies else []
        if not organs:
            organs = list(self.by_organ)
        return [doc_id for organ in organs for doc_id in self.by_organ[organ]]
