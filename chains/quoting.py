"""What to quote from a clause: the sentences that answer the question, in the clause's own words.

Sentences are scored by the question's topic words (weighted by rarity, see
``topic.topic_weights``) and, when the index provides it, by their embedding similarity to
the question, so a paraphrase still finds its sentence. A quote keeps what makes it true: a
figure keeps the year it is for, even when the year sits in an earlier sentence, and
sentences that are not adjacent in the clause are joined with "……". For the brief answer a
long sentence is abridged to its relevant parts, again marked with "……".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from chains.analysis import MEASURE  # a figure, which is for some year
from chains.naming import bigrams
from chains.retrieval import Hit
from knowledge.gazetteer import load_gazetteer
from knowledge.models import Clause
from knowledge.parser import split_sentences

# Per-sentence cosine similarity to the question, by sentence text, for one clause; None when
# the index has no sentence vectors for it (then keyword weights decide alone).
SentenceSimilarity = Callable[[Clause], Mapping[str, float] | None]

ELLIPSIS = "……"
# a sentence with no comma, this many characters over the room left, is shown whole: cut there it
# ends mid-phrase and says another thing ("给予用地……" for 给予用地支持) (hand-set: a short clause's length)
ONE_SEGMENT_OVER = 10
MIN_SENTENCE_SCORE = 0.5  # below this a sentence shares only generic words with the question (one common token)
MAX_SENTENCE_CHARS = 220  # a longer sentence is cut (a whole paragraph without a full stop in the PDF text)
QUOTE_BUDGET = 180  # characters of quoted text per clause before list questions stop adding sentences
# a heading's word counts this much for each sentence under it that does not repeat it: it is the
# sentence's context (a column item headed 山西), but the sentence that says it is the better quote
HEADING_SHARE = 0.5
NEAR_BEST = 0.6  # a sentence scoring this share of the best is quoted beside it (the composer's value before issue 9)
# an abridged sentence keeps the segments holding this share of its best segment's topic words (then
# the budget decides); fitted by bench/tune_answers.py (5-fold CV on the dev split,
# chains/data/answer_tuning.json): 0.3 on 356 dev cases; on 764 the search preferred 0.5 by 0.0005 of CV
# score (noise), which loses the segment answering "组长是谁", so 0.3 stays (see the file's note)
SEGMENT_SHARE = 0.3
ABRIDGE_AT = 90  # a sentence longer than this is abridged to its relevant segments in the brief form
# e5 cosine between a question and a sentence sits between these (measured on the bundled corpus:
# unrelated sentences ~0.85, the answering one ~0.93-0.95); mapped to 0..1 and weighted so that a
# close paraphrase counts like half a specific keyword at most
SIMILARITY_FLOOR, SIMILARITY_CEIL = 0.85, 0.95
# a segment of a later quote whose character pairs are this share of the line's earlier ones, and at
# least this many, says nothing new (a province restating the nation's words); a start, not fitted
REPEAT_SHARE, REPEAT_MIN_PAIRS = 0.8, 5
SIMILARITY_WEIGHT = 0.5  # tried 0, 0.5, 1, 2 on the dev split (fully correct .804 .812 .804 .797)

_YEAR = re.compile(r"(?:到|至|截至|截止)?\s*\d{4}\s*年(?:底|末)?")
_NUMBER = re.compile(r"\d")
_SEGMENT = re.compile(r"[^，,；;：:]+[，,；;：:]?")
LISTY = re.compile(r"哪些|什么|如何|怎么|怎样|措施|举措|做法|重点|方向|内容|啥|哪几|what|which|how", re.IGNORECASE)


def keyword_score(text: str, weights: Mapping[str, float]) -> float:
    return sum(w for tok, w in weights.items() if tok in text)


@dataclass
class Quoted:
    """The sentences of one cited clause chosen for the answer (indices into its body sentences)."""

    hit: Hit
    body: list[str]
    scores: list[float]
    picked: list[int] = field(default_factory=list)  # in document order
    order: list[int] = field(default_factory=list)  # the same, most useful first (for the brief form)

    @property
    def sentences(self) -> list[str]:
        return [_cap(self.body[i]) for i in self.picked]

    @property
    def score(self) -> float:
        return max((self.scores[i] for i in self.picked), default=0.0)

    @property
    def text(self) -> str:
        """The picked sentences, with "……" where sentences of the clause were left out between them."""
        return _join(self.body, self.picked)

    def brief(self, weights: Mapping[str, float], budget: int = ABRIDGE_AT, figures: bool = False,
              favour: Callable[[str], bool] | None = None) -> str:
        """The best picked sentences, abridged, within about ``budget`` characters (at least one)."""
        return self.brief_of(self.order or self.picked, weights, budget, figures, favour)

    def brief_of(self, order: list[int], weights: Mapping[str, float], budget: int = ABRIDGE_AT, figures: bool = False,
                 favour: Callable[[str], bool] | None = None) -> str:
        return self.brief_parts(order, weights, budget, figures, favour)[0]

    def brief_parts(
        self, order: list[int], weights: Mapping[str, float], budget: int = ABRIDGE_AT, figures: bool = False,
        favour: Callable[[str], bool] | None = None,
    ) -> tuple[str, list[int]]:
        """Body sentences in ``order`` of preference, each abridged to its relevant segments (and
        those ``favour``ed: see :func:`abridge`), while they fit ``budget``; shown in document order,
        gaps marked "……". A figure keeps its year (from an earlier sentence if need be). Returns the
        text and the sentences it shows."""
        parts: dict[int, str] = {}
        used = 0
        for i in order:
            part = abridge(self.body[i], weights, min(ABRIDGE_AT, max(budget - used, 0)) if parts else budget, figures, favour)
            if parts and used + len(part) > budget:
                continue
            parts[i] = part
            used += len(part)
        return self.render(parts), sorted(parts)

    def render(self, parts: Mapping[int, str]) -> str:
        """Sentences of the clause (by index, each already abridged) in document order, gaps marked
        "……", a figure with the year it is for."""
        out = ""
        chosen = sorted(parts)
        for n, i in enumerate(chosen):
            part = parts[i]
            if MEASURE.search(part) and not _YEAR.search(part):
                context = year_context(self.body, i)
                if context and context not in out:
                    part = context + ELLIPSIS + part.removeprefix(ELLIPSIS)
            joined = n == 0 or chosen[n - 1] + 1 == i
            if out.endswith(ELLIPSIS):
                part = part.removeprefix(ELLIPSIS)
            out += part if joined or part.startswith(ELLIPSIS) or out.endswith(ELLIPSIS) else ELLIPSIS + part
        return out


def _cap(sentence: str) -> str:
    return sentence if len(sentence) <= MAX_SENTENCE_CHARS else sentence[:MAX_SENTENCE_CHARS] + ELLIPSIS


def _join(body: list[str], picked: list[int]) -> str:
    out = ""
    for n, i in enumerate(picked):
        adjacent = n == 0 or picked[n - 1] + 1 == i or out.endswith(ELLIPSIS)
        out += _cap(body[i]) if adjacent else ELLIPSIS + _cap(body[i])
    return out


_PUNCTUATED = re.compile(r"[。；;：:！？!?，,、]")


def body_sentences(clause: Clause) -> list[str]:
    """The clause's sentences without its own heading (and without the question of a Q&A pair)."""
    text = clause.text
    if clause.kind == "qa" and "答" in text:
        text = re.split(r"(?:^|\n)答\s*[：:]", text, maxsplit=1)[-1]
    sentences = [s for s in split_sentences(text) if s]
    title = re.sub(r"^[（(]?[一二三四五六七八九十百\d]+[）)、.．]?", "", clause.section_path[-1] if clause.section_path else "")
    body = [s for s in sentences if s.rstrip("。：:") != title and not s.startswith(("问：", "问:"))]
    # a line with no punctuation at all is a name, a date or a title (a notice's signing block:
    # 财政部 / 2022年1月27日 / the plan's title), not a provision; the metadata answers for those
    said = [s for s in body if _PUNCTUATED.search(s)]
    return said or body or sentences


