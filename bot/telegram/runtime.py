"""The bot's per-process runtime (kept in `bot_data`) and the helpers every handler shares:
sending split HTML replies with a plain-text fallback, the typing indicator, running blocking
service calls off the event loop, the chat allowlist and the admin check.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from bot.settings import Settings
from bot.telegram import texts
from bot.telegram.render import Block, split_blocks
from bot.telegram.state import AnswerMemory, BotStats, ClauseKeys, UserRateLimiter

logger = logging.getLogger(__name__)
T = TypeVar("T")

SERVICES_KEY = "services"
RUNTIME_KEY = "runtime"
MEMORY_KEY = "answers"
TYPING_EVERY_S = 4.5
TYPING_GRACE_S = 1.0
SEND_RETRY_DELAY_S = 0.5
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class BotRuntime:
    settings: Settings
    answer_workers: int = 4
    stats: BotStats = field(default_factory=BotStats)
    limiter: UserRateLimiter = field(default_factory=lambda: UserRateLimiter(10))
    clause_keys: ClauseKeys = field(default_factory=ClauseKeys)
    executor: ThreadPoolExecutor | None = None
    refused_chats: set[int] = field(default_factory=set)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    doc_titles: dict[str, str] | None = None

    @property
    def token(self) -> str:
        secret = self.settings.telegram_bot_token
        return secret.get_secret_value() if secret else ""

    def start_executor(self) -> ThreadPoolExecutor:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.answer_workers, thread_name_prefix="redmud-answer")
        return self.executor

    def stop_executor(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None


def runtime(context: ContextTypes.DEFAULT_TYPE) -> BotRuntime:
    return context.bot_data[RUNTIME_KEY]


def services(context: ContextTypes.DEFAULT_TYPE) -> Any:
    return context.bot_data[SERVICES_KEY]


def memory(context: ContextTypes.DEFAULT_TYPE) -> AnswerMemory:
    chat_data = context.chat_data
    if chat_data is None:  # pragma: no cover - every update we handle has a chat
        return AnswerMemory()
    return chat_data.setdefault(MEMORY_KEY, AnswerMemory())


async def run_blocking(context: ContextTypes.DEFAULT_TYPE, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run CPU-bound service work in the bot's bounded thread pool, off the event loop."""
    executor = runtime(context).start_executor()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))


def thread_id(message: Message | None) -> int | None:
    """The forum topic to answer in (None outside topics)."""
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


@asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, message: Message) -> AsyncIterator[None]:
    """Show "typing…" while the answer is composed (Telegram clears it after ~5 s: repeat).

    The indicator goes out alongside the work, not before it; on exit an indicator already in
    flight is allowed to land (briefly) so it cannot arrive after the answer and linger.
    """
    stop = asyncio.Event()

    async def keep_typing() -> None:
        while not stop.is_set():
            try:
                await context.bot.send_chat_action(
                    message.chat_id, ChatAction.TYPING, message_thread_id=thread_id(message)
                )
            except TelegramError as exc:  # cosmetic: never fail an answer for it
                logger.debug("send_chat_action failed: %s", type(exc).__name__)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TYPING_EVERY_S)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        stop.set()
        with suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, TYPING_GRACE_S)


async def send_blocks(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    blocks: list[Block],
    *,
    reply_to: int | None = None,
    thread: int | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Send blocks as one or more HTML messages; the first replies to `reply_to`, the last
    carries the keyboard. If Telegram cannot parse the HTML, that message goes as plain text."""
    chunks = split_blocks(blocks)
    sent: list[Message] = []
    for i, chunk in enumerate(chunks):
        kwargs: dict[str, Any] = {
            "chat_id": chat_id,
            "message_thread_id": thread,
            "reply_markup": keyboard if i == len(chunks) - 1 else None,
            "link_preview_options": _NO_PREVIEW,
        }
        if i == 0 and reply_to is not None:
            kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
        try:
            sent.append(await _send_retrying(context, text=chunk.html, parse_mode=ParseMode.HTML, **kwargs))
        except BadRequest as exc:
            if "parse entities" not in str(exc).lower():
                raise
            logger.warning("Telegram rejected our HTML (%s); sending plain text", exc)
            sent.append(await context.bot.send_message(text=chunk.plain, **kwargs))
    return sent


SEND_ATTEMPTS = 4  # a 5xx or a dropped connection: Telegram did not take the message


def _retryable(exc: BaseException) -> bool:
    """Worth sending again: a network or server failure. Not a timeout (the message may have gone
    through, and a duplicate is worse), not a refusal; 429s are the rate limiter's business."""
    return isinstance(exc, NetworkError) and not isinstance(exc, (BadRequest, TimedOut))


async def _send_retrying(context: ContextTypes.DEFAULT_TYPE, **kwargs: Any) -> Message:
    """send_message, retried with exponential backoff and jitter after 5xx-style failures."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(SEND_ATTEMPTS),
        wait=wait_exponential_jitter(initial=SEND_RETRY_DELAY_S, max=4.0),
        before_sleep=lambda state: logger.warning(
            "send_message failed (%s); retrying", type(state.outcome.exception()).__name__ if state.outcome else "?"
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await context.bot.send_message(**kwargs)
    raise AssertionError("unreachable: tenacity re-raises the last failure")


async def reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, blocks: list[Block] | str, **kwargs: Any
) -> list[Message]:
    """Reply to the update's message (in its topic) with blocks or one plain paragraph."""
    message = update.effective_message
    if isinstance(blocks, str):
        blocks = [Block("", blocks)]
    if message is None or update.effective_chat is None:
        return []
    return await send_blocks(
        context,
        update.effective_chat.id,
        blocks,
        reply_to=message.message_id,
        thread=thread_id(message),
        **kwargs,
    )


async def chat_allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """REDMUD_ALLOWED_CHATS (empty = every chat). Other chats hear one polite refusal, then
    silence, so a bot added to a stranger's group does not answer and does not spam."""
    rt = runtime(context)
    chat = update.effective_chat
    if chat is None:
        return False
    if not rt.settings.allowed_chats or chat.id in rt.settings.allowed_chats:
        return True
    if chat.id not in rt.refused_chats:
        rt.refused_chats.add(chat.id)
        logger.info("Refused chat %s (not in REDMUD_ALLOWED_CHATS)", chat.id)
        if update.callback_query is not None:
            await update.callback_query.answer(texts.NOT_ALLOWED)
        else:
            await reply(update, context, texts.NOT_ALLOWED)
    elif update.callback_query is not None:
        await update.callback_query.answer()
    return False


async def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """REDMUD_ADMIN_IDS; everybody else gets a polite refusal."""
    user = update.effective_user
    if user is not None and user.id in runtime(context).settings.admin_ids:
        return True
    await reply(update, context, texts.ADMIN_ONLY)
    return False


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
