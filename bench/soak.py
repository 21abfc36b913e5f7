"""Reliability figures for `make bench`: a 2000-question soak in one process (RSS must not grow
more than 10%), and the bot under 500 updates from 100 chats with 10% of Telegram calls failing.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent


def _questions() -> list[str]:
    data = ROOT / "tests" / "data"
    qs = [json.loads(x)["q"] for x in (data / "eval.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qs += [json.loads(x).get("text", "") for x in (data / "hostile.jsonl").read_text(encoding="utf-8").splitlines()]
    return qs


def soak(services: Any, n: int = 2000) -> dict[str, float]:
    proc = psutil.Process()
    questions = _questions()
    for q in questions:  # warm every path once before the first measurement
        services.answerer.answer(q)
    start_rss = proc.memory_info().rss / 2**20
    started = time.perf_counter()
    for i in range(n):
        services.answerer.answer(questions[i % len(questions)])
    seconds = time.perf_counter() - started
    end_rss = proc.memory_info().rss / 2**20
    return {"n": n, "start_mb": start_rss, "end_mb": end_rss, "growth": (end_rss - start_rss) / start_rss,
            "per_s": n / seconds}


def same_question(services: Any, n: int = 500) -> dict[str, int]:
    """The same question `n` times in one process: how many answers (text and cited clauses) are
    identical to the first. A soak, so here and not in the test suite (it was a 25 s test)."""
    question = "赤泥综合利用企业可以享受税收优惠吗？"
    first = services.answerer.answer(question)
    key = (first.answer, [c.clause_id for c in first.citations])
    same = 1
    for _ in range(n - 1):
        again = services.answerer.answer(question)
        same += (again.answer, [c.clause_id for c in again.citations]) == key
    return {"n": n, "identical": same}


async def _flaky_bot(services: Any, updates: int, chats: int, failure_rate: float) -> dict[str, float]:
    from pydantic import SecretStr
    from telegram.ext import AIORateLimiter

    from bot.telegram.application import build_application, serve
    from tests.fakes.bot_api_server import FakeBotApi

    api = FakeBotApi().start()
    rng = random.Random(2026)
    for method in ("getUpdates", "sendMessage", "sendChatAction", "answerCallbackQuery"):
        api.fault(method, status=502, times=10**9, when=lambda params: rng.random() < failure_rate)
    try:
        settings = services.settings.model_copy(update={
            "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url,
            "telegram_file_base_url": api.file_base_url, "user_rate_per_minute": 10_000, "allowed_chats": [],
        })
        app = build_application(SimpleNamespace(settings=settings, answerer=services.answerer), settings=settings,
                                rate_limiter=AIORateLimiter(0, 0, 0, 0, max_retries=3))
        questions = _questions()[:60]
        async with serve(app, poll_timeout=1.0):
            pushed: dict[tuple[int, int], float] = {}
            for i in range(updates):
                chat = 20_000 + i % chats
                message = api.user_message(questions[i % len(questions)] or "赤泥", chat_id=chat)
                pushed[(chat, message["message_id"])] = time.monotonic()
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                got = {(m["chat"]["id"], m["reply_to_message"]["message_id"]) for m in api.sent() if "reply_to_message" in m}
                if len(got & set(pushed)) >= updates:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(2.0)  # let late duplicates, if any, arrive
    finally:
        api.stop()
    first: dict[tuple[int, int], float] = {}
    counts: Counter = Counter()
    for m in api.sent():
        key = (m["chat"]["id"], m.get("reply_to_message", {}).get("message_id"))
        if key in pushed:
            counts[key] += 1
    for call in api.calls_to("sendMessage"):
        mid = (call.params.get("reply_parameters") or {}).get("message_id")
        key = (int(call.params["chat_id"]), mid)
        if key in counts and key not in first:
            first[key] = call.at
    latencies = [(first[k] - pushed[k]) * 1000 for k in first]
    calls = len(api.calls)
    return {
        "updates": updates, "chats": chats, "answered": sum(1 for k in pushed if counts[k] >= 1),
        "lost": sum(1 for k in pushed if counts[k] == 0), "duplicated": sum(1 for k in pushed if counts[k] > 1),
        "p95_ms": float(np.percentile(latencies, 95)) if latencies else float("nan"), "calls": calls,
    }


def rows() -> list[tuple[str, str, str, bool | None]]:
    from bot.app import build_services
    from bot.settings import Settings

    with tempfile.TemporaryDirectory(prefix="redmud-soak-") as tmp:
        services = build_services(Settings(_env_file=None, data_dir=Path(tmp)), llm=False)  # type: ignore[call-arg]
        services.answerer.warm_up()
        same = same_question(services)
        s = soak(services)
        b = asyncio.run(_flaky_bot(services, updates=500, chats=100, failure_rate=0.10))
    return [
        (f"the same question {same['n']} times: answers identical to the first", f"{same['identical']}",
         f"{same['n']}", same["identical"] == same["n"]),
        (f"soak: {s['n']} questions in one process, RSS start → end",
         f"{s['start_mb']:.0f} → {s['end_mb']:.0f} MB ({s['growth']:+.1%})", "growth <= 10%", s["growth"] <= 0.10),
        ("bot, 500 updates / 100 chats, 10% of Telegram calls failing: answered / lost / duplicated",
         f"{b['answered']} / {b['lost']} / {b['duplicated']}", "500 / 0 / 0",
         (b["answered"], b["lost"], b["duplicated"]) == (500, 0, 0)),
        ("bot under those failures: update-to-reply p95", f"{b['p95_ms']:.0f} ms", "—", None),
    ]


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(str(x) for x in row))
