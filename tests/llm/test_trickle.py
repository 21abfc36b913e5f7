"""An endpoint that trickles bytes (one every 50 ms: no per-read timeout ever fires) cannot keep
the LLM worker threads: each read is bounded by the answer's deadline, so an abandoned call ends
moments after it, and the pool is free for the next answer once the endpoint recovers."""

from __future__ import annotations

import threading
import time

from tests.fakes.openai_server import Reply
from tests.llm.conftest import DEADLINE_S, LATE_S, Analysis, extractive_for

Q = "河南的赤泥综合利用目标是什么？"
GOOD = "河南提出到2027年、2030年全省新增赤泥综合利用率分别达到15%、25%[2]。"
TRICKLE = Reply(content=GOOD, trickle_s=0.05)  # ~500 bytes: 25 s to send it all


def compose(composer, hits):
    return composer.compose(Q, Analysis(Q), hits, extractive_for(Q, hits))


def _until_hung_up(server, within_s: float = 20.0) -> None:
    """Wait until the server has seen every call hang up (it notices on its next byte), but not
    for the whole trickle (25 s), after which a call that was never dropped ends by itself."""
    stop = time.monotonic() + within_s
    while time.monotonic() < stop and not (server.completions and all(r.hung_up_at for r in server.completions)):
        time.sleep(0.05)


def test_trickled_reply_is_dropped_at_the_deadline(make_llm, hits, server):
    composer, _ = make_llm(DEADLINE_S)
    server.default = TRICKLE
    started = time.monotonic()
    answer = compose(composer, hits)
    assert answer.mode == "extractive" and answer.fallback_reason == "timeout"
    assert time.monotonic() - started < DEADLINE_S + LATE_S  # not the 25 s of the whole trickle
    _until_hung_up(server)
    assert server.completions and all(
        r.hung_up_at is not None and r.hung_up_at - started < DEADLINE_S + LATE_S for r in server.completions
    ), [(r.at - started, r.hung_up_at and r.hung_up_at - started) for r in server.completions]


def test_pool_is_free_again_when_the_endpoint_recovers(make_llm, hits, server):
    composer, _ = make_llm(DEADLINE_S, cooldown_s=0.0)  # the breaker lets the first call after through
    server.default = TRICKLE
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(compose(composer, hits))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE_S + 5)
    assert [a.fallback_reason for a in results] == ["timeout"] * 8  # all eight workers were busy
    server.default = Reply(content=GOOD)  # the endpoint recovers
    _until_hung_up(server)  # the abandoned calls have ended
    answer = compose(composer, hits)
    assert answer.mode == "llm", answer.fallback_reason


def test_the_deadline_client_keeps_the_environment_proxy(monkeypatch):
    """httpx stops reading proxy settings once a transport is given; the client reads them itself."""
    from chains.llm.transport import DeadlineTransport, _proxy_for, deadline_http_client

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "llm.internal")
    assert _proxy_for("https://api.example.com/v1") == "http://proxy.internal:3128"
    assert _proxy_for("https://llm.internal/v1") is None
    assert _proxy_for("http://127.0.0.1:8000/v1") is None
    client = deadline_http_client("http://127.0.0.1:8000/v1", 5.0)
    try:
        assert isinstance(client._transport, DeadlineTransport) and client._transport.bounded
    finally:
        client.close()
