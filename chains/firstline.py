"""Which sentences the first line shows.

A question of one part gets its best sentence (then :mod:`chains.cover` adds the sentences that
add words of the question the line lacks); a question of several parts
("指导思想跟双碳有关系没？基本原则有哪几条"), places ("国家和贵州各…") or documents ("国家赤泥方案跟八部门
方案…") gets a sentence for each, found by the part's own words and meaning and by the kind of
answer it asks for (a figure, a date, a list of the stated length). A clause's list items stand
in for it when a part asks "which ones". :mod:`chains.preview` fits them into a chat preview and
:mod:`chains.headline` frames the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from chains.analysis import (
    DATE,
    DATED,
    MEASURE,
    QUANTITY,
    Analysis,
    asked_kind,
    definite,
    full_years,
    kind_words,
)
from chains.coverage import local_to, relevant_to
from chains.enumeration import ENUMERATES, ITEM_CHARS, LISTING, list_items, stated_count
from chains.glossary import expand
from chains.lexicon import english_terms
from chains.naming import mentions_document
from chains.quoting import (
    HEADING_SHARE,
    MIN_SENTENCE_SCORE,
    NEAR_BEST,
    SIMILARITY_CEIL,
    SIMILARITY_FLOOR,
    YEAR_NAMED,
    Quoted,
    figure_years,
    keyword_score,
    year_context,
)
from knowledge.gazetteer import Place, load_gazetteer

COUNT_ASK = re.compile(r"几|how many", re.IGNORECASE)  # read over analysis.definite(text): see asks_count
_COUNTED_THING = re.compile(r"几([个条项类种大家座批])([\u4e00-\u9fff]{2})")
# a yes is said (and a sentence of the kind of answer asked for is added to the first line) only when
# the sentence holds at least this share of the question's topic weight
# (set on the dev split: below it the quoted sentence is about a neighbouring topic)
DIRECT_SHARE = 0.3
RANK_POWER = 1.0  # how much the clause's retrieval score scales its sentences' match (0: not at all)
MAX_HEAD_SENTENCES = 3  # sentences the first line combines for a question of several parts (as many as the brief's points)
# a part's sentence is sought in this many of the best clauses: the whole question's ranking favours
# the first part's clauses, so another part's answer often ranks just below them. 3 (= MAX_HEAD_SENTENCES) before 2026-11-27; 4 and 5 gave one more case
# facts-first on the dev split and one more fully correct and facts-first on a 240-question
# paraphrase of dev cases; 6 and 8 one case less fully correct on the dev split
PART_POOL = 4
# how much a sentence's closeness in meaning to one part of the question counts, against its words
# (at most this much, at e5 cosine SIMILARITY_CEIL and above; fitted by bench/tune_answers.py, 5-fold
# CV on the dev split, chains/data/answer_tuning.json)
PART_SIMILARITY = 6.0
# a preferred clause's sentence (the place asked about: its own document) answers when it matches this
# share of the best one: a province writes 稀贵金属 where the nation writes 稀有金属. NEAR_BEST (0.6)
# until 2026-11-27; 0.5 the same on the dev split and two more facts-first on a 240-question paraphrase
# of dev cases; 0.4 and 0.3 three more there, one less on the dev split
PREFERRED_SHARE = 0.5
FIGURE_BONUS = 2.0  # a sentence stating a quantity outranks one that only shares words (a target question wants the figure)
PartSimilarity = Callable[[int, Quoted], list[float]]


def asks_count(text: str) -> bool:
    """Whether ``text`` asks how many ("分几大块", "how many"), not only says there are several ("好几家")."""
    return bool(COUNT_ASK.search(definite(text)))


def counted(question: str) -> re.Pattern[str] | None:
    """What a "how many" question counts, as a figure would state it: "几大行动" -> "4大行动", "四大行动"."""
    m = _COUNTED_THING.search(definite(question))
    if m is None:
        return None
    return re.compile(rf"[\d一二三四五六七八九十两]+\s*{m.group(1)}{re.escape(m.group(2))}")


def figure_bonus(sentence: str, counts: bool | re.Pattern[str] | None) -> float:
    """A measured figure (%, 吨, 元) answers "how much"; a count (4大行动) answers "how many" (几),
    best one of the very thing counted."""
    if isinstance(counts, re.Pattern) and counts.search(sentence):
        return FIGURE_BONUS
    if MEASURE.search(sentence):
        return FIGURE_BONUS / 2 if counts else FIGURE_BONUS
    if QUANTITY.search(sentence):
        return FIGURE_BONUS / 2 if isinstance(counts, re.Pattern) else FIGURE_BONUS if counts else FIGURE_BONUS / 2
    return 0.0


def kind_bonus(kind: re.Pattern[str] | None, sentence: str) -> float:
    """A sentence of the kind of answer asked for counts like a figure; a date to the month twice,
    for it answers "when" more closely than a year alone."""
    if kind is None or not kind.search(sentence):
        return 0.0
    return FIGURE_BONUS * (2 if kind is DATE and DATED.search(sentence) else 1)


def best_sentence(quoted: Sequence[Quoted], figures: bool, prefer: Callable[[Quoted], bool],
                   focus: Mapping[str, float], counts: bool | re.Pattern[str] | None = False,
                   exclude: Sequence[tuple[Quoted, int]] = (), kind: re.Pattern[str] | None = None,
                   side: bool = False) -> tuple[Quoted, int] | None:
    """The sentence that best answers: its own match, weighed by how well retrieval ranked its clause
    (the clause that fits the whole question beats one that shares a rare word with it); a sentence
    of the ``kind`` of answer asked for (a date, the taxes by name) counts like a figure. The
    ``prefer``red clauses lead when one matches nearly as well: a place's own documents for a
    question about that place, the provisions that apply everywhere for a question naming none. A
    ``side`` of a comparison answers in the kind asked for where it can."""
    top = max((q.hit.score for q in quoted), default=0.0) or 1.0

    def bonus(sentence: str, on_question: bool) -> float:
        return max(figure_bonus(sentence, counts) if figures else 0.0, kind_bonus(kind, sentence) if on_question else 0.0)

    pool = [(n, q, i) for n, q in enumerate(quoted)  # the best three clauses, and any other giving the kind asked
            if n < 3 or (kind is not None and any(kind.search(b) for b in q.body))
            for i in sorted(set(q.picked) | {j for j, b in enumerate(q.body)
                                             if (kind is not None and kind.search(b)) or (figures and MEASURE.search(b))})
            if (not figures or QUANTITY.search(q.body[i])) and not any(p is q and k == i for p, k in exclude)]
    if not pool:
        return None
    if figures and any(prefer(q) for q in quoted) and not any(prefer(q) for _, q, _ in pool):
        # the place asked about states no figure ("贵州方案有没有写具体百分比"): its own sentence on the
        # topic answers, not another place's figure
        return None
    matches = [(n, q, i, q.scores[i] + keyword_score(q.body[i] + " ".join(q.hit.clause.section_path), focus),
                (q.hit.score / top) ** RANK_POWER) for n, q, i in pool]
    # a list (the kind of any "which ones" without a kind of its own: many sentences list something)
    # gains only when it is nearly as much on the question as the best: "What kinds of financing
    # support…" is not answered by a list of scrap metals; a kind of its own (the places, the taxes,
    # a date) says what the answer is, whatever words it shares
    best_match = max(m * rank for _, _, _, m, rank in matches)
    # (the match without the kind bonus, with it, -rank, the clause, the sentence)
    candidates = [(m * rank, (m + bonus(q.body[i], kind is not LISTING or m * rank >= NEAR_BEST * best_match)) * rank,
                   -n, q, i)
                  for n, q, i, m, rank in matches]
    best = max(candidates, key=lambda x: (x[1], x[2]))
    # a preferred clause leads when it matches the question nearly as well, by its words or with the kind
    # of answer asked: "贵州到27年要达到啥程度" is answered by Guizhou's targets before the nation's
    # figure, "能减哪些税" by the national clause naming the taxes
    top_match = max(c[0] for c in candidates)
    preferred = [c for c in candidates
                 if prefer(c[3]) and (c[0] >= PREFERRED_SHARE * top_match or c[1] >= PREFERRED_SHARE * best[1])]
    best = max(preferred, key=lambda x: (x[1], x[2])) if preferred else best
    if side and kind is not None and kind is not LISTING and not kind.search(best[3].body[best[4]]):
        # a side compared answers in the form asked for ("到2027年…达到15%" for a target, as the other
        # side's does) before a figure of another kind ("2024年…综合利用率为12.1%"), when that is
        # nearly as much on the question
        of_kind = [c for c in (preferred or candidates) if kind.search(c[3].body[c[4]]) and c[0] >= NEAR_BEST * best[0]]
        best = max(of_kind, key=lambda x: (x[1], x[2])) if of_kind else best
    return best[3], best[4]


@dataclass
class Pick:
    """One sentence the first line shows: the clause, the sentence, the words it must keep when
    abridged, and the clause's list items when it answers a "which ones" with them."""

    q: Quoted
    i: int
    focus: dict[str, float]
    items: list[str] = field(default_factory=list)
    also: list[int] = field(default_factory=list)  # sentences of the clause shown with it (what a title heads)


