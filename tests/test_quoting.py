"""Quote selection on real clauses of the bundled corpus: what a quote keeps, and how it marks cuts."""

from __future__ import annotations

from chains.quoting import ELLIPSIS, Quoted, abridge, quote, year_context
from chains.retrieval import Hit
from knowledge.models import Clause, DocumentMeta

DOC = DocumentMeta(doc_id="d", title="t")


def hit(text: str, path: list[str] | None = None) -> Hit:
    return Hit(Clause(doc_id="d", section_path=path or ["（一）标题"], text=text), DOC, 1.0)


def test_sentences_that_are_not_adjacent_are_joined_with_an_ellipsis() -> None:
    h = hit("甲方案支持砖。乙内容无关。丙支持税收优惠。")
    q = Quoted(h, ["甲方案支持砖。", "乙内容无关。", "丙支持税收优惠。"], [1.0, 0.0, 1.0], [0, 2], [0, 2])
    assert q.text == "甲方案支持砖。" + ELLIPSIS + "丙支持税收优惠。"
    assert Quoted(h, q.body, q.scores, [0, 1], [0, 1]).text == "甲方案支持砖。乙内容无关。"


def test_a_figure_keeps_the_year_of_an_earlier_sentence() -> None:
    body = ["到 2030 年，赤泥综合利用水平进一步提升。", "技术进一步突破。", "新增赤泥综合利用率达到 25%。"]
    assert year_context(body, 2) == "到 2030 年"
    # the nearest year before the figure: the last one the sentence before names, not its first
    later = ["与2018年相比，2021年全市工业固废产生量由1547万吨降至1031万吨，下降了33.4%；", "综合利用率由67.1%提高到82.8%。"]
    assert year_context(later, 1) == "2021年全市工业固废产生量由1547万吨降至1031万吨"
    q = Quoted(hit("".join(body)), body, [0.0, 0.0, 2.0], [2], [2])
    brief = q.brief({"综合利用率": 1.0})
    assert brief.startswith("到 2030 年" + ELLIPSIS) and brief.endswith("25%。")


def test_abridging_keeps_the_matching_segments_and_marks_the_cut() -> None:
    sentence = ("坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的十九大精神，立足新发展阶段，构建新发展格局，"
                "以技术创新为引领，以供给侧结构性改革为主线，大力推动重点行业工业固废源头减量，助力如期实现碳达峰碳中和目标。")
    short = abridge(sentence, {"碳达峰": 3.0}, limit=40)
    assert "碳达峰碳中和" in short and short.startswith(ELLIPSIS) and len(short) < len(sentence)
    assert abridge("很短的一句。", {"短": 1.0}) == "很短的一句。"


def test_a_two_part_question_gets_a_sentence_for_each_part() -> None:
    text = "推动梯次利用骨干企业发展。推进废旧动力电池在备电、充换电等领域安全梯次应用。加强宣传。"
    q = quote(hit(text), {"骨干企业": 2.0, "备电": 2.0}, "国家要培育骨干企业不？能用在备电吗")
    assert any("骨干企业" in s for s in q.sentences) and any("备电" in s for s in q.sentences)
    assert "加强宣传。" not in q.sentences


def test_abridging_prefers_the_segment_adding_a_word_the_kept_ones_lack() -> None:
    # "组长" is in two segments ("为组长", "为副组长"); once the best segment is kept, the shorter
    # one that adds the word is taken, not the one that repeats words already shown
    sentence = ("为推进大宗工业固废综合利用，加快基地建设，焦作市成立了以分管副市长为组长，市政府办分管领导、市工信局局长为副组长，"
                "市工信、发改、环保、财政等13个部门分管领导为成员的焦作市加快工业资源综合利用建设领导小组。")
    short = abridge(sentence, {"领导小组": 4.0, "小组": 3.3, "组长": 3.8, "领导": 1.9}, limit=75)
    assert "以分管副市长为组长" in short and "领导小组" in short and len(short) < len(sentence)


