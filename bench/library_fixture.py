"""A knowledge base of hundreds of documents for the benchmark, generated from the bundled five.

Each generated document is a bundled one moved to another place from the gazetteer (its place
names replaced by the new province's or city's, its jurisdiction the new place's code) with its
figures scaled, so that every clause differs from every other and must be embedded on its
own. Generated at bench time into a temporary corpus folder (REDMUD_CORPUS_DIR layout); nothing
of it is committed.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from knowledge.corpus import load_corpus
from knowledge.gazetteer import load_gazetteer

_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?=\s*(?:%|万吨|亿吨|吨|元|万元|亿元|个|家|项))")
_BUNDLED_PLACES = {  # the bundled documents' own places, by level: replaced by the new place's names
    1: ["河南省", "河南", "贵州省", "贵州", "豫", "黔"],
    2: ["焦作市", "焦作"],
}


def generate(folder: Path, count: int, *, seed: int = 7) -> Path:
    """Write ``count`` documents (and a manifest) into ``folder``; returns it."""
    rng = random.Random(seed)
    bundled = load_corpus()
    gazetteer = load_gazetteer()
    provinces = sorted((p for p in gazetteer.places.values() if p.level == 1), key=lambda p: p.code)
    cities = sorted((p for p in gazetteer.places.values() if p.level == 2), key=lambda p: p.code)
    folder.mkdir(parents=True, exist_ok=True)
    documents = []
    for i in range(count):
        source = bundled[i % len(bundled)]
        level = source.meta.level
        place = rng.choice(cities if level >= 2 else provinces)
        province = gazetteer.places.get(place.parent or "") if level >= 2 else place
        text = source.text
        for old in _BUNDLED_PLACES[2]:
            text = text.replace(old, place.name if level >= 2 else place.short)
        for old in _BUNDLED_PLACES[1]:
            text = text.replace(old, province.short if province is not None else place.short)
        factor = 1 + (i % 9 + 1) / 10
        text = _NUMBER.sub(lambda m, f=factor: _scaled(m.group(1), f), text)  # type: ignore[misc]
        doc_id = f"gen-{i:03d}-{source.meta.doc_id}"
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        meta = source.meta.model_dump(mode="json", exclude_none=True)
        national = level == 0
        meta.update(doc_id=doc_id, file=f"{doc_id}.txt", title=f"{source.meta.title}（{i:03d}）",
                    jurisdiction="100000" if national else place.code)
        meta.pop("short_title", None)
        meta.pop("parent_jurisdiction", None)
        if not national and level >= 2 and place.parent:
            meta["parent_jurisdiction"] = place.parent
        documents.append(meta)
    (folder / "manifest.json").write_text(json.dumps({"documents": documents}, ensure_ascii=False), encoding="utf-8")
    return folder


def _scaled(number: str, factor: float) -> str:
    value = float(number) * factor
    return f"{value:.1f}".rstrip("0").rstrip(".") if "." in number else str(round(value))
