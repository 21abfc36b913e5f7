"""Retrieval mechanisms that generalise: n-grams across segmentation, contextual passages, parse
results kept on clauses, places from the gazetteer, scored clauses and sentence vectors from the index."""

from __future__ import annotations

import ast
from pathlib import Path

from chains.analysis import analyse
from chains.followup import RuleRewriter
from chains.fusion import WEIGHTS
from chains.models import Turn
from chains.naming import bigrams
from chains.retrieval import heading_match, heading_match_text, place_coverage, place_factor
from knowledge.corpus import SourceDocument
from knowledge.gazetteer import load_gazetteer
from knowledge.index import ClauseStore, open_client, passage_of
from knowledge.keyword import KeywordIndex, char_ngrams, tokenize
from knowledge.kindred import lend_headings
from knowledge.models import DocumentMeta
from knowledge.parser import parse_text
from tests.test_index import PLAN_A, CountingEmbeddings

ROOT = Path(__file__).resolve().parent.parent


def test_a_single_character_reaches_the_word_it_is_part_of() -> None:
    passages = ["落实增值税、企业所得税和环境保护税等优惠政策。", "支持利用赤泥生产路基材料。"]
    words, grams = KeywordIndex(passages), KeywordIndex(passages, char_ngrams)
    assert words.scores(tokenize("税")).max() == 0  # jieba cuts 增值税 whole: the word side misses it
    assert grams.scores(char_ngrams("有什么税"))[0] > 0 == grams.scores(char_ngrams("有什么税"))[1]


def test_the_parser_keeps_titles_questions_and_answers_apart() -> None:
    plan = parse_text("一、主要任务\n（一）推动源头减量。鼓励企业优化工艺。\n", "p")
    assert plan[0].heading == "推动源头减量" and plan[0].section_path[-1] == "（一）推动源头减量"
    qa = parse_text("问：企业能享受哪些优惠？\n答：可以享受税收优惠。\n", "q")
    assert qa[0].question == "企业能享受哪些优惠？" and qa[0].answer == "可以享受税收优惠。"
    assert qa[0].body == "可以享受税收优惠。" and qa[0].text.startswith("问：")


def test_passages_carry_the_document_and_the_section_path() -> None:
    meta = DocumentMeta(doc_id="p", title="某省赤泥综合利用行动方案", jurisdiction="410000")
    clause = parse_text(PLAN_A, "p")[1]
    passage = passage_of(clause, {"p": meta})
    assert "某省赤泥综合利用行动方案" in passage and "一、主要任务 > （二）扩大利用规模" in passage
    # the text, then the units it names responsible: "市交通局负责哪些工作" finds it by its words
    assert passage.endswith(clause.text + "\n（责任单位：市住建局、市交通局）")


def _doc(doc_id: str, jurisdiction: str) -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, title=doc_id, jurisdiction=jurisdiction)


def test_places_boost_their_documents_the_parent_less_and_never_penalise_national() -> None:
    gaz = load_gazetteer()
    city, province = gaz.get("三门峡"), gaz.get("河南")
    assert city is not None and province is not None
    docs = {"city": _doc("city", city.code), "prov": _doc("prov", "henan"), "nat": _doc("nat", "national"),
            "other": _doc("other", "贵州")}
    for question, named, related in (("三门峡对赤泥有什么补贴？", "city", "prov"), ("河南对赤泥有什么补贴？", "prov", "city")):
        analysis = analyse(question)
        analysis.coverage = place_coverage(analysis, docs)
        f = {k: place_factor(d, analysis, WEIGHTS) for k, d in docs.items()}
        assert f[named] > f[related] >= f["nat"] == 1.0 > f["other"], (question, f)
    unnamed = analyse("赤泥有什么补贴？")
    assert {place_factor(d, unnamed, WEIGHTS) for d in docs.values()} == {1.0}


def test_coverage_says_which_places_have_documents_of_their_own_or_of_a_parent() -> None:
    docs = {"prov": _doc("prov", "henan"), "nat": _doc("nat", "national")}
    coverage = place_coverage(analyse("三门峡和滨州的赤泥政策有什么不同？"), docs)
    assert [(c.place.label, c.own, c.covering.label if c.covering else None) for c in coverage] == [
        ("三门峡", False, "河南"), ("滨州", False, None)]


def test_follow_up_names_any_place_the_gazetteer_knows() -> None:
    previous = Turn(question="贵州用哪些资金渠道支持赤泥综合利用？")
    assert RuleRewriter().rewrite("那滨州呢？", previous) == "滨州用哪些资金渠道支持赤泥综合利用？"
    english = Turn(question="Which agencies are responsible for red mud use in Guizhou?")
    assert "Sanmenxia" in RuleRewriter().rewrite("what about Sanmenxia?", english)


