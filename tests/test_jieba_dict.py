"""jieba's dictionary looked up on demand (knowledge/jieba_dict.py) cuts every text exactly as the
dictionary loaded whole does: stored tokens (keyed by TOKENIZER_ID) stay valid."""

from __future__ import annotations

import shutil
from pathlib import Path

import jieba
import pytest

from knowledge import jieba_dict
from knowledge.corpus import load_corpus
from knowledge.keyword import DOMAIN_WORDS
from knowledge.vectors import passage_of

DATA = Path(__file__).resolve().parent / "data"


def _texts() -> list[str]:
    """Every passage of the bundled corpus and every eval question."""
    import json

    docs = load_corpus()
    metas = {d.meta.doc_id: d.meta for d in docs}
    texts = [passage_of(c, metas) for d in docs for c in d.clauses()]
    for name in ("eval.jsonl", "eval_blind.jsonl"):
        texts += [json.loads(x)["q"] for x in (DATA / name).read_text(encoding="utf-8").splitlines() if x.strip()]
    return texts


def _with_domain_words(tokenizer: jieba.Tokenizer) -> jieba.Tokenizer:
    for word in DOMAIN_WORDS:  # as knowledge.keyword does
        tokenizer.add_word(word, freq=20000)
    return tokenizer


@pytest.fixture(scope="module")
def whole() -> jieba.Tokenizer:
    """jieba as it loads itself: the whole dictionary in a dict."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return _with_domain_words(tokenizer)


def _on_demand(monkeypatch: pytest.MonkeyPatch, cache: Path) -> jieba.Tokenizer:
    """A fresh jieba tokenizer made ready by jieba_dict, its arrays kept under ``cache``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    tokenizer = jieba.Tokenizer()
    jieba_dict.install(tokenizer)
    return tokenizer


@pytest.fixture(scope="module")
def arrays(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory where the first tokenizer (loading jieba's dictionary) wrote the arrays."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as monkeypatch:
        first = _on_demand(monkeypatch, cache)
    assert type(first.FREQ) is dict and list(cache.rglob("jieba-prefix-*.npz"))
    return cache


def test_cuts_are_the_same_on_demand_and_after_handing_over(whole, arrays: Path, monkeypatch) -> None:
    monkeypatch.setattr(jieba_dict, "LOOKUPS", 10**12)  # on demand throughout, then handed over below
    lazy = _with_domain_words(_on_demand(monkeypatch, arrays))
    assert isinstance(lazy.FREQ, jieba_dict.PrefixDict) and lazy.total == whole.total
    texts = _texts()
    for text in texts:
        assert lazy.lcut_for_search(text.lower()) == whole.lcut_for_search(text.lower()), text
        assert lazy.lcut(text, HMM=False) == whole.lcut(text, HMM=False), text
    assert isinstance(lazy.FREQ, jieba_dict.PrefixDict)
    lazy.FREQ.hand_over()
    assert type(lazy.FREQ) is dict and lazy.FREQ == whole.FREQ
    assert all(lazy.lcut_for_search(t) == whole.lcut_for_search(t) for t in texts[:50])


def test_much_tokenizing_hands_jieba_a_plain_dict(arrays: Path, monkeypatch) -> None:
    lazy = _on_demand(monkeypatch, arrays)
    monkeypatch.setattr(jieba_dict, "LOOKUPS", 1000)
    text = "".join(_texts())[:3000]
    cut = lazy.lcut(text)
    assert type(lazy.FREQ) is dict and lazy.lcut(text) == cut


@pytest.mark.parametrize("damage", [b"", b"garbage" * 100])
def test_an_unreadable_copy_is_ignored_and_written_again(arrays: Path, tmp_path: Path, monkeypatch,
                                                         damage: bytes) -> None:
    shutil.copytree(arrays, tmp_path, dirs_exist_ok=True)
    (path,) = tmp_path.rglob("jieba-prefix-*.npz")
    path.write_bytes(damage)
    tokenizer = _on_demand(monkeypatch, tmp_path)
    assert type(tokenizer.FREQ) is dict and len(tokenizer.FREQ) > 400_000, "jieba loaded its own"
    assert path.stat().st_size > 1_000_000, "written again"
    assert isinstance(_on_demand(monkeypatch, tmp_path).FREQ, jieba_dict.PrefixDict)
