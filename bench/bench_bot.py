"""Bot throughput (updates/s) and update-to-reply latency, through the loopback Bot API server.

A burst of updates (default 200 across 50 private chats) is queued at once; the real
Application polls them, answers with the real AnswerService (extractive, offline) and replies.
Latency is measured from queuing an update to the arrival of its reply at the server (one
clock: the server runs in this process). Scenarios: Telegram's flood limits off (what the bot
itself can do) with 4 and 1 answer threads, with an instant answerer (the bot's own overhead:
PTB, HTTP, rendering), and on (AIORateLimiter defaults, 30 requests/s overall, typing
indicators included: the ceiling Telegram imposes on a single bot).

`python -m bench.bench_bot` prints a table; `make bench` (bench/run.py) collects `rows()`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    "赤泥综合利用企业可以享受税收优惠吗？",
    "贵州提高赤泥可利用性的责任单位是谁？",
    "焦作2021年工业固废综合利用率提高到了多少？",
    "国家到2030年赤泥综合利用率目标是多少？",
    "河南赤泥综合利用有哪些支持政策？",
]


@dataclass
class Result:
    scenario: str
    updates: int
    chats: int
    wall_s: float
    updates_per_s: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    answer_p50_ms: float


class _InstantAnswerer:
    """A canned answer with real citations: measures the bot without the answer service's cost."""

    def __init__(self, real: Any) -> None:
        self.canned = real.answer(QUESTIONS[0])
        self.real = real

    def answer(self, question: str, *, previous: Any = None, use_llm: bool | None = None, language: Any = None) -> Any:
        return self.canned.model_copy(update={"question": question})

    def __getattr__(self, name: str) -> Any:  # documents(), clause(), warm_up() ...
        return getattr(self.real, name)


async def _scenario(services: Any, name: str, *, updates: int, chats: int, workers: int, flood_limits: bool,
                    answerer: Any = None) -> Result:
    from telegram.ext import AIORateLimiter

    from bot.telegram.application import build_application, serve
    from tests.fakes.bot_api_server import FakeBotApi

    api = FakeBotApi().start()
    try:
        settings = services.settings.model_copy(update={
            "telegram_bot_token": _secret(api.token), "telegram_api_base_url": api.base_url,
            "telegram_file_base_url": api.file_base_url, "user_rate_per_minute": 10_000, "allowed_chats": [],
        })
        limiter = AIORateLimiter(max_retries=3) if flood_limits else AIORateLimiter(0, 0, 0, 0, max_retries=3)
        application = build_application(SimpleNamespace(settings=settings, answerer=answerer or services.answerer),
                                         settings=settings, rate_limiter=limiter, answer_workers=workers)
        async with serve(application, poll_timeout=1.0):
            api.user_message(QUESTIONS[0], chat_id=999_999)  # warm the path once
            await api.wait_sent(999_999, timeout=60)
            pushed: dict[int, float] = {}
            for i in range(updates):
                message = api.user_message(QUESTIONS[i % len(QUESTIONS)], chat_id=10_000 + i % chats)
                pushed[message["message_id"]] = time.monotonic()
            await api.wait_for(lambda: len(_replies(api, pushed)) >= updates, timeout=300)
            stats = application.bot_data["runtime"].stats
            answer_p50 = float(np.percentile(list(stats.answer_s)[1:], 50)) * 1000
    finally:
        api.stop()
    replies = _replies(api, pushed)
    latencies = np.array([replies[mid] - at for mid, at in pushed.items()]) * 1000
    wall = max(replies.values()) - min(pushed.values())
    return Result(name, updates, chats, round(wall, 3), round(updates / wall, 1),
                  round(float(np.percentile(latencies, 50)), 1), round(float(np.percentile(latencies, 95)), 1),
                  round(float(latencies.max()), 1), round(answer_p50, 1))


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def _replies(api: Any, pushed: dict[int, float]) -> dict[int, float]:
    """question message_id -> when its (first) reply reached the server."""
    out: dict[int, float] = {}
    for call in api.calls_to("sendMessage"):
        mid = (call.params.get("reply_parameters") or {}).get("message_id")
        if mid in pushed and mid not in out:
            out[mid] = call.at
    return out


def run(updates: int = 200, chats: int = 50, *, data_dir: Path | None = None, with_flood_limits: bool = True) -> list[Result]:
    from bot.app import build_services
    from bot.settings import Settings

    logging.getLogger("telegram").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="redmud-bench-bot-") as tmp:
        settings = Settings(_env_file=None, data_dir=data_dir or Path(tmp))  # type: ignore[call-arg]
        services = build_services(settings, llm=False)
        services.answerer.warm_up()
        scenarios: list[tuple[str, int, bool, Any]] = [
            ("real answers, 4 answer threads", 4, False, None),
            ("real answers, 1 answer thread", 1, False, None),
            ("instant answers (bot overhead only)", 4, False, _InstantAnswerer(services.answerer)),
        ]
        if with_flood_limits:
            scenarios.append(("real answers, Telegram flood limits", 4, True, None))
        return [
            asyncio.run(_scenario(services, name, updates=updates, chats=chats, workers=w, flood_limits=f, answerer=a))
            for name, w, f, a in scenarios
        ]


@dataclass
class GroupResult:
    members: int
    questions: int
    window_s: float
    time_scale: float
    answered_once: bool
    in_order: bool
    p50_wait_s: float
    p95_wait_s: float
    max_wait_s: float


