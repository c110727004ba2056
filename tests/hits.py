"""What every list of hits must be, whatever the question: ranked, cited, true to the corpus."""

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
