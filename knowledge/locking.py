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
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_NAME = "library.lock"


@dataclass
class _State:
    thread_lock: threading.RLock = field(default_factory=threading.RLock)
    depth: int = 0
    fd: int | None = None


_states: dict[str, _State] = {}
_states_lock = threading.Lock()


class KnowledgeLock:
    """A re-entrant lock held by one thread of one process at a time (``flock`` on ``path``).

    Every ``KnowledgeLock`` on the same path in one process shares one state: ``flock`` locks
    belong to an open file, so two handles on the same file in one process would block each
    other (a catalog holding the lock while the index manager it calls takes it again).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: this process only (a Chroma server shared by hosts needs its own story)
        key = str(path.resolve()) if path is not None else f"memory:{id(self)}"
        with _states_lock:
            self._state = _states.setdefault(key, _State())

    @contextmanager
    def held(self) -> Iterator[None]:
        state = self._state
        with state.thread_lock:
            if state.depth == 0 and self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
                state.fd = fd
            state.depth += 1
            try:
                yield
            finally:
                state.depth -= 1
                if state.depth == 0 and state.fd is not None:
                    fcntl.flock(state.fd, fcntl.LOCK_UN)
                    os.close(state.fd)
                    state.fd = None
