"""Answers as text for a terminal (the answer, then its numbered sources) or as JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import BinaryIO

from chains.models import Answer


def render(answer: Answer) -> str:
    parts = []
    if answer.notice:
        parts.append(f"（{answer.notice}）")
    if answer.standalone_question:
        parts.append(f"（理解为：{answer.standalone_question}）")
    parts.append(answer.answer)
    if answer.citations:
        parts.append("\n依据")
        parts.extend(f"[{c.n}] {c.doc_title} {c.section}" for c in answer.citations)
    if answer.fallback_reason:
        parts.append(f"\n（未使用大模型答案：{answer.fallback_reason}）")
    return "\n".join(parts)


def to_json_line(answer: Answer) -> str:
    return json.dumps(answer.to_json_dict(), ensure_ascii=False)


def stdin_lines(stream: BinaryIO | None = None) -> Iterator[str]:
    """Lines of stdin, one at a time (so a pipe can converse), tolerant of invalid UTF-8."""
    stream = stream or sys.stdin.buffer
    for raw in iter(stream.readline, b""):
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
