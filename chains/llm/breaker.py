"""A small thread-safe circuit breaker for the LLM endpoint.

Why: when the endpoint is down, every question would otherwise wait for the whole deadline
before falling back. After `failures` consecutive failed calls the breaker opens and callers
answer extractively at once; after `cooldown_s` one trial call is let through (half-open): its
success closes the breaker, its failure opens it again for another cooldown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(
        self, failures: int = 3, cooldown_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        if failures < 1:
            raise ValueError("failures must be at least 1")
        self.failures = failures
        self.cooldown_s = max(0.0, cooldown_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        """closed | open | half_open (for logs, /status and tests)."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._clock() - self._opened_at >= self.cooldown_s else "open"

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call at a time."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.cooldown_s or self._trial_running:
                return False
            self._trial_running = True
            return True

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("LLM circuit closed")
            self._consecutive = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            self._trial_running = False
            if self._opened_at is not None or self._consecutive >= self.failures:
                if self._opened_at is None:
                    log.warning("LLM circuit open after %d consecutive failures", self._consecutive)
                self._opened_at = self._clock()
