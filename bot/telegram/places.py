"""Places for per-group defaults: which places a group can choose, and whether a question
already names one. Both come from the gazetteer (`knowledge.gazetteer`) when it is installed,
else from the jurisdictions of the documents in the index; no list of places lives here."""

from __future__ import annotations

import functools
import importlib
from typing import Any

from telegram.ext import ContextTypes

from bot.telegram.names import places
from bot.telegram.runtime import run_blocking, runtime, services


@functools.cache
def _gazetteer() -> Any | None:
    try:
        module = importlib.import_module("knowledge.gazetteer")
    except ImportError:
        return None
    return module.load_gazetteer()


async def choices(context: ContextTypes.DEFAULT_TYPE) -> list[tuple[str, str]]:
    """(code, label) of the places that have documents (what /settings offers)."""
    rt = runtime(context)
    if rt.places is None:
        documents = await run_blocking(context, services(context).answerer.documents)
        rt.places = places([info.meta for info in documents])
    return rt.places


async def place_label(context: ContextTypes.DEFAULT_TYPE, code: str) -> str:
    for value, label in await choices(context):
        if value == code:
            return label
    gazetteer = _gazetteer()
    place = gazetteer.get(code) if gazetteer is not None else None
    return str(getattr(place, "name", code)) if place is not None else code


async def names_a_place(context: ContextTypes.DEFAULT_TYPE, question: str) -> bool:
    gazetteer = _gazetteer()
    if gazetteer is not None:
        return bool(gazetteer.find(question))
    return any(label and label in question for _, label in await choices(context))
