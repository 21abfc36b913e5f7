"""The extractive composer: the default, offline way of answering.

It never writes a claim of its own. For each cited clause it quotes the sentences that answer
the question (scored by the question's keywords, weighted by how rare they are in the corpus),
names the responsible units the clause lists, groups national -> province -> city, numbers the
citations, and says plainly what the documents do not specify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chains import messages as M
from chains.analysis import JURISDICTION_TERMS, Analysis
from chains.models import Answer, Citation
from chains.retrieval import Hit, Retrieval
from knowledge.keyword import KeywordIndex
from knowledge.models import JURISDICTION_LABELS, DocumentMeta
from knowledge.parser import split_sentences

MAX_QUOTE_CHARS = 220
_NUMBER = re.compile(r"\d")
_AGENCY = re.compile(r"[\u4e00-\u9fff]{1,12}(?:厅|局|委|部|办公室|部门|委员会|公司|管委会)")


@dataclass
class Quoted:
    hit: Hit
    sentences: list[str]


SPECIFIC_IDF = 1.0  # tokens rarer than this carry the question's topic; "赤泥", "综合利用" do not
# words that point at documents or places rather than at a topic: retrieval boosts handle those
REFERENCE_WORDS = {"国家", "方案", "文件", "政策", "规定", "提到", "提出", "意思", "全国", "省", "市", "里", "中"}


def topic_weights(retrieval: Retrieval, keyword: KeywordIndex) -> dict[str, float]:
    """How much each query token says about the topic: rare words most, the user's own words over synonyms."""
    places = {t for terms in JURISDICTION_TERMS.values() for t in terms}
    weights: dict[str, float] = {}
    for tok in set(retrieval.query_tokens):
        if tok not in keyword.vocab or tok in REFERENCE_WORDS or tok in places:
            continue
        idf = keyword.idf(tok)
        w = idf if idf >= SPECIFIC_IDF else 0.1 * idf
        weights[tok] = w if tok in retrieval.question_tokens else 0.5 * w
    return weights


def _score(text: str, weights: dict[str, float]) -> float:
    return sum(w for tok, w in weights.items() if tok in text)


def select_hits(retrieval: Retrieval, analysis: Analysis, top_k: int, weights: dict[str, float]) -> list[Hit]:
    """The hits worth citing: those that match the question's topic about as well as the best.

    Fused rank alone keeps weak tails (clauses that share only "赤泥综合利用" with the question,
    or a document boosted for its place but silent on the topic); we require that a clause
    contains the question's specific terms nearly as well as the best one does. When nothing
    matches lexically (a paraphrase), rank decides.
    """
    candidates = retrieval.hits[: top_k * 2]
    if not candidates:
        return []
    relevance = [_score(_heading(h) + h.clause.text, weights) for h in candidates]
    best_rel = max(relevance)
    if best_rel < MIN_SENTENCE_SCORE:
        top = candidates[0].score
        return [h for i, h in enumerate(candidates[:2]) if i == 0 or h.score >= 0.8 * top]
    eligible = [(h, r) for h, r in zip(candidates, relevance, strict=True) if r >= 0.4 * best_rel]
    top = eligible[0][0].score
    keep = [h for h, _ in eligible if h.score >= 0.5 * top][:top_k]
    wanted = analysis.jurisdictions - {"national"}
    if analysis.other_places and not wanted:
        # a place without documents of its own: the national provisions apply there, local ones do not
        national = [h for h in keep if h.doc.jurisdiction == "national"]
        keep = national or keep
    # a place that was asked about keeps its most relevant clause, if it says anything on the topic
    if wanted and not any(h.doc.jurisdiction in wanted for h in keep):
        local = [(r, h) for h, r in zip(candidates, relevance, strict=True) if h.doc.jurisdiction in wanted]
        if local:
            rel, hit = max(local, key=lambda x: x[0])
            if rel >= max(MIN_SENTENCE_SCORE, 0.15 * best_rel):
                keep = [*keep[: top_k - 1], hit]
    return keep


