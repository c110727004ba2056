"""A build's progress for the person waiting: passages done of total, passages/s, time left.

On a terminal, one line redrawn in place (a bar); in logs and pipes, a line every 5% of the
passages or every 10 s, whichever comes first, so a 16,000-passage build writes about twenty
lines rather than one per batch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24
REDRAW_S = 0.2  # at most five redraws a second on a terminal
LOG_EVERY_S = 10.0
LOG_EVERY_FRACTION = 0.05

# Stages that embed, and what they count: passages, then every unit's sentences (qa/grains.py)
# and the words of the corpus and the model (qa/expansion.py).
UNITS = {"embed": "passages", "sentences": "sentences", "words": "words"}
MESSAGES = {
    "export": "Exporting the model to ONNX (once per model; later builds reuse it)…",
    "index": "Writing FAISS and BM25 indexes…",
}


def duration(seconds: float) -> str:
    """'45 s', '2 min 05 s', '1 h 02 min'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class BuildProgress:
    """The `progress(stage, done, total)` callback of `qa.store.build_index`, printing.

    The rate is the passages done since embedding began over the time since then, so the time
    left settles as the build goes (batches are length-sorted within each chunk of documents,
    which makes single batches a poor guide).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.clock = clock
        self.started: float | None = None
        self.last_shown = -1.0
        self.last_done = 0
        self.drawn = False
        self.unit = "passages"

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "read":
            self._read(done, total)
            return
        if stage not in UNITS:
            self._finish_line()
            if stage in MESSAGES:
                self._write(MESSAGES[stage] + "\n")
            return
        if total == 0:
            if stage == "embed":
                self._write("Every document's vectors come from the cache: nothing to embed.\n")
            return
        now = self.clock()
        if self.started is None or done == 0 or UNITS[stage] != self.unit:
            self._finish_line()
            self.unit = UNITS[stage]
            self.started, self.last_shown, self.last_done = now, now, 0
            if not self.tty:
                unit = self.unit.removesuffix("s") if total == 1 else self.unit
                self._write(f"Embedding {total:,} {unit}…\n")
        finished = done >= total
        if self.tty:
            if finished or now - self.last_shown >= REDRAW_S or not self.drawn:
                self._write("\r" + self.bar(done, total, now))
                self.drawn = True
                self.last_shown = now
            if finished:
                self._finish_line()
            return
        step = max(1, int(total * LOG_EVERY_FRACTION))
        due = done - self.last_done >= step or now - self.last_shown >= LOG_EVERY_S
        if done > 0 and (finished or due):
            self._write(self.line(done, total, now) + "\n")
            self.last_shown, self.last_done = now, done

    def _read(self, done: int, total: int) -> None:
        """Documents read (parsed from text or PDF) before embedding: a line at the start, at
        the end, and every 25 documents in logs."""
        if not total:
            return
        if done == 0:
            self._write(f"Reading {total} new or changed document(s)…\n")
        elif done == total or not self.tty and done % 25 == 0:
            self._write(f"Read {done}/{total} documents\n")

    def rate(self, done: int, now: float) -> float | None:
        elapsed = now - (self.started if self.started is not None else now)
        return done / elapsed if done and elapsed > 0 else None

    def eta(self, done: int, total: int, now: float) -> str:
        rate = self.rate(done, now)
        if done >= total:
            return f"took {duration(now - (self.started or now))}"
        return f"{duration((total - done) / rate)} left" if rate else "time left unknown"

    def bar(self, done: int, total: int, now: float) -> str:
        fraction = done / total if total else 1.0
        filled = int(BAR_WIDTH * fraction)
        rate = self.rate(done, now)
        return (
            f"Embedding {self.unit} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
            f"{done:,}/{total:,} {fraction:4.0%}  "
            f"{f'{rate:,.0f}' if rate else '–'} {self.unit}/s  {self.eta(done, total, now)}  "
        )

    def line(self, done: int, total: int, now: float) -> str:
        fraction = done / total if total else 1.0
        rate = self.rate(done, now)
        return (
            f"Embedded {done:,}/{total:,} {self.unit} ({fraction:.0%}), "
            f"{f'{rate:,.0f}' if rate else '–'} {self.unit}/s, {self.eta(done, total, now)}"
        )

    def _finish_line(self) -> None:
        if self.drawn:
            self._write("\n")
            self.drawn = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
