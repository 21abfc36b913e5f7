"""The LLM composer: numbered clauses + question -> a cited answer that passed the grounding check.

Why: the extractive answer is always there; the LLM may only make it read better. The prompt
(LangChain ChatPromptTemplate from files in prompts/) gives the clauses inside <clauses>, the
user's text inside <question> as data, and tells the model that clause text is data too (a
document may hold instruction-like text). The model writes the two shapes of the answer
contract, brief and full (chains.llm.shapes); both are checked (chains.llm.grounding), repaired
once with the list of what was wrong, and otherwise replaced by the extractive answer with a
`fallback_reason`. The whole thing, repair included, runs inside one deadline and never raises.
"""

from __future__ import annotations

import html
import logging
import re
import time
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate

import prompts
from chains.compose import cite
from chains.llm.client import ChatClient, Deadline, LLMError
from chains.llm.grounding import (
    CITATION,
    Source,
    Violation,
    check_answer,
    describe,
    parse_citations,
    split_sentences,
    strip_citations,
)
from chains.llm.shapes import Shapes, parse_shapes
from chains.models import Answer, Citation

log = logging.getLogger(__name__)

LANGUAGES = {"zh": "简体中文", "en": "English"}


def answer_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages(
        [("system", prompts.load("answer_system")), ("human", prompts.load("answer_user"))]
    )


def repair_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("human", prompts.load("answer_repair"))])


def _attr(value: Any) -> str:
    return html.escape(str(value or ""), quote=True).replace("\n", " ")


