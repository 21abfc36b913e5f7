"""Real documents for the staff tests, made with the libraries staff's own tools would use:
python-docx for Word, reportlab (its built-in CID font STSong-Light, so no system font is
needed) for PDF, plain HTML and GBK-encoded text; plus a two-document "bundled" corpus so
that the indexes the tests build stay small and fast.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

BASE_PLAN = """赤泥综合利用行动方案（测试）
一、支持政策
（一）落实税收优惠。按规定落实资源综合利用增值税、企业所得税优惠政策。（责任单位：财政部、税务总局）
（二）完善标准体系。加快制定赤泥建材产品标准和赤泥堆存技术规范。（责任单位：工业和信息化部、市场监管总局）
"""
OLD_NOTICE = """关于开展赤泥综合利用调查的通知
一、调查内容
（一）摸清赤泥存量。各地要摸清赤泥产生量、堆存量和利用量。（责任单位：各省工业和信息化主管部门）
"""

HENAN_TITLE = "河南省赤泥综合利用实施方案（2026年）"
HENAN_ROAD = ("（一）推进赤泥制备路基材料。支持在高速公路和农村公路建设中使用赤泥路基材料。"
              "（责任单位：省交通运输厅、省工业和信息化厅）")
HENAN_PARK = "（二）建设赤泥综合利用示范园区。在三门峡、洛阳布局两个赤泥综合利用示范园区。（责任单位：省发展改革委）"
HENAN_FUND = "（一）加强资金支持。统筹省级制造业高质量发展专项资金支持赤泥综合利用项目。（责任单位：省财政厅）"

JIAOZUO_TITLE = "焦作市赤泥综合利用三年行动计划（2026—2028年）"
JIAOZUO_LINES = [
    JIAOZUO_TITLE,
    "一、主要任务",
    "（一）发展赤泥陶粒。支持企业利用赤泥生产陶粒和透水砖，到2028年赤泥陶粒产能达到50万吨。"
    "（责任单位：市工业和信息化局、市科技局）",
    "（二）推进赤泥提铁。鼓励中州铝业开展赤泥选铁示范。（责任单位：市发展改革委）",
    "二、保障措施",
    "（一）强化用地保障。对赤泥综合利用项目优先安排用地指标。（责任单位：市自然资源和规划局）",
]
JIAOZUO_OLD_TITLE = "焦作市赤泥综合利用三年行动计划（2023—2025年）"
JIAOZUO_OLD = f"""{JIAOZUO_OLD_TITLE}
一、主要任务
（一）发展赤泥陶粒。鼓励企业试验利用赤泥生产陶粒，到2025年建成赤泥陶粒中试线1条。（责任单位：市工业和信息化局）
（二）推进赤泥提铁。支持开展赤泥选铁技术研究。（责任单位：市科技局）
"""

TAX_TITLE = "关于赤泥综合利用产品增值税即征即退的公告"
TAX_LINES = [
    "一、政策内容",
    "（一）即征即退比例。利用赤泥生产的建材产品，增值税即征即退比例为70%。（责任单位：国家税务总局）",
    "（二）申请程序。纳税人应在首次申请时向主管税务机关提交资源综合利用情况说明。（责任单位：各地税务机关）",
]

GUIZHOU_TITLE = "贵州省赤泥堆场安全管理办法"
GUIZHOU = f"""{GUIZHOU_TITLE}
一、安全管理
（一）开展堆场隐患排查。每年汛期前对赤泥堆场开展一次全面隐患排查。（责任单位：省应急管理厅、省生态环境厅）
（二）加强渗滤液治理。赤泥堆场应建设渗滤液收集和处理设施。（责任单位：省生态环境厅）
"""


def make_corpus(folder: Path) -> Path:
    """A two-document bundled corpus (REDMUD_CORPUS_DIR) with a manifest like the real one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base-plan.txt").write_text(BASE_PLAN, encoding="utf-8")
    (folder / "old-notice.txt").write_text(OLD_NOTICE, encoding="utf-8")
    manifest = {"documents": [
        {"doc_id": "base-plan", "file": "base-plan.txt", "title": "赤泥综合利用行动方案（测试）",
         "jurisdiction": "national", "date": "2024-12-31"},
        {"doc_id": "old-notice", "file": "old-notice.txt", "title": "关于开展赤泥综合利用调查的通知",
         "jurisdiction": "national", "date": "2020-05-01"},
    ]}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def henan_docx() -> bytes:
    """A Word plan whose second task sits in a table cell, between two ordinary paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading(HENAN_TITLE, level=0)
    document.add_paragraph("一、主要任务")
    document.add_paragraph(HENAN_ROAD)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = HENAN_PARK
    document.add_paragraph("二、保障措施")
    document.add_paragraph(HENAN_FUND)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _wrapped(line: str, width: int = 40) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


def pdf_bytes(lines: list[str], *, encrypt: str | None = None) -> bytes:
    """A text PDF (hard-wrapped like a real one) in reportlab's built-in Chinese font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt=encrypt)
    pdf.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        for part in _wrapped(line):
            pdf.drawString(40, y, part)
            y -= 16
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def scanned_pdf_bytes() -> bytes:
    """A PDF page with only a picture-like drawing and no text layer, as a scanner makes."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for i in range(20):
        pdf.rect(40 + i * 10, 500 + i * 5, 200, 12, fill=1)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def tax_html(charset: str = "gbk") -> bytes:
    """A government web page: navigation, a script and a style around the notice itself."""
    body = "\n".join(f"<p>{line}</p>" for line in TAX_LINES)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>国家税务总局 - {TAX_TITLE}</title>
<style>p {{ margin: 0 }}</style><script>var tracker = "赤泥统计脚本";</script></head>
<body><nav><a href="/">首页</a> | <a href="/zcfg">政策法规</a> | 导航栏赤泥专题</nav>
<div class="article"><h1>{TAX_TITLE}</h1>
<!-- 编辑注释：不应出现 -->
{body}
</div><script>document.write("广告");</script></body></html>"""
    return page.encode(charset)


