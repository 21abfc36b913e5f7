"""The question's topic: which of its words say what it is about, and how much each says.

Rare words say most, the user's own words more than the synonyms they bring, words of the
documents' language more than everyday ones. What points at a document ("八部门那个方案"), at a
place that has documents of its own, or at the kind of answer wanted ("百分之几") is not the topic:
retrieval, the place notes and the form of the answer take care of those. The composer weighs
sentences, segments and points by these weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from chains.analysis import SPECIFIC_ASKS, Analysis
from chains.coverage import local_to
from chains.quoting import HEADING_SHARE
from chains.retrieval import Retrieval
from knowledge.gazetteer import load_gazetteer
from knowledge.keyword import KeywordIndex, dictionary_pieces, domain_share, function_words

__all__ = ["NAME_CHARS", "REFERENCE_WORDS", "SPECIFIC_IDF", "topic_only", "topic_weights"]

SPECIFIC_IDF = 1.0  # tokens rarer than this carry the question's topic; "赤泥", "综合利用" do not
# words that point at documents rather than at a topic: retrieval boosts handle those
REFERENCE_WORDS = {"国家", "方案", "文件", "政策", "规定", "提到", "提出", "意思", "全国", "省", "市", "里", "中"}
NAME_CHARS = 6  # a document's short name before 方案/文件 ("八部委那个", "国家赤泥") is at most this long


def topic_weights(retrieval: Retrieval, keyword: KeywordIndex, analysis: Analysis | None = None) -> dict[str, float]:
    """How much each query token says about the topic: rare words most, the user's own words over
    synonyms, words of the documents' language over everyday ones (:func:`domain_share`: "东西",
    "分别" are rare in the documents, yet say nothing). The name of a place that has documents
    says where, not what; the name of one without (a province a national plan's column lists)
    is what the question is about, unless only the part that does not ask names it ("We make pavers
    in Shandong. Which bricks…?"): then it counts as a heading's word does (HEADING_SHARE)."""
    gazetteer = load_gazetteer()
    aside: set[str] = set()
    if analysis is not None and analysis.context:
        aside = {p.code for p in gazetteer.find(analysis.context)} - {p.code for p in gazetteer.find(" ".join(analysis.parts))}
    documents = list(retrieval.documents.values())
    weights: dict[str, float] = {}
    snapshot = getattr(retrieval, "snapshot", None)
    ngrams = getattr(snapshot, "ngrams", None)
    named = analysis.documents if analysis is not None else []
    # the words of a short name the question gives a document ("八部委那个文件") name it; retrieval
    # boosts the document, and its sentences are not about 部委 (a long run is no name: kept)
    names = [m for m in retrieval.document_names if len(m) <= NAME_CHARS]
    function = function_words()
    cosines: np.ndarray | None = None
    for tok in set(retrieval.query_tokens):
        if tok in REFERENCE_WORDS or any(tok in name for name in names):
            continue
        if tok not in keyword.vocab and ngrams is not None:
            # a word the documents never use (修路): its characters they do use (路基材料) stand in, at half
            # weight, as far as the word and the character are the documents' language ("到底" is not)
            for piece in dictionary_pieces(tok):  # "啥意思", no word of the dictionary: 啥 + 意思
                if piece in function:
                    continue  # "里面": a locative's characters say no more than it does (面 of 方面)
                share = domain_share(piece, keyword)
                chars = [ch for ch in dict.fromkeys(piece)
                         if ch in ngrams.vocab and "\u4e00" <= ch <= "\u9fff" and ngrams.idf(ch) >= SPECIFIC_IDF]
                if chars and cosines is None:  # the question's cosine to every sentence, once per question
                    cosines = sentence_cosines(retrieval)
                chosen = stand_ins(chars, retrieval, keyword, function, cosines)
                for ch in chars:
                    w = 0.5 * ngrams.idf(ch) * share * domain_share(ch, ngrams)
                    # the character, and beside it the documents' words holding it that are on the
                    # question's meaning (路基, 路面 for the 路 of 修公路), at the character's weight
                    for word in [ch, *chosen.get(ch, [])]:
                        weights[word] = max(weights.get(word, 0.0), w)
            continue
        place = gazetteer.get(tok)
        if place is not None and (place.level == 0 or any(local_to(d, place) for d in documents)):
            continue  # a place with documents of its own: retrieval ranks by place; a place without is a topic

        idf = keyword.idf(tok)
        if named and snapshot is not None:
            # rare in the documents the question names counts too: "赤泥" is in every clause of the
            # red-mud plans, in few of the eight-department plan's ("八部门方案 赤泥这块要啃哪些技术")
            idf = max(idf, snapshot.document_idf(tok, named))
        w = (idf if idf >= SPECIFIC_IDF else 0.1 * idf) * (1.0 if place is not None else domain_share(tok, keyword))
        w *= HEADING_SHARE if place is not None and place.code in aside else 1.0
        weights[tok] = w if tok in retrieval.question_tokens else 0.5 * w
    # words of a function class say how or which, not what ("主要往哪些产品上推": 产品, not 主要)
    return {t: w for t, w in weights.items() if t not in function}


# the documents' words that stand in for a word they never use: of those sharing a character with it,
# the ones in a sentence within this much cosine of the sentence closest to the question (e5 cosines
# between a question and the documents' sentences lie in a band about 0.08 wide). Chosen on dev and the
# paraphrases: 0.005 gave dev +1 / +1, paraphrases +4 / +2; 0.01 reached 路线 and 路基材料 for the 路 of
# "脱碱路子" (dev facts-first -2); replacing the character by its words instead of adding them lost 13 dev
# cases (税种 needs every tax word, not only those of the nearest sentence)
STAND_IN_NEAR = 0.005


def sentence_cosines(retrieval: Retrieval) -> np.ndarray:
    """The question's cosine to each of the library's sentences (empty without vectors)."""
    snapshot = getattr(retrieval, "snapshot", None)
    vector = getattr(retrieval, "query_vector", None)
    if snapshot is None or not vector:
        return np.zeros(0, dtype=np.float32)
    return snapshot.sentence_cosines(vector)[1]


def stand_ins(chars: list[str], retrieval: Retrieval, keyword: KeywordIndex,
              function: frozenset[str], cosines: np.ndarray | None = None) -> dict[str, list[str]]:
    """For each character of a word the documents never use ("修公路"), the documents' words holding it
    that stand in for it beside the character, chosen by meaning: those found in a sentence nearly as
    close to the question as the closest of all ("推动赤泥改性用于生产路基材料、路面材料…": 路基, 路面 for
    路), not every word holding the character (修复 of 生态修复 for 修: none). Empty where the index has
    no sentence vectors."""
    snapshot = getattr(retrieval, "snapshot", None)
    if cosines is None:
        cosines = sentence_cosines(retrieval)
    if snapshot is None or not chars or not len(cosines):
        return {}
    near = float(cosines.max()) - STAND_IN_NEAR
    chosen: dict[str, list[str]] = {}
    for ch in chars:
        words = [w for w in keyword.words_with(ch) if w not in function and keyword.idf(w) >= SPECIFIC_IDF]
        held = [(w, snapshot.sentences_with(w)) for w in words]
        held = [(w, h) for w, h in held if len(h)]
        if held:
            chosen[ch] = [w for w, h in held if float(cosines[h].max()) >= near]
    return chosen


def topic_only(weights: Mapping[str, float], analysis: Analysis) -> dict[str, float]:
    """The weights without the words that say what kind of answer is wanted ("百分之几" asks for a
    rate; its "百分" must not make a sentence about 百分点 look on topic)."""
    asked = [term for _, terms in SPECIFIC_ASKS for term in terms if term in analysis.question.lower()]
    inside = analysis.inside  # "山西哪几个市…": 山西 is where, not what
    names = {inside.name, inside.short, *inside.aliases} if inside is not None else set()
    return {t: w for t, w in weights.items() if (len(t) < 2 or not any(t in term for term in asked)) and t not in names}
