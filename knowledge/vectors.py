"""Clause vectors pooled from segment vectors: every distinct text is embedded once, ever.

Why. Embedding is nearly all of an ingest's time: e5 on the CPU costs about a millisecond per
character on one thread, so a library of hundreds of documents took the better part of an hour
when each clause's contextual passage was embedded whole and its sentences embedded again for
quoting (every character twice). Now a clause is cut into *segments*: its context (the document's
place and titles; its section path) and the sentences of its text. Each distinct segment is embedded
once and stored in the index by its text, so a later build, another document that repeats a
sentence, or a clause that changed in one sentence reuses every other vector. The clause's vector
is the length-weighted mean of its segments' vectors: the way the engine itself embeds a text
longer than its window (window means weighted by their token counts). On the dev split this gave
the same retrieval and correctness as whole-passage vectors (README, "Retrieval").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.models import Clause, DocumentMeta
from knowledge.parser import split_sentences

BATCH = 32  # texts per embedding call: bounds memory and gives the progress bar its steps, not results


def document_context(meta: DocumentMeta | None) -> str:
    """A document's place and titles, each named once."""
    if meta is None:
        return ""
    names = [meta.jurisdiction_label, meta.title, meta.short_title or ""]
    return " ".join(n for i, n in enumerate(names) if n and not any(n in m for m in names[i + 1:] if m))


def passage_of(clause: Clause, documents: dict[str, DocumentMeta]) -> str:
    """The contextual passage of a clause (what is keyword-indexed): its document's place and
    titles, its section path, then its text."""
    return clause.passage(document_context(documents.get(clause.doc_id)))


def sentences_of(clause: Clause) -> list[str]:
    """The sentences a composer may quote: those of the clause's own words (a Q&A's answer)."""
    return split_sentences(clause.body)


def segments_of(clause: Clause, documents: dict[str, DocumentMeta]) -> list[str]:
    """What is embedded for a clause: its context line in two parts (the document's place and
    titles, shared by all its clauses; the section path, shared by documents with the same
    outline), a Q&A's question, then the quotable sentences (so the sentence vectors quoting
    needs come with the clause's own)."""
    parts = [document_context(documents.get(clause.doc_id)), clause.context_path]
    if clause.question:
        parts += split_sentences(clause.question)
    parts += sentences_of(clause) or [clause.text]
    return [p for p in parts if p.strip()]


def text_id(text: str) -> str:
    """A segment's id in the index: its text's hash (the same text anywhere is one vector)."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def pooled(segments: Sequence[str], vectors: dict[str, np.ndarray]) -> list[float]:
    """The length-weighted, L2-normalised mean of the segments' vectors."""
    weights = np.array([len(s) for s in segments], dtype=np.float32)
    matrix = np.stack([vectors[s] for s in segments])
    mean = (weights[:, None] * matrix).sum(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).tolist()


def embed_missing(
    texts: Iterable[str],
    known: dict[str, np.ndarray],
    embeddings: Embeddings,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Embed the texts ``known`` lacks (each once), adding them to it; how many were embedded."""
    todo = missing_texts(texts, known)
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        for text, vector in zip(chunk, embeddings.embed_documents(chunk), strict=True):
            known[text] = np.asarray(vector, dtype=np.float32)
        if on_batch:
            on_batch(len(chunk))
    return len(todo)


def missing_texts(texts: Iterable[str], known: dict[str, np.ndarray]) -> list[str]:
    """The distinct texts ``known`` has no vector for, in first-seen order."""
    return [t for t in dict.fromkeys(texts) if t not in known]