def pick(part: str, q: Quoted, i: int, focus: dict[str, float]) -> Pick:
    """Sentence ``i`` of the clause as the answer to ``part``: the clause's list items instead when
    the part asks "which ones" and the clause enumerates (after the sentence with the count when
    it asks "how many"); with the sentence after it when it is only a title."""
    items = list_items(q.hit.clause.body) if ENUMERATES.search(part) else []
    if items:
        at = next((k for k, sentence in enumerate(q.body) if items[0] in sentence), i)
        counting = asks_count(part) and at != i and QUANTITY.search(q.body[i])
        return Pick(q, at, focus, items, [i] if counting else [])
    # "二是赤泥综合利用扩容增量行动。" says only what the sentence after it is about
    also = [i + 1] if len(q.body[i]) <= ITEM_CHARS and i + 1 < len(q.body) else []
    return Pick(q, i, focus, [], also)


def part_weights(part: str, context: str, weights: Mapping[str, float]) -> dict[str, float]:
    """The topic words of one part of the question (for English, the terms its words translate to);
    the words of the parts that only set the context count half, as a heading's do for its sentences."""
    def words(text: str) -> set[str]:
        if re.search(r"[A-Za-z]{3,}", text):
            text = " ".join([text, *expand(text), *english_terms(text, weights.keys(), read=False)])
        else:
            text = full_years(text)
        return {t for t in weights if t in text}

    own, shared = words(part), words(context) if context else set()
    return {t: weights[t] * (1.0 if t in own else HEADING_SHARE) for t in own | shared}


