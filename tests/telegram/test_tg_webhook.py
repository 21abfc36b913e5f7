"""Webhook mode: real HTTP posts to PTB's webhook server; only Telegram's secret gets in."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

import httpx
import pytest
from telegram.ext import AIORateLimiter

from bot.telegram import run_bot
from bot.telegram.application import BotConfigError, build_application, serve, webhook_options

SECRET = "s3cret_Token-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _update(update_id: int, chat_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 500 + update_id, "date": 0, "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "张三"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "张三"}}}


async def test_webhook_accepts_only_the_secret_token(bot_api, make_settings, recording_answerer) -> None:
    port = _free_port()
    settings = make_settings(webhook_url=f"http://127.0.0.1:{port}/tg/hook", webhook_listen="127.0.0.1",
                             webhook_port=port, webhook_secret=SECRET)
    answerer = recording_answerer()
    services = SimpleNamespace(settings=settings, answerer=answerer)
    application = build_application(services, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0))
    url = f"http://127.0.0.1:{port}/tg/hook"
    async with serve(application, webhook=webhook_options(settings)), httpx.AsyncClient() as client:
        (registered,) = bot_api.calls_to("setWebhook")
        assert registered.params["url"] == url and registered.params["secret_token"] == SECRET

        wrong = await client.post(url, json=_update(1, 61, "错误的密钥"),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
        missing = await client.post(url, json=_update(2, 62, "没有密钥"))
        right = await client.post(url, json=_update(3, 63, "税收优惠？"),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert (wrong.status_code, missing.status_code, right.status_code) == (403, 403, 200)
        (reply,) = await bot_api.wait_sent(63)
        assert reply["text"].startswith("回答：税收优惠？")
        await asyncio.sleep(0.2)
        assert [q for q, _ in answerer.calls] == ["税收优惠？"]
        assert not bot_api.sent(61) and not bot_api.sent(62)
        assert not bot_api.calls_to("getUpdates")  # no polling in webhook mode


@pytest.mark.parametrize("secret", [None, "", "has space", "x" * 257])
def test_webhook_refuses_to_start_without_a_valid_secret(make_settings, secret) -> None:
    settings = make_settings(webhook_url="https://example.org/hook", webhook_secret=secret)
    with pytest.raises(BotConfigError, match="REDMUD_WEBHOOK_SECRET"):
        webhook_options(settings)
    with pytest.raises(BotConfigError, match="REDMUD_WEBHOOK_SECRET"):
        run_bot(SimpleNamespace(settings=settings, answerer=None), webhook=True)


def test_webhook_needs_a_url_and_the_bot_a_token(make_settings) -> None:
    with pytest.raises(BotConfigError, match="REDMUD_WEBHOOK_URL"):
        webhook_options(make_settings(webhook_secret=SECRET))
    with pytest.raises(BotConfigError, match="TELEGRAM_BOT_TOKEN"):
        build_application(SimpleNamespace(settings=make_settings(telegram_bot_token=None), answerer=None))

