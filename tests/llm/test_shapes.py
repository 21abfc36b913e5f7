"""The LLM writes both shapes of the answer contract (brief: the answer first, then at most three
cited points; full: everything, grouped), both are grounding-checked, and one numbering of the
citations serves both: every [n] in either text is citations[n-1]."""

from __future__ import annotations

import re

import pytest

from chains.llm.shapes import derive_brief, parse_shapes
from tests.fakes.openai_server import Reply
from tests.llm.conftest import GENEROUS_S, Analysis, extractive_for

Q = "贵州和河南对赤泥综合利用有哪些支持政策？"
BRIEF = (
    "国家要求落实资源综合利用税收优惠政策[3]。\n"
    "- 贵州依法依规落实赤泥综合利用相关税收优惠[1]。\n"
    "- 河南提出到2027年、2030年全省新增赤泥综合利用率分别达到15%、25%[2]。"
)
FULL = (
    "国家层面\n"
    "- 落实资源综合利用税收优惠政策[3]。\n"
    "贵州\n"
    "- 统筹运用财税金融政策支持赤泥综合利用，依法依规落实赤泥综合利用相关税收优惠[1]。\n"
    "- 责任单位包括省财政厅、国家税务总局贵州省税务局[1]。\n"
    "河南\n"
    "- 到2027年、2030年，全省新增赤泥综合利用率要分别达到15%、25%[2]。"
)


def reply(brief: str, full: str) -> str:
    return f"<brief>\n{brief}\n</brief>\n<full>\n{full}\n</full>"


@pytest.fixture
def llm(make_llm):
    return make_llm(GENEROUS_S)


def compose(llm, hits, question=Q):
    composer, _ = llm
    extractive = extractive_for(question, hits)
    return composer.compose(question, Analysis(question), hits, extractive), extractive


def numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_both_shapes_are_used_with_one_numbering(llm, hits, server):
    server.enqueue(Reply(content=reply(BRIEF, FULL)))
    answer, _ = compose(llm, hits)
    assert answer.mode == "llm", answer.fallback_reason
    assert answer.answer.startswith("国家要求落实资源综合利用税收优惠政策[1]。")
    assert answer.headline == "国家要求落实资源综合利用税收优惠政策[1]。"
    assert answer.answer_full is not None and answer.answer_full.startswith("国家层面\n- 落实资源综合利用税收优惠政策[1]。")
    # first use in the brief decides the numbers: [3] -> 1, [1] -> 2, [2] -> 3, in both texts
    assert [c.clause_id for c in answer.citations] == [hits[i].clause.clause_id for i in (2, 0, 1)]
    assert numbers(answer.answer) == numbers(answer.answer_full) == {1, 2, 3}
    assert "省财政厅" in answer.answer_full and "省财政厅" in answer.citations[1].quote
    assert "<brief>" not in answer.answer + answer.answer_full


@pytest.mark.parametrize("where", ["brief", "full"])
def test_an_invention_in_either_shape_falls_back(llm, hits, server, where):
    bad = "- 贵州对赤泥综合利用企业全额退还增值税[1]。"
    text = reply(BRIEF + "\n" + bad, FULL) if where == "brief" else reply(BRIEF, FULL + "\n" + bad)
    server.enqueue(Reply(content=text), Reply(content=text))
    answer, extractive = compose(llm, hits)
    assert answer.mode == "extractive" and answer.fallback_reason == "grounding: invented figure 全额"
    assert answer.answer == extractive.answer and len(server.completions) == 2


def test_a_repair_of_either_shape_is_used(llm, hits, server):
    bad = reply(BRIEF, FULL + "\n- 海关总署负责落实税收优惠[1]。")
    server.enqueue(Reply(content=bad), Reply(content=reply(BRIEF, FULL)))
    answer, _ = compose(llm, hits)
    assert answer.mode == "llm" and "海关总署" not in (answer.answer_full or "")
    assert "agency not in the clauses: 海关总署" in server.completions[1].messages[-1]["content"]


def test_brief_is_held_to_three_points():
    third = "- 责任单位包括省财政厅[1]。"
    five = BRIEF + f"\n{third}\n- 落实资源综合利用税收优惠政策[3]。\n- 河南落实4大行动[2]。\n文件未明确规定具体税率。"
    shapes = parse_shapes(reply(five, FULL))
    assert shapes.brief == BRIEF + f"\n{third}\n文件未明确规定具体税率。" and shapes.full == FULL


def test_a_reply_without_the_sections_gives_both_shapes():
    text = FULL + "\n文件未明确规定具体税率。"
    shapes = parse_shapes(text)
    assert shapes.full == text
    assert shapes.brief.splitlines()[0] == "落实资源综合利用税收优惠政策[3]。"  # the first cited line
    assert len(shapes.brief.splitlines()) == 5 and shapes.brief.endswith("文件未明确规定具体税率。")
    assert derive_brief("国家层面") == "国家层面"
