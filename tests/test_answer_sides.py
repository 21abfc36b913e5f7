"""A question with sides (a place beside a document it names) gets each side's own sentence."""

from __future__ import annotations

from chains.analysis import analyse
from chains.naming import mentions_document


def test_a_place_asked_beside_a_document_named_is_answered_from_its_own_documents(answerer) -> None:
    # the first part asks Jiaozuo's rate, the second the eight-department plan's target: the plan,
    # named and so ranked first, does not answer for Jiaozuo; its 2025 target is the sentence with
    # the figure, whose year the sentence before it states
    first = answerer.answer("焦作的工业固废综合利用率现在多少了，跟八部门方案2025年的目标比怎么样").answer.split("\n")[0]
    assert first.startswith("焦作") and "82.8%" in first
    assert "国家" in first and "57%" in first
    assert first.index("82.8%") < first.index("57%")


def test_a_part_naming_a_document_is_the_documents_to_answer() -> None:
    assert mentions_document("跟八部门方案2025年的目标比怎么样")
    assert mentions_document("焦作答复里说了啥")
    assert not mentions_document("焦作的工业固废综合利用率现在多少了")


def test_a_second_sides_quote_leaves_out_what_the_first_said(answerer) -> None:
    # Guizhou's sentence restates the nation's ("合理布局…", "配套建设相应的…能力") before what it adds:
    # the line shows what it adds, within what a preview shows
    first = answerer.answer("新建氧化铝厂 国家和贵州的要求一样吗").answer.split("\n")[0]
    assert first.startswith("国家") and "贵州：……" in first
    assert "电解工序" in first[:150] and "铝行业规范条件" in first[:150]


def test_a_column_item_headed_by_the_place_asked_about_answers_for_it(answerer) -> None:
    # the national plan's column item headed 广西 never names the province; a sentence listing six
    # provinces does, in passing: the item is Guangxi's, in English as in Chinese
    first = answerer.answer("What red mud projects are planned for Guangxi?").answer.split("\n")[0]
    assert "北海" in first[:150] or "百色" in first[:150]


def test_a_place_the_asker_only_says_he_is_in_is_not_the_topic(answerer) -> None:
    # "Our brick plant is in Shandong." sets the context; the question is which bricks: Shandong's
    # column item (powders, iron concentrate) does not lead
    first = answerer.answer("Our brick plant is in Shandong. Which kinds of bricks does the national plan allow "
                            "from red mud?").answer.split("\n")[0]
    assert "免烧砖" in first and "淄博" not in first


def test_an_english_statement_before_the_question_is_its_context() -> None:
    analysis = analyse("My company is in Guizhou. Which cities are named as red mud producing areas?")
    assert analysis.parts == ["Which cities are named as red mud producing areas"]
    assert analysis.context == "My company is in Guizhou."
    # the cities asked for are those inside the place the context names
    assert analysis.kind is not None and analysis.kind.search("遵义市") and not analysis.kind.search("淄博市")


def test_an_english_statement_before_the_question_adds_no_sentence_to_the_first_line(answerer) -> None:
    # "Our company reuses industrial solid waste." says who asks: the line is completed with what the
    # question asks (land, green finance), not with sentences on solid waste
    first = answerer.answer("Our company reuses industrial solid waste. Can projects like ours get land support "
                            "or green finance under the eight-department plan?").answer.split("\n")[0]
    assert "用地支持" in first[:150] and "绿色信贷" in first[:150] and "医疗废物" not in first


def test_a_parts_answer_is_sought_below_the_clauses_the_whole_question_ranks_first() -> None:
    from chains.firstline import part_sentence
    from chains.quoting import quote
    from chains.retrieval import Hit
    from knowledge.models import Clause, DocumentMeta

    # the whole question ranks the first part's clauses first; the clause answering the second part
    # ("政府采购") ranks fourth, and still answers it
    doc = DocumentMeta(doc_id="plan", title="行动方案")
    texts = ["落实资源综合利用税收优惠政策。", "按规定落实增值税、企业所得税等优惠政策。",
             "支持利用赤泥生产烧结砖、免烧砖。", "适时研究对赤泥建材产品的政府采购支持政策。"]
    hits = [Hit(Clause(doc_id="plan", section_keys=[str(n)], text=t, order=n), doc, 1.0 - 0.05 * n)
            for n, t in enumerate(texts)]
    focus = {"政府": 1.4, "采购": 2.7}
    pool = [quote(h, focus) for h in hits]
    q, i = part_sentence(pool, focus, lambda _: False, False, [], "另外政府会不会采购")
    assert "政府采购" in q.body[i]


def test_the_place_asked_about_answers_in_its_own_words_though_the_nation_shares_more_of_the_question_s(answerer) -> None:
    # the question says 稀有…金属 as the nation does; Guizhou's plan says 稀贵金属 and names 铌
    first = answerer.answer("贵州打算从赤泥里面提取哪些稀有的贵重金属").answer.split("\n")[0]
    assert first.startswith("贵州") and "铌" in first


def test_a_side_compared_answers_with_its_target_not_its_current_rate(answerer) -> None:
    # Henan's reply states the 2024 rate (12.1%) and the plan's targets (15%, 25%): a comparison of
    # targets quotes the targets, as the nation's side does
    first = answerer.answer("河南定的赤泥利用率指标跟国家比是高还是低").answer.split("\n")[0]
    henan = first[first.index("河南："):]
    assert "15%" in henan and "12.1%" not in henan
