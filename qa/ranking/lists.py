"""Lists of documents: ranked a little below the prose around them.

A meeting's report ends with the list of its documents ("TPNW/MSP/2025/WP.4 Review process
of the mandate … of the Scientific Advisory Group: working paper submitted by Mexico"); a
report's annex lists the documents a body considered. Such a list holds the titles of every
document on the topic, so BM25 finds many of the question's words in it and the model reads
it as on topic, and it ranks above the paragraph that answers (the decision the working
paper led to). A title in a list is a pointer, not an answer: a unit that names four
documents or more, one symbol or more per 25 words, loses `Ranking.document_lists` of its
score (qa/search.py). docs/retrieval.md has the figures.
"""

from __future__ import annotations

from ..ingest.masthead import SYMBOL

# Fewer symbols are citations in prose ("its report (A/80/12) and decision 2025/4"), or a
# footnote pointing at the report a question asks about.
MIN_SYMBOLS = 4
# At most this many words per symbol: a long paragraph citing four documents is still prose.
WORDS_PER_SYMBOL = 25


def is_document_list(text: str) -> bool:
    """Whether the text is mostly a list of document symbols (and their titles)."""
    symbols = len(SYMBOL.findall(text))
    return symbols >= MIN_SYMBOLS and symbols * WORDS_PER_SYMBOL >= len(text.split())
