"""The question analysis and clause structure the composer relies on, without an index: parts of
a question, two-digit years, lists inside clauses, document references, everyday words."""

from __future__ import annotations

import pytest

from chains.analysis import analyse, asked_kind, asking_clause, full_years, question_parts, without_relay
from chains.enumeration import list_items, stated_count
from chains.metadata import asked_fields, only_about_documents
from chains.naming import document_mentions, issuing_count, referred_documents
from knowledge.intake import build_meta
from knowledge.models import DocumentMeta


def test_a_question_is_cut_into_the_parts_that_ask_and_their_context() -> None:
    parts, context = question_parts("八部门那个方案 指导思想跟双碳有关系没？基本原则有哪几条")
    assert parts == ["指导思想跟双碳有关系没", "基本原则有哪几条"] and context == "八部门那个方案"
    assert question_parts("我们搞了个赤泥新工艺 能不能变成标准？标准出来后企业要干嘛")[0] == ["能不能变成标准", "标准出来后企业要干嘛"]
    assert question_parts("赤泥综合利用企业可以享受税收优惠吗？")[0] == ["赤泥综合利用企业可以享受税收优惠吗"]
    assert question_parts("Is there a catalogue? will it be updated?")[0] == ["Is there a catalogue", "will it be updated"]
    # an English part that starts with a joining word still asks
    assert question_parts("Who leads it? and what does it cost")[0] == ["Who leads it", "and what does it cost"]
    # an English part may open with a phrase before its question word
    parts, context = question_parts("In Henan, which office leads it? Is a company named?")
    assert parts == ["In Henan, which office leads it", "Is a company named"] and context == ""


def test_two_digit_years_are_read_as_the_documents_write_them() -> None:
    assert full_years("27年 30年各要到啥程度") == "2027年 2030年各要到啥程度"
    assert full_years("近30年来") == "近30年来" and full_years("到2030年") == "到2030年"


def test_who_questions_however_the_offices_are_counted() -> None:
    assert analyse("这块归哪几个部门").intent == "agency"
    assert analyse("宣传引导工作由哪些厅局负责？").intent == "agency"  # the offices by their kind: 厅, 局
    assert analyse("Who is responsible for improving red mud usability in Guizhou?").retrieval_text.startswith("improving")
    # a place or an adjective between "which" and the office, a verb instead of "responsible"
    assert analyse("Which Guizhou department handles red mud dealkalization?").intent == "agency"
    assert analyse("Who oversees red mud storage in Henan?").retrieval_text.startswith("red mud storage")
    assert analyse("Which provinces are named for demonstration projects?").intent != "agency"
    # who is asked only by a part that asks: "牵头" in what the asker tells of himself is no who-question
    assert analyse("我们商会想牵头搞个赤泥砖团体标准 河南那边支持社会团体做吗").intent != "agency"
    assert analyse("我们商会想搞个赤泥砖团体标准 河南那边谁牵头").intent == "agency"
    # the words asking who are no topic words; a verb of charge is ("leads": 牵头)
    keyword = analyse("Which department leads red mud work in Henan?").keyword_text
    assert "牵头" in keyword and "部门" not in keyword and "department" not in keyword.lower()
    assert "单位" not in analyse("贵州宣传赤泥走啥渠道？哪几个单位负责").keyword_text


def test_lists_inside_a_clause() -> None:
    assert list_items("要落实4大行动。一是甲行动。主要做好两项。二是乙行动。主要做好三项。") == ["甲行动", "乙行动"]
    assert list_items("——坚持绿色安全。严格遵守法规。\n——形成工作合力。发挥市场作用。") == ["坚持绿色安全", "形成工作合力"]
    assert list_items("现将方案印发给你们。\n工业和信息化部\n财政部\n商务部\n2022年1月27日") == ["工业和信息化部", "财政部", "商务部"]
    assert list_items("统一是关键。要统筹推进。") == []
    assert stated_count("具体是哪四个") == 4 and stated_count("有哪几条") is None
    # English states it after the determiner that asks which; a year or a rate is no count
    assert stated_count("What are the four main actions of Henan's plan?") == 4
    assert stated_count("Which eight government bodies issued it?") == 8 and stated_count("the 3 principles") == 3
    assert stated_count("What is the 2030 target?") is None and stated_count("Is the 15 percent rate binding?") is None
    assert stated_count("What are the main actions?") is None
    assert stated_count("是哪十三个部门") == 13 and stated_count("哪两三个") is None
    from chains.naming import office_count

    assert office_count("十三个部门那个文件") == 13 and office_count("八部门方案") == 8 and office_count("两三个部门") is None


