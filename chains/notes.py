"""The notes under an answer's first line: what the documents do not specify, places without a
document of their own, and documents a newer one replaces.

Each note must hold for what is cited and never contradict the first line: a place note is
given only when no indexed document speaks for the place (a city's reply speaks for its
province), and a not-specified note looks only at the quoted sentences on the question's
topic from the documents of the places asked about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from chains import messages as M
from chains.analysis import QUANTITY, Analysis, without_exceptions
from chains.coverage import label, own_documents, parent_documents, place_label, relevant_to
from chains.quoting import Quoted, keyword_score
from knowledge.gazetteer import Place
from knowledge.models import DocumentMeta

_NUMBER = re.compile(r"\d")
# a question asking for a ratio rather than an amount, and what states one
_RATIO_ASKED = re.compile(r"比例|税率|利率|减按|百分之|几成|几个点|多少个点|percentage|what rate", re.IGNORECASE)
_RATIO = re.compile(r"\d[\d.]*\s*(?:%|％|‰|个百分点)|减按|百分之|[一二三四五六七八九十]成")
# an amount of money asked for ("一吨给多少钱", "补多少") is answered by an amount of money, not by a
# count of projects or a tonnage quoted beside it
_MONEY_ASKED = re.compile(r"多少钱|金额|额度|补多少|补贴多少|给多少|how much money|how much subsid|per (?:tonne|ton)|"
                          r"[每一]吨.{0,6}(?:补贴|补助|奖补|奖励|钱|元)|(?:补贴|补助|奖补|奖励).{0,6}[每一]吨", re.IGNORECASE)
_MONEY = re.compile(r"\d[\d.]*\s*(?:亿|万)?元")
_COUNTED = re.compile(r"[一二两三四五六七八九十百千万]+[个项家大倍年条]")
# a tax or a tax break asked about, in either language (the taxes a question sets aside are not asked)
_TAX_ASKED = re.compile(r"税|优惠|\btax|\bvat\b|incentive|preferential", re.IGNORECASE)


def place_notes(
    places: Sequence[Place], cited: Sequence[DocumentMeta], indexed: Sequence[DocumentMeta], lang: str
) -> tuple[list[str], list[str]]:
    """For each place asked about: no document of its own (then what applies there; these notes
    come first), or documents of its own that say nothing on the topic."""
    sep = "、" if lang == "zh" else ", "
    parented: dict[str, list[str]] = {}  # the places above -> the places asked about under them
    unlisted, silent = [], []
    for place in places:
        name = place_label(place, lang)
        if not own_documents(place, indexed):
            parents = parent_documents(place, indexed)
            if parents:
                parented.setdefault(sep.join(dict.fromkeys(label(d, lang) for d in parents)), []).append(name)
            else:
                unlisted.append(name)
        elif not any(relevant_to(d, [place]) and d.place is not None and d.place.level > 0 for d in cited):
            silent.append(name)
    no_document = [M.NO_LOCAL_DOC[lang].format(places=sep.join(unlisted))] if unlisted else []
    no_document += [M.NO_OWN_DOC[lang].format(place=sep.join(names), parents=above) for above, names in parented.items()]
    notes = [M.NO_JURISDICTION_MATCH[lang].format(places=sep.join(silent))] if silent else []
    return no_document, notes


def not_specified(
    analysis: Analysis, quoted: Sequence[Quoted], places: Sequence[Place], weights: Mapping[str, float], lang: str,
    *, agencies_named: bool = False,
) -> str | None:
    """A note when the question asks for specifics (a rate, a figure, a date, a procedure) that
    the quoted sentences on its topic do not give. A figure in a sentence about something else
    (a 2025 target quoted beside a tax question), or from another place's document (the national
    plan's date under a question about a province's plan), does not count as an answer; a list of
    responsible units answers "how many departments"."""
    asks = list(analysis.asks)
    if "quantity" in asks and (analysis.intent == "tax"):
        asks = [a for a in asks if a != "quantity"] + ([] if "rate" in asks else ["rate"])  # "how much" of money
    if agencies_named and "quantity" in asks:
        asks.remove("quantity")
    on_place = [q for q in quoted if not places or relevant_to(q.hit.doc, places)] or list(quoted)
    own = [q for q in on_place if q.hit.doc.level > 0] if places else []
    if analysis.intent == "target" and own:
        # a place's target is its own document's: the nation's 15% is no figure for Guizhou, whose
        # plan says only "达到国家对贵州省的要求" (a rule that applies everywhere, a tax, still counts)
        on_place = own
    sentences = [s for q in on_place for s in q.sentences]
    best = max((keyword_score(s, weights) for s in sentences), default=0.0)
    shown = "".join(s for s in sentences if best <= 0 or keyword_score(s, weights) >= 0.5 * best)
    ratio_asked = _RATIO_ASKED.search(analysis.question)
    answer_form = _RATIO if ratio_asked else _MONEY if _MONEY_ASKED.search(analysis.question) else _NUMBER
    if "rate" in asks and answer_form.search(shown):
        asks.remove("rate")  # a ratio asked for ("利率低多少") is not answered by a year or an amount, money not by tonnes
    if "quantity" in asks and (QUANTITY.search(shown) or _COUNTED.search(shown) or "rate" in asks):
        asks.remove("quantity")  # a figure is quoted (or the rate note already covers it)
    if "time" in asks and re.search(r"\d{4}\s*年|\d{1,2}\s*月|今年|明年", shown):
        asks.remove("time")
    if "deadline" in asks and re.search(r"截止|\d{1,2}\s*月\s*\d{1,2}\s*日\s*前", shown):
        asks.remove("deadline")
    if "penalty" in asks and re.search(r"罚|处分|追究", shown):
        asks.remove("penalty")
    asked = without_exceptions(analysis.question)  # "除了减税…": no note on the taxes set aside
    if analysis.intent == "tax" and not asks and _TAX_ASKED.search(asked) and not _NUMBER.search(shown):
        asks = ["rate", "procedure"]
    if not asks:
        return None
    what = ("、" if lang == "zh" else ", nor ").join(M.ASKS_LABEL[lang][a] for a in asks)
    where = M.WHERE_SET[lang]["tax" if _TAX_ASKED.search(asked)
                              else "penalty" if asks == ["penalty"] else "default"]
    if len(on_place) < len(quoted):  # it holds for the places' documents: say whose, so it does not read as
        # contradicting a figure quoted from another (the nation's 15% beside Guizhou's plan)
        whose = ("、" if lang == "zh" else ", ").join(dict.fromkeys(label(q.hit.doc, lang) for q in on_place))
        return M.NOT_SPECIFIED_FOR[lang].format(whose=whose if lang == "zh" else f"The {whose}", what=what, where=where)
    return M.NOT_SPECIFIED[lang].format(what=what, where=where)


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
