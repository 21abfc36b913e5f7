"""Score answers against a case file (the format of shared/eval/dev.jsonl).

A case passes retrieval when every ``expect`` phrase lies inside what a citation from that
document shows (its title, its section's headings, the clause's text or the units it names as responsible; whitespace ignored); it is fully correct when, in addition, the answer holds
every ``must``, at least one ``must_any``, no ``must_not``, and abstains where ``abstain`` says.

Form is measured on the brief ``answer`` a member reads first: facts-first (every ``must``
within the first 150 characters), its length (median, p90) and generic leads (a first line
that cites nothing and only announces what follows, such as "现有文件的相关规定如下：").
A split file (one case id per line, ``#`` comments) names the held-out cases that are never
tuned on; ``select`` keeps either side of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from chains.models import Answer, Citation

_WS = re.compile(r"\s+")
FACTS_FIRST_CHARS = 150  # issue 9: a member sees about this much in a chat preview
_CITED = re.compile(r"\[\d+\]")


def _squash(text: str) -> str:
    return _WS.sub("", text)


@dataclass
class CaseResult:
    id: str
    question: str
    retrieval_ok: bool
    correct: bool
    problems: list[str] = field(default_factory=list)
    facts_first: bool | None = None  # None when the case has no ``must`` or the answer declines
    length: int | None = None  # characters of the brief answer (None for a decline)
    generic_lead: bool = False


def load_cases(path: Path) -> list[dict]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                cases.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from exc
    return cases


def read_split(path: Path) -> set[str]:
    """The case ids listed in a split file (blank lines and ``#`` comments ignored)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def select(cases: list[dict], held_out: set[str], split: str | None) -> list[dict]:
    """``heldout``: only the held-out cases; ``dev``: all the others; ``None``/``all``: every case."""
    if split in (None, "all"):
        return cases
    if split == "heldout":
        return [c for c in cases if c.get("id") in held_out]
    if split == "dev":
        return [c for c in cases if c.get("id") not in held_out]
    raise ValueError(f"unknown split {split!r} (all, dev, heldout)")


def is_generic_lead(answer: Answer) -> bool:
    """A first line that cites nothing and only announces what follows ("…如下：")."""
    if answer.abstained or not answer.citations:
        return False
    first = answer.answer.strip().split("\n", 1)[0].strip()
    return not _CITED.search(first) and first.endswith(("：", ":"))


def _form(case: dict, answer: Answer) -> tuple[bool | None, int | None, bool]:
    if answer.abstained:
        return None, None, False
    head = _squash(answer.answer)[:FACTS_FIRST_CHARS]
    musts = case.get("must", [])
    facts_first = all(_squash(m) in head for m in musts) if musts else None
    return facts_first, len(answer.answer), is_generic_lead(answer)


def _clause_text(citation: Citation) -> str:
    """What a citation shows of the document: its title (a case may expect the "（2025—2030年）" or
    the "第287号提案的答复" it states), the section it names (a column's items are cited under
    "专栏 赤泥综合利用产业化示范工程", the column's title), the clause's text and the units it names
    as responsible, as the document writes them (the parser keeps the title, the headings and
    "（责任单位：…）" apart from the text)."""
    units = "、".join(citation.responsible_units)
    return f"{citation.doc_title}\n{citation.section}\n{citation.text}" + (f"（责任单位：{units}）" if units else "")


def score(case: dict, answer: Answer) -> CaseResult:
    problems: list[str] = []
    for exp in case.get("expect", []):
        phrase = _squash(exp["phrase"])
        if not any(c.doc_id == exp["doc"] and phrase in _squash(_clause_text(c)) for c in answer.citations):
            problems.append(f"not retrieved: {exp['doc']}: {exp['phrase']}")
    retrieval_ok = not problems
    text = answer.answer
    flat = _squash(text)
    for must in case.get("must", []):
        if must not in text and _squash(must) not in flat:
            problems.append(f"missing: {must}")
    any_of = case.get("must_any", [])
    if any_of and not any(m in text or _squash(m) in flat for m in any_of):
        problems.append(f"none of: {' / '.join(any_of)}")
    for bad in case.get("must_not", []):
        if bad in text:
            problems.append(f"must not say: {bad}")
    if case.get("abstain") and not answer.abstained:
        problems.append("should have abstained")
    facts_first, length, generic = _form(case, answer)
    return CaseResult(case.get("id", "?"), case.get("q", ""), retrieval_ok, not problems, problems,
                      facts_first, length, generic)


def _percentile(values: list[int], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a length someone actually read)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))])


def summarise(results: list[CaseResult]) -> dict[str, float]:
    n = len(results) or 1
    firsts = [r.facts_first for r in results if r.facts_first is not None]
    lengths = [r.length for r in results if r.length is not None]
    return {
        "cases": len(results),
        "retrieval": sum(r.retrieval_ok for r in results) / n,
        "correct": sum(r.correct for r in results) / n,
        "facts_first": sum(firsts) / len(firsts) if firsts else 1.0,
        "median_chars": _percentile(lengths, 0.5),
        "p90_chars": _percentile(lengths, 0.9),
        "generic_leads": sum(r.generic_lead for r in results),
    }


def summary_line(summary: dict[str, float]) -> str:
    return (
        f"cases: {summary['cases']}  retrieval: {summary['retrieval']:.3f}  fully correct: {summary['correct']:.3f}  "
        f"facts-first: {summary['facts_first']:.3f}  answer chars median/p90: "
        f"{summary['median_chars']:.0f}/{summary['p90_chars']:.0f}  generic leads: {summary['generic_leads']:.0f}"
    )