def guizhou_gbk() -> bytes:
    return GUIZHOU.encode("gbk")


TASK_TABLE_TITLE = "三门峡市赤泥综合利用重点任务分工表"
TASK_ROWS = [  # (序号, 重点任务, 责任单位); the last two rows share one vertically merged unit cell
    ("1", "建设赤泥综合利用产业园。2026年底前建成渑池赤泥综合利用产业园一期。", "市发展改革委"),
    ("2", "推广赤泥路基材料。在国省干线公路建设中每年消纳赤泥不少于30万吨。", "市交通运输局、市工业和信息化局"),
    ("3", "开展赤泥堆场生态修复。对闭库赤泥堆场实施覆土绿化。", "市生态环境局"),
    ("4", "培育赤泥利用骨干企业。支持企业申报省级专精特新企业。", "市工业和信息化局"),
    ("5", "落实赤泥利用税收优惠。按规定落实资源综合利用增值税即征即退政策。", "市工业和信息化局"),
]


def task_table_docx() -> bytes:
    """A city's task table as Word makes it: 序号 / 重点任务 / 责任单位, the units of rows 4 and 5 in
    one vertically merged cell, a title above and a heading line below."""
    import docx

    document = docx.Document()
    document.add_paragraph(TASK_TABLE_TITLE)
    document.add_paragraph("一、重点任务")
    table = document.add_table(rows=len(TASK_ROWS) + 1, cols=3)
    for col, head in enumerate(("序号", "重点任务", "责任单位")):
        table.cell(0, col).text = head
    for row, (number, task, units) in enumerate(TASK_ROWS, 1):
        table.cell(row, 0).text = number
        table.cell(row, 1).text = task
        if row < len(TASK_ROWS):
            table.cell(row, 2).text = units
    merged = table.cell(len(TASK_ROWS) - 1, 2).merge(table.cell(len(TASK_ROWS), 2))
    merged.text = TASK_ROWS[-1][2]
    document.add_paragraph("二、保障措施")
    document.add_paragraph("（一）加强组织领导。市政府成立赤泥综合利用工作专班。（责任单位：市政府办公室）")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def grid_docx(rows: int = 6, cols: int = 3) -> tuple[bytes, list[str]]:
    """A rows x cols table, every cell with its own text, one horizontal and one vertical merge
    (a merge keeps both cells' paragraphs); returns the file and every cell's text."""
    import docx

    document = docx.Document()
    document.add_paragraph("表格测试")
    table = document.add_table(rows=rows, cols=cols)
    texts = []
    for r in range(rows):
        for c in range(cols):
            text = f"第{r + 1}行第{c + 1}列内容"
            table.cell(r, c).text = text
            texts.append(text)
    table.cell(1, 0).merge(table.cell(1, 1))  # across
    table.cell(3, 2).merge(table.cell(4, 2))  # down
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue(), texts


SHANXI_TITLE = "山西省赤泥综合利用实施方案（2026—2028年）"
SHANXI = f"""{SHANXI_TITLE}
一、主要目标
到2028年，全省赤泥综合利用率达到20%，新增赤泥利用能力300万吨。
二、支持政策
（一）给予利用补贴。对利用赤泥生产建材产品的企业，按实际利用量给予每吨20元补贴。（责任单位：省财政厅、省工业和信息化厅）
（二）保障项目用地。赤泥综合利用项目优先纳入省重点项目。（责任单位：省自然资源厅）
"""

HENAN_OLD_TITLE = "河南省赤泥综合利用推进方案（2024—2025年）"
HENAN_OLD = f"""{HENAN_OLD_TITLE}
一、主要目标
到2025年，全省赤泥综合利用率达到10%。（责任单位：省工业和信息化厅）
二、主要任务
（一）推进赤泥建材利用。支持企业开展赤泥制砖试点。（责任单位：省工业和信息化厅）
"""
HENAN_NEW_TITLE = "河南省赤泥综合利用推进方案（2026—2028年）"
HENAN_NEW = f"""{HENAN_NEW_TITLE}
一、主要目标
到2028年，全省赤泥综合利用率达到25%。（责任单位：省工业和信息化厅、省发展改革委）
二、主要任务
（一）推进赤泥建材利用。支持企业建设赤泥制砖生产线，年利用赤泥100万吨。（责任单位：省工业和信息化厅）
"""
