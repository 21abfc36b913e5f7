"""Which facts about a document a part of a question asks for, by meaning.

The patterns in :mod:`chains.metadata` know the fields by their usual words (文号, 哪天发的, 回给谁);
members ask in words nobody listed ("回复对象是哪个委员", "日期写的几月几号", "抬头是哪些单位").
A one-vs-rest logistic regression over the part's e5 vector reads them: one yes/no per field
(issuer, doc_number, date, addressee, period), so one part may ask two ("发文日期和文号"). It is
trained (``bench/train_fields.py``) on the labelled parts in ``chains/data/field_examples.jsonl``,
nearly half of them questions about the content that mention a document, a date or an office
("到2027年利用率多少", "这事归哪个部门管"), and ships as a small weights file; nothing is trained at
run time. The patterns still decide where they match; the model only adds fields.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from chains.labelled import data_bytes, data_text, load_jsonl, text_sha

FIELDS = ("issuer", "doc_number", "date", "addressee", "period")  # the order metadata.ASKS uses
EXAMPLES = "field_examples.jsonl"
WEIGHTS = "field_weights.npz"


@dataclass(frozen=True)
class FieldModel:
    weights: np.ndarray  # (dimensions, fields)
    bias: np.ndarray  # (fields,)
    fields: tuple[str, ...]
    threshold: float  # a field is asked when its probability reaches this (fitted with the weights)
    examples_sha: str  # the examples file it was trained on

    def probabilities(self, vector: Sequence[float]) -> dict[str, float]:
        logits = np.asarray(vector, dtype=np.float64) @ self.weights + self.bias
        return dict(zip(self.fields, (float(x) for x in 1.0 / (1.0 + np.exp(-logits))), strict=True))

    def asked(self, vector: Sequence[float]) -> list[str]:
        """The fields the part asks for, in :data:`FIELDS` order."""
        probs = self.probabilities(vector)
        return [f for f in self.fields if probs[f] >= self.threshold]


def examples_text() -> str:
    return data_text(EXAMPLES)


def load_examples() -> list[dict]:
    """The labelled parts: {"text", "fields": [...], "lang", "split": "train" | "heldout"} per line."""
    return load_jsonl(EXAMPLES)


def examples_sha() -> str:
    return text_sha(EXAMPLES)


def save_model(model: FieldModel) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, weights=model.weights.astype(np.float32), bias=model.bias.astype(np.float32),
             fields=np.array(model.fields), threshold=np.array(model.threshold),
             examples_sha=np.array(model.examples_sha))
    return buf.getvalue()


@lru_cache(maxsize=1)
def load_model() -> FieldModel | None:
    """The shipped model, or None where it is missing (then the patterns alone decide)."""
    raw = data_bytes(WEIGHTS)
    if raw is None:
        return None
    data = np.load(io.BytesIO(raw))
    return FieldModel(
        weights=data["weights"].astype(np.float64), bias=data["bias"].astype(np.float64),
        fields=tuple(str(x) for x in data["fields"]), threshold=float(data["threshold"]),
        examples_sha=str(data["examples_sha"]),
    )
