"""A searching process keeps numpy's BLAS on one thread (qa/threads.py)."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: one BLAS thread")

# In a fresh process: whether this one has searched already depends on the tests before.
PROBE = """
import numpy, threading
from threadpoolctl import threadpool_info
from qa import threads

def blas():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

before = blas()
worker = threading.Thread(target=threads.one_blas_thread)  # as a server's worker thread
worker.start()
worker.join()
threads.one_blas_thread()  # again, in another thread: no change, no error
print(sorted(before), sorted(blas()))
"""


def probe(**env: str) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_first_search_puts_blas_on_one_thread_for_the_process():
    before, after = probe().split("] [")
    assert before != "[1"  # several threads to begin with (2 cores here)
    assert after == "1]"


def test_a_count_the_user_chose_is_kept():
    assert probe(OPENBLAS_NUM_THREADS="2") == "[2] [2]"


def test_a_search_leaves_blas_on_one_thread(index):
    from threadpoolctl import threadpool_info

    assert index.search("What is the Blue Heart Campaign?", k=3)
    numpy_blas = [
        lib["num_threads"]
        for lib in threadpool_info()
        if lib["user_api"] == "blas" and "numpy" in lib["filepath"]
    ]
    if os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        pytest.skip("the BLAS thread count is chosen in this environment")
    assert numpy_blas == [1]
