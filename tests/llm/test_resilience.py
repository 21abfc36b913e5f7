"""Endpoint failures through the real client stack: every case ends in a correct answer within
the deadline (plus a second), with the retries observed at the loopback server."""

from __future__ import annotations

import threading
import time

import pytest

from tests.fakes.openai_server import Reply
from tests.llm.conftest import COOLDOWN_S, DEADLINE_S, LATE_S, Analysis, extractive_for

Q = "河南的赤泥综合利用目标是什么？"
GOOD = "河南提出到2027年、2030年全省新增赤泥综合利用率分别达到15%、25%[2]。"


def compose(llm, hits, question=Q):
    composer, _ = llm
    extractive = extractive_for(question, hits)
    started = time.monotonic()
    answer = composer.compose(question, Analysis(question), hits, extractive)
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S + LATE_S, f"answered after {elapsed:.2f}s"
    return answer, extractive, elapsed


def gaps(server):
    at = [r.at for r in server.completions]
    return [b - a for a, b in zip(at, at[1:], strict=False)]


def test_429_with_retry_after_is_honoured(llm, hits, server):
    server.enqueue(Reply(status=429, headers={"Retry-After": "0.8"}), Reply(content=GOOD))
    answer, _, _ = compose(llm, hits)
    assert answer.mode == "llm" and len(server.completions) == 2
    assert gaps(server)[0] >= 0.75  # waited as told, not the short exponential backoff


def test_retry_after_beyond_the_deadline_gives_up_at_once(llm, hits, server):
    server.enqueue(Reply(status=429, headers={"Retry-After": "30"}), Reply(content=GOOD))
    answer, _, elapsed = compose(llm, hits)
    assert answer.mode == "extractive" and answer.fallback_reason == "http 429"
    assert len(server.completions) == 1 and elapsed < DEADLINE_S - 0.5  # did not wait for the deadline


@pytest.mark.parametrize(
    "failures, reason",
    [
        ([Reply(status=500), Reply(status=503)], "5xx"),
        ([Reply(raw_body="{not json")], "malformed JSON"),
        ([Reply(raw_body='{"object": "chat.completion"}')], "no choices"),
        ([Reply(content="")], "empty content"),
        ([Reply(content=None)], "null content"),
    ],
)
def test_transient_failures_are_retried(llm, hits, server, failures, reason):
    server.enqueue(*failures, Reply(content=GOOD))
    answer, _, _ = compose(llm, hits)
    assert answer.mode == "llm", reason
    assert len(server.completions) == len(failures) + 1


def test_persistent_500_ends_in_the_extractive_answer(llm, hits, server):
    server.default = Reply(status=500)
    answer, extractive, _ = compose(llm, hits)
    assert answer.fallback_reason == "http 500" and answer.answer == extractive.answer
    assert 2 <= len(server.completions) <= 4
    assert all(g >= 0.2 for g in gaps(server))  # backoff between attempts


def test_hang_past_the_deadline(llm, hits, server):
    server.default = Reply(hang=True)
    answer, _, elapsed = compose(llm, hits)
    assert answer.mode == "extractive" and answer.fallback_reason == "timeout"
    assert elapsed >= DEADLINE_S - 0.5
    assert len(server.completions) >= 1


def test_slow_answer_after_a_hang_still_counts_against_one_deadline(llm, hits, server):
    server.enqueue(Reply(delay_s=0.8, status=500), Reply(content=GOOD, delay_s=0.2))
    answer, _, _ = compose(llm, hits)
    assert answer.mode == "llm" and len(server.completions) == 2


def test_client_errors_are_not_retried(llm, hits, server):
    server.enqueue(Reply(status=401), Reply(content=GOOD))
    answer, _, _ = compose(llm, hits)
    assert answer.fallback_reason == "http 401" and len(server.completions) == 1


def test_repair_is_inside_the_same_deadline(llm, hits, server):
    server.enqueue(Reply(content="河南目标为90%[2]。", delay_s=1.0), Reply(hang=True))
    answer, _, _ = compose(llm, hits)
    assert answer.mode == "extractive"
    assert answer.fallback_reason == "grounding: invented figure 90%; repair: timeout"


def test_circuit_breaker_opens_and_closes(llm, hits, server):
    composer, _ = llm
    server.default = Reply(status=401)  # fails fast, not retried: one request per question
    for _ in range(3):
        assert compose(llm, hits)[0].fallback_reason == "http 401"
    assert composer.client.breaker.state == "open" and len(server.completions) == 3
    answer, _, elapsed = compose(llm, hits)
    assert answer.fallback_reason == "circuit_open" and elapsed < DEADLINE_S - 0.5
    assert len(server.completions) == 3  # nothing went out
    time.sleep(COOLDOWN_S + 0.1)
    assert composer.client.breaker.state == "half_open"
    server.enqueue(Reply(content=GOOD))
    assert compose(llm, hits)[0].mode == "llm"
    assert composer.client.breaker.state == "closed" and len(server.completions) == 4


def test_failed_trial_reopens_the_circuit(llm, hits, server):
    composer, _ = llm
    server.default = Reply(status=401)
    for _ in range(3):
        compose(llm, hits)
    time.sleep(COOLDOWN_S + 0.1)
    assert compose(llm, hits)[0].fallback_reason == "http 401"  # the one trial call
    assert composer.client.breaker.state == "open"
    assert compose(llm, hits)[0].fallback_reason == "circuit_open"


def test_concurrent_questions_from_worker_threads(llm, hits, server):
    server.default = Reply(content=GOOD, delay_s=0.2)
    results = []

    def ask():
        results.append(compose(llm, hits)[0])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(results) == 6 and all(a.mode == "llm" for a in results)
    assert len(server.completions) == 6
