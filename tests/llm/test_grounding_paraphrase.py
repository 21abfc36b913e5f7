"""Paraphrased inventions the grounding check must catch (issue 12, item 3), on real clauses:
[1] Guizhou tax support (its units), [2] Henan targets, [3] national tax support.

Each case was a sentence that reached users cited to a real document: an agency no clause
names, a share written in words, a document named without 《》, a claim behind "文件未明确规定…，
但…", an uncited line ending in a colon or question mark, and a figure only the question had.
"""

from __future__ import annotations

import pytest

from chains.llm.composer import sources_for
from chains.llm.grounding import check_answer
from tests.fakes.openai_server import Reply
from tests.llm.conftest import GENEROUS_S, Analysis, extractive_for


@pytest.fixture(scope="module")
def sources(hits):
    return sources_for(hits)


def kinds(answer, sources, **kw):
    return [(v.kind, v.detail) for v in check_answer(answer, sources, **kw)]


@pytest.mark.parametrize(
    "answer, agency",
    [
        ("海关总署负责落实赤泥综合利用相关税收优惠[1]。", "海关总署"),
        ("国务院要求落实资源综合利用税收优惠政策[3]。", "国务院"),
        ("中国人民银行引导金融机构对赤泥综合利用项目提供信贷融资支持[3]。", "中国人民银行"),
        ("央行引导金融机构提供信贷融资支持[3]。", "央行"),
        ("国家发改委负责统筹运用财税金融政策支持赤泥综合利用[1]。", "国家发改委"),  # the clause: 省发展改革委
        ("河南省人民政府负责推动赤泥综合利用[2]。", "河南省人民政府"),
        ("由市政府办牵头落实税收优惠[1]。", "市政府办"),
        ("国家发展改革委环资司负责落实税收优惠政策[3]。", "国家发展改革委"),
    ],
)
def test_agency_from_the_list_of_government_bodies(sources, answer, agency):
    assert ("agency", agency) in kinds(answer, sources)


def test_agencies_the_clauses_name_still_pass(sources):
    assert kinds("责任单位包括省财政厅、国家税务总局贵州省税务局[1]。", sources) == []
    assert kinds("责任单位包括贵州省发展改革委、省国资委[1]。", sources) == []  # the document's place
    assert kinds("国家税务总局贵州省税务局依法依规落实相关税收优惠[1]。", sources) == []
    assert kinds("财政部门和税务部门落实税收优惠[1]。", sources) == []  # "departments", no body


@pytest.mark.parametrize("share", ["三分之二", "全额", "七成", "一半", "百分之七十", "2/3以上的"])
def test_shares_written_in_words_are_figures(sources, share):
    found = kinds(f"贵州对赤泥综合利用企业{share}退还增值税[1]。", sources)
    assert any(kind == "figure" for kind, _ in found), found


def test_a_share_the_clause_states_in_other_words_passes(sources):
    # 25% in the Henan clause is 四分之一 in words
    assert kinds("河南提出到2030年全省新增赤泥综合利用率达到四分之一[2]。", sources) == []


def test_document_named_without_title_marks(sources):
    found = kinds("企业可按资源综合利用企业所得税优惠目录享受减免[1]。", sources)
    assert ("document", "资源综合利用企业所得税优惠目录") in found
    found = kinds("依据财政部关于完善资源综合利用增值税政策的公告落实优惠[3]。", sources)
    assert ("document", "关于完善资源综合利用增值税政策的公告") in found
    # the real documents, named as their titles say, pass
    assert kinds("贵州省赤泥综合利用行动方案要求依法依规落实相关税收优惠[1]。", sources) == []


def test_claim_behind_not_specified_needs_a_citation(sources):
    q = "赤泥综合利用增值税即征即退比例是70%吗？"
    found = kinds("文件未明确规定具体比例，但实际执行中增值税即征即退比例为70%。", sources, question=q)
    assert ("figure", "70%") in found and "uncited" in [k for k, _ in found]
    found = kinds("文件未明确规定具体比例，但企业一般都能享受即征即退。", sources)
    assert [k for k, _ in found] == ["uncited"]
    # the sentence after a not-specified one is a claim too
    found = kinds("文件未作具体规定。实际执行中企业一般都能享受即征即退。", sources)
    assert [k for k, _ in found] == ["uncited"]
    # a turn that is cited is a claim like any other, checked against its clause
    assert kinds("文件未明确规定具体税率，但贵州要求依法依规落实相关税收优惠[1]。", sources) == []


def test_figure_only_in_the_question_never_comes_back(sources):
    q = "赤泥综合利用增值税即征即退比例是70%吗？"
    assert ("figure", "70%") in kinds("文件未明确规定比例是否为70%。", sources, question=q)
    assert ("figure", "70%") in kinds("The documents do not say whether the rate is 70%.", sources, question=q)
    assert kinds("文件未明确规定增值税即征即退的具体比例。", sources, question=q) == []


@pytest.mark.parametrize(
    "line",
    [
        "贵州还对赤泥企业给予以下额外补贴：",
        "企业能否申请省财政厅的专项奖励？",
        "国家对赤泥利用企业实行即征即退：",
        "Guizhou grants extra subsidies:",
    ],
)
def test_uncited_line_ending_in_a_colon_or_question_mark(sources, line):
    found = kinds(f"{line}\n- 依法依规落实赤泥综合利用相关税收优惠[1]。", sources)
    assert "uncited" in [k for k, _ in found], found


def test_lead_ins_and_headings_still_need_no_citation(sources):
    answer = "根据现有文件：\n**国家层面**\n- 落实资源综合利用税收优惠政策[3]。\n贵州：\n- 依法依规落实相关税收优惠[1]。"
    assert kinds(answer, sources) == []
    answer = "Here is what the documents say:\nGuizhou Province:\n- Tax incentives are applied [1]."
    assert kinds(answer, sources) == []


def test_the_planted_question_figure_never_reaches_the_user(make_llm, hits, server):
    """The worst case from the attack, through the real client stack: asked whether the rate is
    70%, the model "confirms" it behind a not-specified clause, twice; the user gets the
    extractive answer, which has no 70% in it."""
    composer, _ = make_llm(GENEROUS_S)
    q = "我们厂用赤泥做建材，增值税即征即退比例是70%吗？"
    said = "<brief>\n文件未明确规定具体比例，但实际执行中增值税即征即退比例为70%。\n</brief>\n<full>\n文件未明确规定具体比例。\n</full>"
    server.enqueue(Reply(content=said), Reply(content=said))
    answer = composer.compose(q, Analysis(q), hits, extractive_for(q, hits))
    assert answer.mode == "extractive" and "invented figure 70%" in answer.fallback_reason
    assert "70%" not in answer.answer and "70%" not in (answer.answer_full or "")
