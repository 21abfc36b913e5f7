"""The keyword side of hybrid retrieval: jieba words and character n-grams, scored with BM25.

Dense e5 embeddings find paraphrases; exact terms (a company name, "产用挂钩", a figure) are
what BM25 is for. Word segmentation alone fails where the user's word and the document's are
cut differently: a user's "税" is no jieba token of "增值税", "做砖" none of "烧结砖". Character
1- and 2-grams, indexed beside the words, match across such cuts; BM25's idf keeps common
characters weak. The indexes are small (hundreds of clauses) and rebuilt in memory from the
stored clauses whenever the dense index changes, so all sides always agree.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np

from knowledge import jieba_dict

logger = logging.getLogger(__name__)

# domain terms jieba would otherwise cut apart: data (knowledge/data/domain_words.txt), so staff add theirs
DOMAIN_WORDS = [w.strip() for w in (Path(__file__).resolve().parent / "data" / "domain_words.txt")
                .read_text(encoding="utf-8").splitlines() if w.strip() and not w.lstrip().startswith("#")]
# single characters that carry meaning here (elements, materials); other lone characters are noise
MEANINGFUL_CHARS = set("铁铝钙钛钪镓钒铌锂钠硅碱砖税地钱煤渣泥")
STOPWORDS = set(
    "的 了 吗 呢 吧 啊 是 在 有 和 与 及 或 等 对 把 被 给 从 向 就 都 也 还 又 要 会 能 可以 什么 哪些 哪个 怎么 如何 "
    "多少 几 个 我 我们 你 你们 他们 这 那 这个 那个 一个 一些 请问 请 问 一下 吗？ 么 嘛 哪里 哪 谁 是否 有没有 没有 "
    "the a an of to in on for and or is are be what which how who where when does do did can with by at as "
    "from about any there this that it its 里 中 上 吧 呀 哦 需要 有关 相关 怎么样 具体 一般 现在 目前 可能 应该".split()
)
_TOKEN_OK = re.compile(r"[\w%.]+", re.UNICODE)
# what :func:`tokenize` depends on besides jieba's dictionary: tokens stored in an index built under
# another value are not used (they are computed again)
TOKENIZER_ID = hashlib.sha256(
    "\x1f".join([*DOMAIN_WORDS, "", *sorted(MEANINGFUL_CHARS), "", *sorted(STOPWORDS)]).encode()
).hexdigest()[:12]
_init_lock = threading.Lock()
_jieba_ready = False
_general_before_domain: dict[str, int] = {}  # jieba's own counts of the domain words, before we add them
# add-half smoothing of both counts in :func:`domain_share` (Jeffreys' prior for a count): a word
# the documents never use still gets a share, set by how common it is in general Chinese
SMOOTHING = 0.5


def _jieba():
    global _jieba_ready
    import jieba

    with _init_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba_dict.install(jieba.dt)  # its dictionary, looked up on demand (not 0.9 s of loading)
            _general_before_domain.update({w: int(jieba.dt.FREQ.get(w, 0) or 0) for w in DOMAIN_WORDS})
            for word in DOMAIN_WORDS:
                jieba.add_word(word, freq=20000)
            _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens, lower-cased, without punctuation and stop words."""
    jieba = _jieba()
    tokens = []
    for tok in jieba.lcut_for_search(text.lower()):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or not _TOKEN_OK.fullmatch(tok):
            continue
        if len(tok) == 1 and "\u4e00" <= tok <= "\u9fff" and tok not in MEANINGFUL_CHARS:
            continue
        tokens.append(tok)
    return tokens


def words(text: str) -> list[str]:
    """jieba's precise-mode cut of ``text``, every character kept: a run the dictionary lacks comes
    out as one unknown word ("贵洲"), which :mod:`chains.spelling` reads as the word it sounds like."""
    return list(_jieba().lcut(text))


def lone_characters(text: str) -> list[str]:
    """The one-character words of a text that :func:`tokenize` leaves out ("标准修哪些": 修): no
    index token, but the character of a document's word ("制修订"), for a caller that weighs
    characters by how specific they are."""
    jieba = _jieba()
    return [tok for tok in jieba.lcut(text.lower()) if len(tok) == 1 and "\u4e00" <= tok <= "\u9fff"
            and tok not in MEANINGFUL_CHARS and tok not in STOPWORDS]


def general_frequency(token: str) -> tuple[int, int]:
    """How often general Chinese uses ``token`` as a word, and the size of that corpus: the counts
    of jieba's dictionary (built from a general-language corpus), the domain words at their
    original counts. Single characters count where they stand as a word of their own."""
    jieba = _jieba()
    freq = _general_before_domain.get(token, jieba.dt.FREQ.get(token, 0))
    return int(freq or 0), int(jieba.dt.total)


