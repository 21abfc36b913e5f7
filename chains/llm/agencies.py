"""Agency names in an LLM answer that the clauses do not name (part of the grounding check).

Why: a model that attributes a provision to the wrong body (海关总署, 国务院, 中国人民银行, a
province's 厅 that the clause does not name) sends a member to the wrong office. Three ways
of finding a name, because no single one sees them all:
- central bodies from a list kept as data (data/government_bodies.txt, with their short names):
  their names end in 署, 院, 银行 … which no suffix rule can cover;
- local bodies by pattern: a level (省/市/县/区/州) + a name + 政府 or 办;
- any other name by its ending (厅, 局, 委, 委员会, 办公室, 司 …) with guards for ordinary words.
A name passes when the clauses name it; a place written before it (a province's name + "省财政厅") must be
written there too, or be the place of that clause's document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from chains.llm.numbers import normalise

# a function that returns the place name that `text` ends with, or None
PlaceAtEnd = Callable[[str], "str | None"]

_LEVEL = "省市县区州盟旗"
# agency names end with one of these (longest first); the guards skip ordinary words (部署, 布局…)
_AGENCY_SUFFIX = re.compile(r"委员会|办公室|税务局|公司|厅|局|部|委|司")
_NOT_AGENCY_AFTER = {"部": "署分门位件长队", "局": "面限势部", "委": "员托屈婉", "厅": "堂", "司": "机法令"}
_NOT_AGENCY_BEFORE = {
    "部": "全内外东西南北中局底头干基总细",
    "局": "布格全结大当",
    "厅": "大客餐展",
    "委": "",
    "司": "公上",
}
# local governments and their offices: 省政府, 市人民政府办公室, 县工信办
_LOCAL = re.compile(
    r"[" + _LEVEL + r"](?:人民)?政府(?:办公厅|办公室|办)?"
    r"|[" + _LEVEL + r"](?:[^\W\d_的了可以在和与及或要会去帮申请能该就都也还把被将让给对从向场域级里内外]){1,5}?"
    r"办(?![理法事公好学])"
)
_CJK = re.compile(r"[\u4e00-\u9fff]+$")
_FUNCTION_PREFIX = re.compile(
    r"^(?:由|向|与|和|及|会同|经|请|联系|咨询|是|为|等|的|在|对|需|可|按|据|根据|通过|报|由各)+"
)


@dataclass(frozen=True)
class Body:
    names: tuple[str, ...]  # full name first


@cache
def government_bodies() -> dict[str, Body]:
    """Every name (full or short) of a central body -> the body; from the bundled data file."""
    text = resources.files("chains.llm").joinpath("data/government_bodies.txt").read_text(encoding="utf-8")
    by_name: dict[str, Body] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        body = Body(tuple(n.strip() for n in line.split("|") if n.strip()))
        for name in body.names:
            by_name.setdefault(name, body)
    return by_name


@cache
def _body_pattern() -> re.Pattern[str]:
    names = sorted(government_bodies(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _central_mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of central bodies named in `text`; a name after a level (省发展改革委)
    is a local body, and 财政部门 ("the finance departments") names no body."""
    out = []
    for m in _body_pattern().finditer(text):
        name = m.group(0)
        if m.start() and text[m.start() - 1] in _LEVEL:
            continue
        if name.endswith("部") and text[m.end() : m.end() + 1] == "门":
            continue
        out.append((m.start(), m.end(), name))
    return out


def _named_centrally(body: Body, haystack: str) -> bool:
    """Some name of `body` occurs in `haystack`, and not as the tail of a local body's name."""
    for name in body.names:
        for m in re.finditer(re.escape(name), haystack):
            if not (m.start() and haystack[m.start() - 1] in _LEVEL):
                return True
    return False


def unknown_agencies(text: str, scopes: list[tuple[str, str]], place_at_end: PlaceAtEnd) -> list[str]:
    """Agency names in `text` that occur in none of the `scopes` (haystack, document title) pairs."""
    haystack = "\n".join(h for h, _ in scopes)
    text = normalise(text)
    unknown: list[str] = []
    covered: list[tuple[int, int]] = []
    bodies = government_bodies()
    for start, end, name in _central_mentions(text):
        covered.append((start, end))
        if not _named_centrally(bodies[name], haystack):
            unknown.append(name)
    for m in _LOCAL.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        covered.append((m.start(), m.end()))
        name = m.group(0)
        place = place_at_end(text[: m.start()])
        full = (place or "") + name
        if not any(full in h or (name in h and (place is None or place in title)) for h, title in scopes):
            unknown.append(full)
    for m in _AGENCY_SUFFIX.finditer(text):
        suffix, start, end = m.group(0), m.start(), m.end()
        if any(a < end <= b for a, b in covered):
            continue
        if len(suffix) == 1:
            if text[end : end + 1] and text[end] in _NOT_AGENCY_AFTER.get(suffix, ""):
                continue
            if start and text[start - 1] in _NOT_AGENCY_BEFORE.get(suffix, ""):
                continue
        run_match = _CJK.search(text[max(0, start - 16) : start])
        run = run_match.group(0) if run_match else ""
        if len(run) < 1:
            continue  # a bare suffix ("局") is no name
        known = ""
        for k in range(len(run)):
            candidate = run[k:] + suffix
            if candidate in haystack:
                known = candidate
                break
        if known and len(known) >= len(suffix) + 2:
            rest = run[: len(run) - (len(known) - len(suffix))]
            place = place_at_end(rest)
            if place is None:
                continue
            full = place + known
            if any(full in h or (known in h and place in title) for h, title in scopes):
                continue
            unknown.append(full)
        else:
            name = _FUNCTION_PREFIX.sub("", run[-12:]) + suffix
            if len(name) >= len(suffix) + 2:
                unknown.append(name)
    return unknown