def _heading(hit: Hit) -> str:
    return hit.clause.section_path[-1] if hit.clause.section_path else ""


def _is_title(sentence: str, hit: Hit) -> bool:
    title = re.sub(r"^[（(]?[一二三四五六七八九十百\d]+[）)、.．]?", "", hit.clause.section_path[-1] if hit.clause.section_path else "")
    return sentence.rstrip("。：:") == title or sentence.startswith(("问：", "问:"))


LISTY = re.compile(r"哪些|什么|如何|怎么|怎样|措施|举措|做法|重点|方向|内容|what|which|how", re.IGNORECASE)
MIN_SENTENCE_SCORE = 0.5  # below this a sentence shares only generic words with the question
QUOTE_BUDGET = 180  # characters of quoted text per clause before we stop adding sentences


def quote(hit: Hit, weights: dict[str, float], analysis: Analysis | None = None, max_sentences: int = 2) -> Quoted:
    """The sentences of a clause that answer the question, in document order.

    The best-matching sentences are taken; a question asking for a list ("哪些", "做什么")
    also gets the sentences that follow them, since documents enumerate in consecutive
    sentences. A clause found by its heading alone is quoted from its start.
    """
    text = hit.clause.text
    if hit.clause.kind == "qa" and "答" in text:
        text = re.split(r"(?:^|\n)答\s*[：:]", text, maxsplit=1)[-1]
    sentences = [s for s in split_sentences(text) if s]
    body = [s for s in sentences if not _is_title(s, hit)] or sentences
    figures = analysis is not None and analysis.intent == "target"
    scored = [_score(s, weights) + (1.0 if figures and _NUMBER.search(s) else 0.0) for s in body]
    best = max(scored, default=0.0)
    if best < MIN_SENTENCE_SCORE:  # no sentence names the topic: the clause matched as a whole
        picked = _extend([], body, 0, QUOTE_BUDGET)
    else:
        top = sorted(range(len(body)), key=lambda i: -scored[i])
        picked = sorted(i for i in top[:max_sentences] if scored[i] >= 0.6 * best)
        if analysis is not None and LISTY.search(analysis.question):
            for i in list(picked):
                picked = _extend(picked, body, i + 1, QUOTE_BUDGET)
    chosen = [body[i] if len(body[i]) <= MAX_QUOTE_CHARS else body[i][:MAX_QUOTE_CHARS] + "……" for i in sorted(set(picked))]
    return Quoted(hit, chosen)


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


def _places(analysis: Analysis, cited: list[Hit], lang: str) -> list[str]:
    notes = []
    if analysis.other_places and not analysis.jurisdictions - {"national"}:
        places = "、".join(analysis.other_places[:3])
        notes.append(M.NO_LOCAL_DOC[lang].format(places=places))
    missing = [j for j in analysis.jurisdictions - {"national"} if not any(h.doc.jurisdiction == j for h in cited)]
    if missing:
        names = "、".join(JURISDICTION_LABELS.get(j, j) for j in sorted(missing))
        notes.append(M.NO_JURISDICTION_MATCH[lang].format(places=names))
    return notes


_QUANTITY = re.compile(r"\d[\d.]*\s*(?:%|％|万吨|亿吨|吨|亿元|万元|元|家|个|项|大|座|倍|个百分点)")


