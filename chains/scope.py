"""What kind of message a question is, by meaning: a small classifier over e5 embeddings.

Keyword rules could not tell "好的，谢谢！" from a question, nor "明天郑州下不下雨" or a request to
alter a test report from a policy question that shares its words. A multinomial logistic
regression over the question's e5 vector can: it is trained (``bench/train_scope.py``) on the
labelled examples in ``chains/data/scope_examples.jsonl`` — policy questions,
acknowledgements, greetings and requests for help, off-topic requests, rule evasion and
instruction injection, Chinese and English, short and long — and ships as a small weights
file; nothing is trained at run time. The exact patterns in :mod:`chains.guard` still run
first where they are exact.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from chains.labelled import data_bytes, data_text, load_jsonl, text_sha

LABELS = ("policy", "ack", "greeting", "off_topic", "evasion", "injection")
EXAMPLES = "scope_examples.jsonl"
WEIGHTS = "scope_weights.npz"
REPLIES = "scope_replies.npz"  # e5 vectors of the train-split acknowledgements and greetings
REPLY_LABELS = ("ack", "greeting")
# a message the classifier calls an acknowledgement or a greeting must also be this close to one
# of the known ones: junk ("../../etc/passwd", a URL, another script) lands in those classes for
# want of a better one, at 0.86-0.88 from its nearest example, while the held-out replies sit at
# 0.904 or more (bench/train_scope.py --replies prints both)
MIN_REPLY_SIMILARITY = 0.89


@dataclass(frozen=True)
class ScopeModel:
    weights: np.ndarray  # (dimensions, labels)
    bias: np.ndarray  # (labels,)
    labels: tuple[str, ...]
    min_confidence: float  # below this a non-policy label is not trusted: the question is answered
    examples_sha: str  # the examples file it was trained on
    replies: np.ndarray | None = None  # (n, dimensions) known acknowledgements and greetings

    def probabilities(self, vector: Sequence[float]) -> dict[str, float]:
        logits = np.asarray(vector, dtype=np.float64) @ self.weights + self.bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return dict(zip(self.labels, (float(x) for x in p), strict=True))

    def classify(self, vector: Sequence[float]) -> tuple[str, float]:
        """The label and its probability; "policy" unless the model is confident it is not.

        Declining a real question costs more than answering a chat message with clauses, so the
        probability that a message is *not* a policy question must reach ``min_confidence``
        (fitted with the weights); the likeliest other label then says which kind it is. The mass
        is summed over the other labels, not read off the likeliest one: "../../etc/passwd" is no
        question at all (policy 0.00) though no single other label is sure of it.
        """
        probs = self.probabilities(vector)
        if 1.0 - probs["policy"] < self.min_confidence:
            return "policy", probs["policy"]
        label = max((k for k in probs if k != "policy"), key=lambda k: probs[k])
        if label in REPLY_LABELS and self.replies is not None and len(self.replies):
            nearest = float(np.max(self.replies @ np.asarray(vector, dtype=np.float64)))
            if nearest < MIN_REPLY_SIMILARITY:  # like no known reply: not a message we understand
                return "off_topic", probs[label]
        return label, probs[label]


def examples_text() -> str:
    return data_text(EXAMPLES)


def load_examples() -> list[dict]:
    """The labelled examples: {"text", "label", "split": "train" | "heldout"} per line."""
    return load_jsonl(EXAMPLES)


def examples_sha() -> str:
    return text_sha(EXAMPLES)


def save_model(model: ScopeModel) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, weights=model.weights.astype(np.float32), bias=model.bias.astype(np.float32),
             labels=np.array(model.labels), min_confidence=np.array(model.min_confidence),
             examples_sha=np.array(model.examples_sha))
    return buf.getvalue()


@lru_cache(maxsize=1)
def load_model() -> ScopeModel | None:
    """The shipped model, or None where it is missing (then every question counts as policy)."""
    raw = data_bytes(WEIGHTS)
    if raw is None:
        return None
    data = np.load(io.BytesIO(raw))
    replies_raw = data_bytes(REPLIES)
    replies = None if replies_raw is None else np.load(io.BytesIO(replies_raw))["vectors"]
    return ScopeModel(
        weights=data["weights"].astype(np.float64), bias=data["bias"].astype(np.float64),
        labels=tuple(str(x) for x in data["labels"]), min_confidence=float(data["min_confidence"]),
        examples_sha=str(data["examples_sha"]),
        replies=None if replies is None else replies.astype(np.float64),
    )
