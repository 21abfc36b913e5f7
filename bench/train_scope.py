"""Train the scope classifier (chains/scope.py) and write its weights to chains/data/scope_weights.npz.

Multinomial logistic regression over e5 query vectors, class-balanced, L2-regularised, by
full-batch gradient descent from zeros (deterministic: the same examples give the same
weights). The regularisation strength is chosen by five-fold cross-validation on the "train"
examples. The confidence a non-policy label needs is the lowest on the grid at which no dev
eval question that expects an answer (tests/data, held-out ids excluded) would be declined —
declining a real question costs more than answering small talk — then by cross-validated
accuracy, where a declined policy example counts three times. The "heldout" examples are scored once, at the end, and reported.

Usage: python -m bench.train_scope [--write]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bench.e5_training import embed as e5_embed
from bench.e5_training import fit_linear
from chains.scope import LABELS, WEIGHTS, ScopeModel, examples_sha, load_examples, save_model

OUT = Path(__file__).resolve().parent.parent / "chains" / "data" / WEIGHTS
L2_GRID = (1e-4, 1e-3, 1e-2)
CONFIDENCE_GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
STEPS, LEARNING_RATE, FOLDS = 300, 0.02, 5
DECLINE_COST = 2  # extra errors a declined policy question counts for (declining costs more than answering)


def embed(texts: list[str]) -> np.ndarray:
    """e5 query vectors; SCOPE_CACHE=path.npz keeps them between runs while examples are edited."""
    return e5_embed(texts, "SCOPE_CACHE")


def train(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression on standardised vectors by Adam; classes weighted by inverse frequency.

    e5 vectors are unit length and close together, so each dimension is standardised first;
    the scaling is folded back into the returned weights, which apply to raw vectors.
    """
    k = len(LABELS)
    onehot = np.eye(k)[y]
    counts = np.bincount(y, minlength=k).astype(np.float64)
    sample_w = (len(y) / (k * np.maximum(counts, 1)))[y][:, None]

    def loss_grad(logits: np.ndarray) -> np.ndarray:
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return sample_w * (p - onehot) / len(y)

    return fit_linear(x, k, l2, loss_grad, STEPS, LEARNING_RATE)


def predict(model: ScopeModel, x: np.ndarray) -> list[str]:
    return [model.classify(v)[0] for v in x]


def cross_validate(x: np.ndarray, y: np.ndarray, l2: float, confidence: float) -> tuple[float, int]:
    """(accuracy, policy questions declined) over the folds."""
    idx = np.arange(len(y))
    correct = declined = 0
    for f in range(FOLDS):
        test, fit = idx[idx % FOLDS == f], idx[idx % FOLDS != f]
        w, b = train(x[fit], y[fit], l2)
        model = ScopeModel(w, b, LABELS, confidence, "")
        got = predict(model, x[test])
        correct += sum(g == LABELS[t] for g, t in zip(got, y[test], strict=True))
        declined += sum(g != "policy" and LABELS[t] == "policy" for g, t in zip(got, y[test], strict=True))
    return correct / len(y), declined


def write_replies(examples: list[dict], x: np.ndarray) -> None:
    """The known acknowledgements and greetings (train split) that a reply must resemble; prints how
    close the held-out replies and the other examples come, to check MIN_REPLY_SIMILARITY."""
    from chains.scope import REPLIES, REPLY_LABELS

    replies = [i for i, e in enumerate(examples) if e["label"] in REPLY_LABELS]
    train = np.array([i for i in replies if examples[i]["split"] == "train"])
    held = [i for i in replies if examples[i]["split"] == "heldout"]
    nearest = sorted(float(np.max(x[train] @ x[i])) for i in held)
    print(f"held-out replies: lowest similarity to a train reply {nearest[0]:.3f}")
    np.savez(OUT.with_name(REPLIES), vectors=x[train].astype(np.float16))
    print(f"written: {OUT.with_name(REPLIES)}")


def main() -> None:
    examples = load_examples()
    x = embed([e["text"] for e in examples])
    y = np.array([LABELS.index(e["label"]) for e in examples])
    if "--replies" in sys.argv:
        write_replies(examples, x)
        return
    train_idx = np.array([i for i, e in enumerate(examples) if e["split"] == "train"])
    held_idx = np.array([i for i, e in enumerate(examples) if e["split"] == "heldout"])
    from bench.dev_eval import split_cases

    questions = [c["q"] for c in split_cases("dev") if not c.get("abstain")]
    dev_x = embed(questions)
    best = None
    for l2 in L2_GRID:
        w, b = train(x[train_idx], y[train_idx], l2)
        for confidence in CONFIDENCE_GRID:
            acc, declined = cross_validate(x[train_idx], y[train_idx], l2, confidence)
            model = ScopeModel(w, b, LABELS, confidence, "")
            dev_declined = sum(label != "policy" for label in predict(model, dev_x))
            print(f"l2={l2:g} confidence={confidence}: cv accuracy {acc:.3f}, policy declined {declined}, "
                  f"dev questions declined {dev_declined}/{len(questions)}")
            # no dev question declined first; then accuracy, a declined policy example costing three errors
            key = (-dev_declined, acc - DECLINE_COST * declined / len(train_idx))
            if best is None or key > best[0]:
                best = (key, l2, confidence)
    assert best is not None
    _, l2, confidence = best
    w, b = train(x[train_idx], y[train_idx], l2)
    model = ScopeModel(w, b, LABELS, confidence, examples_sha())
    got = predict(model, x[held_idx])
    truth = [LABELS[t] for t in y[held_idx]]
    accuracy = sum(g == t for g, t in zip(got, truth, strict=True)) / len(truth)
    print(f"chosen l2={l2:g} confidence={confidence}; held-out accuracy {accuracy:.3f} on {len(truth)} examples")
    for g, t, i in zip(got, truth, held_idx, strict=True):
        if g != t:
            print(f"  held-out miss: {examples[i]['text']!r} is {t}, predicted {g}")
    if "--write" in sys.argv:
        OUT.write_bytes(save_model(model))
        print(f"written: {OUT}")


if __name__ == "__main__":
    main()