# the word classes of jieba's dictionary that say how, which, where or when rather than what:
# distinguishing words (b: 主要), adverbs (d: 分别, 进一步), pronouns (r: 哪些, 每年), locatives
# (f: 以前), time words (t: 目前), conjunctions, prepositions, particles, interjections, onomatopoeia
FUNCTION_TAGS = frozenset("b d r f t c p u y e o".split())
_FUNCTION_ENTRY = re.compile(rb"^(\S+) \d+ [" + "".join(sorted(FUNCTION_TAGS)).encode() + rb"]\r?$", re.MULTILINE)


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """The words jieba's dictionary tags with a function class (:data:`FUNCTION_TAGS`): no topic,
    however rare in the documents. One regular-expression pass over the dictionary file (~0.1 s,
    once per process); about 7,600 words."""
    with _jieba().dt.get_dict_file() as f:
        return frozenset(w.decode("utf-8") for w in _FUNCTION_ENTRY.findall(f.read()))


def outermost(matches: Iterable[str]) -> set[str]:
    """The matches not inside another of them: a text matching 再生资源 matches 再生 and 资源 too, and
    a question naming 贵州省赤泥综合利用行动方案 names 赤泥综合利用行动方案 with it."""
    found = set(matches)
    return {m for m in found if not any(m != other and m in other for other in found)}


def dictionary_pieces(token: str) -> list[str]:
    """The token itself when general Chinese knows it as a word, else the dictionary words (or
    single characters) it is made of: search-mode jieba glues unknown runs ("啥意思", "算个")."""
    jieba = _jieba()
    if general_frequency(token)[0] > 0 or len(token) < 2:
        return [token]
    return [p for p in jieba.lcut(token, HMM=False) if p.strip()] or [token]


def domain_share(token: str, index: KeywordIndex) -> float:
    """How likely an occurrence of ``token`` comes from these documents rather than from general
    Chinese (0..1; equal priors): the documents' rate of it over the sum of both rates.

    A question word the documents use more than everyday language does ("底线", "豁免", "磷石膏")
    says what the question is about; an everyday word ("东西", "分别", "地方", "到底") does not,
    however rare in the documents and so however high its idf. ``index`` gives the documents'
    counts (words for a word index, characters for an n-gram index). A count is a small sample:
    the documents' rate is taken a Poisson standard deviation below it (tf - sqrt(tf)), so a word
    the documents use once ("涉及") is their language only if general Chinese hardly uses it
    ("硅肥"), not because one occurrence in a small corpus looks like a high rate.
    """
    general, general_total = general_frequency(token)
    tf = index.tf.get(token, 0)
    p_docs = (max(tf - math.sqrt(tf), 0.0) + SMOOTHING) / max(index.total, 1)
    p_general = (general + SMOOTHING) / max(general_total, 1)
    return p_docs / (p_docs + p_general)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9%.]+")
_STOP_CHARS = {w for w in STOPWORDS if len(w) == 1}


def char_ngrams(text: str) -> list[str]:
    """Character unigrams and bigrams of the Chinese runs (Latin words and numbers whole), stop characters out.

    Bigrams do not cross punctuation or a change of script, so they stay within a phrase.
    """
    grams: list[str] = []
    for run in _CJK_RUN.findall(text.lower()):
        if not ("\u4e00" <= run[0] <= "\u9fff"):
            if run not in STOPWORDS:
                grams.append(run)
            continue
        grams.extend(ch for ch in run if ch not in _STOP_CHARS)
        grams.extend(a + b for a, b in zip(run, run[1:], strict=False))
    return grams


class KeywordIndex:
    """BM25 over a fixed list of passages; ``search`` returns (position, score) pairs.

    ``tokenizer`` is :func:`tokenize` (words) or :func:`char_ngrams`; queries must use the same one.
    """

    def __init__(self, passages: list[str], tokenizer: Callable[[str], list[str]] = tokenize,
                 tokens: list[list[str]] | None = None) -> None:
        """``tokens``: the passages already tokenized by ``tokenizer`` (kept in the index, so that
        loading thousands of clauses does not segment them all again)."""
        self.size = len(passages)
        self.tokenizer = tokenizer
        corpus = [t or ["∅"] for t in tokens] if tokens is not None else [tokenizer(p) or ["∅"] for p in passages]
        self.vocab = {tok for doc in corpus for tok in doc}
        self.df: dict[str, int] = {}
        self.tf: dict[str, int] = {}  # occurrences of each token over all passages
        for doc in corpus:
            for tok in set(doc):
                self.df[tok] = self.df.get(tok, 0) + 1
            for tok in doc:
                self.tf[tok] = self.tf.get(tok, 0) + 1
        self.total = sum(self.tf.values())
        self._by_char: dict[str, list[str]] | None = None
        self._bm25 = bm25s.BM25()
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def words_with(self, char: str) -> list[str]:
        """The indexed words of two characters or more that hold ``char`` (built once per index)."""
        if self._by_char is None:
            table: dict[str, list[str]] = {}
            for tok in sorted(self.vocab):
                if len(tok) >= 2:
                    for ch in dict.fromkeys(tok):
                        table.setdefault(ch, []).append(tok)
            self._by_char = table
        return self._by_char.get(char, [])

    def idf(self, token: str) -> float:
        """BM25's idf; an unseen token weighs like the rarest one (it is specific, not noise)."""
        df = self.df.get(token, 0)
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.vocab]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def search(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        scores = self.scores(query_tokens)
        order = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
