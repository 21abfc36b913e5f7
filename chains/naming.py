"""Which documents a question means: by full title, by a short name ("八部门那个22年的方案"), or,
in English, by description. Retrieval boosts them; their names' words are no topic of the question.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from chains.analysis import Analysis, full_years
from chains.english_names import english_documents
from chains.enumeration import count_value
from knowledge.keyword import outermost
from knowledge.models import DocumentMeta


def bigrams(text: str) -> set[str]:
    """Character pairs of the Chinese characters and alphanumerics: how names and headings are matched."""
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


_TITLE_NOISE = re.compile(r"[\s《》〈〉“”\"'（）()\[\]【】—–-]")
_YEARS = re.compile(r"[（(][^（）()]*\d{4}[^（）()]*[）)]\s*$")  # a trailing "（2025—2030年）"


def named_documents(question: str, documents: dict[str, DocumentMeta]) -> set[str]:
    """Documents the question names by their full title (brackets and spaces ignored) or id.

    A superseded document asked for by name is what the user wants, not its successor.
    """
    asked = _TITLE_NOISE.sub("", question)
    matched: dict[str, str] = {}  # doc id -> the (longest) title of it found in the question
    for doc_id, meta in documents.items():
        found = [t for t in _title_forms(meta.title, meta.short_title or "") if t in asked]
        if found:
            matched[doc_id] = max(found, key=len)
        elif doc_id in question:
            matched[doc_id] = doc_id
    # "赤泥综合利用行动方案" inside "贵州省赤泥综合利用行动方案" names only the longer one
    longest = outermost(matched.values())
    named = {d for d, t in matched.items() if t in longest}
    # a title that fits an old document and its successor alike means the current one
    return {d for d in named if documents[d].superseded_by not in named}


@lru_cache(maxsize=8192)
def _title_forms(title: str, short_title: str) -> tuple[str, ...]:
    """A title as a question may write it: whole, short, or without its trailing years
    ("…方案（2025—2030年）" or "…方案"), brackets and spaces dropped; six characters at least."""
    forms = (_TITLE_NOISE.sub("", f) for f in (title, short_title, _YEARS.sub("", title)))
    return tuple(f for f in forms if len(f) >= 6)


# how users refer to a document: its kind ("八部门方案", "焦作答复", "国家文件"), after a few words saying which,
# a year among them ("八部门那个22年的方案": the year must not cut the name off); a reply to a proposal is
# referred to by the proposal it answers ("焦作那个287号提案是谁提的")
_MENTION = re.compile(r"((?:[\u4e00-\u9fff]|\d{2,4}年){1,12}?)(?:那个|这个|的)?(方案|文件|答复|回复|解答|通知|规划|意见|办法|提案)")
_NAME_YEAR = re.compile(r"(\d{2,4})年")
PROPOSAL = "提案"


def mentions_document(text: str) -> bool:
    """Whether the text refers to some document by a short name ("八部门方案", "焦作答复")."""
    return _MENTION.search(text) is not None


def referred_documents(question: str, documents: dict[str, DocumentMeta]) -> set[str]:
    """Documents the question refers to by a short name ("八部门方案", "国家赤泥方案", "焦作答复").

    Each mention is matched against every document's names (place, short title, title) by the
    character pairs they share, each pair weighted by how few documents have it (idf): the one
    document that matches best is the one meant; a tie ("国家方案" fits both national plans)
    refers to none. Documents named by their full title are :func:`named_documents`."""
    return _referred(document_mentions(question, documents), documents)


def _referred(mentions: list[tuple[str, str]], documents: dict[str, DocumentMeta]) -> set[str]:
    found = {doc_id for _, doc_id in mentions}
    return {d for d in found if documents[d].superseded_by not in found}


def documents_meant(analysis: Analysis, documents: dict[str, DocumentMeta],
                    mentions: list[tuple[str, str]] | None = None) -> list[str]:
    """The documents a question names by title, refers to by a short name (``mentions``, from
    :func:`document_mentions`, when the caller has them) or, in English, describes."""
    if mentions is None:
        mentions = document_mentions(analysis.question, documents)
    english = english_documents(analysis.question, documents) if analysis.language == "en" else set()
    return sorted(named_documents(analysis.question, documents) | _referred(mentions, documents) | english)


def document_mentions(question: str, documents: dict[str, DocumentMeta]) -> list[tuple[str, str]]:
    """Each short name the question uses for a document ("八部委那个文件"), with the document it
    fits best: the name's words refer to that document, they do not say what is asked about."""
    found = []
    for m, years, tied in _mentions(question, documents):
        meant = _meant(tied, documents)
        if meant is not None:
            # the words and the year that named it, apart ("八部门那个", "2022年")
            name = _NAME_YEAR.sub("", m.group(1))
            if m.group(2) == PROPOSAL:  # a reply is named by the proposal it answers: the whole mention names it
                name += PROPOSAL
            found += [(n, meant) for n in ([name] if name else []) + sorted(years)]
    return found


