"""The two shapes of an LLM answer: the brief one a group reads first, and the full one.

Why: the answer contract (chains.models.Answer) has `answer` (the first line states the answer,
then at most three short cited points) and `answer_full` (every cited clause, grouped). The model
writes both in one reply, inside <brief> and <full>; both are grounding-checked. A model that
ignores the format still gives a usable answer: its text is the full form and the brief one is
taken from it (the first cited line and up to three more), so the format is never a reason to
throw away a grounded answer. The brief form is held to three points whatever the model wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chains.llm.grounding import CITATION, is_no_info

MAX_POINTS = 3
_SECTION = re.compile(r"<(brief|full)>\s*(.*?)\s*(?:</\1>|(?=<(?:brief|full)>)|\Z)", re.S | re.I)
_TAG = re.compile(r"</?(?:brief|full)>", re.I)
_POINT = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.、)）])\s*")


@dataclass(frozen=True)
class Shapes:
    brief: str
    full: str


def parse_shapes(text: str) -> Shapes:
    """The brief and the full text of a reply (tags removed, the brief held to three points)."""
    sections: dict[str, str] = {}
    for m in _SECTION.finditer(text):
        sections.setdefault(m.group(1).lower(), _TAG.sub("", m.group(2)).strip())
    full = sections.get("full") or sections.get("brief") or _TAG.sub("", text).strip()
    brief = sections.get("brief") or derive_brief(full)
    return Shapes(brief=limit_points(brief), full=full)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def limit_points(brief: str) -> str:
    """The first line, then at most MAX_POINTS points; other lines (notes) are kept."""
    out, points = [], 0
    for i, line in enumerate(_lines(brief)):
        if i and _POINT.match(line):
            points += 1
            if points > MAX_POINTS:
                continue
        out.append(line)
    return "\n".join(out)


def derive_brief(full: str) -> str:
    """A brief form taken from a full one: its first cited line (the answer), the next three cited
    lines as points, and the first "not specified" note."""
    lines = _lines(full)
    cited = [line for line in lines if CITATION.search(line)]
    if not cited:
        return "\n".join(lines[:1 + MAX_POINTS])
    head, points = _POINT.sub("", cited[0]), cited[1 : 1 + MAX_POINTS]
    note = next((line for line in lines if not CITATION.search(line) and is_no_info(line)), None)
    return "\n".join([head, *points, *([note] if note else [])])
