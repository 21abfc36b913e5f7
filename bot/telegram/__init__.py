"""The Telegram front end (python-telegram-bot v22).

Only `run_bot` lives here, and it imports telegram lazily, so `import bot.telegram` stays light
(the CLI imports it for every command, not just `redmud bot`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from telegram.ext import Application

    from bot.telegram.seams import Services

__all__ = ["build_application", "run_bot"]


def run_bot(services: Services, *, webhook: bool = False) -> None:
    """Run the bot until interrupted: long polling by default, a webhook with `webhook=True`."""
    from bot.telegram.application import run_bot as _run

    _run(services, webhook=webhook)


def build_application(services: Services, **kwargs: Any) -> Application:  # type: ignore[type-arg]
    """Build (not start) the PTB Application; see `bot.telegram.application.build_application`."""
    from bot.telegram.application import build_application as _build

    return _build(services, **kwargs)
