"""Documents added by staff, and bundled ones they removed, kept under REDMUD_DATA_DIR/library.

Layout: ``docs/<doc_id>.txt`` (the extracted text, UTF-8) and ``docs/<doc_id>.json`` (its
``DocumentMeta``), plus ``removed.json`` (ids of bundled documents taken out) and ``trash/``
(added documents that were removed, kept so that ``restore`` can bring them back). Every file is
written whole to a temporary file and moved into place (``os.replace``), so a crash never
leaves half a document; the text is written before the meta, and a document exists only
once its meta does. ``merge`` turns the bundled corpus into what the index is built from.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.corpus import SourceDocument
from knowledge.models import DocumentMeta

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saved:
    """The bytes of some library files (None: absent) as they were, to put back on failure."""

    files: dict[Path, bytes | None]


class Library:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.docs_dir = path / "docs"
        self.removed_file = path / "removed.json"
        self.trash_dir = path / "trash"

    # --- reading -----------------------------------------------------------------------------
    def added(self) -> list[SourceDocument]:
        """The documents staff added, by id (a document whose files are unreadable is skipped, logged)."""
        return _read_docs(self.docs_dir)

    def removed(self) -> list[str]:
        """Ids of bundled documents that staff removed."""
        try:
            data = json.loads(self.removed_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable %s: %s", self.removed_file, exc)
            return []
        return [str(x) for x in data] if isinstance(data, list) else []

    def merge(self, bundled: Sequence[SourceDocument]) -> list[SourceDocument]:
        """Bundled minus removed, a replaced bundled document in its place, then the added ones."""
        return merge_sources(bundled, {s.meta.doc_id: s for s in self.added()}, set(self.removed()))

    def trashed(self) -> list[SourceDocument]:
        """Added documents that staff removed (newest copy of each), for ``restore``."""
        return _read_docs(self.trash_dir)

    # --- writing -----------------------------------------------------------------------------
    def add(self, source: SourceDocument) -> None:
        """Store (or overwrite) a document: its text first, then its meta."""
        doc_id = source.meta.doc_id
        meta = source.meta.model_copy(update={"superseded_by": None, "file": f"{doc_id}.txt"})
        _write_atomic(self.docs_dir / f"{doc_id}.txt", source.text.encode("utf-8"))
        _write_atomic(self.docs_dir / f"{doc_id}.json", meta.model_dump_json(indent=2).encode("utf-8"))

    def discard(self, doc_id: str, *, keep: bool = False) -> bool:
        """Take an added document out (meta first, so it is never half there); ``keep`` moves it to the
        trash for ``restore``. False if it was not added."""
        meta_path = self.docs_dir / f"{doc_id}.json"
        existed = meta_path.exists()
        if existed and keep:
            for suffix in (".txt", ".json"):  # text first: a trashed document exists once its meta does
                _write_atomic(self.trash_dir / f"{doc_id}{suffix}", (self.docs_dir / f"{doc_id}{suffix}").read_bytes())
        meta_path.unlink(missing_ok=True)
        (self.docs_dir / f"{doc_id}.txt").unlink(missing_ok=True)
        return existed

    def untrash(self, doc_id: str) -> None:
        """Forget a trashed copy (after it was restored or added again)."""
        (self.trash_dir / f"{doc_id}.json").unlink(missing_ok=True)
        (self.trash_dir / f"{doc_id}.txt").unlink(missing_ok=True)

    def mark_removed(self, doc_id: str) -> None:
        ids = self.removed()
        if doc_id not in ids:
            self.write_removed([*ids, doc_id])

    def unmark_removed(self, doc_id: str) -> None:
        ids = self.removed()
        if doc_id in ids:
            self.write_removed([i for i in ids if i != doc_id])

    def write_removed(self, ids: list[str]) -> None:
        _write_atomic(self.removed_file, json.dumps(ids, ensure_ascii=False, indent=2).encode("utf-8"))

    # --- undo --------------------------------------------------------------------------------
    def save(self, doc_ids: Iterable[str]) -> Saved:
        """What the files of these documents (and the removal list) hold now."""
        paths = [self.removed_file]
        for doc_id in doc_ids:
            paths += [self.docs_dir / f"{doc_id}.txt", self.docs_dir / f"{doc_id}.json"]
        return Saved({p: p.read_bytes() if p.exists() else None for p in paths})

    def restore(self, saved: Saved) -> None:
        """Put the saved files back exactly (meta files last, so a document reappears whole)."""
        for path, data in sorted(saved.files.items(), key=lambda kv: kv[0].suffix == ".json"):
            if data is None:
                path.unlink(missing_ok=True)
            else:
                _write_atomic(path, data)


def merge_sources(
    bundled: Sequence[SourceDocument], added: dict[str, SourceDocument], removed: set[str]
) -> list[SourceDocument]:
    """What the index is built from: bundled minus removed, a replaced bundled document in its
    place, then the added ones; a document that another one ``supersedes`` gets ``superseded_by``."""
    added = dict(added)
    merged: list[SourceDocument] = []
    for source in bundled:
        doc_id = source.meta.doc_id
        if doc_id in added:
            merged.append(added.pop(doc_id))
        elif doc_id not in removed:
            merged.append(source)
    merged.extend(added.values())
    return link_supersessions(merged)


def _read_docs(folder: Path) -> list[SourceDocument]:
    if not folder.is_dir():
        return []
    docs = []
    for meta_path in sorted(folder.glob("*.json")):
        try:
            meta = DocumentMeta.model_validate_json(meta_path.read_bytes())
            text = meta_path.with_suffix(".txt").read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            logger.warning("skipping library document %s: %s", meta_path.stem, exc)
            continue
        docs.append(SourceDocument(meta, text))
    return docs


def link_supersessions(sources: Sequence[SourceDocument]) -> list[SourceDocument]:
    """Set ``superseded_by`` from the present documents' ``supersedes`` (and clear a stale one)."""
    ids = {s.meta.doc_id for s in sources}
    newer: dict[str, str] = {}
    for s in sources:
        target = s.meta.supersedes
        if target and target in ids and target != s.meta.doc_id:
            newer.setdefault(target, s.meta.doc_id)
    out = []
    for s in sources:
        current = s.meta.superseded_by if s.meta.superseded_by in ids else None
        by = newer.get(s.meta.doc_id, current)
        out.append(s if by == s.meta.superseded_by else s.with_meta(s.meta.model_copy(update={"superseded_by": by})))
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
