"""LLM answers keep the notice that a cited document has been replaced by a newer one."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_services
from chains.llm import build_llm
from chains.service import AnswerService
from knowledge.catalog import Upload
from tests import staff_files as F
from tests.conftest import make_settings
from tests.fakes.openai_server import Reply, quoting_responder


def test_llm_answer_citing_a_superseded_document_says_so(tmp_path: Path, server) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir=F.make_corpus(tmp_path / "corpus"))
    services = build_services(settings, llm=False)
    services.index.rebuild()
    services.catalog.add([Upload("jz-2023.txt", F.JIAOZUO_OLD.encode(),
                                 {"doc_id": "jiaozuo-2023", "jurisdiction": "焦作", "date": "2023-04-01"})])
    services.catalog.add([Upload("jz-2026.pdf", F.pdf_bytes(F.JIAOZUO_LINES),
                                 {"doc_id": "jiaozuo-2026", "jurisdiction": "焦作", "date": "2026-03-01",
                                  "supersedes": "jiaozuo-2023"})])
    composer, rewriter = build_llm(api_key="k", base_url=server.base_url, model="m", timeout_s=15.0,
                                   breaker_failures=3, breaker_cooldown_s=30)
    try:
        llm_service = AnswerService(services.index, services.answerer.embeddings, llm_composer=composer,
                                    rewriter=rewriter)
        server.default = Reply(content=lambda body: quoting_responder(body, max_clauses=3, whole=True))
        answer = llm_service.answer(f"《{F.JIAOZUO_OLD_TITLE}》对赤泥陶粒有什么要求？")
        assert answer.mode == "llm", answer.fallback_reason
        assert any(c.doc_id == "jiaozuo-2023" for c in answer.citations)
        assert "已被 2026-03-01 发布的" in answer.answer and F.JIAOZUO_TITLE in answer.answer
    finally:
        composer.client.close()
