"""Score answers against a case file (the format of shared/eval/dev.jsonl).

A case passes retrieval when every ``expect`` phrase lies inside the text of a citation from
that document (whitespace ignored); it is fully correct when, in addition, the answer holds
every ``must``, at least one ``must_any``, no ``must_not``, and abstains where ``abstain`` says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from chains.models import Answer

_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub("", text)


@dataclass
class CaseResult:
    id: str
    question: str
    retrieval_ok: bool
    correct: bool
    problems: list[str] = field(default_factory=list)


def load_cases(path: Path) -> list[dict]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                cases.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from exc
    return cases


def score(case: dict, answer: Answer) -> CaseResult:
    problems: list[str] = []
    for exp in case.get("expect", []):
        phrase = _squash(exp["phrase"])
        if not any(c.doc_id == exp["doc"] and phrase in _squash(c.text) for c in answer.citations):
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
    return CaseResult(case.get("id", "?"), case.get("q", ""), retrieval_ok, not problems, problems)


def summarise(results: list[CaseResult]) -> dict[str, float]:
    n = len(results) or 1
    return {
        "cases": len(results),
        "retrieval": sum(r.retrieval_ok for r in results) / n,
        "correct": sum(r.correct for r in results) / n,
    }
