"""A loopback Telegram Bot API server, so the real PTB Application (its real HTTP stack, its
real long polling, its rate limiter) can be tested without Telegram.

It speaks the protocol, failures included: `{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}`, 401 for a wrong token, 400 "can't parse entities" for HTML
Telegram would reject (only Telegram's tags, balanced, known entities), 400 for messages over
4096 characters or callback data over 64 bytes. Tests queue updates, inject 429/5xx/delays for
chosen methods, and read every call back from `calls`.

Layout, as PTB expects it: base_url `http://127.0.0.1:PORT/bot` + `<token>/<method>`;
files under `/file/bot<token>/<path>`. Runs in its own threads (stdlib `ThreadingHTTPServer`),
so it works whatever event loop the test uses.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from tests.fakes.bot_api_http import _Handler, _QuietServer
from tests.fakes.bot_api_updates import UpdateBuilders
from tests.fakes.telegram_html import parse_telegram_html, utf16_len

TOKEN = "123456:TEST-token_ABCdef"
BOT_ID = 123456
BOT_USERNAME = "RedMudTestBot"

HOLD_LIMIT_S = 60.0  # a held call is answered after this even if the test never releases it

_DESCRIPTIONS = {400: "Bad Request", 403: "Forbidden: bot was blocked by the user", 429: "Too Many Requests",
                 500: "Internal Server Error", 502: "Bad Gateway"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Fault:
    """An injected failure (status set) or delay for the next `times` calls of `method`."""

    method: str
    status: int | None = 429
    retry_after: int | None = None
    description: str | None = None
    delay_s: float = 0.0
    times: int = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    release: threading.Event | None = None  # held (in flight) until the test sets it


@dataclass
class FakeBotApi(UpdateBuilders):
    token: str = TOKEN
    bot_id: int = BOT_ID
    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._faults: list[Fault] = []
        self.in_flight: dict[str, int] = {}  # method -> calls being handled now
        self.max_in_flight: dict[str, int] = {}  # method -> the most handled at once
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.reactions: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self.chat_admins: dict[int, set[int]] = {}  # chat -> user ids getChatMember calls administrators
        self.file_sizes_hidden = False  # getFile answers without file_size (as Telegram may)
        self.file_bytes_served = 0
        self._closed = False
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeBotApi:
        api = self

        class Handler(_Handler):
            fake = api

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True, name="fake-bot-api").start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what tests drive ---------------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "RedMud", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._lock.notify_all()
        return update

    def user_message(self, text: str, *, chat_id: int, user_id: int | None = None, chat_type: str | None = None,
                     reply_to: dict[str, Any] | None = None, thread_id: int | None = None,
                     first_name: str = "张三") -> dict[str, Any]:
        """Queue a user's text message (entities for commands and @mentions, as Telegram sets
        them); returns the message dict."""
        user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
        chat = self._chat(chat_id, chat_type)
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                                   "from": {"id": user_id, "is_bot": False, "first_name": first_name},
                                   "text": text}
        entities = []
        for m in re.finditer(r"(?:^/[A-Za-z_]+(?:@\w+)?)|(?<!\w)@\w+", text):
            kind = "bot_command" if m.group().startswith("/") else "mention"
            entities.append({"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())})
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self.messages[(chat_id, message["message_id"])] = message
        self.push_update({"message": message})
        return message

    def button_press(self, message: dict[str, Any], data: str, *, user_id: int) -> dict[str, Any]:
        query = {"id": str(next(self._message_ids)), "chat_instance": "ci",
                 "from": {"id": user_id, "is_bot": False, "first_name": "张三"}, "message": message, "data": data}
        return self.push_update({"callback_query": query})

    def fault(self, method: str, **kwargs: Any) -> Fault:
        fault = Fault(method, **kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and all(c.params.get(k) == v for k, v in match.items())]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (successful sendMessage), oldest first."""
        with self._lock:
            values = [m for m in self.messages.values() if m["from"]["id"] == self.bot_id]
        return sorted((m for m in values if chat_id is None or m["chat"]["id"] == chat_id),
                      key=lambda m: m["message_id"])

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.01)
        raise AssertionError(f"condition not met within {timeout}s; calls: {[c.method for c in self.calls][-20:]}")

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        return await self.wait_for(lambda: (s := self.sent(chat_id)) and len(s) >= count and s, timeout)

    # --- protocol -----------------------------------------------------------------------------
    def _chat(self, chat_id: int, chat_type: str | None) -> dict[str, Any]:
        kind = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = "张三"
        else:
            chat["title"] = f"群 {chat_id}"
            chat["is_forum"] = kind == "supergroup"
        return chat

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.times > 0 and (fault.when is None or fault.when(params)):
                    fault.times -= 1
                    return fault
        return None

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic()))
            self.in_flight[method] = self.in_flight.get(method, 0) + 1
            self.max_in_flight[method] = max(self.max_in_flight.get(method, 0), self.in_flight[method])
        try:
            return self._handle(method, params)
        finally:
            with self._lock:
                self.in_flight[method] -= 1

    def _handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fault = self._take_fault(method, params)
        if fault is not None:
            time.sleep(fault.delay_s)
            if fault.release is not None:
                fault.release.wait(HOLD_LIMIT_S)
            if fault.status is not None:
                body: dict[str, Any] = {"ok": False, "error_code": fault.status,
                                        "description": fault.description or _DESCRIPTIONS.get(fault.status, "Error")}
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                    body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
                return fault.status, body
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except ValueError as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}

    def _m_getme(self, params: dict[str, Any]) -> Any:
        return self.me()

    def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset, limit = params.get("offset", 0), params.get("limit", 100)
        deadline = time.monotonic() + float(params.get("timeout", 0))
        with self._lock:
            while True:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._closed or time.monotonic() >= deadline:
                    return self._updates[:limit]
                self._lock.wait(min(0.2, max(0.0, deadline - time.monotonic())))

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text", ""))
        plain = parse_telegram_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text
        if not plain.strip():
            raise ValueError("message text is empty")
        if utf16_len(plain) > 4096:
            raise ValueError("message is too long")
        self._check_markup(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": self._chat(chat_id, None), "from": self.me(), "text": plain}
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        reply = (params.get("reply_parameters") or {}).get("message_id")
        if reply is not None and (chat_id, reply) in self.messages:
            message["reply_to_message"] = self.messages[(chat_id, reply)]
        if (params.get("reply_markup") or {}).get("inline_keyboard"):  # only inline keyboards come back
            message["reply_markup"] = params["reply_markup"]
        message["_raw"] = {"text": text, "parse_mode": params.get("parse_mode"), "reply_markup": params.get("reply_markup")}
        with self._lock:
            self.messages[(chat_id, message["message_id"])] = message
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ValueError("message to edit not found")
        text = str(params.get("text", ""))
        plain = parse_telegram_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text
        if utf16_len(plain) > 4096:
            raise ValueError("MESSAGE_TOO_LONG")
        old = self.messages[key]
        if plain == old.get("text") and params.get("reply_markup") == old.get("reply_markup"):
            raise ValueError("message is not modified")
        self._check_markup(params.get("reply_markup"))
        with self._lock:
            updated = {**old, "text": plain, "_raw": {"text": text, "parse_mode": params.get("parse_mode")},
                       "edit_date": int(time.time())}
            updated.pop("reply_markup", None)
            if params.get("reply_markup"):
                updated["reply_markup"] = params["reply_markup"]
            self.messages[key] = updated
        return {k: v for k, v in self.messages[key].items() if not k.startswith("_")}

    def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        return True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        return True

    def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _m_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ValueError("invalid file_id")
        result = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
                  "file_path": f"documents/{file_id}"}
        if self.file_sizes_hidden:
            del result["file_size"]
        return result


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A started loopback Bot API server (stopped after the test)."""
    api = FakeBotApi().start()
    try:
        yield api
    finally:
        api.stop()
