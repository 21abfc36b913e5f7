"""English → the documents' Chinese vocabulary, for the keyword side of English questions.

e5 embeddings are multilingual, so the dense side understands English on its own; BM25 only
matches the documents' own words. The entries are data (``chains/data/glossary.tsv``: a regular
expression over the lower-cased question, matched at a word start so "product" does not match
"production", and the terms it stands for), so staff extend them for a new document's terms the
way they extend ``knowledge/data/domain_words.txt``. Places come from the gazetteer's pinyin, and a
four-digit year is read as the documents write it ("2027" -> "2027年").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.gazetteer import load_gazetteer

GLOSSARY = Path(__file__).resolve().parent / "data" / "glossary.tsv"
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


@lru_cache(maxsize=1)
def entries() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The glossary's entries, compiled, in file order (a line that is not ``pattern<TAB>terms`` is skipped)."""
    out = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
            continue
        pattern, terms = line.split("\t", 1)
        out.append((re.compile(rf"\b(?:{pattern.strip()})"), terms.strip()))
    return tuple(out)


def expand(question: str) -> list[str]:
    """The Chinese terms an English question refers to, in glossary order, its years as the
    documents write them, then the Chinese names of the places it names (by their pinyin in the
    gazetteer), without repeats."""
    lower = question.lower()
    terms = [zh for pattern, zh in entries() if pattern.search(lower)]
    terms += [f"{year}年" for year in _YEAR.findall(question)]
    terms += [place.label for place in load_gazetteer().find(question) if place.latin]
    return list(dict.fromkeys(terms))
