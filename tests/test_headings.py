"""Lists a document makes of its section headings: "专栏里点了哪几个省" is answered by the headings."""

from __future__ import annotations

import re

from chains.analysis import asked_kind


def test_asking_which_provinces_asks_for_province_names_from_the_gazetteer() -> None:
    kind = asked_kind("国家赤泥方案专栏里点了哪几个省")
    assert kind is not None and kind.fullmatch("山东") and kind.fullmatch("内蒙古") and not kind.fullmatch("淄博")
    assert asked_kind("Which provinces are listed in the box?") is not None
    assert asked_kind("省里有哪些支持政策") is None  # 省里 is where, not which provinces


def test_the_sections_a_column_heads_with_province_names_answer_which_provinces(answerer) -> None:
    answer = answerer.answer("国家赤泥方案的示范工程专栏里有哪几个省")
    first = answer.answer.split("\n")[0]
    names = re.findall(r"([\u4e00-\u9fff]+)\[(\d+)\]", first.split("——", 1)[1])
    assert [n for n, _ in names] == ["山东", "山西", "广西", "河南"]  # every one, in the document's order
    for name, n in names:  # each cites its own section
        assert answer.citations[int(n) - 1].section.endswith(name)
    assert not answer.not_specified


def test_a_sentence_naming_provinces_answers_when_no_headings_do(answerer) -> None:
    first = answerer.answer("国家要求哪些省出台赤泥配套政策").answer.split("\n")[0]
    assert "内蒙古" in first and "重庆" in first and "——" not in first


def test_comparing_the_provinces_two_plans_name_shows_both_lists(answerer) -> None:
    from chains.analysis import asks_provinces

    assert asks_provinces("22年方案点名的示范省份跟24年的有啥不一样") and not asks_provinces("国家鼓励的省份里有河南没")
    answer = answerer.answer("2022年八部门方案和2024年赤泥行动方案 点名建赤泥示范工程的省份有啥不一样")
    first = answer.answer.split("\n")[0]
    # the 2022 plan's sentence naming six provinces, then the 2024 column's four headings, named by its title
    assert "贵州、云南" in first and "《赤泥综合利用行动方案》" in first
    assert [c.section.rsplit(" > ", 1)[-1] for c in answer.citations if "专栏" in c.section] == ["山东", "山西", "广西", "河南"]
