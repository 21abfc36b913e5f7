"""An httpx client whose every socket read and write ends at the answer's deadline.

Why: httpx timeouts are per operation. An endpoint that trickles a byte every few hundred
milliseconds never trips a read timeout, so the worker thread that ChatClient abandoned at the
deadline kept reading for minutes: the pool filled up, answers kept falling back after the
endpoint recovered, and `redmud ask` could not exit (the interpreter joins those threads).
Here each network read and write gets at most the time left to the deadline of the call running
on that thread (`chains.llm.client.deadline_scope`), so an abandoned call ends by itself moments after its deadline,
whatever the endpoint does (headers and body alike).

httpx has no public hook for the network layer, so DeadlineTransport wraps the network backend
of the connection pool that httpx.HTTPTransport builds (httpcore's documented NetworkBackend
interface); `deadline_http_client` refuses to build a client that would not enforce it.
"""

from __future__ import annotations

import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from chains.llm.client import current_deadline


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    end = current_deadline()
    if end is None:
        return timeout
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise error("the answer's deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address,
                                         socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _bounded(timeout, httpcore.ConnectTimeout), socket_options)
        return DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        pool = getattr(self, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:  # httpx/httpcore changed their insides: better loud than unbounded
            raise RuntimeError("cannot bound LLM reads by the deadline with this httpx/httpcore version")
        pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]

    @property
    def bounded(self) -> bool:
        return isinstance(self._pool._network_backend, DeadlineBackend)  # type: ignore[attr-defined]


def _proxy_for(base_url: str | None) -> str | None:
    """The proxy the environment names for `base_url` (httpx's own lookup is off once a transport
    is given): HTTPS_PROXY / ALL_PROXY, unless NO_PROXY covers the host."""
    url = base_url or "https://api.openai.com/v1"
    host = urlsplit(url).hostname or ""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(urlsplit(url).scheme or "https") or proxies.get("all")
    if not proxy or host in ("localhost", "127.0.0.1", "::1") or urllib.request.proxy_bypass(host):
        return None
    return proxy


def deadline_http_client(base_url: str | None, timeout_s: float) -> httpx.Client:
    """The sync httpx client for ChatOpenAI: openai's defaults (redirects, per-operation timeout)
    plus reads bounded by the deadline of the call in progress."""
    transport = DeadlineTransport(proxy=_proxy_for(base_url))
    return httpx.Client(transport=transport, timeout=timeout_s, follow_redirects=True)