async def _group_scenario(services: Any, *, members: int, questions: int, window_s: float,
                          time_scale: float) -> GroupResult:
    """One busy group under Telegram's flood limits (20 messages a minute in a group, 30 requests a
    second overall): `members` members ask `questions` questions spread over `window_s`, each an
    @mention. Time runs `time_scale` times faster than Telegram's (the limits, the per-group and
    per-member windows and the pushes all scaled alike); waits are reported in Telegram seconds
    (answering time is scaled up with them, so the figures are an upper bound)."""
    from bot.telegram.application import build_application, serve
    from bot.telegram.floodlimit import FloodLimiter
    from bot.telegram.state import UserRateLimiter
    from tests.fakes.bot_api_server import FakeBotApi

    group = -100_777
    api = FakeBotApi().start()
    try:
        settings = services.settings.model_copy(update={
            "telegram_bot_token": _secret(api.token), "telegram_api_base_url": api.base_url,
            "telegram_file_base_url": api.file_base_url, "allowed_chats": [],
        })
        limiter = FloodLimiter(overall_max_rate=30, overall_time_period=1 / time_scale, group_max_rate=20,
                               group_time_period=60 / time_scale, max_retries=3)
        application = build_application(SimpleNamespace(settings=settings, answerer=services.answerer),
                                         settings=settings, rate_limiter=limiter)
        rt = application.bot_data["runtime"]
        rt.limiter = UserRateLimiter(settings.user_rate_per_minute, window_s=60 / time_scale)
        rt.group_limiter = UserRateLimiter(settings.group_rate_per_minute, window_s=60 / time_scale)
        async with serve(application, poll_timeout=1.0):
            pushed: dict[int, float] = {}
            order: list[int] = []
            gap = window_s / time_scale / questions
            for i in range(questions):
                text = f"@{api.username} {QUESTIONS[i % len(QUESTIONS)]}"
                message = api.user_message(text, chat_id=group, user_id=50_000 + i % members)
                pushed[message["message_id"]] = time.monotonic()
                order.append(message["message_id"])
                await asyncio.sleep(gap)
            await api.wait_for(lambda: len(_replies(api, pushed)) >= questions, timeout=600)
            await asyncio.sleep(1.0)
    finally:
        api.stop()
    replies = _replies(api, pushed)
    counts: dict[int, int] = {}
    answered_order: list[int] = []
    for message in api.sent(group):
        mid = (message.get("reply_to_message") or {}).get("message_id")
        if mid in pushed:
            counts[mid] = counts.get(mid, 0) + 1
            answered_order.append(mid)
    waits = np.array([replies[mid] - at for mid, at in pushed.items()]) * time_scale
    return GroupResult(members, questions, window_s, time_scale,
                       answered_once=set(counts) == set(pushed) and max(counts.values()) == 1,
                       in_order=answered_order == order,
                       p50_wait_s=round(float(np.percentile(waits, 50)), 1),
                       p95_wait_s=round(float(np.percentile(waits, 95)), 1),
                       max_wait_s=round(float(waits.max()), 1))


def run_group(members: int = 30, questions: int = 60, window_s: float = 120.0, time_scale: float = 4.0,
              data_dir: Path | None = None) -> GroupResult:
    from bot.app import build_services
    from bot.settings import Settings

    logging.getLogger("telegram").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="redmud-bench-group-") as tmp:
        settings = Settings(_env_file=None, data_dir=data_dir or Path(tmp))  # type: ignore[call-arg]
        services = build_services(settings, llm=False)
        services.answerer.warm_up()
        return asyncio.run(_group_scenario(services, members=members, questions=questions, window_s=window_s,
                                           time_scale=time_scale))


def table(results: list[Result]) -> str:
    head = f"{'scenario':<38} {'updates':>7} {'chats':>5} {'wall s':>7} {'upd/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'answer p50':>10}"
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.scenario:<38} {r.updates:>7} {r.chats:>5} {r.wall_s:>7.2f} {r.updates_per_s:>7.1f} "
                     f"{r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.max_ms:>7.1f} {r.answer_p50_ms:>8.1f} ms")
    return "\n".join(lines)


def rows() -> list[tuple[str, str, str, bool | None]]:
    """(figure, measured, target, met) rows for `make bench` (bench/run.py)."""
    real, _, instant, limited = run()
    burst = f"{real.updates} updates / {real.chats} chats"
    group = run_group()
    verdict = ("each answered once, in order" if group.answered_once and group.in_order
               else f"answered once: {group.answered_once}, in order: {group.in_order}")
    return [
        (f"busy group: {group.members} members, {group.questions} questions in {group.window_s:.0f} s, flood limits",
         f"{verdict}; wait p50 {group.p50_wait_s:.0f} s / p95 {group.p95_wait_s:.0f} s",
         "all answered once, in order (20 msg/min per group)"),
        (f"bot throughput, real answers ({burst}, no flood limits)", f"{real.updates_per_s:.0f} updates/s",
         "bound by the answer service", None),
        ("bot update-to-reply latency p50 / p95 (same burst)", f"{real.p50_ms:.0f} / {real.p95_ms:.0f} ms", "—", None),
        ("bot overhead only: throughput (instant answers)", f"{instant.updates_per_s:.0f} updates/s", ">= 100 updates/s",
         instant.updates_per_s >= 100),
        ("bot throughput under Telegram flood limits", f"{limited.updates_per_s:.0f} updates/s",
         "~15 (30 req/s incl. typing)", None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--no-flood-limits", action="store_true", help="skip the (slow) rate-limited scenario")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--group", action="store_true", help="only the busy-group scenario (30 members, 60 questions)")
    parser.add_argument("--time-scale", type=float, default=4.0, help="run the busy group this much faster")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.group:
        print(json.dumps(asdict(run_group(time_scale=args.time_scale)), ensure_ascii=False, indent=2))
        return
    results = run(args.updates, args.chats, with_flood_limits=not args.no_flood_limits)
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