def sentence_scores(
    clause: Clause, body: list[str], weights: Mapping[str, float], similarity: SentenceSimilarity | None, figures: bool
) -> list[float]:
    """Keyword weight of each sentence read with its clause's headings and the units it names
    responsible (a column item headed 山西 is about 山西 in every sentence; a task listing 省能源局
    is 省能源局's in every sentence), plus its similarity relative to the clause's other sentences."""
    heads = " ".join([clause.context_path, *clause.responsible_units])
    own = clause.section_path[-1] if clause.section_path else ""
    # a clause headed by a place (a column's item "山西") is that place's in every sentence, fully: no
    # sentence of it repeats the name, while a sentence listing six provinces names it in passing
    in_heads = {t: w * (1.0 if t in own and load_gazetteer().get(t) is not None else HEADING_SHARE)
                for t, w in weights.items() if t in heads}
    scores = [keyword_score(s, weights) + sum(w for t, w in in_heads.items() if t not in s)
              + (1.0 if figures and _NUMBER.search(s) else 0.0) for s in body]
    for i, s in enumerate(body):  # a figure is read with the year it is for ("到2030年，……达到25%")
        if MEASURE.search(s) and not _YEAR.search(s):
            context = year_context(body, i)
            scores[i] += keyword_score(context, weights) if context else 0.0
    sims = similarity(clause) if similarity is not None else None
    if sims:
        for i, sentence in enumerate(body):
            v = sims.get(sentence)
            if v is not None:
                scores[i] += SIMILARITY_WEIGHT * min(1.0, max(0.0, (v - SIMILARITY_FLOOR) / (SIMILARITY_CEIL - SIMILARITY_FLOOR)))
    return scores


