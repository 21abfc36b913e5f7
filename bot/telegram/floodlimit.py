"""Telegram's flood limits (AIORateLimiter), with one change: "typing…" does not spend a
group's budget of about 20 messages a minute. Chat actions are not messages; counted as ones,
a busy group's typing loop took half the budget its answers needed (and half the indicators
were never sent). They still count towards the bot's overall 30 requests a second."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter


class FloodLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint == "sendChatAction":
            data = {**data, "chat_id": 0}  # only for the limiter's choice: overall limit, no group one
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
