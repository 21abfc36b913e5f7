"""What an answer, a clause or a document list looks like in Telegram (as styled blocks).

The headline (the direct answer) is bold, the body plain, the sources in a collapsed quote, so
a group chat sees the answer first and the references only when it wants them. Blocks are
plain text; `render.split_blocks` escapes and splits them.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.telegram import texts
from bot.telegram.render import Block
from bot.telegram.seams import DocumentInfoLike
from chains.models import Answer
from knowledge.models import Clause

GROUP_CLAUSE_CHARS = 900  # keep group chats short
PRIVATE_CLAUSE_CHARS = 3500  # one message, even for a 30,000-character clause
DOCS_TITLE_CHARS = 80  # a 300 KB title must not turn /docs into 75 messages
_CLIP_AT = "。！？；\n"


def clip_text(text: str, limit: int) -> tuple[str, bool]:
    """(text cut to at most `limit` characters at a sentence end, whether it was cut)."""
    text = text.strip()
    if len(text) <= limit:
        return text, False
    head = text[: limit - 1]
    cut = max(head.rfind(ch) for ch in _CLIP_AT)
    if cut >= limit // 2:
        head = head[: cut + 1]
    return head.rstrip() + "…", True


def _clip_line(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _headline_and_body(answer: Answer, text: str | None = None) -> tuple[str, str]:
    text = (answer.answer if text is None else text).strip()
    headline = (answer.headline or "").strip()
    if headline:
        if text.startswith(headline):
            text = text[len(headline) :].lstrip("\n")
        return headline, text
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip("\n")


def answer_blocks(answer: Answer, text: str | None = None) -> list[Block]:
    """The answer as blocks: `text` is the form to show (brief by default; the full one, or the
    brief one cut for a group)."""
    headline, body = _headline_and_body(answer, text)
    blocks: list[Block] = []
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        blocks.append(Block("i", texts.REWRITTEN.format(question=answer.standalone_question.strip())))
    if headline:
        blocks.append(Block("b", headline))
    if body.strip():
        blocks.append(Block("", body))
    if answer.citations:
        blocks.append(Block("quote", sources_text(answer)))
    if answer.notice:
        blocks.append(Block("i", answer.notice))
    return blocks or [Block("", texts.ERROR)]


def sources_text(answer: Answer) -> str:
    lines = [texts.SOURCES_HEAD]
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.doc_title} {c.section}".strip())
    return "\n".join(lines) if answer.citations else ""


def full_blocks(full_text: str, sources: str) -> list[Block]:
    """A stored full answer (what "展开全部" shows): headline, body, sources."""
    headline, _, body = full_text.strip().partition("\n")
    blocks = [Block("b", headline.strip())]
    if body.strip():
        blocks.append(Block("", body.strip("\n")))
    if sources:
        blocks.append(Block("quote", sources))
    return blocks


def clause_blocks(clause: Clause, doc_title: str, *, short: bool, label: str = "") -> list[Block]:
    """The full clause: document, section path, text and responsible units."""
    body = clause.text.strip()
    limit = GROUP_CLAUSE_CHARS if short else PRIVATE_CLAUSE_CHARS
    if len(body) > limit:
        body = body[:limit].rstrip() + "…\n" + (texts.CLAUSE_TRUNCATED if short else texts.CLAUSE_TRUNCATED_PRIVATE)
    blocks = [Block("b", f"{label} {doc_title}".strip())]
    blocks.append(Block("i", texts.CLAUSE_SECTION + clause.section))
    blocks.append(Block("", body))
    if clause.responsible_units:
        blocks.append(Block("", texts.CLAUSE_UNITS + "、".join(clause.responsible_units)))
    return blocks


def docs_blocks(documents: Iterable[DocumentInfoLike]) -> list[Block]:
    lines = []
    for i, info in enumerate(documents, 1):
        meta = info.meta
        lines.append(
            texts.DOCS_LINE.format(
                i=i,
                title=_clip_line(meta.display_title, DOCS_TITLE_CHARS),
                place=_clip_line(meta.jurisdiction_label, 20),
                date=meta.date or texts.DATE_UNKNOWN,
                count=info.clause_count,
            )
            + (texts.DOCS_SUPERSEDED.format(by=_clip_line(meta.superseded_by, 60)) if meta.superseded_by else "")
        )
    if not lines:
        return [Block("", texts.DOCS_EMPTY)]
    return [Block("b", texts.DOCS_HEAD), Block("", "\n".join(lines))]


def help_blocks(private: bool) -> list[Block]:
    examples = "\n".join(f"• {q}" for q in texts.EXAMPLE_QUESTIONS)
    return [
        Block("", texts.HELP_HEAD),
        Block("b", texts.HELP_EXAMPLES_HEAD),
        Block("", examples),
        Block("", texts.HELP_USAGE_PRIVATE if private else texts.HELP_USAGE_GROUP),
    ]
