"""Who is asking what: turning a message into a question (or deciding it is none).

In private chats every text, and every caption, is a question (voice, stickers and other media
get one short line asking for text). In groups the bot speaks only when spoken to: an @mention
(in text or a caption), a reply to one of its messages, or /ask. A mention that replies to
another member's message answers that message ("@bot", "@bot 这个问题"); a mention under a
forwarded notice takes the notice as context. Pure emoji in reply to the bot is an
acknowledgement: a reaction, no answer. An edited question (within 10 minutes) edits its answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import suppress

from telegram import ForceReply, Message, MessageEntity, Update
from telegram.ext import ContextTypes

from bot.telegram import texts
from bot.telegram.answering import EDIT_WINDOW_S, Ask, ask, react
from bot.telegram.chatqueue import Ticket
from bot.telegram.runtime import is_private, reply, runtime, thread_id
from chains.models import Turn

logger = logging.getLogger(__name__)

PRIVATE_FOLLOW_UP_S = 600.0  # an elliptical private message within 10 min follows the last answer up
# "那河南呢？", "还有吗", "what about Henan?": clearly leans on the previous question
_ELLIPTICAL = re.compile(
    r"^\s*(?:那么?|还有|另外|那如果|and\b|what about|how about)|(?:呢|吗呢)\s*[？?。!！]*\s*$", re.IGNORECASE
)
# "@bot", "@bot 这个问题", "@bot 帮忙看看": points at the replied-to message instead of asking
_DEICTIC = re.compile(
    r"^\s*(?:请|麻烦)?(?:帮忙|帮我)?(?:看看|看一下|回答一下|回答|解答一下)?\s*(?:这个|这条|这|那个|上面的?|上述)?"
    r"\s*(?:问题|通知|消息)?\s*(?:呢|吧)?\s*[？?。.!！]*\s*$"
)
# emoji only (👍, 🙏🙏, "👌！"): an acknowledgement whatever the service says; punctuation alone
# ("？？？") is not one, and goes to the service like any other text
_EMOJI = "\u2600-\u27BF\U0001F000-\U0001FAFF"
_ONLY_EMOJI = re.compile(rf"^(?=.*[{_EMOJI}])[\s{_EMOJI}\uFE0F\u200D\U0001F3FB-\U0001F3FF!！。.~～]+$")
NOTICE_CONTEXT_CHARS = 300


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)", re.IGNORECASE)


def strip_mentions(message: Message, context: ContextTypes.DEFAULT_TYPE) -> tuple[bool, str]:
    """(addressed to the bot?, the text or caption without the bot's @mention)."""
    text = message.text or message.caption or ""
    entities = message.parse_entities([MessageEntity.TEXT_MENTION]) if message.text else (
        message.parse_caption_entities([MessageEntity.TEXT_MENTION]))
    addressed = False
    for entity, value in entities.items():
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


def _is_from_bot(message: Message | None, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return message is not None and message.from_user is not None and message.from_user.id == context.bot.id


async def _previous(context: ContextTypes.DEFAULT_TYPE, message: Message, ticket: Ticket | None = None) -> Turn | None:
    """The turn a reply to one of the bot's answers follows up (from the store: survives restarts).
    With the message's place in its chat's line (``ticket``), it is read once the answers before it
    are stored: an answer is linked to its messages only after they are sent, and a quick "那河南呢？"
    would otherwise find no turn to follow up."""
    replied = message.reply_to_message
    if not _is_from_bot(replied, context) or replied is None:
        return None
    if ticket is not None and ticket.previous is not None:
        with suppress(Exception):
            await asyncio.shield(ticket.previous)
    rt = runtime(context)
    stored = await rt.db(rt.store.answer_for_message, message.chat_id, replied.message_id)
    return Turn(question=stored.question, answer=stored.brief) if stored else None


def _request(message: Message, question: str, previous: Turn | None, *, private: bool,
             reply_to: int | None = None, edit: list[int] | None = None) -> Ask:
    user = message.from_user
    return Ask(chat_id=message.chat_id, user_id=user.id if user else message.chat_id, question=question,
               previous=previous, private=private, reply_to=reply_to or message.message_id,
               asked_in=message.message_id, thread=thread_id(message), edit=edit)


async def _route(update: Update, context: ContextTypes.DEFAULT_TYPE, edit: list[int] | None = None,
                 ticket: Ticket | None = None) -> Ask | None:
    """The question a message asks (None: not for the bot, or handled here: a reaction); ``ticket``:
    its place in the chat's line (:func:`_previous`)."""
    message = update.effective_message
    if message is None:
        return None
    private = is_private(update)
    replied = message.reply_to_message
    replies_to_bot = _is_from_bot(replied, context)
    if private:
        mentioned, question = True, (message.text or message.caption or "").strip()
    else:
        mentioned, question = strip_mentions(message, context)
        if not (mentioned or replies_to_bot):
            return None
    if (private or replies_to_bot) and question and _ONLY_EMOJI.match(question):
        if edit is None:
            await react(context, message.chat_id, message.message_id, thread_id(message))
        return None
    previous = await _previous(context, message, ticket)
    reply_to = None
    if replied is not None and not replies_to_bot:
        other = (replied.text or replied.caption or "").strip()
        if other and replied.forward_origin is not None and question and not _DEICTIC.match(question):
            # a mention under a forwarded notice: the notice is the context of the question
            question = f"{question}\n（{texts.NOTICE_CONTEXT}{other[:NOTICE_CONTEXT_CHARS]}）"
        elif other and (not question or _DEICTIC.match(question)):
            question, reply_to = other, replied.message_id  # answer the replied-to message's question
    if private and previous is None and replied is None and _ELLIPTICAL.search(question):
        # only an obvious follow-up leans on the last answer without a reply; anything else is new
        rt = runtime(context)
        last = await rt.db(rt.store.last_answer, message.chat_id, PRIVATE_FOLLOW_UP_S)
        previous = Turn(question=last.question, answer=last.brief) if last else None
    return _request(message, question, previous, private=private, reply_to=reply_to, edit=edit)


def _ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ticket | None:
    """A place in the chat's line, taken as the update arrives (before anything is awaited), so
    answers come in the order questions were asked even when routing one waits on the store."""
    queues = runtime(context).queues
    chat = update.effective_chat
    return queues.reserve(chat.id) if queues is not None and chat is not None else None


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text or a captioned photo/document/video, in private or in a group."""
    ticket = _ticket(update, context)
    try:
        request = await _route(update, context, ticket=ticket)
        if request is not None:
            await ask(context, request, ticket)
    finally:
        if ticket is not None:
            ticket.release()


async def on_private_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Voice, stickers and other media without a caption in a private chat: one short line."""
    await reply(update, context, texts.MEDIA_PRIVATE)


async def on_group_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker in reply to the bot in a group is an acknowledgement: a reaction, no words."""
    message = update.effective_message
    if message is not None and _is_from_bot(message.reply_to_message, context):
        await react(context, message.chat_id, message.message_id, thread_id(message))


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question edited within EDIT_WINDOW_S of sending re-answers into the same message."""
    message = update.edited_message
    if message is None or message.edit_date is None:
        return
    if (message.edit_date - message.date).total_seconds() > EDIT_WINDOW_S:
        return
    rt = runtime(context)
    found = await rt.db(rt.store.answered_question, message.chat_id, message.message_id)
    if found is None or not found[1]:
        return
    request = await _route(update, context, edit=found[1])
    if request is not None:
        await ask(context, request)


async def cmd_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question> (also /ask@botname in groups); as a reply to an answer, a follow-up.
    Without a question: a ForceReply prompt, and the reply to it is the question."""
    message = update.effective_message
    if message is None:
        return
    parts = (message.text or "").split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    if not question:
        prompt = ForceReply(selective=True, input_field_placeholder=texts.ASK_PLACEHOLDER)
        await reply(update, context, texts.ASK_PROMPT, keyboard=prompt)
        return
    ticket = _ticket(update, context)
    try:
        previous = await _previous(context, message, ticket)
        await ask(context, _request(message, question, previous, private=is_private(update)), ticket)
    finally:
        if ticket is not None:
            ticket.release()
