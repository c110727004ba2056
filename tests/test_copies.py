"""Texts that several documents share rank at their source, the earliest document."""

from __future__ import annotations

import dataclasses

from qa.ranking.copies import MIN_WORDS, collapse, lift_sources, shingles, signature

DECISION = "Further requests UNICEF to continue to pay in full its cost-sharing contributions."
DATES = {"draft": "2025-06-11", "compendium": "2025-06-20", "report": "2025-07-24"}


def _date(key):
    return DATES[key[0]]


def test_copies_share_a_signature_whatever_their_numbering_case_and_spacing():
    assert signature(DECISION) == signature(
        "6.  further requests UNICEF to continue to pay in full its cost-sharing contributions"
    )
    assert signature("(a) " + DECISION) == signature(DECISION)
    assert signature("Annual session 12 June 2025") is None  # a caption, not a quotation
    assert len(signature(DECISION).split()) >= MIN_WORDS


def test_copies_are_listed_once_at_the_earliest_document_with_the_best_score():
    texts = {
        ("report", "annex/p23/text6"): "6. " + DECISION,
        ("draft", "6"): DECISION,
        ("compendium", "p4/text6"): "6. " + DECISION,
        ("report", "83"): "One delegation expressed concern about funding the coordinators.",
    }
    scores = {
        ("report", "annex/p23/text6"): 1.08,
        ("draft", "6"): 1.04,
        ("compendium", "p4/text6"): 1.01,
        ("report", "83"): 0.92,
    }
    collapsed = collapse(scores, lambda k: signature(texts[k]), _date)
    assert collapsed == {("draft", "6"): 1.08, ("report", "83"): 0.92}


def test_equally_dated_copies_keep_the_best_scored():
    scores = {("draft", "1"): 0.7, ("draft", "2"): 0.9}
    assert collapse(scores, lambda k: signature(DECISION), _date) == {("draft", "2"): 0.9}


def test_a_quoted_unit_ranks_just_above_the_later_unit_that_quotes_it():
    letter = (
        "Israel is concerned about the ongoing military build-up, while capabilities were "
        "significantly reduced during the war they are now attempting to regain strength."
    )
    report = (
        "In identical letters dated 13 January the Permanent Representative stated that "
        f"“{letter}” The Government of Lebanon rejected the claims."
    )
    texts = {("draft", "p2/text4"): letter, ("report", "36"): report, ("report", "37"): "x"}
    scores = {("report", "36"): 1.02, ("draft", "p2/text4"): 0.97, ("report", "37"): 0.99}
    lifted = lift_sources(scores, lambda k: shingles(texts[k]), _date)
    ranked = sorted(lifted, key=lifted.get, reverse=True)
    assert ranked == [("draft", "p2/text4"), ("report", "36"), ("report", "37")]
    assert lifted[("draft", "p2/text4")] - 1.02 < 0.01  # just above, not far above
    # The later document is never lifted above the earlier one it quotes, nor is a unit
    # lifted by another unit of its own document.
    dates = {"draft": "2025-08-01", "report": "2025-04-25"}
    unchanged = lift_sources(scores, lambda k: shingles(texts[k]), lambda k: dates[k[0]])
    assert unchanged[("draft", "p2/text4")] == 0.97


def test_a_short_unit_is_nobody_s_source():
    texts = {
        ("draft", "p2"): "Annual session 12 June 2025",
        ("report", "1"): "Annual session "
        "12 June 2025 and the decisions adopted at it, listed in the annex below.",
    }
    scores = {("report", "1"): 1.0, ("draft", "p2"): 0.5}
    assert lift_sources(scores, lambda k: shingles(texts[k]), _date) == scores


def test_a_later_copy_is_listed_under_its_source_in_a_library(tmp_path, encoder, fresh_index_dir):
    """Through the search: a paragraph a later report repeats word for word comes from the
    earlier report, once; the copy does not take a second place."""
    from conftest import small_report

    from qa.search import Index
    from qa.store import build_index, load_index

    shared = (
        "The Council requests the mission to deploy forty riverine patrol boats along the "
        "northern lakes before the rainy season begins."
    )
    earlier = small_report(["The mission opened two offices in the east.", shared])
    later = small_report([shared, "Fishing cooperatives were given new nets and engines."])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "earlier.txt").write_text(earlier, encoding="utf-8")
    (corpus / "later.txt").write_text(later.replace("1 May 2020", "3 June 2021"), "utf-8")
    build_index(corpus, fresh_index_dir, encoder)
    index = Index(load_index(fresh_index_dir), encoder=encoder)
    assert index.documents["later"].date_iso > index.documents["earlier"].date_iso

    hits = index.search("riverine patrol boats on the northern lakes", k=3)
    assert (hits[0].document, hits[0].paragraph) == ("earlier", 2)
    assert all(h.text != shared or h.document == "earlier" for h in hits)
    # Without the mechanism the copy is listed too (what the test guards against).
    index.ranking = dataclasses.replace(index.ranking, copies=False)
    plain = index.search("riverine patrol boats on the northern lakes", k=3)
    assert any(h.document == "later" and h.text == shared for h in plain)
