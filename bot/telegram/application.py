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
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.settings import Settings
from bot.telegram import buttons, commands, gate, groups, inline, questions, texts, upload
from bot.telegram.chatqueue import ChatQueues
from bot.telegram.floodlimit import FloodLimiter
from bot.telegram.httprequest import DEFAULT_SLOTS, BoundedHTTPXRequest
from bot.telegram.runtime import RUNTIME_KEY, SERVICES_KEY, TYPING_AFTER_S, TYPING_EVERY_S, BotRuntime
from bot.telegram.seams import Services, WarmsUp, uses_llm
from bot.telegram.state import UserRateLimiter
from bot.telegram.webhook import WebhookConfig, WebhookServer

logger = logging.getLogger(__name__)

_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class BotConfigError(ValueError):
    """The bot cannot start with these settings (the message says which one to set)."""


class TokenRedactingFilter(logging.Filter):
    """Replaces a secret (the bot token, the webhook secret) in any record that reaches a handler."""

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


def install_log_redaction(*secrets: str) -> None:
    """Redact each secret in every record reaching the root logger's handlers (idempotent).

    PTB logs its API URLs (token included) and request bodies (setWebhook's secret_token) at
    DEBUG; this keeps them out of any log file."""
    for secret in filter(None, secrets):
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, TokenRedactingFilter) and f.token == secret for f in handler.filters):
                handler.addFilter(TokenRedactingFilter(secret))


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _file_base_url(settings: Settings) -> str:
    if settings.telegram_file_base_url:
        return settings.telegram_file_base_url
    base = settings.telegram_api_base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else "https://api.telegram.org/file/bot"


ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER,
                   Update.INLINE_QUERY]


def build_application(
    services: Services,
    *,
    settings: Settings | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    answer_workers: int | None = None,
    concurrent_updates: int = 1024,
    request_slots: int = DEFAULT_SLOTS,
) -> Application:  # type: ignore[type-arg]
    """The Application for `services` (anything with `.settings` and `.answerer`).

    Defaults are production ones: Telegram's flood limits (FloodLimiter, which also retries
    after a 429), HTML and no link previews (`Defaults`), and up to 1024 updates in hand at once:
    a question waiting in a busy group's line holds one of those slots (a few KB, no thread), and
    with PTB's old 64 a single busy group could hold them all and stall every other chat. The
    work itself is bounded elsewhere (the answer threads, the per-member and per-group limits).
    Lasting state is in the SQLite store under REDMUD_DATA_DIR, not PTB persistence.
    Answers run in 4 threads, or 16 when an LLM is configured (its calls wait on the network).
    At most `request_slots` API calls are in flight at once (`bot.telegram.httprequest`: why).
    """
    settings = settings or services.settings
    if answer_workers is None:
        # offline answers are CPU work (more threads only contend); LLM answers mostly wait on the network
        answer_workers = 16 if uses_llm(services.answerer) else 4
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token:
        raise BotConfigError("TELEGRAM_BOT_TOKEN is not set")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    quiet_http_logs()
    install_log_redaction(token, secret)
    defaults = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(_file_base_url(settings))
        .defaults(defaults)
        .request(BoundedHTTPXRequest(request_slots, read_timeout=settings.telegram_timeout_s,
                                     write_timeout=settings.telegram_timeout_s))
        .rate_limiter(rate_limiter if rate_limiter is not None else FloodLimiter(max_retries=3))
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
        group_limiter=UserRateLimiter(settings.group_rate_per_minute),
    )
    _add_handlers(application, settings)
    return application


