"""From a question to the answer in the chat: limits, the per-chat line, the answer service off
the event loop, the brief or full form, the buttons, and what is stored for later.

Groups see the brief form (at most BRIEF_VISIBLE_CHARS of visible text) with "展开全部" for the
full one, in private chats too (a phone screen either way); /settings can choose the full form. Citation buttons name the document ("[1] 国家方案").
An acknowledgement (the service says scope == "ack") gets a reaction, not an answer.
Everything a later tap or follow-up needs is in the SQLite store, so it survives a restart.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReactionTypeEmoji
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.telegram import texts
from bot.telegram.chatqueue import ChatQueues, Ticket
from bot.telegram.formatting import answer_blocks, clip_text, sources_text
from bot.telegram.names import short_names
from bot.telegram.places import names_a_place, place_label
from bot.telegram.render import split_blocks
from bot.telegram.runtime import BotRuntime, run_blocking, runtime, send_blocks, services
from bot.telegram.seams import Answerer
from chains.models import Answer, Turn

logger = logging.getLogger(__name__)

BRIEF_VISIBLE_CHARS = 600
BUTTONS_PER_ROW = 3
ACK_REACTION = "👍"
EDIT_WINDOW_S = 600.0


@dataclass(frozen=True)
class Ask:
    """One question to answer, and where the answer goes."""

    chat_id: int
    user_id: int
    question: str
    previous: Turn | None
    private: bool
    reply_to: int | None  # the message the answer replies to
    asked_in: int | None  # the member's message that asked (its edit re-answers)
    thread: int | None = None
    edit: list[int] | None = None  # the bot's messages to edit instead of sending new ones


async def doc_names(context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    rt = runtime(context)
    if rt.doc_names is None:
        documents = await run_blocking(context, services(context).answerer.documents)
        rt.doc_names = short_names(info.meta for info in documents)
    return rt.doc_names


def clause_data(rt: BotRuntime, clause_id: str) -> str:
    """Callback data for a clause button: the id itself when it fits in 64 bytes, else a key
    kept in the store (so old buttons work after a restart and in every replica)."""
    direct = "c|" + clause_id
    return direct if len(direct.encode()) <= 64 else "h|" + rt.store.key_for(clause_id)


def keyboard(rt: BotRuntime, answer: Answer, answer_id: int, names: dict[str, str], *, expandable: bool,
             feedback: bool = True) -> InlineKeyboardMarkup | None:
    seen: set[str] = set()
    buttons = []
    for c in answer.citations:
        if c.clause_id and c.clause_id not in seen:
            seen.add(c.clause_id)
            label = f"[{c.n}] {names.get(c.doc_id, texts.CLAUSE_BUTTON)}"
            buttons.append(InlineKeyboardButton(label, callback_data=clause_data(rt, c.clause_id)))
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    last = []
    if expandable:
        last.append(InlineKeyboardButton(texts.EXPAND, callback_data=f"x|{answer_id}"))
    if feedback:
        last += [InlineKeyboardButton("👍", callback_data=f"f|1|{answer_id}"),
                 InlineKeyboardButton("👎", callback_data=f"f|0|{answer_id}")]
    if last:
        rows.append(last)
    return InlineKeyboardMarkup(rows) if rows else None


def voter_key(user_id: int, answer_id: int) -> str:
    """One vote per member and answer without storing who: a salted hash, not the user id."""
    return hashlib.sha256(f"{answer_id}:{user_id}".encode()).hexdigest()[:16]


async def react(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, thread: int | None) -> None:
    """👍 on the member's message; where reactions are off, one short line instead."""
    try:
        await context.bot.set_message_reaction(chat_id, message_id, [ReactionTypeEmoji(ACK_REACTION)])
    except TelegramError as exc:
        logger.debug("setMessageReaction failed (%s); a short line instead", type(exc).__name__)
        await send_blocks(context, chat_id, [texts.block(texts.ACK_LINE)], reply_to=message_id, thread=thread)


MIN_BRIEF_BODY = 200


def brief_budget(answer: Answer) -> int:
    """Characters left for the answer text once the sources and notes are counted, so that the
    whole message stays within BRIEF_VISIBLE_CHARS (never below MIN_BRIEF_BODY)."""
    extras = len(sources_text(answer)) + len(answer.notice or "")
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        extras += len(texts.REWRITTEN.format(question=answer.standalone_question.strip()))
    return max(MIN_BRIEF_BODY, BRIEF_VISIBLE_CHARS - extras - 8)  # 8: paragraph breaks between blocks


def _check_limits(rt: BotRuntime, ask: Ask) -> tuple[bool, str | None]:
    """(answer it?, the one notice to send). Members have their own limit; a group has one too."""
    allowed, notify, wait_s = rt.limiter.check(ask.user_id)
    if not allowed:
        return False, texts.RATE_LIMITED.format(seconds=wait_s) if notify else None
    if not ask.private:
        allowed, notify, wait_s = rt.group_limiter.check(ask.chat_id)
        if not allowed:
            return False, texts.GROUP_LIMITED.format(seconds=wait_s) if notify else None
    return True, None


