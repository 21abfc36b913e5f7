"""Inline mode: `@bot 问题` in any chat offers up to three brief cited answers as articles, so
staff can drop an answer into any conversation. Needs BotFather's /setinline (README).

The first article is the brief answer with its sources; the next ones quote the top cited
clauses, each with its document and section. Answers are cached by Telegram for a short time.
"""

from __future__ import annotations

import hashlib
import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes, InlineQueryHandler

from bot.telegram.answering import BRIEF_VISIBLE_CHARS, brief_budget
from bot.telegram.formatting import answer_blocks, clip_text
from bot.telegram.render import Block, split_blocks
from bot.telegram.runtime import run_blocking, runtime, services
from chains.models import Answer

logger = logging.getLogger(__name__)

MAX_RESULTS = 3
MIN_QUERY_CHARS = 3
CACHE_S = 60


def _id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:32]


def articles(answer: Answer) -> list[InlineQueryResultArticle]:
    """Up to three: the brief answer, then the top cited clauses."""
    brief, _ = clip_text(answer.answer, brief_budget(answer))
    chunk = split_blocks(answer_blocks(answer, brief))[0]
    results = [InlineQueryResultArticle(
        id=_id(answer.question, "answer"), title=(answer.headline or brief.split("\n", 1)[0])[:100],
        description=brief[:200], input_message_content=InputTextMessageContent(chunk.html, parse_mode=ParseMode.HTML))]
    for c in answer.citations[: MAX_RESULTS - 1]:
        quote, _ = clip_text(c.quote or c.text, BRIEF_VISIBLE_CHARS)
        blocks = [Block("b", f"{c.doc_title} {c.section}".strip()), Block("", quote)]
        results.append(InlineQueryResultArticle(
            id=_id(answer.question, c.clause_id), title=f"[{c.n}] {c.doc_title}"[:100], description=quote[:200],
            input_message_content=InputTextMessageContent(split_blocks(blocks)[0].html, parse_mode=ParseMode.HTML)))
    return results[:MAX_RESULTS]


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    if len(text) < MIN_QUERY_CHARS:
        await query.answer([], cache_time=CACHE_S)
        return
    rt = runtime(context)
    allowed, _, _ = rt.limiter.check(query.from_user.id)
    if not allowed:
        await query.answer([], cache_time=5)
        return
    answer = await run_blocking(context, services(context).answerer.answer, text)
    if answer.scope != "policy" or answer.abstained or not answer.citations:
        results = []
    else:
        results = articles(answer)
    await query.answer(results, cache_time=CACHE_S)


def handler() -> InlineQueryHandler[ContextTypes.DEFAULT_TYPE, None]:
    return InlineQueryHandler(on_inline_query)
