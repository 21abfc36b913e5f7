"""The first line of a who-question, from the real service: the units a clause lists, or the
sentence naming the offices, in whatever words the question asks who (issue 9)."""

from __future__ import annotations

import re

from chains.headline import names_office
from tests.test_brief_answers import REF, first_line


def test_agency_question_names_only_the_units_of_the_clause(answerer) -> None:
    answer = answerer.answer("贵州提高赤泥可利用性的责任单位是谁？")
    head = first_line(answer.answer)
    cited = answer.citations[int(REF.search(head).group(1)) - 1]
    assert head.startswith("省工业和信息化厅")
    assert set(re.findall(r"[^、。\[\]]+", head.split("[")[0])) == set(cited.responsible_units)


def test_who_in_any_wording_is_answered_with_the_units(answerer) -> None:
    """谁 asks who, whatever verb follows it ("谁来抓", "归谁管"): the units listed, not a sentence."""
    for question in ("贵州赤泥降碱这事谁来抓", "贵州提高赤泥可利用性 归谁管"):
        assert first_line(answerer.answer(question).answer).startswith("省工业和信息化厅")
    # a document's own facts are still answered from its metadata
    assert "袁福平" in first_line(answerer.answer("焦作那个答复是回给谁的").answer)


def test_a_who_question_that_asks_more_gets_the_units_then_the_sentence_answering_the_rest(answerer) -> None:
    answer = answerer.answer("贵州推动赤泥源头减量要做啥？哪些部门负责")
    head = first_line(answer.answer)
    cited = answer.citations[int(REF.search(head).group(1)) - 1]
    units = "、".join(cited.responsible_units)
    assert cited.jurisdiction == "guizhou" and head.startswith(units + "。贵州：")
    quoted = head.split("贵州：", 1)[1].split("[")[0]
    assert "源头" in quoted and all(piece in cited.text for piece in quoted.split("……") if piece)


def test_an_english_who_question_gets_the_units_of_the_task_it_names(answerer) -> None:
    answer = answerer.answer("Which departments in Guizhou handle red mud source reduction?")
    head = first_line(answer.answer)
    cited = answer.citations[int(REF.search(head).group(1)) - 1]
    assert head.startswith("Responsible units: ") and "源头减量" in cited.section
    assert head.split(": ", 1)[1].split(" [")[0] == "、".join(cited.responsible_units)


def test_an_office_is_found_by_the_tasks_it_is_listed_responsible_for(answerer) -> None:
    answer = answerer.answer("贵州省能源局负责哪些赤泥工作")
    assert any("省能源局" in c.responsible_units for c in answer.citations)


def test_a_question_naming_a_listed_unit_gets_the_list(answerer) -> None:
    head = first_line(answerer.answer("省住房和城乡建设厅在贵州赤泥方案里管什么").answer)
    assert "（责任单位：" in head and "省住房和城乡建设厅" in head.split("（责任单位：", 1)[1]
    assert not head.startswith("文件没有直接规定")
    # …or named by what follows its place: "税务局" for 国家税务总局贵州省税务局
    head = first_line(answerer.answer("贵州赤泥方案里税务局负责什么").answer)
    assert "国家税务总局贵州省税务局" in head.split("（责任单位：", 1)[-1] and not head.startswith("文件没有直接规定"), head


def test_the_place_asked_about_answers_with_its_own_offices_first(answerer) -> None:
    # Henan's reply names its lead (各级工信部门牵头抓总) nearly as closely as the national plan names the
    # nation's: the place asked about leads, the nation's sentence follows as a point
    answer = answerer.answer("河南赤泥工作谁牵头")
    head = first_line(answer.answer)
    assert head.startswith("河南") and "工信部门" in head, answer.answer
    assert any(line.startswith("• 国家") for line in answer.answer.split("\n")), answer.answer


def test_a_word_ending_like_an_office_is_no_office() -> None:
    assert not names_office("有关地区应合理布局赤泥综合利用产业") and not names_office("全部建成投产")
    assert names_office("省工业和信息化厅会同有关部门") and names_office("纳入本地区、本部门重点工作") and names_office("市工信局牵头")
