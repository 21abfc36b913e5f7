"""One built index as answering sees it: clauses, documents, and scores for a query.

The store (:mod:`knowledge.index`) builds and loads it; callers ask it for scored clauses
(:meth:`Snapshot.score_clauses`: dense, word and character n-gram BM25, best-sentence
similarity) and for per-sentence similarity (:meth:`Snapshot.sentence_scores`), never for
Chroma's result shapes. Sentence vectors are read from the index once, on first use.

A snapshot holds everything it scores: the clause vectors too (the dense side is one matrix
product, exact, over a few thousand clauses at most). So answering never reads Chroma, and a
snapshot can be saved beside an embedded index and loaded by a fresh process without importing
chromadb at all (:mod:`knowledge.snapshot_cache`).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.keyword import KeywordIndex, char_ngrams, tokenize
from knowledge.models import Clause, DocumentMeta, WholeKey
from knowledge.vectors import embed_missing, passage_of, sentences_of

logger = logging.getLogger(__name__)


@dataclass
class ClauseScores:
    """One clause's evidence for a query, each side raw (the caller normalises and fuses)."""

    clause: Clause
    dense: float | None  # cosine similarity; None when not among the nearest the index returned
    words: float  # BM25 over jieba words
    ngrams: float  # BM25 over character 1-2-grams
    sentence: float | None = None  # cosine of the clause's best-matching sentence (None: no sentences)


@dataclass
class ScoreTable:
    """Every clause's raw evidence for one query, as arrays in the snapshot's clause order."""

    dense: np.ndarray  # cosine similarity; NaN when not among the nearest the index returned
    words: np.ndarray  # BM25 over jieba words
    ngrams: np.ndarray  # BM25 over character 1-2-grams
    sentence: np.ndarray  # cosine of the clause's best-matching sentence; NaN: no sentences


