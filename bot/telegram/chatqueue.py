"""Answers in order, per chat, with "typing…" while members wait.

A busy group asks faster than Telegram lets a bot speak there (about 20 messages a minute), so
its questions wait in a per-chat line and are answered one after another, in the order they
were asked; other chats are not held up. While a group's line is not empty one typing loop
runs for it (not one per question: chat actions would eat the group's flood budget).
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
    def __init__(self, show_typing: Callable[[int, int | None], Awaitable[None]], typing_every_s: float = 4.5):
        self._show_typing = show_typing
        self._typing_every_s = typing_every_s
        self._tails: dict[int, asyncio.Future[None]] = {}
        self._waiting: dict[int, int] = {}
        self._typing: dict[int, asyncio.Task[None]] = {}

    def waiting(self, chat_id: int) -> int:
        return self._waiting.get(chat_id, 0)

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
        shows in the chat while anyone there waits."""
        chat_id = ticket.chat_id
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        if chat_id not in self._typing:
            self._typing[chat_id] = asyncio.create_task(self._keep_typing(chat_id, thread))
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
                task = self._typing.pop(chat_id, None)
                if task is not None:
                    task.cancel()
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
        tasks = list(self._typing.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
