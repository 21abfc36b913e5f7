"""The clause parser on every bundled document and on messy texts of our own."""

from __future__ import annotations

import re

import pytest

from knowledge.corpus import load_corpus
from knowledge.parser import MAX_PIECE_CHARS, extract_units, parse_text, split_pieces
from knowledge.textclean import reflow

CORPUS = {s.meta.doc_id: s for s in load_corpus()}


def clauses_of(doc_id: str):
    return CORPUS[doc_id].clauses()


def by_id(doc_id: str):
    return {c.clause_id: c for c in clauses_of(doc_id)}


def test_every_document_parses_into_unique_clauses() -> None:
    for doc_id in CORPUS:
        clauses = clauses_of(doc_id)
        ids = [c.clause_id for c in clauses]
        assert len(clauses) >= 8, doc_id
        assert len(ids) == len(set(ids)), doc_id
        assert all(c.clause_id.startswith(doc_id + "/") for c in clauses)
        for c in clauses:
            assert "[bookmark" not in c.text and "\x00" not in c.text
            assert len(c.text) <= 420, (c.clause_id, len(c.text))


def test_parsing_is_deterministic() -> None:
    for doc_id in CORPUS:
        first = [(c.clause_id, c.content_hash) for c in clauses_of(doc_id)]
        assert first == [(c.clause_id, c.content_hash) for c in clauses_of(doc_id)]


def test_national_plan_reflows_broken_lines_and_keeps_sections() -> None:
    clauses = by_id("cn-2024-redmud-plan")
    support = clauses["cn-2024-redmud-plan/六/四"]
    assert support.section == "六、强化综合利用产业发展保障 > （四）加大支持力度"
    assert "落实资源综合利用税收优惠政策。" in support.text
    # a sentence that the PDF broke over three lines comes back whole, without the page-break space
    standards = clauses["cn-2024-redmud-plan/六/三"].text
    assert "聚焦元素提取、路用材料、建筑材料、充填材料、土壤改良材料等重点领域，丰富赤泥综合利用产品标准。" in standards
    target = " ".join(c.text for c in clauses.values() if c.section_keys == ["一"])
    assert "新增赤泥综合利用率达到 25%" in target and "\n 格局" not in target


def test_national_plan_boxed_column_has_one_clause_per_province() -> None:
    column = [c for c in clauses_of("cn-2024-redmud-plan") if c.kind == "column"]
    assert [c.section_path[-1] for c in column] == ["山东", "山西", "广西", "河南"]
    assert all(c.section_path[-2] == "专栏 赤泥综合利用产业化示范工程" for c in column)
    assert column[1].clause_id == "cn-2024-redmud-plan/三/专栏1/山西"
    assert "陶瓷砖" in column[1].text
    # the column ends where the next numbered item starts
    after = by_id("cn-2024-redmud-plan")["cn-2024-redmud-plan/三/二"]
    assert after.section == "三、推动赤泥综合利用扩容增量 > （二）发展赤泥综合利用产品"


def test_industrial_plan_continuous_numbering_preamble_and_stray_and() -> None:
    clauses = by_id("cn-2022-industrial-resources")
    item = clauses["cn-2022-industrial-resources/五/二十三"]
    assert item.section == "五、保障措施 > （二十三）加大政策支持力度"
    assert "增值税、企业所得税和环境保护税等优惠政策" in item.text
    assert " and " not in item.text
    preamble = clauses["cn-2022-industrial-resources/前言"]
    assert preamble.kind == "preamble"
    assert "2022年1月27日" in preamble.text and "国家税务总局" in preamble.text
    # numbered continuously across 一、…五、
    keys = [c.section_keys[-1] for c in clauses.values() if len(c.section_keys) == 2]
    assert "二十四" in keys and "四" in keys
    assert not any("原文地址" in c.text or "http" in c.text for c in clauses.values())
    # a line broken mid-word ("再生资\n\n源行业") is joined
    assert "再生资源行业持续健康发展" in clauses["cn-2022-industrial-resources/一/三"].text


