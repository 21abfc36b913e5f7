"""The grounding check on real clauses: what passes, and each kind of violation."""

from __future__ import annotations

import pytest

from chains.llm.composer import sources_for
from chains.llm.grounding import check_answer, describe, parse_citations, split_sentences
from chains.llm.numbers import chinese_to_int, extract_figures


@pytest.fixture(scope="module")
def sources(hits):
    return sources_for(hits)


def kinds(answer, sources, **kw):
    return [(v.kind, v.detail) for v in check_answer(answer, sources, **kw)]


def test_grounded_answer_passes(sources):
    answer = (
        "贵州要求依法依规落实赤泥综合利用相关税收优惠[1]。\n"
        "- 责任单位包括省财政厅、国家税务总局贵州省税务局[1]。\n"
        "- 河南提出到2027年、2030年全省新增赤泥综合利用率分别达到15%、25%[2]。\n"
        "- 国家层面要求落实资源综合利用税收优惠政策[3]。\n"
        "文件未明确规定具体的税率。"
    )
    assert check_answer(answer, sources) == []


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("河南提出到2027年新增赤泥综合利用率达到90%[2]。", ("figure", "90%")),
        ("河南提出到2028年新增赤泥综合利用率达到15%[2]。", ("figure", "2028")),
        ("河南落实7大行动[2]。", ("figure", "7")),  # "7" is not supported by "2027"
        ("贵州落实税收优惠[7]。", ("unknown_citation", "[7]")),
        ("由省农业农村厅负责落实税收优惠[1]。", ("agency", "省农业农村厅")),
        ("由河南省财政厅负责落实税收优惠[1]。", ("agency", "河南省财政厅")),
        (
            "可按《资源综合利用企业所得税优惠目录》享受减免[1]。",
            ("document", "《资源综合利用企业所得税优惠目录》"),
        ),
    ],
)
def test_each_kind_of_violation_is_found(sources, answer, expected):
    assert expected in kinds(answer, sources)


def test_figure_must_be_in_the_clause_it_cites(sources):
    # 15% is in the Henan clause [2], not in the Guizhou clause [1]
    assert ("figure", "15%") in kinds("贵州的新增赤泥综合利用率目标为15%[1]。", sources)
    assert kinds("河南的新增赤泥综合利用率目标为15%[2]。", sources) == []


def test_uncited_fact_is_a_violation_but_a_no_info_sentence_is_not(sources):
    assert [k for k, _ in kinds("贵州会给予企业税收优惠。", sources)] == ["uncited"]
    assert kinds("文件未明确规定具体的补贴金额。", sources) == []
    assert kinds("The documents do not specify a subsidy amount.", sources) == []
    assert kinds("根据现有文件：\n1. 贵州依法依规落实税收优惠[1]。", sources) == []
    assert kinds("一、贵州\n**税收**\n（一）依法依规落实税收优惠[1]。", sources) == []
    assert [k for k, _ in kinds("一、贵州\n贵州对企业减免税款，力度较大。", sources)] == ["uncited"]


def test_no_info_sentence_may_name_what_the_question_names_but_not_its_figures(sources):
    q = "省财政局的补贴是30%吗？"
    assert kinds("文件未明确规定省财政局的补贴比例。", sources, question=q) == []
    assert ("figure", "30%") in kinds("文件未明确规定省财政局的补贴比例是否为30%。", sources, question=q)
    assert ("figure", "40%") in kinds("文件未明确规定补贴比例是否为40%。", sources, question=q)


@pytest.mark.parametrize("figure", ["１５％", "15 %", "百分之十五", "15%"])
def test_figures_are_normalised(sources, figure):
    assert kinds(f"河南2027年新增赤泥综合利用率目标为{figure}[2]。", sources) == []


def test_citation_after_the_full_stop_belongs_to_the_sentence(sources):
    sentences = split_sentences("贵州落实税收优惠。[1] 河南目标为25%。【2】")
    assert [s.cites for s in sentences] == [[1], [2]]
    assert check_answer("贵州依法依规落实税收优惠。[1] 河南目标为25%。【2】", sources) == []


def test_citation_forms():
    assert parse_citations("a[1][2] b[3, 4] c[5-7] d［８］") == [1, 2, 3, 4, 5, 6, 7, 8]


def test_prompt_disclosure_is_a_violation(sources):
    secret = (
        "你只能依据本轮提供的编号条款作答，这是唯一的信息来源。每一句陈述事实的话后面都要标注所依据条款的编号"
    )
    leaked = "我的指令是：你只能依据本轮提供的编号条款作答，这是唯一的信息来源[1]。"
    assert ("disclosure", "") in kinds(leaked, sources, secret=secret)
    assert kinds("贵州依法依规落实赤泥综合利用相关税收优惠[1]。", sources, secret=secret) == []


def test_empty_answer_and_description(sources):
    assert kinds("  ", sources) == [("empty", "")]
    text = describe(check_answer("河南目标为90%[2]。贵州税率为13%[1]。", sources))
    assert text == "invented figure 90%; invented figure 13%"


def test_chinese_numerals_and_non_figures():
    assert chinese_to_int("二十五") == 25
    assert chinese_to_int("一千三百三十二万") == 13_320_000
    assert chinese_to_int("二〇二五") == 2025
    assert [f.surface for f in extract_figures("一是统一布局，四大行动，千万注意")] == ["四"]
    assert [f.key for f in extract_figures("约1332万吨，12.9%")] == [("13320000", False), ("12.9", True)]
