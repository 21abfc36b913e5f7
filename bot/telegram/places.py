"""Places for per-group defaults: which places a group can choose (those the documents cover),
and whether a question already names one (the gazetteer, `knowledge.gazetteer`). No list of
places lives here."""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot.telegram.names import places
from bot.telegram.runtime import run_blocking, runtime, services
from knowledge.gazetteer import load_gazetteer


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
    place = load_gazetteer().get(code)
    return place.label if place is not None else code


def names_a_place(question: str) -> bool:
    """Whether the question names any place (then a group's default place is not added)."""
    return bool(load_gazetteer().find(question))