def _doc(doc_id: str, title: str, short: str, place: str) -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, title=title, short_title=short, jurisdiction=place)


DOCS = {
    "plan": _doc("plan", "赤泥综合利用行动方案", "国家《赤泥综合利用行动方案》", "national"),
    "eight": _doc("eight", "关于加快推动工业资源综合利用的实施方案", "八部门《关于加快推动工业资源综合利用的实施方案》", "national"),
    "reply": _doc("reply", "焦作市工业和信息化局对提案的答复", "焦作市工信局对提案的答复", "焦作"),
}


def test_documents_referred_to_by_a_short_name() -> None:
    assert referred_documents("八部门方案咋说的", DOCS) == {"eight"}
    assert referred_documents("国家赤泥方案跟八部门方案都依据哪些法规", DOCS) == {"plan", "eight"}
    assert referred_documents("焦作答复里提了啥", DOCS) == {"reply"}
    assert referred_documents("国家方案里有啥", DOCS) == set()  # fits both national plans: neither


def test_a_short_name_without_a_place_means_the_document_of_no_place() -> None:
    docs = {**DOCS, "gz": _doc("gz", "贵州省赤泥综合利用行动方案（2025—2030年）", "《贵州省赤泥综合利用行动方案》", "贵州")}
    assert referred_documents("赤泥行动方案里说了啥", docs) == {"plan"}
    assert referred_documents("贵州赤泥行动方案里说了啥", docs) == {"gz"}


def test_a_year_in_a_short_name_is_the_documents_date() -> None:
    docs = {d: m.model_copy(update={"date": date}) for (d, m), date in zip(DOCS.items(), ["2024-12-31", "2022-01-27", "2022-07-26"], strict=True)}
    # the year no longer cuts the name off; it is named apart, as the year the document is dated
    assert document_mentions("八部门那个22年的方案里 赤泥往哪些产品上推", docs) == [("八部门那个", "eight"), ("2022年", "eight")]
    assert referred_documents("24年那个方案讲了啥", docs) == {"plan"}
    assert referred_documents("2022年的方案讲了啥", docs) == {"eight"}  # the reply of that year is no 方案


def test_the_unit_responsible_for_a_task_is_not_the_documents_issuer() -> None:
    # the classifier read "贵州方案中…这条，税务系统是哪个单位担任责任单位" as asking the issuer
    assert asked_fields("贵州方案中这条，税务系统是哪个单位担任责任单位", meant=["issuer"]) == []
    assert asked_fields("Which office is responsible for it in the plan?", meant=["issuer"]) == []
    assert asked_fields("这个方案是哪个部门印发的", meant=["issuer"]) == ["issuer"]
    assert asked_fields("这文件谁出的啊", meant=["issuer"]) == ["issuer"]
    assert asked_fields("When was it issued, and is the State Taxation Administration one of the issuers?") == ["issuer", "date"]


