"""Lists a document makes of its own section headings ("国家方案专栏里点了哪几个省").

A plan's column may give each province a section of its own, headed by the name alone
("专栏 赤泥综合利用产业化示范工程" > "山东", "山西", …): asked which provinces, the answer is those
headings, which no sentence of the column states. When the question asks for names of a form
(the places of a level, from the gazetteer: :func:`chains.analysis.asked_kind`) and the cited
clauses include sections headed by such names under one parent, the first line lists every
section of that parent so headed, each with its citation, in the document's order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chains.coverage import label
from chains.retrieval import Hit, Retrieval
from knowledge.models import WholeKey

MIN_SECTIONS = 2  # one heading is an answer's place, not a list


@dataclass(frozen=True)
class HeadingList:
    parent: str  # the parent heading, as the document writes it
    sections: list[Hit]  # each section so headed, in the document's order

    @property
    def keys(self) -> set[WholeKey]:
        """The sections' clauses (:attr:`Clause.whole_key`)."""
        return {h.clause.whole_key for h in self.sections}

    def text(self, numbers: Mapping[WholeKey, int], lang: str, titled: bool = False) -> str:
        """The first line; ``numbers`` gives each cited clause's number by its ``whole_key``;
        ``titled`` names the document, not only its place (beside another of the same place's)."""
        names = "、".join(f"{h.clause.heading}[{numbers[h.clause.whole_key]}]" for h in self.sections)
        doc = self.sections[0].doc
        where = doc.display_title if titled else label(doc, lang)
        if lang == "zh":
            return f"{where}：{self.parent}——{names}。"
        return f"{where}: {self.parent} — {names}."


def heading_list(kind: re.Pattern[str] | None, hits: Sequence[Hit], retrieval: Retrieval) -> HeadingList | None:
    """The sections headed by names of ``kind`` under the parent of the cited ones, if two or more are cited."""
    snapshot = retrieval.snapshot
    if kind is None or snapshot is None:
        return None
    groups: dict[tuple[str, tuple[str, ...]], set[str]] = {}  # each parent's distinct sections so headed
    for h in hits:
        c = h.clause
        if len(c.section_keys) >= 2 and c.heading and kind.fullmatch(c.heading):
            groups.setdefault((c.doc_id, tuple(c.section_keys[:-1])), set()).add(c.heading)
    found = [key for key, names in groups.items() if len(names) >= MIN_SECTIONS]
    if not found:
        return None
    doc_id, parent = found[0]
    doc = retrieval.documents.get(doc_id) or hits[0].doc
    sections: dict[str, Hit] = {}
    for c in sorted(snapshot.clauses, key=lambda c: (c.order, c.piece)):
        if c.doc_id == doc_id and tuple(c.section_keys[:-1]) == parent and c.heading and kind.fullmatch(c.heading):
            sections.setdefault(c.heading, next((h for h in hits if h.clause.clause_id == c.clause_id), Hit(c, doc, 0.0)))
    first = next(iter(sections.values()))
    return HeadingList(parent=first.clause.section_path[-2], sections=list(sections.values()))