def test_no_place_name_is_a_string_constant_in_retrieval_code() -> None:
    gaz = load_gazetteer()
    names = {p.short for p in gaz.places.values() if p.level in (1, 2) and len(p.short) >= 2}
    for name in ("analysis", "retrieval", "followup", "glossary", "guard", "service", "scope", "fusion"):
        tree = ast.parse((ROOT / "chains" / f"{name}.py").read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body
                      and isinstance(n.body[0], ast.Expr)}
        literals = [n.value for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]
        found = sorted({p for lit in literals for p in names if p in lit})
        assert not found, (name, found)


def test_index_scores_clauses_and_sentences_and_reuses_sentence_vectors(tmp_path: Path) -> None:
    embeddings = CountingEmbeddings()
    store = ClauseStore(open_client(tmp_path / "index"), embeddings)
    meta = DocumentMeta(doc_id="a", title="某市赤泥方案")
    store.build([SourceDocument(meta, PLAN_A)])
    first = embeddings.embedded
    snap = store.load()
    qvec = embeddings.embed_query("用赤泥做烧结砖有支持吗")
    scores = snap.score_clauses(qvec, "用赤泥做烧结砖有支持吗")
    assert [s.clause.clause_id for s in scores] == ["a/一/一", "a/一/二"]
    assert scores[1].ngrams > scores[0].ngrams and all(s.dense is not None and s.sentence is not None for s in scores)
    sentences = snap.sentence_scores("a/一/二", qvec)
    assert [s for s, _ in sentences] == ["扩大利用规模。", "支持利用赤泥生产烧结砖和路基材料。"]
    assert sentences[1][1] > sentences[0][1]
    changed = PLAN_A.replace("降低赤泥产生量", "减少赤泥产生量")
    store.build([SourceDocument(meta, changed)])
    # one sentence of one clause changed: that sentence is embedded again, nothing else
    assert embeddings.embedded - first == 1
    fresh = CountingEmbeddings()
    restarted = ClauseStore(open_client(tmp_path / "index"), fresh).load()
    assert restarted.sentence_scores("a/一/二", qvec) == sentences and fresh.embedded == 0  # stored, not recomputed


def test_a_long_clause_cited_whole_has_every_piece_s_sentences_scored(tmp_path: Path) -> None:
    """A long clause is split into pieces at ingest and cited as one (``compose.merge_pieces``, which
    keeps the first piece's id): the sentences of its later pieces are scored against the question too,
    not left without a similarity as if nothing in them were on it."""
    from chains.compose import merge_pieces
    from chains.quoting import body_sentences
    from chains.retrieval import Hit, Retrieval

    sentences = [f"第{n}项任务是推动赤泥在第{n}类建材中的规模化利用，提升综合利用水平和产品质量。" for n in range(1, 13)]
    text = "一、主要任务\n（一）扩大利用规模。" + "".join(sentences) + "支持利用赤泥生产路基材料和烧结砖。\n"
    embeddings = CountingEmbeddings()
    store = ClauseStore(open_client(tmp_path / "index"), embeddings)
    meta = DocumentMeta(doc_id="long", title="某市赤泥方案")
    store.build([SourceDocument(meta, text)])
    snap = store.load()
    pieces = [c for c in snap.clauses if c.section_keys == ["一", "一"]]
    assert len(pieces) >= 2  # the clause is longer than one piece
    assert snap.piece_ids(pieces[-1]) == [c.clause_id for c in sorted(pieces, key=lambda c: c.piece)]
    merged = merge_pieces([Hit(c, meta, 1.0) for c in pieces])[0]
    qvec = embeddings.embed_query("赤泥能做路基材料吗")
    retrieval = Retrieval(hits=[], best_dense=0.0, best_keyword=0.0, query_tokens=[], question_tokens=set(),
                          query_vector=qvec, snapshot=snap, part_vectors=[qvec])
    similarity = retrieval.sentence_similarity(merged.clause)
    body = body_sentences(merged.clause)
    last = next(s for s in body if "路基材料" in s)
    assert last in similarity and set(body) <= set(similarity)
    assert retrieval.part_similarity(0, merged.clause, body)[body.index(last)] == similarity[last] > 0


def test_an_answer_split_at_ingest_is_quoted_whole_when_a_piece_of_it_is_found(answerer) -> None:
    # Henan's "为什么要出台" answer is long enough to be split; retrieval finds the piece about the
    # national plan, the reason (由于…黄河流域…) sits in the other: a Q&A answer is one unit
    answer = answerer.answer("Why did Henan issue its own red mud plan?")
    assert "黄河流域" in answer.answer.split("\n")[0], answer.answer
    henan = [c for c in answer.citations if c.doc_id == "henan-2025-redmud-qa" and "黄河流域" in c.text]
    assert len(henan) == 1 and "近日" not in henan[0].text  # the whole answer, once, without the preface