def quote(
    hit: Hit, weights: Mapping[str, float], question: str = "", *, figures: bool = False,
    similarity: SentenceSimilarity | None = None, max_sentences: int = 3,
) -> Quoted:
    """The sentences of a clause that answer the question, in document order.

    The best-matching sentence is taken, then those covering the question's other words; a question asking for a list ("哪些", "做什么")
    also gets the sentences that follow them, since documents enumerate in consecutive
    sentences. A clause that matched as a whole (no sentence names the topic) is quoted from
    its start.
    """
    body = body_sentences(hit.clause)
    scores = sentence_scores(hit.clause, body, weights, similarity, figures)
    if max(scores, default=0.0) < MIN_SENTENCE_SCORE:
        order = _extend([], body, 0, QUOTE_BUDGET)
    else:
        order = _cover(body, scores, weights, " ".join(hit.clause.section_path), max_sentences)
        best = max(scores)
        order += [i for i in sorted(range(len(body)), key=lambda i: -scores[i])
                  if i not in order and scores[i] >= NEAR_BEST * best][: max(0, max_sentences - len(order))]
        if LISTY.search(question):
            for i in list(order):  # each matched sentence with the ones that enumerate after it
                order += [j for j in _extend([], body, i + 1, QUOTE_BUDGET) if j not in order]
    return Quoted(hit, body, scores, sorted(set(order)), order)


def _new_weight(text: str, weights: Mapping[str, float], covered: set[str]) -> float:
    """The weight of the question's words in ``text`` that are not ``covered`` yet."""
    return sum(w for t, w in weights.items() if t in text and t not in covered)


def _cover(body: list[str], scores: list[float], weights: Mapping[str, float], heads: str, limit: int) -> list[int]:
    """The best sentence, then those that add the question's words it lacks (a two-part question
    gets a sentence for each part), while each adds a specific word."""
    order = [max(range(len(body)), key=lambda i: (scores[i], -i))]
    covered = {t for t in weights if t in body[order[0]] or t in heads}
    while len(order) < limit:
        gains = [(_new_weight(body[i], weights, covered), -i)
                 for i in range(len(body)) if i not in order]
        if not gains:
            break
        gain, neg = max(gains)
        if gain < MIN_SENTENCE_SCORE:
            break
        order.append(-neg)
        covered |= {t for t in weights if t in body[-neg]}
    return order


def _extend(picked: list[int], body: list[str], start: int, budget: int) -> list[int]:
    """Add the sentences from ``start`` on while the quote stays within budget (at least one)."""
    picked = list(picked)
    used = sum(len(body[i]) for i in picked)
    for i in range(start, min(start + 3, len(body))):
        if i in picked:
            continue
        if picked and used + len(body[i]) > budget:
            break
        picked.append(i)
        used += len(body[i])
    return sorted(picked)


def year_context(body: list[str], i: int) -> str | None:
    """The year a figure in sentence ``i`` is for, when the sentence does not say it itself:
    the nearest earlier segment of the clause that names a year ("到2030年，"), quoted as is."""
    if _YEAR.search(body[i]):
        return None
    for j in range(i - 1, -1, -1):
        for segment in reversed(_SEGMENT.findall(body[j])):  # the nearest: the last of an earlier sentence
            if _YEAR.search(segment) and len(segment) <= 30:
                return segment.rstrip("，,；;：:。")
    return None


