"""A new document, checked before anything is written: its text, its metadata, its clauses.

Staff give metadata as CLI flags, a sidecar ``FILE.meta.json`` or a Telegram caption; what
they leave out is derived (the id from the file name, the title from the first title-like
line). Everything that can be wrong is found here, so that a refused document leaves the
library and the index untouched; the message says what to fix, in Chinese and English.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.corpus import SourceDocument
from knowledge.gazetteer import Place, load_gazetteer
from knowledge.headings import is_heading_start
from knowledge.loaders import DEFAULT_LIMITS, DocumentError, IngestLimits, extract_text
from knowledge.models import Clause, DocumentMeta
from knowledge.parser import parse_text
from knowledge.screening import Flag, screen
from knowledge.textclean import display_width, reflow

# what staff may set; superseded_by is derived from the other documents' "supersedes"
META_KEYS = ("doc_id", "title", "short_title", "jurisdiction", "parent_jurisdiction", "issuer", "doc_number",
             "date", "kind", "supersedes", "addressee")
# manifest keys that say nothing the index uses (or are derived here): accepted in a sidecar, ignored
IGNORED_KEYS = ("note", "source_url", "file", "superseded_by")
# metadata a re-added bundled document takes from the manifest when staff leave it out
INHERITED_KEYS = ("title", "short_title", "jurisdiction", "parent_jurisdiction", "issuer", "doc_number", "date", "kind",
                  "addressee")
LEVEL_NAMES = {0: "国家级", 1: "省级", 2: "市级", 3: "县级"}
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
_DATE_CN = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


def slug_doc_id(filename: str) -> str:
    """A stable id from a file name: lowercase ASCII letters, digits and hyphens; a name with no
    usable ASCII (e.g. all Chinese) gets ``doc-`` and a short hash of the name."""
    stem = Path(filename).stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60].strip("-")
    if len(slug) >= 3 and re.search(r"[a-z]", slug):
        return slug
    return "doc-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:8]


def find_place(value: str) -> Place:
    """The gazetteer's place for a name, short name, 简称, pinyin or code ("山西", "三门峡市",
    "guizhou", "410000"); a name it does not know is refused, saying so."""
    place = load_gazetteer().get(value.strip())
    if place is None:
        raise DocumentError(
            f"不认识的地区“{value}”：请写省、市或县的名称（如 山西、三门峡市）或国家",
            f"unknown place '{value}': give a province, city or county name (e.g. 山西, 三门峡市) or 国家 (national)",
        )
    return place


def normalise_jurisdiction(value: str) -> str:
    """A place as staff name it -> its gazetteer code (国家 -> 100000, 河南 -> 410000, 焦作 -> 410800)."""
    return find_place(value).code


def place_text(code: str | None) -> str:
    """How staff read a place: the gazetteer's name and its level, e.g. "三门峡市（市级）"."""
    place = load_gazetteer().get(code)
    if place is None:
        return code or "未注明"
    name = "国家" if place.level == 0 else place.name
    return f"{name}（{LEVEL_NAMES.get(place.level, '')}）" if place.level else name


def normalise_date(value: str) -> str:
    """YYYY-MM-DD, from "2025-03-01", "2025年3月1日", "2025.3.1" or "2025/3/1"; else an error."""
    m = _DATE_CN.match(value.strip())
    try:
        if not m:
            raise ValueError(value)
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError as exc:
        raise DocumentError(
            f"日期“{value}”无效，请写成 2025-03-01 或 2025年3月1日",
            f"invalid date '{value}': use YYYY-MM-DD (2025-03-01) or 2025年3月1日",
        ) from exc


def guess_title(text: str) -> str | None:
    """The first title-like line: short, no sentence punctuation, not a numbered heading."""
    for para in reflow(text)[:12]:
        line = para.strip("《》 ")
        if is_heading_start(para) or re.search(r"[。，,；;：:]", para) or not 4 <= display_width(line) <= 80:
            continue
        if re.fullmatch(r"[\d\s〔〕\[\]()（）号年月日第.-]+|.*〔\d{4}〕\d+号", line):
            continue  # a document number or a date line
        return line
    return None


_NOTICE_BODY = re.compile(r"^现(?:将|就|把|印发|转发|予)")
_SALUTATION = re.compile(r"^([\u4e00-\u9fff]{2,16}(?:委员|代表|同志|先生|女士|主席|会长))\s*[：:]$")