def facet_plan(analysis: Analysis, pool: Sequence[Quoted], quoted: Sequence[Quoted], places: Sequence[Place],
                weights: Mapping[str, float], prefer: Callable[[Quoted], bool],
                part_similarity: PartSimilarity | None) -> list[Pick]:
    """A sentence for each part of the question that has words of its own, or else for each place
    it names (the nation included): "国家和贵州各点了哪几种固废" wants both."""
    picks: list[Pick] = []
    parts = [(p, part_weights(p, analysis.context, weights)) for p in analysis.parts] if len(analysis.parts) > 1 else []
    documents = getattr(analysis, "documents", [])
    sides = len(documents) > 1 or len(places) > 1 or bool(analysis.national and places)
    years = set(YEAR_NAMED.findall(full_years(analysis.question)))
    for k, (part, focus) in enumerate(parts):
        sims = (lambda q, k=k: part_similarity(k, q)) if part_similarity is not None else None  # type: ignore[misc]
        own = part_weights(part, "", weights)
        figures = asks_count(part) or bool(re.search(r"多少|how much", part))
        if sum(own.values()) < MIN_SENTENCE_SCORE and counted(part) is None and (sides or not (figures or asked_kind(part))):
            # "这块谁负责": nothing of its own to match; the clause the other parts find answers it (a
            # count of a thing named, "分几大行动", is matched by the figure that counts it, an amount
            # asked, "一年能吃掉多少", by the sentence stating one, a time, "啥时候全投", by a date, unless
            # the question compares documents or places: "有没有具体数" then wants each side's)
            continue
        follow = _item_content(picks, own)
        if follow is not None:  # "扩容增量那个包括啥" after the list of actions: what that item says
            picks.append(Pick(follow[0], follow[1], untitled(focus, follow[0])))
            continue
        mine = _own_clauses(part, pool, places, documents)
        choice = part_sentence(mine, focus, prefer, figures, [], part, sims, years)
        same = next((p for p in picks if choice is not None and (p.q, p.i) == choice), None)
        if same is not None and keyword_score(same.q.body[same.i], own) >= MIN_SENTENCE_SCORE:
            same.focus.update(untitled(own, same.q))  # one sentence answers both parts: it keeps the words of both
            continue
        if same is not None:
            choice = part_sentence(mine, focus, prefer, figures, [(p.q, p.i) for p in picks], part, sims, years)
        if choice is None:
            continue
        picks.append(pick(part, choice[0], choice[1], untitled(focus, choice[0])))
    if len(picks) > 1:
        return picks[:MAX_HEAD_SENTENCES]
    if len(documents) > 1:  # "国家赤泥方案跟八部门方案都是依据哪些法规": each document's answer
        groups = [[q for q in quoted if q.hit.doc.doc_id == d] for d in documents]
    else:
        national = bool(analysis.national and places)
        groups = [[q for q in quoted if q.hit.doc.level == 0]] if national else []
        # a document named beside a place, and not that place's own, is a side of its own ("焦作…利用率
        # 提到了多少…跟八部门方案的目标比一比")
        apart = {q.hit.doc.doc_id for q in quoted if q.hit.doc.doc_id in documents and places
                 and not any(local_to(q.hit.doc, p) for p in places) and not (national and q.hit.doc.level == 0)}
        groups += [[q for q in quoted if q.hit.doc.doc_id == d] for d in documents if d in apart]
        groups += [[q for q in quoted if relevant_to(q.hit.doc, [p]) and q.hit.doc.level > 0
                    and q.hit.doc.doc_id not in apart] for p in places]
    groups = [g for g in groups if g]
    if len(groups) < 2:
        return []
    picks = []
    # "各点了哪几种固废": each side's answer is the sentence that lists them
    kind = analysis.kind or (LISTING if ENUMERATES.search(analysis.question) else None)
    for group in groups:
        choice = (best_sentence(group, analysis.intent == "target", prefer, weights, kind=kind, side=True)
                  or best_sentence(group, False, prefer, weights, kind=kind, side=True))
        if choice is not None and choice not in [(p.q, p.i) for p in picks]:
            picks.append(Pick(choice[0], choice[1], untitled(weights, choice[0])))
    return picks[:MAX_HEAD_SENTENCES] if len(picks) > 1 else []


