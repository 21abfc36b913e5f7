"""Deterministic follow-up rewriting: "那河南呢？" after a question about Guizhou becomes the
same question about Henan.

Why: in a group chat people ask elliptical follow-ups; retrieval needs a standalone question.
This rule-based rewriter is used when the LLM is off (and as the LLM rewriter's fallback), so it
is pure and predictable: a follow-up that names a place (any place the gazetteer knows, "那滨州呢？")
swaps the place of the previous question;
a short follow-up without one ("具体责任单位呢？", "还有别的吗") is attached to the previous
question's topic; a follow-up that is already a full question is kept.
"""

from __future__ import annotations

import re
from typing import Protocol

from knowledge.gazetteer import Place, load_gazetteer


class _TurnLike(Protocol):
    question: str


_ELLIPSIS_START = re.compile(
    r"^\s*(?:那么?|那|还有|另外|以及|再问一下|请问|and|what about|how about|and what about)\s*", re.I
)
_ELLIPSIS_END = re.compile(r"\s*(?:呢|吗|嘛|么)?\s*[？?。.!！]*\s*$")
_TOPIC_WORDS = re.compile(
    r"赤泥|综合利用|政策|补贴|税|优惠|奖励|资金|目标|任务|措施|责任|单位|部门|标准|要求|规定|文件|方案|企业|项目|"
    r"red mud|policy|policies|subsid|tax|target|goal|measure|agency|agencies|standard|incentive",
    re.I,
)
_QUESTION_WORDS = re.compile(
    r"什么|哪些|哪个|哪里|怎么|怎样|如何|是否|多少|有没有|能否|可以|吗|why|what|which|how|when|who|is |are |does |do ",
    re.I,
)


def _surfaces(place: Place) -> list[str]:
    """The ways a text may write the place, longest first."""
    return sorted({place.name, place.short, *place.aliases} - {""}, key=len, reverse=True)


def find_places(text: str) -> list[tuple[Place, int, int, str]]:
    """(place, start, end, surface) for every place the gazetteer finds in `text`, left to right, no overlaps."""
    found: list[tuple[Place, int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for place in load_gazetteer().find(text):
        for surface in _surfaces(place):
            flags = re.I if surface.isascii() else 0
            pattern = rf"\b{re.escape(surface)}\b" if surface.isascii() else re.escape(surface)
            m = next((m for m in re.finditer(pattern, text, flags)
                      if not any(m.start() < e and s < m.end() for s, e in taken)), None)
            if m is not None:
                taken.append((m.start(), m.end()))
                found.append((place, m.start(), m.end(), m.group(0)))
                break
    return sorted(found, key=lambda f: f[1])


def _is_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _core(text: str) -> str:
    """The follow-up without its elliptical frame ("那…呢？")."""
    return _ELLIPSIS_END.sub("", _ELLIPSIS_START.sub("", text)).strip()


class RuleRewriter:
    """`rewrite(question, previous)` -> a standalone question (never raises, never calls out)."""

    def __init__(self, full_question_chars: int = 12):
        self.full_question_chars = full_question_chars

    def is_standalone(self, question: str, previous: str = "") -> bool:
        """A follow-up that stands on its own: long enough, names a topic, not an ellipsis."""
        q = question.strip()
        elliptical = bool(_ELLIPSIS_START.match(q)) or bool(re.search(r"呢\s*[？?]?\s*$", q))
        long_enough = (
            len(re.sub(r"\s+", "", q)) >= self.full_question_chars if _is_chinese(q) else len(q.split()) >= 6
        )
        return (
            long_enough
            and not elliptical
            and bool(_TOPIC_WORDS.search(q))
            and bool(_QUESTION_WORDS.search(q) or find_places(q))
        )

    def rewrite(self, question: str, previous: _TurnLike | None = None) -> str:
        q = (question or "").strip()
        prev = ((previous.question if previous is not None else "") or "").strip()
        if not q or not prev or self.is_standalone(q, prev):
            return q
        new_places = find_places(q)
        core = _core(q)
        for *_, surface in new_places:
            core = core.replace(surface, "", 1)
        core = re.sub(r"^[的之\s,，、]+|[的之\s,，、]+$", "", core)
        if new_places:
            swapped = self._swap_place(prev, new_places[0][0], new_places[0][3])
            if not core:
                return swapped
            return self._attach(swapped, q)
        return self._attach(prev, q)

    @staticmethod
    def _swap_place(prev: str, new: Place, new_surface: str) -> str:
        """The previous question about `new` instead of the place it named (same level first)."""
        old = find_places(prev)
        zh = _is_chinese(prev)
        surface = new.label if zh and not _is_chinese(new_surface) else new_surface
        if not zh and _is_chinese(new_surface):
            surface = new.latin.capitalize() or new_surface
        if not old:
            return f"{surface}{prev}" if zh else f"{prev.rstrip('?？. ')} in {surface}?"
        same_level = [o for o in old if o[0].level == new.level] or [o for o in old if o[0].level != 0] or old
        target = same_level[0]
        if target[0] == new:
            return prev
        return prev[: target[1]] + surface + prev[target[2] :]

    @staticmethod
    def _attach(prev: str, followup: str) -> str:
        """A short follow-up attached to the previous question's topic."""
        topic = re.sub(r"[？?。.!！\s]+$", "", prev)
        if _is_chinese(followup) or _is_chinese(prev):
            tail = followup.strip()
            if not re.search(r"[？?。.!！]$", tail):
                tail += "？"
            return f"关于「{topic}」，{tail}"
        return f"Regarding “{topic}”: {followup.strip()}"
