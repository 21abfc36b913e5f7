"""Reading staff documents: every format to text, then the same clause parser; metadata defaults
and validation; refusals that say why. No index here (see test_staff_ingest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.intake import (
    build_meta,
    guess_title,
    normalise_date,
    normalise_jurisdiction,
    prepare,
    slug_doc_id,
)
from knowledge.loaders import DocumentError, decode_text, extract_text
from knowledge.parser import parse_text
from tests import staff_files as F


def clause_map(text: str, doc_id: str = "d") -> dict[str, list[str]]:
    return {c.section: c.responsible_units for c in parse_text(text, doc_id)}


def test_docx_paragraphs_and_table_cells_in_order() -> None:
    text = extract_text("plan.docx", F.henan_docx())
    lines = text.splitlines()
    assert lines[0] == F.HENAN_TITLE
    assert lines.index(F.HENAN_ROAD) < lines.index(F.HENAN_PARK) < lines.index("二、保障措施")
    assert clause_map(text) == {
        "一、主要任务 > （一）推进赤泥制备路基材料": ["省交通运输厅", "省工业和信息化厅"],
        "一、主要任务 > （二）建设赤泥综合利用示范园区": ["省发展改革委"],
        "二、保障措施 > （一）加强资金支持": ["省财政厅"],
    }


def test_pdf_chinese_text_comes_back_and_reflows() -> None:
    text = extract_text("plan.pdf", F.pdf_bytes(F.JIAOZUO_LINES))
    assert F.JIAOZUO_TITLE in text
    clauses = parse_text(text, "jz")
    first = clauses[0]
    assert first.section == "一、主要任务 > （一）发展赤泥陶粒"
    assert "到2028年赤泥陶粒产能达到50万吨" in first.text  # joined across the PDF's line breaks
    assert first.responsible_units == ["市工业和信息化局", "市科技局"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (F.scanned_pdf_bytes(), "no text layer; scanned PDF? OCR it first"),
        (F.pdf_bytes(F.JIAOZUO_LINES, encrypt="secret"), "encrypted PDF"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "unreadable PDF"),
    ],
    ids=["scanned", "encrypted", "corrupt"],
)
def test_pdf_refusals_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as err:
        extract_text("plan.pdf", data)
    assert reason in str(err.value) and "/" in str(err.value)  # Chinese / English


def test_html_honours_meta_charset_and_drops_scripts_nav_comments() -> None:
    text = extract_text("notice.html", F.tax_html("gbk"))
    assert text.splitlines()[0] == F.TAX_TITLE
    for noise in ("导航栏", "首页", "tracker", "广告", "编辑注释", "margin"):
        assert noise not in text
    assert clause_map(text) == {
        "一、政策内容 > （一）即征即退比例": ["国家税务总局"],
        "一、政策内容 > （二）申请程序": ["各地税务机关"],
    }
    assert extract_text("notice.htm", F.tax_html("utf-8")) == text


def test_html_declared_charset_that_lies_is_refused() -> None:
    page = F.tax_html("gbk").replace(b'charset="gbk"', b'charset="utf-8"')
    with pytest.raises(DocumentError, match="declares charset utf-8"):
        extract_text("notice.html", page)


def test_html_block_structure_is_kept_and_inline_tags_are_not_breaks() -> None:
    page = "<body><div>一、主要任务<p>（一）推动<b>赤泥</b>制砖，\n  支持企业。<br>（责任单位：市工信局）</p></div></body>"
    assert extract_text("a.html", page.encode()) == "一、主要任务\n（一）推动赤泥制砖，支持企业。\n（责任单位：市工信局）"


def test_markdown_syntax_is_stripped_and_numbering_kept() -> None:
    md = "# 焦作市赤泥方案\n\n## 一、主要任务\n\n**（一）发展赤泥陶粒。**支持*企业*生产[陶粒](http://x)。（责任单位：市科技局）\n\n1. 建设中试线。\n2. 开展示范。\n"
    text = extract_text("plan.md", md.encode("utf-8-sig"))
    assert text.splitlines() == ["焦作市赤泥方案", "一、主要任务", "（一）发展赤泥陶粒。支持企业生产陶粒。（责任单位：市科技局）",
                                 "1.建设中试线。", "2.开展示范。"]
    assert "#" not in text and "*" not in text and "http" not in text
    assert extract_text("note.md", r"注：2\*3=6，**重点**".encode()) == "注：2*3=6，重点"  # an escaped star stays


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_encodings_are_detected(encoding: str) -> None:
    assert extract_text("plan.txt", F.GUIZHOU.encode(encoding)) == F.GUIZHOU


@pytest.mark.parametrize(
    "data",
    [F.GUIZHOU.encode("big5", errors="replace"), "résumé café naïve".encode("latin-1"), bytes(range(128, 256)) * 3],
    ids=["big5", "latin-1", "binary"],
)
def test_undecodable_text_is_refused_not_guessed(data: bytes) -> None:
    with pytest.raises(DocumentError, match="not UTF-8 or GBK/GB18030"):
        decode_text(data)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("plan.txt", b"", "is empty"),
        ("plan.txt", b"  \n\n ", "is empty"),
        ("plan.doc", b"\xd0\xcf\x11\xe0", "unsupported file type '.doc'"),
        ("plan", b"text", "unsupported file type 'no extension'"),
        ("plan.docx", b"PK\x03\x04 not really a zip", "not a readable .docx"),
        ("plan.txt", "12345 ……\n—— 。".encode(), "contains no text"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        extract_text(name, data)


def test_a_text_without_clauses_is_refused() -> None:
    with pytest.raises(DocumentError, match="no clauses found"):
        prepare("title-only.txt", "焦作市赤泥方案".encode(), {})


def test_metadata_defaults_from_the_file() -> None:
    meta = build_meta({}, filename="Henan 2026_Plan (final).docx", text=F.HENAN_TITLE + "\n一、主要任务\n")
    assert meta.doc_id == "henan-2026-plan-final"
    assert meta.title == F.HENAN_TITLE and meta.jurisdiction == "100000" and meta.date is None
    chinese = slug_doc_id("焦作市行动计划.pdf")
    assert chinese.startswith("doc-") and chinese == slug_doc_id("焦作市行动计划.txt") != slug_doc_id("贵州办法.txt")
    assert slug_doc_id("2026年方案.txt").startswith("doc-")  # digits alone say nothing


def test_title_skips_document_numbers_and_headings() -> None:
    text = "豫工信联节〔2026〕12号\n\n河南省赤泥综合利用实施方案\n各有关单位：\n一、主要任务\n"
    assert guess_title(text) == "河南省赤泥综合利用实施方案"
    assert guess_title("一、主要任务\n（一）推动。内容。") is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [("国家", "100000"), ("national", "100000"), ("河南", "410000"), ("河南省", "410000"), ("Guizhou", "520000"),
     ("焦作市", "410800"), ("广西", "450000"), ("shandong", "370000"), ("山西", "140000"), ("三门峡市", "411200"),
     ("guizhou", "520000"), ("411200", "411200")],
)
def test_places_are_stored_as_gazetteer_codes(given: str, expected: str) -> None:
    assert normalise_jurisdiction(given) == expected


@pytest.mark.parametrize("unknown", ["火星", "Atlantis", "河南北省"])
def test_an_unknown_place_is_refused_saying_so(unknown: str) -> None:
    with pytest.raises(DocumentError, match=f"unknown place '{unknown}'") as err:
        build_meta({"jurisdiction": unknown}, filename="plan.txt", text="x")
    assert "不认识的地区" in str(err.value) and "\n" not in str(err.value)


def test_city_gets_its_province_and_a_province_no_parent() -> None:
    meta = build_meta({"jurisdiction": "焦作"}, filename="jz-plan.txt", text="x")
    assert meta.jurisdiction == "410800" and meta.parent_jurisdiction == "410000"
    assert meta.place is not None and meta.place.label == "焦作" and meta.level == 2
    assert build_meta({"jurisdiction": "山西省"}, filename="sx.txt", text="x").parent_jurisdiction is None


def test_a_re_added_bundled_document_keeps_its_manifest_metadata() -> None:
    from knowledge.corpus import load_manifest

    known = {m.doc_id: m for m in load_manifest()}
    meta = build_meta({}, filename="henan-2025-redmud-qa.txt", text="一、问题\n（一）内容。", known=known)
    assert meta.jurisdiction == "410000" and meta.title == known["henan-2025-redmud-qa"].title
    assert meta.issuer == known["henan-2025-redmud-qa"].issuer
    moved = build_meta({"jurisdiction": "焦作"}, filename="henan-2025-redmud-qa.txt", text="x", known=known)
    assert moved.jurisdiction == "410800" and moved.parent_jurisdiction == "410000"


@pytest.mark.parametrize(
    ("given", "expected"), [("2026-03-01", "2026-03-01"), ("2026年3月1日", "2026-03-01"), ("2026.3.1", "2026-03-01")]
)
def test_dates_are_normalised(given: str, expected: str) -> None:
    assert normalise_date(given) == expected


@pytest.mark.parametrize("bad", ["2026-02-30", "March 2026", "26-3-1", "2026年13月1日"])
def test_bad_dates_are_refused(bad: str) -> None:
    with pytest.raises(DocumentError, match="invalid date"):
        normalise_date(bad)


@pytest.mark.parametrize(
    ("values", "reason"),
    [({"doc_id": "Henan/Plan"}, "invalid doc id"), ({"titel": "x"}, "unknown metadata keys: titel"),
     ({"doc_id": "abc-plan", "supersedes": "abc-plan"}, "cannot supersede itself")],
)
def test_bad_metadata_is_refused(values: dict[str, str], reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        build_meta(values, filename="plan.txt", text="x")


def test_sidecar_is_read_and_flags_win(tmp_path: Path) -> None:
    from knowledge.intake import read_sidecar

    plan = tmp_path / "plan.docx"
    plan.write_bytes(F.henan_docx())
    assert read_sidecar(plan) == {}
    (tmp_path / "plan.docx.meta.json").write_text(json.dumps({"title": "侧车标题", "jurisdiction": "河南"}), encoding="utf-8")
    values = {**read_sidecar(plan), "title": "命令行标题", "note": "manifest-style keys are accepted", "file": "x.txt"}
    meta = build_meta(values, filename=plan.name, text="")
    assert meta.title == "命令行标题" and meta.jurisdiction == "410000"
    (tmp_path / "plan.docx.meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DocumentError, match="not valid JSON"):
        read_sidecar(plan)
