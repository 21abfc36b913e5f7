"""Association staff add, replace and remove documents, from the CLI or a Telegram upload.

Order matters: every document is read, described, parsed and checked first (nothing is
written for a refused one); then the library is written and the index rebuilt once; if the
rebuild fails, the library files are put back exactly as they were, and the index, which
only switches to a new collection when a build completes, is still the previous one.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.app import build_services
from bot.commands import UserError
from bot.settings import Settings
from knowledge.corpus import load_corpus
from knowledge.intake import Candidate, IngestReport, check_batch, prepare, read_sidecar
from knowledge.library import Library
from knowledge.loaders import DocumentError
from knowledge.manager import IndexManager
from knowledge.models import JURISDICTION_LABELS, DocumentMeta

logger = logging.getLogger(__name__)

_lock = threading.Lock()  # one change to the library at a time in this process


@contextmanager
def _changing(settings: Settings) -> Iterator[None]:
    """One change to the library at a time: across threads, and across processes (a CLI ingest while
    the bot takes an upload) through an advisory lock file next to the library."""
    path = settings.data_dir / "library.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
PER_DOCUMENT_FLAGS = ("title", "doc_id", "doc_number", "date", "supersedes")
SHARED_FLAGS = ("jurisdiction", "issuer")


class RebuildFailed(DocumentError):
    """The documents were fine but the index could not be rebuilt; nothing was changed."""


def library_of(settings: Settings) -> Library:
    return Library(settings.data_dir / "library")


def _index(settings: Settings, index: IndexManager | None) -> IndexManager:
    return index if index is not None else build_services(settings, llm=False).index


def add_documents(
    settings: Settings,
    items: Sequence[tuple[str, bytes, Mapping[str, Any]]],
    *,
    replace: bool = False,
    index: IndexManager | None = None,
) -> list[IngestReport]:
    """Add (file name, bytes, metadata) documents; a ``DocumentError`` says why none was added."""
    candidates = [prepare(name, data, values) for name, data, values in items]
    with _changing(settings):
        library = library_of(settings)
        current = {s.meta.doc_id: s.meta for s in library.merge(load_corpus(settings.corpus_dir))}
        check_batch(candidates, current, replace=replace)
        _apply(settings, library, index, [c.doc_id for c in candidates], lambda: _write(library, candidates))
    return [IngestReport.of(c, replaced=c.doc_id in current) for c in candidates]


def add_document(
    settings: Settings,
    filename: str,
    data: bytes,
    meta: Mapping[str, Any],
    *,
    replace: bool = False,
    index: IndexManager | None = None,
) -> IngestReport:
    """One document (the Telegram upload path): see ``add_documents``."""
    return add_documents(settings, [(filename, data, meta)], replace=replace, index=index)[0]


def remove(settings: Settings, doc_id: str, *, index: IndexManager | None = None) -> DocumentMeta:
    """Take a document (added or bundled) out of the library and both indexes; returns its meta."""
    with _changing(settings):
        library = library_of(settings)
        bundled = {s.meta.doc_id for s in load_corpus(settings.corpus_dir)}
        current = {s.meta.doc_id: s.meta for s in library.merge(load_corpus(settings.corpus_dir))}
        if doc_id not in current:
            raise DocumentError(
                f"没有文件编号为 {doc_id} 的文件（用 redmud docs 查看）", f"no document with id '{doc_id}' (see `redmud docs`)"
            )
        if len(current) == 1:
            raise DocumentError("不能移除最后一份文件", f"'{doc_id}' is the last document; the index cannot be empty")

        def change() -> None:
            library.discard(doc_id)
            if doc_id in bundled:
                library.mark_removed(doc_id)

        _apply(settings, library, index, [doc_id], change)
        return current[doc_id]


def _write(library: Library, candidates: list[Candidate]) -> None:
    for c in candidates:
        library.add(c.source)


def _apply(settings: Settings, library: Library, index: IndexManager | None, doc_ids: list[str], change: Any) -> None:
    saved = library.save(doc_ids)
    try:
        change()
        _index(settings, index).rebuild()
    except Exception as exc:
        library.restore(saved)
        logger.error("rebuilding the index failed; the library was restored", exc_info=True)
        raise RebuildFailed(
            "索引重建失败，未做任何更改（原索引继续使用）",
            f"rebuilding the index failed ({type(exc).__name__}: {exc}); nothing was changed",
        ) from exc


# --- what staff read ---------------------------------------------------------------------------
def describe(report: IngestReport) -> str:
    """A few lines on what was found: id, title, sections, clause count, responsible units."""
    place = JURISDICTION_LABELS.get(report.jurisdiction, report.jurisdiction)
    action = "已替换" if report.replaced else "已收录"
    lines = [f"{action}《{report.title}》（{report.doc_id}）", f"地区：{place}；日期：{report.date or '未注明'}"]
    shown = "；".join(report.sections[:5]) + ("……" if len(report.sections) > 5 else "")
    lines.append(f"章节 {len(report.sections)} 个" + (f"：{shown}" if shown else ""))
    lines.append(f"条款 {report.clauses} 条")
    units = "、".join(report.units[:12]) + ("等" if len(report.units) > 12 else "")
    lines.append(f"责任单位：{units}" if units else "责任单位：文件未列明")
    if report.supersedes:
        lines.append(f"取代：{report.supersedes}（回答将优先引用本文件）")
    return "\n".join(lines)


# --- the CLI -----------------------------------------------------------------------------------
def ingest_files(settings: Settings, args: argparse.Namespace) -> int:
    """`redmud ingest FILE… [--title …] [--replace]`: flags win over each file's sidecar meta."""
    files: list[Path] = list(args.files)
    flags = {key: getattr(args, key, None) for key in (*PER_DOCUMENT_FLAGS, *SHARED_FLAGS)}
    flags = {k: v for k, v in flags.items() if v is not None}
    per_document = [k for k in PER_DOCUMENT_FLAGS if k in flags]
    if len(files) > 1 and per_document:
        names = ", ".join("--" + k.replace("_", "-") for k in per_document)
        raise UserError(f"{names} 只能用于单个文件 / {names} apply to one file at a time")
    items = []
    try:
        for path in files:
            if not path.is_file():
                raise DocumentError(f"找不到文件 {path}", f"no such file: {path}")
            items.append((path.name, path.read_bytes(), {**read_sidecar(path), **flags}))
        reports = add_documents(settings, items, replace=bool(getattr(args, "replace", False)))
    except RebuildFailed as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    except (DocumentError, OSError) as exc:
        raise UserError(str(exc)) from exc
    for report in reports:
        sys.stdout.write(describe(report) + "\n\n")
    return 0


def remove_document(settings: Settings, doc_id: str) -> int:
    """`redmud remove DOC_ID`."""
    try:
        meta = remove(settings, doc_id)
    except RebuildFailed as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    except DocumentError as exc:
        raise UserError(str(exc)) from exc
    sys.stdout.write(f"已移除《{meta.title}》（{meta.doc_id}）\n")
    return 0