def test_what_a_question_asks_about_a_document() -> None:
    assert asked_fields("是几个部委发的？文号多少 啥时候发的") == ["issuer", "doc_number", "date"]
    assert asked_fields("八部门方案是哪年发布的？") == ["date"]
    assert asked_fields("贵州推动赤泥源头减量由哪些部门负责？") == []
    assert only_about_documents(["是几个部委发的", "文号多少"]) and not only_about_documents(["文号多少", "支持哪些方面"])
    assert asked_fields("提案答复是回给谁的？哪天答复的") == ["date", "addressee"]
    # 哪位 asks for a person as 谁 does; a bare 回 ending its phrase is the reply's verb, 回填 is not
    assert asked_fields("那个答复 是回给哪位委员的 啥时候回的") == ["date", "addressee"]
    assert asked_fields("焦作啥时候回填赤泥") == []
    # the fields by their official names: 发文日期 is the date, as 发文单位 is the issuer
    assert asked_fields("行动方案的发文日期和文号分别是什么") == ["doc_number", "date"]
    assert asked_fields("是哪个部门发文的") == ["issuer"]
    assert asked_fields("贵州那个行动方案管到哪年") == ["period"] and asked_fields("Which years does the plan cover?") == ["period"]
    assert asked_fields("补贴申请有期限吗") == []  # a deadline of a measure is not the plan's period
    assert asked_fields("贵州那个方案管到哪一年") == ["period"]
    assert asked_fields("Which ministries issued the 2022 plan, and on what date?") == ["issuer", "date"]
    assert asked_fields("那个实施方案落款日期是哪天") == ["date"]  # the date it was signed


def test_applications_alone_are_uses_not_a_procedure() -> None:
    assert analyse("Does the plan say anything about red mud applications?").asks == []
    assert analyse("What is the application process for the subsidy?").asks == ["procedure"]
    # colloquial and plain words for a time and a deadline ask for them as the formal ones do
    assert "deadline" in analyse("企业最晚啥时候交方案").asks and "time" in analyse("这个方案啥时候出的").asks


def test_the_kind_of_answer_a_question_asks_for() -> None:
    where = asked_kind("山东哪些地方在国家赤泥示范工程里")  # the places inside the one named, from the gazetteer
    assert where is not None and where.findall("依托淄博工业资源综合利用基地，以及滨州、聊城等地区") == ["淄博", "滨州", "聊城"]
    assert where.search("鼓励山西、山东、河南等地建设示范工程") is None
    assert asked_kind("方案在哪些地方做了调整") is None and asked_kind("贵州哪些市场需要赤泥产品") is None
    assert asked_kind("为啥不让新建赤泥库").search("由于我省地处黄河流域")
    # a magnitude asked by its size is a measured figure, as "多少" is
    for size in ("历史存量有多大", "how big is the stockpile"):
        kind = asked_kind(size)
        assert kind is not None and kind.search("年新增量290万吨") and not kind.search("逐步消纳存量的思路")
    # English asks in its last clause, not its last word
    assert asking_clause("We make bricks from red mud, is there a tax break?") == "is there a tax break"
    assert asked_kind(asking_clause("Which Henan cities are named in the demonstration column?")) is not None


def test_a_documents_period_and_addressee_come_from_its_own_text() -> None:
    assert DocumentMeta(doc_id="g", title="贵州省赤泥综合利用行动方案（2025—2030年）").period == "2025—2030年"
    assert DocumentMeta(doc_id="n", title="赤泥综合利用行动方案").period is None
    reply = "某市工业和信息化局\n对市政协第12号提案的答复\n\n张三委员：\n\n您提出的关于赤泥的提案收悉。"
    assert build_meta({}, filename="reply.txt", text=reply).addressee == "张三委员"
    assert build_meta({}, filename="plan.txt", text="某省赤泥方案\n\n一、总体要求：\n推动利用。").addressee is None


def test_a_date_asked_however_long_the_documents_name() -> None:
    assert asked_fields("焦作那个提案是哪天答复的") == ["date"]
    long_name = "When was the eight-ministry plan on speeding up industrial resource utilization issued?"
    assert asked_fields(long_name) == ["date"]
    # a time asked with no verb of its own, beside another fact about the document; alone it is no date
    assert asked_fields("焦作那个提案答复是回给谁的 哪天") == ["date", "addressee"]
    assert asked_fields("文号多少 什么时候") == ["doc_number", "date"]
    assert asked_fields("赤泥什么时候能用完") == []


def test_the_words_naming_a_document_are_not_the_topic(answerer) -> None:
    assert document_mentions("八部委那个文件里要重点突破啥技术", DOCS) == [("八部委", "eight")]
    answer = answerer.answer("八部委那个文件里赤泥综和利用要重点突破啥技术难关")
    head = answer.answer.split("\n", 1)[0]
    assert "低成本脱碱" in head and "六部委" not in head  # not the sentence that shares "部委"


