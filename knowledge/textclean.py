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
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line)


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


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def reflow(raw: str) -> list[str]:
    """Turn raw extracted text into a list of paragraphs (one logical line each)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_line(x) for x in text.split("\n")]
    nonblank = [x for x in lines if x]
    width = wrap_width(nonblank)
    paragraphs: list[str] = []
    for line in nonblank:
        if not paragraphs:
            paragraphs.append(line)
            continue
        prev = paragraphs[-1]
        if _continues(prev, line, width):
            paragraphs[-1] = _join(prev, line)
        else:
            paragraphs.append(line)
    return paragraphs


def _continues(prev: str, line: str, width: int | None) -> bool:
    if is_heading_start(line) or ends_sentence(prev):
        return False
    if is_heading_start(prev) and not re.search(r"[，。；,]", prev) and display_width(prev) <= 60:
        return False  # a bare heading ("二、存在问题") is never continued by the next line
    last_width = display_width(_last_physical(prev, width))
    if width is not None:
        return last_width >= width - 4
    # an unwrapped text breaks mid-sentence inside long lines, or inside prose (titles have no commas)
    return last_width > 60 or bool(re.search(r"[，。；,]", prev))


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
