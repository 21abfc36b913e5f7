"""Word tables as python-docx writes them: every cell kept (merged ones once), rows kept as rows,
and a 责任单位 column giving each task row its own responsible units. No index here."""

from __future__ import annotations

import io

from knowledge.intake import prepare
from knowledge.loaders import extract_text
from knowledge.parser import parse_text
from tests import staff_files as F


def test_every_cell_of_a_merged_grid_is_kept_once() -> None:
    data, cells = F.grid_docx(6, 3)
    text = extract_text("grid.docx", data)
    assert len(cells) == 18
    for cell in cells:
        assert text.count(cell) == 1, cell
    # a row stays one line, in order; the cell merged down sits in the row where it starts
    lines = text.splitlines()
    assert lines[1].startswith("第1行第1列内容") and "第1行第3列内容" in lines[1]
    assert "第4行第3列内容" in lines[4] and "第5行第3列内容" in lines[4] and lines[5].startswith("第5行第1列内容")


def test_python_docx_proxies_would_have_lost_cells() -> None:
    """What the old reader did (de-duplicating by id() of transient proxies) keeps fewer cells than
    there are: the reason the reader walks the XML cells instead."""
    import docx

    data, cells = F.grid_docx(6, 3)
    table = docx.Document(io.BytesIO(data)).tables[0]
    seen: set[int] = set()
    kept = []
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                kept.append(cell.text)
    assert len(kept) < 16
    assert all(cell in extract_text("grid.docx", data) for cell in cells)


def test_a_task_table_gives_each_row_its_own_units() -> None:
    text = extract_text("tasks.docx", F.task_table_docx())
    clauses = {c.section: c for c in parse_text(text, "smx")}
    for number, task, units in F.TASK_ROWS:
        title = task.split("。")[0]
        clause = clauses[f"一、重点任务 > {number}.{title}"]
        assert clause.responsible_units == units.split("、"), number
        assert task.split("。")[1] in clause.text and "责任单位" not in clause.text
    # the vertically merged unit cell counts for both rows it spans
    assert clauses["一、重点任务 > 4.培育赤泥利用骨干企业"].responsible_units == ["市工业和信息化局"]
    assert clauses["二、保障措施 > （一）加强组织领导"].responsible_units == ["市政府办公室"]


def test_a_task_table_report_lists_every_unit() -> None:
    candidate = prepare("smx-tasks.docx", F.task_table_docx(), {"jurisdiction": "三门峡市"})
    assert candidate.source.meta.jurisdiction == "411200" and candidate.source.meta.parent_jurisdiction == "410000"
    assert candidate.source.meta.title == F.TASK_TABLE_TITLE
    assert candidate.clauses is candidate.source.clauses()  # parsed once: the build uses these
    units = [u for c in candidate.clauses for u in c.responsible_units]
    for unit in ("市发展改革委", "市交通运输局", "市工业和信息化局", "市生态环境局", "市政府办公室"):
        assert unit in units


def test_a_lead_unit_column_counts_too() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("一、任务")
    table = document.add_table(rows=3, cols=3)
    for col, head in enumerate(("工作任务", "完成时限", "牵头单位")):
        table.cell(0, col).text = head
    table.cell(1, 0).text = "建立赤泥利用台账"
    table.cell(1, 1).text = "2026年6月"
    table.cell(1, 2).text = "省工业和信息化厅\n省统计局"
    table.cell(2, 0).text = "制定赤泥建材标准"
    table.cell(2, 1).text = "2026年12月"
    table.cell(2, 2).text = "省市场监管局"
    buf = io.BytesIO()
    document.save(buf)
    clauses = parse_text(extract_text("t.docx", buf.getvalue()), "t")
    by_units = {tuple(c.responsible_units): c.text for c in clauses}
    assert by_units[("省工业和信息化厅", "省统计局")] == "建立赤泥利用台账；完成时限：2026年6月。"
    assert by_units[("省市场监管局",)] == "制定赤泥建材标准；完成时限：2026年12月。"
