"""The clause index: dense vectors in Chroma, BM25 in memory, swapped atomically.

Every build writes a fresh Chroma collection and only then points the ``active`` record at
it, so a build that fails or is killed half-way leaves the previous index serving; stale
collections are dropped by the next build. Ids are clause ids and each record carries a
content hash: an unchanged corpus is not rebuilt.

What is embedded are segments (:mod:`knowledge.vectors`): each clause's context line and
sentences, each distinct text once, stored in a second collection beside the first by its
text. A clause's vector is pooled from its segments'; the sentence vectors let a composer choose
what to quote by meaning; the next build reuses every vector whose text it meets again. The
same code runs against an embedded ``PersistentClient`` or a shared Chroma server.
Callers ask the snapshot for scores
(:meth:`Snapshot.score_clauses`, :meth:`Snapshot.sentence_scores`), never for Chroma's shapes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.corpus import SourceDocument
from knowledge.keyword import TOKENIZER_ID, tokenize
from knowledge.kindred import lend_headings
from knowledge.models import Clause, DocumentMeta
from knowledge.records import from_record, to_record
from knowledge.snapshot import ClauseScores, ScoreTable, Snapshot
from knowledge.vectors import (
    embed_missing,
    missing_texts,
    passage_of,
    pooled,
    segments_of,
    sentences_of,
    text_id,
)

__all__ = ["BuildReport", "ClauseScores", "ScoreTable", "ClauseStore", "IndexCorrupt", "IndexMissing", "IndexUnavailable",
           "Snapshot", "open_client", "passage_of", "sentences_of"]

logger = logging.getLogger(__name__)

META_COLLECTION = "redmud-meta"
CLAUSE_PREFIX = "redmud-clauses-"
SENTENCE_PREFIX = "redmud-sentences-"
ACTIVE_ID = "active"


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable; the caller may rebuild it."""


class IndexMissing(IndexUnavailable):
    pass


class IndexCorrupt(IndexUnavailable):
    pass


_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}
_WRITE_MESSAGES = ("database or disk is full", "readonly database", "read-only file system", "file too large",
                   "no space left", "disk quota", "permission denied", "unable to open database file",
                   "disk i/o error")


