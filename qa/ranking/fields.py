"""Document fields as evidence for the paragraphs under them.

In a library, a question often names its document rather than its paragraph's words: "the
Golan observers", "the January 2025 UNFICYP resolution", "the Congo peacekeepers". A
paragraph rarely repeats its document's title, so neither BM25 over passages nor the model
(which reads the title with each passage, among many other words) gives that much weight.
Each document's title, subtitle and symbols are scored against the question with BM25 (over
documents, not passages), and a paragraph gains a share of its document's score, 0–1 scaled.
docs/retrieval.md has the figures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

from ..document import Document
from ..lexical import tokenize

# BM25's usual constants.
K1 = 1.2
B = 0.75


def field_text(document: Document) -> str:
    """What a document is known by: title, subtitle, symbols."""
    symbols = " ".join(dict.fromkeys([*(document.symbols or ()), document.symbol or ""]))
    return " ".join(x for x in (document.title, document.subtitle or "", symbols) if x)


class DocumentFields:
    """BM25 over the documents' fields, built when first asked (a few milliseconds).

    Written out here rather than built with `LexicalIndex.build`: that imports bm25s, which
    costs `qa search` 0.2 s at start, for a few hundred titles a dozen lines score as well.
    """

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.ids = list(documents)
        self.terms = [Counter(tokenize(field_text(d))) for d in documents.values()]
        self.lengths = [sum(c.values()) for c in self.terms]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter[str] = Counter()
        for counts in self.terms:
            df.update(counts.keys())
        n = len(self.terms)
        self.idf = {t: math.log(1.0 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, counts in enumerate(self.terms):
            for term in counts:
                self.postings.setdefault(term, []).append(i)

    def scores(self, question: str) -> dict[str, float]:
        """{document id: 0–1} for the documents whose fields share a word with the question,
        the best 1."""
        found: dict[int, float] = {}
        for term in set(tokenize(question)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                tf = self.terms[i][term]
                norm = K1 * (1 - B + B * self.lengths[i] / (self.average or 1.0))
                found[i] = found.get(i, 0.0) + idf * tf / (tf + norm)
        top = max(found.values(), default=0.0)
        if top <= 0:
            return {}
        return {self.ids[i]: s / top for i, s in found.items()}
