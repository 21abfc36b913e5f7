"""Groups through the real Application: the greeting when added, /start and /help for groups,
/ask's ForceReply prompt, brief answers with "展开全部" (also after a restart), buttons that name
the document, /settings for group admins, the per-group limit, and answers in order."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

from telegram.ext import AIORateLimiter

from bot.telegram.application import build_application, serve
from chains.models import Answer
from tests.fakes.telegram_html import utf16_len

GROUP = -100444
LONG_POINTS = [f"第{i}点：赤泥综合利用项目按规定享受资源综合利用增值税即征即退政策，具体比例见文件。" for i in range(20)]


def _long(question: str, previous) -> Answer:
    from tests.telegram.conftest import make_citation

    brief = "可以享受税收优惠[1]。\n" + "\n".join(LONG_POINTS[:12])  # a brief form still over 600 characters
    full = "可以享受税收优惠[1]。\n" + "\n".join(LONG_POINTS)
    return Answer(question=question, answer=brief, answer_full=full, headline="可以享受税收优惠[1]。",
                  citations=[make_citation(1)])


async def test_added_to_a_group_greets_once_and_says_how_to_ask(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer())
    bot_api.bot_added(GROUP)
    (greeting,) = await bot_api.wait_sent(GROUP)
    bot_api.bot_added(GROUP, old="member", new="administrator")  # promoted: already there, no second greeting
    bot_api.bot_added(-100445, old="member", new="left")  # removed: nothing to say
    await asyncio.sleep(0.3)
    assert "@我" in greeting["text"] and "/ask" in greeting["text"] and len(bot_api.sent()) == 1


async def test_start_and_help_say_the_right_thing_in_groups_and_in_private(
    bot_api, start_bot, recording_answerer
) -> None:
    await start_bot(recording_answerer())
    for chat in (GROUP, 75):  # commands run concurrently: each reply is awaited before the next command
        bot_api.user_message("/start", chat_id=chat, user_id=5)
        await bot_api.wait_sent(chat, 1)
        bot_api.user_message("/help", chat_id=chat, user_id=5)
    group, private = await bot_api.wait_sent(GROUP, 2), await bot_api.wait_sent(75, 2)
    assert "直接" not in group[0]["text"] and "@我" in group[0]["text"]
    assert "直接把问题发给我" in private[0]["text"]
    assert "/settings" in group[1]["text"] and "/settings" not in private[1]["text"]


async def test_ask_without_text_prompts_and_the_reply_is_the_question(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    bot_api.user_message("/ask@RedMudTestBot", chat_id=GROUP, user_id=5)
    (prompt,) = await bot_api.wait_sent(GROUP)
    assert prompt["_raw"]["reply_markup"]["force_reply"] is True and prompt["_raw"]["reply_markup"]["selective"] is True
    bot_api.user_message("焦作的综合利用率是多少？", chat_id=GROUP, user_id=5, reply_to=prompt)
    await bot_api.wait_sent(GROUP, 2)
    assert [q for q, _ in answerer.calls] == ["焦作的综合利用率是多少？"]


async def test_group_sees_a_brief_answer_and_expands_it_after_a_restart(
    bot_api, make_settings, recording_answerer
) -> None:
    services = SimpleNamespace(settings=make_settings(), answerer=recording_answerer(_long))

    def app():
        return build_application(services, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0))

    async with serve(app(), poll_timeout=0.2):
        bot_api.user_message("@RedMudTestBot 有税收优惠吗", chat_id=GROUP, user_id=5)
        (brief,) = await bot_api.wait_sent(GROUP)
    assert utf16_len(brief["text"]) <= 600
    buttons = [b for row in brief["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["[1] 国家文件", "展开全部", "👍", "👎"]
    expand = next(b["callback_data"] for b in buttons if b["text"] == "展开全部")
    async with serve(app(), poll_timeout=0.2):  # a new process: the button still works
        bot_api.button_press(brief, expand, user_id=6)
        await bot_api.wait_for(lambda: LONG_POINTS[-1] in bot_api.sent(GROUP)[0]["text"])
    (full,) = bot_api.sent(GROUP)
    assert all(point in full["text"] for point in LONG_POINTS)
    assert "展开全部" not in str(full["reply_markup"]) and "[1] 国家文件" in str(full["reply_markup"])


async def test_private_chats_get_the_brief_answer_too_with_the_full_one_a_tap_away(
    bot_api, start_bot, recording_answerer
) -> None:
    await start_bot(recording_answerer(_long))
    bot_api.user_message("有税收优惠吗", chat_id=76)
    (reply,) = await bot_api.wait_sent(76)
    assert not all(point in reply["text"] for point in LONG_POINTS) and "展开全部" in str(reply["reply_markup"])


async def test_settings_only_for_group_admins_persisted_and_the_default_place_applied(
    bot_api, make_settings, recording_answerer
) -> None:
    answerer = recording_answerer()
    answerer.documents = lambda: [_doc("doc-a", "national"), _doc("henan-qa", "henan"), _doc("gz", "guizhou")]
    services = SimpleNamespace(settings=make_settings(), answerer=answerer)
    bot_api.chat_admins[GROUP] = {5}

    def app():
        return build_application(services, rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0))

    async with serve(app(), poll_timeout=0.2):
        bot_api.user_message("/settings", chat_id=GROUP, user_id=6)
        (refused,) = await bot_api.wait_sent(GROUP)
        assert "群管理员" in refused["text"] and "reply_markup" not in refused
        bot_api.user_message("/settings", chat_id=GROUP, user_id=5)
        panel = (await bot_api.wait_sent(GROUP, 2))[1]
        data = {b["text"]: b["callback_data"] for row in panel["reply_markup"]["inline_keyboard"] for b in row}
        bot_api.button_press(panel, data["河南"], user_id=6)  # not an admin: refused
        await bot_api.wait_for(lambda: bot_api.calls_to("answerCallbackQuery", show_alert="true"))
        bot_api.button_press(panel, data["河南"], user_id=5)
        await bot_api.wait_for(lambda: "默认地区：河南" in bot_api.sent(GROUP)[1]["text"])
    async with serve(app(), poll_timeout=0.2):  # persisted across a restart
        bot_api.user_message("@RedMudTestBot 有税收优惠吗？", chat_id=GROUP, user_id=7)
        bot_api.user_message("@RedMudTestBot 贵州有税收优惠吗？", chat_id=GROUP, user_id=7)
        await bot_api.wait_sent(GROUP, 4)
    assert [q for q, _ in answerer.calls] == ["河南 有税收优惠吗？", "贵州有税收优惠吗？"]


def _doc(doc_id: str, jurisdiction: str) -> SimpleNamespace:
    from knowledge.models import DocumentMeta

    return SimpleNamespace(meta=DocumentMeta(doc_id=doc_id, title="赤泥综合利用实施方案", jurisdiction=jurisdiction),
                           clause_count=1)


async def test_busy_group_answers_in_order_and_tells_a_member_over_the_group_limit_once(
    bot_api, start_bot, recording_answerer, quick_typing
) -> None:
    hold = threading.Event()
    answerer = recording_answerer(delay_s=0.02, hold=hold)
    await start_bot(answerer, group_rate_per_minute=5)
    asked = [bot_api.user_message(f"@RedMudTestBot 问题{i}", chat_id=GROUP, user_id=100 + i)["message_id"]
             for i in range(8)]
    await bot_api.wait_for(lambda: bot_api.calls_to("sendChatAction", chat_id=GROUP))  # the line waits
    hold.set()
    await bot_api.wait_sent(GROUP, 6)
    await asyncio.sleep(0.3)
    sent = bot_api.sent(GROUP)
    answers = [m for m in sent if m["text"].startswith("回答")]
    notices = [m for m in sent if "本群提问较多" in m["text"]]
    assert [m["reply_to_message"]["message_id"] for m in answers] == asked[:5], "answered in the order asked"
    assert len(notices) == 1 and "秒后再问" in notices[0]["text"]
    assert notices[0]["reply_to_message"]["message_id"] == asked[5]
    typing = bot_api.calls_to("sendChatAction", chat_id=GROUP)
    first_answer = next(c for c in bot_api.calls_to("sendMessage", chat_id=GROUP) if "回答" in c.params["text"])
    assert typing and typing[0].at < first_answer.at, "typing while waiting"


async def test_a_group_set_to_full_answers_in_english_gets_them(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer(_long)
    await start_bot(answerer)
    bot_api.chat_admins[GROUP] = {5}
    bot_api.user_message("/settings", chat_id=GROUP, user_id=5)
    (panel,) = await bot_api.wait_sent(GROUP)
    data = {b["text"]: b["callback_data"] for row in panel["reply_markup"]["inline_keyboard"] for b in row}
    bot_api.button_press(panel, data["完整"], user_id=5)
    await bot_api.wait_for(lambda: "回答：完整" in bot_api.sent(GROUP)[0]["text"])
    bot_api.button_press(panel, data["English"], user_id=5)
    await bot_api.wait_for(lambda: "语言：English" in bot_api.sent(GROUP)[0]["text"])
    bot_api.user_message("@RedMudTestBot 有税收优惠吗", chat_id=GROUP, user_id=6)
    answer = (await bot_api.wait_sent(GROUP, 2))[1]
    assert all(point in answer["text"] for point in LONG_POINTS) and "展开全部" not in str(answer["reply_markup"])
    assert answerer.languages == ["en"], "the group's language reaches the answer service"


async def test_a_follow_up_keeps_its_place_in_line_while_its_answer_is_looked_up(
    bot_api, start_bot, recording_answerer
) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    bot_api.user_message("@RedMudTestBot 贵州有税收优惠吗？", chat_id=GROUP, user_id=5)
    (first,) = await bot_api.wait_sent(GROUP)
    follow_up = bot_api.user_message("那河南呢？", chat_id=GROUP, user_id=6, reply_to=first)  # needs the store
    plain = bot_api.user_message("@RedMudTestBot 焦作呢", chat_id=GROUP, user_id=7)  # needs nothing
    sent = await bot_api.wait_sent(GROUP, 3)
    assert [m["reply_to_message"]["message_id"] for m in sent[1:]] == [follow_up["message_id"], plain["message_id"]]


async def test_a_long_line_in_one_group_does_not_hold_up_other_chats(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer(delay_s=0.02), group_rate_per_minute=1000)
    for i in range(90):  # more waiting questions than PTB's default 64 updates in hand
        bot_api.user_message(f"@RedMudTestBot 问题{i}", chat_id=GROUP, user_id=200 + i)
    await bot_api.wait_for(lambda: len(bot_api.calls_to("getUpdates")) >= 3)
    private = bot_api.user_message("私聊问题", chat_id=77)
    await bot_api.wait_sent(77)
    await bot_api.wait_sent(GROUP, 90, timeout=30)
    group_calls = [c.at for c in bot_api.calls_to("sendMessage", chat_id=GROUP)]
    private_at = bot_api.calls_to("sendMessage", chat_id=77)[0].at
    ahead = sum(at < private_at for at in group_calls)
    assert private and ahead < 10, f"the private question waited behind {ahead} of the group's answers"
