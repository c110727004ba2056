"""Ranking mechanisms: sentence grain, word expansion, evidence-following fusion weights;
each on small inputs, then on the real report (the shared session index)."""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest

from qa import expansion, grains
from qa.document import Heading, Paragraph, SubItem
from qa.evaluate.retrieval import QUESTION_SETS, load_questions, rank_for, score_rankings
from qa.lexical import LexicalIndex, tokenize
from qa.ranking.fusion import DENSE_WEIGHT, MAX_DENSE_WEIGHT, evidence_weight
from qa.search import Ranking

# --- evidence-following weights --------------------------------------------------------------


def test_evidence_weight_trusts_the_model_more_as_bm25_covers_less():
    weights = [evidence_weight(c / 10) for c in range(11)]
    assert weights == sorted(weights, reverse=True)
    assert evidence_weight(1.0) == evidence_weight(0.5) == DENSE_WEIGHT
    assert evidence_weight(0.0) == evidence_weight(0.2) == pytest.approx(MAX_DENSE_WEIGHT)
    assert DENSE_WEIGHT < evidence_weight(0.35) < MAX_DENSE_WEIGHT


# --- weighted BM25 queries ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_bm25() -> LexicalIndex:
    return LexicalIndex.build(
        [
            "countries adopted laws against trafficking",
            "annual reports of the Office",
            "victims were assisted in 2018",
            "nations and countries met annually",
        ]
    )


def test_weighted_query_of_ones_is_the_plain_query(small_bm25):
    plain = small_bm25.top("countries annual victims", 10)
    weighted = small_bm25.top({s: 1.0 for s in tokenize("countries annual victims")}, 10)
    np.testing.assert_array_equal(plain[0], weighted[0])
    np.testing.assert_allclose(plain[1], weighted[1])


def test_a_term_weight_scales_its_contribution(small_bm25):
    ids, full = small_bm25.top({"victim": 1.0}, 10)
    _, half = small_bm25.top({"victim": 0.5}, 10)
    assert ids.tolist() == [2]
    np.testing.assert_allclose(half, full * 0.5, rtol=1e-6)


def test_idf_and_holds(small_bm25):
    assert small_bm25.df("countri") == 2
    assert small_bm25.df("unheard") == 0
    assert small_bm25.idf("unheard") > small_bm25.idf("victim") > small_bm25.idf("countri")
    assert small_bm25.holds("victim", np.array([1, 2]))
    assert not small_bm25.holds("victim", np.array([0, 3]))


def test_local_weights_give_each_word_its_idf_over_the_documents_searched(small_bm25):
    allowed = np.array([True, False, False, True])  # the two passages about countries
    weights = small_bm25.local_weights({"countri": 1.0, "nation": 2.0, "victim": 1.0}, allowed)
    # "countries" is in every allowed passage: common there, though only in half the corpus.
    assert weights["countri"] == pytest.approx(np.log(1 + 0.5 / 2.5) / small_bm25.idf("countri"))
    assert weights["nation"] == pytest.approx(
        2.0 * np.log(1 + 1.5 / 1.5) / small_bm25.idf("nation")
    )
    assert "victim" not in weights  # not in the passages searched
    ids, scores = small_bm25.top(weights, 10, allowed=allowed)
    assert ids.tolist() == [0, 3] and scores[1] > scores[0]  # id order; "nations" tells them apart


# --- word expansion ----------------------------------------------------------------------------


