"""Settings are validated when read, and a bad one is reported as one line naming it.

The CLI runs in-process here (``bot.cli.main`` with capsys): what is tested is the message,
and a fresh interpreter per case would only add seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import LOG_LEVELS, Settings


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **env)  # type: ignore[call-arg]


@pytest.mark.parametrize("given", ["debug", "Info", " warning ", "ERROR", "critical"])
def test_log_level_any_case_is_normalised(tmp_path: Path, given: str) -> None:
    assert settings(tmp_path, REDMUD_LOG_LEVEL=given).log_level == given.strip().upper()


@pytest.mark.parametrize("given", ["verbose", "trace", "", "WARN ING"])
def test_unknown_log_level_is_refused(tmp_path: Path, given: str) -> None:
    with pytest.raises(ValueError, match="REDMUD_LOG_LEVEL"):
        settings(tmp_path, REDMUD_LOG_LEVEL=given)


def test_encoder_threads_default_and_bounds(tmp_path: Path) -> None:
    assert settings(tmp_path).encoder_threads is None  # every core up to four, decided at run time
    assert settings(tmp_path, REDMUD_ENCODER_THREADS="").encoder_threads is None
    assert settings(tmp_path, REDMUD_ENCODER_THREADS="2").encoder_threads == 2
    for bad in ("0", "-1", "two"):
        with pytest.raises(ValueError, match="REDMUD_ENCODER_THREADS"):
            settings(tmp_path, REDMUD_ENCODER_THREADS=bad)


def test_every_bad_setting_is_one_readable_line(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    bad = {"REDMUD_TOP_K": "many", "REDMUD_LOG_LEVEL": "verbose", "REDMUD_ENCODER_THREADS": "0",
           "REDMUD_ALLOWED_CHATS": "12,abc", "REDMUD_LLM_TIMEOUT_S": "-1"}
    for name, value in bad.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REDMUD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:do-not-print")  # valid, and never echoed
    assert main(["docs"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == len(bad), err
    for name, value in bad.items():
        (line,) = [x for x in lines if f"{name}=" in x]
        assert line.startswith("配置错误 / configuration error: ") and repr(value) in line
    level_line = next(x for x in lines if "REDMUD_LOG_LEVEL" in x)
    assert all(level in level_line for level in LOG_LEVELS)
    assert "errors.pydantic.dev" not in err and "type=" not in err and "Traceback" not in err
    assert "do-not-print" not in err
