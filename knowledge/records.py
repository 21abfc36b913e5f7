"""A clause as a Chroma record, and back: one compressed payload, not a row of indexed fields.

Why. Chroma indexes every metadata string and every document for search (an inverted index, a
full-text index). Nothing here searches them - keyword search is our own BM25 - but writing a
library's 3,200 clauses as text plus a dozen metadata fields cost about 9 s per rebuild, most of
it indexing text no one queries, and adding one document rebuilds every clause. As one
zlib-compressed JSON payload per clause (plus its ``doc_id``, plain, for whoever inspects the
database) the same write took under 3 s (measured on the 200-document benchmark library).
An index written in the earlier shape (text as the document, one metadata field each) still reads.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from knowledge.models import Clause

_FIELDS = ("doc_id", "section_path", "section_keys", "text", "responsible_units", "kind", "order", "piece",
           "ordinal", "heading", "question", "answer", "kindred_heading")


def to_record(clause: Clause, words: str) -> dict[str, Any]:
    """The metadata of the clause's record (its document is left empty); ``words``: its passage's tokens."""
    payload = {**clause.model_dump(include=set(_FIELDS)), "hash": clause.content_hash, "words": words}
    packed = zlib.compress(json.dumps(payload, ensure_ascii=False).encode("utf-8"), 6)
    return {"doc_id": clause.doc_id, "z": base64.b64encode(packed).decode("ascii")}


def from_record(document: str | None, meta: dict[str, Any]) -> tuple[Clause, str | None]:
    """The clause and its stored passage tokens (None where the record kept none)."""
    if "z" in meta:
        payload = json.loads(zlib.decompress(base64.b64decode(str(meta["z"]))).decode("utf-8"))
        words = payload.get("words")
        return Clause(**{k: payload[k] for k in _FIELDS if k in payload}), None if words is None else str(words)
    clause = Clause(  # the earlier shape
        doc_id=meta["doc_id"],
        section_path=json.loads(meta["section_path"]),
        section_keys=json.loads(meta["section_keys"]),
        text=document or "",
        responsible_units=json.loads(meta["units"]),
        kind=meta["kind"],
        order=int(meta["order"]),
        piece=int(meta["piece"]),
        ordinal=int(meta["ordinal"]),
        heading=str(meta.get("heading") or ""),
        question=str(meta.get("question") or ""),
        answer=str(meta.get("answer") or ""),
    )
    return clause, None if meta.get("words") is None else str(meta["words"])
