"""Recognise the numbering hierarchy of Chinese official documents.

Levels: 第X章 (1) > 一、 (2) > （一）/第X条/专栏 (3) > 1. (4) > （1） (5). Q&A pairs (问：/答：)
and boxed columns (专栏) are handled by the parser; this module only classifies one paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = "一二三四五六七八九十百零〇两"
PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^第[{_NUM}\d]+[章编]\s*")),
    (3, re.compile(rf"^第[{_NUM}\d]+条\s*")),
    (2, re.compile(rf"^[{_NUM}]+[、．.]\s*")),
    (3, re.compile(rf"^[（(][{_NUM}]+[）)]\s*")),
    (4, re.compile(r"^\d{1,2}[.．、](?!\d)\s*")),
    (5, re.compile(r"^[（(]\d{1,2}[）)]\s*")),
    (3, re.compile(r"^专栏\s*\d*\s*")),
]
QUESTION = re.compile(r"^(?:问|Q)\s*\d*\s*[：:]\s*")
ANSWER = re.compile(r"^(?:答|A)\s*\d*\s*[：:]\s*")


@dataclass
class Heading:
    level: int
    marker: str  # e.g. "（一）"
    label: str  # marker + title, e.g. "（一）推动赤泥源头减量"
    body: str  # the text of the paragraph after the title sentence ("" for a bare heading)
    is_column: bool = False
    title: str = ""  # the title alone, e.g. "推动赤泥源头减量": kept so nobody re-parses the label


def strip_marker(pattern: re.Pattern[str], text: str) -> str:
    """``text`` without the marker ``pattern`` matches at its start (问：, 答：)."""
    return pattern.sub("", text, count=1).strip()


def is_heading_start(line: str) -> bool:
    return any(p.match(line) for _, p in PATTERNS) or bool(QUESTION.match(line) or ANSWER.match(line))


def parse_heading(paragraph: str) -> Heading | None:
    for level, pattern in PATTERNS:
        m = pattern.match(paragraph)
        if not m:
            continue
        marker = m.group(0).strip()
        rest = paragraph[m.end():]
        if not rest:
            return None
        is_column = marker.startswith("专栏")
        if is_column:
            return Heading(level, "专栏", paragraph.strip(), "", True, paragraph[m.end():].strip())
        title, body = _split_title(rest)
        if not body and (level >= 4 or marker.startswith("第")) and re.search(r"[。；]$", rest):
            body = rest  # a one-sentence item or article is content, not just a heading
        return Heading(level, marker, f"{marker}{title}", body, title=title)
    return None


def _split_title(rest: str) -> tuple[str, str]:
    """'推动赤泥源头减量。依法实施…' -> title '推动赤泥源头减量', body = the whole paragraph.

    A bare heading ('总体要求') has no body. The title sentence stays in the body so that the
    clause keeps the document's exact wording.
    """
    m = re.search(r"[。：:；]", rest)
    if m and m.start() <= 40:
        title = rest[: m.start()]
        tail = rest[m.end():].strip()
        return title, rest if tail else ""
    if len(rest) <= 40 and not re.search(r"[，,。]", rest):
        return rest, ""
    return rest[:20] + "…", rest