def render_clauses(hits: list[Any]) -> str:
    """The numbered clauses as the model sees them, in clear delimiters (text escaped so that a
    clause or a question cannot close a tag)."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        clause, doc = hit.clause, hit.doc
        units = "、".join(clause.responsible_units)
        blocks.append(
            f'<clause n="{n}" doc="{_attr(doc.display_title)}" jurisdiction="{_attr(doc.jurisdiction_label)}" '
            f'section="{_attr(clause.section)}" units="{_attr(units)}" date="{_attr(doc.date)}">\n'
            f"{html.escape(clause.text.strip(), quote=False)}\n</clause>"
        )
    return "\n".join(blocks)


def sources_for(hits: list[Any]) -> list[Source]:
    return [
        Source(
            n=n,
            text=hit.clause.text,
            doc_title=f"{hit.doc.display_title} {hit.doc.title}",
            section=hit.clause.section,
            units=tuple(hit.clause.responsible_units),
            date=hit.doc.date,
            jurisdiction=hit.doc.jurisdiction,
        )
        for n, hit in enumerate(hits, start=1)
    ]


def instruction_text(system: str) -> str:
    """The part of the system message that must never be echoed: quoted stock phrases (which a
    legitimate answer uses, e.g. "文件未明确规定……") are left out of the comparison."""
    return re.sub(r'"[^"\n]{0,60}"|“[^”\n]{0,60}”', "", system)


class LLMComposer:
    """`compose(question, analysis, hits, extractive) -> Answer` (mode "llm" or the extractive
    answer with `fallback_reason`). Thread-safe: no per-call state is kept on the instance."""

    def __init__(self, client: ChatClient, *, timeout_s: float = 20.0):
        self.client = client
        self.timeout_s = timeout_s
        self._prompt = answer_prompt()
        self._repair = repair_prompt()

    def compose(
        self,
        question: str,
        analysis: Any,
        hits: list[Any],
        extractive: Answer,
        *,
        deadline: Deadline | None = None,
    ) -> Answer:
        started = time.monotonic()
        try:
            answer = self._compose(question, analysis, hits, extractive, deadline or Deadline(self.timeout_s))
        except Exception as exc:  # noqa: BLE001 - the user always gets the extractive answer
            log.exception("LLM composer failed")
            answer = fallback(extractive, f"error {type(exc).__name__}")
        answer.timings = {**answer.timings, "llm": round(time.monotonic() - started, 3)}
        return answer

    def _compose(
        self, question: str, analysis: Any, hits: list[Any], extractive: Answer, deadline: Deadline
    ) -> Answer:
        if not hits:
            return fallback(extractive, "no clauses")
        language = LANGUAGES.get(getattr(analysis, "answer_language", "zh"), LANGUAGES["zh"])
        messages = self._prompt.format_messages(
            clauses=render_clauses(hits),
            question=html.escape(question.strip(), quote=False),
            language=language,
        )
        secret = instruction_text(str(messages[0].content))
        sources = sources_for(hits)

        def check(reply: str) -> tuple[Shapes, list[Violation]]:
            shapes = parse_shapes(reply)
            found: list[Violation] = []
            for text in (shapes.brief, shapes.full):  # both shapes are checked; either may fail
                found += [v for v in check_answer(text, sources, question=question, secret=secret) if v not in found]
            return shapes, found

        try:
            reply = self.client.complete(messages, deadline)
        except LLMError as err:
            return fallback(extractive, err.reason)
        shapes, violations = check(reply)
        if violations:
            first = describe(violations)
            log.info("LLM answer failed grounding (%s); asking for a repair", first)
            bullets = "\n".join(f"- {v}" for v in violations[:8])
            repair = [*messages, AIMessage(content=reply), *self._repair.format_messages(violations=bullets)]
            try:
                reply = self.client.complete(repair, deadline)
            except LLMError as err:
                return fallback(extractive, f"grounding: {first}; repair: {err.reason}")
            shapes, violations = check(reply)
            if violations:
                return fallback(extractive, f"grounding: {describe(violations)}")
        return build_answer(shapes, hits, extractive)


def fallback(extractive: Answer, reason: str) -> Answer:
    log.warning("LLM answer not used: %s", reason)
    return extractive.model_copy(update={"fallback_reason": reason, "mode": "extractive"}, deep=True)


def build_answer(shapes: Shapes, hits: list[Any], extractive: Answer) -> Answer:
    """The checked brief and full texts with their citations renumbered 1..k in order of first use
    (brief first), each mapped to its clause, so that every [n] in either text is citations[n-1];
    Citation.quote is the answer's sentence(s) that cite it."""
    both = shapes.brief + "\n" + shapes.full
    order: list[int] = []
    for n in parse_citations(both):
        if 1 <= n <= len(hits) and n not in order:
            order.append(n)
    new_number = {old: new for new, old in enumerate(order, start=1)}

    def renumber(m: re.Match) -> str:
        nums = [new_number[n] for n in parse_citations(m.group(0)) if n in new_number]
        return "".join(f"[{n}]" for n in dict.fromkeys(nums))

    brief = CITATION.sub(renumber, shapes.brief).strip()
    full = CITATION.sub(renumber, shapes.full).strip()
    quotes: dict[int, list[str]] = {n: [] for n in order}
    for sentence in split_sentences(shapes.full) + split_sentences(shapes.brief):
        bare = strip_citations(sentence.text).strip(" \t-*•")
        for n in dict.fromkeys(sentence.cites):
            if n in quotes and bare and bare not in quotes[n]:
                quotes[n].append(bare)
    known = {c.clause_id: c for c in extractive.citations}
    citations = [_citation(new_number[old], hits[old - 1], "".join(quotes[old]), known) for old in order]
    # like the extractive composer: the first sentence, its citation markers kept
    headline = split_sentences(brief)[0].text.strip() if brief else None
    return extractive.model_copy(
        update={
            "answer": brief,
            "answer_full": full if full != brief else None,
            "mode": "llm",
            "citations": citations,
            "fallback_reason": None,
            "headline": headline,
            "abstained": False,
        },
        deep=True,
    )


def _citation(n: int, hit: Any, quote: str, known: dict[str, Citation]) -> Citation:
    quote = quote or hit.clause.text
    if hit.clause.clause_id in known:  # keep the extractive composer's rendering of the source
        return known[hit.clause.clause_id].model_copy(update={"n": n, "quote": quote})
    return cite(n, hit, quote)
