"""RuleRewriter: follow-ups become standalone questions, full questions are kept."""

from __future__ import annotations

import pytest

from chains.followup import RuleRewriter
from chains.models import Turn

PREV = "贵州对赤泥综合利用有哪些税收优惠？"


@pytest.mark.parametrize(
    "followup, expected",
    [
        ("那河南呢？", "河南对赤泥综合利用有哪些税收优惠？"),
        ("河南呢", "河南对赤泥综合利用有哪些税收优惠？"),
        ("焦作市呢？", "焦作市对赤泥综合利用有哪些税收优惠？"),
        ("What about Henan?", "河南对赤泥综合利用有哪些税收优惠？"),
        ("具体责任单位呢？", "关于「贵州对赤泥综合利用有哪些税收优惠」，具体责任单位呢？"),
        ("还有别的吗", "关于「贵州对赤泥综合利用有哪些税收优惠」，还有别的吗？"),
        ("河南省2027年赤泥综合利用率目标是多少？", "河南省2027年赤泥综合利用率目标是多少？"),
    ],
)
def test_rule_rewrites(followup, expected):
    assert RuleRewriter().rewrite(followup, Turn(question=PREV)) == expected


def test_place_is_added_when_previous_named_none_and_english_stays_english():
    r = RuleRewriter()
    assert (
        r.rewrite("那贵州呢？", Turn(question="赤泥综合利用有哪些税收优惠？"))
        == "贵州赤泥综合利用有哪些税收优惠？"
    )
    prev = Turn(question="What tax incentives does Guizhou offer for red mud?")
    assert r.rewrite("What about Henan?", prev) == "What tax incentives does Henan offer for red mud?"
    assert (
        r.rewrite("And the agencies?", prev)
        == "Regarding “What tax incentives does Guizhou offer for red mud”: And the agencies?"
    )


def test_no_previous_turn_keeps_the_question():
    assert RuleRewriter().rewrite("那河南呢？", None) == "那河南呢？"
    assert RuleRewriter().rewrite("  ", Turn(question=PREV)) == ""
