"""Staff add, supersede, replace and remove documents: real files, real Chroma, real embeddings,
answers through AnswerService. Each test builds a small index of its own (a two-document
"bundled" corpus plus what it adds), never the shared session index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, build_services, corpus_sources
from bot.settings import Settings
from knowledge.catalog import Catalog, RebuildFailed, Upload
from knowledge.corpus import load_corpus
from knowledge.embeddings import E5Embeddings
from knowledge.loaders import DocumentError
from knowledge.manager import IndexManager
from tests import staff_files as F
from tests.conftest import make_settings


def add_document(catalog: Catalog, name: str, data: bytes, meta: dict[str, Any], **flags: Any) -> Any:
    return catalog.add([Upload(name, data, meta)], **flags)[0]


FORMATS = [
    ("henan-2026.docx", F.henan_docx, {"jurisdiction": "河南", "date": "2026年3月1日"}),
    ("jiaozuo-2026.pdf", lambda: F.pdf_bytes(F.JIAOZUO_LINES), {"jurisdiction": "焦作", "date": "2026-03-01"}),
    ("vat-notice.html", F.tax_html, {}),
    ("贵州办法.txt", F.guizhou_gbk, {"jurisdiction": "贵州"}),
]


def fresh(folder: Path) -> Services:
    settings = make_settings(folder / "data", corpus_dir=F.make_corpus(folder / "corpus"))
    services = build_services(settings, llm=False)
    services.index.rebuild()
    return services


def index_state(services: Services) -> tuple[str | None, list[str], dict[str, bytes]]:
    """The active collection, its clause ids (read back from Chroma) and every library file."""
    store = services.index.store()
    library = services.settings.data_dir / "library"
    files = {str(p.relative_to(library)): p.read_bytes() for p in sorted(library.rglob("*")) if p.is_file()}
    return store.active_name(), sorted(c.clause_id for c in store.load().clauses), files


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    services = fresh(tmp_path_factory.mktemp("staff-formats"))
    reports = {name: add_document(services.catalog, name, make(), meta)
               for name, make, meta in FORMATS}
    return {"services": services, "reports": reports}


@pytest.mark.parametrize(
    ("question", "file", "section", "units", "says"),
    [
        ("河南赤泥路基材料由哪个部门负责？", "henan-2026.docx", "一、主要任务 > （一）推进赤泥制备路基材料",
         ["省交通运输厅", "省工业和信息化厅"], "高速公路和农村公路"),
        ("河南赤泥综合利用示范园区布局在哪里？", "henan-2026.docx", "一、主要任务 > （二）建设赤泥综合利用示范园区",
         ["省发展改革委"], "三门峡、洛阳"),
        ("焦作赤泥陶粒产能目标是多少？", "jiaozuo-2026.pdf", "一、主要任务 > （一）发展赤泥陶粒",
         ["市工业和信息化局", "市科技局"], "50万吨"),
        ("赤泥建材产品增值税即征即退比例是多少？", "vat-notice.html", "一、政策内容 > （一）即征即退比例",
         ["国家税务总局"], "70%"),
        ("贵州赤泥堆场隐患排查的责任单位是谁？", "贵州办法.txt", "一、安全管理 > （一）开展堆场隐患排查",
         ["省应急管理厅", "省生态环境厅"], "汛期前"),
    ],
    ids=["docx", "docx-table-cell", "pdf", "html", "gbk-txt"],
)
def test_added_documents_are_answered_with_citations(
    world: dict[str, Any], question: str, file: str, section: str, units: list[str], says: str
) -> None:
    doc_id = world["reports"][file].doc_id
    answer = world["services"].answerer.answer(question)
    assert not answer.abstained and answer.citations
    first = answer.citations[0]
    assert (first.doc_id, first.section, first.responsible_units) == (doc_id, section, units)
    assert says in answer.answer and first.clause_id.startswith(f"{doc_id}/")


def test_reports_say_what_was_found(world: dict[str, Any]) -> None:
    henan = world["reports"]["henan-2026.docx"]
    assert (henan.doc_id, henan.title, henan.jurisdiction, henan.date) == ("henan-2026", F.HENAN_TITLE, "410000", "2026-03-01")
    assert henan.sections == ["一、主要任务", "二、保障措施"] and henan.clauses == 3
    assert henan.units == ["省交通运输厅", "省工业和信息化厅", "省发展改革委", "省财政厅"]
    assert world["reports"]["贵州办法.txt"].doc_id.startswith("doc-")
    assert world["reports"]["vat-notice.html"].title == F.TAX_TITLE


def test_documents_list_bundled_and_added(world: dict[str, Any]) -> None:
    docs = {d.meta.doc_id: d for d in world["services"].answerer.documents()}
    assert list(docs)[:2] == ["base-plan", "old-notice"]
    for report in world["reports"].values():
        assert docs[report.doc_id].clause_count == report.clauses
        assert docs[report.doc_id].meta.title == report.title and docs[report.doc_id].meta.superseded_by is None


REFUSALS = [
    ("empty.txt", b"", {}, "is empty"),
    ("title-only.txt", "焦作市赤泥方案".encode(), {}, "no clauses found"),
    ("plan.doc", F.henan_docx(), {}, "unsupported file type '.doc'"),
    ("big5.txt", F.GUIZHOU.encode("big5", errors="replace"), {}, "not UTF-8 or GBK/GB18030"),
    ("locked.pdf", F.pdf_bytes(F.JIAOZUO_LINES, encrypt="pw"), {}, "encrypted PDF"),
    ("scan.pdf", F.scanned_pdf_bytes(), {}, "no text layer; scanned PDF? OCR it first"),
    ("broken.docx", b"PK\x03\x04garbage", {}, "not a readable .docx"),
    ("x.txt", F.GUIZHOU.encode(), {"doc_id": "base-plan"}, "doc id base-plan already exists"),
    ("henan-2026.docx", F.henan_docx(), {}, "doc id henan-2026 already exists"),
    ("x.txt", F.GUIZHOU.encode(), {"supersedes": "no-such-doc"}, "unknown document 'no-such-doc'"),
    ("x.txt", F.GUIZHOU.encode(), {"date": "2026-02-30"}, "invalid date"),
]


@pytest.mark.parametrize(("name", "data", "meta", "reason"), REFUSALS, ids=[r[3][:24] for r in REFUSALS])
def test_refusals_leave_index_and_library_exactly_as_they_were(
    world: dict[str, Any], name: str, data: bytes, meta: dict[str, str], reason: str
) -> None:
    services = world["services"]
    before = index_state(services)
    with pytest.raises(DocumentError) as err:
        add_document(services.catalog, name, data, meta)
    message = str(err.value)
    assert reason in message and " / " in message and "\n" not in message  # Chinese / English, one line
    assert index_state(services) == before


def test_a_batch_with_one_bad_file_adds_nothing(world: dict[str, Any]) -> None:
    services = world["services"]
    before = index_state(services)
    with pytest.raises(DocumentError, match="scanned PDF"):
        services.catalog.add([Upload("ok.txt", F.JIAOZUO_OLD.encode(), {}), Upload("scan.pdf", F.scanned_pdf_bytes(), {})])
    assert index_state(services) == before


class FailingEmbeddings(E5Embeddings):
    """The real model for queries; embedding new passages fails, as a crash mid-build would."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError("embedding failed")