def ambiguous_mention(question: str, documents: dict[str, DocumentMeta]) -> list[str]:
    """The documents a short name fits equally well when it refers to none of them ("国家方案": the
    national red-mud plan and the eight-department plan), in the library's order; empty when every
    name the question uses refers to one document."""
    return next((tied for _, _, tied in _mentions(question, documents) if tied and _meant(tied, documents) is None), [])


def _meant(tied: list[str], documents: dict[str, DocumentMeta]) -> str | None:
    """The one document a name refers to among those it fits best: the only one, or, where it fits a
    place's plan and the nation's alike ("赤泥行动方案": a name that gives no place, which would have
    tipped the match), the one document of no place."""
    national = [d for d in tied if documents[d].level == 0]
    return tied[0] if len(tied) == 1 else national[0] if len(national) == 1 else None


def _mentions(question: str, documents: dict[str, DocumentMeta]) -> list[tuple[re.Match[str], set[str], list[str]]]:
    """Each short name in the question with the years it gives and the documents whose names it fits
    best (all tied)."""
    mentions = list(_MENTION.finditer(question))
    if not mentions:
        return []
    grams, count, own = _name_grams(documents)
    out = []
    for m in mentions:
        # a year in the name is the year the document is dated ("22年的方案"), matched as one more name gram
        years = {full_years(y + "年") for y in _NAME_YEAR.findall(m.group(1))}
        mention = bigrams(_NAME_YEAR.sub("", m.group(1)) + m.group(2)) | years
        offices = office_count(m.group(0))
        scores = {d: sum(math.log(1 + len(documents) / count[g]) * (1.0 if g in own[d] else ISSUER_SHARE)
                         for g in mention & gs if count[g] < len(documents))
                  for d, gs in grams.items() if offices in (None, issuing_count(documents[d]))}
        best = max(scores.values(), default=0.0)
        out.append((m, years, [d for d, v in scores.items() if v == best > 0]))
    return out


# "八个部门那个方案", "六部委的文件": how many offices issued the document meant
_OFFICES = re.compile(r"([一二三四五六七八九十两]{1,3}|\d+)个?(?:部门|部委|部委局|委局)")


def office_count(text: str) -> int | None:
    """How many issuing offices a name states ("八个部门" -> 8), if it states a count."""
    m = _OFFICES.search(text)
    if m is None:
        return None
    return count_value(m.group(1))


def issuing_count(doc: DocumentMeta) -> int | None:
    """How many offices issued a document: as its names count them ("工业和信息化部等六部门",
    "八部门《…》"), else as its issuer line lists them; None when one office or none is known."""
    for name in (doc.issuer or "", doc.short_title or "", doc.title):
        stated = office_count(name)
        if stated is not None:
            return stated
    return len(doc.issuers) if len(doc.issuers) > 1 else None


# a pair only the issuer line has counts this much of a title's: a document is called by who issued
# it ("六部门那个文件"), but a list of eight ministries holds pairs a question uses for other things
# ("委员" of 改革委员会 in "回哪位委员的提案") (hand-set: a title's pair outweighs an issuer's)
ISSUER_SHARE = 0.5

_Grams = tuple[dict[str, set[str]], dict[str, int], dict[str, set[str]]]
_NAME_GRAMS: dict[int, tuple[dict[str, DocumentMeta], _Grams]] = {}


def _name_grams(documents: dict[str, DocumentMeta]) -> _Grams:
    """Each document's name bigrams (its place, titles and issuer), how many documents share each
    bigram, and those of its place and titles alone; once per document set (the snapshot's dict; a
    library of hundreds of documents must not redo this per question)."""
    cached = _NAME_GRAMS.get(id(documents))
    if cached is not None and cached[0] is documents:
        return cached[1]
    names = {d: _TITLE_NOISE.sub("", " ".join([m.jurisdiction_label, m.short_title or "", m.title]))
             for d, m in documents.items()}
    # and the year it is dated, which a name may give ("22年的方案")
    own = {d: bigrams(n) | ({f"{year}年"} if (year := dated_year(documents[d])) else set()) for d, n in names.items()}
    grams = {d: own[d] | bigrams(_TITLE_NOISE.sub("", documents[d].issuer or "")) for d in own}
    count: dict[str, int] = {}
    for gs in grams.values():
        for g in gs:
            count[g] = count.get(g, 0) + 1
    if len(_NAME_GRAMS) > 8:
        _NAME_GRAMS.clear()
    _NAME_GRAMS[id(documents)] = (documents, (grams, count, own))
    return grams, count, own


def dated_year(doc: DocumentMeta) -> str:
    """The year the document is dated ("2022"), or "" when its date is not known."""
    return (doc.date or "")[:4]
