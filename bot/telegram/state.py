"""Small in-memory state the bot keeps for itself: rate windows and statistics.

Both are per process by design (limits and /stats need no sharing) and bounded, and touched
only from the event loop, so no locks are needed. What must last or be shared (answers,
settings, feedback, callback keys) is in the SQLite store, `bot.state`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field


class UserRateLimiter:
    """At most `per_minute` questions per user in any sliding 60-second window.

    `check` says whether to answer, and whether to tell the user about the limit: the notice
    is sent once per window, not on every message that is refused.
    """

    def __init__(self, per_minute: int, window_s: float = 60.0, max_users: int = 10_000) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_users = max_users
        self._hits: OrderedDict[int, deque[float]] = OrderedDict()
        self._notified_until: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> tuple[bool, bool, int]:
        """Returns (allowed, notify, seconds_to_wait)."""
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(user_id, None) or deque()
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        self._hits[user_id] = hits  # most recently seen last, for eviction
        if len(self._hits) > self.max_users:
            old, _ = self._hits.popitem(last=False)
            self._notified_until.pop(old, None)
        if len(hits) < self.per_minute:
            hits.append(now)
            return True, False, 0
        free_at = hits[0] + self.window_s
        wait = max(1, math.ceil(free_at - now))
        if self._notified_until.get(user_id, 0.0) > now:
            return False, False, wait
        self._notified_until[user_id] = free_at
        return False, True, wait


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


@dataclass
class BotStats:
    """Counters for /stats (the answer service keeps none of its own)."""

    started: float = field(default_factory=time.time)
    answered: int = 0
    abstained: int = 0
    fallbacks: int = 0
    errors: int = 0
    limited: int = 0
    answer_s: deque[float] = field(default_factory=lambda: deque(maxlen=2000))
    end_to_end_s: deque[float] = field(default_factory=lambda: deque(maxlen=2000))

    def record(self, *, abstained: bool, fallback: bool, answer_s: float, end_to_end_s: float | None = None) -> None:
        self.answered += 1
        self.abstained += int(abstained)
        self.fallbacks += int(fallback)
        self.answer_s.append(answer_s)
        if end_to_end_s is not None:  # else appended once the reply is sent
            self.end_to_end_s.append(end_to_end_s)

    def percentiles(self, which: str = "answer_s") -> tuple[float | None, float | None]:
        values = list(getattr(self, which))
        return _percentile(values, 0.50), _percentile(values, 0.95)