def test_the_english_glossary_is_data_staff_extend(tmp_path, monkeypatch) -> None:
    from chains import glossary

    extra = tmp_path / "glossary.tsv"
    extra.write_text("# a new document's terms\nzinc slag|zinc residue\t锌渣\nnot an entry\n", encoding="utf-8")
    monkeypatch.setattr(glossary, "GLOSSARY", extra)
    glossary.entries.cache_clear()
    try:
        assert glossary.expand("What about zinc residue in 2026?") == ["锌渣", "2026年"]
    finally:
        monkeypatch.undo()
        glossary.entries.cache_clear()
    assert "赤泥" in glossary.expand("red mud")  # the bundled file again
    assert "示范工程" in " ".join(glossary.expand("where are the demo projects")) and "原则" in glossary.expand("its principles")
    assert {"定期", "汇总 梳理"} <= set(glossary.expand("which bureaus must regularly compile the figures"))


def test_which_is_not_how_many() -> None:
    """"哪几个地方" asks which places; "几个基地" how many (only that may get a not-specified note)."""
    assert "quantity" not in analyse("山东哪几个地方是赤泥示范的重点").asks
    assert "quantity" in analyse("国家要建几个示范基地").asks


def test_a_notices_recipients_are_its_addressee() -> None:
    """A notice's salutation is its list of recipients, the line "现将……印发给你们" follows."""
    notice = ("某某部关于印发赤泥方案的通知\n\n各省、自治区工业和信息化主管部门；各省税务局：\n\n"
              "现将《赤泥方案》印发给你们，请认真贯彻落实。\n\n某某部\n")
    assert build_meta({}, filename="notice.txt", text=notice).addressee == "各省、自治区工业和信息化主管部门；各省税务局"
    assert asked_fields("八部门那个通知下发给哪些单位了") == ["addressee"]
    assert asked_fields("Who was the notice sent to?") == ["addressee"]
    # a plan's "一、总体要求：" is no salutation: no "现将" follows it
    assert build_meta({}, filename="plan.txt", text="某省方案\n\n一、总体要求：\n\n推动利用。").addressee is None


def test_a_measure_asked_by_its_unit_or_dimension_is_a_quantity() -> None:
    """"具体几毫米", "要建多高" ask for a figure as "多少" does; the not-specified note may follow."""
    assert "quantity" in analyse("防渗层文件里有规定吗 具体几毫米").asks
    assert "quantity" in analyse("赤泥库坝要建多高").asks
    assert "quantity" not in analyse("赤泥能做砖吗").asks


def test_the_kind_asked_is_read_from_an_earlier_part_when_the_last_asks_none() -> None:
    """"有没有写具体利用率数字？跟国家比咋样": the last part compares; the figure is asked before it."""
    analysis = analyse("贵州方案有没有写具体利用率数字 跟国家比咋样")
    assert analysis.kind is not None and analysis.kind.search("新增赤泥综合利用率达到 15%")
    assert asked_kind("跟国家比咋样") is None


def test_a_bare_who_asks_for_a_unit_in_charge_only_beside_a_word_of_charge(answerer) -> None:
    from chains.analysis import asks_office

    assert asks_office("这事归谁管") and asks_office("谁来牵头") and asks_office("Which department handles it?")
    assert not asks_office("焦作的赤泥是谁产生的") and not asks_office("领导小组组长是谁")
    # "which one … is in charge", however the office is called; a 负责人 is a person
    assert asks_office("地方上由哪个口子总负责") and asks_office("哪家牵头") and not asks_office("哪个项目负责人是谁")
    first = answerer.answer("国家赤泥方案落地 地方上由哪个口子总负责 进展往哪报").answer.split("\n")[0]
    assert "工业和信息化主管部门" in first
    # "who produces it" is answered by the sentence naming the producer, with no "no responsible unit" lead
    first = answerer.answer("焦作的赤泥是谁产生的").answer.split("\n")[0]
    assert first.startswith("焦作：") and "中州铝业" in first


