"""What an answer, a clause or a document list looks like in Telegram (as styled blocks).

The headline (the direct answer) is bold, the body plain, the sources in a collapsed quote, so
a group chat sees the answer first and the references only when it wants them. Blocks are
plain text; `render.split_blocks` escapes and splits them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.telegram import texts
from bot.telegram.render import Block
from chains.models import Answer

GROUP_CLAUSE_CHARS = 900  # keep group chats short; private chats get the whole clause


def _headline_and_body(answer: Answer) -> tuple[str, str]:
    text = answer.answer.strip()
    headline = (answer.headline or "").strip()
    if headline:
        if text.startswith(headline):
            text = text[len(headline) :].lstrip("\n")
        return headline, text
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip("\n")


def answer_blocks(answer: Answer) -> list[Block]:
    headline, body = _headline_and_body(answer)
    blocks: list[Block] = []
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        blocks.append(Block("i", texts.REWRITTEN.format(question=answer.standalone_question.strip())))
    if headline:
        blocks.append(Block("b", headline))
    if body.strip():
        blocks.append(Block("", body))
    if answer.citations:
        lines = [texts.SOURCES_HEAD]
        for c in answer.citations:
            lines.append(f"[{c.n}] {c.doc_title} {c.section}".strip())
        blocks.append(Block("quote", "\n".join(lines)))
    if answer.notice:
        blocks.append(Block("i", answer.notice))
    return blocks or [Block("", texts.ERROR)]


def citation_buttons(answer: Answer) -> list[tuple[str, str]]:
    """(label, clause_id) per distinct cited clause, in citation order."""
    seen: set[str] = set()
    buttons = []
    for c in answer.citations:
        if c.clause_id and c.clause_id not in seen:
            seen.add(c.clause_id)
            buttons.append((f"[{c.n}] 原文", c.clause_id))
    return buttons


def clause_blocks(clause: Any, doc_title: str, *, short: bool, label: str = "") -> list[Block]:
    """The full clause: document, section path, text and responsible units."""
    body = clause.text.strip()
    if short and len(body) > GROUP_CLAUSE_CHARS:
        body = body[:GROUP_CLAUSE_CHARS].rstrip() + "…\n" + texts.CLAUSE_TRUNCATED
    blocks = [Block("b", f"{label} {doc_title}".strip())]
    blocks.append(Block("i", texts.CLAUSE_SECTION + clause.section))
    blocks.append(Block("", body))
    if clause.responsible_units:
        blocks.append(Block("", texts.CLAUSE_UNITS + "、".join(clause.responsible_units)))
    return blocks


def docs_blocks(documents: Iterable[Any]) -> list[Block]:
    lines = []
    for i, info in enumerate(documents, 1):
        meta = info.meta
        lines.append(
            texts.DOCS_LINE.format(
                i=i,
                title=meta.display_title,
                place=meta.jurisdiction_label,
                date=meta.date or texts.DATE_UNKNOWN,
                count=info.clause_count,
            )
            + (texts.DOCS_SUPERSEDED.format(by=meta.superseded_by) if getattr(meta, "superseded_by", None) else "")
        )
    if not lines:
        return [Block("", texts.DOCS_EMPTY)]
    return [Block("b", texts.DOCS_HEAD), Block("", "\n".join(lines))]


def help_blocks() -> list[Block]:
    examples = "\n".join(f"• {q}" for q in texts.EXAMPLE_QUESTIONS)
    return [
        Block("", texts.HELP_HEAD),
        Block("b", texts.HELP_EXAMPLES_HEAD),
        Block("", examples),
        Block("", texts.HELP_USAGE),
    ]
