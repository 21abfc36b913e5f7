"""The buttons under an answer, read back from the store (so they work after a restart and in
any replica): "[n] 国家方案" shows the clause, "展开全部" the full answer, 👍/👎 record feedback.

Callback data is routed by PTB's CallbackQueryHandler patterns: `c|<clause id>` (or `h|<key>`
for an id over 64 bytes), `x|<answer id>`, `f|<1 or 0>|<answer id>`. PTB's arbitrary callback
data is not used on purpose: it keeps the objects in one process's memory (and in a persistence
file), so a button would stop working in another replica; these keys live in the shared store.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.telegram import texts
from bot.telegram.answering import voter_key
from bot.telegram.formatting import clause_blocks, full_blocks
from bot.telegram.render import split_blocks
from bot.telegram.runtime import is_private, run_blocking, runtime, send_blocks, services, thread_id

logger = logging.getLogger(__name__)

CLAUSE_PATTERN = r"^(c|h)\|"
EXPAND_PATTERN = r"^x\|\d+$"
FEEDBACK_PATTERN = r"^f\|[01]\|\d+$"


async def _doc_titles(context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    rt = runtime(context)
    if rt.doc_titles is None:
        documents = await run_blocking(context, services(context).answerer.documents)
        rt.doc_titles = {info.meta.doc_id: info.meta.display_title for info in documents}
    return rt.doc_titles


def _button_label(message: Message | None, data: str) -> str:
    if message is None or message.reply_markup is None:
        return ""
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text.split()[0]
    return ""


def _data(update: Update) -> tuple[str, Message | None]:
    query = update.callback_query
    assert query is not None
    data = query.data if isinstance(query.data, str) else ""
    return data, query.message if isinstance(query.message, Message) else None


async def on_clause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the cited clause under the answer: once per answer in a group (cut to keep the chat
    short), the beginning of a very long one in private (one message, not nine)."""
    query = update.callback_query
    assert query is not None
    rt = runtime(context)
    data, message = _data(update)
    clause_id = data[2:] if data.startswith("c|") else await rt.db(rt.store.value_of, data[2:])
    clause = await run_blocking(context, services(context).answerer.clause, clause_id) if clause_id else None
    if clause is None:
        await query.answer(texts.CLAUSE_GONE, show_alert=True)
        return
    private = is_private(update)
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    if not private and message is not None:
        if not await rt.db(rt.store.mark_shown, chat_id, message.message_id, data):
            await query.answer(texts.CLAUSE_SHOWN)
            return
    await query.answer(texts.CLAUSE_SHOWN)
    titles = await _doc_titles(context)
    blocks = clause_blocks(clause, titles.get(clause.doc_id, clause.doc_id), short=not private,
                           label=_button_label(message, data))
    await send_blocks(context, chat_id, blocks, reply_to=message.message_id if message else None,
                      thread=thread_id(message))


def _without_expand(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    if markup is None:
        return None
    rows = [[b for b in row if not str(b.callback_data or "").startswith("x|")] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


async def on_expand(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"展开全部": the full answer replaces the brief one when it fits one message, else it is
    sent under it. Read from the store, so it works on an answer sent before a restart."""
    query = update.callback_query
    assert query is not None
    rt = runtime(context)
    data, message = _data(update)
    stored = await rt.db(rt.store.answer, int(data.split("|")[1]))
    if stored is None or message is None:
        await query.answer(texts.ANSWER_GONE, show_alert=True)
        return
    await query.answer(texts.EXPANDED)
    blocks = full_blocks(stored.full_text, stored.sources)
    markup = _without_expand(message.reply_markup)
    chunks = split_blocks(blocks)
    if len(chunks) == 1:
        await context.bot.edit_message_text(chunks[0].html, chat_id=message.chat_id, message_id=message.message_id,
                                            reply_markup=markup)
        return
    await context.bot.edit_message_reply_markup(message.chat_id, message.message_id, reply_markup=markup)
    await send_blocks(context, message.chat_id, blocks, reply_to=message.message_id, thread=thread_id(message))


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍/👎: one vote per member and answer, stored without the member's name or id."""
    query = update.callback_query
    assert query is not None
    rt = runtime(context)
    data, _ = _data(update)
    _, up, answer_id = data.split("|")
    recorded = await rt.db(rt.store.vote, int(answer_id), voter_key(query.from_user.id, int(answer_id)), up == "1")
    await query.answer(texts.FEEDBACK_THANKS if recorded else texts.FEEDBACK_REPEAT)


async def on_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forged or outdated callback data: answer the query, do nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.CLAUSE_GONE, show_alert=True)


def handlers() -> list[CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, object]]:
    return [
        CallbackQueryHandler(on_clause, pattern=CLAUSE_PATTERN),
        CallbackQueryHandler(on_expand, pattern=EXPAND_PATTERN),
        CallbackQueryHandler(on_feedback, pattern=FEEDBACK_PATTERN),
    ]



def unknown_handler() -> CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, object]:
    return CallbackQueryHandler(on_unknown)
