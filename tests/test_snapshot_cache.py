"""The snapshot cache beside an embedded index (knowledge/snapshot_cache.py): a fresh process
answers from it without opening Chroma, and never from a copy the database has moved on from.

In-process tests stand for processes with one IndexManager each, on a real Chroma in tmp_path
(`model_embeddings()`: the fake model in `make test-fast`; nothing here depends on meaning). "Chroma
was never opened" is ``manager._store is None``; the tests marked slow run `redmud` as real
processes and look at ``sys.modules`` for chromadb itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge import snapshot_cache
from knowledge.corpus import SourceDocument, load_corpus
from knowledge.index import open_client
from knowledge.manager import IndexManager, _clear_chroma_cache
from knowledge.models import DocumentMeta
from knowledge.snapshot import Snapshot
from tests import staff_files as F
from tests.conftest import cli_env, make_settings, model_embeddings

ROOT = Path(__file__).resolve().parent.parent

PLAN_A = """一、主要任务
（一）推动源头减量。鼓励企业优化工艺，降低赤泥产生量。（责任单位：市工信局）
（二）扩大利用规模。支持利用赤泥生产烧结砖和路基材料。（责任单位：市住建局、市交通局）
"""
PLAN_B = """一、保障措施
（一）加大支持力度。落实资源综合利用税收优惠政策。
"""


def source(doc_id: str, text: str) -> SourceDocument:
    return SourceDocument(DocumentMeta(doc_id=doc_id, title=f"{doc_id} 方案"), text)


def manager(path: Path, docs: list[SourceDocument], refresh_interval_s: float = 5.0) -> IndexManager:
    """One process's manager of the index at ``path`` (built from ``docs`` when it must be)."""
    return IndexManager(model_embeddings(), lambda: docs, path=path, refresh_interval_s=refresh_interval_s)


def same_answers(a: Snapshot, b: Snapshot) -> None:
    """The two snapshots are one index: the same clauses, documents, tokens and scores."""
    assert a.collection_name == b.collection_name and a.clauses == b.clauses and a.documents == b.documents
    assert a.words == b.words and np.array_equal(a.vectors, b.vectors)
    query = a.vectors[-1]
    ta, tb = a.score_table(query, "赤泥 烧结砖 税收优惠"), b.score_table(query, "赤泥 烧结砖 税收优惠")
    for side in ("dense", "words", "ngrams", "sentence"):
        assert np.array_equal(getattr(ta, side), getattr(tb, side), equal_nan=True), side
    for c in a.clauses:
        assert a.sentence_scores(c.clause_id, query) == b.sentence_scores(c.clause_id, query)


def test_a_build_leaves_a_copy_that_the_next_process_answers_from_without_chroma(tmp_path: Path) -> None:
    path = tmp_path / "index"
    builder = manager(path, [source("a", PLAN_A), source("b", PLAN_B)])
    built = builder.snapshot()  # no index yet: built, read from Chroma, and saved beside it
    assert (path / snapshot_cache.CACHE_NAME).is_file()
    fresh = manager(path, [])
    cached = fresh.snapshot()
    assert fresh._store is None, "the snapshot came from the copy: Chroma was never opened"
    same_answers(built, cached)
    for _ in range(3):  # refreshing (every time here) need not open Chroma while nothing was written
        fresh.follow()
    assert fresh._store is None and fresh.snapshot() is cached


def test_exists_is_answered_by_a_valid_copy(tmp_path: Path) -> None:
    path = tmp_path / "index"
    assert not manager(path, []).exists()
    manager(path, [source("a", PLAN_A)]).snapshot()
    fresh = manager(path, [])
    assert fresh.exists() and fresh._store is None
    assert len(fresh.snapshot().clauses) == 2 and fresh._store is None


def test_a_rebuild_elsewhere_is_followed_and_its_copy_used(tmp_path: Path) -> None:
    path = tmp_path / "index"
    manager(path, [source("a", PLAN_A)]).snapshot()
    reader = manager(path, [], refresh_interval_s=0)
    old = reader.snapshot()
    writer = manager(path, [source("a", PLAN_A), source("b", PLAN_B)])
    writer.rebuild()
    new = reader.snapshot()
    assert new.collection_name != old.collection_name and "b/一/一" in new.by_id
    assert reader._store is None, "the writer saved the new index; the reader loaded that copy"
    fresh = manager(path, [])
    assert "b/一/一" in fresh.snapshot().by_id and fresh._store is None


def test_a_copy_older_than_the_database_is_never_used(tmp_path: Path) -> None:
    """Another process rebuilt the index and did not save it (killed before it could, or a version
    without the cache): the copy left from before must not answer."""
    path = tmp_path / "index"
    manager(path, [source("a", PLAN_A)]).snapshot()
    stale = (path / snapshot_cache.CACHE_NAME).read_bytes()
    manager(path, [source("a", PLAN_A), source("b", PLAN_B)]).rebuild()
    (path / snapshot_cache.CACHE_NAME).write_bytes(stale)
    fresh = manager(path, [])
    snap = fresh.snapshot()
    assert "b/一/一" in snap.by_id, "the new index, read from Chroma"
    assert fresh._store is not None
    # ... and the copy was made again from what was read: the next process uses it
    again = manager(path, [])
    assert again.snapshot().collection_name == snap.collection_name and again._store is None


def test_even_opening_the_database_elsewhere_retires_the_copy(tmp_path: Path) -> None:
    """The stamp is conservative: Chroma commits when a client opens, so any other use of the database
    sends the next process back to Chroma (which then saves the copy again)."""
    path = tmp_path / "index"
    built = manager(path, [source("a", PLAN_A)]).snapshot()
    _clear_chroma_cache()
    open_client(path)
    assert snapshot_cache.read(path) is None
    fresh = manager(path, [])
    same_answers(built, fresh.snapshot())
    assert fresh._store is not None and snapshot_cache.read(path) is not None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong shape", "another format"])