@dataclass
class Snapshot:
    """An immutable view of one built index; answering holds one while a rebuild swaps in another."""

    collection_name: str
    clauses: list[Clause]
    documents: dict[str, DocumentMeta]
    built_at: str
    vectors: np.ndarray  # each clause's vector (L2-normalised), a row per clause in ``clauses`` order
    # the index's sentence vectors by text, called once on first use (None: an index built before
    # sentences were embedded; its sentences are embedded then)
    read_sentences: Callable[[], dict[str, np.ndarray]] | None = None
    embeddings: Embeddings | None = None  # only to embed sentences such an older index lacks
    words: list[list[str]] | None = None  # each clause's passage as jieba tokens, when the index kept them
    keyword: KeywordIndex = field(init=False)  # jieba words
    ngrams: KeywordIndex = field(init=False)  # character n-grams
    by_id: dict[str, Clause] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {c.clause_id: c for c in self.clauses}
        self.vectors = np.asarray(self.vectors, dtype=np.float32).reshape(len(self.clauses), -1)
        self._position = {cid: i for i, cid in enumerate(self.by_id)}
        # the ingest pieces of each long clause, in order: answering cites them as one clause (its
        # sentences are read across all of them, each piece's vectors under its own id)
        self._pieces: dict[WholeKey, list[str]] = {}
        for c in sorted(self.clauses, key=lambda c: c.piece):
            self._pieces.setdefault(c.whole_key, []).append(c.clause_id)
        self._stacked_positions = np.zeros(0, dtype=np.intp)
        self._stacked_texts: list[str] = []
        self._holding: dict[str, np.ndarray] = {}  # sentence positions by a word they hold (sentences_with)
        self._texts_array: np.ndarray | None = None
        passages = [passage_of(c, self.documents) for c in self.clauses]
        words = self.words if self.words is not None and len(self.words) == len(self.clauses) else None
        self.keyword = KeywordIndex(passages, tokens=words)
        self.ngrams = KeywordIndex(passages, char_ngrams)
        self._sentences: dict[str, tuple[list[str], np.ndarray]] | None = None
        # every clause's sentence vectors in one matrix (clause ids, matrix, each clause's first row):
        # the best sentence of every clause is then one product and one reduceat, not a loop
        self._stacked: tuple[list[str], np.ndarray, np.ndarray] = ([], np.zeros((0, 0), dtype=np.float32),
                                                                   np.zeros(0, dtype=np.intp))
        self._sentence_lock = threading.Lock()
        self._doc_df: dict[str, Counter[str]] | None = None
        self._counts = Counter(c.doc_id for c in self.clauses)  # one pass, not one per document listed
        # each clause's document as a position in doc_order: per-document factors apply as one gather
        self.doc_order = list(dict.fromkeys([*self.documents, *self._counts]))
        where = {d: i for i, d in enumerate(self.doc_order)}
        self.doc_index = np.array([where[c.doc_id] for c in self.clauses], dtype=np.intp)

    def clause_count(self, doc_id: str) -> int:
        return self._counts.get(doc_id, 0)

    def document_idf(self, token: str, doc_ids: Sequence[str]) -> float:
        """BM25's idf of a word among the clauses of ``doc_ids`` only: how rare it is in the documents
        a question names ("赤泥" is everywhere in the red-mud plans, rare in the eight-department one)."""
        if self._doc_df is None:
            tokens = self.words if self.words is not None and len(self.words) == len(self.clauses) else None
            table: dict[str, Counter[str]] = {}
            for i, c in enumerate(self.clauses):
                toks = tokens[i] if tokens is not None else tokenize(passage_of(c, self.documents))
                table.setdefault(c.doc_id, Counter()).update(set(toks))
            self._doc_df = table
        size = sum(self._counts.get(d, 0) for d in doc_ids)
        df = sum(self._doc_df.get(d, Counter()).get(token, 0) for d in doc_ids)
        return float(np.log(1.0 + (size - df + 0.5) / (df + 0.5)))

    # --- scoring ---------------------------------------------------------------------------
    def score_table(self, query_vector: Sequence[float], keyword_text: str, nearest: int = 200) -> ScoreTable:
        """Every clause's evidence for a query as arrays in ``clauses`` order (NaN: no score).

        Arrays, not one object per clause: a library of hundreds of documents has thousands of
        clauses, and a loop over them per question would cost more than the model does.
        ``nearest`` bounds the dense search (all clauses of a small library; for hundreds of
        documents, a clause outside the 200 nearest has no dense score, its keyword and
        sentence scores still count). 200 is eight times the candidates retrieval keeps.
        """
        size = len(self.clauses)
        dense = np.full(size, np.nan, dtype=np.float64)
        n = min(nearest, size)
        if n:
            q = np.asarray(query_vector, dtype=np.float32)
            norm = float(np.linalg.norm(q))
            sims = self.vectors @ (q / norm if norm > 0 else q)
            nearest_rows = np.argpartition(-sims, n - 1)[:n] if n < size else np.arange(size)
            dense[nearest_rows] = sims[nearest_rows]
        return ScoreTable(
            dense=dense,
            words=self.keyword.scores(tokenize(keyword_text)).astype(np.float64),
            ngrams=self.ngrams.scores(char_ngrams(keyword_text)).astype(np.float64),
            sentence=self._best_sentences(query_vector),
        )

    def score_clauses(self, query_vector: Sequence[float], keyword_text: str, nearest: int = 200) -> list[ClauseScores]:
        """:meth:`score_table`, one object per clause (for tools that read a few)."""
        t = self.score_table(query_vector, keyword_text, nearest)

        def opt(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return [ClauseScores(c, opt(t.dense[i]), float(t.words[i]), float(t.ngrams[i]), opt(t.sentence[i]))
                for i, c in enumerate(self.clauses)]

    def _best_sentences(self, query_vector: Sequence[float]) -> np.ndarray:
        """Per clause, the cosine of its sentence closest to the query (NaN: no sentences): one
        apt sentence in a long clause is evidence the clause's average vector blurs."""
        q = np.asarray(query_vector, dtype=np.float32)
        self._sentence_table()
        ids, stacked, starts = self._stacked
        best = np.full(len(self.clauses), np.nan, dtype=np.float64)
        if ids:
            best[self._stacked_positions] = np.maximum.reduceat(stacked @ q, starts)
        return best

    def sentence_cosines(self, query_vector: Sequence[float]) -> tuple[list[str], np.ndarray]:
        """Every sentence of the library with its cosine to the query (one product over the stacked
        sentence vectors)."""
        self._sentence_table()
        _, stacked, _ = self._stacked
        if not len(stacked):
            return [], np.zeros(0, dtype=np.float32)
        return self._stacked_texts, stacked @ np.asarray(query_vector, dtype=np.float32)

    def sentences_with(self, word: str) -> np.ndarray:
        """The positions (in :meth:`sentence_cosines` order) of the sentences that hold ``word``,
        found once per word and snapshot."""
        found = self._holding.get(word)
        if found is None:
            self._sentence_table()
            if self._texts_array is None:  # numpy's find loops in C: thousands of sentences per word at once
                self._texts_array = np.array(self._stacked_texts, dtype=str)
            found = np.flatnonzero(np.char.find(self._texts_array, word) >= 0).astype(np.intp)
            self._holding[word] = found
        return found

    def piece_ids(self, clause: Clause) -> list[str]:
        """The ids of the clause's ingest pieces (its own alone when it was not split), in order."""
        return self._pieces.get(clause.whole_key, [clause.clause_id])

    def sentence_scores(self, clause_id: str, query_vector: Sequence[float]) -> list[tuple[str, float]]:
        """The clause's sentences (:func:`sentences_of`, in order) with their cosine similarity to the query."""
        table = self._sentence_table()
        sentences, matrix = table.get(clause_id, ([], np.zeros((0, 0), dtype=np.float32)))
        if not sentences:
            return []
        sims = matrix @ np.asarray(query_vector, dtype=np.float32)
        return [(s, float(v)) for s, v in zip(sentences, sims, strict=True)]

    def sentence_vectors(self) -> dict[str, np.ndarray]:
        """Every sentence vector the snapshot scores with, by text (read from the index first if it
        has not been yet): what a saved copy of the snapshot (:mod:`knowledge.snapshot_cache`) keeps."""
        return {s: row for sents, matrix in self._sentence_table().values() for s, row in zip(sents, matrix, strict=True)}

    def _sentence_table(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Sentence vectors by clause id, read from the index once (embedded here only for an older index)."""
        if self._sentences is not None:
            return self._sentences
        with self._sentence_lock:
            if self._sentences is None:
                table = self._read_sentences()
                ids = [cid for cid, (_, m) in table.items() if len(m)]
                sizes = [len(table[cid][1]) for cid in ids]
                stacked = np.vstack([table[cid][1] for cid in ids]) if ids else np.zeros((0, 0), dtype=np.float32)
                self._stacked = (ids, stacked, np.cumsum([0, *sizes[:-1]]).astype(np.intp))
                self._stacked_positions = np.array([self._position[cid] for cid in ids], dtype=np.intp)
                self._stacked_texts = [s for cid in ids for s in table[cid][0]]
                self._sentences = table
        return self._sentences

    def _read_sentences(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Each clause's sentences with their vectors: the index stores one vector per distinct
        text (:mod:`knowledge.vectors`); a sentence it lacks (an index built before) is embedded."""
        known = dict(self.read_sentences()) if self.read_sentences is not None else {}
        per_clause = {c.clause_id: sentences_of(c) for c in self.clauses}
        if self.embeddings is not None:
            missing = embed_missing((s for sents in per_clause.values() for s in sents), known, self.embeddings)
            if missing:
                logger.info("embedded %d sentences the index lacked (rebuild to store them)", missing)
        dim = next(iter(known.values())).shape[0] if known else 0
        return {
            cid: (sents, np.stack([known[s] for s in sents]) if sents else np.zeros((0, dim), dtype=np.float32))
            for cid, sents in per_clause.items()
            if all(s in known for s in sents)
        }