def _not_specified(analysis: Analysis, quoted: list[Quoted], lang: str, weights: dict[str, float]) -> str | None:
    """A note when the question asks for specifics (a rate, a figure, a date, a procedure) that
    the quoted sentences on its topic do not give. A figure in a sentence about something else
    (a 2025 target quoted beside a tax question) does not count as an answer."""
    asks = list(analysis.asks)
    if "quantity" in asks and analysis.intent == "tax":
        asks = [a for a in asks if a != "quantity"] + ([] if "rate" in asks else ["rate"])  # "how much" of money
    sentences = [s for q in quoted for s in q.sentences]
    best = max((_score(s, weights) for s in sentences), default=0.0)
    shown = "".join(s for s in sentences if best <= 0 or _score(s, weights) >= 0.5 * best)
    if "rate" in asks and _NUMBER.search(shown):
        asks.remove("rate")
    if "quantity" in asks and (_QUANTITY.search(shown) or re.search(r"[一二两三四五六七八九十百千万]+[个项家大倍年条]", shown)
                               or "rate" in asks):
        asks.remove("quantity")  # a figure is quoted (or the rate note already covers it)
    if "time" in asks and re.search(r"\d{4}\s*年|\d{1,2}\s*月|今年|明年", shown):
        asks.remove("time")
    if "deadline" in asks and re.search(r"截止|\d{1,2}\s*月\s*\d{1,2}\s*日\s*前", shown):
        asks.remove("deadline")
    if analysis.intent == "tax" and not asks and re.search(r"税|优惠", analysis.question) and not _NUMBER.search(shown):
        asks = ["rate", "procedure"]
    if not asks:
        return None
    what = ("、" if lang == "zh" else "; ").join(M.ASKS_LABEL[lang][a] for a in asks)
    where = M.WHERE_SET[lang]["tax" if re.search(r"税|tax", analysis.question, re.IGNORECASE) else "default"]
    return M.NOT_SPECIFIED[lang].format(what=what, where=where)


def _headline(analysis: Analysis, quoted: list[Quoted], lang: str, weights: dict[str, float]) -> tuple[str, Quoted | None]:
    """The direct answer (shown first, in bold in Telegram) and the quote it rests on.

    ``quoted`` is in relevance order. Agencies come from the clause's own responsible-unit
    list when it has one, else from the best sentence that names an office; figures from the
    best sentence that states a quantity.
    """
    lead = M.LEAD[lang]["yes_no" if analysis.is_yes_no else "default"]
    if analysis.intent == "agency":
        wanted = analysis.jurisdictions - {"national"}
        local = [q for q in quoted if not wanted or q.hit.doc.jurisdiction in wanted]
        with_units = next((q for q in local if q.hit.clause.responsible_units), None)
        named = [(_score(s, weights), -i, s, q) for i, q in enumerate(local) for s in q.sentences if _AGENCY.search(s)]
        best_named = max(named, key=lambda x: (x[0], x[1])) if named else None
        # "责任单位" asks for the clause's list; "哪些部门要…" is better answered by the sentence naming them
        if with_units is not None and (best_named is None or "责任单位" in analysis.question
                                       or best_named[0] < MIN_SENTENCE_SCORE or best_named[3] is not with_units):
            return "、".join(with_units.hit.clause.responsible_units), with_units
        if best_named is not None and best_named[0] >= MIN_SENTENCE_SCORE:
            return best_named[2], best_named[3]
        if wanted and not local:
            names = "、".join(JURISDICTION_LABELS.get(j, j) for j in sorted(wanted))
            return M.NO_JURISDICTION_MATCH[lang].format(places=names), None
        return M.NO_UNITS[lang] + lead, None
    if analysis.intent == "target" and quoted and len(analysis.jurisdictions - {"national"}) < 2:
        figures = [
            (_score(s, weights) + (2.0 if _QUANTITY.search(s) else 0.0) - 0.1 * i, -i, s, q)
            for i, q in enumerate(quoted[:3])
            for s in q.sentences
            if _NUMBER.search(s)
        ]
        if figures:
            _, _, sentence, q = max(figures, key=lambda x: (x[0], x[1]))
            return sentence, q
    return lead, None


def superseded_note(old: DocumentMeta, new: DocumentMeta | None, lang: str) -> str:
    """The note on a cited document that a newer one replaces: 《旧》已被 2026-03-01 发布的《新》取代."""
    if new is None:
        return (f"{old.display_title}已被更新的文件（{old.superseded_by}）取代，请以新文件为准。" if lang == "zh"
                else f"{old.display_title} has been superseded by {old.superseded_by}; rely on the newer document.")
    if lang == "zh":
        when = f" {new.date} 发布的" if new.date else ""
        return f"{old.display_title}已被{when}{new.display_title}取代，请以新文件为准。"
    when = f" (issued {new.date})" if new.date else ""
    return f"{old.display_title} has been superseded by {new.display_title}{when}; rely on the newer document."


