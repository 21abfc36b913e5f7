"""Shared fixtures: a real index over the bundled corpus, built once per test session.

Tests never read the developer's `.env` or environment: settings are built explicitly, with
a temporary REDMUD_DATA_DIR, no LLM key and no Telegram token unless a test sets them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

OUR_PREFIXES = ("REDMUD_", "OPENAI_", "TELEGRAM_", "CHROMA_")
for _name in list(os.environ):
    if _name.startswith(OUR_PREFIXES):
        os.environ.pop(_name)
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from bot.app import Services, build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def cli_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment for a `redmud` subprocess: none of the developer's settings, these instead."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUR_PREFIXES)}
    env["REDMUD_DATA_DIR"] = str(data_dir)
    env.update(settings)
    return env


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redmud-data")


@pytest.fixture(scope="session")
def settings(session_data_dir: Path) -> Settings:
    return make_settings(session_data_dir)


@pytest.fixture(scope="session")
def services(settings: Settings) -> Services:
    """A real AnswerService over a real Chroma index of the bundled corpus (extractive mode)."""
    built = build_services(settings, llm=False)
    built.answerer.warm_up()
    return built


@pytest.fixture(scope="session")
def answerer(services: Services):
    return services.answerer
