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
from knowledge.catalog import Catalog
from knowledge.corpus import SourceDocument, load_corpus
from knowledge.embeddings import E5Embeddings
from knowledge.library import Library
from knowledge.loaders import IngestLimits
from knowledge.locking import LOCK_NAME, KnowledgeLock
from knowledge.manager import IndexManager

logger = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    answerer: AnswerService
    index: IndexManager
    catalog: Catalog  # every change to the documents or the index goes through it


def corpus_sources(settings: Settings) -> list[SourceDocument]:
    """Every document the index is built from: the bundled corpus plus any added by staff."""
    return Library(settings.data_dir / "library").merge(load_corpus(settings.corpus_dir))


def ingest_limits(settings: Settings) -> IngestLimits:
    return IngestLimits(
        max_text_chars=settings.ingest_max_text_chars,
        max_paragraphs=settings.ingest_max_paragraphs,
        max_html_depth=settings.ingest_max_html_depth,
        max_unzipped_mb=settings.ingest_max_unzipped_mb,
    )


def build_services(settings: Settings, *, llm: bool | None = None) -> Services:
    """Build the answer service; ``llm`` overrides whether the configured LLM is used."""
    embeddings = E5Embeddings(threads=settings.encoder_threads)  # None: every core, up to four
    # one lock file for every rebuild and library change, in every process sharing this data dir
    lock = KnowledgeLock(settings.data_dir / LOCK_NAME)
    library = Library(settings.data_dir / "library")
    index = IndexManager(
        embeddings,
        lambda: library.merge(load_corpus(settings.corpus_dir)),
        path=None if settings.chroma_host else settings.index_dir,
        host=settings.chroma_host,
        port=settings.chroma_port,
        lock=lock,
    )
    catalog = Catalog(library, index, lambda: load_corpus(settings.corpus_dir), lock, limits=ingest_limits(settings))
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
    return Services(settings=settings, answerer=answerer, index=index, catalog=catalog)


def configure_logging(level: str = "INFO") -> None:
    """Plain logs on stderr; libraries that log request URLs (which hold the bot token) are quieted."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "chromadb", "openai", "urllib3", "bm25s", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