def test_a_damaged_copy_is_ignored_and_replaced(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "index"
    built = manager(path, [source("a", PLAN_A), source("b", PLAN_B)]).snapshot()
    cache = path / snapshot_cache.CACHE_NAME
    data = cache.read_bytes()
    if damage == "garbage":
        cache.write_bytes(b"not a snapshot" * 100)
    elif damage == "truncated":
        cache.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        cache.write_bytes(b"")
    else:  # a readable file whose contents do not fit: too few vectors, or a layout from another version
        with np.load(cache) as saved:
            arrays = {k: saved[k] for k in saved.files}
        meta = json.loads(arrays["meta"].tobytes())
        if damage == "wrong shape":
            arrays["vectors"] = arrays["vectors"][:1]
        else:
            meta["format"] = snapshot_cache.FORMAT + 1
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with open(cache, "wb") as f:
            np.savez(f, **arrays)
    fresh = manager(path, [])
    with caplog.at_level("INFO", logger="knowledge.snapshot_cache"):
        snap = fresh.snapshot()
    same_answers(built, snap)
    assert fresh._store is not None, "read from Chroma instead"
    assert any("snapshot cache" in r.getMessage() for r in caplog.records)
    assert snapshot_cache.read(path) is not None, "and saved again"


def test_no_copy_is_saved_when_the_database_changed_while_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "index"
    m = manager(path, [source("a", PLAN_A)])
    snap = m.snapshot()
    (path / snapshot_cache.CACHE_NAME).unlink()
    before = snapshot_cache.database_stamp(path)
    m.store().client.get_collection(snap.collection_name).delete(ids=["a/一/一"])  # a write meanwhile
    assert not snapshot_cache.write(path, snap, before)
    assert not (path / snapshot_cache.CACHE_NAME).exists()


def test_temporary_files_of_killed_writers_are_cleared(tmp_path: Path) -> None:
    import os

    path = tmp_path / "index"
    m = manager(path, [source("a", PLAN_A)])
    m.snapshot()
    old, recent = path / f".{snapshot_cache.CACHE_NAME}.1.1.tmp", path / f".{snapshot_cache.CACHE_NAME}.2.2.tmp"
    for leftover in (old, recent):
        leftover.write_bytes(b"half a cache")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    m.rebuild(force=True)
    assert not old.exists() and recent.exists(), "a file a live writer may still be writing is kept"


# --- real processes -------------------------------------------------------------------------------

ASK = """
import json, runpy, sys
sys.argv = ["redmud", *sys.argv[1:]]
try:
    runpy.run_module("bot.cli", run_name="__main__")
finally:
    print("CHROMADB", json.dumps("chromadb" in sys.modules), file=sys.stderr)
"""


def _ask(data_dir: Path, corpus: Path, question: str) -> tuple[dict, bool]:
    """`redmud ask --json QUESTION` as a fresh process: its answer, and whether it imported chromadb."""
    done = subprocess.run([sys.executable, "-c", ASK, "ask", "--json", question], capture_output=True, timeout=600,
                          cwd=ROOT, env=cli_env(data_dir, REDMUD_CORPUS_DIR=str(corpus)))
    assert done.returncode == 0, done.stderr.decode()
    line = next(x for x in done.stderr.decode().splitlines() if x.startswith("CHROMADB"))
    return json.loads(done.stdout), json.loads(line.split()[1])


@pytest.mark.slow
def test_a_cold_ask_answers_from_the_copy_and_a_stale_copy_is_not_used(tmp_path: Path) -> None:
    from bot.app import build_services

    corpus = F.make_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    build_services(make_settings(data, corpus_dir=corpus), llm=False).index.snapshot()  # builds the index
    _clear_chroma_cache()
    answer, chroma = _ask(data, corpus, "赤泥建材产品标准由哪个部门负责？")
    assert "市场监管总局" in answer["answer"] and not chroma

    # another process rebuilds with one more document, and its copy is lost: the old one is put back
    stale = (data / "index" / snapshot_cache.CACHE_NAME).read_bytes()
    (corpus / "guizhou.txt").write_text(F.GUIZHOU, encoding="utf-8")
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"].append({"doc_id": "guizhou-yard", "file": "guizhou.txt", "title": F.GUIZHOU_TITLE,
                                  "jurisdiction": "guizhou"})
    (corpus / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    build_services(make_settings(data, corpus_dir=corpus), llm=False).index.rebuild()
    _clear_chroma_cache()
    (data / "index" / snapshot_cache.CACHE_NAME).write_bytes(stale)
    question = "赤泥堆场渗滤液由哪个部门负责治理？"
    answer, chroma = _ask(data, corpus, question)
    assert "省生态环境厅" in answer["answer"] and chroma, "the new index, read from Chroma"
    again, chroma = _ask(data, corpus, question)
    assert again["answer"] == answer["answer"] and not chroma, "from the copy that process saved"


@pytest.mark.slow
def test_a_copied_index_brings_a_usable_copy(tmp_path: Path) -> None:
    """Copying an index folder (as the tests' session index is copied) keeps the copy valid: the
    database file is the same, byte for byte and time for time."""
    corpus = F.make_corpus(tmp_path / "corpus")
    first = tmp_path / "first"
    manager(first / "index", load_corpus(corpus)).snapshot()
    _clear_chroma_cache()
    shutil.copytree(first / "index", tmp_path / "second" / "index")
    answer, chroma = _ask(tmp_path / "second", corpus, "赤泥建材产品标准由哪个部门负责？")
    assert "市场监管总局" in answer["answer"] and not chroma
