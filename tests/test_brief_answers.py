"""The brief answer a group reads first and the full one behind it, from the real service.

Issue 9: the answer first (the figure with its year and place, the units, 可以/有), at most
three points, notes only where they hold, every [n] resolving to a citation in both forms.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chains.compose import MAX_POINTS
from chains.evaluate import is_generic_lead, load_cases
from tests.conftest import DATA

REF = re.compile(r"\[(\d+)\]")
CASES = load_cases(DATA / "eval.jsonl")
# a sample across intents: every fifth case of the project's own set
SAMPLE = [c["q"] for c in CASES[::5]]


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


@pytest.mark.parametrize("question", SAMPLE)
def test_every_number_in_both_forms_resolves_and_no_generic_lead(answerer, question: str) -> None:
    answer = answerer.answer(question)
    if answer.abstained:
        return
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    full = answer.full_text
    for text in (answer.answer, full):
        for n in REF.findall(text):
            assert 1 <= int(n) <= len(answer.citations), (question, n, text)
    assert {int(n) for n in REF.findall(full)} == {c.n for c in answer.citations}  # the full form shows every clause
    assert not is_generic_lead(answer), answer.answer
    assert "如下：" not in first_line(answer.answer)
    assert answer.headline == first_line(answer.answer)
    points = [line for line in answer.answer.split("\n") if line.startswith("• ")]
    assert len(points) <= MAX_POINTS <= 3  # issue 9: at most three
    assert len(answer.answer) <= len(full)
    # one clause under one number
    assert len({c.clause_id for c in answer.citations}) == len(answer.citations)
    assert len({(c.doc_id, c.section) for c in answer.citations}) == len(answer.citations)
    assert not repeated_sentences(answer.answer), answer.answer  # a point never repeats what the line shows


def repeated_sentences(text: str) -> list[str]:
    """Sentences (of more than a few words) that the brief answer shows twice."""
    plain = REF.sub("", re.sub(r"^• [^：:]{1,12}[：:]", "", text, flags=re.M))
    sentences = [s.strip("…“” \n") for s in re.split(r"[。；;！？\n]|……", plain)]
    seen: set[str] = set()
    twice = []
    for s in sentences:
        if len(s) >= 12 and s in seen:
            twice.append(s)
        seen.add(s)
    return twice


def test_a_point_does_not_repeat_the_sentence_of_a_first_line_naming_offices(answerer) -> None:
    """The first line quotes the sentence naming an office; the point shows the clause's other sentences."""
    answer = answerer.answer("焦作下一步打算跟生态环境、住建、发改这几个部门分别协调啥？")
    assert not repeated_sentences(answer.answer), answer.answer
    assert "住建部门" in answer.answer and "发改委" in answer.answer


def test_a_target_is_answered_first_with_its_year_and_place(answerer) -> None:
    answer = answerer.answer("河南的赤泥综合利用目标是多少？")
    head = first_line(answer.answer)
    assert "15%" in head and "25%" in head and "2027" in head and "河南" in head
    assert REF.search(head)


def test_a_figure_keeps_the_year_it_is_for(answerer) -> None:
    answer = answerer.answer("2030年国家新增赤泥综合利用率目标是多少？")
    head = first_line(answer.answer)
    assert "25%" in head and "2030" in head.replace(" ", "")
    assert head.replace(" ", "").index("2030") < head.index("25%")


def test_yes_no_question_says_so_first_from_a_national_clause(answerer) -> None:
    answer = answerer.answer("赤泥综合利用企业可以享受税收优惠吗？")
    head = first_line(answer.answer)
    assert head.startswith("可以。") and "税收优惠" in head
    assert answer.not_specified and "没有规定" in answer.answer  # no rate in any document: said under the first line
    assert answer.citations[int(REF.search(head).group(1)) - 1].jurisdiction == "national"


def test_a_part_counting_a_thing_gets_the_count_though_it_has_no_other_words(answerer) -> None:
    # "另外方案一共有几大行动" has no topic word of its own: the figure that counts the actions answers it
    first = first_line(answerer.answer("河南2027年利用率目标多少 另外方案一共有几大行动").answer)
    assert "15%" in first and "4大行动" in first


