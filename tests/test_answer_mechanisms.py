"""The question analysis and clause structure the composer relies on, without an index: parts of
a question, two-digit years, lists inside clauses, document references, everyday words (one test
also asks the real service, where a document's short name meets retrieval). What the composer makes
of them on the real service is in test_composed_answers.py."""

from __future__ import annotations

from chains.analysis import analyse, asked_kind, asking_clause, full_years, question_parts
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


def test_an_indefinite_ji_asks_no_count() -> None:
    from chains.firstline import asks_count, counted

    # "好几家" (several) and "几乎" (almost) say how many there are; they do not ask
    said = "河南还能新建赤泥库不 俺听说好几家库容都快满了"
    assert analyse(said).intent != "target" and not asks_count(said) and counted(said) is None
    assert not asks_count("几乎所有企业都在堆存")
    asked = "河南有几家氧化铝企业"
    assert analyse(asked).intent == "target" and asks_count(asked) and counted(asked) is not None


def test_an_english_issuer_is_asked_in_the_singular_and_by_signing_too() -> None:
    # "which office issued it" (one office), "which ministries co-signed", "who signed": the issuer
    assert asked_fields("Which ministries co-signed the January 2022 plan?") == ["issuer"]
    assert asked_fields("What date is on the Jiaozuo reply, and which office issued it?") == ["issuer", "date"]
    assert asked_fields("Who signed the Guizhou plan?") == ["issuer"]
    assert asked_fields("Which department is responsible for standards?") == []
