"""Groups: the greeting when the bot is added, and /settings (group admins only, inline buttons):
a default place, brief or full answers, the answer language. Settings live in the store.

The settings message carries its own keyboard; `s|<name>|<value>` buttons are checked against
getChatMember on every tap, so a member who is not an admin cannot change them.
"""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, ContextTypes

from bot.state import ChatSettings
from bot.telegram import texts
from bot.telegram.places import choices, place_label
from bot.telegram.runtime import is_private, reply, runtime, send_blocks

logger = logging.getLogger(__name__)

SETTINGS_PATTERN = r"^s\|(place|form|language)\|[\w-]{1,40}$"
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_IN = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Added to a group: one short greeting that says how to ask there."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE or change.chat.type == ChatType.CHANNEL:
        return
    was_in = change.old_chat_member.status in _IN
    is_in = change.new_chat_member.status in _IN
    if is_in and not was_in:
        await send_blocks(context, change.chat.id, [texts.block(texts.GREETING)])


async def _is_group_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        logger.info("getChatMember failed: %s", type(exc).__name__)
        return False
    return member.status in _ADMINS


async def _settings_view(context: ContextTypes.DEFAULT_TYPE, current: ChatSettings) -> tuple[str, InlineKeyboardMarkup]:
    place = await place_label(context, current.place) if current.place else texts.SETTINGS_NONE
    text = texts.SETTINGS_HEAD.format(
        place=place, form=texts.FORMS.get(current.form or "brief", texts.FORMS["brief"]),
        language=texts.LANGUAGES.get(current.language or "", texts.SETTINGS_NONE))

    def mark(label: str, on: bool) -> str:
        return f"✓ {label}" if on else label

    places = [InlineKeyboardButton(mark(label, current.place == code), callback_data=f"s|place|{code}")
              for code, label in await choices(context)]
    places.append(InlineKeyboardButton(mark(texts.SETTINGS_NONE, current.place is None), callback_data="s|place|-"))
    rows = [places[i : i + 4] for i in range(0, len(places), 4)]
    rows.append([InlineKeyboardButton(mark(label, (current.form or "brief") == code), callback_data=f"s|form|{code}")
                 for code, label in texts.FORMS.items()])
    rows.append([InlineKeyboardButton(mark(label, current.language == code), callback_data=f"s|language|{code}")
                 for code, label in texts.LANGUAGES.items()])
    return text, InlineKeyboardMarkup(rows)


async def cmd_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if is_private(update):
        await reply(update, context, texts.SETTINGS_PRIVATE)
        return
    if not await _is_group_admin(context, chat.id, user.id):
        await reply(update, context, texts.SETTINGS_ADMINS_ONLY)
        return
    rt = runtime(context)
    text, markup = await _settings_view(context, await rt.db(rt.store.chat_settings, chat.id))
    await reply(update, context, text, keyboard=markup)


async def on_settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not isinstance(query.data, str):
        return
    if not await _is_group_admin(context, chat.id, query.from_user.id):
        await query.answer(texts.SETTINGS_ADMINS_ONLY, show_alert=True)
        return
    _, name, value = query.data.split("|")
    allowed = {"place": {code for code, _ in await choices(context)} | {"-"},
               "form": set(texts.FORMS), "language": set(texts.LANGUAGES)}
    if value not in allowed[name]:
        await query.answer(texts.CLAUSE_GONE, show_alert=True)
        return
    rt = runtime(context)
    current = await rt.db(rt.store.set_chat_setting, chat.id, name, None if value == "-" else value)
    await query.answer(texts.SETTINGS_SAVED)
    text, markup = await _settings_view(context, current)
    message = query.message
    if message is not None:
        try:
            await context.bot.edit_message_text(text, chat_id=chat.id, message_id=message.message_id,
                                                reply_markup=markup, parse_mode=None)
        except TelegramError as exc:  # "message is not modified" and the like: the setting is saved
            logger.debug("settings view not updated: %s", type(exc).__name__)


def handlers() -> list[object]:
    return [
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        CallbackQueryHandler(on_settings_button, pattern=SETTINGS_PATTERN),
    ]
