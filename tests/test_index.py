"""The clause store and index manager: idempotent, atomic, self-repairing, on a real Chroma.

Embeddings come from `model_embeddings()`: e5 in `make test`, a deterministic fake in
`make test-fast` (nothing here depends on meaning, except the test marked `meaning`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from knowledge.corpus import SourceDocument
from knowledge.index import ClauseStore, IndexMissing, open_client
from knowledge.manager import IndexManager
from knowledge.models import Clause, DocumentMeta
from tests.conftest import model_embeddings

PLAN_A = """一、主要任务
（一）推动源头减量。鼓励企业优化工艺，降低赤泥产生量。（责任单位：市工信局）
（二）扩大利用规模。支持利用赤泥生产烧结砖和路基材料。（责任单位：市住建局、市交通局）
"""
PLAN_B = """一、保障措施
（一）加大支持力度。落实资源综合利用税收优惠政策。
"""


def source(doc_id: str, text: str, **meta: str) -> SourceDocument:
    return SourceDocument(DocumentMeta(doc_id=doc_id, title=f"{doc_id} 方案", **meta), text)


class CountingEmbeddings(Embeddings):
    """The tier's model (e5, or the fake in the fast tier), counting passages embedded,
    optionally failing after a number of them."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.model = model_embeddings()
        self.embedded = 0
        self.fail_after = fail_after

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("embedding failed half-way")
        self.embedded += len(texts)
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)


@pytest.fixture
def store(tmp_path: Path) -> ClauseStore:
    return ClauseStore(open_client(tmp_path / "index"), CountingEmbeddings())


def test_build_load_and_metadata_roundtrip(store: ClauseStore) -> None:
    report = store.build([source("a", PLAN_A), source("b", PLAN_B, jurisdiction="henan")])
    assert report.clauses == 3 and report.documents == 2 and not report.skipped
    snap = store.load()
    assert [c.clause_id for c in snap.clauses] == ["a/一/一", "a/一/二", "b/一/一"]
    clause = snap.by_id["a/一/二"]
    assert clause.responsible_units == ["市住建局", "市交通局"]
    assert clause.section == "一、主要任务 > （二）扩大利用规模"
    assert snap.documents["b"].jurisdiction == "henan"
    assert store.client.get_collection(snap.collection_name).count() == 3
    assert snap.vectors.shape == (3, len(store.embeddings.embed_query("赤泥")))  # the snapshot holds them
    # the keyword side agrees with the dense side
    best = snap.keyword.search(["税收优惠"], 3)
    assert snap.clauses[best[0][0]].clause_id == "b/一/一"


def test_an_index_written_in_the_earlier_record_shape_still_reads() -> None:
    from knowledge.records import from_record, to_record

    clause = Clause(doc_id="a", section_path=["一、主要任务"], section_keys=["一"], text="问：谁负责？答：市工信局。",
                    responsible_units=["市工信局"], kind="qa", order=3, question="谁负责？", answer="市工信局。")
    assert from_record(None, to_record(clause, "市工信局 负责")) == (clause, "市工信局 负责")
    earlier = {"doc_id": "a", "section_path": '["一、主要任务"]', "section_keys": '["一"]', "units": '["市工信局"]',
               "kind": "qa", "order": 3, "piece": 0, "ordinal": 0, "question": "谁负责？", "answer": "市工信局。"}
    assert from_record(clause.text, earlier) == (clause, None)


def test_the_index_keeps_each_passages_tokens(store: ClauseStore) -> None:
    """Loading thousands of clauses must not segment them all again: the tokens come from the index,
    and they are the ones the tokenizer gives."""
    from knowledge.index import passage_of
    from knowledge.keyword import tokenize

    store.build([source("a", PLAN_A), source("b", PLAN_B)])
    snap = store.load()
    assert snap.words == [tokenize(passage_of(c, snap.documents)) for c in snap.clauses]
    assert all(snap.words)


def test_rebuilding_unchanged_corpus_is_a_no_op(store: ClauseStore) -> None:
    first = store.build([source("a", PLAN_A)])
    embedded = store.embeddings.embedded  # type: ignore[attr-defined]
    again = store.build([source("a", PLAN_A)])
    assert again.skipped and again.collection_name == first.collection_name
    # the document's title, two section paths and four sentences: seven distinct texts, each embedded once
    assert first.embedded == 7 and store.embeddings.embedded == embedded  # type: ignore[attr-defined]


def test_changed_clause_is_reembedded_alone_with_same_ids(store: ClauseStore) -> None:
    store.build([source("a", PLAN_A)])
    changed = PLAN_A.replace("烧结砖和路基材料", "烧结砖、免烧砖和路基材料")
    report = store.build([source("a", changed)])
    assert not report.skipped and report.embedded == 1  # the one changed sentence, nothing else
    snap = store.load()
    assert [c.clause_id for c in snap.clauses] == ["a/一/一", "a/一/二"]
    assert "免烧砖" in snap.by_id["a/一/二"].text


def test_a_sentence_two_documents_share_is_embedded_once(store: ClauseStore) -> None:
    report = store.build([source("a", PLAN_A), source("c", PLAN_A)])
    # the second copy brings only its own title; its section paths and sentences are known
    assert report.clauses == 4 and report.embedded == 7 + 1
    snap = store.load()
    va, vc = (snap.vectors[snap.clauses.index(snap.by_id[cid])] for cid in ("a/一/一", "c/一/一"))
    assert list(va) != list(vc)  # each clause's vector still carries its own document's context


