"""At most `request_slots` Bot API calls in flight (bot/telegram/httprequest.py): the rest wait
their turn in the bot, not in httpcore's pool (whose bookkeeping grows with every connection),
and none of them is lost or turned into a pool timeout however long the wait.

The server holds every sendMessage until the test releases it, so "two in flight, four waiting"
is a state the test waits for, not a moment it hopes to catch."""

from __future__ import annotations

import threading
from collections import Counter
from types import SimpleNamespace

from telegram.ext import AIORateLimiter

from bot.telegram.application import build_application, serve
from bot.telegram.httprequest import BoundedHTTPXRequest


async def test_calls_beyond_the_slots_wait_in_the_bot_and_all_go_out_once(bot_api, make_settings,
                                                                          recording_answerer) -> None:
    release = threading.Event()
    bot_api.fault("sendMessage", status=None, times=10**6, release=release)
    services = SimpleNamespace(settings=make_settings(), answerer=recording_answerer())
    application = build_application(services, rate_limiter=AIORateLimiter(0, 0, 0, 0), request_slots=2)
    request = application.bot.request
    assert isinstance(request, BoundedHTTPXRequest) and request.slots == 2
    async with serve(application, poll_timeout=0.2):
        asked = {bot_api.user_message(f"问题{i}", chat_id=600 + i)["message_id"]: 600 + i for i in range(6)}
        try:
            await bot_api.wait_for(lambda: request.waiting == 4 and bot_api.in_flight.get("sendMessage") == 2)
        finally:
            release.set()
        await bot_api.wait_for(lambda: all(bot_api.sent(chat) for chat in asked.values()))
    replies = Counter(m["reply_to_message"]["message_id"] for m in bot_api.sent())
    assert replies == Counter(list(asked)), "every question answered exactly once"
    assert bot_api.max_in_flight["sendMessage"] == 2
    assert len(bot_api.calls_to("sendMessage")) == 6, "no call failed and was sent again"


def test_a_slot_count_below_one_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="slots"):
        BoundedHTTPXRequest(0)
