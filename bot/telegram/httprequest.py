"""The HTTP client for the bot's API calls (everything but getUpdates): PTB's HTTPXRequest with
at most `slots` requests in flight, the rest waiting their turn in a plain FIFO semaphore.

Why not PTB's default (a pool of 256 connections, requests queued inside it): httpcore's pool
does its bookkeeping by scanning every connection, and every queued request, each time a request
starts or ends (encode/httpcore#1035: O(connections x requests), a `poll()` per idle socket, and
requests that lose a just-freed connection to another one scan again). It feeds on itself: the
slower the loop (a busy machine), the more requests overlap, the more connections, the slower
the scan. A 200-update burst opened 12 connections on an idle machine and up to 60 on a busy one,
where the scan took a third or more of the loop's time: the bot-overhead benchmark ran at 64-71
updates/s with PTB's pool and 110-150 with 8 slots (back to back). Bounded here, the pool never
holds more than `slots` connections and never queues, and a request waiting for a slot waits in
O(1).

Waiting for a slot has no deadline of its own (httpx's pool timeout never fires: the pool always
has a free connection), so a burst is never turned into `TimedOut` errors, which the sender must
not retry (a timed-out message may have been delivered). Each request in flight is bounded by the
read, write and connect timeouts, so slots always come back. Eight carry Telegram's overall flood
limit (30 requests a second) at round trips up to about 250 ms; `build_application(request_slots=)`
takes more for a slower link.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import HTTPXRequest

DEFAULT_SLOTS = 8


class BoundedHTTPXRequest(HTTPXRequest):
    def __init__(self, slots: int = DEFAULT_SLOTS, **kwargs: Any) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        super().__init__(connection_pool_size=slots, **kwargs)
        self.slots = slots
        self.waiting = 0  # requests waiting for a slot
        self._free = asyncio.Semaphore(slots)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.waiting += 1
        try:
            await self._free.acquire()
        finally:
            self.waiting -= 1
        try:
            return await super().do_request(*args, **kwargs)
        finally:
            self._free.release()