def is_write_failure(exc: BaseException | None) -> bool:
    """Whether a failure comes from not being able to write (full disk, read-only files): that
    says nothing about the index being damaged, so it must never be "repaired" by moving it aside."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
            return True
        if any(m in str(exc).lower() for m in _WRITE_MESSAGES):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


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


class ClauseStore:
    """Builds and loads clause indexes in one Chroma database (embedded or server)."""

    def __init__(self, client: Any, embeddings: Embeddings) -> None:
        self.client = client
        self.embeddings = embeddings

    # --- reading ---------------------------------------------------------------------------
    def _meta(self) -> Any:
        return self.client.get_or_create_collection(META_COLLECTION, embedding_function=None)

    def active_record(self) -> dict[str, Any] | None:
        return self._read_record()

    def active_name(self) -> str | None:
        record = self.active_record()
        return str(record["collection"]) if record else None

    def _read_record(self) -> dict[str, Any] | None:
        """The active record, read without creating anything (a reader must not need to write)."""
        try:
            meta = self.client.get_collection(META_COLLECTION, embedding_function=None)
        except Exception as exc:
            if _is_not_found(exc):
                return None
            raise
        got = meta.get(ids=[ACTIVE_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return dict(metas[0]) if metas and metas[0] else None

    def load(self, attempts: int = 5) -> Snapshot:
        """The active index. A pointer to a collection that a concurrent build has just replaced
        is not corruption: the pointer is read again and followed (a few times)."""
        last: Exception | None = None
        tried: set[str] = set()
        for _ in range(attempts):
            try:
                record = self._read_record()
            except Exception as exc:  # sqlite or server trouble: report it as a corrupt index
                raise IndexCorrupt(f"the index database could not be read ({type(exc).__name__}: {exc})") from exc
            if record is None:
                raise IndexMissing("no index has been built yet")
            name = str(record["collection"])
            if name in tried:  # the pointer did not move: the collection it names is really unreadable
                break
            tried.add(name)
            try:
                return self._load_collection(name, record)
            except IndexCorrupt as exc:
                last = exc
                if not _is_not_found(exc.__cause__):
                    break
                time.sleep(0.05)
        assert last is not None
        raise last

    def _load_collection(self, name: str, record: dict[str, Any]) -> Snapshot:
        try:
            collection = self.client.get_collection(name, embedding_function=None)
            got = collection.get(include=["documents", "metadatas", "embeddings"])
            records = [from_record(t, m) for t, m in zip(got["documents"], got["metadatas"], strict=True)]
            clauses = [c for c, _ in records]
            vectors = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(clauses), -1)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors /= np.where(norms > 0, norms, 1.0)  # cosine, as the collection's own search measured it
            documents = {d["doc_id"]: DocumentMeta.model_validate(d) for d in json.loads(record["documents"])}
        except Exception as exc:
            raise IndexCorrupt(f"the active index {name} is unreadable ({type(exc).__name__}: {exc})") from exc
        words = None
        if record.get("tokenizer") == TOKENIZER_ID:
            words = [(w or "").split() for _, w in records]
        if not clauses or int(record.get("clauses", -1)) != len(clauses):
            raise IndexCorrupt(f"the active index {name} is incomplete ({len(clauses)} clauses)")
        position = {doc_id: i for i, doc_id in enumerate(documents)}
        order = sorted(range(len(clauses)), key=lambda i: (position.get(clauses[i].doc_id, len(position)), clauses[i].order))
        clauses = [clauses[i] for i in order]
        words = [words[i] for i in order] if words is not None else None
        read_sentences = None
        if record.get("sentences"):
            try:
                read_sentences = _vectors_by_text(
                    self.client.get_collection(str(record["sentences"]), embedding_function=None))
            except Exception as exc:  # the quoting aid is lost, not the index: embed them on demand
                logger.warning("sentence vectors unreadable (%s); they will be recomputed", type(exc).__name__)
        return Snapshot(name, clauses, documents, str(record.get("built_at", "")), vectors[order],
                        read_sentences, self.embeddings, words)

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
        clauses = lend_headings([c for s in sources for c in s.clauses()])
        ids = [c.clause_id for c in clauses]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate clause ids: {dupes[:5]}")
        docs_json = json.dumps([m.model_dump(mode="json") for m in metas], ensure_ascii=False)
        fingerprint = _fingerprint(clauses, docs_json)

        record = self.active_record()
        if not force and record and record.get("fingerprint") == fingerprint and self._intact(record):
            return BuildReport(str(record["collection"]), len(metas), len(clauses), 0, True, time.perf_counter() - started)

        documents = {m.doc_id: m for m in metas}
        segments = [segments_of(c, documents) for c in clauses]
        known = self._known_vectors(record)
        wanted = [t for segs in segments for t in segs]
        todo = missing_texts(wanted, known)
        bar = _progress(len(todo), progress)

        def step(n: int) -> None:
            bar.update(n)
            if on_embedded:
                on_embedded(n)

        embedded = embed_missing(todo, known, self.embeddings, step)
        bar.close()
        words = self._words([passage_of(c, documents) for c in clauses], record)

        name = f"{CLAUSE_PREFIX}{time.time_ns()}"
        collection = self.client.create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        for start in range(0, len(clauses), 256):
            part = range(start, min(start + 256, len(clauses)))
            collection.add(
                ids=[clauses[i].clause_id for i in part],
                embeddings=[pooled(segments[i], known) for i in part],
                metadatas=[to_record(clauses[i], words[i]) for i in part],
            )
        if collection.count() != len(clauses):
            raise IndexCorrupt("the new index is incomplete; the previous one stays active")
        sentence_name = f"{SENTENCE_PREFIX}{name.removeprefix(CLAUSE_PREFIX)}"
        self._store_segments(sentence_name, dict.fromkeys(wanted), known)
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
                "tokenizer": TOKENIZER_ID,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }],
        )
        keep = {name, sentence_name, *(str(record.get(k) or "") for k in ("collection", "sentences") if record)}
        self._drop_stale(keep=keep)
        return BuildReport(name, len(metas), len(clauses), embedded, False, time.perf_counter() - started)

    def _words(self, passages: list[str], record: dict[str, Any] | None) -> list[str]:
        """Each passage's jieba tokens (space-joined), reusing the active index's for a passage it
        already tokenized under the same tokenizer: segmenting is the slow part of loading."""
        previous: dict[str, str] = {}
        if record and record.get("tokenizer") == TOKENIZER_ID:
            try:
                got = self.client.get_collection(str(record["collection"]), embedding_function=None).get(
                    include=["documents", "metadatas"])
                documents = {d["doc_id"]: DocumentMeta.model_validate(d) for d in json.loads(record["documents"])}
                records = [from_record(t, m) for t, m in zip(got["documents"], got["metadatas"], strict=True)]
                previous = {passage_of(c, documents): w for c, w in records if w is not None}
            except Exception as exc:
                logger.info("previous tokens not reusable (%s)", type(exc).__name__)
        return [previous[p] if p in previous else " ".join(tokenize(p)) for p in passages]

    def _intact(self, record: dict[str, Any]) -> bool:
        """Whether the active record's collection is there, whole (else an unchanged corpus is rebuilt)."""
        try:
            count = self.client.get_collection(str(record["collection"]), embedding_function=None).count()
        except Exception as exc:
            logger.info("active index unreadable (%s); rebuilding", type(exc).__name__)
            return False
        return bool(count) and count == int(record.get("clauses", -1))

    def _store_segments(self, name: str, texts: dict[str, None], known: dict[str, np.ndarray]) -> None:
        """One row per distinct segment text, its id the text's hash: what the next build reuses
        and what the snapshot reads sentence vectors from."""
        collection = self.client.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        rows = list(texts)
        for start in range(0, len(rows), 1024):
            part = rows[start : start + 1024]
            collection.add(ids=[text_id(t) for t in part], embeddings=[known[t].tolist() for t in part], documents=part)

    def _known_vectors(self, record: dict[str, Any] | None) -> dict[str, np.ndarray]:
        """The active index's segment vectors by text, to skip embedding them again."""
        if not record or not record.get("sentences"):
            return {}
        try:
            got = self.client.get_collection(str(record["sentences"]), embedding_function=None).get(
                include=["documents", "embeddings"])
            return {t: np.asarray(e, dtype=np.float32) for t, e in zip(got["documents"], got["embeddings"], strict=True)}
        except Exception as exc:
            logger.info("previous vectors not reusable (%s); embedding everything", type(exc).__name__)
            return {}

    def _drop_stale(self, keep: set[str]) -> None:
        for col in self.client.list_collections():
            name = col if isinstance(col, str) else col.name
            if name.startswith((CLAUSE_PREFIX, SENTENCE_PREFIX)) and name not in keep:
                try:
                    self.client.delete_collection(name)
                except Exception as exc:  # another process may be dropping it too
                    logger.debug("could not drop %s: %s", name, exc)


def _vectors_by_text(collection: Any) -> Callable[[], dict[str, np.ndarray]]:
    """A reader of a segment collection's vectors by text (:meth:`ClauseStore._store_segments`),
    for the snapshot to call when it first scores sentences."""

    def read() -> dict[str, np.ndarray]:
        got = collection.get(include=["documents", "embeddings"])
        return {t: np.asarray(v, dtype=np.float32) for t, v in zip(got["documents"], got["embeddings"], strict=True)}

    return read


def _is_not_found(exc: BaseException | None) -> bool:
    """chromadb's "collection does not exist" (NotFoundError, or a ValueError in older versions)."""
    return exc is not None and (type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc))


# bump when what is indexed changes (passage format, sentence split): the next build re-embeds
INDEX_FORMAT = "pooled-segments-5"  # 4: a passage ends with its responsible units; 5: lent headings


def _fingerprint(clauses: list[Clause], docs_json: str) -> str:
    h = hashlib.sha256((INDEX_FORMAT + docs_json).encode())
    for c in clauses:
        h.update(f"{c.clause_id}:{c.content_hash}:{c.kindred_heading}\n".encode())
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