def test_a_tax_question_gets_the_taxes_by_name_in_its_first_line(answerer) -> None:
    """The sentence naming 增值税、企业所得税 answers the "税收" asked, though it never says 税收."""
    first = first_line(answerer.answer("赤泥综合利用企业可以享受税收优惠吗？").answer)
    assert first.startswith("可以。") and "增值税" in first and "企业所得税" in first


def test_a_comparison_is_not_answered_yes(answerer) -> None:
    head = first_line(answerer.answer("贵州的赤泥目标跟河南的一样吗").answer)
    assert not head.startswith(("有。", "可以。")) and "贵州" in head and "河南" in head


def test_no_yes_of_ours_before_a_quote_that_forbids_or_for_a_question_of_what_is_so(answerer) -> None:
    # Henan no longer allows new ponds: a "Yes." before "不再新增赤泥库" would say the opposite
    head = first_line(answerer.answer("Is Henan still allowing new red mud storage ponds?").answer)
    assert "不再新增赤泥库" in head and not head.startswith("Yes")
    # "是…吗" asks whether something is so; 有 ("there is a provision") is no answer to it
    head = first_line(answerer.answer("中州铝业压减赤泥 是靠换成进口矿吗").answer)
    assert not head.startswith(("有。", "可以。"))
    assert first_line(answerer.answer("赤泥综合利用企业有税收优惠吗").answer).startswith("有。")


def test_no_yes_of_ours_from_another_places_document_or_a_promise_to_study(answerer) -> None:
    # the national plan tells 广西 to make a policy: that is no "有" to "广西有没有…文件"
    head = first_line(answerer.answer("广西那边有专门的赤泥政策文件吗").answer)
    assert not head.startswith(("有。", "可以。")) and "广西" in head
    # "适时研究…政府采购支持政策" promises a study, not the purchase
    head = first_line(answerer.answer("政府采购能买我们的赤泥砖吗").answer)
    assert "适时研究" in head and not head.startswith("可以。")
    assert first_line(answerer.answer("贵州有赤泥综合利用的税收优惠吗").answer).startswith("有。贵州")


def test_no_yes_to_whether_there_is_support_from_a_quote_offering_none(answerer) -> None:
    # the national plan encourages extracting gallium; it offers no subsidy for it: no "有" of ours
    head = first_line(answerer.answer("赤泥提镓有补贴吗").answer)
    assert "镓" in head and not head.startswith("有"), head


def test_a_comparison_of_targets_quotes_each_sides_target(answerer) -> None:
    """"河南的目标跟国家的一样吗": the nation's target sentence never says 目标 ("到 2030 年……达到 25%"),
    yet it is the nation's answer of the kind asked for, and the first line quotes both sides."""
    answer = answerer.answer("河南的赤泥目标跟国家的一样吗")
    first = answer.answer.splitlines()[0]
    assert "国家：" in first and "河南：" in first
    national = [c for c in answer.citations if c.doc_id == "cn-2024-redmud-plan" and f"[{c.n}]" in first]
    assert national and re.search(r"达到\s*(15|25)\s*%", national[0].quote)


def test_each_side_of_a_comparison_gives_its_figure_with_the_rest_of_its_clause(answerer) -> None:
    """The nation's 2027 and 2030 targets are two pieces of one clause: cited once, one of its figures
    quoted with the year it is for (the question names no year; each piece's sentences are scored
    against it alike, so which one leads is the closer match, not the piece order)."""
    answer = answerer.answer("贵州利用率有具体数值吗 国家的呢")
    first = first_line(answer.answer).replace(" ", "")
    national_line = first.split("国家：", 1)[-1].split("贵州：", 1)[0]
    assert "国家：" in first and "贵州：" in first
    assert ("2027年" in national_line and "15%" in national_line) or ("2030年" in national_line and "25%" in national_line)
    national = [c for c in answer.citations if c.doc_id == "cn-2024-redmud-plan"]
    assert len(national) == 1 and "25%" in national[0].text.replace(" ", "")


def test_each_side_asked_which_ones_gets_the_sentence_listing_them(answerer) -> None:
    """The Guizhou side's sentence naming 磷石膏、脱硫石膏、粉煤灰, not its first-ranked one on 固废 bases."""
    first = first_line(answerer.answer("赤泥跟别的固废掺一起用 国家和贵州各点了哪几种固废").answer)
    assert "国家：" in first and "贵州：" in first and "磷石膏" in first and "粉煤灰" in first


