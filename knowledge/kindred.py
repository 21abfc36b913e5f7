"""Headings lent to lists that have none, from the library's other documents.

Why. Plans of one genre list the same things in the same form, but not always under a heading.
Guizhou's plan lists its principles as "——强化创新驱动。…" items under "（二）基本原则"; the
national plan lists its own ("——坚持创新引领。…") straight under "一、总体要求", and neither
its text nor its section path says 原则. A question "国家方案讲了几条原则" then has nothing to
find them by. A clause made of list items, in a section with no sub-heading of its own, borrows
the sub-heading of the most alike run of items of the same form in another document, as
retrieval context only (its passage, its embedded context line, the heading match and quoting);
its citation still shows its own section. Nothing here is a word list: what is lent is whatever heading the library's
documents put over lists of that form, so a document staff add lends and borrows alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.models import Clause
from knowledge.parser import item_kind

MIN_ITEMS = 1  # a piece of a split run may hold a single item of it
MIN_SHARE = 0.5  # at least half of a clause's paragraphs must be items for it to count as a list


def list_form(clause: Clause) -> str:
    """The item form a clause's paragraphs are listed in ("dash" for "——…"), or "" for prose."""
    if clause.kind == "qa":
        return ""
    paragraphs = [p.strip() for p in clause.text.split("\n") if p.strip()]
    kinds = [item_kind(p) for p in paragraphs]
    listed = [k for k in kinds if k]
    if len(listed) < MIN_ITEMS or len(listed) < MIN_SHARE * len(paragraphs) or len(set(listed)) != 1:
        return ""
    return listed[0]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _alike(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def lend_headings(clauses: Sequence[Clause]) -> list[Clause]:
    """The clauses, each list without a sub-heading given ``kindred_heading``: the heading of the most
    alike headed list of the same form in another document (character bigrams: cheap, and the
    form already narrows the candidates to lists of that kind). Clauses otherwise unchanged."""
    headed = [(c, list_form(c)) for c in clauses if len(c.section_path) >= 2 and c.heading]
    lenders = [(c, form, _bigrams(c.text)) for c, form in headed if form]
    out: list[Clause] = []
    for clause in clauses:
        form = list_form(clause) if len(clause.section_path) <= 1 else ""
        candidates = [(c, grams) for c, f, grams in lenders if f == form and c.doc_id != clause.doc_id]
        if not form or not candidates:
            out.append(clause)
            continue
        mine = _bigrams(clause.text)
        lender = max(candidates, key=lambda cg: (_alike(mine, cg[1]), cg[0].doc_id, cg[0].order))[0]
        out.append(clause.model_copy(update={"kindred_heading": lender.heading}))
    return out
