"""The HTTP side of the loopback Bot API server: routing `/bot<token>/<method>` and
`/file/bot<token>/<path>` requests, decoding form, multipart and JSON bodies, and replying.

Kept apart from :mod:`tests.fakes.bot_api_server`, which holds the protocol's state and methods.
"""

from __future__ import annotations

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

if TYPE_CHECKING:
    from tests.fakes.bot_api_server import FakeBotApi

_JSON_FIELDS = {"reply_markup", "reply_parameters", "commands", "scope", "allowed_updates", "entities",
                "link_preview_options", "reaction", "results", "button"}
_INT_FIELDS = {"chat_id", "message_id", "message_thread_id", "offset", "limit", "timeout", "max_connections",
               "user_id", "cache_time"}


class _QuietServer(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of new connections overflowed it
    # (25-35 dropped SYNs in one 200-update burst of bench/bench_bot.py), each drop cost the
    # client a 1 s SYN retransmission, and the benchmark measured this server's accept queue
    # rather than the bot (a bimodal 60 or 140 updates/s). Telegram does not refuse connections so.
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid long-poll (PTB stopping) is normal, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBotApi
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream_file(self, data: bytes) -> None:
        """Serve a file in 64 KB writes without Content-Length (chunked), counting what the client
        took before it hung up."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i in range(0, len(data), 65536):
                piece = data[i : i + 65536]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.fake.file_bytes_served += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _route(self) -> tuple[str, str, str] | None:
        m = re.fullmatch(r"/(bot|file/bot)([^/]+)/(.+)", unquote(self.path.split("?", 1)[0]))  # PTB quotes ':'

        return (m.group(1), m.group(2), m.group(3)) if m else None

    def do_GET(self) -> None:
        route = self._route()
        if route and route[0] == "file/bot" and route[1] == self.fake.token:
            data = self.fake.files.get(route[2].rsplit("/", 1)[-1])
            if data is not None:
                return self._stream_file(data)
        if route and route[0] == "bot":
            return self._api(route, {})
        self._reply(404, b"Not Found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route = self._route()
        if not route or route[0] != "bot":
            return self._reply(404, b"Not Found", "text/plain")
        self._api(route, _decode(raw, self.headers.get("Content-Type", "")))

    def _api(self, route: tuple[str, str, str], params: dict[str, Any]) -> None:
        _, token, method = route
        if token != self.fake.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            status, body = self.fake.handle(method, params)
        self._reply(status, json.dumps(body, ensure_ascii=False).encode())


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(raw)
    if content_type.startswith("multipart/form-data"):
        raise NotImplementedError("multipart uploads are not needed yet")
    params: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        if key in _JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        else:
            params[key] = value
    return params
