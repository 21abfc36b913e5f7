"""The bundled documents and their manifest.

The corpus ships inside the package (``knowledge/corpus``) so that the bot works anywhere;
``REDMUD_CORPUS_DIR`` may point at another folder with the same layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from knowledge.models import Clause, DocumentMeta
from knowledge.parser import parse_text

BUNDLED_CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class SourceDocument:
    meta: DocumentMeta
    text: str

    def clauses(self) -> list[Clause]:
        return parse_text(self.text, self.meta.doc_id)


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
