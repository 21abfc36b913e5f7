"""The weights retrieval fuses its evidence with, and where each value came from.

They are fitted, not chosen: ``bench/tune_retrieval.py`` searches them on the dev split (every
eval case outside ``tests/data/heldout.txt``) with five-fold cross-validation and writes
``chains/data/fusion_weights.json`` together with the fit's figures. Nothing here is set for
one question; re-run the script after the corpus or the eval data change.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class FusionWeights:
    dense: float = 0.5  # e5 cosine, min-max normalised over the corpus
    words: float = 0.5  # BM25 over jieba words, divided by the best clause's
    ngrams: float = 0.0  # BM25 over character 1-2-grams, divided by the best clause's
    sentence: float = 0.0  # e5 cosine of the clause's best sentence, min-max normalised
    heading: float = 0.25  # share of the clause's heading the question repeats
    place_named: float = 1.6  # factor for a document of a place the question names
    place_related: float = 1.25  # … of its parent or child (a city plan for its province)
    place_other: float = 0.6  # … of another place, when the question names one
    named_document: float = 1.5  # the question names the document by its title
    superseded: float = 0.7  # a document a newer one replaces (still found by its title)


FILE = "fusion_weights.json"


def _read() -> dict:
    try:
        return json.loads((resources.files("chains") / "data" / FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _weights(values: dict, base: FusionWeights) -> FusionWeights:
    fields = asdict(base)
    return replace(base, **{k: float(v) for k, v in values.items() if k in fields})


def load_weights(language: str | None = None) -> FusionWeights:
    """The fitted weights shipped in ``chains/data``; the defaults above (the hand-set values
    of the previous release) only where the file is missing. A ``language`` with weights of its
    own (``by_language``) gets them: an English question reaches the Chinese clauses through the
    encoder's shared space and a dictionary's noisy senses, so its word sides say less than a
    Chinese question's, and how much less is fitted on the English cases alone."""
    data = _read()
    weights = _weights(data.get("weights", {}), FusionWeights())
    own = data.get("by_language", {}).get(language or "", {}).get("weights")
    return _weights(own, weights) if own else weights


WEIGHTS = load_weights()


@cache
def weights_for(language: str | None) -> FusionWeights:
    """:func:`load_weights` for ``language``, read once per language."""
    return load_weights(language)