YEAR_NAMED = re.compile(r"(?<!\d)(20\d\d)\s*年")  # a year as the documents write it, the year captured


def figure_years(body: list[str], i: int) -> set[str]:
    """The years sentence ``i`` states its figures for: its own, else the one :func:`year_context` reads."""
    own = set(YEAR_NAMED.findall(body[i]))
    return own or set(YEAR_NAMED.findall(year_context(body, i) or ""))


def repeats(segment: str, said: set[str]) -> bool:
    """Whether a segment says again what the text whose character pairs (:func:`bigrams`) are
    ``said`` has shown: nearly all its own pairs are there ("合理布局赤泥综合利用产业" in a province's
    plan after the nation's sentence saying it)."""
    own = bigrams(segment)
    return len(own) >= REPEAT_MIN_PAIRS and len(own & said) >= REPEAT_SHARE * len(own)


def abridge(sentence: str, weights: Mapping[str, float], limit: int = ABRIDGE_AT, figures: bool = False,
            favour: Callable[[str], bool] | None = None, said: str = "") -> str:
    """A long sentence cut to the segments (between commas) that carry the question's words (and,
    for a question about figures, its quantities; with ``favour``, the segments of the kind asked
    for: the one naming the office, for a who-question), with the segment naming the year they are
    for, then the segments that follow them while they fit; cuts are marked "……". A segment that
    :func:`repeats` what the line has ``said`` already, and holds none of the words asked about, is
    left out, though the sentence fit."""
    segments = _SEGMENT.findall(sentence)
    # (a repeat holding the words asked about stays: "国家和贵州都提到的产用挂钩" wants it in both)
    said_pairs = bigrams(said) if said else set()  # once per sentence, not once per segment
    repeated = ({i for i, s in enumerate(segments) if keyword_score(s, weights) < MIN_SENTENCE_SCORE and repeats(s, said_pairs)}
                if said else set())
    if len(repeated) == len(segments):
        repeated = set()
    if len(sentence) <= limit and not repeated:
        return _cap(sentence)
    if len(segments) < 2:  # no comma to cut at: a few characters over is kept whole, not cut mid-phrase
        return _cap(sentence) if len(sentence) <= limit + ONE_SEGMENT_OVER else sentence[:limit] + ELLIPSIS
    scores = [0.0 if i in repeated else keyword_score(s, weights) + (1.0 if figures and MEASURE.search(s) else 0.0)
              + (1.0 if favour is not None and favour(s) else 0.0) for i, s in enumerate(segments)]
    best = max(scores)
    keep = ({i for i, sc in enumerate(scores) if sc >= SEGMENT_SHARE * best} if best > 0
            else {min(set(range(len(segments))) - repeated)})
    if any(MEASURE.search(segments[i]) for i in keep):
        keep |= {i for i, s in enumerate(segments) if _YEAR.search(s) and i < min(keep)}
    chosen: list[int] = []
    used = 0
    covered: set[str] = set()
    while keep:  # most new words of the question first (a word already shown adds nothing), the shorter first
        fits = [i for i in keep if not chosen or used + len(segments[i]) <= limit]
        if not fits:
            break
        i = max(fits, key=lambda i: (_new_weight(segments[i], weights, covered), -len(segments[i]), -i))
        keep.discard(i)
        chosen.append(i)
        used += len(segments[i])
        covered |= {t for t in weights if t in segments[i]}
    for i in sorted(chosen):  # the words after a match usually finish its thought
        j = i + 1
        while j < len(segments) and j not in chosen and used + len(segments[j]) <= limit:
            if j not in repeated:
                chosen.append(j)
                used += len(segments[j])
            j += 1
    chosen.sort()
    out = "" if chosen[0] == 0 else ELLIPSIS
    for n, i in enumerate(chosen):
        if n > 0 and chosen[n - 1] + 1 != i:
            out = out.rstrip("，,；;：:") + ELLIPSIS
        out += segments[i]
    out = out.rstrip("，,；;：:")
    if chosen[-1] != len(segments) - 1:
        out += ELLIPSIS
    elif not out.endswith(("。", "！", "？", ELLIPSIS)):
        out += "。"
    return _cap(out)