def test_a_part_asking_for_the_taxes_gets_the_clause_naming_them_though_it_ranks_lower(answerer) -> None:
    # "所得税能不能减" asks for taxes by name: the clause naming 企业所得税 ranks below the brick clauses
    first = answerer.answer("我们小厂用赤泥做免烧砖 所得税能不能减 另外政府会不会采购我们的砖").answer.split("\n")[0]
    assert "企业所得税" in first


def test_an_office_asked_for_with_a_word_of_its_field_between_is_a_who_question(answerer) -> None:
    from chains.analysis import asks_office

    assert asks_office("该找哪个税务部门") and asks_office("哪些省直部门负责") and asks_office("哪几个单位")
    first = answerer.answer("贵州这边赤泥企业想问税收优惠 该找哪个税务部门 方案里有写吗").answer.split("\n")[0]
    assert "国家税务总局贵州省税务局" in first


def test_a_who_question_about_the_nation_names_the_nations_offices_not_a_provinces_list(answerer) -> None:
    first = answerer.answer("国家层面赤泥这摊事到底谁牵头 企业要不要定期报情况").answer.split("\n")[0]
    assert first.startswith("国家") and "工业和信息化主管部门" in first and "省工业和信息化厅" not in first


def test_a_stated_count_of_two_is_not_answered_by_a_longer_list(answerer) -> None:
    # "哪两个" asks for two things: a sentence listing three countries is no better answer for being a list
    first = answerer.answer("中州铝业建的是哪两个赤泥项目").answer.split("\n")[0]
    assert "新美家" in first and "百奥恒" in first and "印度尼西亚" not in first


def test_a_sentence_of_the_kind_asked_leads_only_when_it_is_on_the_question(answerer) -> None:
    # "攻哪些方向" wants a list, but the clause's only three-item list ("协同降碳、减污、扩绿") is its
    # preamble: the sentence on 科技攻关 leads
    first = answerer.answer("河南方案里科技攻关重点攻哪些方向").answer.split("\n")[0]
    assert "科技攻关" in first and "十五五" not in first


def test_each_year_a_figure_question_names_gets_its_own_figure(answerer) -> None:
    # the national plan states 2027's rate and 2030's five sentences apart: both years asked, both shown
    first = answerer.answer("国家行动方案里 2027年跟2030年的新增赤泥利用率目标分别是多少").answer.split("\n")[0]
    assert first.startswith("国家") and "15%" in first and "25%" in first
    assert first.index("2027") < first.index("15%") < first.index("2030") < first.index("25%")


def test_a_target_question_with_few_words_of_its_own_gets_the_figure_sentences(answerer) -> None:
    # "目标各是多少" shares no word with "新增赤泥综合利用率达到 15%。": its figure still answers, and the
    # nation's own sentence, not Henan's restatement, for a question about the national plan
    first = answerer.answer("国家赤泥方案27年 30年目标各是多少").answer.split("\n")[0]
    assert first.startswith("国家") and "15%" in first and "25%" in first


def test_what_a_question_sets_aside_is_neither_its_topic_nor_its_kind(answerer) -> None:
    from chains.analysis import outside_exceptions, without_exceptions

    weights = {"融资": 3.0, "贷款": 1.8, "银行": 1.2}
    assert outside_exceptions("做项目缺钱 除了银行贷款还有啥融资路子", weights) == {"融资": 3.0}
    assert outside_exceptions("银行贷款难 除了银行贷款还有啥", weights) == weights  # used outside the aside too
    assert without_exceptions("Besides tax, is there other support?").strip().startswith(",")
    assert outside_exceptions("去除赤泥中的碱", weights) == weights  # 去除 sets nothing aside
    # "apart from tax breaks" asks for support other than the taxes: the taxes do not lead
    first = answerer.answer("Apart from tax breaks, what support does the national red mud plan give?").answer.split("\n")[0]
    assert "增值税" not in first and "税收优惠" not in first
    first = answerer.answer("除了税收优惠 国家对赤泥建材产品还有啥支持").answer.split("\n")[0]
    assert "政府采购" in first and "税收优惠" not in first


