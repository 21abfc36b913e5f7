"""Hybrid retrieval: dense (e5), keyword words (BM25 over jieba) and character n-grams, fused.

The index (``Snapshot.score_clauses``) gives each clause's raw scores; here they are
normalised over the corpus (e5 cosines sit in a narrow band, BM25 is unbounded) and combined
with weights fitted on the dev split (``bench/tune_retrieval.py``, cross-validated; the values
and their provenance are in :mod:`chains.fusion`). Places named in the question boost their
documents, less for a document of the place's parent or child (a city plan for its province);
national documents are never penalised since they apply everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from chains.analysis import Analysis, PlaceCoverage
from chains.fusion import WEIGHTS, FusionWeights, weights_for
from chains.lexicon import english_terms
from chains.naming import bigrams, dated_year, document_mentions, documents_meant
from knowledge.gazetteer import load_gazetteer
from knowledge.index import ScoreTable, Snapshot
from knowledge.keyword import lone_characters, tokenize
from knowledge.models import Clause, DocumentMeta

CANDIDATES = 24  # hits handed to the composer: four times the six it may cite (previous release; not fitted)
# …and, when the question asks for a kind of answer (a date, a figure, taxes by name), the best clauses
# giving one that ranked lower: the composer cites one when none of the others gives it ("能减哪些税":
# the one clause listing 增值税、企业所得税 ranks below 24 for a question worded around 建材)
ALSO_OF_KIND = 2
COMMON_HEADING_SHARE = 10  # a bigram in over 1/10 of the headings is generic (hand-set with the heading weight's
# first fit; the fitted heading weight is small, 0.1, so this matters little)


@dataclass
class Hit:
    clause: Clause
    doc: DocumentMeta
    score: float  # fused score, higher is better
    dense: float = 0.0  # cosine similarity of the best dense match (0 if not found densely)
    keyword: float = 0.0  # BM25 score over words (0 if no keyword match)


@dataclass
class Retrieval:
    hits: list[Hit]
    best_dense: float
    best_keyword: float
    query_tokens: list[str]  # the keyword query, glossary terms and one-character words included
    question_tokens: set[str]  # the words the user actually wrote
    documents: dict[str, DocumentMeta] = field(default_factory=dict)  # every indexed document, by id
    query_vector: list[float] = field(default_factory=list)
    snapshot: Snapshot | None = None
    part_vectors: list[list[float]] = field(default_factory=list)  # one per asking part of a question of several
    document_names: list[str] = field(default_factory=list)  # the short names it gives documents ("八部委那个")
    # the question's own vector, as written (question words and all): what the classifiers trained on
    # questions read; ``query_vector`` is of the retrieval text, which drops them ("是谁", "哪天")
    question_vector: list[float] = field(default_factory=list)

    def part_similarity(self, k: int, clause: Clause, sentences: list[str]) -> list[float]:
        """The similarity of each of ``sentences`` (the clause's) to the question's part ``k`` alone."""
        if self.snapshot is None or k >= len(self.part_vectors):
            return []
        sims = self._whole_scores(clause, self.part_vectors[k])
        return [sims.get(s, 0.0) for s in sentences]

    def sentence_similarity(self, clause: Clause) -> dict[str, float]:
        """Each sentence of the clause (as the index split it) with its cosine similarity to the question."""
        if self.snapshot is None or not self.query_vector:
            return {}
        return self._whole_scores(clause, self.query_vector)

    def _whole_scores(self, clause: Clause, vector: Sequence[float]) -> dict[str, float]:
        """The cosines of the sentences of every ingest piece of the clause: the composer quotes a long
        clause's pieces as one text (``compose.merge_pieces``), which keeps the first piece's id."""
        assert self.snapshot is not None
        return {s: v for cid in self.snapshot.piece_ids(clause) for s, v in self.snapshot.sentence_scores(cid, vector)}


def heading_match(question_grams: set[str], clause: Clause, common: frozenset[str]) -> float:
    """How much of the clause's own heading the question (given as its bigrams) repeats (0..1).

    Users often paraphrase a task's heading ("扩大综合利用规模"); that is strong evidence.
    ``common`` holds the bigrams found in most headings ("综合", "利用"): they say nothing.
    """
    own = heading_match_text(question_grams, clause.heading, common)
    # a list's lent heading (knowledge.kindred) is what another document calls such a list
    return max(own, heading_match_text(question_grams, clause.kindred_heading, common)) if clause.kindred_heading else own


def question_grams(analysis: Analysis, dense_text: str) -> set[str]:
    """The character pairs a clause's heading is matched against: the question's own, and for a
    question in another language (whose words have none) those of each Chinese term it was
    translated into (the glossary's and the dictionary's, in ``dense_text``), term by term so no
    pair spans two terms."""
    grams = bigrams(analysis.question)
    if analysis.language != "zh":
        for term in dense_text.split():
            grams |= bigrams(term)
    return grams


def heading_match_text(question_grams: set[str], heading: str, common: frozenset[str]) -> float:
    grams = _heading_grams(heading, common)
    if len(grams) < 2:
        return 0.0
    return len(grams & question_grams) / len(grams)


@lru_cache(maxsize=4096)
def _heading_grams(heading: str, common: frozenset[str]) -> frozenset[str]:
    return frozenset(bigrams(heading) - common)


def common_heading_bigrams(snapshot: Snapshot) -> frozenset[str]:
    """Bigrams in more than a tenth of the headings: generic words of this corpus, computed, not listed."""
    counts: dict[str, int] = {}
    headings = {c.heading for c in snapshot.clauses if c.heading}
    for heading in headings:
        for gram in bigrams(heading):
            counts[gram] = counts.get(gram, 0) + 1
    return frozenset(g for g, n in counts.items() if n > max(2, len(headings) // COMMON_HEADING_SHARE))


def place_coverage(analysis: Analysis, documents: dict[str, DocumentMeta]) -> list[PlaceCoverage]:
    """For each place named: whether a document of it is indexed, and the nearest place with one."""
    gazetteer = load_gazetteer()
    doc_places = {d.place.code for d in documents.values() if d.place is not None and d.place.level > 0}
    out = []
    for place in analysis.places:
        covering = next((p for p in gazetteer.lineage(place.code) if p.level > 0 and p.code in doc_places), None)
        out.append(PlaceCoverage(place, own=place.code in doc_places, covering=covering))
    return out


def set_places(analysis: Analysis, documents: dict[str, DocumentMeta]) -> None:
    """Fill the analysis's coverage and its jurisdiction view from the indexed documents."""
    analysis.coverage = place_coverage(analysis, documents)
    covering = {c.covering.code for c in analysis.coverage if c.covering is not None}
    wanted = {d.jurisdiction for d in documents.values() if d.place is not None and d.place.code in covering}
    analysis.other_places = [c.place.label for c in analysis.coverage if not c.covered]
    if analysis.national or (analysis.other_places and not wanted):
        wanted.add("national")  # no local document: the national provisions apply everywhere
    analysis.jurisdictions = wanted


def place_factor(doc: DocumentMeta, analysis: Analysis, w: FusionWeights) -> float:
    """How much a document's place fits the places asked about (1.0: no opinion)."""
    place = doc.place
    named = [c.place for c in analysis.coverage] or analysis.places
    if place is None:
        return 1.0
    if place.level == 0:
        return w.place_named if analysis.national else 1.0  # national documents apply everywhere
    if any(p.code == place.code for p in named):
        return w.place_named
    gazetteer = load_gazetteer()
    if any(gazetteer.within(place.code, p.code) or gazetteer.within(p.code, place.code) for p in named):
        return w.place_related  # a city inside the province asked about, or the province of the city
    if named or analysis.national:
        return w.place_other  # another place's document: still eligible, ranked lower
    return 1.0


def fuse(table: ScoreTable, analysis: Analysis, snapshot: Snapshot, w: FusionWeights = WEIGHTS,
         limit: int | None = None, also: np.ndarray | None = None, *, grams: set[str]) -> list[Hit]:
    """Normalised sides combined with weights ``w``, then the place and named-document factors;
    the best ``limit`` hits (all when None), best first, then the best :data:`ALSO_OF_KIND`
    clauses of the ``also`` mask that missed the limit. ``grams`` are the pairs headings are
    matched against (:func:`question_grams`). Computed over arrays: a library of
    hundreds of documents has thousands of clauses, and only the best few become hits."""
    clauses = snapshot.clauses
    if not clauses:
        return []

    def normalised(x: np.ndarray) -> np.ndarray:
        """Min-max over the clauses that have a score; 0 for those that have none."""
        have = ~np.isnan(x)
        if not have.any():
            return np.zeros_like(x)
        lo, hi = float(x[have].min()), float(x[have].max())
        return np.where(have, (np.nan_to_num(x, nan=lo) - lo) / ((hi - lo) or 1.0), 0.0)

    score = w.dense * normalised(table.dense) + w.sentence * normalised(table.sentence)
    score = score + w.words * table.words / (float(table.words.max()) or 1.0)
    score = score + w.ngrams * table.ngrams / (float(table.ngrams.max()) or 1.0)
    if w.heading:
        score = score + w.heading * _heading_scores(snapshot, grams)
    named = set(analysis.documents)  # the documents the question names or refers to (retrieve fills it)
    docs = [snapshot.documents.get(d) or DocumentMeta(doc_id=d, title=d) for d in snapshot.doc_order]
    factors = np.array([_document_factor(doc, analysis, w, named) for doc in docs])
    score = score * factors[snapshot.doc_index]
    ranked = np.argsort(-score, kind="stable")
    order = ranked[: limit if limit is not None else len(clauses)]
    if also is not None and limit is not None:
        rest = ranked[limit:]
        order = np.concatenate([order, rest[also[rest]][:ALSO_OF_KIND]])
    return [Hit(clauses[i], docs[snapshot.doc_index[i]], float(score[i]),
                0.0 if np.isnan(table.dense[i]) else float(table.dense[i]), float(table.words[i]))
            for i in order.tolist()]


def _document_factor(doc: DocumentMeta, analysis: Analysis, w: FusionWeights, named: set[str]) -> float:
    factor = place_factor(doc, analysis, w)
    if doc.doc_id in named:
        return factor * w.named_document
    if doc.superseded_by:
        return factor * w.superseded
    return factor


def _heading_scores(snapshot: Snapshot, question_grams: set[str]) -> np.ndarray:
    """:func:`heading_match` for every clause, computed once per distinct heading."""
    headings, index, lent = _distinct_headings(snapshot)
    common = snapshot_common(snapshot)
    per_heading = np.array([heading_match_text(question_grams, h, common) for h in headings] or [0.0])
    # a list's lent heading (knowledge.kindred) counts as its own does
    return np.maximum(per_heading[index], per_heading[lent])


_KIND_CACHE: dict[tuple[int, str], np.ndarray] = {}


def kind_mask(snapshot: Snapshot, kind: re.Pattern[str]) -> np.ndarray:
    """Which clauses give an answer of ``kind`` (a date, a figure, taxes by name), once per snapshot:
    in their text, or as their whole heading (a column's section headed "山东" names a province)."""
    key = (id(snapshot), kind.pattern)
    if key not in _KIND_CACHE:
        if len(_KIND_CACHE) > 32:
            _KIND_CACHE.clear()
        _KIND_CACHE[key] = np.array([kind.search(c.text) is not None or (bool(c.heading) and kind.fullmatch(c.heading) is not None)
                                     for c in snapshot.clauses], dtype=bool)
    return _KIND_CACHE[key]


_COMMON_CACHE: dict[int, frozenset[str]] = {}
_HEADINGS_CACHE: dict[int, tuple[list[str], np.ndarray, np.ndarray]] = {}


def _distinct_headings(snapshot: Snapshot) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The snapshot's distinct headings and, per clause, the position of its own and of its lent one
    (its own again where none was lent), once per snapshot."""
    key = id(snapshot)
    if key not in _HEADINGS_CACHE:
        if len(_HEADINGS_CACHE) > 8:
            _HEADINGS_CACHE.clear()
        position: dict[str, int] = {}
        index = np.array([position.setdefault(c.heading, len(position)) for c in snapshot.clauses], dtype=np.intp)
        lent = np.array([position.setdefault(c.kindred_heading, len(position)) if c.kindred_heading else index[i]
                         for i, c in enumerate(snapshot.clauses)], dtype=np.intp)
        _HEADINGS_CACHE[key] = (list(position), index, lent)
    return _HEADINGS_CACHE[key]


def snapshot_common(snapshot: Snapshot) -> frozenset[str]:
    """:func:`common_heading_bigrams`, once per snapshot."""
    key = id(snapshot)
    if key not in _COMMON_CACHE:
        if len(_COMMON_CACHE) > 8:
            _COMMON_CACHE.clear()
        _COMMON_CACHE[key] = common_heading_bigrams(snapshot)
    return _COMMON_CACHE[key]


def query_texts(analysis: Analysis, snapshot: Snapshot) -> tuple[str, str]:
    """What the dense and the keyword sides are asked with: English words the glossary lacks join
    both as the documents' words they mean (CC-CEDICT, read backwards), as the glossary's terms
    do. The fit of the weights (bench/tune_retrieval.py) asks with the same texts."""
    keyword_text = analysis.keyword_text or analysis.retrieval_text
    translated = english_terms(keyword_text, snapshot.keyword.vocab)
    return " ".join([analysis.retrieval_text, *translated]), " ".join([keyword_text, *translated])


def retrieve(
    snapshot: Snapshot, embeddings: Embeddings, analysis: Analysis, limit: int = CANDIDATES,
    *, query_vector: list[float] | None = None, weights: FusionWeights | None = None,
    question_vector: list[float] | None = None,
) -> Retrieval:
    """Score every clause by a convex combination of normalised dense, word and n-gram scores.

    A rank-only fusion (RRF) drowns a clause that only the keyword side finds but finds very
    strongly (the one clause naming 企业所得税); normalised scores keep that evidence.
    ``query_vector`` is the embedding of ``analysis.retrieval_text`` when the caller has it, and
    ``question_vector`` that of the question as asked (kept for the classifiers that read it);
    ``weights`` are the fitted ones for the language the question is written in unless a fit (bench/tune_retrieval.py)
    tries others.
    """
    if weights is None:  # by the language the question is written in, not the one the answer is framed in
        weights = weights_for(analysis.language)
    set_places(analysis, snapshot.documents)
    mentions = document_mentions(analysis.question, snapshot.documents)
    analysis.documents = documents_meant(analysis, snapshot.documents, mentions)
    dense_text, keyword_text = query_texts(analysis, snapshot)
    if dense_text.strip() != analysis.retrieval_text.strip():
        query_vector = None  # the caller's vector is of the text without the translations
    qvec = query_vector if query_vector is not None else embeddings.embed_query(dense_text)
    table = snapshot.score_table(qvec, keyword_text)
    kind = analysis.kind
    hits = fuse(table, analysis, snapshot, weights, limit, kind_mask(snapshot, kind) if kind is not None else None,
                grams=question_grams(analysis, dense_text))
    have_dense = ~np.isnan(table.dense)
    parts = analysis.parts if len(analysis.parts) > 1 else []
    return Retrieval(
        part_vectors=[list(embeddings.embed_query(p)) for p in parts],
        hits=hits,
        best_dense=float(table.dense[have_dense].max()) if have_dense.any() else 0.0,
        best_keyword=float(table.words.max()) if len(table.words) else 0.0,
        # one-character words too ("修"): weighed by their character, as words the documents lack are
        query_tokens=[*tokenize(keyword_text), *lone_characters(keyword_text)],
        question_tokens=set(tokenize(analysis.question)),
        documents=snapshot.documents,
        query_vector=list(qvec),
        question_vector=list(question_vector) if question_vector is not None else list(qvec),
        snapshot=snapshot,
        # and the year of a document the question names, where it gives it ("the 2022 eight-ministry plan")
        document_names=[name for name, _ in mentions] + sorted(
            {year for d in analysis.documents if (year := dated_year(snapshot.documents[d])) and year in analysis.question}),
    )
