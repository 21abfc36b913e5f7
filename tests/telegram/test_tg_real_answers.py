"""The bot over the real answer service (real index, embeddings, composer): what users see."""

from __future__ import annotations

import re

from bot.telegram.names import short_names
from tests.fakes.telegram_html import parse_telegram_html

GROUP = -100222
ADMIN_ID = 4545


async def test_group_question_gets_cited_answer_and_clause_button(bot_api, start_bot, real_services) -> None:
    answerer = real_services.answerer
    await start_bot(answerer)
    question = "赤泥综合利用企业可以享受税收优惠吗？"
    bot_api.user_message(f"@RedMudTestBot {question}", chat_id=GROUP, user_id=5)
    (reply,) = await bot_api.wait_sent(GROUP)
    expected = answerer.answer(question)
    raw = reply["_raw"]["text"]
    assert reply["_raw"]["parse_mode"] == "HTML" and parse_telegram_html(raw) == reply["text"]
    assert raw.startswith("<b>") and "<blockquote expandable>" in raw
    for c in expected.citations:
        assert f"[{c.n}] {c.doc_title} {c.section}" in reply["text"]
    buttons = [b for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    names = short_names(info.meta for info in answerer.documents())
    clause_buttons = [b for b in buttons if b["callback_data"].startswith(("c|", "h|"))]
    assert [b["text"] for b in clause_buttons] == [f"[{c.n}] {names[c.doc_id]}" for c in expected.citations]
    assert all("原文" not in b["text"] for b in buttons)  # each button names its document
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    bot_api.button_press(reply, buttons[0]["callback_data"], user_id=6)
    clause_message = (await bot_api.wait_sent(GROUP, 2))[1]
    clause = answerer.clause(expected.citations[0].clause_id)
    assert clause is not None and clause.text[:200] in clause_message["text"]
    assert clause.section in clause_message["text"] and expected.citations[0].doc_title in clause_message["text"]
    assert bot_api.calls_to("answerCallbackQuery")


async def test_reply_follow_up_moves_to_the_new_province(bot_api, start_bot, real_services) -> None:
    await start_bot(real_services.answerer)
    bot_api.user_message("@RedMudTestBot 贵州赤泥综合利用有税收优惠吗？", chat_id=GROUP, user_id=5)
    (first,) = await bot_api.wait_sent(GROUP)
    assert "贵州" in first["text"]
    bot_api.user_message("那河南呢？", chat_id=GROUP, user_id=6, reply_to=first)
    second = (await bot_api.wait_sent(GROUP, 2))[1]
    understood = re.search(r"按“(.+?)”理解", second["text"])
    assert understood and "河南" in understood.group(1) and "贵州" not in understood.group(1)
    assert "税" in understood.group(1)
    # what was answered is the service's answer to the rewritten, standalone question
    expected = real_services.answerer.answer(understood.group(1))
    assert (expected.headline or expected.answer.splitlines()[0]) in second["text"]
    assert [f"[{c.n}] {c.doc_title}" in second["text"] for c in expected.citations] == [True] * len(expected.citations)


async def test_docs_lists_the_real_documents(bot_api, start_bot, real_services) -> None:
    await start_bot(real_services.answerer)
    bot_api.user_message("/docs", chat_id=71)
    (reply,) = await bot_api.wait_sent(71)
    documents = real_services.answerer.documents()
    assert len(documents) >= 5
    for info in documents:
        assert info.meta.display_title in reply["text"]
        assert f"{info.clause_count} 条" in reply["text"]
        if info.meta.date:
            assert info.meta.date in reply["text"]


async def test_hostile_question_through_the_real_service(bot_api, start_bot, real_services) -> None:
    await start_bot(real_services.answerer)
    bot_api.user_message("<b>赤泥</b> & <script>税收优惠</script>？", chat_id=72)
    (reply,) = await bot_api.wait_sent(72)
    assert reply["_raw"]["parse_mode"] == "HTML" and parse_telegram_html(reply["_raw"]["text"]) == reply["text"]


async def test_stats_count_real_answers(bot_api, start_bot, real_services) -> None:
    await start_bot(real_services.answerer, admin_ids=[ADMIN_ID])
    questions = ["贵州提高赤泥可利用性的责任单位是谁？", "明天天气怎么样？"]
    abstained = sum(real_services.answerer.answer(q).abstained for q in questions)
    for i, question in enumerate(questions, 1):
        bot_api.user_message(question, chat_id=ADMIN_ID)
        await bot_api.wait_sent(ADMIN_ID, i)
    bot_api.user_message("/stats", chat_id=ADMIN_ID)
    stats = (await bot_api.wait_sent(ADMIN_ID, 3))[-1]["text"]
    assert abstained == 1  # one answerable question, one off-topic
    assert "已回答：2" in stats and f"无依据（未作答）：{abstained}" in stats
    assert re.search(r"回答用时 p50 \d+ ms / p95 \d+ ms", stats)


async def test_thanks_in_reply_to_a_real_answer_gets_a_reaction_not_an_answer(bot_api, start_bot, real_services) -> None:
    """The answer service's scope classifier says scope == "ack" for thanks / received."""
    await start_bot(real_services.answerer)
    bot_api.user_message("@RedMudTestBot 赤泥综合利用企业可以享受税收优惠吗？", chat_id=GROUP - 1, user_id=5)
    (answer,) = await bot_api.wait_sent(GROUP - 1)
    thanks = [bot_api.user_message(text, chat_id=GROUP - 1, user_id=5, reply_to=answer)
              for text in ("好的，谢谢！", "收到")]
    await bot_api.wait_for(lambda: len(bot_api.reactions) == 2 or len(bot_api.sent(GROUP - 1)) > 1, timeout=30)
    assert all((GROUP - 1, m["message_id"]) in bot_api.reactions for m in thanks)
    assert len(bot_api.sent(GROUP - 1)) == 1


async def test_group_answer_is_brief_and_expands_to_the_full_one(bot_api, start_bot, real_services) -> None:
    answerer = real_services.answerer
    await start_bot(answerer)
    question = "河南赤泥综合利用有哪些支持政策？"
    bot_api.user_message(f"@RedMudTestBot {question}", chat_id=GROUP - 2, user_id=5)
    (brief,) = await bot_api.wait_sent(GROUP - 2)
    expected = answerer.answer(question)
    sources = "\n".join(f"[{c.n}] {c.doc_title} {c.section}" for c in expected.citations)
    assert len(brief["text"]) <= max(600, len(sources) + 230)
    buttons = {b["text"]: b["callback_data"] for row in brief["reply_markup"]["inline_keyboard"] for b in row}
    if expected.full_text.strip() == expected.answer.strip() and len(expected.answer) <= 600:
        assert "展开全部" not in buttons
        return
    bot_api.button_press(brief, buttons["展开全部"], user_id=6)
    await bot_api.wait_for(lambda: bot_api.sent(GROUP - 2)[0].get("edit_date") or len(bot_api.sent(GROUP - 2)) > 1)
    shown = "\n".join(m["text"] for m in bot_api.sent(GROUP - 2))
    body = expected.full_text.split("\n", 1)[-1].strip()
    assert body[:200].replace("\n", "") in shown.replace("\n", "")
