"""What every list of hits must be, whatever the question: ranked, cited, true to the corpus;
and the same rankings from two ways of embedding."""

from __future__ import annotations


def assert_valid_hits(index, hits, k: int) -> None:
    """At most k hits, ranked 1..n, distinct paragraphs, each citation and text exactly the
    stored paragraph's, scores in 0–1."""
    assert len(hits) <= k
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({(h.document, h.ref) for h in hits}) == len(hits)
    scores = [h.score for h in hits]
    assert all(0.0 <= s <= 1.0 for s in scores)
    for hit in hits:
        paragraph = index.paragraph(hit.document, hit.ref)
        assert paragraph is not None, hit
        item = tuple(part.strip("()") for part in hit.item.split()) if hit.item else None
        assert item is None or paragraph.item(item) is not None, hit
        assert hit.citation == index.citation(hit.document, paragraph, item)
        assert hit.text == paragraph.text
        assert hit.document_title == index.documents[hit.document].title


def with_passage_vectors(index_dir, vectors, encoder):
    """The index in `index_dir` with other passage vectors (and this query encoder)."""
    from qa import dense
    from qa.search import Index
    from qa.store import load_index

    stored = load_index(index_dir)
    stored.dense_index = dense.build(vectors)
    return Index(stored, encoder=encoder)


def assert_same_rankings(expected_index, index, questions, mode: str, k: int = 10) -> None:
    """Every question ranks the same paragraphs (and sub-items) in the same order."""
    for question in questions:
        expected = [
            (h.document, h.ref, h.item) for h in expected_index.search(question, k=k, mode=mode)
        ]
        got = [(h.document, h.ref, h.item) for h in index.search(question, k=k, mode=mode)]
        assert got == expected, question
