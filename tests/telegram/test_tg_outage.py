"""A flaky Telegram (10% of calls fail with 5xx, some 429s): no update lost, none answered twice."""

from __future__ import annotations

import random
from collections import Counter

from chains.models import Answer


async def test_flaky_telegram_loses_nothing_and_duplicates_nothing(bot_api, start_bot, recording_answerer) -> None:
    rng = random.Random(7)
    for method in ("getUpdates", "sendMessage", "sendChatAction"):
        bot_api.fault(method, status=502, times=10_000, when=lambda params: rng.random() < 0.10)
    bot_api.fault("sendMessage", status=429, retry_after=1, times=3)

    answerer = recording_answerer(respond=lambda q, prev: Answer(question=q, answer=f"回答：{q}", headline="回答"))
    await start_bot(answerer)
    questions = {}
    for i in range(120):
        chat = 70_000 + i % 30
        message = bot_api.user_message(f"问题 {i}", chat_id=chat)
        questions[(chat, message["message_id"])] = i

    def replies() -> Counter:
        return Counter((m["chat"]["id"], m["reply_to_message"]["message_id"])
                       for m in bot_api.sent() if "reply_to_message" in m)

    await bot_api.wait_for(lambda: len(replies()) >= len(questions), timeout=120)
    counts = replies()
    assert set(counts) == set(questions), "every question answered"
    assert max(counts.values()) == 1, "no question answered twice"
    assert Counter(q for q, _ in answerer.calls) == Counter(f"问题 {i}" for i in range(120)), "each update handled once"
    assert len(bot_api.calls_to("sendMessage")) > len(questions), "failures really happened and were retried"
