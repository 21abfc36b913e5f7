"""Documents an English question refers to: "the 2022 eight-ministry plan", "Guizhou's plan".

Chinese questions name documents by short names that share characters with their titles
(:func:`chains.retrieval.referred_documents`); English ones describe them instead, by what the
metadata holds: the place (the gazetteer knows its pinyin), "national", the year it was issued or
the years in its title, how many offices issued it ("eight-ministry" for an issuer list of
eight), its kind (the manifest's English "action plan", "policy Q&A", "proposal reply") and the
subject words of its title (through the glossary: "red mud" -> 赤泥). Each description that fits
one document better than every other refers to it; a tie ("the national plan", with two national
plans) refers to none. Nothing here lists a document: staff's new documents are described the
same way by their metadata.
"""

from __future__ import annotations

import re

from chains.glossary import expand
from knowledge.gazetteer import load_gazetteer
from knowledge.models import DocumentMeta

# an English reference to a document: the noun that says "a document"
_DOCUMENT_NOUN = re.compile(r"\b(?:plan|plans|file|document|notice|circular|letter|reply|response|q&a|explainer|programme|program)\b",
                            re.IGNORECASE)
_NUMBER_WORDS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_OFFICES = re.compile(r"\b(\w+)[\s-]+(?:ministr|department|agenc|bureau|office)", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# how much each kind of evidence counts (a place or an issuer count singles a document out; a year or
# the word "national" narrows; kind and title words break ties): hand-set, an order not a fit
PLACE, OFFICES, NATIONAL, YEAR, KIND, TITLE_WORD = 2.0, 2.0, 1.0, 1.0, 0.5, 0.5


def _years(doc: DocumentMeta) -> set[str]:
    return set(_YEAR.findall(" ".join([doc.date or "", doc.title, doc.short_title or ""])))


def english_documents(question: str, documents: dict[str, DocumentMeta]) -> set[str]:
    """The one document an English question describes, if its description fits one best."""
    best = _best_fitting(question, documents)
    return set(best) if len(best) == 1 else set()


def english_ambiguous(question: str, documents: dict[str, DocumentMeta]) -> list[str]:
    """The documents an English description fits equally well ("the national plan": both national
    plans), when it fits more than one; in the library's order."""
    best = _best_fitting(question, documents)
    return best if len(best) > 1 else []


def _best_fitting(question: str, documents: dict[str, DocumentMeta]) -> list[str]:
    """The documents the question's description of a document fits best, all tied (none when it
    describes no document, or fits none well enough)."""
    if not _DOCUMENT_NOUN.search(question) or len(documents) < 2:
        return []
    lower = question.lower()
    gazetteer = load_gazetteer()
    places = {p.code for p in gazetteer.find(question) if p.level > 0}
    years = set(_YEAR.findall(question))
    said = [m.group(1).lower() for m in _OFFICES.finditer(question)]  # "eight" of "eight-ministry", "8" of "8 departments"
    counts = {int(w) if w.isdigit() else _NUMBER_WORDS[w] for w in said if w.isdigit() or w in _NUMBER_WORDS}
    terms = [t for t in expand(question) if re.fullmatch(r"[\u4e00-\u9fff]+", t)]
    # a subject word counts where it tells documents apart (not 综合利用, in every title)
    in_titles = {t: sum(t in d.title for d in documents.values()) for t in terms}
    scores: dict[str, float] = {}
    for doc_id, doc in documents.items():
        place = doc.place
        score = 0.0
        if place is not None and place.level > 0 and place.code in places:
            score += PLACE
        if "national" in lower and doc.level == 0:
            score += NATIONAL
        if years & _years(doc):
            score += YEAR
        if counts and len(doc.issuers) in counts:
            score += OFFICES
        if doc.kind and any(re.search(rf"\b{re.escape(w)}", lower) for w in doc.kind.lower().split()):
            score += KIND
        score += TITLE_WORD * sum(1 for t in terms if t in doc.title and in_titles[t] < len(documents))
        scores[doc_id] = score
    top = max(scores.values())
    if top < min(PLACE, OFFICES, NATIONAL + KIND):
        return []
    return [d for d, v in scores.items() if v == top]