def test_a_date_to_the_month_answers_when_before_a_target_year(answerer) -> None:
    from chains.firstline import kind_bonus

    when = asked_kind("啥时候投产")
    assert when is not None
    assert kind_bonus(when, "一期于2022年1月建成投产") > kind_bonus(when, "确保到2025年全部建成投产") > 0
    assert kind_bonus(asked_kind("文号多少"), "于2022年1月建成") == 0  # only a when-question weighs the month
    # "两个项目叫什么，什么时候投产": the sentence giving each project's month, not the year all of them will run
    first = answerer.answer("中州铝业那两个赤泥项目叫什么名字，分别什么时候投产").answer.split("\n")[0]
    assert "新美家" in first and "2022年1月" in first


def test_a_fact_of_the_document_is_cited_to_its_full_title(answerer) -> None:
    """"回给谁 哪天": the reply's addressee and date, cited to the document by its full title, which
    names the proposal answered (its short title, shown elsewhere, does not)."""
    answer = answerer.answer("焦作工信局对提案的答复是哪天发的 给谁的")
    first = answer.answer.split("\n")[0]
    assert "袁福平" in first and "2022年7月26日" in first
    cited = {c.doc_title for c in answer.citations if c.doc_id == "jiaozuo-2022-proposal-reply"}
    assert "《焦作市工业和信息化局对市政协十四届五次会议第287号提案的答复》" in cited
    plain = answerer.answer("焦作对赤泥综合利用企业有哪些扶持")  # no document fact asked: the short title
    assert all(c.doc_title == "焦作市工信局对政协第287号提案的答复" for c in plain.citations if c.doc_id.startswith("jiaozuo"))


def test_a_part_asking_only_an_amount_or_a_time_gets_its_sentence(answerer) -> None:
    """"每年能消耗多少赤泥 啥时候全部投产": neither part has a topic word of its own, yet one asks for
    an amount and the other for a date; each gets the sentence stating it, not the projects' names."""
    first = answerer.answer("新美家和百奥恒两个项目全部投产以后 每年能消耗多少赤泥 啥时候全部投产").answer.split("\n")[0]
    assert "180万吨" in first and "2025年" in first
    # comparing two documents, "有没有具体数" wants each side's figure: both documents lead
    first = answerer.answer("八部门方案跟河南方案定的赤泥利用率目标有啥不一样 有没有具体数").answer.split("\n")[0]
    assert first.startswith("国家") and "河南" in first and "15%" in first


def test_a_who_question_is_answered_by_the_segment_naming_the_office(answerer) -> None:
    first = answerer.answer("国家赤泥方案里到底谁挑大梁 工作调度归哪个部门").answer.split("\n")[0]
    assert "工业和信息化主管部门" in first


def test_a_last_clause_that_says_no_what_leaves_the_asking_to_the_part_before(answerer) -> None:
    # "有没有说法" asks, but about nothing: the part before it says what ("哪些赤泥脱碱技术"), so the
    # sentence listing the techniques leads, not one sharing 砖 with the context
    first = answerer.answer("我们是做赤泥基建材的小厂，原料碱性太大，砖老是泛碱。想知道国家层面鼓励哪些赤泥脱碱技术，有没有说法"
                            ).answer.split("\n")[0]
    assert first.index("钙法") < 40


def test_a_question_for_several_offices_gets_each_sentence_naming_one(answerer) -> None:
    from chains.analysis import asks_offices

    assert asks_offices("跟哪些部门沟通") and asks_offices("Which Guizhou departments handle it?")
    assert not asks_offices("归哪个部门管")
    # the reply names three offices, one sentence each, with what each will do for the companies
    first = answerer.answer("焦作市工信局打算跟哪些部门沟通帮固废利用企业 能有啥实惠").answer.split("\n")[0]
    assert all(office in first for office in ("生态环境部门", "住建部门", "发改委")) and "天然气" in first


def test_a_word_inside_a_longer_match_adds_nothing_to_what_a_sentence_covers(answerer) -> None:
    from knowledge.keyword import outermost

    assert outermost({"再生资源", "再生", "资源", "用地"}) == {"再生资源", "用地"}
    # land and green finance, both from the clause that gives them; not a sentence on 再生资源 counted three times
    first = answerer.answer("Does the 2022 eight-ministry plan give land or green-finance support to resource recycling "
                            "projects?").answer.split("\n")[0]
    assert "用地支持" in first and "绿色信贷" in first


