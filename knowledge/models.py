"""Typed records for documents and clauses.

Clauses are the unit of retrieval and citation. Their id is derived from the document id and
the section path, so re-ingesting the same text gives the same ids (Chroma upserts are then
idempotent) and a citation stays valid across rebuilds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping

from pydantic import BaseModel, Field

from knowledge.gazetteer import Place, load_gazetteer

# a clause whole, whichever of its ingest pieces: its document, section keys and ordinal (Clause.whole_key)
WholeKey = tuple[str, tuple[str, ...], int]


class _GazetteerLabels(Mapping[str, str]):
    """Deprecated: ``JURISDICTION_LABELS[j]`` is ``load_gazetteer().label(j)`` for any place (a code,
    a name or a legacy slug). Kept only until chains/ stops importing it; ask the gazetteer."""

    def __getitem__(self, key: str) -> str:
        place = load_gazetteer().get(key)
        if place is None:
            raise KeyError(key)
        return place.label

    def __iter__(self) -> Iterator[str]:
        return iter(load_gazetteer().places)

    def __len__(self) -> int:
        return len(load_gazetteer().places)


JURISDICTION_LABELS: Mapping[str, str] = _GazetteerLabels()


_PERIOD = re.compile(r"(\d{4})\s*[—–\-~～至到]+\s*(\d{4})\s*年")


class DocumentMeta(BaseModel):
    """What we know about one source document (from the manifest, a sidecar or the CLI)."""

    doc_id: str
    title: str
    short_title: str | None = None
    jurisdiction: str = "national"
    parent_jurisdiction: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    kind: str | None = None
    file: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    addressee: str | None = None  # whom a reply or letter answers ("袁福平委员"), from its salutation line

    @property
    def period(self) -> str | None:
        """The years a plan covers, as its title states them ("（2025—2030年）" -> "2025—2030年")."""
        m = _PERIOD.search(self.title)
        return f"{m.group(1)}—{m.group(2)}年" if m else None

    @property
    def issuers(self) -> list[str]:
        """The offices that issued it, as its issuer line lists them ("工业和信息化部、国家发展和改革委员会…")."""
        return [p for p in re.split(r"[、，,]", self.issuer or "") if p.strip()]

    @property
    def display_title(self) -> str:
        return self.short_title or f"《{self.title}》"

    @property
    def place(self) -> Place | None:
        """The gazetteer's entry for the jurisdiction (a code, a name or a legacy slug such as "henan")."""
        return load_gazetteer().get(self.jurisdiction)

    @property
    def level(self) -> int:
        """0 national, 1 province, 2 city, 3 county: the order answers group documents in."""
        place = self.place
        if place is not None:
            return place.level
        return 1 if self.parent_jurisdiction is None else 2

    @property
    def jurisdiction_label(self) -> str:
        place = self.place
        return place.label if place is not None else self.jurisdiction


class Clause(BaseModel):
    """One retrievable piece of a document, with the path of headings above it."""

    doc_id: str
    section_path: list[str] = Field(default_factory=list)  # heading labels, outermost first
    section_keys: list[str] = Field(default_factory=list)  # short stable keys, e.g. ["三", "三"]
    text: str
    responsible_units: list[str] = Field(default_factory=list)
    kind: str = "clause"  # clause | qa | preamble | column | bullet
    order: int = 0  # position in the document, for stable ordering
    piece: int = 0  # index when a long clause was split
    ordinal: int = 0  # disambiguates sibling clauses that share a path (e.g. preamble paragraphs)
    # what the parser recognised, kept so that nobody downstream re-parses labels with regexes
    heading: str = ""  # the deepest heading's title without its marker ("推动赤泥源头减量")
    question: str = ""  # a Q&A clause's question, without 问：
    answer: str = ""  # a Q&A clause's answer (this piece's part of it), without 答：
    # a list with no sub-heading of its own: the heading another document puts over a list of the
    # same form (knowledge.kindred), for retrieval only; its section stays its own
    kindred_heading: str = ""

    @property
    def clause_id(self) -> str:
        parts = [self.doc_id] + (self.section_keys or ["正文"])
        if self.ordinal:
            parts.append(f"p{self.ordinal}")
        if self.piece:
            parts.append(f"#{self.piece}")
        return "/".join(parts)

    @property
    def whole_key(self) -> WholeKey:
        """The clause whole, whichever of the pieces a long one is split into at ingest: its document,
        section and ordinal (pieces are cited as one clause)."""
        return (self.doc_id, tuple(self.section_keys), self.ordinal)

    @property
    def section(self) -> str:
        return " > ".join(self.section_path) if self.section_path else "（正文）"

    @property
    def content_hash(self) -> str:
        payload = "\x1f".join([self.section, self.text, "|".join(self.responsible_units)])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @property
    def body(self) -> str:
        """The clause's own words without a Q&A's question: what answers, for quoting."""
        return self.answer or self.text

    def context_line(self, doc_title: str = "") -> str:
        """The document's title and the section path: what makes a short clause findable.

        A short item ("（二）加大资金支持。…") means little alone; with its document's title and
        its section path ("贵州省赤泥综合利用行动方案 > 三、保障措施 > （二）…") it can be found by
        questions that name the place, the plan or the chapter.
        """
        return " ".join(x for x in (doc_title, self.context_path) if x)

    @property
    def context_path(self) -> str:
        """The section path as retrieval reads it: with a lent heading last, where one was lent."""
        return " > ".join([*self.section_path, *([self.kindred_heading] if self.kindred_heading else [])])

    def passage(self, doc_title: str = "") -> str:
        """The contextual passage (context line, text, then the units it names responsible, which
        the parser keeps apart from the text: "省能源局负责哪些工作" finds the tasks it is listed for):
        what is keyword-indexed."""
        context = self.context_line(doc_title)
        units = f"\n（责任单位：{'、'.join(self.responsible_units)}）" if self.responsible_units else ""
        return (f"{context}\n{self.text}" if context else self.text) + units
