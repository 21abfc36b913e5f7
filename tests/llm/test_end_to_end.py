"""The real AnswerService (real index, real retrieval, real extractive composer) with the LLM
composer and rewriter talking to the loopback server; and `redmud eval --llm` through the CLI."""

from __future__ import annotations

import functools
import html
import json
import logging
import time

import pytest

from bot.cli import main as redmud
from chains.llm import build_llm
from chains.models import Turn
from chains.service import AnswerService
from tests.fakes.openai_server import FakeOpenAIServer, Reply, quoting_responder
from tests.llm.conftest import LATE_S

DEADLINE_S = 2.5  # where the deadline is what is tested
GENEROUS_S = 15.0  # elsewhere: a loaded CI machine must not turn a slow reply into a fallback


@pytest.fixture
def make_llm_service(services, server):
    built = []

    def make(deadline_s: float = GENEROUS_S) -> AnswerService:
        composer, rewriter = build_llm(
            api_key="test-key",
            base_url=server.base_url,
            model="fake-model",
            timeout_s=deadline_s,
            breaker_failures=3,
            breaker_cooldown_s=30,
        )
        built.append(composer)
        return AnswerService(
            services.index, services.answerer.embeddings, llm_composer=composer, rewriter=rewriter
        )

    yield make
    for composer in built:
        composer.client.close()


@pytest.fixture
def llm_service(make_llm_service):
    return make_llm_service()


def test_answer_service_uses_the_llm_answer(llm_service, server):
    server.default = Reply(content=quoting_responder)
    answer = llm_service.answer("贵州对赤泥综合利用有哪些税收优惠？")
    assert answer.mode == "llm" and answer.fallback_reason is None and answer.citations
    sent = server.completions[-1].message("user")
    for c in answer.citations:
        assert html.escape(c.text.strip(), quote=False) in sent  # mapped to a clause that was sent
        assert c.quote in c.text  # the quoting model quoted it
        assert f"[{c.n}]" in answer.answer
    assert any(c.doc_id == "guizhou-2025-redmud-plan" for c in answer.citations)


def test_ungrounded_llm_answer_gives_the_extractive_answer(llm_service, answerer, server):
    question = "河南的新增赤泥综合利用率目标是多少？"
    server.default = Reply(content="河南提出到2027年新增赤泥综合利用率达到90%[1]。")
    answer = llm_service.answer(question)
    extractive = answerer.answer(question)
    assert answer.mode == "extractive" and answer.fallback_reason == "grounding: invented figure 90%"
    assert answer.answer == extractive.answer and "90%" not in answer.answer
    assert len(server.completions) == 2  # the answer and one repair


def test_unreachable_endpoint_answers_within_the_deadline(make_llm_service, answerer, server):
    llm_service = make_llm_service(DEADLINE_S)
    server.default = Reply(hang=True)
    question = "焦作市在赤泥综合利用方面做了哪些工作？"
    started = time.monotonic()
    extractive = answerer.answer(question)  # also warms retrieval for this question
    offline_s = time.monotonic() - started
    started = time.monotonic()
    answer = llm_service.answer(question)
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S + LATE_S + offline_s, f"{elapsed:.2f}s (offline part {offline_s:.2f}s)"
    assert answer.fallback_reason == "timeout" and answer.answer == extractive.answer


def test_follow_up_is_rewritten_by_the_model_then_answered(llm_service, server):
    def model(body):
        user = body["messages"][-1]["content"]
        return "河南对赤泥综合利用有哪些税收优惠？" if "<followup>" in user else quoting_responder(body)

    server.default = Reply(content=model)
    answer = llm_service.answer("那河南呢？", previous=Turn(question="贵州对赤泥综合利用有哪些税收优惠？"))
    assert answer.standalone_question == "河南对赤泥综合利用有哪些税收优惠？"
    assert answer.mode == "llm"
    assert any(c.doc_id.startswith("henan") for c in answer.citations)


CASES = [
    {
        "id": "e1",
        "q": "贵州用哪些资金渠道支持赤泥综合利用？",
        "expect": [{"doc": "guizhou-2025-redmud-plan", "phrase": "积极争取中央资金"}],
        "must": ["中央资金"],
    },
    {
        "id": "e2",
        "q": "强耐新材拿到了多少贷款支持？",
        "expect": [{"doc": "jiaozuo-2022-proposal-reply", "phrase": "争取贷款1.85亿元"}],
        "must": ["1.85亿元"],
    },
    {
        "id": "e3",
        "q": "河南到2030年新增赤泥综合利用率要达到多少？",
        "expect": [{"doc": "henan-2025-redmud-qa", "phrase": "25%"}],
        "must": ["25%"],
    },
]


def test_redmud_eval_in_llm_mode(settings, services, tmp_path, monkeypatch, capsys, caplog):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in CASES), encoding="utf-8")
    with FakeOpenAIServer(
        default=Reply(content=functools.partial(quoting_responder, max_clauses=6, whole=True))
    ) as server:
        monkeypatch.setenv("REDMUD_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("REDMUD_LLM_TIMEOUT_S", str(GENEROUS_S))
        with caplog.at_level(logging.WARNING, logger="chains.llm"):
            rc = redmud(["eval", str(cases), "--llm", "--min-correct", "1.0"])
        out = capsys.readouterr().out
        assert rc == 0, out
        assert "cases: 3  retrieval: 1.000  fully correct: 1.000" in out
        assert len(server.completions) == len(CASES)  # every case was answered by the model
        assert not [r for r in caplog.records if "not used" in r.getMessage()]
