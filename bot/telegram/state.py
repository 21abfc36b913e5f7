"""Small in-memory state the bot keeps for itself: rate windows, statistics, recent answers.

All of it lives in `application.bot_data` / `chat_data` and is touched only from the event
loop (handlers run concurrently as tasks, never in parallel), so no locks are needed. All of it
is bounded, so a long-running bot in many chats does not grow without limit.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from chains.models import Turn


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

    def record(self, *, abstained: bool, fallback: bool, answer_s: float, end_to_end_s: float) -> None:
        self.answered += 1
        self.abstained += int(abstained)
        self.fallbacks += int(fallback)
        self.answer_s.append(answer_s)
        self.end_to_end_s.append(end_to_end_s)

    def percentiles(self, which: str = "answer_s") -> tuple[float | None, float | None]:
        values = list(getattr(self, which))
        return _percentile(values, 0.50), _percentile(values, 0.95)


class AnswerMemory:
    """The last answers the bot sent in one chat: message_id -> the (question, answer) turn.

    A reply to any message of an answer (long answers are several messages) is a follow-up to
    that turn. The last turn is also kept, so a private chat can follow up without replying.
    It lives in chat_data, which PTB persists (PicklePersistence), so follow-ups survive a restart.
    """

    def __init__(self, size: int = 200) -> None:
        self.size = size
        self._turns: OrderedDict[int, Turn] = OrderedDict()
        self.last: tuple[float, Turn] | None = None

    def remember(self, message_ids: list[int], turn: Turn) -> None:
        for message_id in message_ids:
            self._turns[message_id] = turn
            self._turns.move_to_end(message_id)
        while len(self._turns) > self.size:
            self._turns.popitem(last=False)
        self.last = (time.time(), turn)  # wall clock: this may be pickled across a restart

    def get(self, message_id: int) -> Turn | None:
        return self._turns.get(message_id)

    def recent(self, max_age_s: float) -> Turn | None:
        if self.last and 0 <= time.time() - self.last[0] <= max_age_s:
            return self.last[1]
        return None


CALLBACK_PREFIX = "c|"
_HASHED_PREFIX = "h|"
MAX_CALLBACK_BYTES = 64


class ClauseKeys:
    """callback_data <-> clause id. Telegram allows 64 bytes of callback data.

    A clause id that fits is sent as is (buttons then survive a restart); a longer one
    (Chinese section names take 3 bytes a character) gets a short hash key remembered here.
    """

    def __init__(self, max_keys: int = 20_000) -> None:
        self.max_keys = max_keys
        self._by_key: OrderedDict[str, str] = OrderedDict()

    def key_for(self, clause_id: str) -> str:
        direct = CALLBACK_PREFIX + clause_id
        if len(direct.encode()) <= MAX_CALLBACK_BYTES:
            return direct
        key = _HASHED_PREFIX + hashlib.sha1(clause_id.encode()).hexdigest()[:20]
        self._by_key[key] = clause_id
        self._by_key.move_to_end(key)
        while len(self._by_key) > self.max_keys:
            self._by_key.popitem(last=False)
        return key

    def clause_id(self, data: str) -> str | None:
        if data.startswith(CALLBACK_PREFIX):
            return data[len(CALLBACK_PREFIX) :]
        if data.startswith(_HASHED_PREFIX):
            return self._by_key.get(data)
        return None

    @staticmethod
    def is_ours(data: str | None) -> bool:
        return data is not None and data.startswith((CALLBACK_PREFIX, _HASHED_PREFIX))
