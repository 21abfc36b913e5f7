"""Document names written without 《》 in an LLM answer that the clauses do not name.

Why: "可按资源综合利用企业所得税优惠目录享受减免" cites a real-sounding document the model was
never given, and without 《》 the title check does not see it. A name is found by its ending: a
document kind that only ends a title (办法, 细则, 目录, 条例, 方案, 规划, 纲要, 指南, 公告) after a
run of at least four characters, or a kind that is also an ordinary word (通知, 意见, 规定,
决定, 批复, 答复, 函) only inside "关于……的". It passes when a specific part of it (the kind
plus four characters or more) occurs in the clauses or their documents' titles.
"""

from __future__ import annotations

import re

from chains.llm.numbers import normalise

_STRONG = "管理办法|实施办法|暂行办法|办法|实施细则|细则|目录|条例|行动方案|实施方案|工作方案|方案|规划|纲要|指南|公告"
_WEAK = "通知|指导意见|实施意见|意见|规定|决定|批复|答复|复函|函"
_ABOUT = re.compile(rf"关于[^，。；：:,;\n《》]{{2,40}}?的(?:{_STRONG}|{_WEAK})")
# the name starts after the last of these in a run (可按XX目录 -> XX目录, 按照实施方案 -> 实施方案)
_LEAD = re.compile(r"按照|依照|依据|根据|参照|对照|执行|符合|落实|适用|出台|发布|印发|制定|[按依据照见由经可将是为的了在]")
# 规划 is also a verb (规划建设): a kind there only at the end of a run or before 的/和/中…
_KIND = re.compile(rf"((?:{_STRONG.replace('|规划', '')})|规划(?=$|[的和与及中第等]))")
_MIN_SPECIFIC = 4  # characters beyond the kind that make a name specific (实施方案 alone is not)


def _names(text: str) -> list[tuple[str, str]]:
    """(name, kind) for every run of Chinese characters that ends in a title-only kind."""
    out = []
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        for m in re.finditer(_KIND, run):
            stem = run[: m.start()]
            cuts = [c.end() for c in _LEAD.finditer(stem)]
            out.append((stem[cuts[-1] if cuts else 0 :] + m.group(1), m.group(1)))
    return out


def unknown_documents(text: str, haystack: str) -> list[str]:
    """Names of documents in `text` (titles in 《》 already removed) that `haystack` does not hold."""
    text, haystack = normalise(text), normalise(haystack)
    unknown: list[str] = []
    for m in _ABOUT.finditer(text):
        if m.group(0) not in haystack:
            unknown.append(m.group(0))
    for name, kind in _names(_ABOUT.sub("", text)):
        if len(name) - len(kind) < _MIN_SPECIFIC:
            continue  # 实施方案, 该办法: no name
        known = any(name[k:] in haystack for k in range(0, len(name) - len(kind) - _MIN_SPECIFIC + 1))
        if not known:
            unknown.append(name)
    return unknown
