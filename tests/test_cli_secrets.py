"""The CLI's final error line never carries a secret, even when the exception quotes one.

python-telegram-bot rejects a wrong token with ``InvalidToken: The token `…` was rejected by the
server``; before redaction that line went to stderr in clear. Here the real PTB stack talks to
the loopback Bot API server, which answers 401 for any token but its own.
"""

from __future__ import annotations

import logging

from bot.cli import main as redmud
from bot.cli import redact
from tests.fakes.bot_api_server import FakeBotApi, bot_api  # noqa: F401  (fixture)

WRONG_TOKEN = "987654321:AAFakeWrongTokenThatTelegramRejects_x1"


def test_rejected_token_is_redacted_on_stderr(services, settings, bot_api: FakeBotApi, monkeypatch, capsys, caplog):  # noqa: F811
    monkeypatch.setenv("REDMUD_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", WRONG_TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", bot_api.base_url)
    monkeypatch.delenv("REDMUD_WEBHOOK_URL", raising=False)
    with caplog.at_level(logging.DEBUG):
        rc = redmud(["bot"])
    err = capsys.readouterr().err
    assert rc != 0
    assert "InvalidToken" in err and "***" in err, err  # the user still learns what went wrong
    assert WRONG_TOKEN not in err and WRONG_TOKEN.split(":")[1] not in err
    assert "command failed" in caplog.text and WRONG_TOKEN.split(":")[1] not in caplog.text  # DEBUG too
    assert bot_api.calls == [] or all(c.method.lower() == "getme" for c in bot_api.calls)


def test_redact_replaces_configured_secrets_and_token_shapes(settings):
    secret_settings = settings.model_copy(update={"openai_api_key": None})
    assert redact(f"boom {WRONG_TOKEN} end", secret_settings) == "boom *** end"
    assert redact("no secret here: 12:30, 2025-10-01") == "no secret here: 12:30, 2025-10-01"
