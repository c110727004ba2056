"""User-facing errors: each message says what went wrong and what to run to fix it."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error qa reports to a user."""


class InvalidQuestionError(QAError, ValueError):
    """The question or a search argument cannot be used (empty, wrong type, bad k or mode)."""


class CorpusError(QAError):
    """The corpus folder is missing, empty, or holds a document that cannot be parsed."""


class ModelError(QAError):
    """The embedding model cannot be found or loaded."""


class IndexMissingError(QAError):
    """No index has been built yet."""


class StaleIndexError(QAError):
    """The index was built from another corpus, parser or model than the current one."""


class CorruptIndexError(QAError):
    """Index files are missing, truncated or inconsistent with each other."""
