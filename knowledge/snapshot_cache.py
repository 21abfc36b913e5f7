"""A copy of the active index's snapshot beside an embedded Chroma database, for fresh processes.

Why. A cold ``redmud ask`` spent about 1.4 s of its 3 s importing chromadb and opening the
database, only to read the active collection once into a :class:`Snapshot` (answering never
reads Chroma again: the snapshot holds the clauses, their vectors and their tokens). So whoever
reads the index from Chroma (a build, a repair, the first question after one) also writes the
snapshot to ``<index dir>/snapshot-cache.npz``, and the next process loads that instead, without
importing chromadb. Only the embedded (path) mode has one: a Chroma server's files are not ours.

Validity. The copy is stamped with the database file as it was when the snapshot was read from
it: size, modification time and SQLite's file change counter (header bytes 24-27, which every
committed write increments in the rollback-journal mode Chroma uses; a ``-wal`` file, were there
one, is stamped too). Every write to the database changes the stamp: a rebuild, here or in
another process, and even opening a client (Chroma commits on open). So a copy is used only
while nothing has been written since it was made, whoever wrote and however fast; otherwise the
index is read from Chroma and the copy made again. The copy is written only when the stamp did
not move while the snapshot was read (:func:`write`'s ``stamp`` is taken before reading, and
compared after), and atomically (a temporary file, then ``os.replace``). A copy that cannot be
read, from another format or another tokenizer (:data:`~knowledge.keyword.TOKENIZER_ID`), is
ignored and replaced by the next reader.

Format. One ``.npz`` (no pickles): the clause and sentence vectors as float32 arrays, and the
rest (stamp, collection name, documents, clauses, tokens, sentence texts) as one UTF-8 JSON.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.keyword import TOKENIZER_ID
from knowledge.models import Clause, DocumentMeta
from knowledge.snapshot import Snapshot

logger = logging.getLogger(__name__)

CACHE_NAME = "snapshot-cache.npz"
DATABASE = "chroma.sqlite3"
# bump when what the file holds, or what a Snapshot is made of, changes meaning: older copies are ignored
FORMAT = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"

Stamp = list[Any]


def database_stamp(index_dir: Path) -> Stamp | None:
    """The state of the Chroma database in ``index_dir`` (see the module docstring), or None when
    there is none or a write is under way (a rollback journal beside it): nothing to trust then."""
    db = index_dir / DATABASE
    journal = index_dir / f"{DATABASE}-journal"
    try:
        if journal.exists():
            return None
        with open(db, "rb") as f:
            header = f.read(100)
            st = os.fstat(f.fileno())
        stamp: Stamp = [st.st_size, st.st_mtime_ns, header[24:28].hex()]
        wal = index_dir / f"{DATABASE}-wal"
        if wal.exists():
            ws = wal.stat()
            stamp += ["wal", ws.st_size, ws.st_mtime_ns]
        if journal.exists():
            return None
    except OSError:
        return None
    return stamp if header.startswith(_SQLITE_MAGIC) else None


def write(index_dir: Path, snapshot: Snapshot, stamp: Stamp | None) -> bool:
    """Save ``snapshot``, read from the database in ``index_dir`` while it was in state ``stamp``
    (taken before reading). Nothing is written when the database has changed since (the snapshot
    may be older than it) or cannot be stamped; False then, or when writing fails."""
    sentences = snapshot.sentence_vectors()  # reads them from the index now, if it has not yet
    if stamp is None or database_stamp(index_dir) != stamp:
        logger.debug("the index changed while it was read: no snapshot cache written")
        return False
    texts = list(sentences)
    dim = snapshot.vectors.shape[1]
    meta = {
        "format": FORMAT,
        "tokenizer": TOKENIZER_ID,
        "stamp": stamp,
        "collection": snapshot.collection_name,
        "built_at": snapshot.built_at,
        "documents": [d.model_dump(mode="json") for d in snapshot.documents.values()],
        "clauses": [c.model_dump(mode="json") for c in snapshot.clauses],
        "words": snapshot.words,
        "sentences": texts,
    }
    blob = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    matrix = np.stack([sentences[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)
    target = index_dir / CACHE_NAME
    temp = index_dir / f".{CACHE_NAME}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temp, "wb") as f:
            np.savez(f, meta=blob, vectors=snapshot.vectors.astype(np.float32),
                     sentence_vectors=matrix.astype(np.float32))
        os.replace(temp, target)
    except OSError as exc:  # a full disk or a read-only index: the next process reads Chroma, as before
        logger.info("could not write the snapshot cache at %s (%s)", target, exc)
        temp.unlink(missing_ok=True)
        return False
    _drop_leftovers(index_dir)
    return True


def _drop_leftovers(index_dir: Path, older_than_s: float = 600.0) -> None:
    """Temporary files of writers that were killed half-way (a live writer's is minutes younger)."""
    for leftover in index_dir.glob(f".{CACHE_NAME}.*.tmp"):
        try:
            if time.time() - leftover.stat().st_mtime > older_than_s:
                leftover.unlink()
        except OSError:
            pass


def read(index_dir: Path, embeddings: Embeddings | None = None) -> tuple[Snapshot, Stamp] | None:
    """The snapshot saved in ``index_dir`` and the database stamp it is valid for, if the database
    is still in that state; else None (no copy, an outdated one, or one that cannot be read)."""
    path = index_dir / CACHE_NAME
    if not path.is_file():
        return None
    stamp = database_stamp(index_dir)
    if stamp is None:
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            meta = json.loads(saved["meta"].tobytes().decode("utf-8"))
            if meta.get("format") != FORMAT or meta.get("tokenizer") != TOKENIZER_ID:
                logger.info("the snapshot cache at %s is from another version; reading the index", path)
                return None
            if meta.get("stamp") != stamp:
                logger.debug("the index changed since the snapshot cache was written; reading the index")
                return None
            vectors = saved["vectors"]
            matrix = saved["sentence_vectors"]
        texts = meta["sentences"]
        if len(texts) != len(matrix) or not meta["clauses"] or len(meta["clauses"]) != len(vectors):
            raise ValueError(f"{len(meta['clauses'])} clauses with {len(vectors)} vectors, "
                             f"{len(texts)} sentences with {len(matrix)}")
        sentences = dict(zip(texts, matrix, strict=True))
        snapshot = Snapshot(
            str(meta["collection"]),
            [Clause.model_validate(c) for c in meta["clauses"]],
            {d["doc_id"]: DocumentMeta.model_validate(d) for d in meta["documents"]},
            str(meta["built_at"]),
            vectors,
            lambda: sentences,
            embeddings,
            meta["words"],
        )
    except Exception as exc:  # damaged, truncated, hand-edited: ignored, and written again by whoever reads Chroma
        logger.info("ignoring an unreadable snapshot cache at %s (%s: %s)", path, type(exc).__name__, exc)
        return None
    return snapshot, stamp
