"""The typed seams between the Telegram front end and the rest: what it needs from the answer
service and from the composition root, as Protocols (the real AnswerService and the tests'
recording answerer both fit), instead of `Any` and `getattr`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot.settings import Settings
from chains.models import Answer, Turn
from knowledge.catalog import Catalog
from knowledge.models import Clause, DocumentMeta


class DocumentInfoLike(Protocol):
    @property
    def meta(self) -> DocumentMeta: ...

    @property
    def clause_count(self) -> int: ...


class Answerer(Protocol):
    def answer(
        self, question: str, *, previous: Turn | None = None, use_llm: bool | None = None, language: str | None = None,
    ) -> Answer: ...

    def documents(self) -> Sequence[DocumentInfoLike]: ...

    def clause(self, clause_id: str) -> Clause | None: ...

    def reload(self) -> int: ...


class Services(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def answerer(self) -> Answerer: ...


@runtime_checkable
class StaffServices(Services, Protocol):
    """Services that can change the library (the real ones, built by ``bot.app.build_services``)."""

    @property
    def catalog(self) -> Catalog: ...


@runtime_checkable
class WarmsUp(Protocol):
    """An answer service that can load its model and index before the first question."""

    def warm_up(self) -> None: ...


def uses_llm(answerer: Answerer) -> bool:
    """Whether answers wait on an LLM's network calls (then more answer threads help)."""
    return getattr(answerer, "llm_composer", None) is not None
