"""A question with sides (a place beside a document it names) gets each side's own sentence."""

from __future__ import annotations

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
