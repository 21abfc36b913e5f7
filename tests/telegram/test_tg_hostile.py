"""The hostile-input corpus (tests/data/hostile.jsonl) sent to the real bot over the real service."""

from __future__ import annotations

import base64
import json

from bot.telegram import texts
from tests.conftest import DATA
from tests.fakes.telegram_html import parse_telegram_html


def _texts() -> list[tuple[str, str]]:
    out = []
    for line in (DATA / "hostile.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if "b64" in entry:
            text = base64.b64decode(entry["b64"]).decode("utf-8", errors="replace")
        else:
            text = entry["text"].encode("utf-8", errors="replace").decode("utf-8")
        if text:  # Telegram never delivers an empty text message
            out.append((entry["id"], text))
    return out


async def test_every_hostile_message_gets_one_bounded_reply(bot_api, start_bot, real_services) -> None:
    await start_bot(real_services.answerer)
    cases = _texts()
    assert len(cases) >= 40
    first_ids = [bot_api.user_message(text, chat_id=50_000 + i)["message_id"] for i, (_, text) in enumerate(cases)]
    for i, (case_id, _) in enumerate(cases):
        if case_id == "emoji":  # an acknowledgement: a reaction, not a message
            await bot_api.wait_for(lambda i=i: bot_api.reactions.get((50_000 + i, first_ids[i])), timeout=60)
            continue
        replies = await bot_api.wait_sent(50_000 + i, timeout=60)
        assert replies, case_id
        for reply in replies:
            raw = reply["_raw"]["text"]
            assert len(reply["text"]) <= 4096, case_id
            if reply["_raw"].get("parse_mode") == "HTML":
                assert parse_telegram_html(raw) == reply["text"], case_id
            assert texts.ERROR not in reply["text"], case_id  # answered, not failed
            assert "Traceback" not in reply["text"]
    # nothing answered twice: one reply per chat, except answers split over several messages
    for i, (case_id, _) in enumerate(cases):
        sent = bot_api.sent(50_000 + i)
        if case_id == "emoji":
            assert not sent, "an emoji gets a reaction, no message"
            continue
        assert len(sent) == 1 or all(len(s["text"]) > 1000 for s in sent[:-1]), case_id
