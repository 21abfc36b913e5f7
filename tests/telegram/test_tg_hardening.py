"""Issue 12's Telegram items, each against the loopback Bot API: state written off the event loop
with nothing kept per chat in memory, a timed-out send that is not followed by an error line, a
run of 5xx that does not cost the answer, an upload of unstated size cut off at the limit, and
/docs and 原文 that stay one message for absurdly long titles and clauses."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

from bot.telegram import runtime as tg_runtime
from bot.telegram import texts
from chains.models import Answer
from knowledge.models import Clause, DocumentMeta
from tests.telegram.conftest import ADMIN_ID, make_citation


async def test_state_is_written_off_the_event_loop_and_nothing_is_kept_per_chat(
    bot_api, start_bot, recording_answerer
) -> None:
    application = await start_bot(recording_answerer())
    rt = application.bot_data["runtime"]
    threads: set[str] = set()
    rt.store._db.set_trace_callback(lambda _sql: threads.add(threading.current_thread().name))
    for i in range(60):
        bot_api.user_message(f"问题 {i}", chat_id=3000 + i)
    await bot_api.wait_for(lambda: len(bot_api.sent()) >= 60, timeout=30)
    first = bot_api.sent(3000)[0]
    bot_api.button_press(first, first["reply_markup"]["inline_keyboard"][-1][0]["callback_data"], user_id=3000)
    await bot_api.wait_for(lambda: bot_api.calls_to("answerCallbackQuery"))
    assert threads and all(name.startswith("redmud-store") for name in threads), threads
    assert len(application.chat_data) == 0 and len(application.user_data) == 0, "no per-chat state in memory"


async def test_a_send_that_times_out_is_not_followed_by_an_error_line(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer(), telegram_timeout_s=0.5)
    bot_api.fault("sendMessage", status=None, delay_s=1.5)  # Telegram takes the message, but late
    bot_api.user_message("税收优惠？", chat_id=601)
    await bot_api.wait_sent(601)
    bot_api.user_message("第二个问题", chat_id=601)  # handled after the first update's error handling
    await bot_api.wait_sent(601, 2)
    await asyncio.sleep(0.2)
    assert [m["text"].split("\n")[0] for m in bot_api.sent(601)] == ["回答：税收优惠？", "回答：第二个问题"]


async def test_a_run_of_server_errors_delays_the_answer_but_does_not_replace_it(
    bot_api, start_bot, recording_answerer, monkeypatch
) -> None:
    monkeypatch.setattr(tg_runtime, "SEND_RETRY_DELAY_S", 0.01)
    monkeypatch.setattr(tg_runtime, "SEND_RETRY_MAX_S", 0.05)
    await start_bot(recording_answerer())
    bot_api.fault("sendMessage", status=502, times=6)
    bot_api.user_message("税收优惠？", chat_id=602)
    (reply,) = await bot_api.wait_sent(602)
    assert reply["text"].startswith("回答：税收优惠？") and texts.ERROR not in reply["text"]
    assert len(bot_api.calls_to("sendMessage", chat_id=602)) == 7


async def test_upload_without_a_stated_size_is_cut_off_at_the_limit(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer(), max_upload_mb=1)
    bot_api.files["d1"] = b"x" * (40 * 2**20)
    bot_api.file_sizes_hidden = True
    bot_api.user_media("document", chat_id=ADMIN_ID)  # no file_size in the message or from getFile
    (reply,) = await bot_api.wait_sent(ADMIN_ID, timeout=30)
    assert "文件太大" in reply["text"]
    await bot_api.wait_for(lambda: bot_api.file_bytes_served > 0)
    assert bot_api.file_bytes_served < 16 * 2**20, "the download stopped near the limit, not at 40 MB"


async def test_a_huge_title_keeps_docs_to_one_message(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    meta = DocumentMeta(doc_id="huge", title="赤" * 300_000, date="2026-01-01")
    answerer.documents = lambda: [SimpleNamespace(meta=meta, clause_count=1)]
    await start_bot(answerer)
    bot_api.user_message("/docs", chat_id=603)
    (docs,) = await bot_api.wait_sent(603)
    await asyncio.sleep(0.3)
    assert len(bot_api.sent(603)) == 1 and len(docs["text"]) < 400


async def test_a_30k_character_clause_is_one_message_in_private(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer(lambda q, p: Answer(question=q, answer="见[1]", citations=[make_citation(1)]))
    answerer.clauses["doc-a-第一条"] = Clause(doc_id="doc-a", section_path=["第一条"], text="赤泥" * 15_000)
    await start_bot(answerer)
    bot_api.user_message("第一条说什么", chat_id=604)
    (answer,) = await bot_api.wait_sent(604)
    bot_api.button_press(answer, answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"], user_id=604)
    await bot_api.wait_sent(604, 2)
    await asyncio.sleep(0.3)
    assert len(bot_api.sent(604)) == 2 and "仅显示开头部分" in bot_api.sent(604)[1]["text"]
