"""An LLM outage seen from Telegram: every user still gets an answer within the deadline plus a second."""

from __future__ import annotations

import time

from chains.llm import build_llm
from chains.service import AnswerService
from tests.fakes.openai_server import FakeOpenAIServer, Reply

DEADLINE_S = 2.0


async def test_hanging_llm_every_user_answered_within_the_deadline(bot_api, start_bot, real_services) -> None:
    with FakeOpenAIServer(default=Reply(hang=True)) as llm_server:
        composer, rewriter = build_llm(api_key="k", base_url=llm_server.base_url, model="m", timeout_s=DEADLINE_S,
                                       breaker_failures=100, breaker_cooldown_s=60)
        answerer = AnswerService(real_services.index, real_services.answerer.embeddings,
                                 llm_composer=composer, rewriter=rewriter)
        try:
            await start_bot(answerer)
            pushed = {}
            for i, q in enumerate(["赤泥综合利用企业可以享受税收优惠吗？", "贵州提高赤泥可利用性的责任单位是谁？",
                                   "焦作2021年工业固废综合利用率提高到了多少？", "河南赤泥实施方案提出了几大行动？",
                                   "国家计划新建多少家工业资源综合利用基地？", "赤泥脱碱有哪些技术方向？"]):
                bot_api.user_message(q, chat_id=80_000 + i)
                pushed[80_000 + i] = time.monotonic()
            for chat, at in pushed.items():
                (reply,) = await bot_api.wait_sent(chat, timeout=30)
                waited = bot_api.calls_to("sendMessage", chat_id=chat)[0].at - at
                # the deadline, + the bot's own work, + a busy machine's lateness (a hang never ends)
                assert waited <= DEADLINE_S + 5.0, (chat, waited)
                assert "[1]" in reply["text"]  # the extractive answer, with its citations
            assert llm_server.completions, "the LLM was tried"
        finally:
            composer.client.close()
