"""Adding documents in a separate process, so that answering never waits on it.

Reading, parsing and embedding a new document is CPU-heavy and, for a hostile file, memory-heavy
until a limit refuses it. In the bot's own process that competes with members' questions for
the GIL and the embedding model's lock; in a child process it competes only for a CPU core, and
whatever memory it takes is returned when the child exits. The child builds the same catalog from
a plain description (``CatalogSpec``: paths, limits), takes the same knowledge lock, builds and
swaps the index; the parent then loads the new index at once (``IndexManager.follow``).

One worker process is started on the first upload and kept (it holds the embedding model and
the catalog, so the next upload starts at once); ``shutdown`` stops it, and it is stopped at exit.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.catalog import Catalog, NeedsConfirmation, RebuildFailed, Upload
from knowledge.intake import IngestReport
from knowledge.refusals import DocumentError, IngestLimits
from knowledge.screening import Flag


@dataclass(frozen=True)
class CatalogSpec:
    """Everything a process needs to build the same catalog (picklable)."""

    library: Path
    lock: Path | None
    corpus_dir: Path | None
    index_path: Path | None
    host: str | None
    port: int
    limits: IngestLimits

    @classmethod
    def of(cls, catalog: Catalog, corpus_dir: Path | None) -> CatalogSpec:
        index = catalog.index
        return cls(catalog.library.path, catalog.lock.path, corpus_dir, index.path, index.host, index.port,
                   catalog.limits)

    def build(self) -> Catalog:
        from knowledge.corpus import load_corpus
        from knowledge.embeddings import E5Embeddings
        from knowledge.library import Library
        from knowledge.locking import KnowledgeLock
        from knowledge.manager import IndexManager

        lock = KnowledgeLock(self.lock)
        library = Library(self.library)
        index = IndexManager(E5Embeddings(), lambda: library.merge(load_corpus(self.corpus_dir)), path=self.index_path,
                             host=self.host, port=self.port, lock=lock)
        return Catalog(library, index, lambda: load_corpus(self.corpus_dir), lock, limits=self.limits)


def add_isolated(
    catalog: Catalog, corpus_dir: Path | None, uploads: Sequence[Upload], *, replace: bool = False,
    confirm: bool = False,
) -> list[IngestReport]:
    """``catalog.add`` run in a child process (see the module docstring); the same errors come back."""
    spec = CatalogSpec.of(catalog, corpus_dir)
    try:
        outcome = _worker().submit(_add_in_child, spec, list(uploads), replace, confirm).result()
    except BrokenProcessPool:  # the worker died (killed, out of memory): a fresh one next time
        shutdown()
        raise RebuildFailed("处理文件的进程意外退出，未做任何更改",
                            "the worker adding the document died; nothing was changed") from None
    finally:
        catalog.index.follow()
    if outcome[0] == "ok":
        return outcome[1]
    _, kind, zh, en, flagged = outcome
    if kind == "confirm":
        raise NeedsConfirmation(flagged)
    raise (RebuildFailed if kind == "rebuild" else DocumentError)(zh, en)


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_catalogs: dict[CatalogSpec, Catalog] = {}  # in the worker: one catalog per library it serves


def _worker() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")  # never fork a process with threads and a model loaded
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return _pool


def shutdown() -> None:
    """Stop the worker process (a new one starts with the next upload)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


def _add_in_child(spec: CatalogSpec, uploads: list[Upload], replace: bool, confirm: bool) -> tuple[Any, ...]:
    catalog = _catalogs.get(spec)
    if catalog is None:
        catalog = _catalogs[spec] = spec.build()
    try:
        return ("ok", catalog.add(uploads, replace=replace, confirm=confirm))
    except NeedsConfirmation as exc:
        flagged: dict[str, list[Flag]] = exc.flagged
        return ("error", "confirm", exc.zh, exc.en, flagged)
    except DocumentError as exc:
        return ("error", "rebuild" if isinstance(exc, RebuildFailed) else "document", exc.zh, exc.en, None)
