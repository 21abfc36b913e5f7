"""The first line of an answer: the answer itself, in the clauses' words.

Who does it -> the responsible units the clause lists (or the sentence naming the offices);
how much -> the sentence with the figure, its year and its place; yes/no -> 可以/有 and what
the documents provide, or that they say nothing directly; anything else -> the sentence that
best answers, abridged. Nothing here writes a claim of its own: the framing words (可以, the
place label, "Responsible units:") only say where the quote comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from chains import messages as M
from chains.analysis import (
    INTENT_RULES,
    MEASURE,
    QUANTITY,
    Analysis,
    asks_office,
    asks_offices,
    asks_who,
    full_years,
)
from chains.cover import cover_plan
from chains.coverage import local_to, relevant_to
from chains.enumeration import ASKS_WHICH, LISTING, stated_count
from chains.firstline import (
    DIRECT_SHARE,
    MAX_HEAD_SENTENCES,
    PREFERRED_SHARE,
    PartSimilarity,
    Pick,
    asks_count,
    best_sentence,
    counted,
    facet_plan,
    part_sentence,
    part_weights,
    pick,
    untitled,
)
from chains.preview import framed, line
from chains.quoting import (
    ABRIDGE_AT,
    MIN_SENTENCE_SCORE,
    NEAR_BEST,
    Quoted,
    abridge,
    keyword_score,
    year_context,
)
from knowledge.gazetteer import Place
from knowledge.keyword import general_frequency

_AGENCY = re.compile(r"[\u4e00-\u9fff]{1,12}(?:办公室|部门|委员会|管委会|公司|厅|局|委|部)")
# words of general Chinese that are offices; any other general word ending like one is not ("布局",
# "全部", "干部"), while an office's name is not a general word ("信息化厅", "工信局", "发展改革委")
_OFFICE_WORDS = ("部门", "总局", "部委", "公司")


def names_office(sentence: str) -> bool:
    """Whether the sentence names an office: a run ending like one whose last two characters are
    not a general word of another sense ("合理布局" names none)."""
    for m in _AGENCY.finditer(sentence):
        tail = m.group(0)[-2:]
        if tail in _OFFICE_WORDS or general_frequency(tail)[0] == 0:
            return True
    return False
# "can we…" questions are answered 可以, "is there…" questions 有 (the particle the question asks with)
_CAN = re.compile(r"能|可以|可否|允许|行不行|让不让|can|may|allowed", re.IGNORECASE)
_HAS = re.compile(r"有|\b(?:is|are) there\b|\bany\b|\b(?:have|has)\b", re.IGNORECASE)
_COMPARES = re.compile(r"一样|相同|一致|区别|不同|差别|差异|\bsame\b|\bdiffer", re.IGNORECASE)
_FORBIDS = re.compile(r"不得|禁止|严禁|不再|不予|不允许")
# a provision that only promises to consider ("适时研究…支持政策") confirms no yes
_TENTATIVE = re.compile(r"适时|研究制定|研究出台|研究建立")
# the first line is filled up to HEAD_BUDGET with the lead clause's other sentences (True, before
# 2026-11-26), or is only the sentences chosen to answer, the clause's others following as its point
# (False): fitted with compose.POINT_KEEPS_REST by bench/tune_answers.py (5-fold CV on the dev split;
# both settings of this one scored alike with the point keeping the rest, and False is the shorter)
FILL_FIRST_LINE = False
HEAD_BUDGET = 150  # characters of quote in the first line: what a chat preview shows (evaluate.FACTS_FIRST_CHARS)
# below this share of the question's topic weight, the first line says the documents do not answer
# directly (dev split: 0.1-0.3 flag the same four answers, all off the question; no correct one lost)
INDIRECT_SHARE = 0.15


@dataclass
class Headline:
    text: str  # the first line, without its citation number
    quoted: Quoted | None  # the clause it quotes, if any
    shown: list[int] = field(default_factory=list)  # the quoted clause's sentences the line shows
    units: bool = False  # the line is the clause's responsible-unit list
    agencies: bool = False  # the line names offices (a list of units or a sentence naming them)
    # the line's further parts, each from another clause (its text, the clause, the sentences it shows)
    more: list[tuple[str, Quoted, list[int]]] = field(default_factory=list)


def _local(quoted: Sequence[Quoted], places: Sequence[Place]) -> list[Quoted]:
    return [q for q in quoted if not places or relevant_to(q.hit.doc, places)]


def _agency(analysis: Analysis, quoted: Sequence[Quoted], places: Sequence[Place], weights: Mapping[str, float],
            lang: str) -> Headline | None:
    local = _local(quoted, places)
    if analysis.national and not places:  # "国家层面谁牵头": the nation's offices, not a province's list
        local = [q for q in local if q.hit.doc.level == 0] or local
    # the clause with a list of units that is most about the question's topic (its words in the clause
    # or its headings: "源头减量" is the heading of the task whose units are asked), rank breaking ties
    listed = [(keyword_score(" ".join([*q.hit.clause.section_path, *q.body]), weights), -n, q)
              for n, q in enumerate(local) if q.hit.clause.responsible_units]
    with_units = max(listed, key=lambda x: x[:2])[2] if listed else None
    named = [(q.scores[i], -n, abridge(q.body[i], weights, favour=names_office), q, i)
             for n, q in enumerate(local) for i in q.picked if names_office(q.body[i])]
    best = max(named, key=lambda x: (x[0], x[1])) if named else None
    # the offices of the place asked about lead when their sentence is nearly as much on the question
    # ("河南赤泥工作谁牵头": Henan's 各级工信部门牵头抓总 before the nation's 工业和信息化主管部门), as a
    # place's own sentence does for any other question (firstline.best_sentence)
    own = [x for x in named if is_own(x[3], places)]
    if best is not None and own:
        mine = max(own, key=lambda x: (x[0], x[1]))
        if mine[0] >= PREFERRED_SHARE * best[0]:
            best = mine
    # "责任单位" (in any language: the glossary maps "responsible" to it) asks for the clause's list;
    # "哪些部门要…" is better answered by the sentence naming them
    wants_list = "责任单位" in analysis.question or "责任单位" in analysis.retrieval_text
    if with_units is not None and (best is None or wants_list or best[0] < MIN_SENTENCE_SCORE or best[3] is not with_units):
        units = "、".join(with_units.hit.clause.responsible_units)
        return Headline(units if lang == "zh" else M.UNITS_LABEL[lang] + units, with_units, units=True, agencies=True)
    if best is not None and best[0] >= MIN_SENTENCE_SCORE:
        q, i = best[3], best[4]
        shown = [i]
        if asks_offices(analysis.question):
            # "跟哪些部门沟通": each sentence of the clause naming an office on the question, each with
            # what it does ("加强和市发改委沟通，给予……天然气" / "加强与住建部门沟通……市政工程")
            shown += sorted((j for j in q.picked if j != i and names_office(q.body[j])
                             and q.scores[j] >= NEAR_BEST * q.scores[i]), key=lambda j: (-q.scores[j], j))
        if len(shown) == 1:
            return Headline(framed(best[2], q, lang), q, shown=[i], agencies=True)
        share = max(HEAD_BUDGET // len(shown), ABRIDGE_AT // 2)  # each office its share of the preview
        parts: dict[int, str] = {}
        for j in shown:
            part = abridge(q.body[j], weights, share, favour=names_office)
            if sum(map(len, parts.values())) + len(part) <= HEAD_BUDGET or not parts:
                parts[j] = part
        return Headline(framed(q.render(parts), q, lang), q, shown=sorted(parts), agencies=True)
    return None


def _with_other_part(analysis: Analysis, found: Headline, weights: Mapping[str, float], lang: str,
                     prefer: Callable[[Quoted], bool], part_similarity: PartSimilarity | None) -> Headline | None:
    """A who-question that also asks something else ("宣传走啥渠道？哪几个单位负责"): the units, then
    their own clause's sentence answering the other part, abridged to what the preview has left."""
    q = found.quoted
    others = [(k, p) for k, p in enumerate(analysis.parts) if not asks_who(p)] if len(analysis.parts) > 1 else []
    if q is None or not others:
        return None
    k, part = others[0]
    focus = part_weights(part, analysis.context, weights)
    sims = (lambda c: part_similarity(k, c)) if part_similarity is not None else None
    choice = part_sentence([q], focus, prefer, False, [], part, sims)
    if choice is None:
        return None
    units = found.text.rstrip("。") + ("。" if lang == "zh" else ". ")
    sentence = abridge(q.body[choice[1]], untitled(focus, q), max(HEAD_BUDGET - len(units), ABRIDGE_AT // 2))
    return Headline(units + framed(sentence, q, lang), q, [choice[1]], agencies=True)


def _yes_no(analysis: Analysis, q: Quoted, i: int, weights: Mapping[str, float], lang: str, said: str,
            places: Sequence[Place]) -> str:
    """可以/有 only when the sentence carries a fair share of the question's topic and nothing the
    line quotes (``said``) forbids or only promises to study; "no direct provision" when it shares
    next to nothing; else no word of our own. The word is the one the question asks with: "能…吗"
    可以, "有…吗" 有, the latter only from a document of the place asked about ("广西有专门的文件吗"
    is not answered 有 by the national plan telling 广西 to make one); a question of what is so
    ("是换矿源了吗", "Is Henan still allowing…") gets none, as a quote cannot be said to confirm it."""
    total = sum(weights.values()) or 1.0
    share = q.scores[i] / total
    if q.scores[i] < MIN_SENTENCE_SCORE:
        return M.YES_NO[lang]["no_direct"]
    if share < DIRECT_SHARE or _FORBIDS.search(said) or _TENTATIVE.search(q.body[i]):
        return ""
    if _COMPARES.search(analysis.question):
        return ""  # "跟国家的一样吗" is no yes/no of ours: the quotes of both say how they compare
    if _CAN.search(analysis.question):
        return M.YES_NO[lang]["can"]
    if places and not speaks_for(q, places):
        return ""
    if not _HAS.search(analysis.question) or not _offers_support(analysis, said):
        return ""
    return M.YES_NO[lang]["has"]


def _offers_support(analysis: Analysis, said: str) -> bool:
    """Whether the line quotes a support of some kind, where the question asks whether there is one
    ("赤泥提镓有补贴吗" is not answered 有 by a sentence encouraging 提镓): a word of the support
    questions' own list (税, 补贴, 奖补, 信贷 …, ``analysis.INTENT_RULES``); any other question, yes."""
    if analysis.intent != "tax":
        return True
    words = next(words for intent, words in INTENT_RULES if intent == "tax")
    return any(w in said for w in words if not w.isascii())


def headline(analysis: Analysis, quoted: Sequence[Quoted], places: Sequence[Place], weights: Mapping[str, float],
             lang: str, part_similarity: PartSimilarity | None = None) -> Headline:
    """The direct answer and the quote it rests on; ``quoted`` is in relevance order.
    ``part_similarity(k, q)`` gives the similarity of each of the clause's sentences to the
    question's part ``k`` alone, where the index can tell."""
    pool = _local(quoted, places) or list(quoted)

    # the documents of the places asked about themselves ("河南…": Henan's, before a Henan city's
    # reply), when any is quoted; else any document local to them
    def own(q: Quoted) -> bool:
        return is_own(q, places)

    any_own = any(own(q) for q in quoted)

    named = set(getattr(analysis, "documents", []))

    def prefer(q: Quoted) -> bool:
        if named and q.hit.doc.doc_id not in named:
            return False  # "国家2024赤泥行动方案里 有没有提减税": the document named answers first
        if any_own:
            return own(q)
        # a place without documents of its own: what is local to it, or a clause headed by it (a
        # national plan's column item "广西" is that province's provision)
        return speaks_for(q, places) if places else q.hit.doc.level == 0

    facets = facet_plan(analysis, pool, quoted, places, weights, prefer, part_similarity)
    # a who-question is answered by the units the clause lists; without such a list, by the sentence
    # naming the offices, unless it asks several things each with words of its own ("领导小组组长是谁
    # 办公室设在哪": a sentence for each)
    who = analysis.intent == "agency"
    if who:
        found = _agency(analysis, quoted, places, weights, lang)
        if found is not None and found.units:
            return _with_other_part(analysis, found, weights, lang, prefer, part_similarity) or found
        if found is not None and len(facets) < 2:
            return found
        who = len(facets) < 2
    figures = analysis.intent == "target" and len(places) < 2
    asking = analysis.asking
    # (a one-clause question has no part that asks more than the rest)
    def within(text: str) -> dict[str, float]:
        return {t: w for t, w in weights.items() if t in text}

    focus = within(asking) if asking.strip() != analysis.question.strip("？?。 ") else {}
    if focus and sum(focus.values()) < MIN_SENTENCE_SCORE:
        # "……鼓励哪些脱碱技术，有没有说法": the clause that asks last says no what; the last part that does asks
        asking = next((part for part in reversed(analysis.parts) if sum(within(part).values()) >= MIN_SENTENCE_SCORE), asking)
        focus = within(asking)
    counts = counted(analysis.question) or asks_count(analysis.question)

    # the kind of answer asked for; "which ones" with no kind of its own, a sentence that lists them
    # (not when it says there are two: "哪两个项目" is not answered by a list of three or more)
    listing = ASKS_WHICH.search(analysis.asking) and (stated_count(analysis.asking) or 3) >= 3
    kind = analysis.kind or (LISTING if listing else None)
    choice = ((best_sentence(pool, True, prefer, focus, counts) if figures else None)
              or best_sentence(pool, False, prefer, focus, kind=kind))
    if choice is None:
        return Headline(M.NOTHING_FOUND[lang], None)
    q, i = choice
    if kind is not None and not kind.search(q.body[i]):
        # the clause's sentence of the kind asked for leads, when it is nearly as much on the question
        i = max((j for j in range(len(q.body)) if kind.search(q.body[j]) and q.scores[j] >= NEAR_BEST * q.scores[i]),
                key=lambda j: (q.scores[j], -j), default=i)
    # a figure is answered by its sentence; a question of several parts (or places) by a sentence
    # for each; any other by the sentences that cover the rest of the question, from this clause
    # or the next best, then the clause's others while they fit
    single = figures and bool(QUANTITY.search(q.body[i]))
    plan = facets
    if figures and len(plan) >= 2:  # "27年定的多少 30年呢": each part answered, each year its figure
        plan = _with_figures_for_years(analysis.question, plan, weights)
    if len(plan) < 2:
        first_pick = pick(analysis.question, q, i, dict(weights))
        # the line is completed with the words of the parts that ask, not those of a statement before
        # them ("We recycle industrial solid waste." adds nothing a sentence should be shown for); a
        # Chinese part that does not ask is often the topic itself ("工业资源综合利用基地 十四五要新搞几个")
        statement = analysis.context and analysis.language == "en"
        asked = part_weights(" ".join(analysis.parts), "", weights) if statement else {}
        cover = asked if sum(asked.values()) >= MIN_SENTENCE_SCORE else weights
        plan = [first_pick] if single else cover_plan(pool, first_pick, cover, kind, focus or weights, named)
        if single:  # "2027年和2030年分别…": each year named gets its own figure from the clause
            plan += _figures_for_other_years(analysis.question, q, i, weights)
    lead = plan[0].q
    rest = [j for j in (lead.order or lead.picked) if j != plan[0].i] if FILL_FIRST_LINE and not single else []
    if (not single and len(plan) == 1 and lead.hit.clause.question
            and _topic_share(lead.hit.clause.question, weights) >= DIRECT_SHARE):
        # a Q&A's answer to the question asked reads on as one paragraph ("一方面要加快科技攻关……。加强过程
        # 控制……。加快研究赤泥磁化捕集技术……"): the line goes on with it while it fits (dev +1 fully
        # correct, +2 facts-first, no case lost; the 240 paraphrases unchanged)
        rest = list(range(plan[0].i + 1, len(lead.body)))
    listed = "、".join(lead.hit.clause.responsible_units) if _names_a_unit(analysis.question, lead) else ""
    # a who-question's cut keeps the segment naming the office ("工业和信息化主管部门要发挥牵头抓总作用，做好工作调度")
    segments = line(plan, rest, weights, max(HEAD_BUDGET - len(listed), ABRIDGE_AT), figures, lang,
                    names_office if analysis.intent == "agency" else None)
    (text, q, shown), more = segments[0], segments[1:]
    said = " ".join(f"{t} {sq.hit.clause.context_path}" for t, sq, _ in segments)  # a lent heading is its list's too
    share = _topic_share(said, weights)
    if who:
        text = (M.NO_UNITS[lang] if asks_office(analysis.question) else "") + text
    elif share < INDIRECT_SHARE and not listed and not (kind is not None and kind.search(said)):
        # the closest sentence shares little of what was asked (and is not of the kind asked for: a
        # reason for "为啥", the taxes for "哪些税"; nor the task of an office asked about): say so
        text = M.YES_NO[lang]["no_direct"] + text
    elif analysis.is_yes_no:
        text = _yes_no(analysis, q, shown[0] if shown else i, weights, lang, " ".join(t for t, _, _ in segments), places) + text
    if listed and q is lead:  # "黔晟国资公司在里头干啥": the office asked about is listed responsible here
        text += f"（{M.UNITS_LABEL[lang]}{listed}）" if lang == "zh" else f" ({M.UNITS_LABEL[lang]}{listed})"
    return Headline(text, q, shown, more=more, agencies=bool(listed))


def _topic_share(text: str, weights: Mapping[str, float]) -> float:
    """The share of the question's topic weight that ``text`` holds."""
    return keyword_score(text, weights) / (sum(weights.values()) or 1.0)


_YEAR_ASKED = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _year_of(q: Quoted, j: int) -> str:
    """The years sentence ``j`` is about: its own, else the one its figure is for (an earlier segment)."""
    return q.body[j] if _YEAR_ASKED.search(q.body[j]) else (year_context(q.body, j) or "")


def _figures_for_other_years(question: str, q: Quoted, i: int, weights: Mapping[str, float],
                             covered: str | None = None) -> list[Pick]:
    """For a question naming several years, the clause's best figure sentence for each year the
    chosen one (or the text ``covered``, the years already answered) is not for: a target clause
    states one year's figure per sentence ("到2027年……15%。……到2030年，……25%。"), and the line must
    not answer 2030 with 2027's figure."""
    years = list(dict.fromkeys(_YEAR_ASKED.findall(full_years(question))))
    if len(years) < 2:
        return []
    picks: list[Pick] = []
    covered = _year_of(q, i) if covered is None else covered
    for year in years:
        if year in covered:
            continue
        found = [j for j in range(len(q.body)) if j != i and MEASURE.search(q.body[j])
                 and year in _year_of(q, j) and not any(p.i == j for p in picks)]
        if found:
            j = max(found, key=lambda j: (q.scores[j], -j))
            picks.append(Pick(q, j, dict(weights)))
            covered += _year_of(q, j)
    return picks


def _with_figures_for_years(question: str, plan: list[Pick], weights: Mapping[str, float]) -> list[Pick]:
    """A plan answering a question's parts one by one, with the figure of each year the question
    names that no planned figure is for ("30年呢" names only its year: the clause's 2030 figure
    answers it); the figures first, then the plan's other sentences, at most MAX_HEAD_SENTENCES."""
    stated = [p for p in plan if MEASURE.search(p.q.body[p.i])]
    if not stated:
        return plan
    covered = "".join(_year_of(p.q, p.i) for p in stated)
    extra = [x for x in _figures_for_other_years(question, stated[0].q, stated[0].i, weights, covered)
             if not any(p.q is x.q and p.i == x.i for p in plan)]
    if not extra:
        return plan
    return (stated + extra + [p for p in plan if p not in stated])[:MAX_HEAD_SENTENCES]


def headed_by(q: Quoted, place: Place) -> bool:
    """The clause's own heading is the place ("专栏…> 广西"): what it says is said for that place."""
    heading = q.hit.clause.section_path[-1] if q.hit.clause.section_path else ""
    return any(name and name in heading for name in (place.name, place.short, *place.aliases))


def is_own(q: Quoted, places: Sequence[Place]) -> bool:
    """The clause is from a document of one of the places itself (not of a city within it)."""
    return q.hit.doc.place is not None and q.hit.doc.place in places


def speaks_for(q: Quoted, places: Sequence[Place]) -> bool:
    """The clause is one of the places' own: from a document local to it, or headed by its name."""
    return any(local_to(q.hit.doc, p) or headed_by(q, p) for p in places)


def _names_a_unit(question: str, q: Quoted) -> bool:
    """Whether the question names one of the units the clause lists responsible, whole or by what
    follows its last 省/市/县/区 ("能源局" for 省能源局, "税务局" for 国家税务总局贵州省税务局)."""
    return any(unit in question or (len(tail := re.split(r"[省市县区]", unit)[-1]) >= 3 and tail in question)
               for unit in q.hit.clause.responsible_units)


