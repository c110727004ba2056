"""Index: dense + lexical passage scores -> fusion -> paragraphs -> Hit (citation, highlight)."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import itertools
import re
import sys
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import dense
from .acronyms import expand_query
from .config import DEFAULT_K, DEFAULT_MODE, MAX_K, MAX_QUESTION_CHARS, MODES, Settings, settings
from .document import PARAGRAPH, Document, Paragraph
from .errors import CorruptIndexError, IndexMissingError, InvalidQuestionError, StaleIndexError
from .expansion import expand_terms
from .grains import Sentences
from .ingest.masthead import KINDS as DOCUMENT_KINDS
from .ingest.masthead import SYMBOL, clean_symbol, organ_code
from .lexical import tokenize
from .passages import Passage, split_sentences
from .ranking.acts import OrganActs
from .ranking.answers import holds, wanted
from .ranking.clauses import clauses
from .ranking.copies import COPY_CANDIDATES, collapse, lift_sources, shingles, signature
from .ranking.fields import DocumentFields
from .ranking.fusion import DENSE_WEIGHT, evidence_weight, fuse_arrays
from .ranking.lists import is_document_list
from .store import (
    StoredIndex,
    another_corpus,
    build_index,
    load_index,
    read_manifest,
    staleness,
)
from .threads import one_blas_thread

if TYPE_CHECKING:
    from .onnx_encoder import OnnxEncoder

# How many passages the dense search looks at before aggregating to paragraphs.
DENSE_CANDIDATES = 1000
# The same for BM25 (passages that share no word with the question are never candidates).
LEXICAL_CANDIDATES = 1000
QUERY_CACHE_SIZE = 1024
# The share of its document's field score a paragraph gains in a library (qa/ranking/fields.py):
# tuned on the library dev set (0.05-0.2 alike; 0.3 hurts), benchmarks/mechanisms.py.
DOCUMENT_FIELDS = 0.1
# What a list of documents (qa/ranking/lists.py) loses of its fused score: on library dev
# 0.1 and 0.2 alike, benchmarks/mechanisms.py.
DOCUMENT_LISTS = 0.1
# The share of a paragraph's best-sentence similarity that is its least similar part's, for a
# question that asks two things (qa/ranking/clauses.py): on library dev 0.2-0.5 alike, 0.7 and 1.0
# lose one, benchmarks/mechanisms.py.
CLAUSES = 0.3
# What a paragraph that holds the type of answer the question asks for (a count, a date, a
# person: qa/ranking/answers.py) gains of its fused score: on library dev 0.05 / 0.1 / 0.15 /
# 0.2 gain 3 / 4 / 5 / 5 and lose none, 0.3 loses one library and one report question,
# benchmarks/mechanisms.py.
ANSWER_TYPES = 0.15
# What the resolutions and decisions of the organ a question asks about gain of their fused
# score (qa/ranking/acts.py): on library dev 0.1 / 0.125 / 0.15 gain 1 / 1 / 3 at rank 1 and
# lose none; 0.2 and 0.3 gain as much but lose one at rank 1 and push two down (stop 23),
# benchmarks/mechanisms.py.
ORGAN_ACTS = 0.15
# Candidates within ANSWER_TYPES of the tenth best are looked at: no other can reach the
# first ten.
ANSWER_WINDOW = 10


@dataclass(frozen=True)
class Ranking:
    """The ranking mechanisms a search uses (docs/retrieval.md); all on by default.
    `benchmarks/mechanisms.py` turns them off one at a time to measure each.

    Attributes:
        sentences: the dense measure of a paragraph is the mean of its best passage's and its
            best sentence's cosine similarity (qa/grains.py).
        expansion: BM25 also looks for each question word's nearest corpus word
            (qa/expansion.py).
        evidence: the dense weight in the fusion grows as the best BM25 paragraph covers less
            of the question (qa/ranking/fusion.py, `evidence_weight`); else equal weights.
        sentence_candidates: how many paragraphs of each measure's best get sentence scores.
        local_idf: a search within some documents weighs words by their IDF over those
            documents (qa/lexical.py, `LexicalIndex.local_weights`).
        document_fields: the share of its document's field score (title, subtitle,
            symbols: qa/ranking/fields.py) a paragraph gains in a library; 0 turns it off.
        copies: in a library, a text that later documents repeat or quote ranks at its
            earliest document, and repeated copies are listed once (qa/ranking/copies.py).
        document_lists: what a list of document symbols (qa/ranking/lists.py) loses of its fused
            score; 0 turns it off.
        clauses: for a question that asks two things (qa/ranking/clauses.py), the share of a
            paragraph's best-sentence similarity that is its least similar part's; 0 turns
            it off. Needs `sentences`.
        answer_types: what a paragraph that holds the type of answer the question asks for
            (a count, a date, a person: qa/ranking/answers.py) gains of its fused score; 0
            turns it off.
        document_focus: in a library, the paragraphs of the document the question points at
            (the best hit's) take the places they hold in the ranking in the order a search
            of that document alone gives them (`Index._focused`).
        organ_acts: in a library, what the resolutions and decisions of the organ a question
            asks about ("What did the Security Council demand …") gain of their fused score
            (qa/ranking/acts.py); 0 turns it off.
    """

    sentences: bool = True
    expansion: bool = True
    evidence: bool = True
    sentence_candidates: int = 200
    local_idf: bool = True
    document_fields: float = DOCUMENT_FIELDS
    copies: bool = True
    document_lists: float = DOCUMENT_LISTS
    clauses: float = CLAUSES
    answer_types: float = ANSWER_TYPES
    document_focus: bool = True
    organ_acts: float = ORGAN_ACTS


@dataclass(frozen=True)
class Note:
    """A footnote that a hit's paragraph cites, or a unit that cites a footnote hit.

    Attributes:
        locator: "footnote 4" (or "para. 22" for a unit citing a footnote).
        text: its text.
        citation: "S/2025/85, footnote 4", ready to paste.
    """

    locator: str
    text: str
    citation: str


@dataclass(frozen=True)
class Hit:
    """One answering paragraph, ready to cite.

    Attributes:
        rank: 1 for the best hit.
        score: relevance on a 0–1 scale (1.0 for a paragraph asked for by number; see
            docs/retrieval.md).
        paragraph: the printed paragraph number; None for units without one (the Summary,
            preambular paragraphs, unnumbered text, tables, footnotes).
        item: the sub-item the best match sits in, e.g. "(d) (iv)", else None.
        section: headings from chapter down, e.g. ["III. Ensuring …", "B. Activities …",
            "3. International Organization for Migration"].
        section_code: "III.B.3".
        text: the whole paragraph (sub-items one per line).
        passage: the best-matching passage of the paragraph.
        sentence: the best-matching sentence of that passage, for highlighting.
        citation: "para. 57 — III.B.3 International Organization for Migration".
        document: the document's id (its file name without extension).
        document_title: the document's title.
        document_symbol: the document's symbol ("A/71/119"), if it has one.
        document_date: the document's date as printed ("18 June 2019"), if known.
        ref: the unit's key in its document ("57", "annex II/4", "p2/text1", "summary").
        kind: what the unit is: paragraph, summary, preamble, text, table or footnote.
        page: the page the unit starts on (PDFs), else None.
        annex: the annex that holds it ("II"; "" for a single unnumbered annex), else None.
        document_kind: report, letter, resolution, decision, note or other.
        document_organ: "Security Council", "General Assembly", …, if known.
        notes: the footnotes the paragraph cites (its sources, as the document gives them).
        cited_by: for a footnote, the units that cite it.
        last_page: for unnumbered text a page break cuts mid-sentence, the page it ends on
            (its citation says "pp. 5–6"); else None.
    """

    rank: int
    score: float
    paragraph: int | None
    item: str | None
    section: list[str]
    section_code: str
    text: str
    passage: str
    sentence: str
    citation: str
    document: str
    document_title: str
    document_symbol: str | None = None
    document_date: str | None = None
    ref: str = ""
    kind: str = PARAGRAPH
    page: int | None = None
    annex: str | None = None
    document_kind: str | None = None
    document_organ: str | None = None
    notes: tuple[Note, ...] = ()
    cited_by: tuple[Note, ...] = ()
    last_page: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


# "para 57", "paragraph 139(d)", "para. 139 (d) (iv)", "¶ 12", or a bare "139 (d)".
_REFERENCE = re.compile(
    r"^\s*(?:(?:para(?:graph)?s?|¶)\.?\s*)?(\d{1,4})\s*((?:\(\s*[a-z]{1,5}\s*\)\s*)*)\s*[.?]?\s*$",
    re.IGNORECASE,
)
# A unit's place as a citation prints it (Paragraph.locator), with its sub-item, and what
# follows the citation's dash (the section): "annex I, para. 22", "preambular para. 4",
# "footnote 57", "pp. 1–2", "p. 7 (a)", "annex, p. 4, table — Annex".
_LOCATOR = re.compile(
    r"^[\s,]*((?:(?:annex|enclosure)\b[^,]{0,20},\s*)?(?:preambular\s+para\.?\s*\d{1,4}"
    r"|para\.?\s*\d{1,4}|footnote\s+[\w*]{1,6}(?:\s+\(p\.\s*\d+\))?|pp?\.\s*\d{1,4}(?:\s*[–-]\s*\d{1,4})?"
    r"(?:,\s*table)?))\s*((?:\(\s*[a-z]{1,5}\s*\)\s*)*)\s*(?:[—–-]\s.*)?$",
    re.IGNORECASE,
)
_REFERENCE_INSIDE = re.compile(r"\b(?:para(?:graph)?s?\.?|¶)\s*(\d{1,4})", re.IGNORECASE)
# Lone surrogates: what undecodable bytes become (e.g. invalid UTF-8 on the command line).
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
# Whitespace and control characters (all lie below U+3001): stripped before the cut, so that
# padding cannot push the question out of the part that is read.
_LEADING_JUNK = "".join(
    chr(c) for c in range(0x3001) if chr(c).isspace() or unicodedata.category(chr(c)) == "Cc"
)


def parse_reference(question: str) -> tuple[int, tuple[str, ...]] | None:
    """(number, item labels) if the question is only a paragraph reference, else None."""
    m = _REFERENCE.match(question)
    if not m:
        return None
    items = tuple(re.findall(r"\(\s*([a-z]{1,5})\s*\)", m.group(2).lower()))
    return int(m.group(1)), items


def clean_question(question: object) -> str:
    """Validate and normalize a question; raises InvalidQuestionError with a readable message.

    Control characters become spaces, invisible format characters (zero-width, bidi overrides)
    are dropped, whitespace runs become one space, and the text is cut to MAX_QUESTION_CHARS.
    """
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    # Only a prefix can survive the cut, so huge input costs no more than a long question.
    text = question.lstrip(_LEADING_JUNK)[: MAX_QUESTION_CHARS * 4]
    if _SURROGATE.search(text):
        raise InvalidQuestionError(
            "the question holds bytes that are not UTF-8 text; type it again, or set your "
            "terminal to UTF-8 (e.g. LANG=C.UTF-8)"
        )
    text = "".join(_clean_char(ch) for ch in text)
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not text:
        raise InvalidQuestionError("the question is empty; type a question about the documents")
    # Documented clamp: longer questions are cut (the model reads 256 word pieces at most).
    return text[:MAX_QUESTION_CHARS].rstrip()


def _clean_char(ch: str) -> str:
    if ch.isprintable() or ch.isspace():
        return ch
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    if category == "Cf":
        return ""
    return ch


def check_args(k: object, mode: object) -> tuple[int, str]:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise InvalidQuestionError(f"k must be a whole number of results, not {k!r}")
    if k <= 0:
        raise InvalidQuestionError(f"k must be at least 1 (got {k})")
    if mode not in MODES:
        raise InvalidQuestionError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    return min(int(k), MAX_K), str(mode)


def _start_query_encoder(folder: Path, manifest) -> OnnxEncoder | None:
    """The build's ONNX query encoder, already loading on a thread of its own: onnxruntime
    sets up its session (a fifth of a second) while the index files are read, so the first
    question does not wait for it. None when the build has no export."""
    from .onnx_encoder import OnnxQueryEncoder, available

    if not available(folder, manifest.files):
        return None
    try:
        encoder = OnnxQueryEncoder(folder)
    except (OSError, ValueError, KeyError):
        return None  # the index load that follows says what is wrong with the build

    def warm() -> None:
        try:
            encoder.encode_queries(["warm up"])
        except Exception:  # noqa: BLE001 - the first question meets the error and reports it
            pass

    # Not a daemon: a process that answers before the session is ready (a lexical search, a
    # paragraph asked for by number) waits for it at exit rather than tearing onnxruntime
    # down mid-call, which aborts the process ("terminate called without an active
    # exception").
    threading.Thread(target=warm, name="qa-query-encoder", daemon=False).start()
    return encoder


class Index:
    """A loaded index: passages, FAISS and BM25 indexes, and the query encoder.

    Load once and reuse: `Index.load()` then `index.search("question")`.
    """

    def __init__(self, stored: StoredIndex, encoder=None, ranking: Ranking | None = None) -> None:
        self.stored = stored
        self.ranking = ranking or Ranking()
        self.manifest = stored.manifest
        self.passages: list[Passage] = stored.passages
        self.documents: dict[str, Document] = {d.doc_id: d for d in stored.documents}
        self.acronyms = stored.acronyms
        self.names = stored.names
        self._encoder = encoder
        self._lock = threading.Lock()
        self._encoder_lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._expansions: OrderedDict[tuple, str] = OrderedDict()  # (question, scope) -> text
        # Undefined acronym -> name, per set of documents searched (None: all of them); the
        # last 64 sets, as `within`.
        self._resolved: OrderedDict[frozenset | None, dict[str, str | None]] = OrderedDict()
        self._users: dict[str, list[str]] = {}  # acronym -> the documents using it
        self._spaced: dict[str, str] = {}  # document -> its text, spaces normalized
        # Units (paragraphs and the like) are numbered 0..n-1 in passage order: scores per
        # unit are arrays, keys (document, unit ref) are looked up only for the hits shown.
        # A document's passages are consecutive: [start, end) per document, for filters.
        self._by_paragraph: dict[tuple[str, str], list[int]] = {}
        self._span: dict[str, tuple[int, int]] = {}
        unit_of: list[int] = []
        for p in self.passages:
            key = (p.doc_id, p.ref)
            pids = self._by_paragraph.get(key)
            if pids is None:
                pids = self._by_paragraph[key] = []
            pids.append(p.id)
            unit_of.append(len(self._by_paragraph) - 1)
            span = self._span.get(p.doc_id)
            self._span[p.doc_id] = (span[0] if span else p.id, p.id + 1)
        self._units: list[tuple[str, str]] = list(self._by_paragraph)
        self._unit_of = np.asarray(unit_of, dtype=np.int64)
        self._doc_number = {doc_id: i for i, doc_id in enumerate(self._span)}
        self._doc_ids = list(self._span)
        self._unit_doc = np.asarray([self._doc_number[d] for d, _ in self._units], dtype=np.int64)
        self._within: OrderedDict[frozenset, Within] = OrderedDict()
        self._signatures: dict[tuple, str | None] = {}
        self._lists: dict[int, bool] = {}  # unit -> is a list of documents (qa/ranking/lists.py)
        self._answers: dict[tuple[int, str], bool] = {}  # (unit, type) -> holds such an answer
        self.sentences = Sentences(*stored.sentences, self._unit_of) if stored.sentences else None
        self.neighbours = stored.neighbours or {}

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        corpus_dir: str | Path | None = None,
        model: str | None = None,
        check_fresh: bool = True,
    ) -> Index:
        """Load the index in `index_dir` (default: the project's index/).

        Raises IndexMissingError, StaleIndexError (corpus, parser or model changed since the
        build) or CorruptIndexError, each naming the command that fixes it.
        """
        conf = settings(corpus_dir, index_dir, model)
        manifest = read_manifest(conf.index_dir)
        if check_fresh:
            reason = staleness(manifest, conf.corpus_dir, conf.model, conf.index_dir)
            if reason:
                raise StaleIndexError(f"the index is out of date: {reason}; run `qa build`")
        encoder = _start_query_encoder(conf.index_dir / "builds" / manifest.build, manifest)
        return cls(load_index(conf.index_dir), encoder=encoder)

    # --- query encoding --------------------------------------------------------------------

    @cached_property
    def document_fields(self) -> DocumentFields:
        """BM25 over the documents' titles, subtitles and symbols (qa/ranking/fields.py)."""
        return DocumentFields(self.documents)

    @cached_property
    def organ_acts(self) -> OrganActs:
        """The library's resolutions and decisions by organ (qa/ranking/acts.py)."""
        return OrganActs(self.documents)

    @property
    def encoder(self):
        """The query encoder: the build's ONNX export when present (no torch), else the model."""
        if self._encoder is None:
            with self._encoder_lock:
                if self._encoder is None:
                    self._encoder = self._load_encoder()
        return self._encoder

    def expanded(self, question: str, within: Within | None = None) -> str:
        """The question with the other form of every acronym in it: defined ones ("IOM" ->
        "International Organization for Migration") and, by their initials, ones the report
        never defines ("ICAT" -> "Inter-Agency Coordination Group against Trafficking in
        Persons"). What both the model and BM25 read. Within some documents, an undefined
        acronym is read as those documents would read it (`_used_together`)."""
        scope = within.documents if within is not None else None
        key = (question, scope)
        with self._lock:
            cached = self._expansions.get(key)
        if cached is None:
            with self._lock:
                resolved = self._resolved.setdefault(scope, {})
                while len(self._resolved) > 64:
                    self._resolved.popitem(last=False)
            cached = expand_query(
                question,
                self.acronyms,
                self.names,
                resolved,
                lambda acronym, name: self._used_together(acronym, name, scope),
            )
            with self._lock:
                self._expansions[key] = cached
                while len(self._expansions) > QUERY_CACHE_SIZE:
                    self._expansions.popitem(last=False)
        return cached

    def _used_together(self, acronym: str, name: str, scope: frozenset | None = None) -> bool:
        """Whether a document that uses the acronym also uses the name: what an undefined
        acronym may resolve to (qa/acronyms.py, `expand_query`). An acronym no document uses
        has only the names' initials to go by.

        Within some documents (`scope`), those of them that use the acronym decide; when none
        does, a name they use: a reader searching one report for "ICAT" means what that report
        calls by those initials, not another document's "International Classification for
        Administrative Data on Trafficking" (which spells them with fewer words skipped)."""
        users = self._document_users(acronym)
        if scope is not None:
            inside = [doc_id for doc_id in users if doc_id in scope]
            if not inside:
                searched = (doc_id for doc_id in scope if doc_id in self.documents)
                return any(name in self._spaced_text(doc_id) for doc_id in searched)
            users = inside
        return not users or any(name in self._spaced_text(doc_id) for doc_id in users)

    def _document_users(self, acronym: str) -> list[str]:
        """The documents that use the acronym (as a word of its own), found once."""
        users = self._users.get(acronym)
        if users is None:
            pattern = re.compile(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])")
            # `in` first: a plain substring scan is a hundred times quicker than the pattern,
            # and most documents do not hold the letters at all.
            users = [
                doc_id
                for doc_id, text in self._document_texts.items()
                if acronym in text and pattern.search(text)
            ]
            self._users[acronym] = users
        return users

    def _spaced_text(self, doc_id: str) -> str:
        """The document's text with its spaces normalized, as names are written; only for
        documents that use an acronym asked about, or that a search within them reads one in
        (all of them would take 0.16 s), once each."""
        text = self._spaced.get(doc_id)
        if text is None:
            text = self._spaced[doc_id] = " ".join(self._document_texts[doc_id].split())
        return text

    @cached_property
    def _document_texts(self) -> dict[str, str]:
        """Each document's title, symbols and units as one text."""
        texts = {}
        for doc_id, doc in self.documents.items():
            parts = [doc.title, doc.subtitle or "", doc.symbol or "", *doc.symbols]
            parts += [p.text for p in doc.paragraphs]
            if doc.summary:
                parts.append(doc.summary.text)
            texts[doc_id] = " ".join(parts)
        return texts

    def _load_encoder(self):
        from .onnx_encoder import OnnxQueryEncoder, available

        if available(self.stored.folder, self.manifest.files):
            return OnnxQueryEncoder(self.stored.folder)
        from .embed import Encoder

        return Encoder(self.manifest.model)

    def warm_up(self) -> None:
        """Load the query encoder and run one question, so the first reader does not wait."""
        self.encoder.encode_queries(["warm up"])

    def query_vector(self, question: str, within: Within | None = None) -> np.ndarray:
        """The embedding of the question as read (`expanded`), cached by that text: repeated
        questions cost nothing."""
        text = self.expanded(question, within)
        with self._lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        vector = self.encoder.encode_queries([text])[0]
        with self._lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector

    # --- scoring ---------------------------------------------------------------------------

    def dense_scores(
        self, question: str, within: Within | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, cosine similarity) of the question's nearest passages (of the chosen
        documents when `within` is given), best first."""
        vector = self.query_vector(question, within)
        scores, ids = dense.search(
            self.stored.dense_index,
            vector,
            DENSE_CANDIDATES,
            allowed=within.ids if within is not None else None,
        )
        return ids.astype(np.int64), scores.astype(np.float64)

    def lexical_query(self, question: str, within: Within | None = None) -> str | dict[str, float]:
        """What BM25 is asked: the question with its acronyms' other forms and, with
        `ranking.expansion`, each word's nearest corpus word at a lower weight."""
        text = self.expanded(question, within)
        if not (self.ranking.expansion and self.neighbours):
            return text
        vocab = self.stored.lexical.vocab
        return expand_terms(text, self.neighbours, known=vocab.__contains__)

    def _knows_a_word(self, question: str) -> bool:
        """Whether a word of the question, or one of its nearest words, is in the documents
        (or the question is written in a script other than the Latin alphabet's, which the
        words of the documents cannot tell)."""
        if any(ch.isalpha() and ord(ch) > 0x24F for ch in question):
            return True
        query = self.lexical_query(question)
        vocab = self.stored.lexical.vocab
        terms = query if isinstance(query, dict) else dict.fromkeys(tokenize(query), 1.0)
        return any(term in vocab for term in terms)

    def lexical_scores(
        self, question: str, within: Within | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, BM25 score) of the best passages sharing a word with the question;
        within some documents, with word weights (IDF) over those documents
        (`LexicalIndex.local_weights`)."""
        query = self.lexical_query(question, within)
        if within is not None and self.ranking.local_idf:
            terms = query if isinstance(query, dict) else dict(Counter(tokenize(query)))
            query = self.stored.lexical.local_weights(
                {s: float(w) for s, w in terms.items()}, within.mask
            )
        ids, scores = self.stored.lexical.top(
            query,
            LEXICAL_CANDIDATES,
            allowed=within.mask if within is not None else None,
        )
        return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)

    def coverage(
        self, question: str, paragraph: tuple | None, within: Within | None = None
    ) -> float:
        """The share of the question's words, weighted by IDF, that the paragraph holds: how
        much of the question BM25's best paragraph explains (a word the corpus never uses
        counts fully against it)."""
        stems = set(tokenize(self.expanded(question, within)))
        if not stems or paragraph is None:
            return 0.0
        lexical = self.stored.lexical
        passages = np.asarray(self._by_paragraph.get(paragraph, []), dtype=np.int64)
        weights = {s: lexical.idf(s) for s in stems}
        total = sum(weights.values())
        held = sum(w for s, w in weights.items() if lexical.holds(s, passages))
        return held / total if total else 0.0

    def dense_paragraphs(
        self,
        question: str,
        within: Within | None = None,
        also: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each unit's dense score (-inf for units not among the candidates), and the
        passages' (ids, cosine similarities).

        The score is the best passage's cosine similarity or, with `ranking.sentences`, its
        mean with the best sentence's; sentences are scored for the best
        `ranking.sentence_candidates` units by passage and for `also` (the best by BM25).
        """
        ids, sims = self.dense_scores(question, within)
        para = self._unit_best(ids, sims)[0]
        if not (self.ranking.sentences and self.sentences is not None and len(ids)):
            return para, ids, sims
        found = np.flatnonzero(np.isfinite(para))
        top = found[np.argsort(-para[found], kind="stable")[: self.ranking.sentence_candidates]]
        # Both sets, sorted, once each (a mask rather than np.unique: that imports numpy.ma,
        # 0.17 s of a cold `qa search`).
        chosen = np.zeros(len(para), dtype=bool)
        chosen[top] = True
        if also is not None:
            chosen[also] = True
        units = np.flatnonzero(chosen)
        units, best = self.sentences.best(self.query_vector(question, within), units)
        if not len(units):
            return para, ids, sims
        parts = clauses(question) if self.ranking.clauses else []
        if len(parts) > 1:
            # Every part must be answered: the least similar part's best sentence counts.
            least = np.stack(
                [self.sentences.best(self.query_vector(c, within), units)[1] for c in parts]
            )
            best = (1 - self.ranking.clauses) * best + self.ranking.clauses * least.min(axis=0)
        p_floor, s_floor = para[found].min(), best.min()
        sentence = np.full(len(para), -np.inf)
        sentence[units] = best
        scored = np.isfinite(para) | np.isfinite(sentence)
        combined = np.full(len(para), -np.inf)
        combined[scored] = (
            np.where(np.isfinite(para[scored]), para[scored], p_floor)
            + np.where(np.isfinite(sentence[scored]), sentence[scored], s_floor)
        ) / 2
        return combined, ids, sims

    def within(self, documents: set[str] | None) -> Within | None:
        """The passages of these documents (None: all), cached per set of documents."""
        if documents is None or len(documents) == len(self.documents):
            return None
        key = frozenset(documents)
        with self._lock:
            found = self._within.get(key)
        if found is None:
            mask = np.zeros(len(self.passages), dtype=bool)
            for doc_id in key:
                start, end = self._span.get(doc_id, (0, 0))
                mask[start:end] = True
            found = Within(np.flatnonzero(mask).astype(np.int64), mask, key)
            with self._lock:
                self._within[key] = found
                while len(self._within) > 64:
                    self._within.popitem(last=False)
        return found

    def _unit_best(self, ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's best passage score (-inf where none scored) and that passage (-1): a
        paragraph is as relevant as its best passage, so an answer in one sub-item is not
        diluted by the others. Ties go to the passage listed first."""
        best = np.full(len(self._units), -np.inf)
        passage = np.full(len(self._units), -1, dtype=np.int64)
        if len(ids):
            units = self._unit_of[ids]
            order = np.lexsort((-scores, units))  # by unit, then best first (stable)
            first = order[np.r_[True, units[order][1:] != units[order][:-1]]]
            best[units[first]] = scores[first]
            passage[units[first]] = ids[first]
        return best, passage

    def _as_dict(self, scores: np.ndarray) -> dict[tuple, float]:
        found = np.flatnonzero(np.isfinite(scores))
        return dict(zip([self._units[i] for i in found.tolist()], scores[found].tolist()))

    def paragraph_scores(
        self, question: str, within: Within | None = None
    ) -> tuple[dict[tuple, float], dict[tuple, float]]:
        """(dense, lexical) score of each candidate paragraph (see `dense_paragraphs`)."""
        lexical = self._unit_best(*self.lexical_scores(question, within))[0]
        return self._as_dict(
            self.dense_paragraphs(
                question, within, _best(lexical, self.ranking.sentence_candidates)
            )[0]
        ), self._as_dict(lexical)

    def rank(
        self, question: str, mode: str, within: Within | None = None
    ) -> Iterator[tuple[tuple, float, int]]:
        """Paragraph keys with a 0–1 score and their best passage, best first."""
        if mode == "dense":
            scores, ids, sims = self.dense_paragraphs(question, within)
            passage = self._unit_best(ids, sims)[1]
            ranked = _best(scores)
            return iter(
                [
                    (
                        self._units[u],
                        max(0.0, float(scores[u])),
                        int(passage[u])
                        if passage[u] >= 0
                        else self._by_paragraph[self._units[u]][0],
                    )
                    for u in ranked.tolist()
                ]
            )
        if mode == "lexical":
            scores, passage = self._unit_best(*self.lexical_scores(question, within))
            ranked = _best(scores)
            top = float(scores[ranked[0]]) if len(ranked) else 1.0
            return iter(
                [(self._units[u], float(scores[u]) / top, int(passage[u])) for u in ranked.tolist()]
            )
        if self.ranking.document_focus and self._spans_documents(within):
            hidden: set[tuple] = set()
            ranked = self._focused(question, self._hybrid(question, within, hidden), hidden)
        else:
            ranked = self._hybrid(question, within)
        return _scaled_to_one(ranked)

    def _spans_documents(self, within: Within | None) -> bool:
        """Whether a search covers more than one document."""
        return len(self.documents) > 1 and (within is None or len(within.documents) > 1)

    def _focused(
        self, question: str, ranked: Iterator[tuple[tuple, float, int]], hidden: set[tuple]
    ) -> Iterator[tuple[tuple, float, int]]:
        """The ranking with the best hit's document's paragraphs reordered among the places
        they hold, as a search of that document alone orders them.

        Searched alone, a document weighs the question's words by their IDF over its own
        passages (`Ranking.local_idf`) and scales both measures over its own candidates. In
        a library a word is weighed by its rarity over every document: "audit" is rare there,
        so in the board's report the paragraphs that say "audit" outrank the one about a
        "culture audit", though most of that report is about audits. The document and the
        places are the library's; the order within the document is its own. Each place keeps
        its score, so scores still fall with rank; a copy the library lists under its source
        (`hidden`, filled by `ranked`) stays hidden. Lazy, as `_hybrid`: the document's own
        search runs when the reader's first hit is asked for.
        """
        first = next(ranked, None)
        if first is None:
            return
        document = first[0][0]
        alone = self._hybrid(question, self.within({document}))
        given: set[tuple] = set()

        def next_alone(fallback: tuple[tuple, float, int]) -> tuple[tuple, int]:
            for key, _, pid in alone:
                if key not in given and key not in hidden:
                    return key, pid
            # Searched alone, a document has all its passages as candidates up to 1,000; a
            # longer one may run out first, and its place goes to the library's choice.
            return fallback[0], fallback[2]

        for item in itertools.chain([first], ranked):
            key, score, pid = item
            if key[0] == document:
                key, pid = next_alone(item)
                if key in given:
                    continue
            given.add(key)
            yield key, score, pid

    def _hybrid(
        self, question: str, within: Within | None = None, hidden: set[tuple] | None = None
    ) -> Iterator[tuple[tuple, float, int]]:
        """Normalized-score fusion of the paragraphs' dense and lexical scores
        (qa/ranking/fusion.py), the dense weight following the evidence BM25 has
        (`Ranking.evidence`); then document fields, the organ's acts, lists and copies
        (qa/ranking/). The copies listed under their source are added to `hidden`."""
        lexical_ids, lexical_s = self.lexical_scores(question, within)
        lexical = self._unit_best(lexical_ids, lexical_s)[0]
        by_lexical = _best(lexical, self.ranking.sentence_candidates)
        dense_u, dense_ids, dense_s = self.dense_paragraphs(question, within, by_lexical)
        weight = DENSE_WEIGHT
        if self.ranking.evidence:
            top = self._units[int(by_lexical[0])] if len(by_lexical) else None
            weight = evidence_weight(self.coverage(question, top, within))
        units, fused = fuse_arrays(dense_u, lexical, weight)
        # Fields and copies tell documents apart: nothing to do in one document's search.
        several = self._spans_documents(within)
        if self.ranking.document_fields and several:
            docs = self.document_fields.scores(self.expanded(question, within))
            fused = fused + self.ranking.document_fields * self._per_document(units, docs)
        if self.ranking.organ_acts and several:
            acts = self.organ_acts.documents(self.expanded(question, within))
            fused = fused + self.ranking.organ_acts * self._per_document(
                units, dict.fromkeys(acts, 1.0)
            )
        if self.ranking.document_lists:
            fused = self._lists_lowered(units, fused)
        if self.ranking.answer_types:
            fused = self._answers_raised(question, units, fused)
        if self.ranking.copies and several:
            fused = self._copies_at_source(units, fused, hidden)
        # The passage to show: best by both measures on the paragraphs' own scale. Chosen
        # only for the paragraphs the reader is shown (a generator: search() stops at k).
        dense_best = self._unit_best(dense_ids, dense_s)[0]
        seen = dense_best[np.isfinite(dense_best)]
        d_low = float(seen.min()) if len(seen) else 0.0
        d_span = (float(seen.max()) if len(seen) else 1.0) - d_low or 1.0
        l_top = (float(lexical_s.max()) if len(lexical_s) else 1.0) or 1.0
        # Each passage's two scores on that scale (a passage missing from a measure has its
        # floor, 0); a passage comes once in each list.
        both = np.zeros(len(self.passages))
        both[dense_ids] = (dense_s - d_low) / d_span
        both[lexical_ids] += lexical_s / l_top
        order = np.argsort(-fused, kind="stable")
        for i in order[np.isfinite(fused[order])].tolist():
            key = self._units[int(units[i])]
            pids = self._by_paragraph[key]
            pid = pids[int(np.argmax(both[pids]))] if len(pids) > 1 else pids[0]
            yield key, float(fused[i]), pid

    def _per_document(self, units: np.ndarray, values: dict[str, float]) -> np.ndarray:
        """Each unit's share of a per-document value (0 for documents not named)."""
        by_doc = np.zeros(len(self._doc_ids))
        for doc_id, value in values.items():
            number = self._doc_number.get(doc_id)
            if number is not None:
                by_doc[number] = value
        return by_doc[self._unit_doc[units]]

    def _copies_at_source(
        self, units: np.ndarray, fused: np.ndarray, hidden: set[tuple] | None = None
    ) -> np.ndarray:
        """The fused scores with the best candidates' copies ranked at their source
        (qa/ranking/copies.py); a copy listed under its source is -inf (not shown), and
        added to `hidden`."""
        top = np.argsort(-fused, kind="stable")[:COPY_CANDIDATES]
        keys = [self._units[u] for u in units[top].tolist()]
        scores = dict(zip(keys, fused[top].tolist()))
        kept = collapse(
            lift_sources(scores, self._shingles, self._date_of), self._signature, self._date_of
        )
        fused = fused.copy()
        fused[top] = [kept.get(key, -np.inf) for key in keys]
        if hidden is not None:
            hidden.update(key for key in keys if key not in kept)
        return fused

    def _lists_lowered(self, units: np.ndarray, fused: np.ndarray) -> np.ndarray:
        """The fused scores with the lists of documents (qa/ranking/lists.py) among the best
        candidates lowered by `ranking.document_lists`."""
        top = np.argsort(-fused, kind="stable")[:COPY_CANDIDATES]
        lists = np.fromiter((self._is_list(u) for u in units[top].tolist()), bool, len(top))
        fused = fused.copy()
        fused[top[lists]] -= self.ranking.document_lists
        return fused

    def _answers_raised(self, question: str, units: np.ndarray, fused: np.ndarray) -> np.ndarray:
        """The fused scores with the candidates that hold the type of answer the question asks
        for (qa/ranking/answers.py) raised by `ranking.answer_types` (a share of it for a
        question that asks for two types and a paragraph that holds one). Only candidates
        within that much of the tenth best are looked at: no other could reach the first
        ten, and reading a paragraph's text takes up to 0.1 ms the first time."""
        kinds = wanted(question)
        if not kinds or not len(fused):
            return fused
        weight = self.ranking.answer_types
        top = np.argsort(-fused, kind="stable")[:COPY_CANDIDATES]
        top = top[fused[top] >= fused[top[min(len(top), ANSWER_WINDOW) - 1]] - weight]
        share = np.fromiter(
            (sum(self._holds(u, kind) for kind in kinds) / len(kinds) for u in units[top].tolist()),
            float,
            len(top),
        )
        fused = fused.copy()
        fused[top] += weight * share
        return fused

    def _holds(self, unit: int, kind: str) -> bool:
        """Whether the unit holds an answer of that type, kept once worked out."""
        found = self._answers.get((unit, kind))
        if found is None:
            paragraph = self.paragraph(*self._units[unit])
            found = paragraph is not None and holds(kind, paragraph.text)
            self._answers[(unit, kind)] = found
        return found

    def _is_list(self, unit: int) -> bool:
        """Whether the unit is a list of documents, kept once worked out (as `_signature`)."""
        found = self._lists.get(unit)
        if found is None:
            paragraph = self.paragraph(*self._units[unit])
            found = self._lists[unit] = paragraph is not None and is_document_list(paragraph.text)
        return found

    def _signature(self, key: tuple) -> str | None:
        """The unit's text as its copies share it (qa/ranking/copies.py), kept once worked out:
        the same candidates come back question after question, and all 17,000 units of a
        library would take a second."""
        found = self._signatures.get(key, False)
        if found is False:
            unit = self.paragraph(*key)
            found = self._signatures[key] = signature(unit.text) if unit is not None else None
        return found

    def _shingles(self, key: tuple) -> frozenset:
        unit = self.paragraph(*key)
        return _unit_shingles(unit.text) if unit is not None else frozenset()

    def _date_of(self, key: tuple) -> str:
        return self.documents[key[0]].date_iso or "9999-99-99"  # undated: after the rest

    # --- results ---------------------------------------------------------------------------

    def paragraph(self, document: str, ref: str) -> Paragraph | None:
        """The unit `ref` ("57", "summary", "annex II/4", …) of a document."""
        doc = self.documents.get(document)
        return doc.unit(ref) if doc is not None else None

    def _hit(
        self,
        rank: int,
        key: tuple,
        score: float,
        pid: int | None,
        question: str,
        item: tuple[str, ...] | None = None,
    ) -> Hit:
        doc_id, ref = key
        paragraph = self.paragraph(doc_id, ref)
        document = self.documents[doc_id]
        passage = self.passages[pid] if pid is not None else None
        if item is None and passage is not None:
            item = passage.item
        passage_text = passage.text if passage else paragraph.text
        if item and paragraph.item(item):
            passage_text = f"({item[-1]}) {paragraph.item(item).text}"
        return Hit(
            rank=rank,
            score=round(float(min(max(score, 0.0), 1.0)), 4),
            paragraph=paragraph.number,
            item=" ".join(f"({p})" for p in item) if item else None,
            section=[h.display for h in paragraph.headings],
            section_code=paragraph.section_code,
            text=paragraph.text,
            passage=passage_text,
            sentence=best_sentence(passage_text, question),
            citation=self.citation(doc_id, paragraph, item),
            document=doc_id,
            document_title=document.title,
            document_symbol=document.symbol,
            document_date=document.date,
            ref=paragraph.ref,
            kind=paragraph.kind,
            page=paragraph.page,
            annex=paragraph.annex,
            document_kind=document.kind,
            document_organ=document.organ,
            notes=tuple(self._note(doc_id, u) for u in document.notes_of(paragraph)),
            cited_by=tuple(self._note(doc_id, u) for u in document.citing(paragraph)),
            last_page=paragraph.last_page,
        )

    def _note(self, doc_id: str, unit: Paragraph) -> Note:
        return Note(unit.locator, unit.text, self.citation(doc_id, unit, None))

    def citation(self, doc_id: str, paragraph: Paragraph, item: tuple[str, ...] | None) -> str:
        """ "S/2025/185, para. 12 — II.A …": a document with a symbol is always named by it;
        one without is named by title and date when the index holds several documents, and
        not at all when it is alone ("para. 57 — III.B.3 …")."""
        document = self.documents[doc_id]
        if document.symbol or len(self.documents) > 1:
            return f"{document.label}, {paragraph.citation(item)}"
        return paragraph.citation(item)

    def check_documents(self, documents: Sequence[str] | None) -> set[str] | None:
        """The document ids to search, or None for all; unknown ids are a clear error."""
        if documents is None:
            return None
        if isinstance(documents, str):
            documents = [documents]
        try:
            wanted = set(documents)
        except TypeError:  # not iterable, or holds lists
            wanted = None
        if wanted is None or not all(isinstance(d, str) for d in wanted):
            raise InvalidQuestionError(
                f"documents must be a list of document ids, not {documents!r}; "
                + self._documents_hint("")
            )
        by_symbol = {
            symbol.upper(): doc_id
            for doc_id, doc in self.documents.items()
            for symbol in (doc.symbol, *doc.symbols)
            if symbol
        }
        wanted = {d if d in self.documents else by_symbol.get(d.upper(), d) for d in wanted}
        unknown = sorted(wanted - set(self.documents))
        if unknown or not wanted:
            raise InvalidQuestionError(
                f"unknown document {', '.join(map(repr, unknown)) or '(none given)'}; "
                + self._documents_hint(unknown[0] if unknown else "")
            )
        return wanted

    def _documents_hint(self, given: str) -> str:
        """The documents to pick from: all of a few, or the closest ids and symbols of a
        library (its 270 ids made a line of 4,000 characters)."""
        if len(self.documents) <= 10:
            return f"documents in the index: {', '.join(sorted(self.documents))}"
        names = sorted(
            {
                *self.documents,
                *(s for d in self.documents.values() for s in (d.symbol, *d.symbols) if s),
            }
        )
        close = difflib.get_close_matches(given, names, n=3, cutoff=0.6) if given else []
        hint = f"did you mean {', '.join(close)}? " if close else ""
        return f"{hint}`qa list` shows the {len(self.documents)} documents of the index"

    def select(
        self,
        documents: Sequence[str] | None = None,
        organ: str | Sequence[str] | None = None,
        kind: str | Sequence[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        symbol: str | Sequence[str] | None = None,
    ) -> set[str] | None:
        """The ids of the documents these filters leave (None when nothing is filtered).

        Bad filter values raise InvalidQuestionError saying what is allowed."""
        chosen = self.check_documents(documents)
        if not any(v not in (None, "", [], ()) for v in (organ, kind, since, until, symbol)):
            return chosen
        docs = {d: doc for d, doc in self.documents.items() if chosen is None or d in chosen}
        if organ not in (None, "", [], ()):
            wanted = {_norm_filter(o) for o in _as_list(organ, "organ")}
            known = {name for doc in self.documents.values() for name in _organ_names(doc.organ)}
            unknown = sorted(wanted - known)
            if unknown:
                codes = sorted(
                    {organ_code(d.organ) or d.organ for d in self.documents.values() if d.organ}
                )
                raise InvalidQuestionError(
                    f"no document of organ {', '.join(unknown)}; organs in the index: "
                    f"{', '.join(codes) or 'none'}"
                )
            docs = {d: doc for d, doc in docs.items() if _organ_names(doc.organ) & wanted}
        if kind not in (None, "", [], ()):
            kinds = {k.strip().lower() for k in _as_list(kind, "kind")}  # "Report" too
            unknown = sorted(kinds - set(DOCUMENT_KINDS))
            if unknown:
                raise InvalidQuestionError(
                    f"unknown kind {', '.join(unknown)}; choose from {', '.join(DOCUMENT_KINDS)}"
                )
            docs = {d: doc for d, doc in docs.items() if doc.kind in kinds}
        if since or until:
            low = _date_bound(since, "since", end=False) if since else ""
            high = _date_bound(until, "until", end=True) if until else "9999-99-99"
            docs = {
                d: doc for d, doc in docs.items() if doc.date_iso and low <= doc.date_iso <= high
            }
        if symbol not in (None, "", [], ()):
            prefixes = [s.strip().upper() for s in _as_list(symbol, "symbol") if s.strip()]
            docs = {
                d: doc
                for d, doc in docs.items()
                if any(
                    candidate.upper().startswith(prefix)
                    for candidate in (doc.symbol or "", *doc.symbols)
                    if candidate
                    for prefix in prefixes
                )
            }
        return set(docs)

    def search(
        self,
        question: str,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        documents: Sequence[str] | None = None,
        *,
        organ: str | Sequence[str] | None = None,
        kind: str | Sequence[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        symbol: str | Sequence[str] | None = None,
        group_by: str | None = None,
    ) -> list[Hit]:
        """The k paragraphs that best answer the question, best first.

        Args:
            question: the reader's question, or a paragraph reference ("para 57", "139 (d)",
                "S/2025/185 para 12").
            k: how many paragraphs to return (1–100; larger values are clamped to 100).
            mode: "hybrid" (default), "dense" or "lexical".
            documents: only search these documents (ids as `qa list` shows them, or symbols).
            organ: only documents of this organ ("SC", "GA", "ECOSOC", "HRC" or the full
                name), or of any of a list.
            kind: only documents of this kind (report, letter, resolution, decision, note,
                other), or of any of a list.
            since, until: only documents dated on or after / on or before this date
                ("2025", "2025-03", "2025-03-15").
            symbol: only documents whose symbol is or starts with this ("S/2025/185",
                "S/2025/", "A/HRC/").
            group_by: "document" returns the best paragraph of each of the k best documents,
                ordered by date (oldest first): how a topic moves through the documents.
        """
        question = clean_question(question)
        k, mode = check_args(k, mode)
        one_blas_thread()  # numpy's BLAS off the cores onnxruntime encodes on (qa/threads.py)
        if group_by not in (None, "document"):
            raise InvalidQuestionError(f"group_by must be 'document' or None, not {group_by!r}")
        allowed = self.select(documents, organ, kind, since, until, symbol)
        if allowed is not None and not allowed:
            return []
        named = self._symbols_in(question)
        if named:
            question = _strip_symbols(question)
        reference = parse_reference(question)
        hits: list[Hit] = []
        seen: set[tuple] = set()
        scope = allowed if not named else (named & allowed if allowed is not None else named)
        if reference and scope != set():
            found = self._reference_hits(reference, question, scope)
            hits.extend(found[:k])
            seen.update((h.document, h.ref) for h in found)
            if found:
                question = found[0].text  # the rest: paragraphs most like the one asked for
        elif (located := self._locator_hits(question, scope)) is not None:
            # A citation as qa prints it, pasted back: "annex I, para. 22", "footnote 57",
            # "preambular para. 4", "pp. 1–2", "p. 12, table".
            hits.extend(located[:k])
            seen.update((h.document, h.ref) for h in located)
            if located:
                question = located[0].text
        elif not reference:
            mentioned = _REFERENCE_INSIDE.search(question)
            # "para 12" inside a question points at one paragraph only where one document is
            # meant (the only one searched, or the one the question names).
            single = scope is not None and len(scope) == 1 or len(self.documents) == 1
            if mentioned and single:
                found = self._reference_hits((int(mentioned.group(1)), ()), question, scope)
                hits.extend(found[:k])
                seen.update((h.document, h.ref) for h in found)
        if not hits and mode != "dense" and not self._knows_a_word(question):
            # "xqzv blorf wuggle", "?!.,;:": no word the documents hold, even by its nearest
            # words; the model would still rank its nearest passages first, at a high score,
            # as if they answered. A question in another script is still left to the model,
            # and dense mode, asked for by name, still ranks them.
            return []
        if named and allowed is None:
            allowed = named  # "… in S/2025/185": that document's paragraphs
        within = self.within(allowed)
        if group_by == "document":
            return self._by_document(question, mode, k, within, allowed, hits, seen)
        # A unit a reader cannot tell from one listed above it (the same text under the same
        # citation: a board's "Annual session / 12 June 2025" under each decision on a page)
        # is listed once.
        shown = {(h.citation, h.text) for h in hits}
        for key, score, pid in self.rank(question, mode, within):
            if len(hits) >= k:
                break
            if key in seen or (allowed is not None and key[0] not in allowed):
                continue
            seen.add(key)
            hit = self._hit(len(hits) + 1, key, score, pid, question)
            if (hit.citation, hit.text) in shown:
                continue
            shown.add((hit.citation, hit.text))
            hits.append(hit)
        return hits[:k]

    def _by_document(
        self,
        question: str,
        mode: str,
        k: int,
        within: Within | None,
        allowed: set[str] | None,
        hits: list[Hit],
        seen: set[tuple],
    ) -> list[Hit]:
        """The best paragraph of each of the k best documents, oldest first."""
        best: dict[str, Hit] = {h.document: h for h in hits}
        for key, score, pid in self.rank(question, mode, within):
            if len(best) >= k:
                break
            if key[0] in best or (allowed is not None and key[0] not in allowed):
                continue
            best[key[0]] = self._hit(0, key, score, pid, question)
        ordered = sorted(
            best.values(),
            key=lambda h: (self.documents[h.document].date_iso or "9999", -h.score),
        )
        return [dataclasses.replace(h, rank=n) for n, h in enumerate(ordered, start=1)]

    def _symbols_in(self, question: str) -> set[str]:
        """Documents the question names by symbol ("… of S/2025/185", "A/80/159 para 12")."""
        found = set()
        for match in SYMBOL.finditer(question):
            wanted = clean_symbol(match.group(0)).upper()
            for doc_id, doc in self.documents.items():
                if wanted in {(doc.symbol or "").upper(), *(s.upper() for s in doc.symbols)}:
                    found.add(doc_id)
        return found

    def _locator_hits(self, question: str, scope: set[str] | None) -> list[Hit] | None:
        """The units whose place, as a citation prints it, is the question ("annex I, para.
        22", "p. 7 (a)", "footnote 57"); None when the question is not such a place."""
        wanted = _LOCATOR.match(question)
        if not wanted:
            # A document without a symbol is cited by its title and date: "Improving the
            # coordination of efforts against… (18 June 2019), para. 64".
            named = [
                (d, doc.label)
                for d, doc in self.documents.items()
                if not doc.symbol and question.startswith(f"{doc.label}, ")
            ]
            if len(named) != 1 or (scope is not None and named[0][0] not in scope):
                return None
            (named_id, label) = named[0]
            scope, question = {named_id}, question[len(label) + 1 :]
            wanted = _LOCATOR.match(question)
            if not wanted:
                return None
        place = _locator_key(wanted.group(1))
        labels = tuple(re.findall(r"\(\s*([a-z]{1,5})\s*\)", (wanted.group(2) or "").lower()))
        found = [
            (doc_id, paragraph, labels if labels and paragraph.item(labels) else None)
            for doc_id, doc in self.documents.items()
            if scope is None or doc_id in scope
            for paragraph in doc.paragraphs
            if _locator_key(paragraph.locator) == place
        ]
        # Several units at one place (two tables on a page): the one under the section the
        # citation names, then the one holding the sub-item asked for, come first.
        asked = _locator_key(question)
        found.sort(
            key=lambda f: (
                not _locator_key(self.citation(f[0], f[1], f[2])).endswith(asked),
                f[2] is None,
            )
        )
        return self._asked_hits(found, question)

    def _asked_hits(
        self, found: list[tuple[str, Paragraph, tuple[str, ...] | None]], question: str
    ) -> list[Hit]:
        """Hits, in order and at full score, for units the question asked for by place:
        each with the passage holding its sub-item, if one was asked for."""
        hits: list[Hit] = []
        for doc_id, paragraph, item in found:
            pids = self._by_paragraph.get((doc_id, paragraph.ref), [None])
            pid = next(
                (i for i in pids if i is not None and self.passages[i].item == item), pids[0]
            )
            hits.append(
                self._hit(len(hits) + 1, (doc_id, paragraph.ref), 1.0, pid, question, item=item)
            )
        return hits

    def _reference_hits(
        self, reference: tuple[int, tuple[str, ...]], question: str, allowed: set[str] | None
    ) -> list[Hit]:
        """The referenced paragraph in each (allowed) document that has it."""
        number, labels = reference
        found = [
            (doc_id, paragraph, tuple(labels) if labels and paragraph.item(tuple(labels)) else None)
            for doc_id, doc in self.documents.items()
            if (paragraph := doc.paragraph(number)) is not None
            and (allowed is None or doc_id in allowed)
        ]
        return self._asked_hits(found, question)


def _scaled_to_one(
    ranked: Iterator[tuple[tuple, float, int]],
) -> Iterator[tuple[tuple, float, int]]:
    """Hybrid scores on the 0-1 scale: the mechanisms add to the fused score (document fields,
    the organ's acts, answer types), so the best may pass 1; then every score of the question
    is divided by the best's, which keeps them falling with rank where clipping at 1 would
    show the first few as equal."""
    first = next(ranked, None)
    if first is None:
        return
    scale = first[1] if first[1] > 1.0 else 1.0
    yield first[0], first[1] / scale, first[2]
    for key, score, pid in ranked:
        yield key, score / scale, pid


def best_sentence(text: str, question: str) -> str:
    """The sentence of `text` sharing the most (stemmed) words with the question."""
    sentences = [s for line in text.split("\n") for s in split_sentences(line)]
    if not sentences:
        return text
    wanted = set(tokenize(question))
    return max(sentences, key=lambda s: len(wanted.intersection(_sentence_words(s))))


@lru_cache(maxsize=4096)
def _unit_shingles(text: str) -> frozenset:
    # The best candidates' word runs (qa/ranking/copies.py): the same units come back often.
    return shingles(text)


@lru_cache(maxsize=4096)
def _sentence_words(sentence: str) -> frozenset[str]:
    # The same passages' sentences come back question after question.
    return frozenset(tokenize(sentence))


@dataclass(frozen=True)
class Within:
    """The passages a search may return: their ids (sorted) and the same as a mask."""

    ids: np.ndarray
    mask: np.ndarray
    documents: frozenset = frozenset()  # their documents' ids


def _as_list(value: object, name: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    try:
        values = list(values)  # type: ignore[arg-type]
    except TypeError:
        values = None
    if values is None or not all(isinstance(v, str) for v in values):
        raise InvalidQuestionError(f"{name} must be text or a list of texts, not {value!r}")
    return values


def _organ_names(organ: str | None) -> set[str]:
    """What an organ filter may call an organ: its name, its code ("SC", "UNW") and, for an
    executive board, the body it governs ("UN-Women", "UNFPA")."""
    names = {_norm_filter(organ), _norm_filter(organ_code(organ))}
    governed = re.match(r"Executive Board of (.+)$", organ or "")
    if governed:
        names.add(_norm_filter(governed.group(1)))
        names.update(_norm_filter(part) for part in governed.group(1).split("/"))
    return names - {""}


def _norm_filter(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip()).casefold()


_DATE_FILTER = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _date_bound(value: object, name: str, end: bool) -> str:
    """ "2025" / "2025-03" / "2025-03-15" as the first (or last) day it covers."""
    m = _DATE_FILTER.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise InvalidQuestionError(
            f"{name} must be a date like 2025, 2025-03 or 2025-03-15, not {value!r}"
        )
    year, month, day = m.groups()
    try:  # a month or day the calendar does not have ("2025-13", "2025-02-30")
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise InvalidQuestionError(
            f"{name} must be a date like 2025, 2025-03 or 2025-03-15, and {value!r} is not a "
            "date of the calendar"
        ) from None
    if day:
        return f"{year}-{month}-{day}"
    if month:
        return f"{year}-{month}-{'31' if end else '01'}"
    return f"{year}-{'12-31' if end else '01-01'}"


def _locator_key(locator: str) -> str:
    """A place compared as printed, whatever its spaces, case and dash: "pp. 1–2"."""
    return re.sub(r"\s+", "", locator.lower().replace("-", "–"))


def _strip_symbols(question: str) -> str:
    """The question without the symbols it names, and the "of"/"in" that tied them in."""
    text = SYMBOL.sub(" ", question)
    text = re.sub(r"\s*(?:,|\b(?:of|in|from)\b)?\s*$", "", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"^\s*,\s*", "", text).strip() or question


# --- the shared default index ------------------------------------------------------------------

_default: dict[Settings, Index] = {}
_default_lock = threading.Lock()


def open_index(
    conf: Settings | None = None,
    *,
    build_if_needed: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
) -> Index:
    """Load the index for these settings, building it first when missing, stale or damaged."""
    conf = conf or settings()
    try:
        return Index.load(conf.index_dir, corpus_dir=conf.corpus_dir, model=conf.model)
    except (IndexMissingError, StaleIndexError, CorruptIndexError) as exc:
        if not build_if_needed:
            raise
        if isinstance(exc, StaleIndexError):
            refusal = another_corpus(read_manifest(conf.index_dir), conf.corpus_dir, conf.index_dir)
            if refusal:
                raise StaleIndexError(refusal) from None
        log(f"{exc} — building the index now")
    from .embed import Encoder

    encoder = Encoder(conf.model)
    manifest = build_index(conf.corpus_dir, conf.index_dir, encoder, progress=progress)
    # Questions go through the build's ONNX export when it has one: the build may never have
    # loaded the model itself (it embeds with the export too).
    onnx = manifest.query_encoder == "onnx"
    return Index(load_index(conf.index_dir), encoder=None if onnx else encoder)


def search(
    question: str,
    k: int = DEFAULT_K,
    mode: str = DEFAULT_MODE,
    documents: Sequence[str] | None = None,
    **filters,
) -> list[Hit]:
    """Search the documents with the default index (built on first use if needed).

    Args:
        question: the reader's question, or a paragraph reference ("para 57", "139 (d)").
        k: how many paragraphs to return (1–100).
        mode: "hybrid" (default), "dense" or "lexical".
        documents: only search these documents (ids as `qa list` shows them); all if None.
        **filters: organ, kind, since, until, symbol and group_by, as `Index.search` takes
            them.

    Returns:
        Hits, best first; each has a citation such as
        "para. 57 — III.B.3 International Organization for Migration".
    """
    question = clean_question(question)
    check_args(k, mode)
    conf = settings()
    with _default_lock:
        index = _default.get(conf)
        if index is None:
            index = _default[conf] = open_index(conf)
    return index.search(question, k=k, mode=mode, documents=documents, **filters)


def _best(scores: np.ndarray, n: int | None = None) -> np.ndarray:
    """The units with a score (not -inf), best first (ties: lower unit first); the first n."""
    found = np.flatnonzero(np.isfinite(scores))
    ranked = found[np.argsort(-scores[found], kind="stable")]
    return ranked if n is None else ranked[:n]
