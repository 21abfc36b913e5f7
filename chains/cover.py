"""The sentences that complete a one-part question's first line after its best one: the sentence
of the kind of answer asked for when the best one is not of it, then, while one adds a specific word
of the question the line lacks, the sentence adding most. :mod:`chains.firstline` chooses the best
sentence (and a sentence per part for a question of several); :mod:`chains.headline` calls both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set

from chains.firstline import MAX_HEAD_SENTENCES, Pick, of_kind_on_topic
from chains.quoting import HEADING_SHARE, MIN_SENTENCE_SCORE, Quoted
from knowledge.keyword import MEANINGFUL_CHARS, outermost


def cover_plan(pool: Sequence[Quoted], first: Pick, weights: Mapping[str, float], kind: re.Pattern[str] | None = None,
          asking: Mapping[str, float] | None = None, named: Set[str] = frozenset()) -> list[Pick]:
    """The sentences the first line combines: the best one; the best sentence of the ``kind`` of
    answer asked for when the line has none and one is on what the question asks (``asking``, the
    words of its asking part: "有税收优惠吗" is answered by the taxes a provision names); then, while one adds a specific word of the question that the line lacks, the
    sentence that adds most, from this clause or the next best ones. Each comes with the words it
    was chosen for, which its abridged form must keep."""
    def words(text: str) -> set[str]:  # words, not the characters standing in for a word the documents lack
        return {t for t in weights if t in text and (len(t) > 1 or t in MEANINGFUL_CHARS)}

    q = first.q
    # any cited clause may complete the line; only those of the documents the question names, where it
    # names any ("八部门方案对赤泥有什么目标" is not completed by Henan's targets)
    givers = [other for other in pool if other.hit.doc.doc_id in named] or pool if named else pool
    shown = " ".join([q.body[first.i], *first.items, *(q.body[j] for j in first.also)])
    covered = words(" ".join([shown, *q.hit.clause.section_path]))
    plan = [first]
    if kind is not None and not kind.search(shown):
        topic = asking or weights
        found = [(other.scores[j], -n, other, j) for n, other in enumerate(givers)
                 for j, sentence in enumerate(other.body)
                 if kind.search(sentence) and of_kind_on_topic(sentence, kind, topic)]
        if found:
            _, _, other, j = max(found, key=lambda x: x[:2])
            plan.append(Pick(other, j, {m.group(0): 1.0 for m in kind.finditer(other.body[j])}))
            covered |= words(other.body[j])
    while len(plan) < MAX_HEAD_SENTENCES:
        best: tuple[tuple[float, float], Quoted, int, set[str]] | None = None
        for other in givers[:MAX_HEAD_SENTENCES]:
            heads = words(" ".join(other.hit.clause.section_path)) - covered
            for j, sentence in enumerate(other.body):
                own = words(sentence) - covered
                if not own or any(p.q is other and p.i == j for p in plan):
                    continue
                # a word inside a longer one it matched with says nothing more (再生 of 再生资源)
                gain = (sum(weights[t] for t in outermost(own))
                        + HEADING_SHARE * sum(weights[t] for t in outermost(heads - own)))
                if best is None or (gain, other.scores[j]) > best[0]:
                    best = ((gain, other.scores[j]), other, j, own | heads)
        if best is None or best[0][0] < MIN_SENTENCE_SCORE:
            break
        _, other, j, new = best
        plan.append(Pick(other, j, {t: weights[t] for t in new}))
        covered |= new
    return plan
