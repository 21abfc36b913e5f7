"""Fixtures for the Telegram bot tests: the loopback Bot API server, a factory that runs the
real Application (real polling, real AIORateLimiter with Telegram's flood limits switched off
so the tests are fast) and a small recording answerer for scripted answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.ext import AIORateLimiter, Application

from bot.settings import Settings
from bot.telegram.application import build_application, serve
from chains.models import Answer, Citation, Turn
from knowledge.models import Clause, DocumentMeta
from tests.fakes.bot_api_server import FakeBotApi, bot_api  # noqa: F401  (fixture)

ADMIN_ID = 4242
POLL_TIMEOUT_S = 0.2
HOLD_LIMIT_S = 60.0  # a held answer gives up (and fails its test) rather than hold a thread forever
QUICK_TYPING_S = 0.05


def make_citation(n: int, clause_id: str = "doc-a-第一条", text: str = "第一条 条款原文。") -> Citation:
    return Citation(n=n, doc_id="doc-a", doc_title="《测试文件》", jurisdiction="national",
                    section="第一条", clause_id=clause_id, text=text, quote=text[:20],
                    responsible_units=["工业和信息化部"], date="2024-12-31")


class RecordingAnswerer:
    """The AnswerService surface with scripted answers; records what it was asked."""

    def __init__(self, respond: Callable[[str, Turn | None], Answer] | None = None, delay_s: float = 0.0,
                 hold: threading.Event | None = None):
        self.respond = respond or self._echo
        self.delay_s = delay_s
        self.hold = hold  # answers wait until the test sets it (a slow answer without a clock)
        self.calls: list[tuple[str, Turn | None]] = []
        self.languages: list[str | None] = []  # the language each call asked for (a group's setting)
        self.reloads = 0
        self._lock = threading.Lock()
        self.clauses = {"doc-a-第一条": Clause(doc_id="doc-a", section_path=["第一条"], text="第一条 条款原文。",
                                             responsible_units=["工业和信息化部"])}

    @staticmethod
    def _echo(question: str, previous: Turn | None) -> Answer:
        return Answer(question=question, answer=f"回答：{question}\n依据见 [1]。", headline=f"回答：{question}",
                      citations=[make_citation(1)])

    def answer(
        self, question: str, *, previous: Turn | None = None, use_llm: bool | None = None, language: str | None = None,
    ) -> Answer:
        with self._lock:
            self.calls.append((question, previous))
            self.languages.append(language)
        if self.hold is not None and not self.hold.wait(HOLD_LIMIT_S):
            raise TimeoutError("the test never released the held answer")
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.respond(question, previous)

    def documents(self) -> list[Any]:
        meta = DocumentMeta(doc_id="doc-a", title="测试文件", date="2024-12-31")
        return [SimpleNamespace(meta=meta, clause_count=len(self.clauses))]

    def clause(self, clause_id: str) -> Clause | None:
        return self.clauses.get(clause_id)

    def reload(self) -> int:
        self.reloads += 1
        return len(self.clauses)


@pytest.fixture
def recording_answerer() -> type[RecordingAnswerer]:
    """The scripted answerer class: `recording_answerer(respond=..., delay_s=...)`."""
    return RecordingAnswerer


@pytest.fixture
def quick_typing(monkeypatch: pytest.MonkeyPatch) -> float:
    """"typing…" after QUICK_TYPING_S instead of a second, for tests that hold an answer until
    they have seen it (the bot started after this fixture reads the delay)."""
    monkeypatch.setattr("bot.telegram.application.TYPING_AFTER_S", QUICK_TYPING_S)
    return QUICK_TYPING_S


@pytest.fixture
def citation() -> Callable[..., Citation]:
    return make_citation


@pytest.fixture
def make_settings(bot_api: FakeBotApi, tmp_path: Path) -> Callable[..., Settings]:  # noqa: F811
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "telegram_bot_token": bot_api.token,
            "telegram_api_base_url": bot_api.base_url,
            "telegram_file_base_url": bot_api.file_base_url,
            "admin_ids": [ADMIN_ID],
            "allowed_chats": [],
            "user_rate_per_minute": 1000,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
async def start_bot(make_settings: Callable[..., Settings]) -> AsyncIterator[Callable[..., Any]]:
    """`await start_bot(answerer, **settings)` runs the real Application against the loopback
    server until the test ends."""
    async with AsyncExitStack() as stack:

        async def start(answerer: Any, **overrides: Any) -> Application:
            services = SimpleNamespace(settings=make_settings(**overrides), answerer=answerer)
            limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
            application = build_application(services, rate_limiter=limiter)
            await stack.enter_async_context(serve(application, poll_timeout=POLL_TIMEOUT_S))
            return application

        yield start


@pytest.fixture(scope="session")
def real_services(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real answer service over a real index: the suite-wide `services` fixture
    (tests/conftest.py) when it exists, else built here once, offline and without the LLM."""
    try:
        return request.getfixturevalue("services")
    except pytest.FixtureLookupError:
        from bot.app import build_services

        data_dir = tmp_path_factory.mktemp("redmud-data")
        services = build_services(Settings(_env_file=None, data_dir=data_dir), llm=False)  # type: ignore[call-arg]
        services.answerer.warm_up()
        return services
