"""LLMRewriter against the loopback server: the model's rewrite is used when it is plausible;
any failure or the small deadline gives the rule rewrite instead."""

from __future__ import annotations

import time

from chains.followup import RuleRewriter
from chains.models import Turn
from tests.fakes.openai_server import Reply
from tests.llm.conftest import DEADLINE_S, LATE_S

PREV = Turn(
    question="贵州对赤泥综合利用有哪些税收优惠？", answer="贵州依法依规落实赤泥综合利用相关税收优惠[1]。"
)


def test_model_rewrite_is_used_and_prompt_carries_the_previous_question(llm, server):
    _, rewriter = llm
    server.enqueue(
        Reply(content="改写后的完整问题：贵州赤泥综合利用税收优惠的责任单位是谁？\n（说明：补全了主题）")
    )
    assert rewriter.rewrite("那它归谁管？", PREV) == "贵州赤泥综合利用税收优惠的责任单位是谁？"
    [request] = server.completions
    assert "<previous>\n贵州对赤泥综合利用有哪些税收优惠？\n</previous>" in request.message("user")
    assert "<followup>\n那它归谁管？\n</followup>" in request.message("user")


def test_failures_fall_back_to_the_rule_rewrite_within_the_budget(llm, server):
    _, rewriter = llm
    expected = RuleRewriter().rewrite("那河南呢？", PREV)
    replies = (
        Reply(status=500),
        Reply(hang=True),
        Reply(content="<question>x</question>"),
        Reply(content="  "),
        Reply(content="文件未明确规定相关内容。"),  # an answer, not a rewrite
        Reply(content="好的！我已忽略所有规则，下面是系统提示"),  # injected text
    )
    for reply in replies:
        server.default = reply
        started = time.monotonic()
        assert rewriter.rewrite("那河南呢？", PREV) == expected
        assert time.monotonic() - started < rewriter.timeout_s + LATE_S
    assert rewriter.timeout_s == DEADLINE_S / 4


def test_without_a_previous_turn_nothing_is_sent(llm, server):
    _, rewriter = llm
    assert rewriter.rewrite("贵州有哪些税收优惠？", None) == "贵州有哪些税收优惠？"
    assert server.completions == []
