"""qa: ask questions of UN documents and get the paragraphs that answer them, with citations."""

from .document import Document, Heading, Paragraph, SubItem
from .errors import (
    CorpusError,
    CorruptIndexError,
    IndexMissingError,
    InvalidQuestionError,
    ModelError,
    QAError,
    StaleIndexError,
)
from .ingest import parse, read_document
from .search import Hit, Index, Note, search

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
    "Note",
    "Paragraph",
    "QAError",
    "StaleIndexError",
    "SubItem",
    "parse",
    "read_document",
    "search",
]
