"""A group that chose English gets English framing around the Chinese quotes, with the same facts."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.meaning


def test_the_language_setting_frames_a_chinese_question_in_english(answerer) -> None:
    question = "贵州提高赤泥可利用性的责任单位是谁？"
    zh = answerer.answer(question)
    en = answerer.answer(question, language="en")
    assert "省工业和信息化厅" in zh.answer.splitlines()[0]
    first = en.answer.splitlines()[0]
    assert "省工业和信息化厅" in first and first.isascii() is False
    assert "Responsible" in first or "responsible" in first
    assert [c.clause_id for c in en.citations] == [c.clause_id for c in zh.citations]


def test_an_unknown_language_falls_back_to_the_questions_own(answerer) -> None:
    assert answerer.answer("贵州提高赤泥可利用性的责任单位是谁？", language="fr").answer.startswith("省")


def test_the_first_line_names_a_place_once_for_its_quotes_in_a_row(answerer) -> None:
    """Two quotes of Henan's in a row: "Henan: “…” [2] “…” [3]", as the Chinese line says 河南 once."""
    first = answerer.answer("Is Henan still allowing new red mud storage ponds?").answer.splitlines()[0]
    assert first.startswith("Henan: “") and first.count("Henan:") == 1 and first.count("“") >= 2
    assert "不再新增赤泥库" in first


def test_an_english_question_framed_in_chinese_finds_what_it_finds_in_english(answerer) -> None:
    # the framing is the answer's language; the question is still read as English ("the 2022 plan"
    # names the eight-ministry plan), so the same clauses are cited either way
    question = "Does the 2022 plan say anything about green bonds for recycling projects?"
    zh = answerer.answer(question, language="zh")
    en = answerer.answer(question, language="en")
    assert zh.answer.startswith("国家：") and en.answer.startswith("National:")
    assert [c.clause_id for c in zh.citations] == [c.clause_id for c in en.citations]
    assert {c.doc_id for c in zh.citations} == {"cn-2022-industrial-resources"}
