"""One chat completion within a deadline: retries (tenacity), Retry-After, a circuit breaker.

Why: a user must get an answer within REDMUD_LLM_TIMEOUT_S plus a second whatever the endpoint
does (429, 5xx, hangs, garbage). Each attempt runs in a worker thread and is abandoned when the
deadline passes; every socket read and write of that attempt is bounded by the same deadline
(chains.llm.transport), so the abandoned thread ends moments later by itself, even when the
endpoint trickles bytes and no per-read timeout ever fires;
connection errors, timeouts, 429 (honouring Retry-After), 5xx, malformed and empty responses are
retried with exponential backoff and jitter while time is left. The openai client's own retries
are off (max_retries=0) so that there is exactly one retry policy.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import contextvars
import email.utils
import json
import logging
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from tenacity.stop import stop_base

from chains.llm.breaker import CircuitBreaker

log = logging.getLogger(__name__)


# the monotonic time by which the call running in this context must be over (None: no LLM call);
# chains.llm.transport bounds every socket read and write by it
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("llm_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(end: float) -> Iterator[None]:
    """Network I/O in this context inside the block ends at `end` (time.monotonic())."""
    token = _DEADLINE.set(end)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> float | None:
    return _DEADLINE.get()


class LLMError(Exception):
    """The model gave no usable text; `reason` goes into Answer.fallback_reason."""

    def __init__(self, reason: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Deadline:
    """An absolute point in time (monotonic clock) that every step of one answer shares."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + max(0.0, seconds)

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())


def parse_retry_after(headers: Any) -> float | None:
    """Seconds asked for by `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            delay = float(value) / divisor
        except ValueError:
            if name == "retry-after":
                try:
                    delay = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
                except (TypeError, ValueError, IndexError):
                    continue
            else:
                continue
        if math.isfinite(delay):
            return max(0.0, delay)
    return None


def classify(exc: BaseException) -> LLMError:
    """Maps what the openai/LangChain stack raised to a reason and whether a retry may help."""
    import openai  # loaded only once an LLM is in use

    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APITimeoutError | cf.TimeoutError | TimeoutError):
        return LLMError("timeout", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("connection error", retryable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after = parse_retry_after(exc.response.headers) if status in (429, 503) else None
        retryable = status in (408, 409, 429) or status >= 500
        return LLMError(f"http {status}", retryable=retryable, retry_after=retry_after)
    if isinstance(
        exc, openai.APIResponseValidationError | json.JSONDecodeError | ValueError | KeyError | TypeError
    ):
        return LLMError("malformed response", retryable=True)
    return LLMError(f"error {type(exc).__name__}")


class StopAtDeadline(stop_base):
    """Stop when the next attempt would start too late to finish (after the planned sleep,
    less than `min_attempt_s` would be left); a Retry-After beyond the deadline stops at once."""

    def __init__(self, deadline: Deadline, min_attempt_s: float):
        self.deadline = deadline
        self.min_attempt_s = min_attempt_s

    def __call__(self, retry_state: Any) -> bool:
        return self.deadline.remaining() - (retry_state.upcoming_sleep or 0.0) < self.min_attempt_s


class ChatClient:
    """Sends chat messages to a LangChain chat model (ChatOpenAI) and returns the reply text."""

    def __init__(
        self,
        model: Any,
        breaker: CircuitBreaker,
        *,
        max_attempts: int = 4,
        backoff_s: float = 0.25,
        backoff_max_s: float = 4.0,
        min_attempt_s: float = 0.3,
        workers: int = 8,
    ):
        self.model = model
        self.breaker = breaker
        self.max_attempts = max_attempts
        self.min_attempt_s = min_attempt_s
        self._backoff = wait_exponential_jitter(multiplier=backoff_s, max=backoff_max_s, jitter=backoff_s)
        self._pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm-call")

    def complete(self, messages: Sequence[Any], deadline: Deadline) -> str:
        """The reply text, or LLMError (circuit_open, timeout, http 500, …). Never hangs past
        the deadline by more than a few milliseconds."""
        if not self.breaker.allow():
            raise LLMError("circuit_open")
        try:
            text = self._with_retries(messages, deadline)
        except LLMError as err:
            if err.reason != "circuit_open":
                self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return text

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- internals ----------------------------------------------------------------------------

    def _with_retries(self, messages: Sequence[Any], deadline: Deadline) -> str:
        if deadline.remaining() < self.min_attempt_s:
            raise LLMError("timeout")

        def wait(state: Any) -> float:
            err = state.outcome.exception()
            if isinstance(err, LLMError) and err.retry_after is not None:
                return err.retry_after  # not capped: StopAtDeadline gives up when it does not fit
            return min(self._backoff(state), max(0.0, deadline.remaining() - self.min_attempt_s))

        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, LLMError) and e.retryable),
            wait=wait,
            stop=stop_after_attempt(self.max_attempts) | StopAtDeadline(deadline, self.min_attempt_s),
            before_sleep=_log_retry,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                return self._attempt(messages, deadline)
        raise LLMError("timeout")  # pragma: no cover - Retrying either returns or re-raises

    def _attempt(self, messages: Sequence[Any], deadline: Deadline) -> str:
        budget = deadline.remaining()
        if budget <= 0:
            raise LLMError("timeout")
        future = self._pool.submit(self._invoke, list(messages), budget, deadline.end)
        try:
            reply = future.result(timeout=budget + 0.05)
        except cf.TimeoutError:
            future.cancel()
            raise LLMError("timeout", retryable=True) from None
        except Exception as exc:  # noqa: BLE001 - every failure becomes a reason, none escapes
            raise classify(exc) from exc
        text = str(getattr(reply, "text", "") or "")  # AIMessage.text joins the text blocks
        if not text.strip():
            raise LLMError("empty answer", retryable=True)
        return text.strip()


    def _invoke(self, messages: list[Any], budget: float, end: float) -> Any:
        """Runs on a worker thread; with the transport of `build_llm`, its reads end at `end` even
        when the caller has stopped waiting (a trickling endpoint cannot keep the thread)."""
        with deadline_scope(end):
            return self.model.invoke(messages, timeout=budget)


def _log_retry(state: Any) -> None:
    err = state.outcome.exception()
    log.info("LLM attempt %d failed (%s); retrying in %.2fs", state.attempt_number, err, state.upcoming_sleep)
