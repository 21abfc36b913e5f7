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



async def _raw_post(port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A hand-written HTTP request (headers, then only `body`): what comes back before the rest
    of a declared body is sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"POST /tg/hook HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode() + body)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


async def test_webhook_checks_the_secret_before_the_body_and_caps_its_size(
    bot_api, make_settings, recording_answerer
) -> None:
    port = _free_port()
    settings = make_settings(webhook_url=f"http://127.0.0.1:{port}/tg/hook", webhook_listen="127.0.0.1",
                             webhook_port=port, webhook_secret=SECRET, webhook_max_body_bytes=64 * 1024)
    services = SimpleNamespace(settings=settings, answerer=recording_answerer())
    application = build_application(services, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0))
    async with serve(application, webhook=webhook_options(settings)):
        # 95 MB announced, none of it sent: refused on the headers alone, not after reading it
        wrong = await _raw_post(port, {"Content-Length": str(95 * 2**20), "Content-Type": "application/json",
                                       "X-Telegram-Bot-Api-Secret-Token": "nope"})
        too_big = await _raw_post(port, {"Content-Length": str(95 * 2**20), "Content-Type": "application/json",
                                         "X-Telegram-Bot-Api-Secret-Token": SECRET})
        chunk = b"x" * (100 * 1024)
        streamed = await _raw_post(port, {"Transfer-Encoding": "chunked", "X-Telegram-Bot-Api-Secret-Token": SECRET},
                                   f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        async with httpx.AsyncClient() as client:
            ok = await client.post(f"http://127.0.0.1:{port}/tg/hook", json=_update(9, 64, "税收优惠？"),
                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        await bot_api.wait_sent(64)
    assert wrong.startswith(b"HTTP/1.1 403")
    assert too_big.startswith(b"HTTP/1.1 413") and streamed.startswith(b"HTTP/1.1 413")
    assert ok.status_code == 200


async def test_webhook_secret_never_reaches_the_debug_log(bot_api, make_settings, recording_answerer) -> None:
    import io
    import logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    port = _free_port()
    try:
        settings = make_settings(webhook_url=f"http://127.0.0.1:{port}/tg/hook", webhook_listen="127.0.0.1",
                                 webhook_port=port, webhook_secret=SECRET)
        services = SimpleNamespace(settings=settings, answerer=recording_answerer())
        application = build_application(services, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0))
        async with serve(application, webhook=webhook_options(settings)):
            assert bot_api.calls_to("setWebhook")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logged = stream.getvalue()
    assert "setWebhook" in logged or "set_webhook" in logged, "PTB logged the call at DEBUG"
    assert SECRET not in logged
