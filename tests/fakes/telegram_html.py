"""Telegram's HTML rules, as its Bot API enforces them: only its tags, balanced, known entities.

Used by the loopback Bot API server to refuse what Telegram would refuse, and by tests to read
back the plain text a user sees.
"""

from __future__ import annotations

import html
import re

_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
                 "code", "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")


def parse_telegram_html(text: str) -> str:
    """The plain text of Telegram-HTML `text`; ValueError (Telegram's wording) if it would fail."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise ValueError(f"can't parse entities: Unexpected character at byte offset {i}")
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in _ALLOWED_TAGS:
                raise ValueError(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {i}')
            if closing:
                if not stack or stack[-1] != name:
                    raise ValueError(f'can\'t parse entities: Unexpected end tag at byte offset {i}')
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise ValueError(f"can't parse entities: Character entity expected at byte offset {i}")
            out.append(html.unescape(m.group()))
            i = m.end()
        elif ch == ">":
            raise ValueError(f"can't parse entities: Unexpected character at byte offset {i}")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ValueError(f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