def test_failed_build_leaves_previous_index_serving(tmp_path: Path) -> None:
    good = ClauseStore(open_client(tmp_path / "index"), CountingEmbeddings())
    good.build([source("a", PLAN_A)])
    before = good.load()
    failing = ClauseStore(open_client(tmp_path / "index"), CountingEmbeddings(fail_after=0))
    with pytest.raises(RuntimeError):
        failing.build([source("a", PLAN_A), source("b", PLAN_B)], force=True)
    after = failing.load()
    assert after.collection_name == before.collection_name
    assert [c.clause_id for c in after.clauses] == ["a/一/一", "a/一/二"]


def test_stale_collections_are_dropped(store: ClauseStore) -> None:
    for _ in range(4):
        store.build([source("a", PLAN_A)], force=True)
    names = [c.name for c in store.client.list_collections() if c.name.startswith("redmud-clauses-")]
    assert len(names) <= 2  # the active one and the one before it (still being read, perhaps)


def test_duplicate_doc_ids_are_refused(store: ClauseStore) -> None:
    with pytest.raises(ValueError, match="duplicate clause ids"):
        store.build([source("a", PLAN_A), source("a", PLAN_A)])


def test_missing_index_is_reported(store: ClauseStore) -> None:
    with pytest.raises(IndexMissing):
        store.load()


def _manager(path: Path, docs: list[SourceDocument]) -> IndexManager:
    return IndexManager(model_embeddings(), lambda: docs, path=path, refresh_interval_s=0)


def test_manager_builds_missing_index_on_first_use(tmp_path: Path) -> None:
    manager = _manager(tmp_path / "index", [source("a", PLAN_A)])
    assert not manager.exists()
    assert len(manager.snapshot().clauses) == 2
    assert manager.exists()


def test_manager_repairs_a_corrupted_database(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "index"
    _manager(path, [source("a", PLAN_A)]).snapshot()
    from knowledge.manager import _clear_chroma_cache

    _clear_chroma_cache()
    db = path / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("select * from collections").fetchall()
    manager = _manager(path, [source("a", PLAN_A)])
    with caplog.at_level("WARNING"):
        snap = manager.snapshot()
    assert len(snap.clauses) == 2
    assert manager.last_repair is not None
    assert any("rebuilding" in r.message for r in caplog.records)
    assert list(tmp_path.glob("index.broken-*")), "the broken index is kept aside for inspection"


def test_manager_repairs_an_emptied_collection(tmp_path: Path) -> None:
    path = tmp_path / "index"
    first = _manager(path, [source("a", PLAN_A)])
    snap = first.snapshot()
    first.store().client.get_collection(snap.collection_name).delete(
        ids=[c.clause_id for c in snap.clauses])  # truncated behind our back
    second = _manager(path, [source("a", PLAN_A)])
    assert len(second.snapshot().clauses) == 2


def test_manager_sees_a_rebuild_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "index"
    reader = _manager(path, [source("a", PLAN_A)])
    old = reader.snapshot()
    writer = _manager(path, [source("a", PLAN_A), source("b", PLAN_B)])
    writer.rebuild()
    new = reader.snapshot()  # refresh_interval_s=0: checks the active record every time
    assert new.collection_name != old.collection_name
    assert "b/一/一" in new.by_id
    # the old snapshot still answers: it holds what it scores, and its collection is kept until the next build
    assert old.score_table(old.vectors[0], "赤泥").dense[0] > 0.99
    assert writer.store().client.get_collection(old.collection_name).count() == 2


@pytest.mark.meaning  # which clause answers "烧结砖" is retrieval, so the real model
def test_manager_repairs_when_a_query_fails(tmp_path: Path) -> None:
    from chains.analysis import analyse
    from chains.retrieval import retrieve
    from chains.service import AnswerService

    manager = _manager(tmp_path / "index", [source("a", PLAN_A)])
    service = AnswerService(manager, manager.embeddings)
    snap = manager.snapshot()
    snap.vectors = snap.vectors[:, :10]  # damaged in memory: scoring fails
    with pytest.raises(ValueError):
        retrieve(snap, manager.embeddings, analyse("赤泥烧结砖"))
    answer = service.answer("赤泥可以生产烧结砖吗？")
    assert answer.citations and answer.citations[0].clause_id == "a/一/二"
    assert manager.last_repair


@pytest.mark.meaning
def test_a_snapshot_answers_when_its_collection_is_dropped_and_the_next_process_repairs(tmp_path: Path) -> None:
    """Answering never reads Chroma (the snapshot holds what it scores); a process that starts after
    the active collection was lost finds the pointer dangling and rebuilds."""
    from chains.service import AnswerService
    from knowledge.manager import _clear_chroma_cache

    path = tmp_path / "index"
    manager = _manager(path, [source("a", PLAN_A)])
    snap = manager.snapshot()
    manager.store().client.delete_collection(snap.collection_name)
    answer = AnswerService(manager, manager.embeddings).answer("赤泥可以生产烧结砖吗？")
    assert answer.citations[0].clause_id == "a/一/二" and not manager.last_repair
    _clear_chroma_cache()
    fresh = _manager(path, [source("a", PLAN_A)])
    answer = AnswerService(fresh, fresh.embeddings).answer("赤泥可以生产烧结砖吗？")
    assert answer.citations[0].clause_id == "a/一/二" and fresh.last_repair
