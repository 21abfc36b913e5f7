"""The question's topic words (chains/topic.py, knowledge/keyword.py): which words say what a question
is about, and how much each says."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from chains.analysis import analyse
from knowledge.keyword import KeywordIndex, domain_share


def test_everyday_words_are_not_the_documents_language() -> None:
    corpus = Path(__file__).resolve().parent.parent / "knowledge" / "corpus"
    lines = [line for f in sorted(corpus.glob("*.txt")) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    index = KeywordIndex(lines)
    assert min(domain_share(w, index) for w in ("磷石膏", "底线", "豁免")) > 0.5
    assert max(domain_share(w, index) for w in ("东西", "到底")) < 0.5
    # one occurrence in a small corpus is weak evidence: an everyday verb used once is not the
    # documents' language, a term general Chinese hardly uses is
    assert index.tf.get("涉及", 0) == 1 and domain_share("涉及", index) < 0.55 < domain_share("硅肥", index)  # 0.75 before


def test_one_character_words_are_kept_for_their_character() -> None:
    """tokenize drops "修" (no index token); it is the character of the documents' "制修订"."""
    from knowledge.keyword import lone_characters, tokenize

    assert "修" not in tokenize("标准修哪些") and lone_characters("标准修哪些") == ["修"]
    assert lone_characters("有没有税？是什么") == []  # 税 is a token already; stop words are no topic


def test_the_year_that_names_a_document_is_no_topic_word(answerer) -> None:
    from chains.retrieval import retrieve
    from chains.topic import topic_weights

    snapshot = answerer.index.snapshot()
    analysis = analyse("Does the 2022 eight-ministry plan say anything specific about red mud applications?")
    retrieval = retrieve(snapshot, answerer.embeddings, analysis)
    assert analysis.documents == ["cn-2022-industrial-resources"] and "2022" in retrieval.document_names
    assert not any(t.startswith("2022") for t in topic_weights(retrieval, snapshot.keyword))
    # a year the question asks about is still a topic word
    asked = analyse("八部门方案里2025年的目标是啥")
    weights = topic_weights(retrieve(snapshot, answerer.embeddings, asked), snapshot.keyword)
    assert any(t.startswith("2025") for t in weights)


def test_words_of_a_function_class_are_no_topic(answerer) -> None:
    from chains.retrieval import retrieve
    from chains.topic import topic_weights
    from knowledge.keyword import function_words

    # by jieba's dictionary tags: 主要 (b), 分别 (d), 哪些 (r), 以前 (f); not 产品, 新增
    found = function_words()
    assert {"主要", "分别", "哪些", "以前"} <= found and not {"产品", "新增"} & found
    snapshot = answerer.index.snapshot()
    weights = topic_weights(retrieve(snapshot, answerer.embeddings, analyse("八部门方案里赤泥主要往哪些产品上推")), snapshot.keyword)
    assert "主要" not in weights and "产品" in weights
    # nor do their characters stand in for them: 面 of "里面" would make any 方面 look on topic
    weights = topic_weights(retrieve(snapshot, answerer.embeddings, analyse("企业自己要不要单独搞个赤泥方案？里面得写些啥")),
                            snapshot.keyword)
    assert "面" not in weights and "企业" in weights
    first = answerer.answer("企业自己要不要单独搞个赤泥方案？里面得写些啥").answer.split("\n")[0]
    assert "一企一策" in first


def test_a_word_rare_in_the_document_named_is_a_topic_word_though_common_elsewhere(answerer) -> None:
    from chains.retrieval import retrieve
    from chains.topic import topic_weights

    # "赤泥" is in nearly every clause of the red-mud plans, in few of the eight-department plan's
    snapshot = answerer.index.snapshot()
    named = ["cn-2022-industrial-resources"]
    assert snapshot.document_idf("赤泥", named) > 1.0 > snapshot.keyword.idf("赤泥")
    question = "工业资源那个八部门文件 对赤泥要突破啥技术"
    analysis = analyse(question)
    weights = topic_weights(retrieve(snapshot, answerer.embeddings, analysis), snapshot.keyword, analysis)
    assert analysis.documents == named and weights["赤泥"] > weights["技术"]
    # so the first line quotes the plan's red-mud techniques, not its other 关键技术
    assert "低成本脱碱" in answerer.answer(question).answer.split("\n")[0]


def test_a_word_the_documents_never_use_is_stood_in_for_by_their_words_of_that_meaning(answerer) -> None:
    from chains.retrieval import retrieve
    from chains.topic import stand_ins, topic_weights

    snapshot = answerer.index.snapshot()
    # 修公路: of the documents' words sharing a character, those in the sentences nearest the question
    # stand in beside the characters (路基, 路面), not 修复 of 生态修复 nor 路线图
    weights = topic_weights(retrieve(snapshot, answerer.embeddings, analyse("赤泥可以拿来修公路吗？")), snapshot.keyword)
    assert {"路基", "路面", "修", "路"} <= set(weights) and not {"修复", "路线图"} & set(weights), weights
    first = answerer.answer("赤泥可以拿来修公路吗？").answer.split("\n")[0]
    assert "路基材料" in first, first
    # 发债: 债券 beside 债
    weights = topic_weights(retrieve(snapshot, answerer.embeddings, analyse("我们厂想发债融资 有政策吗")), snapshot.keyword)
    assert "债券" in weights and "思想" not in weights  # 想 of 想发债 stands in for no word
    # the words come with the question's vector: without one, none stands in (the character still does)
    road = retrieve(snapshot, answerer.embeddings, analyse("赤泥可以拿来修公路吗？"))
    assert "路基" in stand_ins(["路"], road, snapshot.keyword, frozenset())["路"]
    assert stand_ins(["路"], dataclasses.replace(road, query_vector=[]), snapshot.keyword, frozenset()) == {}
