"""What the trainers of the small classifiers over e5 vectors share (bench/train_scope.py,
bench/train_fields.py): the examples' vectors, cached between runs, and a deterministic Adam fit
of a linear model on standardised vectors, its scaling folded back into the weights."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np


def embed(texts: list[str], cache_env: str) -> np.ndarray:
    """e5 query vectors; ``$cache_env``=path.npz keeps them between runs while examples are edited."""
    from knowledge.embeddings import E5Embeddings

    cache_path = os.environ.get(cache_env)
    cache: dict[str, np.ndarray] = {}
    if cache_path and os.path.exists(cache_path):
        with np.load(cache_path) as data:
            cache = dict(zip((str(t) for t in data["texts"]), data["vectors"], strict=True))
    e5 = E5Embeddings()
    vectors = [cache[t] if t in cache else np.asarray(e5.embed_query(t)) for t in texts]
    if cache_path:
        np.savez(cache_path, texts=np.array(texts), vectors=np.asarray(vectors))
    return np.asarray(vectors, dtype=np.float64)


def fit_linear(x: np.ndarray, outputs: int, l2: float, loss_grad: Callable[[np.ndarray], np.ndarray],
               steps: int, learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias of a linear model by full-batch Adam from zeros (the same data give the
    same weights). e5 vectors are unit length and close together, so each dimension is
    standardised first; ``loss_grad(logits)`` is the loss's gradient by the logits, per example.
    The returned weights apply to raw vectors."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / std
    params = [np.zeros((x.shape[1], outputs)), np.zeros(outputs)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    for step in range(1, steps + 1):
        grad = loss_grad(xs @ params[0] + params[1])
        grads = [xs.T @ grad + l2 * params[0], grad.sum(axis=0)]
        for param, g, m in zip(params, grads, moments, strict=True):
            m[0] = 0.9 * m[0] + 0.1 * g
            m[1] = 0.999 * m[1] + 0.001 * g * g
            param -= learning_rate * (m[0] / (1 - 0.9**step)) / (np.sqrt(m[1] / (1 - 0.999**step)) + 1e-8)
    w = params[0] / std[:, None]
    return w, params[1] - mean @ w
