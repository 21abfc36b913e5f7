"""The weights retrieval fuses its evidence with, and where each value came from.

They are fitted, not chosen: ``bench/tune_retrieval.py`` searches them on the dev split (every
eval case outside ``tests/data/heldout.txt``) with five-fold cross-validation and writes
``chains/data/fusion_weights.json`` together with the fit's figures. Nothing here is set for
one question; re-run the script after the corpus or the eval data change.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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


def load_weights() -> FusionWeights:
    """The fitted weights shipped in ``chains/data``; the defaults above (the hand-set values
    of the previous release) only where the file is missing."""
    try:
        data = json.loads((resources.files("chains") / "data" / FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return FusionWeights()
    fields = asdict(FusionWeights())
    return FusionWeights(**{k: float(v) for k, v in data.get("weights", {}).items() if k in fields})


WEIGHTS = load_weights()
