"""Answers in order, per chat, with "typing…" while members wait.

A busy group asks faster than Telegram lets a bot speak there (about 20 messages a minute), so
its questions wait in a per-chat line and are answered one after another, in the order they
were asked; other chats are not held up. While a group's line is not empty one typing loop
runs for it (not one per question: chat actions would eat the group's flood budget).

"typing…" starts only once the line has waited `typing_after_s` (a timer per line, not a task):
most answers are sent well within it, and for them the indicator was one more API call (a lone
question's two calls instead of one, both counted by the overall flood limit) for a status the
answer replaces a moment later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass
class Ticket:
    """A place in a chat's line, taken before anything is awaited (so the line follows the order
    updates arrived in), used by `run` or given back by `release`."""

    chat_id: int
    previous: asyncio.Future[None] | None
    done: asyncio.Future[None]

    def release(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


class ChatQueues:
    def __init__(self, show_typing: Callable[[int, int | None], Awaitable[None]], typing_every_s: float = 4.5,
                 typing_after_s: float = 1.0) -> None:
        self._show_typing = show_typing
        self._typing_every_s = typing_every_s
        self._typing_after_s = typing_after_s
        self._tails: dict[int, asyncio.Future[None]] = {}
        self._waiting: dict[int, int] = {}
        # per chat with a line: the timer that starts "typing…", then the loop that repeats it
        self._typing: dict[int, asyncio.TimerHandle | asyncio.Task[None]] = {}

    def waiting(self, chat_id: int) -> int:
        return self._waiting.get(chat_id, 0)

    def typing(self, chat_id: int) -> bool:
        """Whether "typing…" is due or being shown in the chat (False once its line is empty)."""
        return chat_id in self._typing

    def reserve(self, chat_id: int) -> Ticket:
        """Take the next place in the chat's line (synchronous: call it before any await)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ticket = Ticket(chat_id, self._tails.get(chat_id), done)
        self._tails[chat_id] = done

        def forget(future: asyncio.Future[None]) -> None:
            if self._tails.get(chat_id) is future:
                del self._tails[chat_id]  # the line is empty: nothing kept for idle chats

        done.add_done_callback(forget)
        return ticket

    async def run(self, ticket: Ticket, thread: int | None, job: Callable[[], Awaitable[T]]) -> T:
        """Run `job` once every ticket taken before this one for the chat is done; "typing…"
        shows in the chat while anyone there has waited longer than `typing_after_s`."""
        chat_id = ticket.chat_id
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        if chat_id not in self._typing:
            self._typing[chat_id] = asyncio.get_running_loop().call_later(
                self._typing_after_s, self._start_typing, chat_id, thread)
        try:
            if ticket.previous is not None:
                with suppress(Exception):
                    await asyncio.shield(ticket.previous)
            return await job()
        finally:
            ticket.release()
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:
                del self._waiting[chat_id]
                typing = self._typing.pop(chat_id, None)
                if typing is not None:
                    typing.cancel()

    def _start_typing(self, chat_id: int, thread: int | None) -> None:
        if self._waiting.get(chat_id):  # always true: the timer is cancelled when the line empties
            self._typing[chat_id] = asyncio.create_task(self._keep_typing(chat_id, thread))

    async def _keep_typing(self, chat_id: int, thread: int | None) -> None:
        while self._waiting.get(chat_id):
            try:
                await self._show_typing(chat_id, thread)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # cosmetic: never fail an answer for it
                logger.debug("typing indicator failed: %s", type(exc).__name__)
            await asyncio.sleep(self._typing_every_s)

    async def close(self) -> None:
        typing = list(self._typing.values())
        self._typing.clear()
        for handle in typing:
            handle.cancel()
        for task in [t for t in typing if isinstance(t, asyncio.Task)]:
            with suppress(asyncio.CancelledError):
                await task