class WordEncoder:
    """Fixed vectors for a few words (the rest orthogonal noise): neighbours we can predict."""

    tokenizer = None

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        base = {w: rng.normal(size=16) for w in ("country", "yearly", "victim")}
        self.vectors = {
            "countries": base["country"],
            "nations": base["country"] + 0.3 * rng.normal(size=16),
            "annually": base["yearly"],
            "annual": base["yearly"] + 0.9 * rng.normal(size=16),
            "yearly": base["yearly"] + 0.2 * rng.normal(size=16),
            "victims": base["victim"],
            "survivors": base["victim"] + 0.4 * rng.normal(size=16),
        }
        self.rng = rng
        self.calls = 0

    def encode_documents(self, texts, batch_size=32):
        self.calls += 1
        rows = [self.vectors.get(t, self.rng.normal(size=16)) for t in texts]
        rows = np.asarray(rows, dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_neighbours_come_from_the_corpus_and_skip_a_words_own_stem(tmp_path):
    encoder = WordEncoder()
    encoder.tokenizer = type("T", (), {"get_vocab": lambda self: {"yearly": 1, "survivors": 2}})()
    texts = ["Countries report annually", "annual figures", "victims and nations"]
    table = expansion.build(texts, encoder, tmp_path, "fake")
    assert table["yearly"][0][0] == "annual"  # its closest form, "annually", stems to "annual"
    assert table["survivors"][0][0] == "victim"
    assert table["nations"][0][0] == "countri"
    assert all(n != "annual" for n, _ in table.get("annually", []))
    assert table["survivor"] == table["survivors"]  # looked up by stem too
    # Word vectors are kept: a second build embeds nothing new.
    calls = encoder.calls
    assert expansion.build(texts, encoder, tmp_path, "fake") == table
    assert encoder.calls == calls


class LetterEncoder:
    """A word's vector: its first letter's direction plus noise of its own (the same every
    time), so that words sharing a first letter are near one another."""

    tokenizer = type("T", (), {"get_vocab": lambda self: {"ample": 1, "bother": 2, "zebra": 3}})()

    def encode_documents(self, texts, batch_size=32):
        rows = []
        for text in texts:
            letter = np.random.default_rng(ord(text[0])).normal(size=16)
            noise = np.random.default_rng(zlib.crc32(text.encode())).normal(size=16)
            rows.append(letter + 0.8 * noise)
        rows = np.asarray(rows, dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _same_table(a: dict, b: dict) -> bool:
    """Equal up to float rounding: the same words, the same neighbours, similarities within
    0.002 (a product over other columns rounds the last digit either way)."""
    if a.keys() != b.keys():
        return False
    for word in a:
        if {n for n, _ in a[word]} != {n for n, _ in b[word]}:
            return False
        if any(abs(x - dict(b[word])[n]) > 0.002 for n, x in a[word]):
            return False
    return True


def test_a_table_updated_after_an_addition_or_removal_equals_one_built_afresh(tmp_path):
    rng = np.random.default_rng(1)
    letters = "abcdefgh"
    words = sorted({"".join(rng.choice(list(letters), size=6)) for _ in range(400)})
    first, added = words[:300], words[300:]
    texts = [" ".join(first[k : k + 10]) for k in range(0, 300, 10)]
    more = [" ".join(added[k : k + 10]) for k in range(0, len(added), 10)]
    cache = tmp_path / "table.json"
    encoder = LetterEncoder()
    expansion.build(texts, encoder, tmp_path, "letters", table_cache=cache)
    grown = expansion.build(texts + more, encoder, tmp_path, "letters", table_cache=cache)
    assert _same_table(grown, expansion.build(texts + more, encoder, tmp_path, "letters"))
    assert any(n in {expansion.stem_word(w) for w in added} for row in grown.values()
               for n, _ in row)  # fmt: skip
    shrunk = expansion.build(texts[5:] + more, encoder, tmp_path, "letters", table_cache=cache)
    assert _same_table(shrunk, expansion.build(texts[5:] + more, encoder, tmp_path, "letters"))
    assert not _same_table(shrunk, grown)
    cache.write_text("{not json")  # a damaged cache: one full comparison
    assert expansion.build(texts, encoder, tmp_path, "letters", table_cache=cache) == (
        expansion.build(texts, encoder, tmp_path, "letters")
    )


def test_expand_terms_adds_neighbours_at_a_lower_weight():
    table = {"yearly": [["annual", 0.9]], "nations": [["countri", 0.8], ["state", 0.7]]}
    terms = expansion.expand_terms("yearly reports of nations", table, similarity=0.55)
    assert terms["report"] == 1.0 and terms["year"] == 1.0
    assert terms["annual"] == pytest.approx(0.9 * expansion.WEIGHT)
    assert terms["countri"] == pytest.approx(0.8 * expansion.WEIGHT)
    assert "state" not in terms  # one neighbour a word
    assert "annual" not in expansion.expand_terms("yearly", table, similarity=0.95)
    assert "annual" not in expansion.expand_terms("yearly", table, known=lambda s: s != "annual")
    # A word the question already uses is never demoted to a neighbour's weight.
    assert expansion.expand_terms("yearly annual", table)["annual"] == 1.0


# --- sentence grain ----------------------------------------------------------------------------


def test_unit_sentences_cover_intro_and_items():
    paragraph = Paragraph(
        5,
        (Heading(1, "II", "Prevention"),),
        "States took steps. They did so in 2018:",
        (SubItem(("a",), "Training police officers in every region;"), SubItem(("b",), "Ok;")),
    )
    sentences = grains.unit_sentences(paragraph)
    assert sentences == [
        "States took steps.",
        "They did so in 2018:",
        "(a) Training police officers in every region;",
    ]
    assert grains.sentence_path(paragraph) == "Prevention"


def test_sentences_best_is_each_units_best_sentence():
    vectors = np.eye(4, dtype=np.float16)
    owners = np.array([0, 0, 2, 3], dtype=np.int32)  # sentences' passages
    unit_of = np.array([0, 0, 1, 2, 3])  # passages' units: unit 3 has no sentence
    sentences = grains.Sentences(vectors, owners, unit_of)
    query = np.array([0.1, 0.9, 0.5, 0.0], dtype=np.float32)
    units, best = sentences.best(query, np.array([0, 1, 3]))
    assert units.tolist() == [0, 1]
    assert best == pytest.approx([0.9, 0.5])
    assert sentences.units == 3


# --- on the real report ------------------------------------------------------------------------


def test_the_index_holds_sentences_and_neighbours(index):
    assert index.sentences is not None
    assert index.sentences.units >= 139  # every paragraph has at least one sentence
    assert index.neighbours
    query = index.lexical_query("Do survivors get help every year?")
    assert isinstance(query, dict) and any(w < 1.0 for w in query.values())


def test_passages_are_read_with_the_document_title_and_heading_path(index):
    passage = next(p for p in index.passages if p.ref == "57" and p.item is None)
    assert passage.heading.startswith(index.documents[passage.doc_id].title[:30])
    assert "International Organization for Migration" in passage.heading
    assert passage.embed_text.startswith(passage.heading)
    assert passage.heading not in passage.lexical_text


@pytest.fixture
def ranking(index):
    before = index.ranking
    yield index
    index.ranking = before


def _recall_at_1(index, name: str) -> float:
    questions = load_questions(QUESTION_SETS[name])
    rankings = [rank_for(index, q, "hybrid") for q in questions]
    return score_rankings(rankings, questions)["recall@1"]


def test_mechanisms_help_paraphrases_and_keep_the_reports_own_questions(ranking):
    index = ranking
    index.ranking = Ranking(sentences=False, expansion=False, evidence=False)
    plain = _recall_at_1(index, "paraphrase")
    index.ranking = Ranking()
    assert _recall_at_1(index, "paraphrase") >= plain + 0.15
    assert _recall_at_1(index, "dev") >= 0.90


@pytest.mark.parametrize("field", ["sentences", "expansion", "evidence"])
def test_each_mechanism_can_be_turned_off(ranking, field):
    index = ranking
    index.ranking = dataclasses.replace(Ranking(), **{field: False})
    hits = index.search("How many victims did IOM assist in 2018?", k=5)
    assert hits[0].paragraph == 57
    assert all(0.0 <= h.score <= 1.0 for h in hits)
