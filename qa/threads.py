"""How a searching process shares the cores: numpy's BLAS on one thread.

A question's products (its vector against 21,000 passages, against a paragraph's sentences)
are small, and numpy's OpenBLAS splits each across every core, then keeps its threads spinning
for a while after. Those spinning threads take the cores from onnxruntime as it encodes the next
question (and onnxruntime's take them from the next product): on 2 cores a library search took
twice as long as its parts did alone, 40 ms instead of 20 (docs/performance.md).

So the first search in a process puts numpy's BLAS on one thread for the rest of the process,
unless the user chose a count (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS are
honoured as they are). It is the process's setting, not the search's: OpenBLAS has one count
for the whole process, and threadpoolctl lets only one thread change it, so a count changed
for each search would not hold in a server's worker threads. Embedding is unaffected (torch and
onnxruntime keep their own threads); a build that follows searches in the same process runs
its few large products (word neighbours) on one thread too.
"""

from __future__ import annotations

import os
import threading

CHOSEN_BY_USER = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_lock = threading.Lock()
_done = False


def one_blas_thread() -> None:
    """numpy's BLAS on one thread from now on (once per process; see the module docstring)."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        _done = True
        if any(os.environ.get(name) for name in CHOSEN_BY_USER):
            return
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
        except Exception:  # noqa: BLE001 - a BLAS threadpoolctl cannot handle: search as before
            pass
