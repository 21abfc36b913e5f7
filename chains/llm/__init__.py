"""Optional LLM answering through any OpenAI-compatible endpoint, grounding-checked.

Cheap to import: openai and langchain_openai load only inside `build_llm`. The composition root
calls `build_llm(...)` when settings.llm_configured and hands the two objects to AnswerService:

    composer, rewriter = build_llm(api_key=..., base_url=..., model=..., timeout_s=...,
                                   breaker_failures=..., breaker_cooldown_s=...)
    AnswerService(..., llm_composer=composer, rewriter=rewriter)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from chains.llm.composer import LLMComposer
    from chains.llm.rewriter import LLMRewriter


def build_llm(
    api_key: str,
    base_url: str | None,
    model: str,
    timeout_s: float,
    breaker_failures: int = 3,
    breaker_cooldown_s: float = 60.0,
    *,
    temperature: float | None = 0.0,
    rewrite_timeout_s: float | None = None,
) -> tuple[LLMComposer, LLMRewriter]:
    """The composer and the rewriter, sharing one ChatOpenAI client and one circuit breaker.

    `timeout_s` bounds a whole answer (retries and the repair included); the rewriter gets a
    quarter of it (at most 5 s) unless `rewrite_timeout_s` says otherwise. The openai client's
    own retries are off: tenacity in ChatClient is the one retry policy.
    """
    from langchain_openai import ChatOpenAI

    from chains.llm.breaker import CircuitBreaker
    from chains.llm.client import ChatClient
    from chains.llm.composer import LLMComposer
    from chains.llm.rewriter import LLMRewriter
    from chains.llm.transport import deadline_http_client

    kwargs: dict = {
        "model": model,
        "api_key": api_key,
        "timeout": timeout_s,
        "max_retries": 0,
        "http_client": deadline_http_client(base_url, timeout_s),  # reads end at the deadline
    }
    if base_url:
        kwargs["base_url"] = base_url
    if temperature is not None:
        kwargs["temperature"] = temperature
    chat = ChatOpenAI(**kwargs)
    client = ChatClient(chat, CircuitBreaker(breaker_failures, breaker_cooldown_s))
    rewrite_budget = rewrite_timeout_s if rewrite_timeout_s is not None else min(5.0, timeout_s / 4)
    return LLMComposer(client, timeout_s=timeout_s), LLMRewriter(client, timeout_s=rewrite_budget)


__all__ = ["build_llm"]
