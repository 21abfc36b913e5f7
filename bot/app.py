"""The composition root: everything the product needs, built from settings in one place.

Front ends (CLI, Telegram) call ``build_services`` once at start-up and pass the result
around; nothing creates clients at import time, and optional heavy parts (the LLM client)
are imported only when configured.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from bot.settings import Settings
from chains.service import AnswerService
from knowledge.corpus import SourceDocument, load_corpus
from knowledge.embeddings import E5Embeddings
from knowledge.manager import IndexManager

logger = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    answerer: AnswerService
    index: IndexManager


def corpus_sources(settings: Settings) -> list[SourceDocument]:
    """Every document the index is built from: the bundled corpus plus any added by staff."""
    sources = load_corpus(settings.corpus_dir)
    try:
        from knowledge.library import Library
    except ImportError:
        return sources
    return Library(settings.data_dir / "library").merge(sources)


def build_services(settings: Settings, *, llm: bool | None = None) -> Services:
    """Build the answer service; ``llm`` overrides whether the configured LLM is used."""
    embeddings = E5Embeddings(threads=settings.encoder_threads)  # None: one per four cores
    index = IndexManager(
        embeddings,
        lambda: corpus_sources(settings),
        path=None if settings.chroma_host else settings.index_dir,
        host=settings.chroma_host,
        port=settings.chroma_port,
    )
    llm_composer = rewriter = None
    use_llm = settings.llm_configured if llm is None else (llm and settings.openai_api_key is not None)
    if use_llm and settings.openai_api_key is not None:
        from chains.llm import build_llm

        llm_composer, rewriter = build_llm(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            model=settings.llm_model,
            timeout_s=settings.llm_timeout_s,
            breaker_failures=settings.llm_breaker_failures,
            breaker_cooldown_s=settings.llm_breaker_cooldown_s,
            temperature=settings.llm_temperature,
        )
    answerer = AnswerService(
        index,
        embeddings,
        top_k=settings.top_k,
        max_question_chars=settings.max_question_chars,
        llm_composer=llm_composer,
        rewriter=rewriter,
    )
    return Services(settings=settings, answerer=answerer, index=index)


def configure_logging(level: str = "INFO") -> None:
    """Plain logs on stderr; libraries that log request URLs (which hold the bot token) are quieted."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "chromadb", "openai", "urllib3", "bm25s", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
