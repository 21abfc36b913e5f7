"""The clause index: dense vectors in Chroma, BM25 in memory, swapped atomically.

Every build writes a fresh Chroma collection and only then points the ``active`` record at
it, so a build that fails or is killed half-way leaves the previous index serving; stale
collections are dropped by the next build. Ids are clause ids and each record carries a
content hash: an unchanged corpus is not rebuilt, and unchanged clauses reuse their vectors.
The same code runs against an embedded ``PersistentClient`` or a shared Chroma server.

Each clause's sentences are embedded too (a second collection, built beside the first), so
that a composer can choose what to quote by meaning; they are keyed by the clause's content
hash and reused like clause vectors. Callers ask the snapshot for scores
(:meth:`Snapshot.score_clauses`, :meth:`Snapshot.sentence_scores`), never for Chroma's shapes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.corpus import SourceDocument
from knowledge.keyword import KeywordIndex, char_ngrams, tokenize
from knowledge.models import Clause, DocumentMeta
from knowledge.parser import split_sentences

logger = logging.getLogger(__name__)

META_COLLECTION = "redmud-meta"
CLAUSE_PREFIX = "redmud-clauses-"
SENTENCE_PREFIX = "redmud-sentences-"
ACTIVE_ID = "active"
BATCH = 32


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable; the caller may rebuild it."""


class IndexMissing(IndexUnavailable):
    pass


class IndexCorrupt(IndexUnavailable):
    pass


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

    def clause_count(self, doc_id: str) -> int:
        return sum(1 for c in self.clauses if c.doc_id == doc_id)

    # --- scoring ---------------------------------------------------------------------------
    def score_clauses(self, query_vector: Sequence[float], keyword_text: str, nearest: int = 200) -> list[ClauseScores]:
        """Every clause's dense and keyword scores for a query, in ``clauses`` order."""
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


@dataclass
class BuildReport:
    collection_name: str
    documents: int
    clauses: int
    embedded: int  # new vectors computed (the rest were reused)
    skipped: bool  # the index was already up to date
    seconds: float