def test_a_failed_rebuild_puts_everything_back(tmp_path: Path) -> None:
    services = fresh(tmp_path)
    add_document(services.catalog, "jz.txt", F.JIAOZUO_OLD.encode(), {"doc_id": "jiaozuo-2023"})
    before = index_state(services)
    settings: Settings = services.settings
    failing = IndexManager(FailingEmbeddings(), lambda: corpus_sources(settings), path=settings.index_dir)
    catalog = Catalog(services.catalog.library, failing, lambda: load_corpus(settings.corpus_dir), services.catalog.lock)
    # a new document, and a replacement of an existing one: both undone
    with pytest.raises(RebuildFailed, match="nothing was changed"):
        add_document(catalog, "gz.txt", F.guizhou_gbk(), {})
    with pytest.raises(RebuildFailed):
        add_document(catalog, "jz.pdf", F.pdf_bytes(F.JIAOZUO_LINES), {"doc_id": "jiaozuo-2023"}, replace=True)
    # a removal embeds nothing (unchanged clauses keep their vectors): fail it in the store instead
    def corpus_with_a_clash() -> list:  # the build refuses duplicate clause ids, before writing anything
        bundled = load_corpus(settings.corpus_dir)
        return [*bundled, *bundled[-1:]]

    clashing = Catalog(services.catalog.library, services.index, corpus_with_a_clash, services.catalog.lock)
    with pytest.raises(RebuildFailed, match="duplicate clause ids"):
        clashing.remove("base-plan")
    assert index_state(services) == before
    assert [s.meta.doc_id for s in corpus_sources(settings)] == ["base-plan", "old-notice", "jiaozuo-2023"]


