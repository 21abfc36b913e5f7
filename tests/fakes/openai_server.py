"""A loopback server that speaks the OpenAI chat-completions protocol, scripted per test.

Why: the LLM chain must be tested with the real openai client and LangChain stack, including
the failures of a real endpoint (429 + Retry-After, 5xx, hangs, trickled bytes, malformed JSON,
empty content),
without a network. Each test queues responses; every request is recorded (time, headers, JSON
body) so tests can count retries and read the prompt that was sent.

    with FakeOpenAIServer() as server:
        server.enqueue(Reply(status=429, headers={"Retry-After": "1"}), Reply(content="…[1]"))
        ChatOpenAI(base_url=server.base_url, api_key="test", max_retries=0).invoke("hi")
"""

from __future__ import annotations

import html
import json
import re
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted response. `content` may be a function of the request body (a responder)."""

    content: str | Callable[[dict], str] | None = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before answering
    hang: bool = False  # never answer (until the client gives up or the server stops)
    raw_body: bytes | str | None = None  # sent as is (malformed JSON, HTML…)
    finish_reason: str = "stop"
    # > 0: the whole response (status line, headers, body) goes out one byte per `trickle_s`
    # seconds, so no per-read timeout ever fires; stops when the client hangs up
    trickle_s: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    at: float  # time.monotonic() when the request arrived
    hung_up_at: float | None = None  # a trickled response: when the client closed the connection

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages", [])

    def message(self, role: str) -> str:
        """The text of the first message with `role` (system, user, assistant)."""
        for m in self.messages:
            if m.get("role") == role:
                content = m.get("content")
                if isinstance(content, list):
                    return "".join(part.get("text", "") for part in content if isinstance(part, dict))
                return content or ""
        return ""


class FakeOpenAIServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, started in a daemon thread."""

    def __init__(self, default: Reply | None = None):
        self.default = default or Reply(status=500, raw_body=b'{"error":{"message":"no scripted reply"}}')
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                server._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/").endswith("/models"):
                    server._send_json(
                        self, 200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]}
                    )
                else:
                    server._send_json(self, 404, {"error": {"message": "not found"}})

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- scripting ----------------------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def completions(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- protocol -----------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = Recorded(h.path, {k.lower(): v for k, v in h.headers.items()}, body, time.monotonic())
        with self._lock:
            self.requests.append(record)
            reply = self._queue.popleft() if self._queue else self.default
        if not h.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(h, 404, {"error": {"message": f"unknown path {h.path}"}})
            return
        if reply.hang:
            self._stopping.wait(60)
            h.close_connection = True
            return
        if reply.delay_s:
            self._stopping.wait(reply.delay_s)
        if reply.raw_body is not None:
            data = reply.raw_body.encode() if isinstance(reply.raw_body, str) else reply.raw_body
            self._send(h, reply.status, data, "application/json", reply.headers)
            return
        if reply.status != 200:
            err = {"error": {"message": f"scripted {reply.status}", "type": "server_error", "code": None}}
            self._send_json(h, reply.status, err, reply.headers)
            return
        content = reply.content(body or {}) if callable(reply.content) else reply.content
        model = (body or {}).get("model", "fake-model")
        if reply.trickle_s > 0:
            self._trickle(h, record, _completion(model, content, reply.finish_reason), reply.trickle_s)
        elif (body or {}).get("stream"):
            self._stream(h, model, content, reply)
        else:
            self._send_json(h, 200, _completion(model, content, reply.finish_reason), reply.headers)

    def _trickle(self, h: BaseHTTPRequestHandler, record: Recorded, payload: dict, interval: float) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        h.close_connection = True
        for i, byte in enumerate(head.encode() + body):
            if self._stopping.is_set():
                return
            try:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
            except OSError:  # the client hung up (BrokenPipe / ConnectionReset)
                record.hung_up_at = time.monotonic()
                return
            if i % 4 == 3:  # a dead peer shows up only on a later write; look at the socket too
                if _peer_closed(h):
                    record.hung_up_at = time.monotonic()
                    return
            self._stopping.wait(interval)

    def _stream(self, h: BaseHTTPRequestHandler, model: str, content: str | None, reply: Reply) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        for k, v in reply.headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.close_connection = True
        text = content or ""
        pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
        chunks = [_chunk(model, {"role": "assistant", "content": ""}, None)]
        chunks += [_chunk(model, {"content": p}, None) for p in pieces]
        chunks.append(_chunk(model, {}, reply.finish_reason))
        try:
            for c in chunks:
                h.wfile.write(f"data: {json.dumps(c, ensure_ascii=False)}\n\n".encode())
                h.wfile.flush()
            h.wfile.write(b"data: [DONE]\n\n")
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _send_json(
        h: BaseHTTPRequestHandler, status: int, payload: dict, headers: dict | None = None
    ) -> None:
        FakeOpenAIServer._send(
            h, status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers
        )

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, data: bytes, ctype: str, headers: dict | None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def _peer_closed(h: BaseHTTPRequestHandler) -> bool:
    """True when the client has closed its end (the socket reads as EOF without blocking)."""
    sock = h.connection
    try:
        ready, _, _ = select.select([sock], [], [], 0)
        return bool(ready) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


_CLAUSE = re.compile(r'<clause n="(\d+)"[^>]*>\s*(.*?)\s*</clause>', re.S)


def quoting_responder(body: dict, max_clauses: int = 3, whole: bool = False, shapes: bool = True) -> str:
    """A well-behaved model: answers with the first sentence of each clause it was given (every
    sentence with `whole`), cited as [n]. Good for end-to-end runs: the answer passes the
    grounding check by construction. With `shapes` it writes the two sections the prompt asks
    for: <brief> (the quoted sentence sharing most words with the question first, then up to
    three more as points) and <full> (all of them)."""
    text = "\n".join(
        m.get("content", "") if isinstance(m.get("content"), str) else "" for m in body.get("messages", [])
    )
    lines = []
    for n, clause in _CLAUSE.findall(text)[:max_clauses]:
        sentences = [x.strip() for x in re.split(r"(?<=[。；？])|\n", html.unescape(clause)) if x.strip()]
        if whole:
            lines.extend(f"{x}[{n}]" for x in sentences)
            continue
        statements = [x for x in sentences if len(x) >= 12 and not x.endswith("？")] or sentences
        first = re.sub(r"^(?:答|问)[：:]", "", statements[0]) if statements else ""
        lines.append(f"{first}[{n}]")
    if not lines:
        return "文件未明确规定相关内容。"
    if not shapes:
        return "\n".join(lines)
    asked = re.findall(r"<question>\s*((?:(?!<question>).)*?)\s*</question>", text, re.S)
    words = _bigrams(html.unescape(asked[-1]) if asked else "")
    head = max(lines, key=lambda line: len(words & _bigrams(line)))
    points = [line for line in lines if line != head][:3]
    brief = "\n".join([head, *(f"- {p}" for p in points)])
    return f"<brief>\n{brief}\n</brief>\n<full>\n" + "\n".join(lines) + "\n</full>"


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"\W+", "", text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


_counter = iter(range(1, 1_000_000))


def _completion(model: str, content: str | None, finish_reason: str) -> dict:
    return {
        "id": f"chatcmpl-fake-{next(_counter)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunk(model: str, delta: dict, finish_reason: str | None) -> dict:
    return {
        "id": "chatcmpl-fake-stream",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }
