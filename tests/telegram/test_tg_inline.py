"""Inline mode: `@bot 问题` offers up to three brief cited answers (answerInlineQuery)."""

from __future__ import annotations

from chains.models import Answer
from tests.fakes.telegram_html import utf16_len
from tests.telegram.conftest import make_citation


def _respond(question: str, previous) -> Answer:
    if "天气" in question:
        return Answer(question=question, answer="抱歉，文件中没有相关规定。", abstained=True)
    citations = [make_citation(n, clause_id=f"doc-a-第{n}条", text=f"第{n}条 条款原文。" * 40) for n in (1, 2, 3)]
    return Answer(question=question, answer="可以享受[1][2][3]。" + "具体见文件。" * 200, headline="可以享受[1][2][3]。",
                  citations=citations)


async def test_inline_query_offers_up_to_three_brief_cited_answers(bot_api, start_bot, recording_answerer) -> None:
    await start_bot(recording_answerer(_respond))
    query_id = bot_api.inline_query("赤泥企业有税收优惠吗", user_id=31)
    declined_id = bot_api.inline_query("明天天气怎么样", user_id=31)
    await bot_api.wait_for(lambda: query_id in bot_api.inline_answers and declined_id in bot_api.inline_answers)
    results = bot_api.inline_answers[query_id]
    assert 1 <= len(results) <= 3 and all(r["type"] == "article" for r in results)
    first = results[0]["input_message_content"]
    assert first["message_text"].startswith("<b>可以享受[1][2][3]。</b>") and "《测试文件》" in first["message_text"]
    assert all(utf16_len(r["input_message_content"]["message_text"]) <= 1200 for r in results)
    assert bot_api.inline_answers[declined_id] == [], "no article for a question the documents do not answer"