def _own_clauses(part: str, pool: Sequence[Quoted], places: Sequence[Place], documents: Sequence[str]) -> Sequence[Quoted]:
    """The clauses that answer one part: all of them, unless the question names a document and this
    part names a place of its own and no document ("焦作的利用率现在多少了，跟八部门方案的目标比怎么样":
    the first part is answered from Jiaozuo's documents, however well the plan named ranks)."""
    if not documents or mentions_document(part):
        return pool
    asked = {p.code for p in places}
    here = [p for p in load_gazetteer().find(part) if p.code in asked]
    own = [q for q in pool if any(local_to(q.hit.doc, p) for p in here)]
    return own or pool


def _item_content(picks: Sequence[Pick], own: Mapping[str, float]) -> tuple[Quoted, int] | None:
    """When a list shown already has an item this part names, the sentence after the item's title."""
    for pick in picks:
        for item in pick.items:
            if keyword_score(item, own) < MIN_SENTENCE_SCORE:
                continue
            k = next((k for k, sentence in enumerate(pick.q.body) if item in sentence), None)
            if k is not None and k + 1 < len(pick.q.body):
                return pick.q, k + 1
    return None


def _kind_bonus(part: str, kind: re.Pattern[str] | None, thing: re.Pattern[str] | None, q: Quoted, i: int) -> float:
    """A sentence of the ``kind`` the part asks for: a document number for "文号", a date for
    "什么时候", a list of as many items as the part says for "哪四个" (any list for "哪几条")."""
    if ENUMERATES.search(part):
        items, count = list_items(q.hit.clause.body), stated_count(part)
        if len(items) >= 2 and count in (None, len(items)):
            # the sentence stating the count of the ``thing`` counted ("落实4大行动") before the
            # clause's other sentences
            return FIGURE_BONUS * (2 if thing is not None and thing.search(q.body[i]) else 1)
    # a figure whose year an earlier sentence states ("到2025年，……。力争……达到57%") is that year's target
    return kind_bonus(kind, f"{year_context(q.body, i) or ''}{q.body[i]}")


