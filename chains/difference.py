"""What one document's list has that another's lacks ("贵州方案的基本原则跟国家的比，多了哪一条").

Plans of different levels list parallel things (basic principles, tasks) in their own words:
Guizhou's "形成工作合力" is the nation's "坚持市场主导" reworded, its "坚持绿色安全" has no
counterpart. Which item is new is a set difference over items that match by meaning, not by
title, so each item of one list is matched to the closest item of the other by the words of its
whole line (character bigrams, as retrieval matches headings), and the items matching least are the
ones the other list lacks. The answer quotes those items and the other list, each with its clause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chains import messages as M
from chains.analysis import Analysis
from chains.coverage import label
from chains.enumeration import item_lines
from chains.naming import bigrams
from chains.quoting import MIN_SENTENCE_SCORE, keyword_score
from chains.retrieval import Hit, Retrieval
from knowledge.gazetteer import load_gazetteer
from knowledge.models import Clause, DocumentMeta, WholeKey

# a question asking what one side has beyond the other ("多了哪一条", "多出来", "独有"), or lacks ("少了哪条")
_MORE = re.compile(r"多(?:了|出|哪|几)|少(?:了|哪|几)|独有|特有|\bextra\b|\badditional\b|\bmissing\b|\blacks?\b", re.IGNORECASE)
_FEWER = re.compile(r"少(?:了|哪|几)|\bmissing from\b", re.IGNORECASE)  # "国家比贵州少了哪条": the second side's extra


@dataclass(frozen=True)
class Difference:
    extra: list[str]  # the lines of the items only one side lists, as the document writes them
    others: list[str]  # the titles of the other side's list
    having: Hit  # the clause listing the extra items
    lacking: Hit  # the clause of the list that lacks them

    def text(self, numbers: Mapping[WholeKey, int], lang: str) -> str:
        """The first line: the extra items quoted, then the other side's list, each with its number
        (``numbers``: each cited clause's, by its ``whole_key``)."""
        a, b = self.having, self.lacking
        return M.DIFFERENCE[lang].format(
            a=label(a.doc, lang), items="；".join(self.extra), n=numbers[a.clause.whole_key],
            b=label(b.doc, lang), others="、".join(self.others), m=numbers[b.clause.whole_key])


def _dice(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / ((len(x) + len(y)) or 1)


def _whole_clauses(retrieval: Retrieval, docs: Sequence[DocumentMeta]) -> list[tuple[Clause, DocumentMeta]]:
    """Every clause of ``docs`` with its pieces joined (a list split at ingest is one list again)."""
    snapshot = retrieval.snapshot
    if snapshot is None:
        return []
    by_id = {d.doc_id: d for d in docs}
    groups: dict[WholeKey, list[Clause]] = {}
    for c in snapshot.clauses:
        if c.doc_id in by_id:
            groups.setdefault(c.whole_key, []).append(c)
    out = []
    for pieces in groups.values():
        pieces.sort(key=lambda c: c.piece)
        whole = pieces[0] if len(pieces) == 1 else pieces[0].model_copy(
            update={"text": "\n".join(c.text for c in pieces), "answer": "\n".join(c.answer for c in pieces if c.answer)})
        out.append((whole, by_id[whole.doc_id]))
    return out


def _sides(analysis: Analysis, retrieval: Retrieval) -> list[list[DocumentMeta]]:
    """The documents of each side compared, in the order the question names them: the nation's and
    each place's that has documents (a document the question names stands for its side alone)."""
    documents = list(retrieval.documents.values())
    named = set(analysis.documents)
    sides: list[list[DocumentMeta]] = []
    for place in load_gazetteer().find(analysis.question):
        if place.level == 0:
            docs = [d for d in documents if d.level == 0]
        elif place in analysis.places:
            docs = [d for d in documents if d.level > 0 and d.place == place]
        else:
            continue
        docs = [d for d in docs if d.doc_id in named] or docs
        if docs and all(docs != s for s in sides):
            sides.append(docs)
    return sides


def set_difference(analysis: Analysis, retrieval: Retrieval, weights: Mapping[str, float],
                   cited: Sequence[Hit]) -> Difference | None:
    """The items one side's list has and the other's lacks, when the question asks for them and the
    list it is about is among the ``cited`` clauses: "国家方案和贵州方案各点了哪些固废？贵州多了哪个"
    asks what one names beyond the other, not for the lists of principles (Guizhou's mentions
    多固废协同利用), which retrieval does not find on the question."""
    if not _MORE.search(analysis.question):
        return None
    sides = _sides(analysis, retrieval)
    if len(sides) != 2:
        return None
    first, second = ([(c, d, item_lines(c.body)) for c, d in _whole_clauses(retrieval, side)] for side in sides)
    first = [x for x in first if len(x[2]) >= 2]
    second = [x for x in second if len(x[2]) >= 2]
    if not first or not second:
        return None
    # the list the question is about on the side with the better match for its words (a heading
    # "基本原则" for "原则"); on the other, the list parallel to that one (whose items match it best)
    def topic(x: tuple) -> float:
        return keyword_score(x[0].heading + " " + x[0].body, weights)

    lead, other = (first, second) if max(map(topic, first)) >= max(map(topic, second)) else (second, first)
    anchor = max(lead, key=topic)
    if topic(anchor) < MIN_SENTENCE_SCORE or anchor[0].whole_key not in {h.clause.whole_key for h in cited}:
        return None

    def parallel(x: tuple) -> float:
        return sum(max(_dice(a, b) for _, b in x[2]) for _, a in anchor[2]) / len(anchor[2])

    match = max(other, key=parallel)
    a_side, b_side = (anchor, match) if lead is first else (match, anchor)
    having, lacking = (b_side, a_side) if _FEWER.search(analysis.question) else (a_side, b_side)
    scored = sorted(((max(_dice(line, b) for _, b in lacking[2]), n) for n, (_, line) in enumerate(having[2])))
    count = max(1, len(having[2]) - len(lacking[2]))
    extra = [having[2][n][1] for _, n in sorted(scored[:count], key=lambda s: s[1])]
    hit = lambda x: Hit(x[0], x[1], 0.0)  # noqa: E731 - a clause cited for the list it gives
    return Difference(extra=[_short(line) for line in extra], others=[t for t, _ in lacking[2]],
                      having=hit(having), lacking=hit(lacking))


def _short(line: str) -> str:
    """An item's title and the first phrase after it: what it is, without its elaboration."""
    title, _, rest = line.partition("。")
    phrase = re.split(r"[，。；]", rest, maxsplit=1)[0]
    return f"{title}。{phrase}……" if phrase and phrase != rest.rstrip("。") else f"{title}。{rest}"
