"""A part of a question that asks for a form of answer (the taxes by name, a figure, a date) is
answered by a sentence of that form, from the document the question names when it names one.

The real service over the bundled corpus; none of these questions is an eval case.
"""

from __future__ import annotations

import re

from chains.analysis import asked_kind
from chains.firstline import of_kind_on_topic


def first_line(answerer, question: str) -> str:
    return answerer.answer(question).answer.split("\n")[0]


def test_a_sentence_of_the_form_asked_is_on_topic_by_its_share_of_the_question() -> None:
    taxes = asked_kind("具体是哪些税")
    assert taxes is not None
    topic = {"税收": 1.5, "优惠": 1.4, "税": 0.6, "烧砖": 2.0}
    # "税收" asks for the taxes by name, so a sentence naming them answers it without repeating it
    assert of_kind_on_topic("按规定落实资源综合利用增值税、企业所得税和环境保护税等优惠政策。", taxes, topic)
    # but not a question about other things that mentions a tax in passing
    assert not of_kind_on_topic("按规定落实资源综合利用增值税、企业所得税和环境保护税等优惠政策。", taxes,
                                {"陶粒": 3.0, "用地": 3.0, "税": 0.6})


def test_a_part_asking_which_taxes_gets_the_sentence_naming_them_not_one_repeating_its_words(answerer) -> None:
    # the part "具体是哪些税" shares more words with "落实资源综合利用税收优惠政策" (税收优惠, from the
    # part before it), but only the sentence naming the taxes answers it
    line = first_line(answerer, "我们在广西做赤泥路基材料 一年用掉好几万吨 听说国家有税收优惠 具体是哪些税")
    assert "增值税" in line[:150] and "企业所得税" in line


def test_the_document_named_answers_before_another_documents_sentence_of_the_form(answerer) -> None:
    # the 2024 plan names no tax; its own sentence on 税收优惠 leads, not the 2022 plan's list of taxes
    line = first_line(answerer, "国家2024那个赤泥方案 对减税有啥说法 融资又有啥支持")
    assert line.startswith("国家") and "税收优惠政策" in line
    assert not re.search(r"增值税|企业所得税", line)


def test_an_english_question_is_retrieved_with_the_weights_fitted_on_english_questions(services) -> None:
    import json
    from importlib import resources

    from chains.analysis import analyse
    from chains.fusion import WEIGHTS, FusionWeights, weights_for
    from chains.retrieval import retrieve

    shipped = json.loads((resources.files("chains") / "data" / "fusion_weights.json").read_text(encoding="utf-8"))
    english = shipped["by_language"]["en"]["weights"]
    assert weights_for("en") == FusionWeights(**english) != WEIGHTS  # fitted apart (bench/tune_retrieval.py --language en)
    assert weights_for("zh") == WEIGHTS == weights_for(None)
    answerer = services.answerer
    analysis = analyse("Which provinces should issue their own supporting policies for red mud?")
    assert analysis.language == "en"
    found = retrieve(answerer.index.snapshot(), answerer.embeddings, analysis)
    again = retrieve(answerer.index.snapshot(), answerer.embeddings, analyse(analysis.question), weights=weights_for("en"))
    assert [h.clause.clause_id for h in found.hits] == [h.clause.clause_id for h in again.hits]
    shared = retrieve(answerer.index.snapshot(), answerer.embeddings, analyse(analysis.question), weights=WEIGHTS)
    assert [h.score for h in found.hits] != [h.score for h in shared.hits]  # the language's weights, not the shared ones
    # a Chinese question framed in English (the language setting) is still retrieved as a Chinese one
    chinese = analyse("贵州提高赤泥可利用性的责任单位是谁？")
    chinese.reply_language = "en"
    framed = retrieve(answerer.index.snapshot(), answerer.embeddings, chinese)
    plain = retrieve(answerer.index.snapshot(), answerer.embeddings, analyse(chinese.question), weights=WEIGHTS)
    assert [h.score for h in framed.hits] == [h.score for h in plain.hits]


def test_a_which_ones_question_is_not_answered_by_an_off_topic_list(answerer) -> None:
    # "what sorts of…" asks for a list, and the plan lists scrap metals under recycling; the list
    # that answers is the one on financing, however few of its words an English question shares
    line = first_line(answerer, "What sorts of financing support does the eight-ministry plan offer to resource recycling projects?")
    assert "绿色信贷" in line[:150]
    assert "废钢铁" not in line


def test_a_verb_of_charge_in_what_the_asker_tells_is_no_who_question(answerer) -> None:
    # "想牵头" is the asker's plan; the question is whether Guizhou supports associations' standards
    line = first_line(answerer, "我们商会想牵头搞个赤泥砖团体标准 贵州那边支持社会团体做吗")
    assert line.startswith("贵州：") and "团体标准" in line.split("[", 1)[0]


def test_a_part_naming_only_another_year_gets_that_years_figure(answerer) -> None:
    # "2030年的呢" asks the first part's question of 2030: the clause's 2030 figure answers it
    line = first_line(answerer, "国家赤泥方案 2027年新增综合利用率目标多少？2030年的呢")
    assert "15%" in line and "25%" in line
    assert line.index("15%") < line.index("25%")


def test_a_penalty_none_of_the_documents_sets_is_said_to_be_unspecified(answerer) -> None:
    from chains.analysis import analyse

    answer = answerer.answer("氧化铝厂完不成赤泥利用任务会罚款吗").answer
    assert "文件没有规定处罚" in answer and "生态环境部门" in answer
    english = answerer.answer("Will a refinery be fined if it misses its red mud target?").answer
    assert "do not specify a penalty" in english
    # a refinery is no fine ("refineries" holds the letters): no penalty asked
    assert "penalty" not in analyse("Which refineries must draw up a red mud plan?").asks
