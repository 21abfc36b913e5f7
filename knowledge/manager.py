"""Keeps a usable index at hand: opens it, builds it when missing, repairs it when broken.

Answering holds on to one immutable ``Snapshot``; a rebuild (here, or by another process
sharing the same Chroma database or server) produces a new one that is swapped in whole, so
a question is answered from the old index or the new one, never from a mix.

An embedded index keeps a copy of its snapshot beside it (:mod:`knowledge.snapshot_cache`): a
fresh process answers from that copy while the database is unchanged since it was made, without
importing chromadb; whoever reads the index from Chroma writes the copy again.

Every build here takes the one knowledge lock (``knowledge.locking``), the same one library
changes take, so two processes never build at once. A failure is not taken for corruption
lightly: a pointer that moved (another process rebuilt) is followed, and a failed *write*
(a full disk, a read-only directory) leaves the index where it is; only an index that cannot
be read is moved aside and rebuilt.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from knowledge import snapshot_cache
from knowledge.corpus import SourceDocument
from knowledge.index import (
    BuildReport,
    ClauseStore,
    IndexCorrupt,
    IndexMissing,
    IndexUnavailable,
    Snapshot,
    is_write_failure,
    open_client,
)
from knowledge.locking import KnowledgeLock
from knowledge.snapshot_cache import Stamp

logger = logging.getLogger(__name__)


class IndexManager:
    def __init__(
        self,
        embeddings: Embeddings,
        sources: Callable[[], list[SourceDocument]],
        *,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        refresh_interval_s: float = 5.0,
        lock: KnowledgeLock | None = None,
    ) -> None:
        if path is None and host is None:
            raise ValueError("an index path or a Chroma host is needed")
        self.embeddings = embeddings
        self.sources = sources
        self.path = path
        self.host = host
        self.port = port
        self.refresh_interval_s = refresh_interval_s
        self._store: ClauseStore | None = None
        self._snapshot: Snapshot | None = None
        self._lock = threading.RLock()
        # builds in every process that shares this index queue on one lock (a file next to the index)
        self.build_lock = lock or KnowledgeLock(path.parent / "library.lock" if path is not None else None)
        self._checked_at = 0.0
        # the database stamp of the snapshot cache the snapshot came from (None: it was read from Chroma)
        self._cache_stamp: Stamp | None = None
        self.last_repair: str | None = None  # what was wrong the last time the index was rebuilt

    @property
    def location(self) -> str:
        return f"chroma://{self.host}:{self.port}" if self.host else str(self.path)

    def store(self) -> ClauseStore:
        with self._lock:
            if self._store is None:
                self._store = ClauseStore(open_client(self.path, self.host, self.port), self.embeddings)
            return self._store

    def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._load_or_repair()
                snap = self._snapshot
        else:
            self._refresh_if_stale()
            snap = self._snapshot or snap
        return snap

    def exists(self) -> bool:
        """Whether an index has been built: a valid snapshot cache says so (and is kept as the
        snapshot) without opening Chroma."""
        with self._lock:
            if self._snapshot is None and self._store is None and (cached := self._cached()) is not None:
                self._snapshot = cached
                return True
        try:
            return self.store().active_name() is not None
        except Exception:
            return False

    def rebuild(
        self, *, force: bool = False, progress: bool = False, sources: list[SourceDocument] | None = None
    ) -> BuildReport:
        """Build from ``sources`` (default: the corpus now), under the knowledge lock; swap it in."""
        with self.build_lock.held(), self._lock:
            report = self.store().build(self.sources() if sources is None else sources, force=force, progress=progress)
            self._snapshot = self._load()
            self._checked_at = time.monotonic()
            return report

    def repair(self, reason: str) -> Snapshot:
        """The index failed while in use: follow the pointer if another process rebuilt it, else
        rebuild from the corpus (an unreadable database is moved aside first)."""
        with self.build_lock.held(), self._lock:
            try:
                snapshot = self._load()
            except IndexMissing:
                snapshot = None
            except Exception as exc:
                if (unusable := self._unusable(exc)) is not None:
                    raise unusable from exc
                logger.warning("the index at %s failed (%s): rebuilding it from the corpus", self.location, reason)
                self.last_repair = reason
                self._reset()
                snapshot = None
            if snapshot is not None and (self._snapshot is None or snapshot.collection_name != self._snapshot.collection_name):
                logger.info("the index was rebuilt elsewhere: now answering from %s", snapshot.collection_name)
                self._snapshot = snapshot
                return snapshot
            if snapshot is None:
                self.store().build(self.sources())
            else:  # the same collection failed again, though it loads: rebuild it in place
                logger.warning("the index at %s failed (%s): rebuilding it from the corpus", self.location, reason)
                self.last_repair = reason
                self.store().build(self.sources(), force=True)
            self._snapshot = self._load()
            return self._snapshot

    def follow(self) -> None:
        """Load now an index that another process has just built (instead of at the next refresh)."""
        with self._lock:
            self._checked_at = 0.0
        if self._snapshot is not None:
            self._refresh_if_stale()

    # --- internals ---------------------------------------------------------------------------
    def _load(self) -> Snapshot:
        """The active index, read from Chroma; an embedded one's snapshot is also saved beside it."""
        store = self.store()
        if self.path is None:
            return store.load()
        stamp = snapshot_cache.database_stamp(self.path)  # before reading: the copy must not be newer
        snapshot = store.load()
        self._cache_stamp = None
        try:
            snapshot_cache.write(self.path, snapshot, stamp)
        except Exception as exc:  # the copy is an optimisation: the snapshot answers without it
            logger.info("no snapshot cache written for %s (%s: %s)", snapshot.collection_name, type(exc).__name__, exc)
        return snapshot

    def _cached(self) -> Snapshot | None:
        """The snapshot saved beside an embedded index, if the database has not changed since."""
        if self.path is None:
            return None
        found = snapshot_cache.read(self.path, self.embeddings)
        if found is None:
            return None
        snapshot, self._cache_stamp = found
        logger.debug("answering from the snapshot cache of %s", snapshot.collection_name)
        return snapshot

    def _load_or_repair(self) -> Snapshot:
        if (cached := self._cached()) is not None:
            return cached
        try:
            return self._load()
        except IndexMissing:
            logger.info("no index at %s yet: building it from the corpus", self.location)
        except Exception as exc:  # IndexCorrupt, or the database itself would not open
            if (unusable := self._unusable(exc)) is not None:
                raise unusable from exc
        with self.build_lock.held():  # another process may be building it: wait, then look again
            try:
                return self._load()
            except IndexMissing:
                pass
            except Exception as exc:
                if (unusable := self._unusable(exc)) is not None:
                    raise unusable from exc
                reason = str(exc) if isinstance(exc, IndexCorrupt) else f"{type(exc).__name__}: {exc}"
                logger.warning("the index at %s is unusable (%s): rebuilding it from the corpus", self.location, reason)
                self.last_repair = reason
                self._reset()
            self.store().build(self.sources())
            return self._load()

    def _cannot_write(self) -> OSError | None:
        """Why nothing can be written next to the index now (a full disk, a file size limit, a
        read-only directory), or None. Chroma reports such failures in many guises (even as an
        AttributeError from its bindings), so before anything is moved aside, we try ourselves."""
        if self.path is None:
            return None
        folder = self.path if self.path.is_dir() else self.path.parent
        probe = folder / f".write-probe-{os.getpid()}"
        try:
            with open(probe, "wb") as f:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
            return None
        except OSError as exc:
            return exc
        finally:
            try:
                probe.unlink(missing_ok=True)
            except OSError:
                pass

    def _unusable(self, exc: BaseException) -> IndexUnavailable | None:
        """An error to raise instead of repairing, when the failure is one of writing, not damage."""
        cause = self._cannot_write() if not is_write_failure(exc) else exc
        if cause is None:
            return None
        return IndexUnavailable(
            f"the index at {self.location} cannot be opened now because nothing can be written there "
            f"({cause}); it was left as it is"
        )

    def _reset(self) -> None:
        """Move a broken embedded database aside so that a fresh one can be built."""
        self._store = None
        if self.path is None:
            return  # a server: the build below writes a new collection and repoints
        _clear_chroma_cache()
        if self.path.exists():
            aside = self.path.with_name(f"{self.path.name}.broken-{time.strftime('%Y%m%d%H%M%S')}")
            try:
                self.path.rename(aside)
                logger.warning("kept the broken index at %s for inspection", aside)
            except OSError:
                shutil.rmtree(self.path, ignore_errors=True)

    def _refresh_if_stale(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.refresh_interval_s:
            return
        with self._lock:
            self._checked_at = now
            try:
                if self._store is None and self._cache_stamp is not None and self.path is not None:
                    # answering from the snapshot cache, Chroma not opened yet: it need not be while
                    # nothing has been written to the database, or while a newer copy is there
                    if snapshot_cache.database_stamp(self.path) == self._cache_stamp:
                        return
                    if (cached := self._cached()) is not None:
                        self._follow(cached)
                        return
                name = self.store().active_name()
                if self._snapshot is not None and name and name != self._snapshot.collection_name:
                    self._follow(self._load())
            except Exception as exc:
                logger.warning("could not check the index for updates: %s", type(exc).__name__)

    def _follow(self, snapshot: Snapshot) -> None:
        """Answer from ``snapshot`` from now on, if it is another index than the current one."""
        if self._snapshot is not None and snapshot.collection_name != self._snapshot.collection_name:
            logger.info("the index was rebuilt elsewhere: loading %s", snapshot.collection_name)
            self._snapshot = snapshot


def _clear_chroma_cache() -> None:
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # older or newer chromadb: nothing cached to clear
        pass


__all__: list[Any] = ["IndexManager"]
