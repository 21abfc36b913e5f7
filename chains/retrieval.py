"""Hybrid retrieval: dense (Chroma, e5) and keyword (BM25, jieba), fused.

e5 cosine scores sit in a narrow band and BM25 scores are unbounded, so each side is
normalised over the corpus before they are combined. Named jurisdictions boost
their documents; national documents are never penalised since they apply everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from langchain_core.embeddings import Embeddings

from chains.analysis import PARENT, Analysis
from knowledge.index import Snapshot
from knowledge.keyword import tokenize
from knowledge.models import Clause, DocumentMeta

CANDIDATES = 24


@dataclass
class Hit:
    clause: Clause
    doc: DocumentMeta
    score: float  # fused score, higher is better
    dense: float = 0.0  # cosine similarity of the best dense match (0 if not found densely)
    keyword: float = 0.0  # BM25 score (0 if no keyword match)


@dataclass
class Retrieval:
    hits: list[Hit]
    best_dense: float
    best_keyword: float
    query_tokens: list[str]  # the keyword query, synonyms included
    question_tokens: set[str]  # the words the user actually wrote
    documents: dict[str, DocumentMeta] = field(default_factory=dict)  # every indexed document, by id


def _jurisdiction_factor(doc: DocumentMeta, wanted: set[str]) -> float:
    if not wanted:
        return 1.0
    if doc.jurisdiction in wanted:
        return 1.6
    if PARENT.get(doc.jurisdiction) in wanted:
        return 1.25  # a city inside the province asked about
    if doc.jurisdiction == "national":
        return 1.0
    if wanted == {"national"}:
        return 0.75
    return 0.6  # another province's document: still eligible, ranked lower


DENSE_WEIGHT = 0.5
HEADING_BOOST = 0.25
NAMED_BOOST = 1.5  # the question names the document by its title
_COMMON_BIGRAMS = {"赤泥", "综合", "合利", "利用", "泥综", "工业", "资源", "源综"}


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def heading_match(question_grams: set[str], clause: Clause) -> float:
    """How much of the clause's own heading the question (given as its bigrams) repeats (0..1),
    ignoring generic words. Users often paraphrase a task's heading ("扩大综合利用规模"); that is
    strong evidence.
    """
    if not clause.section_path:
        return 0.0
    title = re.sub(r"^[（(]?[一二三四五六七八九十百\d]+[）)、.．]?|^问[：:]", "", clause.section_path[-1])
    grams = _bigrams(title) - _COMMON_BIGRAMS
    if len(grams) < 2:
        return 0.0
    return len(grams & question_grams) / len(grams)


_TITLE_NOISE = re.compile(r"[\s《》〈〉“”\"'（）()\[\]【】—–-]")
_YEARS = re.compile(r"[（(][^（）()]*\d{4}[^（）()]*[）)]\s*$")  # a trailing "（2025—2030年）"


def named_documents(question: str, documents: dict[str, DocumentMeta]) -> set[str]:
    """Documents the question names by their full title (brackets and spaces ignored) or id.

    A superseded document asked for by name is what the user wants, not its successor.
    """
    asked = _TITLE_NOISE.sub("", question)
    matched: dict[str, str] = {}  # doc id -> the (longest) title of it found in the question
    for doc_id, meta in documents.items():
        forms = [meta.title, meta.short_title or "", _YEARS.sub("", meta.title)]  # "…方案（2025—2030年）" or "…方案"
        found = [t for t in (_TITLE_NOISE.sub("", f) for f in forms) if len(t) >= 6 and t in asked]
        if found:
            matched[doc_id] = max(found, key=len)
        elif doc_id in question:
            matched[doc_id] = doc_id
    # "赤泥综合利用行动方案" inside "贵州省赤泥综合利用行动方案" names only the longer one
    named = {d for d, t in matched.items() if not any(t != u and t in u for u in matched.values())}
    # a title that fits an old document and its successor alike means the current one
    return {d for d in named if documents[d].superseded_by not in named}


def retrieve(snapshot: Snapshot, embeddings: Embeddings, analysis: Analysis, limit: int = CANDIDATES) -> Retrieval:
    """Score every clause by a convex combination of normalised dense and BM25 scores.

    A rank-only fusion (RRF) drowns a clause that only the keyword side finds but finds very
    strongly (the one clause naming 企业所得税); normalised scores keep that evidence.
    """
    tokens = tokenize(analysis.keyword_text or analysis.retrieval_text)
    qvec = embeddings.embed_query(analysis.retrieval_text)
    n = min(max(limit, 100), len(snapshot.clauses))
    res = snapshot.collection.query(query_embeddings=[qvec], n_results=n, include=["distances"])
    dense = {cid: 1.0 - float(d) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)}
    kw_scores = snapshot.keyword.scores(tokens)
    best_kw = float(kw_scores.max()) if len(kw_scores) else 0.0
    lo, hi = (min(dense.values()), max(dense.values())) if dense else (0.0, 1.0)
    span = (hi - lo) or 1.0
    named = named_documents(analysis.question, snapshot.documents)
    question_grams = _bigrams(analysis.question)

    hits = []
    for pos, clause in enumerate(snapshot.clauses):
        sim = dense.get(clause.clause_id)
        kw = float(kw_scores[pos]) if best_kw > 0 else 0.0
        d_norm = (sim - lo) / span if sim is not None else 0.0
        k_norm = kw / best_kw if best_kw > 0 else 0.0
        score = DENSE_WEIGHT * d_norm + (1 - DENSE_WEIGHT) * k_norm
        score += HEADING_BOOST * heading_match(question_grams, clause)
        doc = snapshot.documents.get(clause.doc_id) or DocumentMeta(doc_id=clause.doc_id, title=clause.doc_id)
        factor = _jurisdiction_factor(doc, analysis.jurisdictions)
        if doc.doc_id in named:
            factor *= NAMED_BOOST
        elif doc.superseded_by:
            factor *= 0.7  # prefer the newer document; the older stays retrievable by name
        hits.append(Hit(clause, doc, score * factor, sim or 0.0, kw))
    hits.sort(key=lambda h: h.score, reverse=True)
    return Retrieval(
        hits=hits[:limit],
        best_dense=hi if dense else 0.0,
        best_keyword=best_kw,
        query_tokens=tokens,
        question_tokens=set(tokenize(analysis.question)),
        documents=snapshot.documents,
    )