def test_which_ones_is_answered_by_the_sentence_that_lists_them(answerer) -> None:
    # not the sentence that only shares the word asked about ("面向……应用场景等制修订一批标准规范")
    head = answerer.answer("河南说赤泥可以用在哪些场景？").answer.split("\n", 1)[0]
    assert "土壤改良" in head and "标准规范" not in head


def test_a_column_item_headed_by_a_place_without_documents_answers_for_it(answerer) -> None:
    # the national plan's column item "山东" leads, not the sentence listing six provinces
    answer = answerer.answer("山东的赤泥示范工程都有哪些内容")
    assert "淄博" in answer.answer.split("\n", 1)[0] and "山东" in answer.answer


def test_which_places_of_a_province_is_answered_by_the_column_naming_its_cities(answerer) -> None:
    # the province names the container, not the topic: "鼓励山西、山东、河南…建设示范工程" names it, yet no city
    preview = answerer.answer("山西哪几个市在国家赤泥示范工程里").answer[:150]  # (after the note that 山西 has no document)
    assert "运城" in preview and "吕梁" in preview


def test_a_one_character_word_of_the_question_keeps_its_segment_in_a_quote(answerer) -> None:
    """"标准修哪些": 修 is no index token, but the character of 制修订; the abridged quote keeps it."""
    answer = answerer.answer("国家有没有专门的管理办法？地方能自己立法不 标准修哪些")
    assert "产品、评价、检测等标准制修订" in answer.answer


def test_an_amount_of_money_is_not_answered_by_tonnes(answerer) -> None:
    answer = answerer.answer("焦作赤泥项目每吨补贴给多少钱")  # the quotes give 180万吨 and 2个项目, no 元
    assert answer.not_specified and "没有规定" in answer.answer


def test_a_measure_no_document_gives_gets_the_not_specified_note(answerer) -> None:
    answer = answerer.answer("赤泥库防渗膜要铺几毫米厚")
    assert answer.not_specified and "没有规定" in answer.answer


def test_a_places_target_is_not_answered_by_the_nations_figure(answerer) -> None:
    """Guizhou's plan sets its rate as "国家对贵州省的要求": the nation's 15% quoted beside it is no
    Guizhou figure, so the note says none is given; Henan's own 15% answers for Henan."""
    guizhou = answerer.answer("贵州2027年的新增赤泥综合利用率要达到百分之几")
    assert guizhou.not_specified and "国家对贵州省的要求" in guizhou.answer
    # the note says whose documents give no figure, so it does not read as denying a figure shown beside
    # it from the nation's plan
    assert "15%" in guizhou.answer and "贵州的文件没有规定" in guizhou.answer, guizhou.answer
    henan = answerer.answer("河南2027年的新增赤泥综合利用率要达到百分之几")
    assert not henan.not_specified and "15%" in first_line(henan.answer)


@pytest.mark.parametrize("question", ["焦作有每吨补贴吗", "Is there any subsidy per tonne in Jiaozuo?",
                                      "Is there a penalty if an alumina plant misses its red mud target?"])
def test_an_amount_per_tonne_asked_yes_or_no_gets_the_note_and_no_yes(answerer, question: str) -> None:
    """The amount (or the penalty) asked is what no document gives: the note says so, and no 有/Yes of
    ours claims it."""
    answer = answerer.answer(question)
    assert answer.not_specified and first_line(answer.answer).startswith(("文件没有直接规定", "The documents do not say"))


def test_department_count_question_gets_no_not_specified_note(answerer) -> None:
    answer = answerer.answer("焦作领导小组一共几个部门")
    assert "13个部门" in answer.answer and "没有规定" not in answer.answer and not answer.not_specified


def test_a_city_clause_answers_for_its_province_without_a_contradicting_note(answerer) -> None:
    answer = answerer.answer("河南对赤泥综合利用企业有哪些扶持？")
    assert any(c.jurisdiction in {"henan", "jiaozuo"} for c in answer.citations)
    assert "河南的文件中未找到" not in answer.answer


def test_a_provinces_own_document_leads_before_one_of_its_cities(answerer) -> None:
    """"河南…": Henan's own answer leads; the Jiaozuo reply holds for one city of it."""
    assert first_line(answerer.answer("河南那边科技攻关重点是啥").answer).startswith("河南：")