def test_henan_qa_one_clause_per_pair() -> None:
    clauses = clauses_of("henan-2025-redmud-qa")
    qa = [c for c in clauses if c.kind == "qa"]
    questions = {c.section_path[0] for c in qa}
    assert len(questions) == 5
    assert all(q.startswith("问：") for q in questions)
    safeguards = next(c for c in qa if c.section_keys == ["q5"])
    assert "问：加快推动赤泥综合利用取得突破的保障措施有哪些？" in safeguards.text
    assert "各级工信部门牵头抓总" in safeguards.text
    # a long answer is split into pieces that keep the question as their section
    pieces = [c for c in qa if c.section_keys == ["q1"]]
    assert len(pieces) >= 2 and {c.piece for c in pieces} == set(range(1, len(pieces) + 1))
    joined = "".join(c.text for c in pieces)
    assert "1332万吨" in joined and "12.1%" in joined and "12.9%" in joined


GUIZHOU_UNITS = {
    "guizhou-2025-redmud-plan/二/一": ["省工业和信息化厅", "省生态环境厅"],
    "guizhou-2025-redmud-plan/二/二": ["省工业和信息化厅"],
    "guizhou-2025-redmud-plan/二/三": ["省工业和信息化厅", "省住房和城乡建设厅", "省生态环境厅", "省自然资源厅", "省市场监管局"],
    "guizhou-2025-redmud-plan/二/五": ["省工业和信息化厅", "省发展改革委", "省能源局"],
    "guizhou-2025-redmud-plan/三/三": [
        "省工业和信息化厅", "省发展改革委", "省科技厅", "省生态环境厅", "省住房和城乡建设厅", "省财政厅",
        "国家税务总局贵州省税务局", "省国资委", "黔晟国资公司",
    ],
}


@pytest.mark.parametrize("clause_id,units", GUIZHOU_UNITS.items())
def test_guizhou_responsible_units(clause_id: str, units: list[str]) -> None:
    clause = by_id("guizhou-2025-redmud-plan")[clause_id]
    assert clause.responsible_units == units
    assert "责任单位" not in clause.text


def test_guizhou_every_task_names_units_and_bookmark_is_gone() -> None:
    clauses = clauses_of("guizhou-2025-redmud-plan")
    tasks = [c for c in clauses if c.section_keys[0] in {"二", "三"}]
    assert len(tasks) == 9 and all(c.responsible_units for c in tasks)
    organise = by_id("guizhou-2025-redmud-plan")["guizhou-2025-redmud-plan/三/一"]
    assert organise.text.startswith("加强组织领导。")
    principles = by_id("guizhou-2025-redmud-plan")["guizhou-2025-redmud-plan/一/二"]
    assert principles.text.count("——") == 4


def test_jiaozuo_letter_drops_closing_block() -> None:
    clauses = clauses_of("jiaozuo-2022-proposal-reply")
    text = "".join(c.text for c in clauses)
    for closing in ("联系电话", "3569403", "抄送", "尊敬的袁福平委员", "办公室印发", "2022年7月26日印发"):
        assert closing not in text
    office = by_id("jiaozuo-2022-proposal-reply")
    assert "在市工信局设立了领导小组办公室" in "".join(
        c.text for c in clauses if c.section_keys[:2] == ["一", "一"]
    )
    assert office["jiaozuo-2022-proposal-reply/前言"].text.startswith("袁福平委员：")
    assert office["jiaozuo-2022-proposal-reply/二"].section == "二、存在问题"


# --- messy texts of our own ------------------------------------------------------------------

MESSY = """
  某市赤泥综合利用工作方案

为推动赤泥综合利用，制定本方

案。

一、工作目标

到2026年，赤泥综合利用率达到

 30%。

二、重点任务

（一）扩大利用规模。鼓励企业利用赤泥生产
路基材料 and 建筑材料。（责任单位：市工信局、市住建局）
[bookmark: _GoBack]（二）加强技术攻关。
1. 支持企业开展脱碱技术研究。
2. 推动建设中试平台。（牵头单位：市科技局）
（1）设立专项资金。
第三条 本方案自印发之日起施行。
"""


