"""Document facts by meaning: the shipped field classifier, and the answers it lets the composer give."""

from __future__ import annotations

import pytest

from chains.fields import FIELDS, examples_sha, load_examples, load_model
from chains.metadata import only_about_documents
from knowledge.embeddings import E5Embeddings


def test_shipped_weights_were_trained_on_the_examples_as_they_are() -> None:
    model = load_model()
    assert model is not None and model.examples_sha == examples_sha()  # re-run bench/train_fields.py --write
    examples = load_examples()
    assert len(examples) >= 300 and {f for e in examples for f in e["fields"]} == set(FIELDS)
    assert sum(not e["fields"] for e in examples) >= 150  # questions on the content, confusable ones
    assert sum(e["split"] == "heldout" for e in examples) >= 60


@pytest.mark.meaning  # e5 embeds the examples: a classifier's accuracy is about meaning
def test_held_out_examples_are_read_well_and_content_questions_get_no_field() -> None:
    model, e5 = load_model(), E5Embeddings()
    assert model is not None
    held = [e for e in load_examples() if e["split"] == "heldout"]
    got = [model.asked(e5.embed_query(e["text"])) for e in held]
    right = sum(set(g) == set(e["fields"]) for g, e in zip(got, held, strict=True)) / len(held)
    assert right >= 0.8, right
    assert not [e["text"] for g, e in zip(got, held, strict=True) if g and not e["fields"]]


@pytest.mark.meaning
@pytest.mark.parametrize(
    ("part", "fields"),
    [  # none of these is among the examples
        ("那份答复写给的是哪一位", ["addressee"]),
        ("落款是几月几号", ["date"]),
        ("what reference number does the 2024 plan carry", ["doc_number"]),
        ("到2027年河南的利用率要到多少", []),
        ("焦作那边这事归哪个局管", []),
    ],
)
def test_parts_worded_as_no_pattern_has_them(part: str, fields: list[str]) -> None:
    model = load_model()
    assert model is not None
    assert model.asked(E5Embeddings().embed_query(part)) == fields


def test_a_document_described_by_its_issuers_is_not_asked_about_them() -> None:
    from chains.metadata import asked_fields

    # "the plan issued by eight ministries" names the document; "issued by whom" asks
    assert asked_fields("In the 2022 plan issued by eight ministries, what's the 2025 target for recycled resource use") == []
    assert asked_fields("issued by which ministries?") == ["issuer"]


@pytest.mark.parametrize("question", [
    "Which government agencies jointly published the 2022 implementation plan?",
    "What six ministries issued the red mud action plan?",
    "Who jointly issued the eight-department plan?",
])
def test_english_asks_for_the_issuers_in_the_usual_grammar(question: str) -> None:
    from chains.metadata import asked_fields

    # which / what, up to three words (a count, "government"), the offices, a verb of issuing
    assert asked_fields(question) == ["issuer"]
    assert asked_fields("Which agencies are responsible for the 2022 plan's standards work?") != ["issuer"]


def test_a_fact_the_document_does_not_state_is_said_in_the_words_other_gaps_are(answerer) -> None:
    # the Guizhou plan states no number and no date: said as every unspecified thing is said
    first = answerer.answer("When was the Guizhou plan issued and what is its document number?").answer.split("\n")[0]
    assert first.count("the document does not specify") == 2, first


def test_a_part_the_classifier_reads_counts_as_asking_about_the_document() -> None:
    parts = ["回复对象是哪个委员", "日期是哪天"]
    assert not only_about_documents(parts)  # no pattern has "回复对象"
    assert only_about_documents(parts, [["addressee"], ["date"]])
    assert not only_about_documents(parts, [["addressee"], []])


def test_the_reply_s_addressee_and_date_asked_in_words_of_one_s_own(answerer) -> None:
    first = answerer.answer("焦作工信局287号提案那个回复 对象是哪位委员 日期是哪天").answer.split("\n")[0]
    assert "袁福平" in first and "2022年7月26日" in first


def test_the_line_does_not_say_the_issuers_twice(answerer) -> None:
    # the facts name the six offices; the reply's sentence saying they jointly issued the plan adds
    # nothing, and the other part's answer (the actions) moves up into the preview
    first = answerer.answer("河南那个赤泥实施方案是哪几个厅局联合印发的 提了几大行动").answer.split("\n")[0]
    assert first.count("省市场监管局") == 1 and "4大行动" in first[:150]
    # nor does a point say only what the line has said (the reply's salutation "袁福平委员：")
    answer = answerer.answer("焦作工信局287号提案那个回复 对象是哪位委员 日期是哪天").answer
    points = [line for line in answer.split("\n") if line.startswith("• ")]
    assert not any("袁福平" in p for p in points), answer


