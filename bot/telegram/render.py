"""Turn an Answer (plain text) into Telegram HTML messages of at most 4096 characters.

Why this shape: Telegram rejects a message whose HTML does not parse, and one longer than 4096
characters. So the text is split as *plain* text first (on paragraph, then line, then sentence
boundaries), and only then is each piece escaped and wrapped in its tags; a styled block that
spans two messages is closed at the end of the first and reopened in the second. Every piece of
text goes through `html.escape`, so nothing a user or a document says can become markup.
Lengths are counted in UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

MAX_MESSAGE_CHARS = 4096

# style -> (opening tag, closing tag); "" is plain text
_TAGS: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "b": ("<b>", "</b>"),
    "i": ("<i>", "</i>"),
    "quote": ("<blockquote expandable>", "</blockquote>"),
}
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape for Telegram HTML (&, <, >); quotes are fine outside attributes."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class Block:
    """A run of text in one style: a headline (b), body (""), citations (quote), notice (i)."""

    style: str
    text: str


@dataclass
class Chunk:
    """One Telegram message: its HTML, and the same content without markup (the fallback)."""

    html: str
    plain: str


@dataclass
class _Unit:
    block: int
    style: str
    text: str
    sep: str  # what separated it from the previous unit of the same block


@dataclass
class _Group:
    style: str
    units: list[_Unit] = field(default_factory=list)


def _hard_cut(text: str, budget: int) -> list[str]:
    """Cut text so that each escaped piece fits `budget` (last resort: no boundary found)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        width = utf16_len(escape(ch))
        if size + width > budget and current:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces


def _fit(text: str, budget: int) -> list[str]:
    """Split one line into pieces whose escaped length fits, preferring sentence ends."""
    if utf16_len(escape(text)) <= budget:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        if utf16_len(escape(current + sentence)) <= budget:
            current += sentence
            continue
        if current:
            pieces.append(current)
        if utf16_len(escape(sentence)) <= budget:
            current = sentence
        else:
            *whole, current = _hard_cut(sentence, budget)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return pieces


def _units(blocks: list[Block], limit: int) -> list[_Unit]:
    units: list[_Unit] = []
    for index, block in enumerate(blocks):
        opening, closing = _TAGS[block.style]
        budget = limit - len(opening) - len(closing)
        parts = re.split(r"(\n+)", block.text.strip("\n"))
        sep = ""
        for i, part in enumerate(parts):
            if i % 2 == 1:
                sep = "\n" if len(part) == 1 else "\n\n"
                continue
            for j, piece in enumerate(_fit(part, budget)):
                units.append(_Unit(index, block.style, piece, sep if j == 0 else ""))
            sep = ""
    return [u for u in units if u.text]


def _render(groups: list[_Group]) -> Chunk:
    html_parts, plain_parts = [], []
    for group in groups:
        opening, closing = _TAGS[group.style]
        body = [(u.sep if k else "") + u.text for k, u in enumerate(group.units)]
        html_parts.append(opening + "".join(escape(t) for t in body) + closing)
        plain_parts.append("".join(body))
    return Chunk(html="\n\n".join(html_parts), plain="\n\n".join(plain_parts))


def _with(groups: list[_Group], unit: _Unit) -> list[_Group]:
    groups = [_Group(g.style, list(g.units)) for g in groups]
    if groups and groups[-1].units[-1].block == unit.block:
        groups[-1].units.append(unit)
    else:
        groups.append(_Group(unit.style, [unit]))
    return groups


def split_blocks(blocks: list[Block], limit: int = MAX_MESSAGE_CHARS) -> list[Chunk]:
    """Pack styled blocks into as few messages as possible, each at most `limit` long as HTML.

    Breaks fall between paragraphs or lines when possible; no tag is ever cut (each message is
    rendered on its own, with its own opening and closing tags).
    """
    chunks: list[Chunk] = []
    groups: list[_Group] = []
    for unit in _units(blocks, limit):
        candidate = _with(groups, unit)
        if groups and utf16_len(_render(candidate).html) > limit:
            chunks.append(_render(groups))
            unit = _Unit(unit.block, unit.style, unit.text, "")
            candidate = _with([], unit)
        groups = candidate
    if groups:
        chunks.append(_render(groups))
    return chunks


def split_plain(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split plain text on paragraph/line/sentence boundaries into pieces of at most `limit`."""
    return [c.plain for c in split_blocks([Block("", text)], limit)]