def test_messy_text_reflow_hierarchy_and_units() -> None:
    clauses = parse_text(MESSY, "city-plan")
    ids = {c.clause_id: c for c in clauses}
    assert ids["city-plan/前言"].text == "为推动赤泥综合利用，制定本方案。"
    assert "赤泥综合利用率达到30%。" in ids["city-plan/一"].text.replace(" ", "")
    task = ids["city-plan/二/一"]
    assert task.text == "扩大利用规模。鼓励企业利用赤泥生产路基材料和建筑材料。"
    assert task.responsible_units == ["市工信局", "市住建局"]
    assert ids["city-plan/二/二/1"].section == "二、重点任务 > （二）加强技术攻关 > 1.支持企业开展脱碱技术研究"
    assert ids["city-plan/二/二/1"].text == "支持企业开展脱碱技术研究。"
    assert ids["city-plan/二/二/2"].responsible_units == ["市科技局"]
    assert ids["city-plan/二/二/2/1"].section_path[-1] == "（1）设立专项资金"
    assert ids["city-plan/二/三"].section_path == ["二、重点任务", "第三条本方案自印发之日起施行"]
    assert "city-plan/二/二" not in ids  # the bare heading "（二）加强技术攻关。" is not a clause
    assert not any("bookmark" in c.text for c in clauses)
    assert "某市赤泥综合利用工作方案" not in "".join(c.text for c in clauses)  # the title is not a clause


def test_crlf_control_characters_and_fullwidth_spaces() -> None:
    raw = "一、总则\r\n\u3000\u3000本办法适用于\x0c全市，包括\r\n赤泥综合利用企业。\r\n"
    clauses = parse_text(raw, "d")
    assert [c.text for c in clauses] == ["本办法适用于全市，包括赤泥综合利用企业。"]
    assert "\x0c" not in clauses[0].text


def test_empty_and_heading_only_texts_give_no_clauses() -> None:
    assert parse_text("", "d") == []
    assert parse_text("\n\n   \n", "d") == []
    assert parse_text("一、总体要求\n二、主要任务\n", "d") == []


def test_reflow_keeps_sentence_ends_as_paragraph_breaks() -> None:
    paragraphs = reflow("第一句结束。\n第二句开始")
    assert paragraphs == ["第一句结束。", "第二句开始"]


def test_extract_units_variants() -> None:
    text, units = extract_units("做好某事。（责任单位：省工信厅，省财政厅；省税务局）")
    assert text == "做好某事。"
    assert units == ["省工信厅", "省财政厅", "省税务局"]
    assert extract_units("没有单位。") == ("没有单位。", [])


def test_long_clause_is_split_at_sentence_boundaries() -> None:
    sentence = "鼓励企业开展赤泥综合利用技术研究并推广应用先进适用工艺。"
    text = sentence * 30
    pieces = split_pieces(text)
    assert len(pieces) > 1
    assert "".join(pieces) == text
    assert all(p.endswith("。") for p in pieces)
    assert all(re.fullmatch(f"({re.escape(sentence)})+", p) for p in pieces)


def test_a_piece_ends_where_a_run_of_list_items_ends() -> None:
    """A section without sub-headings that lists principles, then states a target: the target
    paragraph starts a piece of its own, though the last principle left room in the one before."""
    principle = "——坚持创新引领。以产业需求为导向，统筹创新体系建设、创新能力培育、关键技术研发和应用推广。"
    target = "到 2027 年，赤泥综合利用取得积极进展，关键技术取得突破，新增赤泥综合利用率达到 15%。"
    intro = "以全面提高赤泥综合利用水平为目标，强化创新驱动，着力推动赤泥源头减量，提升可利用性。" * 4
    text = "\n".join([intro, principle, principle, principle, target, target.replace("2027", "2030")])
    assert len(text) > MAX_PIECE_CHARS
    pieces = split_pieces(text)
    assert pieces == [intro, "\n".join([principle] * 3), f"{target}\n{target.replace('2027', '2030')}"]
    # before, the first 300 characters were one piece: the principles and the 2027 target together
    assert not any("——坚持" in p and "到 2027 年" in p for p in pieces)
