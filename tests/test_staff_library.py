"""The library of staff documents (merge, removal, supersession, atomic writes, undo) and how a
superseded document is named in answers. No index here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chains.compose import superseded_note
from chains.naming import named_documents
from knowledge.corpus import SourceDocument, load_corpus
from knowledge.library import Library
from knowledge.models import DocumentMeta


def doc(doc_id: str, text: str = "一、任务\n（一）内容。", **meta: str) -> SourceDocument:
    return SourceDocument(DocumentMeta(doc_id=doc_id, title=meta.pop("title", doc_id), **meta), text)


BUNDLED = [doc("a"), doc("b"), doc("c")]


def ids(sources: list[SourceDocument]) -> list[str]:
    return [s.meta.doc_id for s in sources]


def test_merge_is_bundled_minus_removed_plus_added(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    assert ids(library.merge(BUNDLED)) == ["a", "b", "c"]  # nothing added yet: the bundled corpus
    library.add(doc("z-new", title="新文件"))
    library.add(doc("m-new"))
    library.add(doc("b", "一、替换\n（一）新内容。", title="替换后的 b"))
    library.mark_removed("c")
    merged = library.merge(BUNDLED)
    assert ids(merged) == ["a", "b", "m-new", "z-new"]  # a replaced bundled doc keeps its place
    assert merged[1].meta.title == "替换后的 b" and "新内容" in merged[1].text
    assert library.discard("b") and not library.discard("b")
    assert ids(library.merge(BUNDLED)) == ["a", "b", "m-new", "z-new"] and library.merge(BUNDLED)[1].meta.title == "b"


def test_supersession_is_linked_and_follows_removals(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    library.add(doc("a-2026", supersedes="a", date="2026-03-01"))
    merged = {s.meta.doc_id: s.meta for s in library.merge(BUNDLED)}
    assert merged["a"].superseded_by == "a-2026" and merged["a-2026"].superseded_by is None
    library.discard("a-2026")
    assert all(s.meta.superseded_by is None for s in library.merge(BUNDLED))
    # a stored superseded_by is never trusted: it is derived from what is present
    library.add(SourceDocument(DocumentMeta(doc_id="x", title="x", superseded_by="gone"), "一、甲\n（一）乙。"))
    assert {s.meta.doc_id: s.meta for s in library.merge(BUNDLED)}["x"].superseded_by is None


def test_the_bundled_corpus_merges_unchanged(tmp_path: Path) -> None:
    bundled = load_corpus()
    assert [(s.meta, s.text) for s in Library(tmp_path / "none").merge(bundled)] == [(s.meta, s.text) for s in bundled]


def test_files_are_utf8_text_and_meta_json_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = Library(tmp_path / "library")
    library.add(doc("plan", "一、任务\n（一）推动赤泥利用。", title="赤泥方案"))
    docs = tmp_path / "library" / "docs"
    assert sorted(p.name for p in docs.iterdir()) == ["plan.json", "plan.txt"]
    assert (docs / "plan.txt").read_text(encoding="utf-8") == "一、任务\n（一）推动赤泥利用。"
    assert DocumentMeta.model_validate_json((docs / "plan.json").read_text(encoding="utf-8")).title == "赤泥方案"

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)  # the moment a real crash would hit
    with pytest.raises(OSError):
        library.add(doc("plan", "一、任务\n（一）另一个版本。"))
    monkeypatch.undo()
    assert (docs / "plan.txt").read_text(encoding="utf-8") == "一、任务\n（一）推动赤泥利用。"
    assert sorted(p.name for p in docs.iterdir()) == ["plan.json", "plan.txt"]  # no temp file left behind


def test_save_and_restore_put_files_back_exactly(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    library.add(doc("keep", title="原来的"))
    saved = library.save(["keep", "new"])
    library.add(doc("keep", title="改过的"))
    library.add(doc("new"))
    library.mark_removed("a")
    library.restore(saved)
    assert ids(library.added()) == ["keep"] and library.added()[0].meta.title == "原来的"
    assert library.removed() == [] and not (tmp_path / "library" / "removed.json").exists()


def test_unreadable_entries_are_skipped_not_fatal(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    library.add(doc("good"))
    (tmp_path / "library" / "docs" / "bad.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "library" / "removed.json").write_text("not json", encoding="utf-8")
    assert ids(library.added()) == ["good"] and library.removed() == []


OLD = DocumentMeta(doc_id="jz-old", title="焦作市赤泥综合利用三年行动计划（2023—2025年）", superseded_by="jz-new")
NEW = DocumentMeta(doc_id="jz-new", title="焦作市赤泥综合利用三年行动计划（2026—2028年）", supersedes="jz-old",
                   date="2026-03-01")


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("《焦作市赤泥综合利用三年行动计划（2023—2025年）》有什么要求？", {"jz-old"}),
        ("焦作市赤泥综合利用三年行动计划(2023-2025年)有什么要求", {"jz-old"}),
        ("焦作市赤泥综合利用三年行动计划有什么要求？", {"jz-new"}),  # both fit: the current one
        ("焦作赤泥陶粒有什么要求？", set()),
    ],
)
def test_documents_named_by_title(question: str, named: set[str]) -> None:
    assert named_documents(question, {"jz-old": OLD, "jz-new": NEW}) == named


def test_named_title_inside_a_longer_one_is_not_named() -> None:
    docs = {s.meta.doc_id: s.meta for s in load_corpus()}
    assert named_documents("贵州省赤泥综合利用行动方案的目标是什么？", docs) == {"guizhou-2025-redmud-plan"}
    assert named_documents("《赤泥综合利用行动方案》的目标是什么？", docs) == {"cn-2024-redmud-plan"}


def test_superseded_note_names_the_newer_document_and_its_date() -> None:
    assert superseded_note(OLD, NEW, "zh") == (
        "《焦作市赤泥综合利用三年行动计划（2023—2025年）》已被 2026-03-01 发布的"
        "《焦作市赤泥综合利用三年行动计划（2026—2028年）》取代，请以新文件为准。"
    )
    undated = NEW.model_copy(update={"date": None})
    assert superseded_note(OLD, undated, "zh").endswith("已被《焦作市赤泥综合利用三年行动计划（2026—2028年）》取代，请以新文件为准。")
    assert "issued 2026-03-01" in superseded_note(OLD, NEW, "en")


def test_library_changes_are_serialised_across_processes(tmp_path) -> None:
    """A second process waits for the lock that an ingest in progress holds."""
    import subprocess
    import sys
    import time

    from knowledge.locking import LOCK_NAME, KnowledgeLock

    probe = (  # try once without waiting (must find the lock taken), then wait for it
        "import fcntl, sys; h = open(sys.argv[1], 'a+b')\n"
        "try:\n    fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free', flush=True)\n"
        "except BlockingIOError:\n    print('busy', flush=True)\n"
        "fcntl.flock(h, fcntl.LOCK_EX); print('got', flush=True)"
    )
    with KnowledgeLock(tmp_path / LOCK_NAME).held():
        other = subprocess.Popen([sys.executable, "-c", probe, str(tmp_path / LOCK_NAME)], stdout=subprocess.PIPE,
                                 text=True)
        assert other.stdout is not None
        first = other.stdout.readline().strip()  # the child has tried the lock while we hold it
        time.sleep(0.5)
        assert other.poll() is None  # still waiting for our lock
    rest = other.communicate(timeout=60)[0].split()
    # an advisory flock on REDMUD_DATA_DIR/library.lock: taken while we held it, then released
    assert (first, rest, other.returncode) == ("busy", ["got"], 0)
