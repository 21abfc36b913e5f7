""""typing…" only while members wait on an answer: none for an answer sent within the delay (an
indicator then is one more API call per answer, for a status the answer replaces at once), shown
for a slow one, in its forum topic, and dropped as soon as the chat's line is empty.

No clock in the assertions: a slow answer is one the test holds (an Event) until it has seen the
indicator; a fast one is fast against a delay of an hour."""

from __future__ import annotations

import threading

GROUP = -100555


async def test_no_typing_for_an_answer_faster_than_the_delay(bot_api, start_bot, recording_answerer,
                                                             monkeypatch) -> None:
    monkeypatch.setattr("bot.telegram.application.TYPING_AFTER_S", 3600.0)
    application = await start_bot(recording_answerer())
    bot_api.user_message("赤泥可以享受税收优惠吗", chat_id=71)
    bot_api.user_message("@RedMudTestBot 贵州的责任单位是谁？", chat_id=GROUP, user_id=5)
    await bot_api.wait_sent(71)
    await bot_api.wait_sent(GROUP)
    queues = application.bot_data["runtime"].queues
    await bot_api.wait_for(lambda: not queues.waiting(71) and not queues.waiting(GROUP))
    assert not queues.typing(71) and not queues.typing(GROUP), "the due indicator is dropped with the line"
    assert not bot_api.calls_to("sendChatAction")


async def test_typing_for_a_slow_answer_in_its_topic_until_the_answer_is_sent(
    bot_api, start_bot, recording_answerer, quick_typing
) -> None:
    hold = threading.Event()
    application = await start_bot(recording_answerer(hold=hold))
    bot_api.user_message("/ask 焦作的综合利用率是多少？", chat_id=GROUP, user_id=5, thread_id=77)
    typing = (await bot_api.wait_for(lambda: bot_api.calls_to("sendChatAction", chat_id=GROUP)))[0]
    assert typing.params["action"] == "typing" and typing.params["message_thread_id"] == 77
    assert not bot_api.sent(GROUP), "the answer is still held"
    hold.set()
    (reply,) = await bot_api.wait_sent(GROUP)
    assert reply["message_thread_id"] == 77
    assert typing.at < bot_api.calls_to("sendMessage", chat_id=GROUP)[0].at
    queues = application.bot_data["runtime"].queues
    await bot_api.wait_for(lambda: not queues.typing(GROUP))  # the loop stops with the line


async def test_one_indicator_for_a_line_of_slow_answers(bot_api, start_bot, recording_answerer, quick_typing,
                                                        monkeypatch) -> None:
    monkeypatch.setattr("bot.telegram.application.TYPING_EVERY_S", 3600.0)  # no repeat within the test
    hold = threading.Event()
    await start_bot(recording_answerer(hold=hold))
    for i in range(3):
        bot_api.user_message(f"@RedMudTestBot 问题{i}", chat_id=GROUP, user_id=10 + i)
    await bot_api.wait_for(lambda: bot_api.calls_to("sendChatAction", chat_id=GROUP))
    hold.set()
    await bot_api.wait_sent(GROUP, 3)
    assert len(bot_api.calls_to("sendChatAction", chat_id=GROUP)) == 1, "one loop per line, not one per question"