def test_a_list_without_a_heading_borrows_the_heading_other_documents_put_over_such_lists() -> None:
    # one plan lists its principles under "（二）基本原则", another straight under "一、总体要求": the
    # second's list is found by 原则 through the first's heading, and keeps its own section for citing
    headed = parse_text("一、总体要求\n（一）指导思想\n以新发展理念为指导。\n（二）基本原则\n"
                        "——强化创新驱动。将创新作为核心动力。\n——做好系统推进。加强各环节统筹。\n", "a")
    bare = parse_text("一、总体要求\n以新发展理念为指导，提升利用水平。\n"
                      "——坚持创新引领。以产业需求为导向。\n——坚持系统推进。强化产业链协同。\n", "b")
    prose = parse_text("一、总体要求\n（一）目标\n到2027年，利用率达到15%。\n", "c")
    lent = {c.clause_id: c for c in lend_headings([*headed, *bare, *prose])}
    listed = [c for c in lent.values() if c.doc_id == "b" and "——" in c.text]
    assert listed and all(c.kindred_heading == "基本原则" for c in listed)
    assert all(c.section_path == ["一、总体要求"] for c in listed)  # cited under its own section
    assert not any(c.kindred_heading for c in lent.values() if c.doc_id != "b" or "——" not in c.text)
    meta = {"b": DocumentMeta(doc_id="b", title="乙方案", jurisdiction="national")}
    assert "一、总体要求 > 基本原则" in passage_of(listed[0], meta)
    assert heading_match(bigrams("乙方案有哪几条基本原则"), listed[0], frozenset()) == 1.0
    # alone in the library, a list has nothing to borrow
    assert not any(c.kindred_heading for c in lend_headings(bare))


def test_the_national_plan_s_principles_are_found_though_it_gives_them_no_heading(answerer) -> None:
    answer = answerer.answer("国家赤泥方案有哪几条原则")
    head = answer.answer.split("\n")[0]
    assert all(p in head for p in ("创新引领", "系统推进", "市场主导")), answer.answer
    assert answer.citations[0].doc_id == "cn-2024-redmud-plan" and answer.citations[0].section == "一、总体要求"


def test_an_english_question_on_the_national_principles_gets_them_too(answerer) -> None:
    # "principles" reaches 原则 through the glossary, and the national plan's list its lent heading
    head = answerer.answer("What are the basic principles of the national red mud action plan?").answer.split("\n")[0]
    assert all(p in head for p in ("创新引领", "系统推进", "市场主导")), head
    # the list's lent heading says it is on the question: no "the documents do not say this directly"
    assert not head.startswith("The documents do not say"), head


def test_retrieval_s_heading_score_reads_a_lent_heading(answerer) -> None:
    from chains.retrieval import _heading_scores

    snapshot = answerer.index.snapshot()
    scores = _heading_scores(snapshot, bigrams("国家方案有哪几条基本原则"))
    lent = [i for i, c in enumerate(snapshot.clauses) if c.kindred_heading == "基本原则"]
    assert lent and all(scores[i] == 1.0 for i in lent)
    assert max(scores[i] for i, c in enumerate(snapshot.clauses) if c.doc_id == "cn-2024-redmud-plan" and i not in lent) < 1.0


def test_an_english_question_matches_headings_through_the_terms_it_is_translated_into(answerer) -> None:
    # an English question has no Chinese pairs of its own: its headings are matched through the
    # Chinese terms it was translated into, each term apart, so no pair spans two terms
    from chains.retrieval import query_texts, question_grams

    snapshot = answerer.index.snapshot()
    analysis = analyse("What are the basic principles in Guizhou?")
    dense_text, _ = query_texts(analysis, snapshot)
    grams = question_grams(analysis, dense_text)
    assert heading_match_text(grams, "基本原则", frozenset()) == 1.0
    assert heading_match_text(bigrams(analysis.question), "基本原则", frozenset()) == 0.0
    terms = [t for t in dense_text.split() if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    assert len(terms) >= 2
    within = set().union(*(bigrams(t) for t in terms))
    assert within <= grams and not (bigrams("".join(terms)) - within) & grams
    # a Chinese question is matched by its own pairs only, as before
    chinese = analyse("贵州方案的基本原则有哪些")
    assert question_grams(chinese, "无关 词语") == bigrams(chinese.question)
