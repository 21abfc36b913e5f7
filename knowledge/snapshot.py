"""One built index as answering sees it: clauses, documents, and scores for a query.

The store (:mod:`knowledge.index`) builds and loads it; callers ask it for scored clauses
(:meth:`Snapshot.score_clauses`: dense, word and character n-gram BM25, best-sentence
similarity) and for per-sentence similarity (:meth:`Snapshot.sentence_scores`), never for
Chroma's result shapes. Sentence vectors are read from the index once, on first use.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.keyword import KeywordIndex, char_ngrams, tokenize
from knowledge.models import Clause, DocumentMeta
from knowledge.parser import split_sentences

logger = logging.getLogger(__name__)


@dataclass
class ClauseScores:
    """One clause's evidence for a query, each side raw (the caller normalises and fuses)."""

    clause: Clause
    dense: float | None  # cosine similarity; None when not among the nearest the index returned
    words: float  # BM25 over jieba words
    ngrams: float  # BM25 over character 1-2-grams
    sentence: float | None = None  # cosine of the clause's best-matching sentence (None: no sentences)


def passage_of(clause: Clause, documents: dict[str, DocumentMeta]) -> str:
    """The contextual passage of a clause: its document's place, titles and section path, then its text."""
    meta = documents.get(clause.doc_id)
    if meta is None:
        return clause.passage()
    names = [meta.jurisdiction_label, meta.title, meta.short_title or ""]
    context = " ".join(n for i, n in enumerate(names) if n and not any(n in m for m in names[i + 1:] if m))
    return clause.passage(context)


def sentences_of(clause: Clause) -> list[str]:
    """The sentences a composer may quote: those of the clause's own words (a Q&A's answer)."""
    return split_sentences(clause.body)


@dataclass
class Snapshot:
    """An immutable view of one built index; answering holds one while a rebuild swaps in another."""

    collection_name: str
    collection: Any
    clauses: list[Clause]
    documents: dict[str, DocumentMeta]
    built_at: str
    sentence_collection: Any = None  # None for an index built before sentences were embedded
    embeddings: Embeddings | None = None  # only to embed sentences such an older index lacks
    keyword: KeywordIndex = field(init=False)  # jieba words
    ngrams: KeywordIndex = field(init=False)  # character n-grams
    by_id: dict[str, Clause] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {c.clause_id: c for c in self.clauses}
        passages = [passage_of(c, self.documents) for c in self.clauses]
        self.keyword = KeywordIndex(passages)
        self.ngrams = KeywordIndex(passages, char_ngrams)
        self._sentences: dict[str, tuple[list[str], np.ndarray]] | None = None
        self._sentence_lock = threading.Lock()
        self._counts = Counter(c.doc_id for c in self.clauses)  # one pass, not one per document listed

    def clause_count(self, doc_id: str) -> int:
        return self._counts.get(doc_id, 0)

    # --- scoring ---------------------------------------------------------------------------
    def score_clauses(self, query_vector: Sequence[float], keyword_text: str, nearest: int = 200) -> list[ClauseScores]:
        """Every clause's dense and keyword scores for a query, in ``clauses`` order.

        ``nearest`` bounds the dense search (all clauses of a small library; for hundreds of
        documents, a clause outside the 200 nearest has no dense score, its keyword and
        sentence scores still count). 200 is eight times the candidates retrieval keeps.
        """
        n = min(nearest, len(self.clauses))
        dense: dict[str, float] = {}
        if n:
            res = self.collection.query(query_embeddings=[list(query_vector)], n_results=n, include=["distances"])
            dense = {cid: 1.0 - float(d) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)}
        words = self.keyword.scores(tokenize(keyword_text))
        grams = self.ngrams.scores(char_ngrams(keyword_text))
        best = self._best_sentences(query_vector)
        return [
            ClauseScores(c, dense.get(c.clause_id), float(words[i]), float(grams[i]), best.get(c.clause_id))
            for i, c in enumerate(self.clauses)
        ]

    def _best_sentences(self, query_vector: Sequence[float]) -> dict[str, float]:
        """Per clause, the cosine of its sentence closest to the query: one apt sentence in a
        long clause is evidence the clause's average vector blurs."""
        q = np.asarray(query_vector, dtype=np.float32)
        return {cid: float((m @ q).max()) for cid, (_, m) in self._sentence_table().items() if len(m)}

    def sentence_scores(self, clause_id: str, query_vector: Sequence[float]) -> list[tuple[str, float]]:
        """The clause's sentences (:func:`sentences_of`, in order) with their cosine similarity to the query."""
        table = self._sentence_table()
        sentences, matrix = table.get(clause_id, ([], np.zeros((0, 0), dtype=np.float32)))
        if not sentences:
            return []
        sims = matrix @ np.asarray(query_vector, dtype=np.float32)
        return [(s, float(v)) for s, v in zip(sentences, sims, strict=True)]

    def _sentence_table(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Sentence vectors by clause id, read from the index once (embedded here only for an older index)."""
        if self._sentences is not None:
            return self._sentences
        with self._sentence_lock:
            if self._sentences is None:
                self._sentences = self._read_sentences()
        return self._sentences

    def _read_sentences(self) -> dict[str, tuple[list[str], np.ndarray]]:
        rows: dict[str, list[tuple[int, str, list[float]]]] = {}
        if self.sentence_collection is not None:
            got = self.sentence_collection.get(include=["documents", "metadatas", "embeddings"])
            for text, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"], strict=True):
                rows.setdefault(str(meta["clause_id"]), []).append((int(meta["i"]), text, vec))
        elif self.embeddings is not None:
            logger.info("this index has no sentence vectors: embedding them now (rebuild to store them)")
            for clause in self.clauses:
                sents = sentences_of(clause)
                vecs = self.embeddings.embed_documents(sents) if sents else []
                rows[clause.clause_id] = [(i, s, v) for i, (s, v) in enumerate(zip(sents, vecs, strict=True))]
        table = {}
        for cid, items in rows.items():
            items.sort(key=lambda r: r[0])
            table[cid] = ([t for _, t, _ in items], np.asarray([v for _, _, v in items], dtype=np.float32))
        return table