def test_a_city_without_documents_gets_its_province_and_the_nation(answerer) -> None:
    answer = answerer.answer("郑州有什么赤泥支持政策？")
    note = answer.answer.split("\n")[1]  # the first note, right after the answer's first line
    assert note.startswith("说明：") and "郑州" in note and "河南" in note  # says so, and what applies there
    assert answer.citations and {c.jurisdiction for c in answer.citations} <= {"national", "henan"}


def test_a_provinces_own_plan_date_question_is_not_answered_with_another_documents_date(answerer) -> None:
    answer = answerer.answer("贵州方案什么时候发布的")
    assert "2024年12月31日" not in answer.answer and "2022年1月27日" not in answer.answer


def test_english_framing_around_chinese_quotes(answerer) -> None:
    answer = answerer.answer("What is the national target for new red mud utilization rate by 2030?")
    head = first_line(answer.answer)
    assert head.startswith("National:") and "25%" in head and "“" in head


def test_each_part_of_a_question_gets_its_sentence_first(answerer) -> None:
    answer = answerer.answer("八部门那个方案 指导思想跟双碳有关系没？基本原则有哪几条")
    head = first_line(answer.answer)
    assert "碳达峰碳中和" in head and "坚持问题导向" in head  # a sentence for the first part, the list for the second
    assert len(set(REF.findall(head))) == 2


def test_a_how_many_question_gets_the_count_then_the_items(answerer) -> None:
    head = first_line(answerer.answer("河南赤泥实施方案提出了几大行动？").answer)
    assert head.index("4大行动") < head.index("赤泥源头控制攻坚行动") and "产业协同发展行动" in head


def test_a_question_about_a_document_is_answered_from_its_metadata(answerer) -> None:
    answer = answerer.answer("国家那个赤泥综合利用行动方案 是几个部委发的？文号多少 啥时候发的")
    head = first_line(answer.answer)
    assert "工信部联节〔2024〕225号" in head and "2024年12月31日" in head
    cited = answer.citations[int(REF.search(head).group(1)) - 1]
    assert "工信部联节〔2024〕225号" in cited.text  # cited to the clause that states it
    missing = first_line(answerer.answer("贵州省赤泥行动方案是什么时候印发的？").answer)
    assert "未载明" in missing  # a date the document does not state is not guessed