def superseded_notes(cited: list[DocumentMeta], documents: dict[str, DocumentMeta], lang: str) -> list[str]:
    """One note for each cited document (in citation order) that a newer one replaces."""
    unique = {d.doc_id: d for d in cited if d.superseded_by}
    return [superseded_note(d, documents.get(d.superseded_by or ""), lang) for d in unique.values()]


def cite(n: int, hit: Hit, quote: str) -> Citation:
    """The citation of a hit, numbered ``n``; both composers build theirs here, so they agree."""
    doc, clause = hit.doc, hit.clause
    return Citation(
        n=n, doc_id=doc.doc_id, doc_title=doc.display_title, jurisdiction=doc.jurisdiction,
        section=clause.section, clause_id=clause.clause_id, text=clause.text, quote=quote,
        responsible_units=list(clause.responsible_units), date=doc.date,
    )


def compose(analysis: Analysis, hits: list[Hit], retrieval: Retrieval, weights: dict[str, float]) -> Answer:
    """An extractive answer citing ``hits`` (as chosen by ``select_hits`` with the same ``weights``)."""
    lang = analysis.language
    if not hits:
        return Answer(question=analysis.question, answer=M.NOTHING_FOUND[lang], intent=analysis.intent)
    quoted = [quote(h, weights, analysis) for h in hits]
    headline, head_quote = _headline(analysis, quoted, lang, weights)
    if head_quote is None and analysis.other_places and not analysis.jurisdictions - {"national"}:
        # a place with no document of its own: say so first, then the national provisions
        headline = M.NO_LOCAL_DOC[lang].format(places="、".join(analysis.other_places[:3]))
    # national first, then provinces, then cities; documents of one place together; by relevance within
    first_seen: dict[str, int] = {}
    for i, q in enumerate(quoted):
        first_seen.setdefault(q.hit.doc.jurisdiction, i)
    order = sorted(range(len(quoted)), key=lambda i: (quoted[i].hit.doc.level, first_seen[quoted[i].hit.doc.jurisdiction], i))
    quoted = [quoted[i] for i in order]

    citations: list[Citation] = []
    lines: list[str] = []
    levels = {(q.hit.doc.level, q.hit.doc.jurisdiction) for q in quoted}
    group = None
    for n, q in enumerate(quoted, start=1):
        doc, clause = q.hit.doc, q.hit.clause
        if len(levels) > 1 and doc.jurisdiction != group:
            group = doc.jurisdiction
            lines.append(("" if not lines else "\n") + doc.jurisdiction_label)
        text = "".join(q.sentences)
        if not (q is head_quote and len(levels) == 1 and text.strip() == headline.strip()):
            lines.append(f"• {text}[{n}]")  # (a quote that is the headline itself is not repeated)
        if clause.responsible_units:
            lines.append(f"  {M.UNITS_LABEL[lang]}{'、'.join(clause.responsible_units)}")
        citations.append(cite(n, q.hit, text))
    if head_quote is not None:
        ref = quoted.index(head_quote) + 1
        headline = f"{headline.rstrip('。')}。[{ref}]" if lang == "zh" else f"In short (quoted): {headline} [{ref}]"
    notes = _places(analysis, [q.hit for q in quoted], lang)
    missing = _not_specified(analysis, quoted, lang, weights)
    if missing:
        notes.append(missing)
    notes += superseded_notes([q.hit.doc for q in quoted], retrieval.documents, lang)
    notes = [note for note in notes if note not in headline]
    body = "\n".join(lines)
    text = f"{headline}\n\n{body}" if body.strip() else headline
    if notes:
        text += "\n\n" + M.NOTE_LABEL[lang] + " ".join(notes)
    return Answer(question=analysis.question, answer=text, intent=analysis.intent, citations=citations, headline=headline)
