"""The evaluator's form measures and splits: what `redmud eval` reports must mean what it says."""

from __future__ import annotations

from pathlib import Path

from chains.evaluate import read_split, score, select, summarise
from chains.models import Answer, Citation

DATA = Path(__file__).resolve().parent / "data"


def _answer(text: str, cited: bool = True) -> Answer:
    cites = [Citation(n=1, doc_id="d", doc_title="t", jurisdiction="100000", section="s", clause_id="d/1",
                      text="到2030年新增赤泥综合利用率达到25%", quote="")] if cited else []
    return Answer(question="q", answer=text, citations=cites)


def test_facts_first_looks_only_at_the_first_150_characters():
    case = {"id": "x", "q": "q", "must": ["25%"], "expect": []}
    assert score(case, _answer("到2030年达到25%。[1]")).facts_first is True
    late = "前言" * 80 + "到2030年达到25%。[1]"
    result = score(case, _answer(late))
    assert result.correct and result.facts_first is False


def test_a_first_line_that_only_announces_is_a_generic_lead():
    case = {"id": "x", "q": "q", "expect": []}
    assert score(case, _answer("现有文件的相关规定如下：\n\n• 到2030年达到25%。[1]")).generic_lead
    assert not score(case, _answer("到2030年达到25%。[1]\n• 其他[1]")).generic_lead
    assert not score(case, Answer(question="q", answer="请问：", abstained=True)).generic_lead


def test_summary_lengths_skip_declines():
    case = {"id": "x", "q": "q", "expect": []}
    results = [score(case, _answer("a" * n)) for n in (100, 200, 300)]
    results.append(score(case, Answer(question="q", answer="b" * 999, abstained=True)))
    summary = summarise(results)
    assert summary["median_chars"] == 200 and summary["p90_chars"] == 300


def test_the_held_out_split_is_a_fifth_and_disjoint_from_dev():
    from chains.evaluate import load_cases

    cases = [c for path in sorted(DATA.glob("eval*.jsonl")) for c in load_cases(path)]
    held = read_split(DATA / "heldout.txt")
    heldout, dev = select(cases, held, "heldout"), select(cases, held, "dev")
    assert len(heldout) == len(held) and abs(len(heldout) / len(cases) - 0.2) < 0.01
    assert len(heldout) + len(dev) == len(cases)
    assert not {c["id"] for c in heldout} & {c["id"] for c in dev}


def test_an_expected_phrase_may_lie_in_the_units_the_clause_names():
    cited = Citation(n=1, doc_id="d", doc_title="t", jurisdiction="guizhou", section="s", clause_id="d/1",
                     text="加强组织领导。", quote="", responsible_units=["省工业和信息化厅", "省科技厅", "省税务局"])
    answer = Answer(question="q", answer="省科技厅、省税务局。[1]", citations=[cited])
    assert score({"id": "x", "q": "q", "expect": [{"doc": "d", "phrase": "省科技厅、省税务局"}]}, answer).retrieval_ok
    assert not score({"id": "x", "q": "q", "expect": [{"doc": "d", "phrase": "省税务局、省科技厅"}]}, answer).retrieval_ok
    # quoted with the marker the document writes them under
    assert score({"id": "x", "q": "q", "expect": [{"doc": "d", "phrase": "（责任单位：省工业和信息化厅"}]}, answer).retrieval_ok


def test_an_expected_phrase_may_lie_in_the_section_the_citation_names():
    # a column's items are cited under the column's title: citing one cites the column
    cited = Citation(n=1, doc_id="d", doc_title="t", jurisdiction="100000",
                     section="三、推动赤泥综合利用扩容增量 > 专栏 赤泥综合利用产业化示范工程 > 山东", clause_id="d/1",
                     text="依托淄博工业资源综合利用基地……", quote="")
    answer = Answer(question="q", answer="山东[1]", citations=[cited])
    assert score({"id": "x", "q": "q", "expect": [{"doc": "d", "phrase": "专栏赤泥综合利用产业化示范工程"}]}, answer).retrieval_ok
    assert not score({"id": "x", "q": "q", "expect": [{"doc": "e", "phrase": "专栏赤泥综合利用产业化示范工程"}]}, answer).retrieval_ok
