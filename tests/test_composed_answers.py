"""What the composer makes of the question analysis, on the real service over the bundled corpus:
who-questions, the kind of answer asked, the years and counts a question names, what it sets aside,
and the notes under the first line. The analysis itself is tested without an index in
test_answer_mechanisms.py."""

from __future__ import annotations

import pytest

from chains.analysis import asked_kind, without_relay


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


def test_a_qa_answer_to_the_question_asked_fills_the_first_line(answerer) -> None:
    # the Henan Q&A answers "在科技攻关方面需重点做些什么" in one paragraph: asked that, the first line
    # carries the answer on (磁化捕集 is its third sentence), not its opening sentence alone
    text = answerer.answer("河南的赤泥科技攻关要重点做些什么").answer
    first = text.split("\n")[0]
    assert first.startswith("河南：") and "磁化捕集" in first
    assert text.count("磁化捕集") == 1  # and no point repeats what the line quotes
