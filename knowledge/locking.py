"""One lock for every change to the knowledge base: across threads and across processes.

Index builds (``redmud ingest``, ``/reload``, ``make run`` building a missing index, a repair)
and library changes (add, replace, remove, restore) all take the same advisory ``flock`` on
one file in REDMUD_DATA_DIR. Two rebuilds interleaving is what once left the active pointer
on a collection another process had just dropped; with one lock they simply queue. The lock
is re-entrant within a thread, so a catalog change that rebuilds the index does not deadlock
on the index manager taking the same lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_NAME = "library.lock"


class KnowledgeLock:
    """A re-entrant lock held by one thread of one process at a time (``flock`` on ``path``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: this process only (a Chroma server shared by hosts needs its own story)
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._handle: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0 and self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
                self._handle = fd
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._handle is not None:
                    fcntl.flock(self._handle, fcntl.LOCK_UN)
                    os.close(self._handle)
                    self._handle = None
