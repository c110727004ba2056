"""The build's progress: passages done/total, rate and time left; few lines in logs."""

from __future__ import annotations

import io

from qa.progress import BuildProgress, duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _embed(progress: BuildProgress, clock: Clock, total: int, batch: int, rate: float) -> None:
    """A build's embedding stage: `total` passages in batches, at `rate` passages/s."""
    progress("embed", 0, total)
    done = 0
    while done < total:
        n = min(batch, total - done)
        clock.now += n / rate
        done += n
        progress("embed", done, total)
    progress("index", 0, 0)


def test_logs_get_a_line_every_5_percent_not_one_per_batch():
    out, clock = io.StringIO(), Clock()
    _embed(BuildProgress(out, tty=False, clock=clock), clock, 16_000, 16, rate=100.0)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Embedding 16,000 passages…"
    assert lines[-1] == "Writing FAISS and BM25 indexes…"
    progress = lines[1:-1]
    assert 18 <= len(progress) <= 21  # 1,000 batches
    assert progress[9] == "Embedded 8,000/16,000 passages (50%), 100 passages/s, 1 min 20 s left"
    assert progress[-1] == "Embedded 16,000/16,000 passages (100%), 100 passages/s, took 2 min 40 s"


def test_logs_get_a_line_every_10_s_when_the_build_is_slow():
    out, clock = io.StringIO(), Clock()
    _embed(BuildProgress(out, tty=False, clock=clock), clock, 16_000, 16, rate=10.0)
    lines = out.getvalue().splitlines()[1:-1]
    # 1,600 s of embedding: 5% would be a line every 80 s; one comes every 10 s or so instead
    # (the first batch that ends 10 s after the last line: 7 batches of 1.6 s).
    assert 140 <= len(lines) <= 165
    assert lines[0] == "Embedded 112/16,000 passages (1%), 10 passages/s, 26 min 29 s left"


def test_terminal_gets_one_bar_redrawn_in_place():
    out, clock = io.StringIO(), Clock()
    _embed(BuildProgress(out, tty=True, clock=clock), clock, 3_200, 8, rate=64.0)
    text = out.getvalue()
    bar, after = text.rsplit("\n", 2)[:2]
    assert after == "Writing FAISS and BM25 indexes…"
    frames = bar.split("\r")[1:]
    assert len(frames) == 201  # 400 batches of 0.125 s: redrawn every other one (5 a second)
    assert "[########################] 3,200/3,200 100%  64 passages/s  took 50 s" in frames[-1]
    middle = frames[len(frames) // 2]
    assert "passages/s" in middle and "s left" in middle and "/3,200" in middle


def test_nothing_to_embed_says_so():
    out = io.StringIO()
    progress = BuildProgress(out, tty=False)
    progress("embed", 0, 0)
    assert out.getvalue() == "Every document's vectors come from the cache: nothing to embed.\n"


def test_reading_says_how_many_documents_and_counts_them_in_logs():
    out = io.StringIO()
    progress = BuildProgress(out, tty=False)
    for done in range(0, 61):
        progress("read", done, 60)
    progress("read", 0, 0)  # every document came from the cache: nothing to say
    assert out.getvalue().splitlines() == [
        "Reading 60 new or changed document(s)…",
        "Read 25/60 documents",
        "Read 50/60 documents",
        "Read 60/60 documents",
    ]


def test_durations_read_naturally():
    durations = [duration(s) for s in (0.4, 45, 125, 3720)]
    assert durations == ["0 s", "45 s", "2 min 05 s", "1 h 02 min"]


def test_sentences_and_words_get_progress_of_their_own():
    clock, out = Clock(), io.StringIO()
    progress = BuildProgress(out, tty=False, clock=clock)
    _embed(progress, clock, total=100, batch=10, rate=20.0)
    for stage, total in (("sentences", 400), ("words", 0), ("words", 50)):
        progress(stage, 0, total)
        if total:
            clock.now += 5.0
            progress(stage, total, total)
    text = out.getvalue()
    assert "Embedding 400 sentences…" in text and "Embedding 50 words…" in text
    assert "Embedded 400/400 sentences (100%), 80 sentences/s, took 5 s" in text
    assert "Embedded 50/50 words (100%), 10 words/s, took 5 s" in text
    assert "nothing to embed" not in text  # an empty words stage (all cached) says nothing


def test_one_text_to_embed_is_named_in_the_singular():
    out, clock = io.StringIO(), Clock()
    _embed(BuildProgress(out, tty=False, clock=clock), clock, 1, 16, rate=100.0)
    assert out.getvalue().splitlines()[0] == "Embedding 1 passage…"