def open_client(path: Path | None = None, host: str | None = None, port: int = 8000) -> Any:
    """A Chroma client with telemetry off: a server when ``host`` is given, else embedded at ``path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    if path is None:
        raise ValueError("a path or a host is needed")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _clause_metadata(clause: Clause) -> dict[str, Any]:
    return {
        "doc_id": clause.doc_id,
        "section": clause.section,
        "section_path": json.dumps(clause.section_path, ensure_ascii=False),
        "section_keys": json.dumps(clause.section_keys, ensure_ascii=False),
        "units": json.dumps(clause.responsible_units, ensure_ascii=False),
        "kind": clause.kind,
        "order": clause.order,
        "piece": clause.piece,
        "ordinal": clause.ordinal,
        "hash": clause.content_hash,
        "heading": clause.heading,
        "question": clause.question,
        "answer": clause.answer,
    }


def _clause_from_record(text: str, meta: dict[str, Any]) -> Clause:
    return Clause(
        doc_id=meta["doc_id"],
        section_path=json.loads(meta["section_path"]),
        section_keys=json.loads(meta["section_keys"]),
        text=text,
        responsible_units=json.loads(meta["units"]),
        kind=meta["kind"],
        order=int(meta["order"]),
        piece=int(meta["piece"]),
        ordinal=int(meta["ordinal"]),
        heading=str(meta.get("heading") or ""),
        question=str(meta.get("question") or ""),
        answer=str(meta.get("answer") or ""),
    )


class ClauseStore:
    """Builds and loads clause indexes in one Chroma database (embedded or server)."""

    def __init__(self, client: Any, embeddings: Embeddings) -> None:
        self.client = client
        self.embeddings = embeddings

    # --- reading ---------------------------------------------------------------------------
    def _meta(self) -> Any:
        return self.client.get_or_create_collection(META_COLLECTION, embedding_function=None)

    def active_record(self) -> dict[str, Any] | None:
        got = self._meta().get(ids=[ACTIVE_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return dict(metas[0]) if metas and metas[0] else None

    def active_name(self) -> str | None:
        record = self.active_record()
        return str(record["collection"]) if record else None

    def load(self) -> Snapshot:
        try:
            record = self.active_record()
        except Exception as exc:  # sqlite or server trouble: report it as a corrupt index
            raise IndexCorrupt(f"the index database could not be read ({type(exc).__name__})") from exc
        if record is None:
            raise IndexMissing("no index has been built yet")
        name = str(record["collection"])
        try:
            collection = self.client.get_collection(name, embedding_function=None)
            got = collection.get(include=["documents", "metadatas"])
            clauses = [_clause_from_record(t, m) for t, m in zip(got["documents"], got["metadatas"], strict=True)]
            documents = {d["doc_id"]: DocumentMeta.model_validate(d) for d in json.loads(record["documents"])}
        except Exception as exc:
            raise IndexCorrupt(f"the active index {name} is unreadable ({type(exc).__name__}: {exc})") from exc
        if not clauses or int(record.get("clauses", -1)) != len(clauses):
            raise IndexCorrupt(f"the active index {name} is incomplete ({len(clauses)} clauses)")
        clauses.sort(key=lambda c: (list(documents).index(c.doc_id) if c.doc_id in documents else 99, c.order))
        sentences = None
        if record.get("sentences"):
            try:
                sentences = self.client.get_collection(str(record["sentences"]), embedding_function=None)
            except Exception as exc:  # the quoting aid is lost, not the index: embed them on demand
                logger.warning("sentence vectors unreadable (%s); they will be recomputed", type(exc).__name__)
        return Snapshot(name, collection, clauses, documents, str(record.get("built_at", "")),
                        sentences, self.embeddings)

    # --- building --------------------------------------------------------------------------
    def build(
        self,
        sources: Sequence[SourceDocument],
        *,
        force: bool = False,
        progress: bool = False,
        on_embedded: Callable[[int], None] | None = None,
    ) -> BuildReport:
        started = time.perf_counter()
        metas = [s.meta for s in sources]
        clauses = [c for s in sources for c in s.clauses()]
        ids = [c.clause_id for c in clauses]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate clause ids: {dupes[:5]}")
        docs_json = json.dumps([m.model_dump(mode="json") for m in metas], ensure_ascii=False)
        fingerprint = _fingerprint(clauses, docs_json)

        previous = self._previous_vectors()
        record = self.active_record()
        if not force and record and record.get("fingerprint") == fingerprint and previous:
            return BuildReport(str(record["collection"]), len(metas), len(clauses), 0, True, time.perf_counter() - started)

        documents = {m.doc_id: m for m in metas}
        passages = [passage_of(c, documents) for c in clauses]
        vectors: list[list[float] | None] = [previous.get((c.clause_id, _hash(p))) for c, p in zip(clauses, passages, strict=True)]
        todo = [i for i, v in enumerate(vectors) if v is None]
        bar = _progress(len(todo), progress)
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            embedded = self.embeddings.embed_documents([passages[i] for i in chunk])
            for i, vec in zip(chunk, embedded, strict=True):
                vectors[i] = vec
            bar.update(len(chunk))
            if on_embedded:
                on_embedded(len(chunk))
        bar.close()

        name = f"{CLAUSE_PREFIX}{time.time_ns()}"
        collection = self.client.create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        for start in range(0, len(clauses), 256):
            part = clauses[start : start + 256]
            collection.add(
                ids=[c.clause_id for c in part],
                embeddings=[vectors[start + i] for i in range(len(part))],
                documents=[c.text for c in part],
                metadatas=[{**_clause_metadata(c), "phash": _hash(passages[start + i])} for i, c in enumerate(part)],
            )
        if collection.count() != len(clauses):
            raise IndexCorrupt("the new index is incomplete; the previous one stays active")
        sentence_name = self._build_sentences(clauses, name.removeprefix(CLAUSE_PREFIX), record)
        self._meta().upsert(
            ids=[ACTIVE_ID],
            embeddings=[[1.0]],
            documents=[name],
            metadatas=[{
                "collection": name,
                "previous": str(record["collection"]) if record else "",
                "sentences": sentence_name,
                "documents": docs_json,
                "clauses": len(clauses),
                "fingerprint": fingerprint,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }],
        )
        keep = {name, sentence_name, *(str(record.get(k) or "") for k in ("collection", "sentences") if record)}
        self._drop_stale(keep=keep)
        return BuildReport(name, len(metas), len(clauses), len(todo), False, time.perf_counter() - started)

    def _build_sentences(self, clauses: list[Clause], suffix: str, record: dict[str, Any] | None) -> str:
        """Embed every clause's sentences into a new collection (reusing an unchanged clause's); its name."""
        previous: dict[tuple[str, str], list[float]] = {}
        if record and record.get("sentences"):
            try:
                got = self.client.get_collection(str(record["sentences"]), embedding_function=None).get(
                    include=["documents", "metadatas", "embeddings"])
                previous = {(m["hash"], t): list(map(float, e))
                            for t, m, e in zip(got["documents"], got["metadatas"], got["embeddings"], strict=True)}
            except Exception as exc:
                logger.info("previous sentence vectors not reusable (%s)", type(exc).__name__)
        rows = [(c, i, s) for c in clauses for i, s in enumerate(sentences_of(c))]
        vectors = [previous.get((c.content_hash, s)) for c, _, s in rows]
        todo = [k for k, v in enumerate(vectors) if v is None]
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            for k, vec in zip(chunk, self.embeddings.embed_documents([rows[k][2] for k in chunk]), strict=True):
                vectors[k] = vec
        name = f"{SENTENCE_PREFIX}{suffix}"
        collection = self.client.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        for start in range(0, len(rows), 256):
            part = range(start, min(start + 256, len(rows)))
            collection.add(
                ids=[f"{rows[k][0].clause_id}~{rows[k][1]}" for k in part],
                embeddings=[vectors[k] for k in part],
                documents=[rows[k][2] for k in part],
                metadatas=[{"clause_id": rows[k][0].clause_id, "hash": rows[k][0].content_hash, "i": rows[k][1]} for k in part],
            )
        return name

    def _previous_vectors(self) -> dict[tuple[str, str], list[float]]:
        """Vectors of the active index by (clause id, passage hash), to skip re-embedding."""
        try:
            name = self.active_name()
            if not name:
                return {}
            got = self.client.get_collection(name, embedding_function=None).get(include=["embeddings", "metadatas"])
            return {
                (i, str(m.get("phash"))): list(map(float, e))
                for i, m, e in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True)
                if m.get("phash")
            }
        except Exception as exc:
            logger.info("previous index not reusable (%s); embedding everything", type(exc).__name__)
            return {}

    def _drop_stale(self, keep: set[str]) -> None:
        for col in self.client.list_collections():
            name = col if isinstance(col, str) else col.name
            if name.startswith((CLAUSE_PREFIX, SENTENCE_PREFIX)) and name not in keep:
                try:
                    self.client.delete_collection(name)
                except Exception as exc:  # another process may be dropping it too
                    logger.debug("could not drop %s: %s", name, exc)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# bump when what is embedded changes (passage format, sentence split): the next build re-embeds
INDEX_FORMAT = "contextual-passages+sentences-1"


def _fingerprint(clauses: list[Clause], docs_json: str) -> str:
    h = hashlib.sha256((INDEX_FORMAT + docs_json).encode())
    for c in clauses:
        h.update(f"{c.clause_id}:{c.content_hash}\n".encode())
    return h.hexdigest()[:24]


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding clauses", unit="clause")
