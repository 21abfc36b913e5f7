"""Lists inside a clause, for questions that ask for one ("基本原则有哪几条", "到底是哪八个部门").

Official documents enumerate in a few fixed ways: ordinals in the running text ("一是……。二是……。"),
lines led by a dash or by a short sentence of their own ("——坚持绿色安全。……", "坚持问题导向。……"),
and runs of short lines (the ministries that sign a notice). The items' titles, joined, answer
"which ones"; the composer quotes them in the clause's own words.
"""

from __future__ import annotations

import re

# an item's title is a phrase, not a sentence: no longer than the documents' headings (the longest
# "（一）…" heading of the bundled plans has 19 characters; 20 leaves room for a place name)
ITEM_CHARS = 20
MIN_ITEMS = 2

# a part of a question that asks *which ones* or *how many*
ENUMERATES = re.compile(
    r"哪几|哪[一二三四五六七八九十两\d]+[个条项类种大家]|几[个条项类种大家条]|具体是哪|分别是|有哪些|包括哪些|"
    r"\bwhich (?:are|ones)\b|\bwhat are the\b|\blist\b", re.IGNORECASE)

# a part that asks *which* things ("能用到哪些场景", "跟哪些行业"): the sentence listing them answers it
# (LISTING) before one that only shares the thing's name ("应用场景等制修订一批标准")
ASKS_WHICH = re.compile(r"哪些|哪几|哪[一二三四五六七八九十两\d]+[个条项类种]|\bwhich\b|\bwhat (?:kinds|types|sorts)\b", re.IGNORECASE)
LISTING = re.compile(r"[^、，。；]{1,12}、[^、，。；]{1,12}、")  # a list of three or more in a sentence


def enumerates(segment: str) -> bool:
    """Whether a segment holds a list of three or more (:data:`LISTING`: "设计、生产、应用、……和碳减排
    核算等方面"): what a "which ones" keeps when its sentence is cut."""
    return LISTING.search(segment) is not None


_NUMERALS = "一二三四五六七八九十"
_STATED = re.compile(r"哪([一二三四五六七八九十两]{1,3}|\d+)[个条项类种大家]")
# English states a count after a determiner asking which ("the four main actions", "which eight bodies")
_ENGLISH_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_STATED_EN = re.compile(rf"\b(?:the|which|what)\s+({'|'.join(_ENGLISH_NUMBERS)}|\d{{1,2}})\b(?!\s*(?:%|percent|per\b))", re.IGNORECASE)
_ORDINAL = re.compile(rf"([{_NUMERALS}]{{1,2}})是")
_TITLE_END = re.compile(r"[。；;，,：:！!？?]")
_PUNCT = re.compile(r"[。，；：、,;:！!？?（）()《》“”]")
_DASH = re.compile(r"^\s*[—–-]{1,2}\s*")


def _numeral(n: int) -> str:
    return _NUMERALS[n - 1] if n <= 10 else "十" + _NUMERALS[n - 11]


def _ordinal_items(text: str) -> list[str]:
    """"一是X。……二是Y。": the titles X, Y, while the ordinals run on from 一."""
    items: list[str] = []
    for m in _ORDINAL.finditer(text):
        if m.group(1) != _numeral(len(items) + 1):
            continue
        if m.start() > 0 and text[m.start() - 1] not in "。；;：:，,\n ":
            continue  # "统一是" is no ordinal
        rest = text[m.end():]
        end = _TITLE_END.search(rest)
        items.append(rest[: end.start() if end else len(rest)].strip())
    return items if len(items) >= MIN_ITEMS else []


def _line_items(lines: list[str]) -> list[str]:
    """Lines that each open with a dash or a short sentence of their own: those openings."""
    titles = []
    for line in lines:
        dashed = bool(_DASH.match(line))
        body = _DASH.sub("", line)
        end = body.find("。")
        if end < 0 or end > ITEM_CHARS or not (dashed or end < len(body) - 1):
            return []
        titles.append(body[:end])
    return titles if len(titles) >= MIN_ITEMS else []


def _short_lines(lines: list[str]) -> list[str]:
    """The longest run of short lines without punctuation or figures (signatories, a list of names)."""
    best: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line and len(line) <= ITEM_CHARS and not _PUNCT.search(line) and not re.search(r"\d", line):
            run.append(line)
            continue
        if len(run) > len(best):
            best = run
        run = []
    return best if len(best) > MIN_ITEMS else []


def item_lines(text: str) -> list[tuple[str, str]]:
    """The items of a list led by dashes or by short titles of their own, wherever they stand among
    a clause's other lines (a plan's principles follow its guiding thought in one section): each
    item's title and its whole line. At least ``MIN_ITEMS`` of them, else none."""
    items = []
    for line in (x.strip() for x in text.splitlines()):
        body = _DASH.sub("", line)
        end = body.find("。")
        if 0 < end <= ITEM_CHARS and end < len(body) - 1 and not _PUNCT.search(body[:end]):
            items.append((body[:end], body))
    return items if len(items) >= MIN_ITEMS else []


def stated_count(part: str) -> int | None:
    """How many items a part says there are ("具体是哪四个", "the four main actions" -> 4), if it says."""
    m = _STATED.search(part) or _STATED_EN.search(part)
    if m is None:
        return None
    return count_value(m.group(1))


def count_value(word: str) -> int | None:
    """A count as a question writes it: digits, Chinese numerals (三, 两, 十三), or an English
    number word (one … twelve)."""
    if word.isdigit():
        return int(word)
    if word.lower() in _ENGLISH_NUMBERS:
        return _ENGLISH_NUMBERS.index(word.lower()) + 1
    if len(word) == 1:
        return 2 if word == "两" else _NUMERALS.index(word) + 1
    # "十三": cn2an reads it (imported on the first such count only)
    from chains.llm.numbers import chinese_to_int

    # a run without 十 is a range ("两三个": two or three), which cn2an would read digit by digit (23)
    return chinese_to_int(word) if "十" in word else None


def list_items(text: str) -> list[str]:
    """The titles of the items a clause enumerates, in order ([] when it does not enumerate)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = [_ordinal_items(text), _line_items(lines), _short_lines(lines)]
    return max(found, key=len)