def part_sentence(pool: Sequence[Quoted], focus: Mapping[str, float], prefer: Callable[[Quoted], bool],
                   figures: bool, used: Sequence[tuple[Quoted, int]], part: str = "",
                   sims: Callable[[Quoted], list[float]] | None = None, years: Set[str] = frozenset()) -> tuple[Quoted, int] | None:
    """The sentence that answers one part: the part's own words in the sentence or its headings
    ("基本原则有哪几条" is answered by the clause headed 基本原则) and its meaning (the sentence's
    similarity to the part alone: "标准出来后企业要干嘛" finds "有关企业应……对标达标"), weighed by the
    clause's rank; a sentence of the kind asked for (a figure, a date, a list); the whole
    question's match breaks ties."""
    top = max((q.hit.score for q in pool), default=0.0) or 1.0
    kind = asked_kind(part)  # once per part, not per sentence (a "which places" kind reads the gazetteer)
    thing = counted(part)  # what the part counts ("几大行动"), likewise
    kinds = kind is not None or bool(ENUMERATES.search(part))
    meaning = {id(q): sims(q) for q in pool[:PART_POOL]} if sims is not None else {}

    def similar(q: Quoted, i: int) -> float:
        row = meaning.get(id(q)) or []
        v = row[i] if i < len(row) else 0.0
        return PART_SIMILARITY * min(1.0, max(0.0, (v - SIMILARITY_FLOOR) / (SIMILARITY_CEIL - SIMILARITY_FLOOR)))

    scored = [
        ((keyword_score(" ".join([q.body[i], *q.hit.clause.section_path, year_context(q.body, i) or ""]), focus)
          + similar(q, i) + (_kind_bonus(part, kind, thing, q, i) if kinds else figure_bonus(q.body[i], False) if figures else 0.0))
         * (q.hit.score / top) ** RANK_POWER, q.scores[i], -n, q, i)
        # the best clauses' sentences, and any cited clause's sentence of the kind the part asks for
        # ("能涉及哪些税种": the taxes a lower-ranked clause names), as the whole question's line has
        for n, q in enumerate(pool) for i in range(len(q.body))
        if (n < PART_POOL or (kind is not None and kind.search(q.body[i])))
        and not any(p is q and k == i for p, k in used)
    ]
    scored = [s for s in scored if s[0] >= MIN_SENTENCE_SCORE]
    if years:
        # "到2030年 利用率要求多少": a figure the document states for another year is no answer while
        # one for the year asked is there (each candidate's figure years read once)
        stated = [(s, figure_years(s[3].body, s[4]) if MEASURE.search(s[3].body[s[4]]) else set()) for s in scored]
        if any(ys & years for _, ys in stated):
            scored = [s for s, ys in stated if not ys or ys & years]
    if not scored:
        return None
    best = max(scored, key=lambda x: x[:3])
    preferred = [s for s in scored if prefer(s[3]) and s[0] >= NEAR_BEST * best[0]]
    _, _, _, q, i = max(preferred, key=lambda x: x[:3]) if preferred else best
    if kind is not None and not kind.search(q.body[i]):
        # the part asks for a form ("是哪几个税") that the chosen sentence lacks: a sentence of that
        # form on the part's topic answers it, though the other repeats more of the question's words
        # ("落实……税收优惠政策" against "增值税、企业所得税和环境保护税等优惠政策")
        chosen_preferred = prefer(q)  # a preferred clause's choice gives way only to another preferred one
        of_kind = [s for s in scored if kind.search(s[3].body[s[4]]) and of_kind_on_topic(s[3].body[s[4]], kind, focus)
                   and (prefer(s[3]) or not chosen_preferred)]
        if of_kind:
            _, _, _, q, i = max(of_kind, key=lambda x: x[:3])
    return q, i


def of_kind_on_topic(sentence: str, kind: re.Pattern[str], topic: Mapping[str, float]) -> bool:
    """Whether a sentence of the ``kind`` asked for is on the ``topic``: it holds a fair share of the
    topic's weight, the words that ask for the kind ("税收" in 有税收优惠吗) counted as answered."""
    answered = kind_words(kind, topic)
    total = sum(topic.values()) or 1.0
    rest = {t: w for t, w in topic.items() if t not in answered}
    return keyword_score(sentence, rest) + sum(topic[t] for t in answered) >= DIRECT_SHARE * total


def untitled(focus: Mapping[str, float], q: Quoted) -> dict[str, float]:
    """The words an abridged sentence must keep, less those its headings already say ("指导思想"
    answered by the clause headed 指导思想 wants the sentence's part on 碳达峰, not its opening)."""
    heads = " ".join(q.hit.clause.section_path)
    rest = {t: w for t, w in focus.items() if t not in heads}
    return rest if sum(rest.values()) >= MIN_SENTENCE_SCORE else dict(focus)
