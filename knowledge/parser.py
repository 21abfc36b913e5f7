"""Turn the raw text of a Chinese policy document into clauses.

The documents share a vocabulary of structure (一、 / （一） / 1. / （1） / 第X条, boxed columns
(专栏), Q&A pairs, a preamble before the first heading, a closing block of a letter) and tag
tasks with the units responsible for them, "（责任单位：…）". One clause is the body under
the deepest heading; long bodies are split at paragraph and sentence boundaries into pieces
that keep their section path, so every piece can be cited on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.headings import ANSWER, QUESTION, parse_heading, strip_marker
from knowledge.models import Clause
from knowledge.textclean import display_width, reflow

MAX_PIECE_CHARS = 380
TARGET_PIECE_CHARS = 300
MIN_PIECE_CHARS = 60  # a shorter tail joins the piece before it
# the markers of list items inside a body (headings are parsed apart): each group names a kind
_LIST_ITEM = re.compile(
    r"^\s*(?:(?P<dash>——|—|－－)|(?P<ordinal>[一二三四五六七八九十]+是)|(?P<circled>[①-⑳])|"
    r"(?P<paren>[（(]\d{1,2}[）)])|(?P<number>\d{1,2}[.．、](?!\d)))"
)

_UNITS = re.compile(r"[（(]\s*(?:责任单位|牵头单位|责任部门|牵头部门)\s*[：:]\s*([^（）()]*?)\s*[）)]")
_UNIT_SPLIT = re.compile(r"[、，,；;]|\s{2,}")
_CLOSING = re.compile(
    r"^(?:尊敬的|此致|原文(?:地址|链接)[：:]|(?:来源|网址)[：:]\s*<?https?://|<?https?://\S+>?$|特此(?:函复|答复|通知)|联\s*系\s*(?:单位|电话|人)|抄\s*送|附件[：:]|"
    r".{0,30}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:印发)?$)"
)
_COLUMN_ENTRY = re.compile(r"^([^。，,；：:\s]{1,8})[。：:]")
_ANSWER_LINE = re.compile(r"(?:^|\n)(?:答|A)\s*\d*\s*[：:]\s*")
_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]+[”」』）)]*|[^。！？；!?;\n]+")


@dataclass
class _Block:
    labels: list[str]
    keys: list[str]
    kind: str
    paragraphs: list[str] = field(default_factory=list)
    title: str = ""  # the deepest heading's title without its marker (a Q&A's question)


def extract_units(text: str) -> tuple[str, list[str]]:
    """Remove every "（责任单位：…）" from a text and return the units it named, in order."""
    units: list[str] = []
    for m in _UNITS.finditer(text):
        for unit in _UNIT_SPLIT.split(m.group(1)):
            unit = unit.strip(" 。")
            if unit and unit not in units:
                units.append(unit)
    stripped = _UNITS.sub("", text).strip()
    return stripped, units


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _marker_key(marker: str) -> str:
    return re.sub(r"[、.．（）()第章条编\s]", "", marker) or marker


def _is_title_like(paragraph: str) -> bool:
    return display_width(paragraph) <= 70 and not re.search(r"[。，,；;]", paragraph) and not paragraph.endswith(("：", ":"))


class _Builder:
    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        self.blocks: list[_Block] = []
        self.stack: list[tuple[int, str, str, bool, str]] = []  # level, label, key, is_column, title
        self.questions = 0
        self.columns = 0

    @property
    def current(self) -> _Block | None:
        return self.blocks[-1] if self.blocks else None

    def start(self, labels: list[str], keys: list[str], kind: str, title: str = "") -> _Block:
        block = _Block(labels, keys, kind, title=title)
        self.blocks.append(block)
        return block

    def heading(self, level: int, label: str, key: str, is_column: bool, title: str) -> _Block:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, label, key, is_column, title))
        kind = "column" if is_column else "clause"
        return self.start([s[1] for s in self.stack], [s[2] for s in self.stack], kind, title)

    def in_column(self) -> bool:
        return bool(self.stack) and self.stack[-1][3]


def parse_text(raw: str, doc_id: str) -> list[Clause]:
    """Parse raw extracted text into clauses (see the module docstring for the rules)."""
    b = _Builder(doc_id)
    seen_heading = closing = False
    for para in reflow(raw):
        heading = parse_heading(para)
        if closing:
            if heading is None or heading.level > 3:
                continue
            closing = False
        if QUESTION.match(para):
            b.questions += 1
            seen_heading = True
            b.stack.clear()
            b.start([para.strip()], [f"q{b.questions}"], "qa", strip_marker(QUESTION, para)).paragraphs.append(para)
            continue
        if ANSWER.match(para) and b.current is not None and b.current.kind == "qa":
            b.current.paragraphs.append(para)
            continue
        if heading is not None:
            seen_heading = True
            if heading.is_column:
                b.columns += 1
                key = f"专栏{b.columns}"
            else:
                key = _marker_key(heading.marker)
            block = b.heading(heading.level, heading.label, key, heading.is_column, heading.title)
            if heading.body:
                block.paragraphs.append(heading.body)
            continue
        if seen_heading and _CLOSING.match(para) and display_width(para) < 140:
            closing = True
            continue
        if not seen_heading:
            pre = b.current
            if pre is None and _is_title_like(para):
                continue  # the document's title lines
            if pre is None:
                pre = b.start(["前言"], ["前言"], "preamble")
            pre.paragraphs.append(para)
            continue
        if b.in_column():
            entry = _COLUMN_ENTRY.match(para)
            if entry:
                labels = [s[1] for s in b.stack] + [entry.group(1)]
                keys = [s[2] for s in b.stack] + [entry.group(1)]
                b.start(labels, keys, "column", entry.group(1)).paragraphs.append(para)
                continue
        if b.current is None:
            b.start(["正文"], ["正文"], "clause")
        b.current.paragraphs.append(para)  # type: ignore[union-attr]
    return _to_clauses(b.blocks, doc_id)


def _to_clauses(blocks: list[_Block], doc_id: str) -> list[Clause]:
    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    for block in blocks:
        if not block.paragraphs:
            continue  # a bare heading is not a clause of its own
        text, units = extract_units("\n".join(block.paragraphs))
        if not text:
            continue
        base = "/".join(block.keys)
        ordinal = seen.get(base, 0)
        seen[base] = ordinal + 1
        pieces = split_pieces(text)
        in_answer = False
        for i, piece in enumerate(pieces):
            answer = ""
            if block.kind == "qa":
                # the answer is what follows 答： (in this piece or, once begun, the whole piece)
                parts = _ANSWER_LINE.split(piece, maxsplit=1)
                in_answer = in_answer or len(parts) > 1
                answer = parts[-1].strip() if in_answer else ""
            clauses.append(
                Clause(
                    doc_id=doc_id,
                    section_path=list(block.labels),
                    section_keys=list(block.keys),
                    text=piece,
                    responsible_units=units,
                    kind=block.kind,
                    order=len(clauses),
                    piece=i + 1 if len(pieces) > 1 else 0,
                    ordinal=ordinal,
                    heading=block.title,
                    question=block.title if block.kind == "qa" else "",
                    answer=answer,
                )
            )
    return clauses


def item_kind(paragraph: str) -> str:
    """The kind of list item a paragraph is ("——坚持…", "一是…", "（1）…", "①…"), or "" for prose."""
    m = _LIST_ITEM.match(paragraph)
    if m is None:
        return ""
    return next(name for name, group in m.groupdict().items() if group)


def split_pieces(text: str, max_chars: int = MAX_PIECE_CHARS, target: int = TARGET_PIECE_CHARS) -> list[str]:
    """Split a long clause at paragraph, then sentence boundaries; short ones stay whole.

    A piece also ends where a run of list items ends or begins (once it has ``MIN_PIECE_CHARS``):
    a plan without sub-headings lists its principles ("——坚持…") and then states its targets
    ("到 2027 年…") in one section, and a piece holding the last principle and the 2027 target
    is about neither."""
    if len(text) <= max_chars:
        return [text]
    units: list[tuple[str, bool]] = []  # (text, starts a paragraph)
    for para in text.split("\n"):
        if len(para) <= target:
            units.append((para, True))
        else:
            units.extend((s, i == 0) for i, s in enumerate(split_sentences(para)))
    pieces: list[str] = []
    buf, buf_kind = "", ""
    for unit, new_para in units:
        kind = item_kind(unit) if new_para else buf_kind
        shift = new_para and kind != buf_kind and len(buf) >= MIN_PIECE_CHARS
        buf_kind = kind
        if buf and (len(buf) + len(unit) > target or shift):
            pieces.append(buf)
            buf = unit
        elif buf:
            buf = f"{buf}{chr(10) if new_para else ''}{unit}"
        else:
            buf = unit
    if buf:
        if pieces and len(buf) < MIN_PIECE_CHARS:
            pieces[-1] = f"{pieces[-1]}{buf}"
        else:
            pieces.append(buf)
    return pieces