def test_a_reply_referred_to_by_the_proposal_it_answers_and_read_as_asked(answerer) -> None:
    # "287号提案" refers to the reply (the corpus holds the reply, not the proposal), and the classifier
    # reads the question as written: the retrieval text drops "是谁", which it needs
    first = answerer.answer("焦作那个287号提案是谁提的").answer.split("\n")[0]
    assert "袁福平" in first, first


@pytest.mark.parametrize("question", ["国家方案谁发的", "Who issued the national plan?"])
def test_a_name_two_documents_fit_equally_is_answered_for_each(answerer, question: str) -> None:
    # "国家方案" fits the national red-mud plan and the eight-department plan alike: each one's issuers,
    # each cited to its own document, not one of them at random nor the notice's list of recipients
    answer = answerer.answer(question)
    first = answer.answer.split("\n")[0]
    assert "六部门" in first and "国家税务总局" in first and "各省、自治区" not in first, first
    titles = {c.doc_title for c in answer.citations}
    assert any("赤泥综合利用行动方案" in t for t in titles) and any("工业资源综合利用的实施方案" in t for t in titles)


def test_a_name_fitting_many_documents_refers_to_none() -> None:
    from chains.naming import ambiguous_mention
    from knowledge.models import DocumentMeta
    docs = {d: DocumentMeta(doc_id=d, title=t, jurisdiction=j) for d, t, j in [
        ("a", "赤泥综合利用行动方案", "national"), ("b", "关于加快推动工业资源综合利用的实施方案", "national"),
        ("c", "贵州省赤泥综合利用行动方案（2025—2030年）", "guizhou")]}
    assert ambiguous_mention("国家方案谁发的", docs) == ["a", "b"]
    assert ambiguous_mention("贵州方案谁发的", docs) == []  # the one Guizhou document: referred to, not ambiguous


def test_each_of_two_documents_named_gets_its_own_facts(answerer) -> None:
    first = answerer.answer("八部门方案和国家赤泥方案分别哪年发的").answer.split("\n")[0]
    assert "2022年1月27日" in first and "2024年12月31日" in first, first


def test_english_names_the_date_asked_as_an_issue_date() -> None:
    from chains.metadata import asked_fields

    assert asked_fields("What is the issue date of the Guizhou plan?") == ["date"]
    assert asked_fields("Give me the date of publication and the document number") == ["doc_number", "date"]


def test_a_reply_called_a_letter_is_the_document_referred_to(answerer) -> None:
    # "letter" is a document noun as "reply" is: "the Jiaozuo letter" is the bureau's reply
    first = answerer.answer("Who is the Jiaozuo letter addressed to?").answer.split("\n")[0]
    assert "袁福平" in first, first



@pytest.mark.parametrize("question", ["贵州方案 27年要达到啥目标", "河南方案到27年和30年利用率分别多少"])
def test_a_question_stating_its_year_asks_what_is_due_then_not_the_document_s_period(answerer, question: str) -> None:
    # the classifier read two-digit years ("27年") as asking which years the plan covers; a question
    # that states the year asks for the content due by then (patterns such as "管到哪年" still decide)
    first = answerer.answer(question).answer.split("\n")[0]
    assert "实施期限" not in first and "日期" not in first and "到2027年" in first.replace(" ", ""), first
    assert "实施期限" in answerer.answer("贵州方案管到哪年").answer.split("\n")[0]


def test_a_figure_asked_with_when_asks_when_it_is_due_not_the_document_s_date() -> None:
    from chains.metadata import asked_fields

    # what the classifier proposes is dropped where the question asks a figure ("要到多少 啥时候")...
    assert asked_fields("国家方案利用率要到多少 啥时候", meant=["date", "period"]) == []
    assert asked_fields("What utilisation rate does the plan aim for, and when?", meant=["date"]) == []
    # ...but not where the figure is the date or a count of years
    assert asked_fields("那份答复日期多少", meant=["date"]) == ["date"]
    assert asked_fields("how many years does the Guizhou plan run", meant=["period"]) == ["period"]
    # and the patterns still decide: "文号多少 哪天发的" asks the number and the date
    assert asked_fields("八部门方案文号多少 哪天发的") == ["doc_number", "date"]
