"""Homophone typos in a question, read as the word the documents use ("贵洲" -> 贵州, "附化平台" ->
孵化平台, "正策" -> 政策).

Chinese is typed by its sound: a pinyin input method offers every character of a syllable, and a
hurried member picks the wrong one. Such a word is unknown (neither a word of general Chinese nor of
the documents) and differs from a word the documents or the gazetteer know by one character read
alike; where the tokenizer cut such a word apart ("脱减有啥" as 脱 / 减有 / 啥), the lone character
and the next unknown word's first one are read together. Nothing else is changed: a known word, a
run of characters that is partly a known word ("交一企一策" holds 一企一策), or a word with two
characters changed stays as typed. The vocabulary is
the index's own (and the gazetteer's provinces and cities), so a document staff add brings its words.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from knowledge.keyword import general_frequency, words

log = logging.getLogger(__name__)

_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")
LONGEST_WORD = 5  # the longest known word looked for across an unknown word's edge


@lru_cache(maxsize=4096)
def sound(char: str) -> str:
    """A character's usual reading, without its tone (the input method's key): 州 and 洲 -> zhou.
    Only the usual one: rare readings (市 as fu) would make most characters alike."""
    # pypinyin loads its phrase dictionaries on import (about 55 MB) unless told not to, and one
    # character at a time needs only its per-character table (about 11 MB): its documented switches
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "true")
    from pypinyin import Style, lazy_pinyin  # loaded once a question has an unknown word

    return lazy_pinyin(char, style=Style.NORMAL)[0]


class Speller:
    """Corrects the homophone typos of a question against a vocabulary (word -> how often the
    documents use it; a place name counts once)."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.vocabulary = {w: n for w, n in vocabulary.items() if _HAN.fullmatch(w)}
        self._by_pattern: dict[str, list[str]] = {}  # "贵?" -> 贵州, 贵阳…: one character left open
        for word in self.vocabulary:
            for j in range(len(word)):
                self._by_pattern.setdefault(word[:j] + "?" + word[j + 1:], []).append(word)

    def known(self, text: str) -> bool:
        return text in self.vocabulary or general_frequency(text)[0] > 0

    def meant(self, word: str) -> str | None:
        """The known word ``word`` was typed for, if one differs from it by a character read alike
        (the one the documents use most when several do)."""
        found = {known for j in range(len(word)) for known in self._by_pattern.get(word[:j] + "?" + word[j + 1:], ())
                 if known[j] != word[j] and sound(known[j]) == sound(word[j])}
        return max(sorted(found), key=lambda w: self.vocabulary[w]) if found else None

    def correct(self, text: str) -> str:
        """``text`` with each unknown word read as the known word it sounds like; else unchanged."""
        out: list[str] = []
        start = 0
        for token in words(text):
            end = start + len(token)
            fixed = None
            unknown = bool(_HAN.fullmatch(token)) and not self.known(token)
            if unknown and not self._straddled(text, start, end):
                fixed = self.meant(token)
            if unknown and fixed is None and out and _HAN.fullmatch(out[-1] + token[0]) and len(out[-1]) == 1 \
                    and not self.known(out[-1] + token[0]) and not self._straddled(text, start - 1, start + 1):
                # the tokenizer cut the typo apart ("脱减有啥" as 脱 / 减有 / 啥): the lone character before
                # this unknown word and its first character are the word meant (脱碱)
                joined = self.meant(out[-1] + token[0])
                if joined is not None:
                    out.pop()
                    fixed = joined + token[1:]
            if fixed is not None:
                log.info("read %r as %r", token, fixed)
            out.append(fixed or token)
            start = end
        return "".join(out)

    def _straddled(self, text: str, start: int, end: int) -> bool:
        """Whether a known word crosses the edge of ``text[start:end]``: then the tokenizer cut a word
        apart ("交一" of "交一企一策"), and the run is no typo."""
        return any(self.known(text[a:b])
                   for a in range(max(0, start - LONGEST_WORD + 1), end)
                   for b in range(a + 2, min(len(text), a + LONGEST_WORD) + 1)
                   if a < start < b or a < end < b)


def speller_for(counts: Mapping[str, int], places: Iterable[str]) -> Speller:
    """A speller over the documents' words (with their counts) and the names of places."""
    vocabulary = dict(counts)
    for name in places:
        vocabulary.setdefault(name, 1)
    return Speller(vocabulary)
