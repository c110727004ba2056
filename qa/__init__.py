"""qa: ask questions of a UN report and get the paragraphs that answer them, with citations."""

from .errors import (
    CorpusError,
    CorruptIndexError,
    IndexMissingError,
    InvalidQuestionError,
    ModelError,
    QAError,
    StaleIndexError,
)
from .parse import Document, Heading, Paragraph, SubItem, parse
from .search import Hit, Index, search

__all__ = [
    "CorpusError",
    "CorruptIndexError",
    "Document",
    "Heading",
    "Hit",
    "Index",
    "IndexMissingError",
    "InvalidQuestionError",
    "ModelError",
    "Paragraph",
    "QAError",
    "StaleIndexError",
    "SubItem",
    "parse",
    "search",
]