def test_a_part_asking_a_figure_gets_the_one_for_the_year_the_question_names(answerer) -> None:
    from chains.quoting import figure_years, quote
    from chains.retrieval import Hit

    # the year is said once, before the parts ("说到2030年"): the 2027 figure is no answer to either
    first = answerer.answer("说到2030年 国家的新增赤泥利用率定了多少 还有别的目标吗").answer.split("\n")[0]
    assert "25%" in first and ("15%" not in first or first.index("25%") < first.index("15%"))
    # a figure's year is its sentence's own, else the one an earlier sentence of the clause sets
    clause = next(c for c in answerer.index.snapshot().clauses if "新增赤泥综合利用率达到 25%" in c.text)
    q = quote(Hit(clause, answerer.index.snapshot().documents[clause.doc_id], 1.0), {})
    figure = next(i for i, s in enumerate(q.body) if "25%" in s)
    assert figure_years(q.body, figure) == {"2030"}


def test_a_document_is_referred_to_by_who_issued_it_though_less_than_by_its_title() -> None:
    docs = {**DOCS, "plan": DOCS["plan"].model_copy(update={"issuer": "工业和信息化部等六部门"}),
            "eight": DOCS["eight"].model_copy(update={"issuer": "工业和信息化部、国家发展和改革委员会、国家税务总局"})}
    assert referred_documents("那个六部门的赤泥文件 文号多少", docs) == {"plan"}
    assert referred_documents("那个六部门的赤泥文件 文号多少", DOCS) != {"plan"}  # the issuer is what names it
    # a count of offices the name states must be the document's: "部等" is a pair of both issuer lines
    assert referred_documents("工信部等八个部门那个方案 标准咋说", docs) == {"eight"}
    assert issuing_count(docs["plan"]) == 6 and issuing_count(docs["eight"]) == 8 and issuing_count(DOCS["reply"]) is None
    # "委员" of 改革委员会 is a pair of the issuer line only: the reply named by its proposal stays meant
    assert referred_documents("焦作那个答复是回哪位委员的提案", docs) == {"reply"}


def test_a_lead_in_saying_who_relays_the_question_is_not_part_of_it(answerer) -> None:
    assert without_relay("会员单位咨询：贵州扩大赤泥综合利用规模这项任务，责任单位有哪些？").startswith("贵州扩大")
    assert without_relay("有企业问：能减哪些税") == "能减哪些税"
    assert without_relay("贵州会员咨询：能减哪些税") == "贵州省 能减哪些税"  # a place it names stays
    assert without_relay("问题：能减哪些税") == "问题：能减哪些税"  # a topic, not who asks
    assert without_relay("请问：") == "请问："  # nothing after it: nothing to strip to
    # "会员单位" would have pulled the sentence on 有关成员单位 over the task asked about
    answer = answerer.answer("会员单位咨询：贵州扩大赤泥综合利用规模这项任务，责任单位有哪些？")
    assert "省自然资源厅" in answer.answer.split("\n")[0], answer.answer
    assert answer.question.startswith("会员单位咨询") and not answer.standalone_question


def test_taxes_set_aside_get_no_note_on_tax_rates(answerer) -> None:
    answer = answerer.answer("除了减税 做工业固废综合利用的还能拿到用地 绿色债券这些支持吗")
    assert "用地支持" in answer.answer.split("\n")[0] and "税收公告" not in answer.answer, answer.answer


@pytest.mark.parametrize("question", ["Are there tax breaks for companies that recycle red mud?",
                                      "What percentage of VAT is refunded on red mud bricks?"])
def test_an_english_tax_question_gets_the_note_a_chinese_one_gets(answerer, question: str) -> None:
    # the documents name the taxes and no rate: said in English as it is in Chinese ("文件没有规定具体比例或金额")
    answer = answerer.answer(question).answer
    assert "do not specify a rate or amount" in answer and "tax office" in answer, answer
