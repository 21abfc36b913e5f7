"""End to end through the real PTB Application and the loopback Bot API: who gets answered,
how, and what happens under failures. Answers here are scripted (RecordingAnswerer), so the
tests are about the bot; test_tg_real_answers.py runs the real answer service."""

from __future__ import annotations

import asyncio
import logging
import time
from types import SimpleNamespace

from telegram.ext import AIORateLimiter

from bot.telegram.application import build_application, serve
from chains.models import Answer, Turn
from tests.fakes.telegram_html import parse_telegram_html

GROUP = -100111
ADMIN_ID = 4343


async def test_private_chat_every_text_is_a_question(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    question = bot_api.user_message("赤泥可以享受税收优惠吗", chat_id=77)
    (reply,) = await bot_api.wait_sent(77)
    assert answerer.calls == [("赤泥可以享受税收优惠吗", None)]
    assert reply["reply_to_message"]["message_id"] == question["message_id"]
    assert reply["_raw"]["text"].startswith("<b>回答：赤泥可以享受税收优惠吗</b>")
    assert "[1] 《测试文件》 第一条" in reply["text"]
    assert reply["reply_markup"]["inline_keyboard"][0][0]["text"] == "[1] 国家文件"  # named from DocumentMeta


async def test_group_answers_mentions_in_any_case_and_ignores_chatter(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    bot_api.user_message("今天天气不错", chat_id=GROUP, user_id=5)
    bot_api.user_message("赤泥的事问 @someone_else 吧", chat_id=GROUP, user_id=5)
    mention = bot_api.user_message("请问 @redmudtestBOT 贵州的责任单位是谁？", chat_id=GROUP, user_id=5)
    (reply,) = await bot_api.wait_sent(GROUP)
    await asyncio.sleep(0.3)  # give the ignored messages every chance to be (wrongly) answered
    assert answerer.calls == [("请问 贵州的责任单位是谁？", None)]
    assert len(bot_api.sent(GROUP)) == 1 and reply["reply_to_message"]["message_id"] == mention["message_id"]


async def test_reply_to_an_answer_is_a_follow_up(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    bot_api.user_message("@RedMudTestBot 贵州赤泥有税收优惠吗？", chat_id=GROUP, user_id=5)
    (first,) = await bot_api.wait_sent(GROUP)
    bot_api.user_message("那河南呢？", chat_id=GROUP, user_id=6, reply_to=first)
    await bot_api.wait_sent(GROUP, 2)
    question, previous = answerer.calls[1]
    assert question == "那河南呢？"
    assert previous.question == "贵州赤泥有税收优惠吗？" and previous.answer.startswith("回答：贵州赤泥")


async def test_follow_up_survives_a_restart(bot_api, make_settings, recording_answerer) -> None:
    settings = make_settings()
    answerer = recording_answerer()
    services = SimpleNamespace(settings=settings, answerer=answerer)
    limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    async with serve(build_application(services, rate_limiter=limiter), poll_timeout=0.2) as application:
        bot_api.user_message("@RedMudTestBot 贵州有税收优惠吗？", chat_id=GROUP, user_id=5)
        (first,) = await bot_api.wait_sent(GROUP)
        await bot_api.wait_for(lambda: application.bot_data["runtime"].stats.answered == 1)
    assert (settings.data_dir / "bot.sqlite3").exists()
    limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    async with serve(build_application(services, rate_limiter=limiter), poll_timeout=0.2):
        bot_api.user_message("那河南呢？", chat_id=GROUP, user_id=6, reply_to=first)
        await bot_api.wait_sent(GROUP, 2)
    previous = Turn(question="贵州有税收优惠吗？", answer="回答：贵州有税收优惠吗？\n依据见 [1]。")
    assert answerer.calls[1] == ("那河南呢？", previous)


async def test_forum_topic_answer_stays_in_the_topic(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    bot_api.user_message("/ask 焦作的综合利用率是多少？", chat_id=GROUP, user_id=5, thread_id=77)
    (reply,) = await bot_api.wait_sent(GROUP)
    assert reply["message_thread_id"] == 77  # "typing…" in the topic: test_tg_typing.py


async def test_html_hostile_question_is_echoed_safely(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    hostile = "<b>粗体</b> & <script>alert('x')</script> &amp; <a href='x'>"
    bot_api.user_message(hostile, chat_id=78)
    (reply,) = await bot_api.wait_sent(78)
    assert reply["_raw"]["parse_mode"] == "HTML"  # accepted as HTML, no plain fallback needed
    assert parse_telegram_html(reply["_raw"]["text"]) == reply["text"]
    assert f"回答：{hostile}" in reply["text"]  # shown literally, not interpreted


async def test_rejected_html_is_resent_as_plain_text(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    bot_api.fault("sendMessage", status=400, description="Bad Request: can't parse entities: Unsupported start tag")
    bot_api.user_message("税收优惠？", chat_id=79)
    (reply,) = await bot_api.wait_sent(79)
    assert reply["_raw"]["parse_mode"] is None and reply["text"].startswith("回答：税收优惠？")
    assert reply["reply_markup"]["inline_keyboard"]  # the buttons survive the fallback


async def test_long_answer_is_split_into_valid_messages(bot_api, start_bot, recording_answerer, citation) -> None:
    """The brief form fits one message; "展开全部" sends the full one in valid messages under it."""
    paragraphs = [f"第{i}段 " + "赤泥综合利用的支持政策<&>。" * 25 for i in range(30)]

    def long_answer(question, previous):
        return Answer(question=question, answer="很长的回答\n\n" + "\n\n".join(paragraphs), citations=[citation(1)])

    await start_bot(recording_answerer(long_answer))
    bot_api.user_message("详细说说", chat_id=80)
    (brief,) = await bot_api.wait_sent(80)
    assert len(brief["text"]) <= 4096 and "reply_to_message" in brief
    buttons = {b["text"]: b["callback_data"] for row in brief["reply_markup"]["inline_keyboard"] for b in row}
    bot_api.button_press(brief, buttons["展开全部"], user_id=80)
    await bot_api.wait_for(lambda: any("第29段" in m["text"] for m in bot_api.sent(80)[1:]))
    full = bot_api.sent(80)[1:]
    assert len(full) >= 3 and all(len(m["text"]) <= 4096 for m in full)
    shown = "".join(m["text"] for m in full)
    assert all(f"第{i}段" in shown for i in range(30)) and "<&>" in shown  # nothing lost, HTML escaped correctly


async def test_429_on_send_message_is_retried_and_delivered_once(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    bot_api.fault("sendMessage", status=429, retry_after=1)
    bot_api.user_message("税收优惠？", chat_id=81)
    (reply,) = await bot_api.wait_sent(81)
    attempts = bot_api.calls_to("sendMessage", chat_id=81)
    assert len(attempts) == 2 and attempts[1].at - attempts[0].at >= 1.0
    await asyncio.sleep(0.2)
    assert len(bot_api.sent(81)) == 1


async def test_many_chats_each_answered_exactly_once(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer(delay_s=0.005)
    await start_bot(answerer)
    expected = {}
    for i in range(200):
        chat = 1000 + i % 50
        message = bot_api.user_message(f"问题 {i}", chat_id=chat)
        expected[message["message_id"]] = f"回答：问题 {i}"
    await bot_api.wait_for(lambda: len(bot_api.sent()) >= 200, timeout=30)
    await asyncio.sleep(0.2)
    sent = bot_api.sent()
    assert len(sent) == 200
    got = {m["reply_to_message"]["message_id"]: m["text"].split("\n")[0] for m in sent}
    assert got == expected


async def test_allowlist_refuses_other_chats_once(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer, allowed_chats=[GROUP])
    bot_api.user_message("@RedMudTestBot 可以问吗", chat_id=GROUP, user_id=5)
    await bot_api.wait_sent(GROUP)
    for _ in range(3):
        bot_api.user_message("税收优惠？", chat_id=90)
    (refusal,) = await bot_api.wait_sent(90)
    await asyncio.sleep(0.3)
    assert "暂未对这个聊天开放" in refusal["text"] and len(bot_api.sent(90)) == 1
    assert [q for q, _ in answerer.calls] == ["可以问吗"]


async def test_per_user_limit_notice_once_per_window(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer, user_rate_per_minute=2)
    for i in range(5):
        bot_api.user_message(f"问题{i}", chat_id=91)
        await bot_api.wait_for(lambda i=i: len(bot_api.calls_to("getUpdates")) and len(bot_api.sent(91)) >= min(i + 1, 3))
    await asyncio.sleep(0.3)
    texts = [m["text"] for m in bot_api.sent(91)]
    assert len(answerer.calls) == 2 and len(texts) == 3
    assert "提问有点快了" in texts[2] and "秒" in texts[2]


async def test_error_handler_tells_user_briefly_and_never_leaks_the_token(
    bot_api, start_bot, recording_answerer, caplog
) -> None:
    def broken(question, previous):
        raise RuntimeError(f"index exploded at https://api.telegram.org/bot{bot_api.token}/x")

    caplog.set_level(logging.DEBUG)
    await start_bot(recording_answerer(broken))
    bot_api.user_message("税收优惠？", chat_id=92)
    (reply,) = await bot_api.wait_sent(92)
    assert reply["text"] == "抱歉，处理您的问题时出了点问题，请稍后再试。"
    assert "index exploded" in caplog.text and "<redacted>" in caplog.text
    assert bot_api.token not in caplog.text
    assert all(bot_api.token not in m["text"] and "Traceback" not in m["text"] for m in bot_api.sent())


async def test_citation_button_shows_the_clause(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    bot_api.user_message("@RedMudTestBot 第一条说什么", chat_id=GROUP, user_id=5, thread_id=9)
    (answer,) = await bot_api.wait_sent(GROUP)
    data = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    bot_api.button_press(answer, data, user_id=6)
    clause = (await bot_api.wait_sent(GROUP, 2))[1]
    assert clause["text"].startswith("[1] 《测试文件》")
    assert "章节：第一条" in clause["text"] and "第一条 条款原文。" in clause["text"]
    assert "责任单位：工业和信息化部" in clause["text"]
    assert clause["reply_to_message"]["message_id"] == answer["message_id"] and clause["message_thread_id"] == 9
    assert len(bot_api.calls_to("answerCallbackQuery")) == 1
    bot_api.button_press(answer, data, user_id=7)  # a second tap in a group: no second copy
    await bot_api.wait_for(lambda: len(bot_api.calls_to("answerCallbackQuery")) == 2)
    bot_api.button_press(answer, "h|stale", user_id=7)
    await bot_api.wait_for(lambda: bot_api.calls_to("answerCallbackQuery", show_alert="true"))
    assert len(bot_api.sent(GROUP)) == 2


async def test_public_commands(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    expectations = {
        "/start": "赤泥综合利用政策助手",
        "/help": "赤泥综合利用企业可以享受税收优惠吗？",
        "/about": "不构成法律或税务意见",
        "/docs": "1. 《测试文件》（国家，2024-12-31，1 条）",
        "/ask": "请回复这条消息，写下您的问题",
    }
    for i, (command, expected) in enumerate(expectations.items(), 1):
        bot_api.user_message(command, chat_id=93)
        sent = await bot_api.wait_sent(93, i)
        assert expected in sent[-1]["text"], command
    assert sent[-1]["_raw"]["reply_markup"] == {"force_reply": True, "selective": True, "input_field_placeholder": "您的问题"}
    bot_api.user_message("/ask@RedMudTestBot 税收优惠？", chat_id=GROUP, user_id=5)
    bot_api.user_message("/ask@OtherBot 别的机器人", chat_id=GROUP, user_id=5)
    (reply,) = await bot_api.wait_sent(GROUP)
    await asyncio.sleep(0.3)
    assert [q for q, _ in answerer.calls] == ["税收优惠？"] and len(bot_api.sent(GROUP)) == 1
    scopes = {c.params["scope"]["type"]: c.params["commands"] for c in bot_api.calls_to("setMyCommands")}
    assert {"all_private_chats", "all_group_chats", "chat"} <= scopes.keys()
    assert "stats" in {c["command"] for c in scopes["chat"]} and "stats" not in str(scopes["all_group_chats"])


async def test_admin_commands(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer, admin_ids=[ADMIN_ID])
    bot_api.user_message("税收优惠？", chat_id=ADMIN_ID)
    await bot_api.wait_sent(ADMIN_ID)
    bot_api.user_message("/stats", chat_id=ADMIN_ID)
    stats = (await bot_api.wait_sent(ADMIN_ID, 2))[-1]["text"]
    assert "已回答：1" in stats and "p95" in stats
    bot_api.user_message("/reload", chat_id=ADMIN_ID)
    reloaded = await bot_api.wait_for(lambda: any("索引已重建" in m["text"] for m in bot_api.sent(ADMIN_ID)))
    assert reloaded and answerer.reloads == 1
    assert "共 1 条条款" in bot_api.sent(ADMIN_ID)[-1]["text"]
    for command in ("/stats", "/reload"):
        bot_api.user_message(command, chat_id=94)
    await bot_api.wait_sent(94, 2)
    assert all(m["text"] == "抱歉，这个命令只对管理员开放。" for m in bot_api.sent(94))
    assert answerer.reloads == 1


async def test_private_elliptical_message_follows_the_last_answer(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    for i, text in enumerate(["贵州有税收优惠吗？", "那河南呢？", "明天天气怎么样？"], 1):
        bot_api.user_message(text, chat_id=95)
        await bot_api.wait_sent(95, i)
    assert [(q, p.question if p else None) for q, p in answerer.calls] == [
        ("贵州有税收优惠吗？", None), ("那河南呢？", "贵州有税收优惠吗？"), ("明天天气怎么样？", None)]


async def test_5xx_on_send_message_is_retried_once(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    bot_api.fault("sendMessage", status=502)
    bot_api.user_message("税收优惠？", chat_id=96)
    (reply,) = await bot_api.wait_sent(96)
    assert reply["text"].startswith("回答：税收优惠？") and len(bot_api.calls_to("sendMessage", chat_id=96)) == 2


async def test_a_slow_answer_does_not_hold_up_other_chats(bot_api, start_bot, recording_answerer) -> None:
    def respond(question, previous):
        if "慢" in question:
            time.sleep(1.0)
        return recording_answerer._echo(question, previous)

    await start_bot(recording_answerer(respond))
    bot_api.fault("sendChatAction", status=None, delay_s=0.3, when=lambda p: p["chat_id"] == 98)
    bot_api.user_message("慢问题", chat_id=97)
    bot_api.user_message("快问题", chat_id=98)
    await bot_api.wait_sent(97)
    fast, slow = bot_api.calls_to("sendMessage", chat_id=98)[0], bot_api.calls_to("sendMessage", chat_id=97)[0]
    assert fast.at < slow.at - 0.3


async def test_fake_server_serves_files_to_ptb(bot_api, start_bot, recording_answerer) -> None:
    application = await start_bot(recording_answerer())
    bot_api.files["doc1"] = "赤泥文件".encode()
    telegram_file = await application.bot.get_file("doc1")
    assert bytes(await telegram_file.download_as_bytearray()) == "赤泥文件".encode()
