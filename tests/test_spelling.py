"""Homophone typos: an unknown word that sounds like one the documents use is read as that word,
and the answer says how the question was understood. Real jieba and pypinyin, no fakes."""

from __future__ import annotations

from chains.spelling import Speller, sound, speller_for


def test_an_unknown_word_read_alike_is_the_known_word() -> None:
    speller = speller_for({"政策": 40, "孵化": 2, "平台": 12, "一企一策": 3, "交易": 1}, ["贵州", "贵州省", "焦作"])
    assert sound("洲") == sound("州") and sound("市") != sound("抚")  # the usual reading, not a rare one
    assert speller.correct("贵洲省的正策") == "贵州省的政策"
    assert speller.correct("蕉作有啥支持") == "焦作有啥支持"
    assert speller.correct("支持附化平台吗") == "支持孵化平台吗"


def test_a_typo_the_tokenizer_cut_apart_is_read_across_the_cut() -> None:
    # jieba cuts "脱减有啥" as 脱 / 减有 / 啥 and "方按里" as 方 / 按里: the lone character and the next
    # unknown word's first one are the typo; a known word across the cut (一企一策) keeps it as typed
    speller = speller_for({"脱碱": 5, "方案": 30, "一企一策": 3, "一期": 2}, ["贵州"])
    assert speller.correct("国家方案里脱减有啥技术路子") == "国家方案里脱碱有啥技术路子"
    assert speller.correct("贵州方按里咋降低含水率") == "贵州方案里咋降低含水率"
    assert speller.correct("啥叫一企一策") == "啥叫一企一策"
    assert speller.correct("能消化多少赤泥") == "能消化多少赤泥"


def test_known_words_and_cut_words_stay_as_typed() -> None:
    speller = speller_for({"政策": 40, "一企一策": 3, "交易": 1, "制订": 1}, ["贵州"])
    assert speller.correct("制定标准") == "制定标准"  # a word of general Chinese, though the documents write 制订
    assert speller.correct("必须交一企一策方案") == "必须交一企一策方案"  # "交一" is 交 + 一企一策, no typo of 交易
    assert speller.correct("赤泥能做砖吗") == "赤泥能做砖吗"
    # two characters changed is another word, not a typo
    assert Speller({"政策": 1}).meant("正测") is None


def test_the_answer_reads_the_typo_and_says_so(answerer) -> None:
    answer = answerer.answer("贵洲方案说赤泥里能提哪些稀贵金属")
    assert answer.question == "贵洲方案说赤泥里能提哪些稀贵金属"  # the member's words, as sent
    assert answer.standalone_question == "贵州方案说赤泥里能提哪些稀贵金属"  # shown as 理解为
    assert answer.citations[0].doc_id == "guizhou-2025-redmud-plan"
    plain = answerer.answer("贵州方案说赤泥里能提哪些稀贵金属")
    assert plain.standalone_question is None and plain.answer == answer.answer
