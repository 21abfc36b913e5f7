"""Replies and context, through the real Application and the loopback Bot API: acknowledgements
get a reaction (not an answer), a mention under someone's question answers that question, a
forwarded notice is context, captions are questions, media in private get one line, and an
edited question edits its answer."""

from __future__ import annotations

import asyncio

from chains.models import Answer

GROUP = -100333


def _scoped(question: str, previous) -> Answer:
    """Scripted like the service: thanks/received are scope "ack", the rest a policy answer."""
    if question.strip("！!。 ") in {"好的，谢谢", "收到", "谢谢"}:
        return Answer(question=question, answer="不客气", scope="ack")
    return Answer(question=question, answer=f"回答：{question}", headline=f"回答：{question}")


async def test_acknowledgement_in_reply_to_an_answer_gets_a_reaction_not_an_answer(
    bot_api, start_bot, recording_answerer
) -> None:
    answerer = recording_answerer(_scoped)
    await start_bot(answerer)
    bot_api.user_message("@RedMudTestBot 贵州有税收优惠吗？", chat_id=GROUP, user_id=5)
    (answer,) = await bot_api.wait_sent(GROUP)
    thanks = bot_api.user_message("好的，谢谢！", chat_id=GROUP, user_id=5, reply_to=answer)
    emoji = bot_api.user_message("👍", chat_id=GROUP, user_id=6, reply_to=answer)
    sticker = bot_api.user_media("sticker", chat_id=GROUP, user_id=7, reply_to=answer)
    await bot_api.wait_for(lambda: len(bot_api.reactions) == 3)
    await asyncio.sleep(0.3)
    assert len(bot_api.sent(GROUP)) == 1, "no new answer for an acknowledgement"
    for message in (thanks, emoji, sticker):
        assert bot_api.reactions[(GROUP, message["message_id"])] == [{"type": "emoji", "emoji": "👍"}]
    assert [q for q, _ in answerer.calls] == ["贵州有税收优惠吗？", "好的，谢谢！"], "pure emoji never reaches the service"


async def test_where_reactions_are_off_an_acknowledgement_gets_one_short_line(
    bot_api, start_bot, recording_answerer
) -> None:
    await start_bot(recording_answerer(_scoped))
    bot_api.fault("setMessageReaction", status=400, description="Bad Request: REACTION_INVALID")
    bot_api.user_message("收到", chat_id=71)
    (line,) = await bot_api.wait_sent(71)
    assert len(line["text"]) < 40 and "回答" not in line["text"]


async def test_mention_replying_to_a_members_question_answers_that_question(
    bot_api, start_bot, recording_answerer
) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    question = bot_api.forwarded("河南赤泥项目有补贴吗？", chat_id=GROUP, user_id=8)
    question.pop("forward_origin")  # a member's own message, not a forwarded one
    bot_api.user_message("@RedMudTestBot", chat_id=GROUP, user_id=9, reply_to=question)
    (answer,) = await bot_api.wait_sent(GROUP)
    bot_api.user_message("@RedMudTestBot 这个问题", chat_id=GROUP, user_id=9, reply_to=question)
    await bot_api.wait_sent(GROUP, 2)
    assert [q for q, _ in answerer.calls] == ["河南赤泥项目有补贴吗？"] * 2
    assert answer["reply_to_message"]["message_id"] == question["message_id"]


async def test_mention_under_a_forwarded_notice_uses_the_notice_as_context(
    bot_api, start_bot, recording_answerer
) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    notice = bot_api.forwarded("关于开展2025年赤泥综合利用项目申报的通知：申报截止6月30日。", chat_id=GROUP, user_id=8)
    bot_api.user_message("@RedMudTestBot 我们企业能申报吗？", chat_id=GROUP, user_id=9, reply_to=notice)
    await bot_api.wait_sent(GROUP)
    ((question, _),) = answerer.calls
    assert question.startswith("我们企业能申报吗？") and "申报截止6月30日" in question


async def test_captions_are_questions_and_other_media_in_private_get_one_line(
    bot_api, start_bot, recording_answerer
) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    bot_api.user_media("photo", chat_id=GROUP, user_id=5, caption="@RedMudTestBot 这个通知里的补贴标准是什么？")
    bot_api.user_media("photo", chat_id=GROUP, user_id=5, caption="群里随便发的图")
    bot_api.user_media("photo", chat_id=72, caption="图里这条政策适用于赤泥吗？")
    await bot_api.wait_sent(GROUP)
    await bot_api.wait_sent(72)
    bot_api.user_media("voice", chat_id=73)
    bot_api.user_media("sticker", chat_id=74)
    (voice,) = await bot_api.wait_sent(73)
    (sticker,) = await bot_api.wait_sent(74)
    await asyncio.sleep(0.3)
    assert sorted(q for q, _ in answerer.calls) == sorted(["这个通知里的补贴标准是什么？", "图里这条政策适用于赤泥吗？"])
    assert voice["text"] == sticker["text"] and len(voice["text"]) < 40 and "文字" in voice["text"]
    assert len(bot_api.sent(GROUP)) == 1


async def test_edited_question_edits_the_answer_within_ten_minutes(bot_api, start_bot, recording_answerer) -> None:
    answerer = recording_answerer()
    await start_bot(answerer)
    question = bot_api.user_message("@RedMudTestBot 贵州有税收优惠吗", chat_id=GROUP, user_id=5)
    (answer,) = await bot_api.wait_sent(GROUP)
    bot_api.edit_user_message(question, "@RedMudTestBot 河南有税收优惠吗", after_s=120)
    await bot_api.wait_for(lambda: "河南" in bot_api.sent(GROUP)[0]["text"])
    (edited,) = bot_api.sent(GROUP)
    assert edited["message_id"] == answer["message_id"] and edited["text"].startswith("回答：河南有税收优惠吗")
    late = bot_api.edit_user_message(question, "@RedMudTestBot 焦作有税收优惠吗", after_s=900)
    other = bot_api.user_message("@RedMudTestBot 收尾", chat_id=GROUP, user_id=5)  # handled after the late edit
    await bot_api.wait_sent(GROUP, 2)
    assert late and other and [q for q, _ in answerer.calls] == ["贵州有税收优惠吗", "河南有税收优惠吗", "收尾"]
    assert "河南" in bot_api.sent(GROUP)[0]["text"]