@pytest.mark.parametrize("question", ["我们用赤泥做砖，有税收优惠吗？", "我们厂拿赤泥做建材，能减哪些税啊"])
def test_a_tax_question_names_the_taxes(answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert "增值税" in first_line(answer.answer)
    assert any(c.doc_id == "cn-2022-industrial-resources" and "企业所得税" in c.text for c in answer.citations)


def test_one_word_ending_in_tax_is_no_list_of_taxes() -> None:
    from chains.analysis import asked_kind

    taxes = asked_kind("能减哪些税")
    assert taxes is not None and taxes.search("按规定落实资源综合利用增值税、企业所得税和环境保护税等优惠政策。")
    assert not taxes.search("用好财税、金融、项目建设、环保管控等政策工具")


def test_brief_answers_stay_short(answerer) -> None:
    lengths = sorted(len(answerer.answer(q).answer) for q in SAMPLE)
    assert lengths[len(lengths) // 2] <= 220 and lengths[-1] <= 700


def test_composer_code_names_no_place() -> None:
    """Places come from the gazetteer and the documents' metadata, not from constants."""
    from knowledge.gazetteer import load_gazetteer

    names = {p.short for p in load_gazetteer().places.values() if p.level == 1 and len(p.short) >= 2}
    root = Path(__file__).resolve().parent.parent / "chains"
    for module in ("compose.py", "quoting.py", "headline.py", "firstline.py", "preview.py", "notes.py", "coverage.py", "metadata.py",
                   "enumeration.py"):
        tree = ast.parse((root / module).read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        strings = [node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
        assert not [s for s in strings if any(n in s for n in names)], module


def test_a_why_question_is_answered_by_the_reason_the_documents_give(answerer) -> None:
    head = first_line(answerer.answer("河南为啥不批新的赤泥库了").answer)
    assert "由于" in head and "黄河流域" in head and not head.startswith("文件没有直接规定")


def test_a_notices_recipients_are_answered_from_its_metadata(answerer) -> None:
    head = first_line(answerer.answer("八部门那个方案印发给哪些部门了？").answer)
    assert "主送：" in head and "工业和信息化主管部门" in head and "税务局" in head


def test_a_plans_period_and_a_replys_addressee_are_answered_from_the_documents(answerer) -> None:
    assert "2025—2030年" in first_line(answerer.answer("贵州那个赤泥行动方案管到哪年？").answer)
    assert "袁福平委员" in first_line(answerer.answer("焦作工信局的提案答复是回给谁的？").answer)


def test_a_replys_date_is_the_date_it_was_answered_and_no_note_contradicts_it(answerer) -> None:
    answer = answerer.answer("焦作工信局那个提案答复是哪天答复的")
    head = first_line(answer.answer)
    assert "2022年7月26日" in head and "287号" in head
    assert "没有规定具体时间" not in answer.answer and not answer.not_specified


def test_an_english_question_describing_a_document_gets_its_date(answerer) -> None:
    answer = answerer.answer("When was the eight-ministry plan on speeding up industrial resource utilization issued?")
    head = first_line(answer.answer)
    # read out in English, with the documents' own form beside it (what the reader finds in the text)
    assert "27 January 2022 (2022年1月27日)" in head and "八部门" in head


def test_a_places_own_target_leads_though_the_nations_states_a_figure(answerer) -> None:
    # (since the stand-in words, the line opens with Guizhou's own rate sentence, "新增赤泥综合利用率达到
    # 国家对贵州省的要求", before its 2027 goals: still Guizhou's, never the nation's 15%)
    head = first_line(answerer.answer("贵州这边到27年要达到个啥程度").answer)
    assert head.startswith("贵州：") and "到2027年" in head and "低成本降碱" in head and "15%" not in head, head


def test_the_first_clause_continues_under_the_line_when_nothing_else_of_it_matched(answerer) -> None:
    # the clause's next sentence (市政工程 may use the products) finishes the thought the line began
    answer = answerer.answer("赤泥建材产品 政府采购上有说法吗").answer
    head, _, rest = answer.partition("\n")
    assert "政府采购" in head and "市政工程" in rest
    assert REF.search(head).group(1) == REF.search(rest).group(1)  # the same clause, the same number


def test_a_place_that_states_no_figure_is_answered_by_its_own_sentence_not_anothers_figure(answerer) -> None:
    # Guizhou's plan sets its rate by reference ("达到国家对贵州省的要求"): that leads, not the nation's 15%
    head = first_line(answerer.answer("贵州新增赤泥综合利用率定了具体数字吗").answer)
    assert head.startswith("贵州") and "国家对贵州省的要求" in head
    head = first_line(answerer.answer("Does the Guizhou plan set a percentage for new red mud utilisation?").answer)
    assert head.startswith("Guizhou") and "国家对贵州省的要求" in head


def test_a_point_comes_only_from_a_clause_on_the_question(answerer) -> None:
    """A clause cited though none of its sentences shares more than generic words with the question
    (the national plan's "聚焦赤泥综合利用技术研发、产品生产及应用的重点领域，鼓励有关地区对项目建设予以
    支持" for a question on the products red mud goes into) stays in the full answer; the brief one
    keeps the points on the question. (The example was the 2022 plan's products beside a Jiaozuo
    clause until "赤泥" came to count as rare in the one document a question names.)"""
    answer = answerer.answer("Which products should red mud be used for under the national plans?")
    points = [line for line in answer.answer.split("\n") if line.startswith("• ")]
    assert points and not any("项目建设予以支持" in p for p in points), answer.answer
    assert "项目建设予以支持" in answer.answer_full and "陶粒" in answer.answer


def test_a_line_about_a_named_document_is_completed_from_that_document(answerer) -> None:
    # the question names the eight-department plan: the line's further sentences (the one of the kind
    # asked, those adding its words) come from that plan, not from Henan's targets cited beside it
    answer = answerer.answer("八部门方案对赤泥有什么目标")
    head = first_line(answer.answer)
    cited = {answer.citations[int(n) - 1].doc_id for n in REF.findall(head)}
    assert cited == {"cn-2022-industrial-resources"}, head
