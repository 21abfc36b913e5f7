"""Building and running the PTB Application (the PTB-examples shape: services built by the
caller and stored in `bot_data`, lifecycle in post_init/post_shutdown, one error handler).

`build_application` only builds; `run_bot` runs it (long polling, or a webhook that requires a
secret token); `serve` is the same lifecycle as an async context manager, for tests and the
benchmark, so they drive the real Application and its real HTTP stack.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)

from bot.settings import Settings
from bot.telegram import commands, questions, texts, upload
from bot.telegram.runtime import RUNTIME_KEY, SERVICES_KEY, BotRuntime
from bot.telegram.state import UserRateLimiter

logger = logging.getLogger(__name__)

_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class BotConfigError(ValueError):
    """The bot cannot start with these settings (the message says which one to set)."""


class TokenRedactingFilter(logging.Filter):
    """Replaces the bot token in any record that reaches a handler (URLs contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<redacted>"), None
            record.exc_info, record.exc_text = None, None
        return True


def install_log_redaction(token: str) -> None:
    """Redact the token in every record reaching the root logger's handlers (idempotent).

    PTB logs its API URLs (token included) at DEBUG; this keeps them out of any log file."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, TokenRedactingFilter) and f.token == token for f in handler.filters):
            handler.addFilter(TokenRedactingFilter(token))


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _file_base_url(settings: Settings) -> str:
    if settings.telegram_file_base_url:
        return settings.telegram_file_base_url
    base = settings.telegram_api_base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else "https://api.telegram.org/file/bot"


def build_application(
    services: Any,
    *,
    settings: Settings | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    answer_workers: int | None = None,
    concurrent_updates: int = 64,
    persistence: bool = True,
) -> Application:
    """The Application for `services` (anything with `.settings` and `.answerer`).

    Defaults are production ones: Telegram's flood limits via AIORateLimiter (which also retries
    after a 429), up to 64 updates handled at once, and
    chat_data (the recent answers that follow-ups refer to) persisted under REDMUD_DATA_DIR.
    Answers run in 4 threads, or 16 when an LLM is configured (its calls wait on the network).
    """
    settings = settings or services.settings
    if answer_workers is None:
        # offline answers are CPU work (more threads only contend); LLM answers mostly wait on the network
        answer_workers = 16 if getattr(services.answerer, "llm_composer", None) is not None else 4
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token:
        raise BotConfigError("TELEGRAM_BOT_TOKEN is not set")
    quiet_http_logs()
    install_log_redaction(token)
    builder = ApplicationBuilder()
    if persistence:
        builder.persistence(_persistence(settings))
    application = (
        builder.token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(_file_base_url(settings))
        .rate_limiter(rate_limiter if rate_limiter is not None else AIORateLimiter(max_retries=3))
        .concurrent_updates(concurrent_updates)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[RUNTIME_KEY] = BotRuntime(
        settings=settings,
        answer_workers=answer_workers,
        limiter=UserRateLimiter(settings.user_rate_per_minute),
    )
    _add_handlers(application)
    return application


def _persistence(settings: Settings) -> PicklePersistence:
    """Only chat_data: bot_data holds live objects (thread pool, locks) and is rebuilt at start."""
    path = settings.data_dir / "telegram" / "chat_data.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    store = PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False)
    return PicklePersistence(path, store_data=store, update_interval=30)


def _add_handlers(application: Application) -> None:
    for name, callback in [
        ("start", commands.cmd_start),
        ("help", commands.cmd_help),
        ("about", commands.cmd_about),
        ("docs", commands.cmd_docs),
        ("stats", commands.cmd_stats),
        ("reload", commands.cmd_reload),
        ("ask", questions.cmd_ask),
    ]:
        application.add_handler(CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE))
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(text & filters.ChatType.PRIVATE, questions.on_private_text))
    application.add_handler(MessageHandler(text & filters.ChatType.GROUPS, questions.on_group_text))
    application.add_handler(CallbackQueryHandler(questions.on_clause_button))
    application.add_handler(upload.handler())  # admins' document uploads (private chats)
    application.add_error_handler(commands.on_error)


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in pairs]


async def _post_init(application: Application) -> None:
    """Start the answer pool, warm the answer service up, publish the command menus."""
    rt: BotRuntime = application.bot_data[RUNTIME_KEY]
    executor = rt.start_executor()
    warm_up = getattr(application.bot_data[SERVICES_KEY].answerer, "warm_up", None)
    if warm_up is not None:  # load the model and index now, not on the first user's question
        await asyncio.get_running_loop().run_in_executor(executor, warm_up)
    bot = application.bot
    menus: list[tuple[list[tuple[str, str]], Any]] = [
        (texts.COMMANDS_PRIVATE, BotCommandScopeAllPrivateChats()),
        (texts.COMMANDS_PUBLIC, BotCommandScopeAllGroupChats()),
        *[(texts.COMMANDS_ADMIN, BotCommandScopeChat(admin)) for admin in rt.settings.admin_ids],
    ]
    for pairs, scope in menus:
        try:
            await bot.set_my_commands(_commands(pairs), scope=scope)
        except TelegramError as exc:  # e.g. an admin who never opened a chat with the bot
            logger.warning("set_my_commands(%s) failed: %s", scope.type, exc)
    logger.info("Bot @%s ready", bot.username)


async def _post_shutdown(application: Application) -> None:
    application.bot_data[RUNTIME_KEY].stop_executor()


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Updater.start_webhook`/`run_webhook`; a secret token is required, so that
    only Telegram (which sends it in X-Telegram-Bot-Api-Secret-Token) can post updates."""
    if not settings.webhook_url:
        raise BotConfigError("REDMUD_WEBHOOK_URL is required for --webhook")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise BotConfigError("REDMUD_WEBHOOK_SECRET is required for --webhook")
    if not _SECRET_OK.match(secret):
        raise BotConfigError("REDMUD_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and - (1-256 characters)")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlparse(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": secret,
        "allowed_updates": [Update.MESSAGE, Update.CALLBACK_QUERY],
    }


@asynccontextmanager
async def serve(
    application: Application, *, poll_timeout: float = 10.0, webhook: dict[str, Any] | None = None
) -> AsyncIterator[Application]:
    """The lifecycle of `run_polling`/`run_webhook` without owning the event loop or signals."""
    updater = application.updater
    if updater is None:
        raise BotConfigError("the application was built without an updater")
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        if webhook is not None:
            await updater.start_webhook(**webhook)
        else:
            await updater.start_polling(
                timeout=poll_timeout,  # type: ignore[arg-type]  # PTB accepts float seconds
                allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
            )
        await application.start()
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_bot(services: Any, *, webhook: bool = False) -> None:
    """`redmud bot [--webhook]`: run until Ctrl-C / SIGTERM."""
    settings: Settings = services.settings
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    install_log_redaction(token)
    options = webhook_options(settings) if webhook else None  # refuse early, before building
    application = build_application(services, settings=settings)
    if options is not None:
        logger.info("Starting webhook on %s:%s", options["listen"], options["port"])
        application.run_webhook(**options)
    else:
        logger.info("Starting long polling")
        application.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
