"""The bundled documents and their manifest.

The corpus ships inside the package (``knowledge/corpus``) so that the bot works anywhere;
``REDMUD_CORPUS_DIR`` may point at another folder with the same layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.models import Clause, DocumentMeta
from knowledge.parser import parse_text

BUNDLED_CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class SourceDocument:
    """A document's metadata and text; its clauses are parsed once and kept (ingest checks them,
    then the index build uses the same list instead of parsing again)."""

    meta: DocumentMeta
    text: str
    parsed: list[Clause] | None = field(default=None, repr=False, compare=False)

    def clauses(self) -> list[Clause]:
        if self.parsed is None or (self.parsed and self.parsed[0].doc_id != self.meta.doc_id):
            self.parsed = parse_text(self.text, self.meta.doc_id)
        return self.parsed

    def with_meta(self, meta: DocumentMeta) -> SourceDocument:
        """The same text (and clauses, if the id is unchanged) under other metadata."""
        same = meta.doc_id == self.meta.doc_id
        return SourceDocument(meta, self.text, self.parsed if same else None)


def load_manifest(corpus_dir: Path = BUNDLED_CORPUS) -> list[DocumentMeta]:
    data = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    return [DocumentMeta.model_validate(d) for d in data["documents"]]


def load_corpus(corpus_dir: Path | None = None) -> list[SourceDocument]:
    corpus_dir = corpus_dir or BUNDLED_CORPUS
    docs = []
    for meta in load_manifest(corpus_dir):
        path = corpus_dir / (meta.file or f"{meta.doc_id}.txt")
        docs.append(SourceDocument(meta, path.read_text(encoding="utf-8")))
    return docs
