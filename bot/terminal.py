"""Answers as text for a terminal (the answer, then its numbered sources) or as JSON lines.

The brief answer is shown by default, the full one on request; either way the sources list
("依据") names exactly the citations the shown text refers to, so a reader never looks up a
number the text does not use.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

from chains.models import Answer

_REF = re.compile(r"\[(\d+)\]")


def cited_numbers(text: str) -> set[int]:
    """The citation numbers a text refers to ("[2]" -> 2)."""
    return {int(n) for n in _REF.findall(text)}


def render(answer: Answer, *, full: bool = False, more_hint: str | None = None) -> str:
    """The answer (brief, or ``full``), then the sources it uses; ``more_hint`` is shown under a
    brief answer that has a longer form (e.g. how to ask for it in a chat)."""
    parts = []
    if answer.notice:
        parts.append(f"（{answer.notice}）")
    if answer.standalone_question:
        parts.append(f"（理解为：{answer.standalone_question}）")
    text = answer.full_text if full else answer.answer
    parts.append(text)
    used = cited_numbers(text)
    sources = [c for c in answer.citations if c.n in used]
    if sources:
        parts.append("\n依据")
        parts.extend(f"[{c.n}] {c.doc_title} {c.section}" for c in sources)
    if more_hint and not full and answer.answer_full and answer.answer_full != answer.answer:
        parts.append(f"\n（{more_hint}）")
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
