"""The one access gate: a TypeHandler in handler group -1 that every update passes first.

It replaces the checks that used to open ten handlers. A chat outside REDMUD_ALLOWED_CHATS
hears one polite refusal, then silence (a bot added to a stranger's group neither answers nor
spams); a staff command from anyone not in REDMUD_ADMIN_IDS is refused. Either way the update
stops here (`ApplicationHandlerStop`), so no later handler needs to check again.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.telegram import texts
from bot.telegram.runtime import reply, runtime

logger = logging.getLogger(__name__)

STAFF_COMMANDS = frozenset({"stats", "reload", "gaps"})
GATE_GROUP = -1


def _command(update: Update, username: str) -> str | None:
    """The command a message gives this bot (None for /cmd@OtherBot and for plain text)."""
    message = update.message
    text = message.text if message is not None else None
    if not text or not text.startswith("/") or len(text) < 2:
        return None
    name, _, target = text[1:].split(maxsplit=1)[0].partition("@")
    return None if target and target.lower() != username.lower() else name.lower()


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    chat = update.effective_chat
    if update.inline_query is not None:  # inline queries come from users, not chats: allowed
        return
    if chat is None:
        raise ApplicationHandlerStop
    allowed = rt.settings.allowed_chats
    if allowed and chat.id not in allowed:
        if update.my_chat_member is not None:
            raise ApplicationHandlerStop  # added to a chat we do not serve: say nothing
        if chat.id not in rt.refused_chats:
            rt.refused_chats.add(chat.id)
            logger.info("Refused chat %s (not in REDMUD_ALLOWED_CHATS)", chat.id)
            if update.callback_query is not None:
                await update.callback_query.answer(texts.NOT_ALLOWED)
            elif update.message is not None:
                await reply(update, context, texts.NOT_ALLOWED)
        elif update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop
    command = _command(update, context.bot.username or "")
    if command in STAFF_COMMANDS:
        user = update.effective_user
        if user is None or user.id not in rt.settings.admin_ids:
            await reply(update, context, texts.ADMIN_ONLY)
            raise ApplicationHandlerStop


def handler() -> TypeHandler[Update, ContextTypes.DEFAULT_TYPE, None]:
    return TypeHandler(Update, gate)
