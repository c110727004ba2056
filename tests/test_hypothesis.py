"""Property-based: whatever it is given, search raises nothing but InvalidQuestionError (a
ValueError) and returns at most k hits, each a valid citation into the corpus."""

from __future__ import annotations

import importlib
import unicodedata

import pytest
from conftest import REPORT
from hits import assert_valid_hits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa
from qa.config import MAX_K, MAX_QUESTION_CHARS, MODES
from qa.config import settings as qa_settings
from qa.errors import InvalidQuestionError
from qa.search import clean_question

REAL = [
    "How many victims did IOM assist in 2018?",
    "What happened in Operation Sawiyan?",
    "trafficking for forced labour",
    "para 57",
    "paragraph 139 (d) (iv)",
    "¶ 12",
]

any_character = st.characters(blacklist_categories=())  # surrogates and controls included
texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=any_character, max_size=200),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=20), st.sampled_from(REAL), st.text()),
    st.from_regex(r"(para(graph)?\.? ?|¶ ?)?\d{1,5} ?(\([a-z]{1,3}\) ?){0,3}", fullmatch=True),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.text(alphabet=any_character, min_size=1500, max_size=5000),
)
# Mostly everyday values; sometimes beyond the clamp (each hit costs some work, so not often).
whole_numbers = st.integers(-3, 12) | st.integers(-3, 12) | st.integers(95, 130) | st.just(10**12)
# Anything at all: wrong types as well.
questions = texts | st.none() | st.integers() | st.binary(max_size=10) | st.lists(st.text())
ks = whole_numbers | st.none() | st.floats() | st.text(max_size=3) | st.booleans()
modes = st.sampled_from(MODES) | st.text(max_size=8) | st.none()
some_documents = st.sampled_from([None, REPORT.stem, [REPORT.stem]])
any_documents = some_documents | st.text(max_size=8) | st.lists(st.text(max_size=8), max_size=2)
any_documents |= st.integers() | st.lists(st.lists(st.text(), max_size=1), min_size=1, max_size=2)


# Each example encodes a new question (up to 256 word pieces); 50 keep this test to seconds.
@settings(max_examples=50, deadline=None)
@given(question=texts, k=whole_numbers, mode=st.sampled_from(MODES), documents=some_documents)
def test_index_search_raises_only_clear_errors_and_cites_the_corpus(
    index, question, k, mode, documents
):
    try:
        hits = index.search(question, k=k, mode=mode, documents=documents)
    except InvalidQuestionError as exc:
        assert len(str(exc)) > 10  # a sentence a reader can act on
        return
    assert_valid_hits(index, hits, min(k, MAX_K))


@pytest.fixture(scope="module")
def default_index(index, built_index):
    """qa.search() pointed at the session's index (and its loaded model), as QA_* would."""
    corpus, index_dir = built_index
    module = importlib.import_module("qa.search")  # `qa.search` is the function
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_CORPUS_DIR", str(corpus))
        mp.setenv("QA_INDEX_DIR", str(index_dir))
        mp.delenv("QA_MODEL", raising=False)
        saved = dict(module._default)
        module._default[qa_settings()] = index
        yield index
        module._default.clear()
        module._default.update(saved)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions, k=ks, mode=modes, documents=any_documents)
def test_search_raises_only_clear_errors_and_cites_the_corpus(
    default_index, question, k, mode, documents
):
    try:
        hits = qa.search(question, k=k, mode=mode, documents=documents)
    except InvalidQuestionError as exc:
        assert isinstance(exc, ValueError) and len(str(exc)) > 10
        return
    assert_valid_hits(default_index, hits, min(k, MAX_K))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=any_character, max_size=6000))
def test_clean_question_is_bounded_visible_and_stable(text):
    try:
        question = clean_question(text)
    except InvalidQuestionError:
        return
    assert 0 < len(question) <= MAX_QUESTION_CHARS
    assert question == question.strip()
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in question)
    assert clean_question(question) == question
