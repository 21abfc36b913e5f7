"""China's administrative divisions, from data: the one place every place-aware step asks.

The table (``knowledge/data/gazetteer.csv``) is generated from a maintained source by
``knowledge/data/build_gazetteer.py`` (its docstring names the source and date): the nation,
34 provinces, the prefecture-level cities and the counties, each with its division code,
full name, short name, level, parent and aliases (简称, pinyin). Documents store their
jurisdiction as a code from it, so a plan staff add for 山西 or 三门峡市 is handled exactly
like the bundled ones, and no place name needs to appear in code.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

NATION = "100000"
NATION_LABEL = "国家"  # how answers name the national level ("国家方案")
_LATIN = re.compile(r"[a-z]+")
_MAX_FORM = 16


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # the full name, e.g. 三门峡市
    short: str  # the usual short name, e.g. 三门峡
    level: int  # 0 nation, 1 province, 2 prefecture, 3 county
    parent: str | None
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How an answer names the place: 国家, 河南, 三门峡, 兰考县."""
        return NATION_LABEL if self.level == 0 else self.short

    @property
    def latin(self) -> str:
        """The pinyin alias, for English answers (empty where the table has none)."""
        return next((a for a in self.aliases if a.isascii()), "")


@dataclass
class Gazetteer:
    """Lookups over the division table: by code, name or alias; places named in a text; ancestry."""

    places: dict[str, Place]
    _forms: dict[str, list[str]] = field(init=False, repr=False)
    _ambiguous: dict[str, list[str]] = field(init=False, repr=False)  # county names used in several places

    def __post_init__(self) -> None:
        forms: dict[str, list[str]] = {}

        def add(form: str, code: str) -> None:
            key = form.lower()
            if key and code not in forms.setdefault(key, []):
                forms[key].append(code)

        for place in self.places.values():
            add(place.code, place.code)
            add(place.name, place.code)
            if place.level <= 2 and len(place.short) >= 2:
                add(place.short, place.code)
            for alias in place.aliases:
                add(alias, place.code)
        # a form shared by several places resolves to the highest level (吉林 is the province);
        # a county name used in several places (朝阳区, 城区) needs the text to name its province
        self._forms, self._ambiguous = {}, {}
        for form, codes in forms.items():
            codes.sort(key=lambda c: self.places[c].level)
            top = [c for c in codes if self.places[c].level == self.places[codes[0]].level]
            if len(top) == 1 or self.places[top[0]].level < 3:
                self._forms[form] = top[:1]
            else:
                self._ambiguous[form] = top

    # --- lookups ----------------------------------------------------------------------------
    def get(self, key: str | None) -> Place | None:
        """The place a code, full or short name, 简称 or pinyin stands for ("410000", "河南省", "henan")."""
        if not key:
            return None
        key = key.strip()
        if key in self.places:
            return self.places[key]
        codes = self._forms.get(key.lower())
        return self.places[codes[0]] if codes else None

    def label(self, code: str | None) -> str:
        place = self.get(code)
        return place.label if place else (code or "")

    def lineage(self, code: str) -> list[Place]:
        """The place, its parent, … up to the nation (empty for an unknown code)."""
        out: list[Place] = []
        place = self.places.get(code)
        while place is not None and place not in out:
            out.append(place)
            place = self.places.get(place.parent or "")
        return out

    def within(self, code: str, ancestor: str) -> bool:
        """Whether ``code`` is ``ancestor`` or lies inside it (every place lies inside the nation)."""
        return any(p.code == ancestor for p in self.lineage(code))

    def find(self, text: str) -> list[Place]:
        """The places a text names, in order of first mention, each once.

        Longest match first, so 黔东南 is the prefecture and not 黔 the province. One-character
        简称 (豫, 黔, 晋) count only where they stand alone or before a word like 企/省.
        """
        found: list[Place] = []
        lowered = text.lower()
        i = 0
        while i < len(lowered):
            ch = lowered[i]
            if ch.isascii():
                m = _LATIN.match(lowered, i)
                if m is None:
                    i += 1
                    continue
                self._add(found, m.group(0))
                i = m.end()
                continue
            for size in range(min(_MAX_FORM, len(lowered) - i), 0, -1):
                form = lowered[i : i + size]
                if form in self._ambiguous:
                    self._add_in_context(found, form)
                    i += size
                    break
                if form in self._forms and (size > 1 or _standalone(lowered, i)):
                    self._add(found, form)
                    i += size
                    break
            else:
                i += 1
        return found

    def _add(self, found: list[Place], form: str) -> None:
        for code in self._forms.get(form, [form] if form in self.places else []):
            place = self.places[code]
            if place not in found:
                found.append(place)


    def _add_in_context(self, found: list[Place], form: str) -> None:
        """北京朝阳区 is Beijing's 朝阳区: of the places a name may be, the one inside a place named before."""
        for code in self._ambiguous[form]:
            if any(self.within(code, p.code) for p in found if p.level > 0):
                self._add(found, code)
                return


_ABBR_FOLLOWERS = set("企省地籍境内产")


def _standalone(text: str, i: int) -> bool:
    """A one-character 简称 names a province only next to punctuation, space or a following 企/省/地…."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    cjk = re.compile(r"[\u4e00-\u9fff]")
    return not cjk.match(before) and (not cjk.match(after) or after in _ABBR_FOLLOWERS)


def read_places(rows: Iterable[dict[str, str]]) -> dict[str, Place]:
    places = {}
    for row in rows:
        aliases = tuple(a for a in (row.get("aliases") or "").split("|") if a)
        places[row["code"]] = Place(
            code=row["code"], name=row["name"], short=row["short"] or row["name"], level=int(row["level"]),
            parent=row["parent"] or None, aliases=aliases,
        )
    return places


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The bundled table, read once per process (about 3,200 rows; a few milliseconds)."""
    with (resources.files("knowledge") / "data" / "gazetteer.csv").open(encoding="utf-8") as f:
        return Gazetteer(read_places(csv.DictReader(f)))