async def ask(context: ContextTypes.DEFAULT_TYPE, request: Ask, ticket: Ticket | None = None) -> None:
    """Answer `request` in its chat's line (in order), or say once why not. `ticket` is the place
    in the line taken when the update arrived (one is taken now if not)."""
    rt = runtime(context)
    queues = rt.queues
    if queues is None:  # pragma: no cover - set in post_init
        raise RuntimeError("the per-chat lines start in post_init")
    ticket = ticket or queues.reserve(request.chat_id)
    try:
        await _ask(context, request, ticket, queues)
    finally:
        ticket.release()  # not answered (refused, limited): the next in line need not wait


async def _ask(context: ContextTypes.DEFAULT_TYPE, request: Ask, ticket: Ticket, queues: ChatQueues) -> None:
    rt = runtime(context)
    if not request.question.strip():
        await send_blocks(context, request.chat_id, [texts.block(texts.EMPTY_QUESTION)],
                          reply_to=request.reply_to, thread=request.thread)
        return
    if request.edit is None:
        ok, notice = _check_limits(rt, request)
        if not ok:
            rt.stats.limited += 1
            if notice:
                await send_blocks(context, request.chat_id, [texts.block(notice)], reply_to=request.reply_to,
                                  thread=request.thread)
            return
    started = time.perf_counter()
    await queues.run(ticket, request.thread, lambda: _answer(context, request, started))


async def _answer(context: ContextTypes.DEFAULT_TYPE, request: Ask, started: float) -> None:
    rt = runtime(context)
    answerer = services(context).answerer
    question = await _with_default_place(context, request)
    settings = await rt.db(rt.store.chat_settings, request.chat_id)
    answer, answer_s = await run_blocking(context, _timed_answer, answerer, question, request.previous,
                                          settings.language)
    if answer.scope == "ack":
        if request.asked_in is not None and request.edit is None:
            await react(context, request.chat_id, request.asked_in, request.thread)
        return
    full = settings.form == "full"
    text, clipped = (answer.full_text, False) if full else clip_text(answer.answer, brief_budget(answer))
    expandable = not full and (clipped or answer.full_text.strip() != answer.answer.strip())
    clause_ids = [c.clause_id for c in answer.citations]
    answer_id = await rt.db(
        rt.store.add_answer, request.chat_id, answer.standalone_question or question, answer.answer,
        answer.answer_full or (answer.answer if clipped else None), mode=answer.mode,
        clause_ids=clause_ids, scope=answer.scope, abstained=answer.abstained, not_specified=answer.not_specified,
        sources=sources_text(answer))
    names = await doc_names(context)
    markup = await rt.db(keyboard, rt, answer, answer_id, names, expandable=expandable,
                         feedback=answer.scope == "policy")
    blocks = answer_blocks(answer, text)
    # counted before sending, so /stats right after the reply arrives already includes it
    rt.stats.record(abstained=answer.abstained, fallback=answer.fallback_reason is not None, answer_s=answer_s)
    if request.edit:
        sent = await _edit(context, request, blocks, markup)
    else:
        sent = await send_blocks(context, request.chat_id, blocks, reply_to=request.reply_to,
                                 thread=request.thread, keyboard=markup)
    await rt.db(rt.store.link_messages, request.chat_id, answer_id, [m.message_id for m in sent], request.asked_in)
    rt.stats.end_to_end_s.append(time.perf_counter() - started)


async def _edit(context: ContextTypes.DEFAULT_TYPE, request: Ask, blocks: list, markup: InlineKeyboardMarkup | None
                ) -> list[Message]:
    """An edited question: the first answer message shows the new answer; any rest is sent."""
    assert request.edit
    chunks = split_blocks(blocks)
    first, rest = chunks[0], chunks[1:]
    try:
        edited = await context.bot.edit_message_text(
            first.html, chat_id=request.chat_id, message_id=request.edit[0], reply_markup=None if rest else markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return []
    sent = [edited] if isinstance(edited, Message) else []
    if rest:
        sent += await send_blocks(context, request.chat_id, [texts.block(c.plain) for c in rest],
                                  thread=request.thread, keyboard=markup)
    return sent


async def _with_default_place(context: ContextTypes.DEFAULT_TYPE, request: Ask) -> str:
    """A group's default place goes in front of a question that names no place."""
    if request.private or request.previous is not None:
        return request.question
    rt = runtime(context)
    settings = await rt.db(rt.store.chat_settings, request.chat_id)
    if not settings.place:
        return request.question
    if await run_blocking(context, names_a_place, request.question):
        return request.question
    return f"{await place_label(context, settings.place)} {request.question}"


def _timed_answer(
    answerer: Answerer, question: str, previous: Turn | None, language: str | None = None,
) -> tuple[Answer, float]:
    """Runs in the worker thread, so the time is the answer's own, not its wait for a thread."""
    started = time.perf_counter()
    answer = answerer.answer(question, previous=previous, language=language)
    return answer, time.perf_counter() - started
