"""Short document names for buttons ("[1] 国家方案") and the places the documents cover.

Everything comes from the documents' own metadata (DocumentMeta): the issuer prefix of the
short title ("八部门《…》"), else the jurisdiction label, then the kind of document named at the
end of its title (方案, 解答, 意见 …). No table of place names lives here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.models import DocumentMeta

_KIND = re.compile(r"(方案|解答|答复|意见|通知|办法|规划|条例|规定|决定|公告|指南|细则|措施|计划|纲要|问答)")
MAX_NAME_CHARS = 8


def short_name(meta: DocumentMeta) -> str:
    """A name that fits on a button: "国家方案", "八部门方案", "河南解答"."""
    prefix = ""
    if meta.short_title and "《" in meta.short_title:
        prefix = meta.short_title.split("《", 1)[0].strip()
    if not prefix:
        prefix = meta.jurisdiction_label
    kinds = _KIND.findall(meta.title)
    kind = kinds[-1] if kinds else "文件"
    name = f"{prefix}{kind}" if prefix else (meta.short_title or meta.title)
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def short_names(metas: Iterable[DocumentMeta]) -> dict[str, str]:
    return {meta.doc_id: short_name(meta) for meta in metas}


def places(metas: Sequence[DocumentMeta]) -> list[tuple[str, str]]:
    """(jurisdiction code, label) of every place below the national level that has documents."""
    seen: dict[str, str] = {}
    for meta in metas:
        if meta.level > 0 and meta.jurisdiction not in seen:
            seen[meta.jurisdiction] = meta.jurisdiction_label
    return sorted(seen.items(), key=lambda item: item[1])
