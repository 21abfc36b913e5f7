"""Place names for the grounding check, from the gazetteer (knowledge.gazetteer), never from code.

Why: "<province>省财政厅" is only grounded by a clause that says 省财政厅 when that clause's
document is that province's (or one of its cities'); and a heading that is a place name states
nothing. Both need to know which words are places, for any place staff may add documents for,
so the gazetteer decides.
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.gazetteer import load_gazetteer

_MAX_FORM = 16
_CJK_TAIL = re.compile(r"[\u4e00-\u9fff]+$")


def place_at_end(text: str) -> str | None:
    """The place name `text` ends with (a short or full name, or 国家), longest first; None if it ends with none.
    One-character 简称 do not count: they end too many ordinary words."""
    tail = _CJK_TAIL.search(text or "")
    if tail is None:
        return None
    run = tail.group(0)
    gazetteer = load_gazetteer()
    for size in range(min(_MAX_FORM, len(run)), 1, -1):
        if gazetteer.get(run[-size:]) is not None:
            return run[-size:]
    return None


@lru_cache(maxsize=256)
def context_names(jurisdiction: str | None) -> str:
    """Every name of a document's place and of the places above it (full names, short names, pinyin),
    so that a place an answer writes before an agency may be any of them."""
    gazetteer = load_gazetteer()
    place = gazetteer.get(jurisdiction) if jurisdiction else None
    if place is None:
        return ""
    names: list[str] = []
    for p in gazetteer.lineage(place.code):
        names.extend([p.name, p.short, *p.aliases])
    return " ".join(names)


def strip_places(text: str) -> str:
    """`text` without the places it names (their full names, short names and aliases of 2+ chars)."""
    for place in load_gazetteer().find(text):
        for form in sorted({place.name, place.short, *place.aliases}, key=len, reverse=True):
            if len(form) >= 2:
                text = re.sub(re.escape(form), "", text, flags=re.IGNORECASE)  # Guizhou, guizhou
    return text
