"""Undo the damage text extraction does to Chinese policy documents, without rewording them.

PDF and Word extraction leave lines broken mid-sentence (often with blank lines in between),
leading spaces where a page broke, bookmark markers and control characters. We reflow lines
into paragraphs using two signals: whether a line ends a sentence, and whether the document
is hard-wrapped at a fixed width (then a full-width line that does not end a sentence is a
continuation, and a shorter one is the end of a paragraph or a heading).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from knowledge.headings import is_heading_start

_MARKERS = re.compile(r"\[(?:bookmark|BOOKMARK)[^\]]*\]|\{\\[^}]*\}|\ufeff|\u200b|\u200c|\u200d|\u2060")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# an English conjunction left between two Chinese words by a translation/extraction tool
_STRAY_AND = re.compile(rf"(?<=[{_CJK}])\s*\band\b\s*(?=[{_CJK}])")
_TERMINAL = "。！？；：!?;:…"
_CLOSERS = "”」』）)】"


def display_width(line: str) -> int:
    """Width in half-width cells; ambiguous characters (—, “”) are full width in Chinese text."""
    if line.isascii():
        return len(line)
    return len(line) + len(_wide().findall(line))


@lru_cache(maxsize=1)
def _wide() -> re.Pattern[str]:
    """One character class of every wide (W, F, A) code point: counting them with a regex is ~20x
    faster than asking ``unicodedata`` per character, and the same answer (planes 0-3 scanned once)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x80, 0x40000):
        if unicodedata.east_asian_width(chr(cp)) in "WFA":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{cls}]")


def clean_line(line: str) -> str:
    line = _MARKERS.sub("", line)
    line = _CONTROL.sub("", line)
    line = _STRAY_AND.sub("和", line)
    return line.strip(" \t\u3000\u00a0\r")


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def wrap_width(lines: list[str]) -> int | None:
    """The fixed width a hard-wrapped document was broken at, or None if it is not wrapped."""
    widths = [display_width(x) for x in lines if x]
    long = [w for w in widths if w >= 30]
    if len(long) < 8:
        return None
    mode, _ = Counter(long).most_common(1)[0]
    near = sum(1 for w in widths if abs(w - mode) <= 3)
    return mode if near >= 0.4 * len(widths) else None


def reflow(raw: str) -> list[str]:
    """Turn raw extracted text into a list of paragraphs (one logical line each).

    Linear in the text's length: a paragraph being joined is kept as its parts plus what the
    decision about the next line needs (its first line, its width, whether it has sentence
    punctuation, and its last few characters), never re-joined or re-scanned per line (which
    made a 20 MB file without sentence ends take minutes).
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_line(x) for x in text.split("\n")]
    nonblank = [x for x in lines if x]
    width = wrap_width(nonblank)
    paragraphs: list[str] = []
    current: _Paragraph | None = None
    for line in nonblank:
        if current is not None and current.continued_by(line, width):
            current.add(line, width)
        else:
            if current is not None:
                paragraphs.append(current.text())
            current = _Paragraph(line, width)
    if current is not None:
        paragraphs.append(current.text())
    return paragraphs


_PROSE = re.compile(r"[，。；,]")


class _Paragraph:
    """A paragraph being joined from physical lines (see ``reflow``)."""

    def __init__(self, line: str, width: int | None) -> None:
        self.parts = [line]
        self.first_is_heading = is_heading_start(line)
        self.prose = bool(_PROSE.search(line))
        self.width = display_width(line)
        self.tail = line[-(width + 8):] if width is not None else line[-8:]

    def add(self, line: str, width: int | None) -> None:
        sep = " " if _needs_space(self.tail, line) else ""
        self.parts.append(sep + line)
        self.prose = self.prose or bool(_PROSE.search(line))
        self.width += display_width(line) + len(sep)
        keep = width + 8 if width is not None else 8
        self.tail = (self.tail + sep + line)[-keep:]

    def text(self) -> str:
        return "".join(self.parts)

    def continued_by(self, line: str, width: int | None) -> bool:
        if is_heading_start(line) or ends_sentence(self.tail):
            return False
        if self.first_is_heading and not self.prose and self.width <= 60:
            return False  # a bare heading ("二、存在问题") is never continued by the next line
        if width is not None:
            return display_width(_last_physical(self.tail, width)) >= width - 4
        # an unwrapped text breaks mid-sentence inside long lines, or inside prose (titles have no commas)
        return self.width > 60 or self.prose


def _needs_space(a: str, b: str) -> bool:
    return bool(a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum())


def _join(a: str, b: str) -> str:
    return f"{a} {b}" if _needs_space(a, b) else a + b


def _last_physical(paragraph: str, width: int | None) -> str:
    """The last physical line of a paragraph we have been joining (approximated by width)."""
    if width is None:
        return paragraph
    acc, out = 0, []
    for ch in reversed(paragraph):
        acc += 2 if unicodedata.east_asian_width(ch) in "WFA" else 1
        if acc > width + 4:
            break
        out.append(ch)
    return "".join(reversed(out))
