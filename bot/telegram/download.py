"""Downloading a file from Telegram without trusting its stated size: the bytes are counted as
they arrive and the download stops at the limit (an upload whose message states no size was
downloaded in full before the size check)."""

from __future__ import annotations

import httpx
from telegram import File


class TooBig(ValueError):
    def __init__(self, size: int) -> None:
        super().__init__(f"over the limit ({size} bytes so far)")
        self.size = size


async def download_capped(file: File, limit: int, *, timeout_s: float = 60.0) -> bytes:
    """The file's bytes, or TooBig as soon as more than `limit` bytes arrived (or were announced)."""
    if file.file_size is not None and file.file_size > limit:
        raise TooBig(file.file_size)
    if not file.file_path:
        raise ValueError("Telegram gave no file path")
    url = file.file_path  # PTB makes it the full download URL (it holds the token: never log it)
    received = bytearray()
    async with httpx.AsyncClient(timeout=timeout_s) as client, client.stream("GET", url) as response:
        response.raise_for_status()
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooBig(int(declared))
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) > limit:
                raise TooBig(len(received))
    return bytes(received)
