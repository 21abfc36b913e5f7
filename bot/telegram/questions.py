"""Questions in, answers out: who is asking (private chat, @mention, reply, /ask), the per-user
limit, answering off the event loop, the reply with its citation buttons, and the buttons.

In groups the bot speaks only when spoken to: an @mention anywhere in the text (any case),
a reply to one of its messages, or /ask. Everything else is chatter and stays unanswered.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.ext import ContextTypes

from bot.telegram import texts
from bot.telegram.formatting import answer_blocks, citation_buttons, clause_blocks
from bot.telegram.runtime import (
    chat_allowed,
    is_private,
    memory,
    reply,
    run_blocking,
    runtime,
    send_blocks,
    services,
    thread_id,
    typing,
)
from chains.models import Answer, Turn

logger = logging.getLogger(__name__)

PRIVATE_FOLLOW_UP_S = 600.0  # an elliptical private message within 10 min follows the last answer up
# "那河南呢？", "还有吗", "what about Henan?": clearly leans on the previous question
_ELLIPTICAL = re.compile(
    r"^\s*(?:那么?|还有|另外|那如果|and\b|what about|how about)|(?:呢|吗呢)\s*[？?。!！]*\s*$", re.IGNORECASE
)
BUTTONS_PER_ROW = 4
_SHOWN_KEY = "shown_clauses"


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)", re.IGNORECASE)


def _strip_mentions(message: Message, context: ContextTypes.DEFAULT_TYPE) -> tuple[bool, str]:
    """(addressed to the bot?, the text without the bot's @mention)."""
    text = message.text or ""
    addressed = False
    for entity, value in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
        if entity.user is not None and entity.user.id == context.bot.id:
            addressed = True
            text = text.replace(value, " ")
    username = context.bot.username
    if username:
        pattern = _mention_pattern(username)
        if pattern.search(text):
            addressed = True
            text = pattern.sub(" ", text)
    return addressed, re.sub(r"[ \t]{2,}", " ", text).strip()


def _replied_turn(message: Message, context: ContextTypes.DEFAULT_TYPE) -> tuple[bool, Turn | None]:
    """(replies to the bot?, the turn it follows up when it replies to one of our answers).

    Telegram does not nest replies, so the question behind an answer can only come from our
    own memory (persisted chat_data); an answer too old to be remembered is not followed up."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return False, None
    return True, memory(context).get(replied.message_id)


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat every text message is a question (a reply or "那…呢？" a follow-up)."""
    message = update.effective_message
    if message is None or not await chat_allowed(update, context):
        return
    _, previous = _replied_turn(message, context)
    text = message.text or ""
    if previous is None and message.reply_to_message is None and _ELLIPTICAL.search(text):
        # only an obvious follow-up leans on the last answer without a reply; anything else
        # is a new question (so chit-chat is not glued onto the previous topic)
        previous = memory(context).recent(PRIVATE_FOLLOW_UP_S)
    await answer_question(update, context, text, previous)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups: answer an @mention or a reply to the bot; ignore the rest of the chatter."""
    message = update.effective_message
    if message is None:
        return
    mentioned, question = _strip_mentions(message, context)
    replies_to_bot, previous = _replied_turn(message, context)
    if not (mentioned or replies_to_bot):
        return
    if not await chat_allowed(update, context):
        return
    await answer_question(update, context, question, previous)


async def cmd_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question> (also /ask@botname in groups); as a reply to an answer, a follow-up."""
    message = update.effective_message
    if message is None or not await chat_allowed(update, context):
        return
    parts = (message.text or "").split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    if not question:
        await reply(update, context, texts.ASK_USAGE)
        return
    _, previous = _replied_turn(message, context)
    await answer_question(update, context, question, previous)


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, previous: Turn | None
) -> None:
    started = time.perf_counter()
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return
    if not question.strip():
        await reply(update, context, texts.EMPTY_QUESTION)
        return
    rt = runtime(context)
    allowed, notify, wait_s = rt.limiter.check(user.id if user else message.chat_id)
    if not allowed:
        rt.stats.limited += 1
        if notify:
            await reply(update, context, texts.RATE_LIMITED.format(seconds=wait_s))
        return

    answerer = services(context).answerer
    async with typing(context, message):
        answer, answer_s = await run_blocking(context, _timed_answer, answerer, question, previous)

    buttons = [
        InlineKeyboardButton(label, callback_data=rt.clause_keys.key_for(clause_id))
        for label, clause_id in citation_buttons(answer)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    sent = await reply(update, context, answer_blocks(answer), keyboard=InlineKeyboardMarkup(rows) if rows else None)
    memory(context).remember(
        [m.message_id for m in sent],
        Turn(question=answer.standalone_question or question, answer=answer.answer),
    )
    rt.stats.record(
        abstained=answer.abstained,
        fallback=answer.fallback_reason is not None,
        answer_s=answer_s,
        end_to_end_s=time.perf_counter() - started,
    )


def _timed_answer(answerer: Any, question: str, previous: Turn | None) -> tuple[Answer, float]:
    """Runs in the worker thread, so the time is the answer's own, not its wait for a thread."""
    started = time.perf_counter()
    answer = answerer.answer(question, previous=previous)
    return answer, time.perf_counter() - started


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


async def on_clause_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A `[n] 原文` button: answer the callback, then show the full clause under the answer.

    In groups a clause is shown once per answer (another tap only answers the callback) and
    long clauses are cut, to keep the chat short; private chats get the whole text.
    """
    query = update.callback_query
    if query is None or not await chat_allowed(update, context):
        return
    data = query.data if isinstance(query.data, str) else ""
    clause_id = runtime(context).clause_keys.clause_id(data)
    clause = await run_blocking(context, services(context).answerer.clause, clause_id) if clause_id else None
    if clause is None:
        await query.answer(texts.CLAUSE_GONE, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    private = is_private(update)
    if not private and message is not None:
        shown: list[tuple[int, str]] = context.chat_data.setdefault(_SHOWN_KEY, [])  # type: ignore[union-attr]
        key = (message.message_id, data)
        if key in shown:
            await query.answer(texts.CLAUSE_SHOWN)
            return
        shown.append(key)
        del shown[:-500]
    await query.answer(texts.CLAUSE_SHOWN)
    titles = await _doc_titles(context)
    blocks = clause_blocks(
        clause, titles.get(clause.doc_id, clause.doc_id), short=not private, label=_button_label(message, data)
    )
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    await send_blocks(
        context,
        chat_id,
        blocks,
        reply_to=message.message_id if message else None,
        thread=thread_id(message),
    )