def test_a_later_quote_leaves_out_what_the_line_has_said_unless_it_was_asked_about() -> None:
    said = "有关地区应结合氧化铝产业发展趋势，合理布局赤泥综合利用产业，新建氧化铝项目应配套建设相应的赤泥综合利用能力。"
    sentence = ("探索“产用挂钩”方式，有关地区应合理布局赤泥综合利用产业，强化落实氧化铝企业主体责任，"
                "新建、扩建氧化铝项目需满足铝行业规范条件，配套建设相应的赤泥综合利用能力，引导企业配套建设电解工序。")
    weights = {"新建": 1.5, "氧化铝项目": 2.0, "要求": 0.3}
    alone = abridge(sentence, weights, limit=120)
    assert alone == sentence  # it fits: nothing is cut when nothing was said before
    after = abridge(sentence, weights, limit=120, said=said)
    assert "合理布局" not in after and "相应的赤泥综合利用能力" not in after
    assert "铝行业规范条件" in after and "电解工序" in after and ELLIPSIS in after
    # a repeat of the words asked about stays: both documents' mention is the answer
    asked = abridge(sentence, {"产用挂钩": 3.0}, limit=120, said="鼓励探索“产用挂钩”等方式。")
    assert asked.startswith("探索“产用挂钩”方式")


def test_a_notices_signing_block_is_never_quoted() -> None:
    # issuers, the date and the title are lines without punctuation: names, not provisions
    text = "现将方案印发给你们，请认真贯彻落实。\n工业和信息化部\n国家税务总局\n2022年1月27日\n关于加快推动工业资源综合利用的实施方案\n工业资源综合利用是重要内容。"
    quoted = quote(hit(text), {"2022": 2.0, "工业资源": 1.0}, "2022年那个工业资源方案说了啥")
    assert all("国家税务总局" not in s and not s.startswith("关于") for s in quoted.sentences)
    assert "工业资源综合利用是重要内容。" in quoted.sentences


def test_a_cut_keeps_the_segments_of_the_kind_asked_for() -> None:
    from chains.headline import names_office

    sentence = ("有关部门要按职责督促重点企业落实工作方案，工业和信息化主管部门要发挥牵头抓总作用，做好工作调度，"
                "定期汇总梳理工作开展情况，以及赤泥产生、利用情况，有关进展及时上报。")
    weights = {"调度": 3.3}
    # by the question's words alone the office is cut off; a who-question's cut keeps it
    assert "主管部门" not in abridge(sentence, weights, 74)
    kept = abridge(sentence, weights, 74, favour=names_office)
    assert "工业和信息化主管部门要发挥牵头抓总作用" in kept and "工作调度" in kept


def test_a_which_ones_cut_keeps_the_segment_that_lists_them() -> None:
    from chains.enumeration import enumerates

    # the national plan's clause on standards; "在哪些环节上出标准" shares only 标准 with it
    sentence = ("围绕赤泥预处理，污染防治，综合利用产品设计、生产、应用、使用维护、检验检测和碳减排核算等方面，"
                "研究制定相关标准和技术规范，着力构建上下游相互贯通、紧密衔接的赤泥综合利用标准体系。")
    weights = {"标准": 1.2}
    assert "碳减排核算" not in abridge(sentence, weights, 76)
    kept = abridge(sentence, weights, 76, favour=enumerates)
    assert "检验检测和碳减排核算等方面" in kept and "研究制定相关标准" in kept
    # a point's cut passes the favour on (Quoted.brief is what a point shows)
    q = Quoted(hit(sentence), [sentence], [1.0], picked=[0], order=[0])
    assert "碳减排核算" in q.brief(weights, 76, favour=enumerates)
    assert not enumerates("研究制定相关标准和技术规范，")


def test_a_sentence_without_a_comma_is_not_cut_mid_phrase_for_a_few_characters() -> None:
    sentence = "对符合条件的工业资源综合利用项目给予用地支持。"
    assert abridge(sentence, {"用地": 1.0}, limit=len(sentence) - 4) == sentence  # not "…给予用地……"
    assert abridge(sentence, {"用地": 1.0}, limit=8) == sentence[:8] + ELLIPSIS  # far over: still cut
