"""English questions describe documents rather than name them: resolved from the metadata alone."""

from __future__ import annotations

import pytest

from chains.english_names import english_documents
from knowledge.corpus import load_manifest
from knowledge.models import DocumentMeta

DOCS = {d.doc_id: d for d in load_manifest()}


@pytest.mark.parametrize(("question", "doc"), [
    ("When was the eight-ministry plan on speeding up industrial resource utilization issued?", "cn-2022-industrial-resources"),
    ("Does the 2022 eight-ministry plan say who should build big-data platforms?", "cn-2022-industrial-resources"),
    ("what iron recovery processes does the national red mud plan mention?", "cn-2024-redmud-plan"),
    ("Guizhou red mud plan - which years does it cover?", "guizhou-2025-redmud-plan"),
    ("Henan red mud plan: what targets does it set for 2027 and 2030?", "henan-2025-redmud-qa"),
    ("Which companies does the Jiaozuo reply mention?", "jiaozuo-2022-proposal-reply"),
    # "action plan" is 行动方案 (the national plan's title), not the eight-department 实施方案
    ("What financing support does the national red mud action plan mention: which platform?", "cn-2024-redmud-plan"),
])
def test_a_description_that_fits_one_document_refers_to_it(question: str, doc: str) -> None:
    assert english_documents(question, DOCS) == {doc}


@pytest.mark.parametrize("question", [
    "What does the national plan say about tax?",  # two national plans: neither
    "What is the national target for new red mud utilization rate by 2030?",  # no document named at all
])
def test_an_ambiguous_or_absent_description_refers_to_none(question: str) -> None:
    assert english_documents(question, DOCS) == set()


def test_a_document_staff_add_is_described_by_its_own_metadata() -> None:
    added = DocumentMeta(doc_id="shanxi-2026-plan", title="山西省赤泥综合利用实施方案", jurisdiction="山西",
                         kind="implementation plan", date="2026-03-01")
    docs = {**DOCS, added.doc_id: added}
    assert english_documents("What does the Shanxi plan say about roads?", docs) == {"shanxi-2026-plan"}