def _add_handlers(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    application.add_handler(gate.handler(), group=gate.GATE_GROUP)
    for name, callback in [
        ("start", commands.cmd_start),
        ("help", commands.cmd_help),
        ("about", commands.cmd_about),
        ("docs", commands.cmd_docs),
        ("stats", commands.cmd_stats),
        ("gaps", commands.cmd_gaps),
        ("reload", commands.cmd_reload),
        ("settings", groups.cmd_settings),
        ("ask", questions.cmd_ask),
    ]:
        application.add_handler(CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE))
    new = filters.UpdateType.MESSAGE
    private, group = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND
    captioned = filters.CAPTION & (filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.ANIMATION)
    admins = filters.User(user_id=settings.admin_ids) if settings.admin_ids else None
    # a document from an admin in private is an upload; anyone else's captioned file is a question
    private_captioned = captioned if admins is None else (captioned & ~filters.Document.ALL) | (captioned & ~admins)
    application.add_handler(MessageHandler(new & text, questions.on_message))
    application.add_handler(MessageHandler(new & group & captioned, questions.on_message))
    application.add_handler(MessageHandler(new & private & private_captioned, questions.on_message))
    application.add_handler(upload.handler())  # admins' document uploads (private chats)
    media = filters.VOICE | filters.AUDIO | filters.Sticker.ALL | filters.VIDEO_NOTE | filters.PHOTO | filters.VIDEO \
        | filters.ANIMATION | filters.LOCATION | filters.CONTACT
    application.add_handler(MessageHandler(new & private & media, questions.on_private_media))
    application.add_handler(MessageHandler(new & group & filters.Sticker.ALL & filters.REPLY, questions.on_group_sticker))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & (text | captioned), questions.on_edited))
    for handler in [*buttons.handlers(), *groups.handlers(), inline.handler()]:
        application.add_handler(handler)  # type: ignore[arg-type]
    application.add_handler(buttons.unknown_handler())
    application.add_error_handler(commands.on_error)


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in pairs]


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Start the answer pool and the per-chat lines, apply the retention, warm the answer
    service up, publish the command menus."""
    rt: BotRuntime = application.bot_data[RUNTIME_KEY]
    executor = rt.start_executor()
    bot = application.bot

    async def show_typing(chat_id: int, thread: int | None) -> None:
        await bot.send_chat_action(chat_id, "typing", message_thread_id=thread)

    rt.queues = ChatQueues(show_typing, TYPING_EVERY_S, TYPING_AFTER_S)
    await rt.open_store()
    purged = await rt.db(rt.store.purge, rt.settings.retention_days)
    if purged:
        logger.info("Deleted %s stored rows older than %s days", purged, rt.settings.retention_days)
    answerer = application.bot_data[SERVICES_KEY].answerer
    if isinstance(answerer, WarmsUp):  # load the model and index now, not on the first user's question
        await asyncio.get_running_loop().run_in_executor(executor, answerer.warm_up)
    menus: list[tuple[list[tuple[str, str]], BotCommandScope]] = [
        (texts.COMMANDS_PRIVATE, BotCommandScopeAllPrivateChats()),
        (texts.COMMANDS_GROUP, BotCommandScopeAllGroupChats()),
        *[(texts.COMMANDS_ADMIN, BotCommandScopeChat(admin)) for admin in rt.settings.admin_ids],
    ]
    for pairs, scope in menus:
        try:
            await bot.set_my_commands(_commands(pairs), scope=scope)
        except TelegramError as exc:  # e.g. an admin who never opened a chat with the bot
            logger.warning("set_my_commands(%s) failed: %s", scope.type, exc)
    logger.info("Bot @%s ready", bot.username)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    rt: BotRuntime = application.bot_data[RUNTIME_KEY]
    if rt.queues is not None:
        await rt.queues.close()
    rt.stop_executor()


def webhook_options(settings: Settings) -> WebhookConfig:
    """Where the webhook listens and what it registers; a secret token is required, so that
    only Telegram (which sends it in X-Telegram-Bot-Api-Secret-Token) can post updates."""
    if not settings.webhook_url:
        raise BotConfigError("REDMUD_WEBHOOK_URL is required for --webhook")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise BotConfigError("REDMUD_WEBHOOK_SECRET is required for --webhook")
    if not _SECRET_OK.match(secret):
        raise BotConfigError("REDMUD_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and - (1-256 characters)")
    return WebhookConfig(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlparse(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=secret,
        allowed_updates=list(ALLOWED_UPDATES),
        max_body_bytes=settings.webhook_max_body_bytes,
    )


@asynccontextmanager
async def serve(
    application: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: float = 10.0,
    webhook: WebhookConfig | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The lifecycle of `run_polling`/`run_webhook` without owning the event loop or signals."""
    updater = application.updater
    if updater is None:
        raise BotConfigError("the application was built without an updater")
    await application.initialize()
    server = WebhookServer(application, webhook) if webhook is not None else None
    try:
        if application.post_init:
            await application.post_init(application)
        if server is not None:
            await server.start()
        else:
            await updater.start_polling(
                timeout=poll_timeout,  # type: ignore[arg-type]  # PTB accepts float seconds
                allowed_updates=ALLOWED_UPDATES,
            )
        await application.start()
        try:
            yield application
        finally:
            if server is not None:
                await server.stop()
            if updater.running:
                await updater.stop()
            await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def _serve_forever(application: Application, webhook: WebhookConfig | None) -> None:  # type: ignore[type-arg]
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(application, webhook=webhook):
        await stop.wait()


def run_bot(services: Services, *, webhook: bool = False) -> None:
    """`redmud bot [--webhook]`: run until Ctrl-C / SIGTERM."""
    settings: Settings = services.settings
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    install_log_redaction(token)
    options = webhook_options(settings) if webhook else None  # refuse early, before building
    application = build_application(services, settings=settings)
    logger.info("Starting %s", "the webhook" if options is not None else "long polling")
    asyncio.run(_serve_forever(application, options))
