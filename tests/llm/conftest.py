"""Fixtures for the LLM chain: real clauses from the bundled corpus, a loopback OpenAI server,
and the composer/rewriter built by the real factory (real openai client + LangChain)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from chains.llm import build_llm
from chains.models import Answer, Citation
from knowledge.models import Clause, DocumentMeta
from tests.fakes.openai_server import FakeOpenAIServer

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"
DEADLINE_S = 2.5  # where the deadline is what is tested
GENEROUS_S = 15.0  # elsewhere: a loaded machine must not turn a slow reply into a fallback
# How late past a deadline an answer may come and still show that the deadline held: a busy
# machine may be seconds late, while without a deadline a hung endpoint never answers at all.
LATE_S = 5.0
COOLDOWN_S = 1.5  # the circuit breaker's: long enough that a busy machine cannot outwait it by accident

try:  # the lead's retrieval record; the same three fields otherwise
    from chains.retrieval import Hit
except ImportError:  # pragma: no cover - only before chains/retrieval.py lands

    @dataclass
    class Hit:  # type: ignore[no-redef]
        clause: Clause
        doc: DocumentMeta
        score: float


def _docs() -> dict[str, DocumentMeta]:
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    fields = set(DocumentMeta.model_fields)
    return {
        d["doc_id"]: DocumentMeta(**{k: v for k, v in d.items() if k in fields})
        for d in manifest["documents"]
    }


def clause_from_corpus(doc_id: str, start: str, section_path: list[str], units: list[str]) -> Clause:
    """The paragraph of `doc_id` that starts with `start`, up to the next heading, with the
    extraction's line breaks removed (the same text the parser yields, give or take spacing)."""
    raw = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    i = raw.index(start)
    rest = raw[i:]
    m = re.search(
        r"\n\s*(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|问[：:])", rest[len(start) :]
    )
    text = rest[: len(start) + m.start()] if m else rest
    text = re.sub(r"\s*\n\s*", "", text).replace("[bookmark: _GoBack]", "").strip()
    return Clause(doc_id=doc_id, section_path=section_path, text=text, responsible_units=units)


@pytest.fixture(scope="session")
def docs() -> dict[str, DocumentMeta]:
    return _docs()


@pytest.fixture(scope="session")
def hits(docs) -> list[Hit]:
    """Three real clauses: Guizhou tax support [1], Henan targets [2], national tax support [3]."""
    gz_units = [
        "省工业和信息化厅",
        "省发展改革委",
        "省科技厅",
        "省生态环境厅",
        "省住房和城乡建设厅",
        "省财政厅",
        "国家税务总局贵州省税务局",
        "省国资委",
        "黔晟国资公司",
    ]
    clauses = [
        clause_from_corpus(
            "guizhou-2025-redmud-plan",
            "（三）加大支持力度",
            ["三、强化保障措施", "（三）加大支持力度"],
            gz_units,
        ),
        clause_from_corpus(
            "henan-2025-redmud-qa",
            "问：如何推动赤泥综合利用取得有效突破",
            ["问：如何推动赤泥综合利用取得有效突破？"],
            [],
        ),
        clause_from_corpus(
            "cn-2024-redmud-plan",
            "（四）加大支持力度",
            ["六、强化综合利用产业发展保障", "（四）加大支持力度"],
            [],
        ),
    ]
    return [Hit(clause=c, doc=docs[c.doc_id], score=1.0 - i / 10) for i, c in enumerate(clauses)]


def extractive_for(question: str, hits: list[Hit]) -> Answer:
    """A stand-in for the lead's extractive answer: the first sentence of each clause, cited."""
    citations, lines = [], []
    for n, hit in enumerate(hits, start=1):
        first = re.split(r"(?<=。)", hit.clause.text)[0]
        lines.append(f"{first}[{n}]")
        citations.append(
            Citation(
                n=n,
                doc_id=hit.doc.doc_id,
                doc_title=hit.doc.display_title,
                jurisdiction=hit.doc.jurisdiction,
                section=hit.clause.section,
                clause_id=hit.clause.clause_id,
                text=hit.clause.text,
                quote=first,
                responsible_units=hit.clause.responsible_units,
                date=hit.doc.date,
            )
        )
    return Answer(
        question=question, answer="\n".join(lines), intent="incentive", citations=citations, headline=lines[0]
    )


@dataclass
class Analysis:  # the fields of chains.analysis.Analysis the composer reads
    question: str = ""
    answer_language: str = "zh"  # the language the answer is framed in (Analysis.answer_language)
    intent: str = "incentive"


@pytest.fixture
def server():
    with FakeOpenAIServer() as s:
        yield s


@pytest.fixture
def make_llm(server):
    """Builds (composer, rewriter) with the real factory, pointed at the loopback server."""
    built = []

    def make(deadline_s: float = DEADLINE_S, cooldown_s: float = COOLDOWN_S):
        pair = build_llm(
            api_key="test-key",
            base_url=server.base_url,
            model="fake-model",
            timeout_s=deadline_s,
            breaker_failures=3,
            breaker_cooldown_s=cooldown_s,
        )
        built.append(pair[0])
        return pair

    yield make
    for composer in built:
        composer.client.close()


@pytest.fixture
def llm(make_llm):
    """(composer, rewriter) with the short test deadline (the resilience tests time it)."""
    return make_llm()
