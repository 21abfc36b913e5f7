"""The bot token never reaches a log line, an exception text or a chat, also when requests fail."""

from __future__ import annotations

import io
import logging
import threading

from chains.models import Answer


async def test_token_never_logged_or_sent_during_failures(bot_api, start_bot, recording_answerer,
                                                         quick_typing) -> None:
    token = bot_api.token
    secret = token.split(":", 1)[1]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        def respond(question, previous):
            if "boom" in question:
                raise RuntimeError(f"upstream failed for https://api.telegram.org/bot{token}/sendMessage")
            return Answer(question=question, answer=f"回答 {question}", headline="回答")

        bot_api.fault("getUpdates", status=500, times=2, description=f"Internal error for bot{token}")
        bot_api.fault("sendChatAction", status=500, times=3)
        bot_api.fault("sendMessage", status=502, times=2, description=f"Bad Gateway bot{token}")
        hold = threading.Event()  # both answers wait until their "typing…" has failed
        await start_bot(recording_answerer(respond=respond, hold=hold))
        bot_api.user_message("赤泥税收优惠？", chat_id=901)
        bot_api.user_message("boom", chat_id=902)
        await bot_api.wait_for(lambda: {c.params["chat_id"] for c in bot_api.calls_to("sendChatAction")} == {901, 902})
        hold.set()
        await bot_api.wait_sent(901, timeout=30)
        await bot_api.wait_sent(902, timeout=30)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logged = stream.getvalue()
    assert "upstream failed" in logged or "RuntimeError" in logged or "Error" in logged  # failures were logged
    assert token not in logged and secret not in logged
    for message in bot_api.sent():
        assert secret not in message["text"]
    assert "Traceback" not in "".join(m["text"] for m in bot_api.sent())
