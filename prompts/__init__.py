"""Prompt templates, kept as files so they can be read, reviewed and changed without code.

`load("answer_system")` returns the text of `prompts/answer_system.txt`. Templates use
LangChain's f-string syntax (`{question}`); literal braces are doubled. Loaded once and cached.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

_SUFFIXES = (".txt", ".md")


def names() -> list[str]:
    """Every template name in this package (file name without suffix)."""
    out = []
    for entry in resources.files(__name__).iterdir():
        name = entry.name
        if entry.is_file() and name.endswith(_SUFFIXES) and not name.startswith(("_", ".")):
            out.append(name.rsplit(".", 1)[0])
    return sorted(out)


@cache
def load(name: str) -> str:
    """The template called `name`; a KeyError names the ones that exist."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise KeyError(f"bad prompt name {name!r}")
    for suffix in _SUFFIXES:
        entry = resources.files(__name__).joinpath(name + suffix)
        if entry.is_file():
            return entry.read_text(encoding="utf-8").strip() + "\n"
    raise KeyError(f"no prompt {name!r}; available: {', '.join(names())}")