def test_supersede_prefers_the_newer_document_and_keeps_the_older_by_name(tmp_path: Path) -> None:
    services = fresh(tmp_path)
    _settings, catalog, _index, answerer = services.settings, services.catalog, services.index, services.answerer
    add_document(catalog, "jz-2023.txt", F.JIAOZUO_OLD.encode(), {"doc_id": "jiaozuo-2023", "jurisdiction": "焦作",
                                                                   "date": "2023-04-01"})
    question = "焦作赤泥陶粒有什么要求？"
    assert answerer.answer(question).citations[0].doc_id == "jiaozuo-2023"

    report = add_document(catalog, "jz-2026.pdf", F.pdf_bytes(F.JIAOZUO_LINES),
                          {"doc_id": "jiaozuo-2026", "jurisdiction": "焦作", "date": "2026-03-01",
                           "supersedes": "jiaozuo-2023"})
    assert report.supersedes == "jiaozuo-2023"
    docs = {d.meta.doc_id: d.meta for d in answerer.documents()}
    assert docs["jiaozuo-2023"].superseded_by == "jiaozuo-2026" and docs["jiaozuo-2026"].superseded_by is None

    answer = answerer.answer(question)
    cited = [c.doc_id for c in answer.citations]
    assert cited == ["jiaozuo-2026", "jiaozuo-2023"]  # the newer first; the older, still relevant, with a note
    assert f"《{F.JIAOZUO_OLD_TITLE}》已被 2026-03-01 发布的《{F.JIAOZUO_TITLE}》取代，请以新文件为准" in answer.answer

    by_name = answerer.answer(f"《{F.JIAOZUO_OLD_TITLE}》对赤泥陶粒有什么要求？")
    assert by_name.citations[0].doc_id == "jiaozuo-2023"
    assert "中试线" in by_name.answer and "已被 2026-03-01 发布的" in by_name.answer

    # removing the newer document makes the older one current again
    catalog.remove("jiaozuo-2026")
    assert {d.meta.doc_id: d.meta for d in answerer.documents()}["jiaozuo-2023"].superseded_by is None


def test_replace_needs_the_flag_and_then_swaps_the_text(tmp_path: Path) -> None:
    services = fresh(tmp_path)
    _settings, catalog, _index, answerer = services.settings, services.catalog, services.index, services.answerer
    add_document(catalog, "jz.txt", F.JIAOZUO_OLD.encode(), {"doc_id": "jiaozuo-plan"})
    with pytest.raises(DocumentError, match="add --replace"):
        add_document(catalog, "jz.pdf", F.pdf_bytes(F.JIAOZUO_LINES), {"doc_id": "jiaozuo-plan"})
    report = add_document(catalog, "jz.pdf", F.pdf_bytes(F.JIAOZUO_LINES), {"doc_id": "jiaozuo-plan"}, replace=True)
    assert report.replaced and report.title == F.JIAOZUO_TITLE
    answer = answerer.answer("焦作赤泥陶粒产能目标是多少？")
    assert answer.citations[0].doc_id == "jiaozuo-plan" and "50万吨" in answer.answer
    assert "中试线" not in " ".join(c.text for c in answer.citations)
    # a bundled document can be replaced too, in its place
    add_document(catalog, "base.txt", F.GUIZHOU.encode(), {"doc_id": "base-plan", "jurisdiction": "贵州"},
                 replace=True)
    docs = answerer.documents()
    assert [d.meta.doc_id for d in docs] == ["base-plan", "old-notice", "jiaozuo-plan"]
    assert docs[0].meta.title == F.GUIZHOU_TITLE


def test_remove_added_and_bundled_documents(tmp_path: Path) -> None:
    services = fresh(tmp_path)
    settings, catalog, index, answerer = services.settings, services.catalog, services.index, services.answerer
    add_document(catalog, "vat.html", F.tax_html(), {"doc_id": "vat-notice"})
    question = "赤泥建材产品增值税即征即退比例是多少？"
    assert answerer.answer(question).citations[0].doc_id == "vat-notice"
    tax = "赤泥综合利用有哪些税收优惠？"
    assert "base-plan" in [c.doc_id for c in answerer.answer(tax).citations]

    assert catalog.remove("vat-notice").title == F.TAX_TITLE
    assert "vat-notice" not in [c.doc_id for c in answerer.answer(question).citations]
    assert not (settings.data_dir / "library" / "docs" / "vat-notice.txt").exists()

    catalog.remove("base-plan")  # a bundled one
    assert "base-plan" not in [c.doc_id for c in answerer.answer(tax).citations]
    snapshot = index.snapshot()
    assert list(snapshot.documents) == ["old-notice"]
    assert not any(c.doc_id == "base-plan" for c in snapshot.clauses)
    assert not any(t for t, _ in snapshot.keyword.search(["税收优惠"], 5) if snapshot.clauses[t].doc_id == "base-plan")

    before = index_state(services)
    with pytest.raises(DocumentError, match="no document with id 'base-plan'"):
        catalog.remove("base-plan")
    with pytest.raises(DocumentError, match="last document"):
        catalog.remove("old-notice")
    assert index_state(services) == before

    # re-adding a removed bundled id is allowed, and is what the index then holds
    add_document(catalog, "base.txt", F.BASE_PLAN.encode(), {"doc_id": "base-plan", "title": "重新收录"})
    assert [d.meta.title for d in answerer.documents()] == ["重新收录", "关于开展赤泥综合利用调查的通知"]
