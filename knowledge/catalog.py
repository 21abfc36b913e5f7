"""The document library's use cases: add, replace, supersede, remove, restore, rebuild.

Built once, in the composition root, from the library, the index and one lock; the CLI, the
Telegram upload and ``/reload`` all come here. Order matters:

1. every document is read, described, parsed (once) and screened before the lock is taken;
   a refused one changes nothing, and flagged instruction-like text needs ``confirm``;
2. under the knowledge lock, the new document set is worked out in memory and the index is
   built from it and swapped in; only then is the library written. A journal written before the
   build says what the library should become: a process killed after the swap and before the
   library write is finished by the next catalog operation (roll forward), and one killed before
   the swap is forgotten (roll back). The library never holds a document the index lacks.

``add`` is safe to call from a worker thread or a separate process (see ``add_isolated``);
the bot's own ``IndexManager`` sees the new index at its next refresh, or at once when it is
the one passed in here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.corpus import SourceDocument
from knowledge.index import BuildReport
from knowledge.intake import IngestReport, check_batch, prepare
from knowledge.library import Library, _write_atomic, merge_sources
from knowledge.loaders import DEFAULT_LIMITS, DocumentError, IngestLimits
from knowledge.locking import KnowledgeLock
from knowledge.manager import IndexManager
from knowledge.models import DocumentMeta
from knowledge.screening import Flag

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """A document as staff hand it over: its file name (for the format), bytes and metadata."""

    filename: str
    data: bytes
    values: Mapping[str, Any]


class RebuildFailed(DocumentError):
    """The documents were fine but the index could not be rebuilt; nothing was changed."""


class NeedsConfirmation(DocumentError):
    """A document holds text that reads like an instruction to the assistant; nothing was added."""

    def __init__(self, flagged: dict[str, list[Flag]]) -> None:
        self.flagged = flagged
        shown = "；".join(f"{doc_id}: {flags[0]}" for doc_id, flags in flagged.items())
        count = sum(len(f) for f in flagged.values())
        super().__init__(
            f"文件中有 {count} 处像是对问答助手下的指令或预设的答案，请核对：{shown}；确认无误请加 --confirm（Telegram：confirm=yes）",
            f"{count} passage(s) read like instructions to the assistant or dictated answers; check them and add "
            "--confirm (Telegram: confirm=yes) to add the document anyway",
        )


class Catalog:
    def __init__(
        self,
        library: Library,
        index: IndexManager,
        bundled: Callable[[], list[SourceDocument]],
        lock: KnowledgeLock,
        *,
        limits: IngestLimits = DEFAULT_LIMITS,
    ) -> None:
        self.library = library
        self.index = index
        self.bundled = bundled
        self.lock = lock
        self.limits = limits
        self.journal = library.path / "journal.json"
        self.last_build: BuildReport | None = None  # what the last change's rebuild did (vectors embedded)

    # --- reading -----------------------------------------------------------------------------
    def sources(self) -> list[SourceDocument]:
        """What the index is built from: the bundled corpus with the library's changes."""
        return self.library.merge(self.bundled())

    def current(self) -> dict[str, DocumentMeta]:
        return {s.meta.doc_id: s.meta for s in self.sources()}

    def restorable(self) -> list[DocumentMeta]:
        """Removed documents that ``restore`` can bring back (bundled ones and trashed added ones)."""
        present = set(self.current())
        bundled = {s.meta.doc_id: s.meta for s in self.bundled()}
        out = [bundled[i] for i in self.library.removed() if i in bundled and i not in present]
        out += [s.meta for s in self.library.trashed() if s.meta.doc_id not in present and s.meta.doc_id not in bundled]
        return out

    # --- changes -----------------------------------------------------------------------------
    def add(self, uploads: Sequence[Upload], *, replace: bool = False, confirm: bool = False) -> list[IngestReport]:
        """Add (or with ``replace``, replace) documents; all or nothing. A ``DocumentError`` says why
        none was added; ``NeedsConfirmation`` lists instruction-like passages (add with ``confirm``)."""
        removed = set(self.library.removed())  # re-adding a removed bundled file: its manifest metadata
        known = {s.meta.doc_id: s.meta for s in self.bundled() if s.meta.doc_id in removed}
        candidates = [prepare(u.filename, u.data, u.values, limits=self.limits, known=known) for u in uploads]
        flagged = {c.doc_id: c.flags for c in candidates if c.flags}
        if flagged and not confirm:
            raise NeedsConfirmation(flagged)
        with self.lock.held():
            self._recover()
            current = self.current()
            check_batch(candidates, current, replace=replace)
            added = {s.meta.doc_id: s for s in self.library.added()}
            removed = set(self.library.removed())
            for c in candidates:
                added[c.doc_id] = c.source
                removed.discard(c.doc_id)
            plan = {"write": [c.doc_id for c in candidates], "removed": sorted(removed), "trash": []}
            self._change(plan, merge_sources(self.bundled(), added, removed), {c.doc_id: c.source for c in candidates})
        return [IngestReport.of(c, replaced=c.doc_id in current) for c in candidates]

    def remove(self, doc_id: str) -> DocumentMeta:
        """Take a document (added or bundled) out; ``restore`` can bring it back. Returns its meta."""
        with self.lock.held():
            self._recover()
            current = self.current()
            if doc_id not in current:
                raise DocumentError(
                    f"没有文件编号为 {doc_id} 的文件（用 redmud docs 查看）", f"no document with id '{doc_id}' (see `redmud docs`)"
                )
            if len(current) == 1:
                raise DocumentError("不能移除最后一份文件", f"'{doc_id}' is the last document; the index cannot be empty")
            added = {s.meta.doc_id: s for s in self.library.added()}
            removed = set(self.library.removed())
            trash = [doc_id] if added.pop(doc_id, None) is not None else []
            if doc_id in {s.meta.doc_id for s in self.bundled()}:
                removed.add(doc_id)
            plan = {"write": [], "removed": sorted(removed), "trash": trash}
            self._change(plan, merge_sources(self.bundled(), added, removed), {})
            return current[doc_id]

    def restore(self, doc_id: str) -> DocumentMeta:
        """Bring back a removed document with its original metadata (a bundled one from the manifest,
        an added one from the trash). Returns its meta."""
        with self.lock.held():
            self._recover()
            if doc_id in self.current():
                raise DocumentError(f"文件 {doc_id} 仍在知识库中，无需恢复", f"'{doc_id}' is in the library; nothing to restore")
            bundled = {s.meta.doc_id: s for s in self.bundled()}
            trashed = {s.meta.doc_id: s for s in self.library.trashed()}
            added = {s.meta.doc_id: s for s in self.library.added()}
            removed = set(self.library.removed())
            writes: dict[str, SourceDocument] = {}
            if doc_id in bundled and doc_id in removed:
                removed.discard(doc_id)
                meta = bundled[doc_id].meta
            elif doc_id in trashed:
                writes[doc_id] = added[doc_id] = trashed[doc_id]
                meta = trashed[doc_id].meta
            else:
                names = "、".join(m.doc_id for m in self.restorable()) or "无"
                raise DocumentError(f"没有可恢复的文件 {doc_id}（可恢复：{names}）",
                                    f"no removed document '{doc_id}' to restore (restorable: {names})")
            plan = {"write": list(writes), "removed": sorted(removed), "trash": []}
            self._change(plan, merge_sources(self.bundled(), added, removed), writes)
            return meta

    def rebuild(self, *, force: bool = False, progress: bool = False) -> BuildReport:
        """`redmud ingest`, `/reload`, `make run`: the index from the library as it is, under the lock."""
        with self.lock.held():
            self._recover()
            return self.index.rebuild(force=force, progress=progress, sources=self.sources())

    # --- the journal ---------------------------------------------------------------------------
    def _change(self, plan: dict[str, Any], sources: list[SourceDocument], writes: dict[str, SourceDocument]) -> None:
        """Build the index from ``sources``, then make the library say the same (see the module doc)."""
        record = {**plan, "expect": sorted(s.meta.doc_id for s in sources),
                  "docs": {i: {"meta": s.meta.model_dump(mode="json"), "text": s.text} for i, s in writes.items()}}
        _write_atomic(self.journal, json.dumps(record, ensure_ascii=False).encode("utf-8"))
        try:
            self.last_build = self.index.rebuild(sources=sources)
        except Exception as exc:
            self.journal.unlink(missing_ok=True)
            logger.error("rebuilding the index failed; the library is unchanged", exc_info=True)
            raise RebuildFailed(
                "索引重建失败，未做任何更改（原索引继续使用）",
                f"rebuilding the index failed ({type(exc).__name__}: {exc}); nothing was changed",
            ) from exc
        self._apply(record)

    def _apply(self, record: dict[str, Any]) -> None:
        for doc_id, doc in record["docs"].items():
            self.library.add(SourceDocument(DocumentMeta.model_validate(doc["meta"]), doc["text"]))
            self.library.untrash(doc_id)
        for doc_id in record["trash"]:
            self.library.discard(doc_id, keep=True)
        if sorted(self.library.removed()) != record["removed"]:
            self.library.write_removed(record["removed"])
        self.journal.unlink(missing_ok=True)

    def _recover(self) -> None:
        """Finish or forget a change that a killed process left half done (the lock is held)."""
        try:
            record = json.loads(self.journal.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            logger.warning("ignoring an unreadable library journal")
            self.journal.unlink(missing_ok=True)
            return
        try:
            active = self.index.store().active_record()
            indexed = sorted(d["doc_id"] for d in json.loads(active["documents"])) if active else None
        except Exception as exc:
            logger.warning("could not read the index to finish an interrupted change: %s", type(exc).__name__)
            return
        if indexed == record["expect"]:
            logger.warning("finishing a library change that was interrupted after the index was rebuilt")
            self._apply(record)
        else:
            logger.warning("discarding a library change that was interrupted before the index was rebuilt")
            self.journal.unlink(missing_ok=True)
