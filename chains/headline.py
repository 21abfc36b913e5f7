"""The first line of an answer: the answer itself, in the clauses' words.

Who does it -> the responsible units the clause lists (or the sentence naming the offices);
how much -> the sentence with the figure, its year and its place; yes/no -> 可以/有 and what
the documents provide, or that they say nothing directly; anything else -> the sentence that
best answers, abridged. Nothing here writes a claim of its own: the framing words (可以, the
place label, "Responsible units:") only say where the quote comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chains import messages as M
from chains.analysis import Analysis
from chains.coverage import label, relevant_to
from chains.quoting import MIN_SENTENCE_SCORE, NEAR_BEST, Quoted, abridge, keyword_score
from knowledge.gazetteer import Place

_AGENCY = re.compile(r"[\u4e00-\u9fff]{1,12}(?:厅|局|委|部|办公室|部门|委员会|公司|管委会)")
_QUANTITY = re.compile(r"\d[\d.]*\s*(?:%|％|万吨|亿吨|吨|亿元|万元|元|家|个|项|大|座|倍|个百分点)")
_NUMBER = re.compile(r"\d")
_MEASURE = re.compile(r"\d[\d.]*\s*(?:%|％|万吨|亿吨|吨|亿元|万元|元|个百分点)")
_COUNT_ASK = re.compile(r"几|how many", re.IGNORECASE)
# "can we…" questions are answered 可以, "is there…" questions 有 (the particle the question asks with)
_CAN = re.compile(r"能|可以|可否|允许|行不行|让不让|can|may|allowed", re.IGNORECASE)
_FORBIDS = re.compile(r"不得|禁止|严禁|不再|不予|不允许")
HEAD_BUDGET = 150  # characters of quote in the first line: what a chat preview shows (evaluate.FACTS_FIRST_CHARS)
# a yes is said only when the sentence holds at least this share of the question's topic weight
# (set on the dev split: below it the quoted sentence is about a neighbouring topic)
DIRECT_SHARE = 0.3
RANK_POWER = 1.0  # how much the clause's retrieval score scales its sentences' match (0: not at all)
FIGURE_BONUS = 2.0  # a sentence stating a quantity outranks one that only shares words (a target question wants the figure)


@dataclass
class Headline:
    text: str  # the first line, without its citation number
    quoted: Quoted | None  # the clause it quotes, if any
    shown: list[int] = field(default_factory=list)  # the quoted clause's sentences the line shows
    units: bool = False  # the line is the clause's responsible-unit list
    agencies: bool = False  # the line names offices (a list of units or a sentence naming them)


def _local(quoted: Sequence[Quoted], places: Sequence[Place]) -> list[Quoted]:
    return [q for q in quoted if not places or relevant_to(q.hit.doc, places)]


def _agency(analysis: Analysis, quoted: Sequence[Quoted], places: Sequence[Place], weights: Mapping[str, float],
            lang: str) -> Headline | None:
    local = _local(quoted, places)
    with_units = next((q for q in local if q.hit.clause.responsible_units), None)
    named = [(q.scores[i], -n, abridge(q.body[i], weights), q)
             for n, q in enumerate(local) for i in q.picked if _AGENCY.search(q.body[i])]
    best = max(named, key=lambda x: (x[0], x[1])) if named else None
    # "责任单位" (in any language: the glossary maps "responsible" to it) asks for the clause's list;
    # "哪些部门要…" is better answered by the sentence naming them
    wants_list = "责任单位" in analysis.question or "责任单位" in analysis.retrieval_text
    if with_units is not None and (best is None or wants_list or best[0] < MIN_SENTENCE_SCORE or best[3] is not with_units):
        units = "、".join(with_units.hit.clause.responsible_units)
        return Headline(units if lang == "zh" else M.UNITS_LABEL[lang] + units, with_units, units=True, agencies=True)
    if best is not None and best[0] >= MIN_SENTENCE_SCORE:
        return Headline(_framed(best[2], best[3], lang), best[3], agencies=True)
    return None


def asking_clause(question: str) -> str:
    """The part of a question that asks (Chinese puts it last: "我们用赤泥做砖，有税收优惠吗？")."""
    parts = [p for p in re.split(r"[，,。？?！!；;\s]+", question) if p.strip()]
    return parts[-1] if parts else question


def _figure_bonus(sentence: str, counts: bool) -> float:
    """A measured figure (%, 吨, 元) answers "how much"; a count (4大行动) answers "how many" (几)."""
    if _MEASURE.search(sentence):
        return FIGURE_BONUS
    if _QUANTITY.search(sentence):
        return FIGURE_BONUS if counts else FIGURE_BONUS / 2
    return 0.0


def _best_sentence(quoted: Sequence[Quoted], figures: bool, anywhere: bool,
                   focus: Mapping[str, float], counts: bool = False) -> tuple[Quoted, int] | None:
    """The sentence that best answers: its own match, weighed by how well retrieval ranked its clause
    (the clause that fits the whole question beats one that shares a rare word with it). A question
    that names no place (``anywhere``) is answered first by the provisions that apply everywhere,
    when one matches nearly as well."""
    top = max((q.hit.score for q in quoted), default=0.0) or 1.0
    candidates = [
        ((q.scores[i] + keyword_score(q.body[i], focus) + (_figure_bonus(q.body[i], counts) if figures else 0.0))
         * (q.hit.score / top) ** RANK_POWER, -n, q, i)
        for n, q in enumerate(quoted[:3])
        for i in q.picked
        if not figures or _NUMBER.search(q.body[i])
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda x: (x[0], x[1]))
    if anywhere:
        national = [c for c in candidates if c[2].hit.doc.level == 0 and c[0] >= NEAR_BEST * best[0]]
        best = max(national, key=lambda x: (x[0], x[1])) if national else best
    _, _, q, i = best
    return q, i


def _framed(text: str, q: Quoted, lang: str) -> str:
    """The quote with the place it is from: 河南：到2027年…… / Henan: “…”."""
    where = label(q.hit.doc, lang)
    if lang == "en":
        return f"{where}: “{text}”"
    return text if text.startswith(where) else f"{where}：{text}"


def _yes_no(analysis: Analysis, q: Quoted, i: int, weights: Mapping[str, float], lang: str) -> str:
    """可以/有 only when the sentence carries a fair share of the question's topic and does not
    forbid; "no direct provision" when it shares next to nothing; else no word of our own."""
    total = sum(weights.values()) or 1.0
    share = q.scores[i] / total
    if q.scores[i] < MIN_SENTENCE_SCORE:
        return M.YES_NO[lang]["no_direct"]
    if share < DIRECT_SHARE or _FORBIDS.search(q.body[i]):
        return ""
    return M.YES_NO[lang]["can" if _CAN.search(analysis.question) else "has"]


def headline(analysis: Analysis, quoted: Sequence[Quoted], places: Sequence[Place], weights: Mapping[str, float],
             lang: str) -> Headline:
    """The direct answer and the quote it rests on; ``quoted`` is in relevance order."""
    if analysis.intent == "agency":
        found = _agency(analysis, quoted, places, weights, lang)
        if found is not None:
            return found
    pool = _local(quoted, places) or list(quoted)
    figures = analysis.intent == "target" and len(places) < 2
    asking = asking_clause(analysis.question)
    # (a one-clause question has no part that asks more than the rest)
    focus = {t: w for t, w in weights.items() if t in asking} if asking.strip() != analysis.question.strip("？?。 ") else {}
    counts = bool(_COUNT_ASK.search(analysis.question))
    choice = ((_best_sentence(pool, True, not places, focus, counts) if figures else None)
              or _best_sentence(pool, False, not places, focus))
    if choice is None:
        return Headline(M.NOTHING_FOUND[lang], None)
    q, i = choice
    # a figure is answered by its sentence; other questions get the clause's sentences that cover
    # the rest of the question, while they fit the preview
    rest = [] if figures and _QUANTITY.search(q.body[i]) else [j for j in (q.order or q.picked) if j != i]
    brief, shown = q.brief_parts([i, *rest], weights, HEAD_BUDGET, figures)
    text = _framed(brief, q, lang)
    if analysis.intent == "agency":
        text = M.NO_UNITS[lang] + text
    elif analysis.is_yes_no:
        text = _yes_no(analysis, q, i, weights, lang) + text
    return Headline(text, q, shown)
