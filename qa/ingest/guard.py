"""Read many files at once, each in a child process with bounded time and memory, so one
hostile or broken file can neither hang nor exhaust the machine; results come back in order."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from ..errors import CorpusError

# Per file: wall-clock seconds, and address space the child that reads it may add to what it
# inherited.
SECONDS_PER_FILE = 120.0
MEMORY_PER_FILE = 2 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """What reading one file gave: a Document, or the reason it could not be read."""

    path: Path
    document: Document | None = None
    error: str | None = None
    seconds: float = 0.0


def _address_space() -> int:
    """Bytes of address space this process maps now (what a fork inherits)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(read: Callable[[Path], Document], path: Path, conn, memory: int) -> None:
    # The limit counts from what the child inherited (a parent holding the model maps
    # gigabytes it never touches), so `memory` is what reading this one file may add.
    limit = _address_space() + memory
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # a limit the system refuses: read anyway
        pass
    try:
        result: tuple[str, object] = ("ok", read(path))
    except CorpusError as exc:
        result = ("error", str(exc))
    except MemoryError:
        result = ("error", f"reading it needs more than {memory // 2**20} MB of memory")
    except Exception as exc:  # a reader bug must not stop the batch: report it as a skip
        result = ("error", f"cannot read it ({exc.__class__.__name__}: {exc})")
    try:
        conn.send_bytes(pickle.dumps(result))
    finally:
        conn.close()


def read_all(
    paths: Sequence[Path],
    read: Callable[[Path], Document],
    jobs: int | None = None,
    seconds: float = SECONDS_PER_FILE,
    memory: int = MEMORY_PER_FILE,
    on_done: Callable[[Outcome, int, int], None] | None = None,
) -> list[Outcome]:
    """Outcomes for every path, in order; `on_done(outcome, done, total)` as each finishes.

    `read` runs in forked children (so it must be a module-level function); each is killed
    after `seconds` and limited to `memory` bytes of address space.
    """
    jobs = max(1, jobs or min(len(paths), os.cpu_count() or 1))
    outcomes: dict[int, Outcome] = {}
    for outcome_index, outcome in _run(paths, read, jobs, seconds, memory):
        outcomes[outcome_index] = outcome
        if on_done:
            on_done(outcome, len(outcomes), len(paths))
    return [outcomes[i] for i in range(len(paths))]


def _run(
    paths: Sequence[Path],
    read: Callable[[Path], Document],
    jobs: int,
    seconds: float,
    memory: int,
) -> Iterator[tuple[int, Outcome]]:
    context = multiprocessing.get_context("fork")
    pending = list(enumerate(paths))
    running: dict[int, tuple] = {}
    while pending or running:
        while pending and len(running) < jobs:
            index, path = pending.pop(0)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(read, Path(path), send, memory))
            process.start()
            send.close()
            running[index] = (process, receive, time.monotonic(), Path(path))
        ready = multiprocessing.connection.wait(
            [entry[1] for entry in running.values()], timeout=0.2
        )
        now = time.monotonic()
        for index, (process, receive, started, path) in list(running.items()):
            outcome = None
            if receive in ready:
                try:
                    status, value = pickle.loads(receive.recv_bytes())
                except (EOFError, OSError, pickle.UnpicklingError):
                    status, value = "error", _death(process)
                if status == "ok":
                    outcome = Outcome(path, document=value, seconds=now - started)
                else:
                    outcome = Outcome(path, error=str(value), seconds=now - started)
            elif now - started > seconds:
                process.kill()
                outcome = Outcome(
                    path,
                    error=f"reading it took longer than {seconds:.0f} s; it was stopped",
                    seconds=now - started,
                )
            elif not process.is_alive() and not receive.poll():
                outcome = Outcome(path, error=_death(process), seconds=now - started)
            if outcome is not None:
                process.join(timeout=5)
                receive.close()
                del running[index]
                yield index, outcome


def _death(process) -> str:
    process.join(timeout=5)
    code = process.exitcode
    if code is not None and code < 0:
        return f"the reader was killed (signal {-code}); the file may be too large or damaged"
    return f"the reader stopped unexpectedly (exit code {code})"