def guess_addressee(text: str) -> str | None:
    """Whom a reply, letter or notice is sent to: its salutation line near the top ("袁福平委员："),
    or a notice's list of recipients, the line ending in "：" that "现将……印发给你们" follows."""
    paras = [p.strip() for p in reflow(text)[:12]]
    for k, para in enumerate(paras):
        m = _SALUTATION.match(para)
        if m:
            return m.group(1)
        if para.endswith(("：", ":")) and k + 1 < len(paras) and _NOTICE_BODY.match(paras[k + 1]):
            return para.rstrip("：:")
    return None


def read_sidecar(path: Path) -> dict[str, Any]:
    """``plan.docx.meta.json`` (or ``plan.meta.json``) next to ``plan.docx``, if there is one."""
    for candidate in (path.with_name(path.name + ".meta.json"), path.with_name(path.stem + ".meta.json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DocumentError(
                    f"元数据文件 {candidate.name} 不是有效的 JSON", f"{candidate.name} is not valid JSON: {exc}"
                ) from exc
            if not isinstance(data, dict):
                raise DocumentError(f"元数据文件 {candidate.name} 应是一个对象", f"{candidate.name} must hold a JSON object")
            return data
    return {}


def build_meta(
    values: Mapping[str, Any], *, filename: str, text: str, known: Mapping[str, DocumentMeta] | None = None
) -> DocumentMeta:
    """The document's metadata from what staff gave (validated) and what the file implies; a
    document that has the id of a ``known`` (bundled) one takes that one's metadata for what
    staff leave out, so re-adding a removed bundled file does not make it "national"."""
    values = {k: v for k, v in values.items() if k not in IGNORED_KEYS}
    unknown = sorted(set(values) - set(META_KEYS))
    if unknown:
        raise DocumentError(
            f"未知的元数据项：{', '.join(unknown)}（可用：{', '.join(META_KEYS)}）",
            f"unknown metadata keys: {', '.join(unknown)} (known: {', '.join(META_KEYS)})",
        )
    meta: dict[str, Any] = {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}
    doc_id = meta.get("doc_id") or slug_doc_id(filename)
    if not DOC_ID.match(doc_id):
        raise DocumentError(
            f"文件编号“{doc_id}”无效：只能用小写字母、数字和连字符（如 henan-2026-plan）",
            f"invalid doc id '{doc_id}': use lowercase letters, digits and hyphens (e.g. henan-2026-plan)",
        )
    meta["doc_id"] = doc_id
    original = (known or {}).get(doc_id)
    if original is not None:
        inherited = original.model_dump(include=set(INHERITED_KEYS), exclude_none=True)
        if "jurisdiction" in meta:  # a new place: the old parent does not come with it
            inherited.pop("parent_jurisdiction", None)
        meta = {**inherited, **meta}
    meta["title"] = (meta.get("title") or guess_title(text) or Path(filename).stem).strip("《》")
    addressee = meta.get("addressee") or guess_addressee(text)
    if addressee:
        meta["addressee"] = addressee
    place = find_place(meta.get("jurisdiction", "国家"))
    meta["jurisdiction"] = place.code
    if "parent_jurisdiction" in meta:
        meta["parent_jurisdiction"] = find_place(meta["parent_jurisdiction"]).code
    elif place.level >= 2 and place.parent:
        meta["parent_jurisdiction"] = place.parent
    else:
        meta.pop("parent_jurisdiction", None)
    if "date" in meta:
        meta["date"] = normalise_date(meta["date"])
    if meta.get("supersedes") == doc_id:
        raise DocumentError("文件不能取代它自己", f"a document cannot supersede itself ({doc_id})")
    meta["file"] = f"{doc_id}.txt"
    return DocumentMeta.model_validate(meta)


@dataclass
class Candidate:
    """A document that has been read, described, parsed and screened, and is ready to be added."""

    filename: str
    source: SourceDocument
    clauses: list[Clause]
    flags: list[Flag]  # instruction-like passages the admin must confirm

    @property
    def doc_id(self) -> str:
        return self.source.meta.doc_id


def prepare(
    filename: str,
    data: bytes,
    values: Mapping[str, Any],
    *,
    limits: IngestLimits = DEFAULT_LIMITS,
    known: Mapping[str, DocumentMeta] | None = None,
) -> Candidate:
    """Read, describe, parse and screen one document (parsed here, once: the index build uses
    these clauses); a ``DocumentError`` says why it cannot be added."""
    text = extract_text(filename, data, limits)
    meta = build_meta(values, filename=filename, text=text, known=known)
    clauses = parse_text(text, meta.doc_id)
    if not clauses:
        raise DocumentError(f"文件 {filename} 中没有找到任何条款", f"no clauses found in {filename}")
    ids = [c.clause_id for c in clauses]
    if len(set(ids)) != len(ids):  # the index would refuse it; say so now, before anything is written
        dupes = sorted({i for i in ids if ids.count(i) > 1})[:3]
        raise DocumentError(f"文件 {filename} 的条款编号重复：{dupes}", f"duplicate clause ids in {filename}: {dupes}")
    return Candidate(filename, SourceDocument(meta, text, clauses), clauses, screen(text))


def check_batch(candidates: list[Candidate], current: Mapping[str, DocumentMeta], *, replace: bool) -> None:
    """Refuse ids that exist (unless replacing), ids given twice, and unknown ``supersedes``."""
    seen: set[str] = set()
    for c in candidates:
        if c.doc_id in seen:
            raise DocumentError(f"文件编号 {c.doc_id} 在这批文件中出现了两次", f"doc id {c.doc_id} appears twice in this batch")
        seen.add(c.doc_id)
        if c.doc_id in current and not replace:
            title = current[c.doc_id].title
            raise DocumentError(
                f"文件编号 {c.doc_id} 已存在（《{title}》）；如要替换请加 --replace（Telegram：replace=yes）",
                f"doc id {c.doc_id} already exists ({title}); add --replace (Telegram: replace=yes) to replace it",
            )
    known = set(current) | seen
    for c in candidates:
        target = c.source.meta.supersedes
        if target and target not in known:
            raise DocumentError(
                f"supersedes 指向的文件 {target} 不存在（用 redmud docs 查看文件编号）",
                f"supersedes names an unknown document '{target}' (see `redmud docs`)",
            )


@dataclass
class IngestReport:
    """What was found in an added document: shown to the staff member who added it."""

    doc_id: str
    title: str
    jurisdiction: str
    date: str | None
    sections: list[str]  # top-level sections, in order
    clauses: int
    units: list[str]  # responsible units named anywhere in the document
    supersedes: str | None = None
    replaced: bool = False
    flags: list[Flag] = field(default_factory=list)  # confirmed instruction-like passages

    @classmethod
    def of(cls, candidate: Candidate, *, replaced: bool = False) -> IngestReport:
        meta = candidate.source.meta
        sections: list[str] = []
        units: list[str] = []
        for clause in candidate.clauses:
            top = clause.section_path[0] if clause.section_path else None
            if top and top not in sections and clause.kind != "preamble":
                sections.append(top)
            units.extend(u for u in clause.responsible_units if u not in units)
        return cls(meta.doc_id, meta.title, meta.jurisdiction, meta.date, sections, len(candidate.clauses), units,
                   meta.supersedes, replaced, list(candidate.flags))

    def describe(self) -> str:
        """A few lines for the staff member: id, title, place, sections, clauses, responsible units."""
        action = "已替换" if self.replaced else "已收录"
        lines = [f"{action}《{self.title}》（{self.doc_id}）",
                 f"地区：{place_text(self.jurisdiction)}；日期：{self.date or '未注明'}"]
        shown = "；".join(self.sections[:5]) + ("……" if len(self.sections) > 5 else "")
        lines.append(f"章节 {len(self.sections)} 个" + (f"：{shown}" if shown else ""))
        lines.append(f"条款 {self.clauses} 条")
        units = "、".join(self.units[:12]) + ("等" if len(self.units) > 12 else "")
        lines.append(f"责任单位：{units}" if units else "责任单位：文件未列明")
        if self.supersedes:
            lines.append(f"取代：{self.supersedes}（回答将优先引用本文件）")
        if self.flags:
            lines.append(f"已确认收录 {len(self.flags)} 处疑似指令的文字")
        return "\n".join(lines)
