"""Train the document-field classifier (chains/fields.py) and write chains/data/field_weights.npz.

One logistic regression per field over e5 query vectors, L2-regularised, by full-batch Adam from
zeros (deterministic: the same examples give the same weights), positives weighted up to the
negatives' count. The regularisation strength and the probability a field needs are chosen by
five-fold cross-validation on the "train" examples, by the share of parts whose set of fields is
exactly right, a field given to a part that asks none counting twice (answering a question about
the content with a document's date costs more than missing a date a pattern may still catch).
The "heldout" examples are scored once, at the end, and reported.

Usage: python -m bench.train_fields [--write]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bench.e5_training import embed, fit_linear
from chains.fields import FIELDS, WEIGHTS, FieldModel, examples_sha, load_examples, save_model

OUT = Path(__file__).resolve().parent.parent / "chains" / "data" / WEIGHTS
L2_GRID = (1e-2, 1e-1, 1.0, 10.0)
THRESHOLD_GRID = (0.5, 0.6, 0.7, 0.8, 0.9)
STEPS, LEARNING_RATE, FOLDS = 300, 0.02, 5
FALSE_FIELD_COST = 2  # errors a field given to a part that asks none counts for


def train(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Independent logistic regressions (one column of ``y`` each) on standardised vectors; the
    scaling is folded back into the returned weights, which apply to raw vectors."""
    positives = y.sum(axis=0)
    # a field's few positives weigh as much as its many negatives
    sample_w = np.where(y > 0, (len(y) - positives) / np.maximum(positives, 1), 1.0)

    def loss_grad(logits: np.ndarray) -> np.ndarray:
        return sample_w * (1.0 / (1.0 + np.exp(-logits)) - y) / len(y)

    return fit_linear(x, y.shape[1], l2, loss_grad, STEPS, LEARNING_RATE)


def errors(model: FieldModel, x: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """(parts whose fields are not exactly right, parts asking none that were given one)."""
    wrong = false = 0
    for v, truth in zip(x, y, strict=True):
        got = {FIELDS.index(f) for f in model.asked(v)}
        want = set(np.flatnonzero(truth))
        wrong += got != want
        false += bool(got) and not want
    return wrong, false


def cross_validate(x: np.ndarray, y: np.ndarray, l2: float, threshold: float) -> float:
    """The cost per part over the folds: a wrong part 1, a field given to a part asking none
    FALSE_FIELD_COST."""
    idx = np.arange(len(y))
    cost = 0.0
    for f in range(FOLDS):
        test, fit = idx[idx % FOLDS == f], idx[idx % FOLDS != f]
        w, b = train(x[fit], y[fit], l2)
        wrong, false = errors(FieldModel(w, b, FIELDS, threshold, ""), x[test], y[test])
        cost += wrong + (FALSE_FIELD_COST - 1) * false
    return cost / len(y)


def main() -> None:
    examples = load_examples()
    x = embed([e["text"] for e in examples], "FIELD_CACHE")
    y = np.array([[float(f in e["fields"]) for f in FIELDS] for e in examples])
    train_idx = np.array([i for i, e in enumerate(examples) if e["split"] == "train"])
    held_idx = np.array([i for i, e in enumerate(examples) if e["split"] == "heldout"])
    best = None
    for l2 in L2_GRID:
        for threshold in THRESHOLD_GRID:
            cost = cross_validate(x[train_idx], y[train_idx], l2, threshold)
            print(f"l2={l2:g} threshold={threshold}: cv cost {cost:.3f}")
            if best is None or cost < best[0]:
                best = (cost, l2, threshold)
    assert best is not None
    _, l2, threshold = best
    w, b = train(x[train_idx], y[train_idx], l2)
    model = FieldModel(w, b, FIELDS, threshold, examples_sha())
    wrong, false = errors(model, x[held_idx], y[held_idx])
    negatives = int((y[held_idx].sum(axis=1) == 0).sum())
    print(f"chosen l2={l2:g} threshold={threshold}; held-out: {len(held_idx) - wrong}/{len(held_idx)} exactly right "
          f"({1 - wrong / len(held_idx):.3f}), {false} of {negatives} parts asking no field given one")
    if "--write" in sys.argv:
        OUT.write_bytes(save_model(model))
        print(f"written: {OUT}")


if __name__ == "__main__":
    main()
