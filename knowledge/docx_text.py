"""The text of a Word (.docx) file: paragraphs and tables in document order, bounded.

Before python-docx inflates anything, the zip directory is checked against the unzipped-size
limit (a zip member cannot inflate past the size it declares: ``zipfile`` stops there and
checks the CRC) and the paragraphs in ``word/document.xml`` are counted, so that a
"paragraph bomb" is refused before lxml builds a tree of millions of elements.

Tables are read from their XML cells (``w:tc``), not from python-docx's per-grid-column
proxies (which repeat a merged cell, and whose identity is not stable): every cell is kept
once. A row stays one line. A task table, one with a 责任单位/牵头单位/责任部门 column, becomes
numbered items ("3. 任务……（责任单位：…）"), so that each row is a clause of its own whose
responsible units are that column's cell (a vertically merged cell counts for every row it
spans), exactly as if the plan had written the task out in prose.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from knowledge.refusals import DocumentError, IngestLimits, too_big

UNIT_HEADERS = re.compile(r"^(?:责任|牵头|主责|配合|承办|负责)(?:单位|部门|处室|科室)")
NUMBER_HEADERS = re.compile(r"^(?:序号|编号|序|No\.?)$", re.IGNORECASE)
_TERMINAL = "。！？；：!?;:"
_PARAGRAPH_TAG = re.compile(rb"<w:p[ >/]")


def docx_text(data: bytes, limits: IngestLimits) -> str:
    _check_zip(data, limits)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # not a zip, or a zip that is not a Word document
        raise DocumentError(
            "无法打开这个 .docx 文件（文件损坏，或是另存为的 .doc？）",
            f"not a readable .docx file ({type(exc).__name__}); a renamed .doc? save it as .docx",
        ) from exc
    lines: list[str] = []
    _content(document, lines)
    return "\n".join(lines)


def _check_zip(data: bytes, limits: IngestLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # python-docx says what is wrong with it, below
    total = sum(m.file_size for m in members)
    cap = int(limits.max_unzipped_mb * 1024 * 1024)
    if total > cap:
        raise too_big(f"解压后 {total / 2**20:,.0f} MB，超过 {limits.max_unzipped_mb:g} MB",
                      f"it unzips to {total / 2**20:,.0f} MB, more than {limits.max_unzipped_mb:g} MB")
    try:
        body = archive.read("word/document.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return
    paragraphs = len(_PARAGRAPH_TAG.findall(body))
    if paragraphs > limits.max_paragraphs:
        raise too_big(f"段落超过 {limits.max_paragraphs:,} 个（{paragraphs:,} 个）",
                      f"more than {limits.max_paragraphs:,} paragraphs ({paragraphs:,})")


def _content(container: Any, lines: list[str]) -> None:
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            _table(item, lines)
        else:
            lines.append(item.text)


def _cell_text(tc: Any, table: Any, nested: list[str]) -> str:
    """A cell's non-empty paragraphs, one a line; a table inside it goes to ``nested`` (after the row)."""
    from docx.table import Table, _Cell

    parts = []
    for item in _Cell(tc, table).iter_inner_content():
        if isinstance(item, Table):
            _table(item, nested)
        elif item.text.strip():
            parts.append(item.text.strip())
    return "\n".join(parts)


def _grid(table: Any, nested: list[str]) -> list[list[tuple[str, bool]]]:
    """Rows of (text, is a vertical-merge continuation) by grid column; a cell that spans columns
    sits in its first column only, so every XML cell appears exactly once."""
    rows: list[list[tuple[str, bool]]] = []
    above: dict[int, str] = {}
    for tr in table._tbl.tr_lst:
        row: list[tuple[str, bool]] = []
        for tc in tr.tc_lst:
            col = len(row)
            if tc.vMerge == "continue":
                row.append((above.get(col, ""), True))
            else:
                text = _cell_text(tc, table, nested)
                above[col] = text
                row.append((text, False))
            row.extend(("", True) for _ in range(tc.grid_span - 1))
        rows.append(row)
    return rows


def _table(table: Any, lines: list[str]) -> None:
    nested: list[str] = []
    rows = _grid(table, nested)
    if not rows:
        return
    header = [re.sub(r"\s+", "", text) for text, _ in rows[0]]
    unit_cols = [i for i, h in enumerate(header) if UNIT_HEADERS.match(h)]
    if unit_cols and len(rows) > 1:  # the header's labels live on in each row ("完成时限：…", 责任单位)
        number_col = next((i for i, h in enumerate(header) if NUMBER_HEADERS.match(h)), None)
        for n, row in enumerate(rows[1:], 1):
            line = _task_row(row, header, unit_cols, number_col, n)
            if line:
                lines.append(line)
    else:
        for row in rows:
            cells = [text for text, merged in row if text and not merged]
            if len(cells) == 1:
                lines.append(cells[0])
            elif cells:
                lines.append(_plain_row(row))
    lines.extend(nested)


def _plain_row(row: list[tuple[str, bool]]) -> str:
    """A row as one line: its cells (merged ones once) separated by "；", ended as a sentence so
    that the next row is never run into it."""
    cells = [_one_line(text) for text, merged in row if text and not merged]
    line = "；".join(c.rstrip(_TERMINAL) if i < len(cells) - 1 else c for i, c in enumerate(cells))
    return line if not line or line[-1] in _TERMINAL else line + "。"


def _task_row(row: list[tuple[str, bool]], header: list[str], unit_cols: list[int], number_col: int | None,
              n: int) -> str:
    """"3. 任务内容；完成时限：2026年（责任单位：甲、乙）": a numbered item with the row's own units."""
    units = [_one_line(row[i][0]) for i in unit_cols if i < len(row) and row[i][0]]
    number = row[number_col][0] if number_col is not None and number_col < len(row) else ""
    number = number if re.fullmatch(r"\d{1,2}", number.strip()) else str(n)
    parts: list[str] = []
    for i, (text, merged) in enumerate(row):
        if i in unit_cols or i == number_col or not text or merged:
            continue
        label = header[i] if parts and i < len(header) and header[i] else ""
        parts.append(f"{label}：{_one_line(text)}" if label else _one_line(text))
    if not parts and not units:
        return ""
    body = "；".join(p.rstrip(_TERMINAL) for p in parts) or "（见上）"
    body = body if body[-1] in _TERMINAL else body + "。"
    tail = f"（责任单位：{'、'.join(u.replace('；', '、') for u in units)}）" if units else ""
    return f"{number.strip()}. {body}{tail}"


def _one_line(text: str) -> str:
    return "；".join(p.rstrip("；;") for p in text.split("\n")) if "\n" in text else text
