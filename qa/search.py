"""Index: dense + lexical passage scores -> fusion -> paragraphs -> Hit (citation, highlight)."""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import dense
from .acronyms import expand_query
from .config import DEFAULT_K, DEFAULT_MODE, MAX_K, MAX_QUESTION_CHARS, MODES, Settings, settings
from .errors import CorruptIndexError, IndexMissingError, InvalidQuestionError, StaleIndexError
from .fusion import fuse
from .lexical import tokenize
from .parse import Document, Paragraph
from .passages import Passage, split_sentences
from .store import StoredIndex, build_index, load_index, read_manifest, staleness

# How many passages the dense search looks at before aggregating to paragraphs.
DENSE_CANDIDATES = 1000
# The same for BM25 (passages that share no word with the question are never candidates).
LEXICAL_CANDIDATES = 1000
QUERY_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Hit:
    """One answering paragraph, ready to cite.

    Attributes:
        rank: 1 for the best hit.
        score: relevance on a 0–1 scale (1.0 for a paragraph asked for by number; see README).
        paragraph: paragraph number, or None for the report's Summary.
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

    def to_dict(self) -> dict:
        return asdict(self)


# "para 57", "paragraph 139(d)", "para. 139 (d) (iv)", "¶ 12", or a bare "139 (d)".
_REFERENCE = re.compile(
    r"^\s*(?:(?:para(?:graph)?s?|¶)\.?\s*)?(\d{1,4})\s*((?:\(\s*[a-z]{1,5}\s*\)\s*)*)\s*[.?]?\s*$",
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
        raise InvalidQuestionError("the question is empty; type a question about the report")
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


class Index:
    """A loaded index: passages, FAISS and BM25 indexes, and the query encoder.

    Load once and reuse: `Index.load()` then `index.search("question")`.
    """

    def __init__(self, stored: StoredIndex, encoder=None) -> None:
        self.stored = stored
        self.manifest = stored.manifest
        self.passages: list[Passage] = stored.passages
        self.documents: dict[str, Document] = {d.doc_id: d for d in stored.documents}
        self.acronyms = stored.acronyms
        self.names = stored.names
        self._encoder = encoder
        self._lock = threading.Lock()
        self._encoder_lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._expansions: OrderedDict[str, str] = OrderedDict()
        self._resolved: dict[str, str | None] = {}  # undefined acronym -> name, per index
        # passage -> (document, paragraph) key, and each paragraph's passages.
        self._keys = [(p.doc_id, p.paragraph) for p in self.passages]
        self._by_paragraph: dict[tuple[str, int | None], list[int]] = {}
        for p in self.passages:
            self._by_paragraph.setdefault((p.doc_id, p.paragraph), []).append(p.id)

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
        if check_fresh:
            manifest = read_manifest(conf.index_dir)
            reason = staleness(manifest, conf.corpus_dir, conf.model)
            if reason:
                raise StaleIndexError(f"the index is out of date: {reason}; run `qa build`")
        return cls(load_index(conf.index_dir))

    # --- query encoding --------------------------------------------------------------------

    @property
    def encoder(self):
        """The query encoder: the build's ONNX export when present (no torch), else the model."""
        if self._encoder is None:
            with self._encoder_lock:
                if self._encoder is None:
                    self._encoder = self._load_encoder()
        return self._encoder

    def expanded(self, question: str) -> str:
        """The question with the other form of every acronym in it: defined ones ("IOM" ->
        "International Organization for Migration") and, by their initials, ones the report
        never defines ("ICAT" -> "Inter-Agency Coordination Group against Trafficking in
        Persons"). What both the model and BM25 read."""
        with self._lock:
            cached = self._expansions.get(question)
        if cached is None:
            cached = expand_query(question, self.acronyms, self.names, self._resolved)
            with self._lock:
                self._expansions[question] = cached
                while len(self._expansions) > QUERY_CACHE_SIZE:
                    self._expansions.popitem(last=False)
        return cached

    def _load_encoder(self):
        from .onnx_encoder import OnnxEncoder, available

        if available(self.stored.folder, self.manifest.files):
            return OnnxEncoder(self.stored.folder)
        from .embed import Encoder

        return Encoder(self.manifest.model)

    def warm_up(self) -> None:
        """Load the query encoder and run one question, so the first reader does not wait."""
        self.encoder.encode_queries(["warm up"])

    def query_vector(self, question: str) -> np.ndarray:
        """The question's embedding, cached: repeated questions cost nothing."""
        with self._lock:
            cached = self._query_cache.get(question)
            if cached is not None:
                self._query_cache.move_to_end(question)
                return cached
        vector = self.encoder.encode_queries([self.expanded(question)])[0]
        with self._lock:
            self._query_cache[question] = vector
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector

    # --- scoring ---------------------------------------------------------------------------

    def dense_scores(self, question: str) -> dict[int, float]:
        """Cosine similarity of the question to each of the nearest passages."""
        vector = self.query_vector(question)
        scores, ids = dense.search(self.stored.dense_index, vector, DENSE_CANDIDATES)
        return {int(i): float(s) for s, i in zip(scores, ids)}

    def lexical_scores(self, question: str) -> dict[int, float]:
        """BM25 score of the best passages sharing a word with the question."""
        ids, scores = self.stored.lexical.top(self.expanded(question), LEXICAL_CANDIDATES)
        return dict(zip(ids.tolist(), scores.tolist()))

    def _by_paragraph_max(self, scores: dict[int, float]) -> dict[tuple, tuple[float, int]]:
        """Each paragraph's best passage score and that passage (a paragraph is as relevant
        as its best passage: an answer in one sub-item is not diluted by the others)."""
        best: dict[tuple, tuple[float, int]] = {}
        for pid, score in scores.items():
            key = self._keys[pid]
            if key not in best or score > best[key][0]:
                best[key] = (score, pid)
        return best

    def paragraph_scores(self, question: str) -> tuple[dict[tuple, float], dict[tuple, float]]:
        """(dense, lexical) score of each candidate paragraph: its best passage's."""
        dense_p = self._by_paragraph_max(self.dense_scores(question))
        lexical_p = self._by_paragraph_max(self.lexical_scores(question))
        return {k: s for k, (s, _) in dense_p.items()}, {k: s for k, (s, _) in lexical_p.items()}

    def rank(self, question: str, mode: str) -> Iterator[tuple[tuple, float, int]]:
        """Paragraph keys with a 0–1 score and their best passage, best first."""
        if mode == "dense":
            para = self._by_paragraph_max(self.dense_scores(question))
            ranked = sorted(para.items(), key=lambda kv: -kv[1][0])
            return iter([(key, max(0.0, s), pid) for key, (s, pid) in ranked])
        if mode == "lexical":
            para = self._by_paragraph_max(self.lexical_scores(question))
            ranked = sorted(para.items(), key=lambda kv: -kv[1][0])
            top = ranked[0][1][0] if ranked else 1.0
            return iter([(key, s / top, pid) for key, (s, pid) in ranked])
        return self._hybrid(question)

    def _hybrid(self, question: str) -> Iterator[tuple[tuple, float, int]]:
        """Normalized-score fusion of the paragraphs' dense and lexical scores (qa/fusion.py)."""
        dense_s = self.dense_scores(question)
        lexical_s = self.lexical_scores(question)
        dense_p = self._by_paragraph_max(dense_s)
        lexical_p = self._by_paragraph_max(lexical_s)
        fused = fuse(
            {k: s for k, (s, _) in dense_p.items()}, {k: s for k, (s, _) in lexical_p.items()}
        )
        # The passage to show: best by both measures on the paragraphs' own scale. Chosen
        # only for the paragraphs the reader is shown (a generator: search() stops at k).
        d_low = min((s for s, _ in dense_p.values()), default=0.0)
        d_span = max((s for s, _ in dense_p.values()), default=1.0) - d_low or 1.0
        l_top = max((s for s, _ in lexical_p.values()), default=1.0) or 1.0
        for key, score in sorted(fused.items(), key=lambda kv: -kv[1]):
            pid = max(
                self._by_paragraph[key],
                key=lambda i: (
                    (dense_s.get(i, d_low) - d_low) / d_span + lexical_s.get(i, 0.0) / l_top
                ),
            )
            yield key, score, pid

    # --- results ---------------------------------------------------------------------------

    def paragraph(self, document: str, number: int | None) -> Paragraph | None:
        doc = self.documents.get(document)
        if doc is None:
            return None
        if number is None:
            return doc.summary
        return doc.paragraph(number)

    def _hit(
        self,
        rank: int,
        key: tuple,
        score: float,
        pid: int | None,
        question: str,
        item: tuple[str, ...] | None = None,
    ) -> Hit:
        doc_id, number = key
        paragraph = self.paragraph(doc_id, number)
        passage = self.passages[pid] if pid is not None else None
        if item is None and passage is not None:
            item = passage.item
        passage_text = passage.text if passage else paragraph.text
        if item and paragraph.item(item):
            passage_text = f"({item[-1]}) {paragraph.item(item).text}"
        return Hit(
            rank=rank,
            score=round(float(min(max(score, 0.0), 1.0)), 4),
            paragraph=number,
            item=" ".join(f"({p})" for p in item) if item else None,
            section=[h.display for h in paragraph.headings],
            section_code=paragraph.section_code,
            text=paragraph.text,
            passage=passage_text,
            sentence=best_sentence(passage_text, question),
            citation=self.citation(doc_id, paragraph, item),
            document=doc_id,
            document_title=self.documents[doc_id].title,
            document_symbol=self.documents[doc_id].symbol,
            document_date=self.documents[doc_id].date,
        )

    def citation(self, doc_id: str, paragraph: Paragraph, item: tuple[str, ...] | None) -> str:
        """ "para. 57 — III.B.3 …"; with several documents, named first: "A/71/119, para. 12"."""
        if len(self.documents) > 1:
            return f"{self.documents[doc_id].label}, {paragraph.citation(item)}"
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
                f"documents in the index: {', '.join(sorted(self.documents))}"
            )
        unknown = sorted(wanted - set(self.documents))
        if unknown or not wanted:
            raise InvalidQuestionError(
                f"unknown document {', '.join(map(repr, unknown)) or '(none given)'}; "
                f"documents in the index: {', '.join(sorted(self.documents))}"
            )
        return wanted

    def search(
        self,
        question: str,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        documents: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The k paragraphs that best answer the question, best first.

        Args:
            question: the reader's question, or a paragraph reference ("para 57", "139 (d)").
            k: how many paragraphs to return (1–100; larger values are clamped to 100).
            mode: "hybrid" (default), "dense" or "lexical".
            documents: only search these documents (ids as `qa list` shows them); all if None.
        """
        question = clean_question(question)
        k, mode = check_args(k, mode)
        allowed = self.check_documents(documents)
        reference = parse_reference(question)
        hits: list[Hit] = []
        seen: set[tuple] = set()
        if reference:
            found = self._reference_hits(reference, question, allowed)
            hits.extend(found[:k])
            seen.update((h.document, h.paragraph) for h in found)
            if found:
                question = found[0].text  # the rest: paragraphs most like the one asked for
        else:
            mentioned = _REFERENCE_INSIDE.search(question)
            if mentioned:
                found = self._reference_hits((int(mentioned.group(1)), ()), question, allowed)
                hits.extend(found[:k])
                seen.update((h.document, h.paragraph) for h in found)
        for key, score, pid in self.rank(question, mode):
            if len(hits) >= k:
                break
            if key in seen or (allowed is not None and key[0] not in allowed):
                continue
            seen.add(key)
            hits.append(self._hit(len(hits) + 1, key, score, pid, question))
        return hits[:k]

    def _reference_hits(
        self, reference: tuple[int, tuple[str, ...]], question: str, allowed: set[str] | None
    ) -> list[Hit]:
        """The referenced paragraph in each (allowed) document that has it."""
        number, labels = reference
        hits = []
        for doc_id, doc in self.documents.items():
            paragraph = doc.paragraph(number)
            if paragraph is None or (allowed is not None and doc_id not in allowed):
                continue
            item = tuple(labels) if labels and paragraph.item(tuple(labels)) else None
            pids = self._by_paragraph.get((doc_id, number), [None])
            pid = next(
                (i for i in pids if i is not None and self.passages[i].item == item), pids[0]
            )
            hits.append(self._hit(len(hits) + 1, (doc_id, number), 1.0, pid, question, item=item))
        return hits


def best_sentence(text: str, question: str) -> str:
    """The sentence of `text` sharing the most (stemmed) words with the question."""
    sentences = [s for line in text.split("\n") for s in split_sentences(line)]
    if not sentences:
        return text
    wanted = set(tokenize(question))
    return max(sentences, key=lambda s: len(wanted.intersection(_sentence_words(s))))


@lru_cache(maxsize=4096)
def _sentence_words(sentence: str) -> frozenset[str]:
    # The same passages' sentences come back question after question.
    return frozenset(tokenize(sentence))


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
) -> list[Hit]:
    """Search the report with the default index (built on first use if needed).

    Args:
        question: the reader's question, or a paragraph reference ("para 57", "139 (d)").
        k: how many paragraphs to return (1–100).
        mode: "hybrid" (default), "dense" or "lexical".
        documents: only search these documents (ids as `qa list` shows them); all if None.

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
    return index.search(question, k=k, mode=mode, documents=documents)
