"""The labelled examples and fitted weights the small classifiers over e5 vectors ship with.

Scope (:mod:`chains.scope`) and document fields (:mod:`chains.fields`) each keep their examples as
JSON lines and their weights as an ``.npz`` file in ``chains/data``; a model records the hash of
the examples it was trained on, so a test can tell when the weights are stale.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources


def data_text(name: str) -> str:
    return (resources.files("chains") / "data" / name).read_text(encoding="utf-8")


def load_jsonl(name: str) -> list[dict]:
    """One dict per non-empty line of ``chains/data/<name>``."""
    return [json.loads(line) for line in data_text(name).splitlines() if line.strip()]


def text_sha(name: str) -> str:
    """The first 16 hex digits of the file's SHA-256: what a model says it was trained on."""
    return hashlib.sha256(data_text(name).encode()).hexdigest()[:16]


def data_bytes(name: str) -> bytes | None:
    """The file's bytes, or None where it is not shipped."""
    try:
        return (resources.files("chains") / "data" / name).read_bytes()
    except FileNotFoundError:
        return None
