"""jieba's prefix dictionary, looked up on demand instead of loaded whole at start.

Why. jieba decides how to cut a text by asking its prefix dictionary whether a piece of it is a
word (or the start of one) and how common: a dict of about 500,000 entries that ``initialize``
unmarshals from its cache file, about 0.9 s of a cold ``redmud ask`` that then tokenizes one
question with a few hundred lookups. Here the same entries are kept as sorted arrays, one per key
length, in one .npz (about 10 MB, loaded in a few tens of milliseconds), and a lookup is a binary
search (a few microseconds; each answer is remembered). A process that goes on to tokenize a lot
(an ingest, a long chat) hands jieba an ordinary dict after :data:`LOOKUPS` lookups, built from
the same arrays. Tokens are the same whichever serves, since the entries are: jieba's own, before
:mod:`knowledge.keyword` adds its domain words (which :meth:`PrefixDict.__setitem__` keeps).

The arrays are made once from jieba's loaded dictionary and kept in the user cache directory
(``platformdirs``), named by jieba's version and its dictionary file's size and time: another
jieba, or another dictionary, makes its own. A file that cannot be read is ignored and made again;
where none can be written, jieba loads its dictionary as it always did.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the file's layout changes
# lookups after which jieba gets a plain dict: building one costs about 0.3 s, what ~100,000 binary
# searches or ~1,000,000 remembered answers (through Python calls) cost; a question takes a few thousand
LOOKUPS = 200_000


class PrefixDict:
    """The part of ``dict`` that jieba's Tokenizer uses of its ``FREQ``, over sorted arrays."""

    def __init__(self, tables: dict[int, tuple[np.ndarray, np.ndarray]], tokenizer: Any) -> None:
        self._tables = tables  # key length -> (its keys, sorted, as a fixed-width str array; their counts)
        self._tokenizer = tokenizer  # whose FREQ becomes a plain dict after LOOKUPS lookups
        self._added: dict[str, int] = {}  # what jieba.add_word wrote
        self._seen: dict[str, int | None] = {}
        self._lookups = 0
        self._lock = threading.Lock()

    def _find(self, key: str) -> int | None:
        self._lookups += 1
        if self._lookups == LOOKUPS:
            self.hand_over()
        if key in self._added:
            return self._added[key]
        if key in self._seen:
            return self._seen[key]
        found = None
        table = self._tables.get(len(key))
        if table is not None:
            keys, counts = table
            i = int(keys.searchsorted(key))
            if i < len(keys) and keys[i] == key:
                found = int(counts[i])
        self._seen[key] = found
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def __getitem__(self, key: str) -> int:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: str, default: Any = None) -> Any:
        found = self._find(key)
        return default if found is None else found

    def __setitem__(self, key: str, value: int) -> None:
        self._added[key] = value

    def as_dict(self) -> dict[str, int]:
        """Every entry, as the plain dict jieba would have loaded (with what was added since)."""
        entries: dict[str, int] = {}
        for keys, counts in self._tables.values():
            entries.update(zip(keys.tolist(), counts.tolist(), strict=True))
        entries.update(self._added)
        return entries

    def hand_over(self) -> None:
        """Give the tokenizer a plain dict of the same entries (faster for much tokenizing)."""
        with self._lock:
            if self._tokenizer.FREQ is self:
                self._tokenizer.FREQ = self.as_dict()
                logger.debug("jieba's prefix dictionary loaded whole after %d lookups", self._lookups)


def install(tokenizer: Any) -> None:
    """Make a jieba ``Tokenizer`` of the default dictionary (``jieba.dt``, not yet initialized)
    ready: its dictionary served by a :class:`PrefixDict` when the arrays are at hand, else loaded
    as jieba always did (and then the arrays are written for the next process)."""
    path = _path()
    if path is not None and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as saved:
                total = int(saved["total"])
                tables = {int(name[1:]): (saved[name], saved[f"c{name[1:]}"]) for name in saved.files
                          if name.startswith("k")}
            if not tables or total <= 0:
                raise ValueError("no entries")
            tokenizer.FREQ, tokenizer.total = PrefixDict(tables, tokenizer), total
            tokenizer.initialized = True
            return
        except Exception as exc:
            logger.info("ignoring an unreadable jieba dictionary copy at %s (%s: %s)", path, type(exc).__name__, exc)
    tokenizer.initialize()
    if path is not None:
        _write(path, tokenizer.FREQ, tokenizer.total)


def _path() -> Path | None:
    """Where the arrays of the installed jieba's default dictionary are kept (None: nowhere to keep them)."""
    try:
        import jieba
        from platformdirs import user_cache_dir

        source = Path(jieba.__file__).with_name("dict.txt").stat()
        key = f"{FORMAT}|{jieba.__version__}|{source.st_size}|{source.st_mtime_ns}"
        return Path(user_cache_dir("redmud")) / f"jieba-prefix-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    except Exception as exc:  # no dict.txt beside jieba (set_dictionary, a repackaged jieba), no home
        logger.debug("no place for a copy of jieba's dictionary (%s)", exc)
        return None


def _write(path: Path, entries: dict[str, int], total: int) -> None:
    """The arrays of ``entries``, written atomically; a key jieba's arrays could not hold exactly
    (a NUL, which fixed-width numpy strings drop at the end) means no file: jieba keeps loading."""
    by_length: dict[int, list[str]] = {}
    for key in entries:
        if not isinstance(key, str) or not key or "\x00" in key:
            logger.debug("jieba's dictionary has a key the arrays cannot hold; not copied")
            return
        by_length.setdefault(len(key), []).append(key)
    arrays: dict[str, Any] = {"total": np.array(total, dtype=np.int64)}
    for length, keys in by_length.items():
        keys.sort()
        arrays[f"k{length}"] = np.array(keys, dtype=f"<U{length}")
        arrays[f"c{length}"] = np.array([entries[k] for k in keys], dtype=np.int64)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(temp, path)
    except OSError as exc:
        logger.info("could not keep a copy of jieba's dictionary at %s (%s)", path, exc)
        temp.unlink(missing_ok=True)
