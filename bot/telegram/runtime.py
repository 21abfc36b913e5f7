"""The bot's per-process runtime (kept in `bot_data`) and the helpers every handler shares:
sending split HTML replies with a plain-text fallback and retries, the typing indicator,
running blocking service calls off the event loop. Lasting state is in the SQLite store
(`bot.state`), reached through `rt.db(...)`, never from the event loop itself.
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

from telegram import ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from bot.settings import Settings
from bot.state import AsyncStore, Store
from bot.telegram.chatqueue import ChatQueues
from bot.telegram.render import Block, split_blocks
from bot.telegram.seams import Services
from bot.telegram.state import BotStats, UserRateLimiter

logger = logging.getLogger(__name__)
T = TypeVar("T")

SERVICES_KEY = "services"
RUNTIME_KEY = "runtime"
TYPING_EVERY_S = 4.5
TYPING_AFTER_S = 1.0  # an answer waited on longer than this shows "typing…" (chatqueue.py)
TYPING_GRACE_S = 1.0
SEND_RETRY_DELAY_S = 0.5
SEND_RETRY_MAX_S = 4.0
SEND_RETRY_BUDGET_S = 90.0  # keep trying an answer this long through 5xx / dropped connections
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class BotRuntime:
    settings: Settings
    answer_workers: int = 4
    stats: BotStats = field(default_factory=BotStats)
    limiter: UserRateLimiter = field(default_factory=lambda: UserRateLimiter(10))
    group_limiter: UserRateLimiter = field(default_factory=lambda: UserRateLimiter(40))
    executor: ThreadPoolExecutor | None = None
    refused_chats: set[int] = field(default_factory=set)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    doc_titles: dict[str, str] | None = None  # doc_id -> display title
    doc_names: dict[str, str] | None = None  # doc_id -> short name for buttons ("国家方案")
    places: list[tuple[str, str]] | None = None  # (code, label) of the places documents cover
    _db: AsyncStore | None = None
    queues: ChatQueues | None = None

    @property
    def token(self) -> str:
        secret = self.settings.telegram_bot_token
        return secret.get_secret_value() if secret else ""

    async def open_store(self) -> AsyncStore:
        """Open REDMUD_DATA_DIR/bot.sqlite3 (schema included) on a worker thread, not the loop."""
        if self._db is None:
            store = await asyncio.to_thread(Store.in_data_dir, self.settings.data_dir)
            self._db = AsyncStore(store)
        return self._db

    @property
    def db(self) -> AsyncStore:
        """The SQLite store (opened in post_init)."""
        if self._db is None:
            raise RuntimeError("the store is opened in post_init; the application has not started")
        return self._db

    @property
    def store(self) -> Store:
        return self.db.store

    def start_executor(self) -> ThreadPoolExecutor:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.answer_workers, thread_name_prefix="redmud-answer")
        return self.executor

    def stop_executor(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None
        if self._db is not None:
            self._db.close()
            self._db = None


def runtime(context: ContextTypes.DEFAULT_TYPE) -> BotRuntime:
    rt: BotRuntime = context.bot_data[RUNTIME_KEY]
    return rt


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    svc: Services = context.bot_data[SERVICES_KEY]
    return svc


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
    keyboard: InlineKeyboardMarkup | ForceReply | None = None,
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
        }
        if i == 0 and reply_to is not None:
            kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
        try:
            sent.append(await _send_retrying(context, text=chunk.html, **kwargs))  # HTML: Defaults
        except BadRequest as exc:
            if "parse entities" not in str(exc).lower():
                raise
            logger.warning("Telegram rejected our HTML (%s); sending plain text", exc)
            sent.append(await context.bot.send_message(text=chunk.plain, parse_mode=None, **kwargs))
    return sent


def _retryable(exc: BaseException) -> bool:
    """Worth sending again: a network or server failure. Not a timeout (the message may have gone
    through, and a duplicate is worse), not a refusal; 429s are the rate limiter's business."""
    return isinstance(exc, NetworkError) and not isinstance(exc, (BadRequest, TimedOut))


async def _send_retrying(context: ContextTypes.DEFAULT_TYPE, **kwargs: Any) -> Message:
    """send_message, retried with exponential backoff and jitter after 5xx-style failures for up
    to SEND_RETRY_BUDGET_S: a run of 5xx must not turn an answer into an error line."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(_retryable),
        stop=stop_after_delay(SEND_RETRY_BUDGET_S),
        wait=wait_exponential_jitter(initial=SEND_RETRY_DELAY_S, max=SEND_RETRY_MAX_S),
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


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
