"""The loopback Bot API's newer half (bot_api_server.py has the core): updates it can queue
besides plain text (media with captions, forwarded notices, edits, the bot's own membership
changes, inline queries), in the shape Telegram sends them, and the methods that answer them
(setMessageReaction, answerInlineQuery, getChatMember, editMessageReplyMarkup)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from typing import Any

from tests.fakes.telegram_html import parse_telegram_html, utf16_len


def member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object as Telegram sends it for `status`."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update({name: False for name in (
            "can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories", "can_edit_stories",
            "can_delete_stories")})
        member.update({name: True for name in (
            "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
            "can_change_info", "can_invite_users")})
    elif status == "kicked":
        member["until_date"] = 0
    return member



class UpdateBuilders:
    """Mixed into FakeBotApi, which provides the message ids, chats and the update queue."""

    bot_id: int
    username: str
    messages: dict[tuple[int, int], dict[str, Any]]
    reactions: dict[tuple[int, int], list[dict[str, Any]]]
    inline_answers: dict[str, list[dict[str, Any]]]
    chat_admins: dict[int, set[int]]
    _message_ids: itertools.count[int]
    _lock: threading.Condition

    @staticmethod
    def _check_markup(markup: Any) -> None:
        raise NotImplementedError

    def _chat(self, chat_id: int, chat_type: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def user_media(self, kind: str, *, chat_id: int, user_id: int | None = None, caption: str | None = None,
                   reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """Queue a photo / voice / sticker / document message (with an optional caption)."""
        user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else 1)
        payloads: dict[str, Any] = {
            "photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 10, "height": 10}],
            "voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3},
            "sticker": {"file_id": "s1", "file_unique_id": "us1", "width": 512, "height": 512, "is_animated": False,
                        "is_video": False, "type": "regular", "emoji": "👍"},
            "document": {"file_id": "d1", "file_unique_id": "ud1", "file_name": "notice.pdf"},
        }
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": self._chat(chat_id, None),
                                   "from": {"id": user_id, "is_bot": False, "first_name": "张三"}, kind: payloads[kind]}
        if caption is not None:
            message["caption"] = caption
            entities = [{"type": "mention", "offset": utf16_len(caption[: m.start()]), "length": utf16_len(m.group())}
                        for m in re.finditer(r"(?<!\w)@\w+", caption)]
            if entities:
                message["caption_entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.messages[(chat_id, message["message_id"])] = message
        self.push_update({"message": message})
        return message

    def forwarded(self, text: str, *, chat_id: int, user_id: int) -> dict[str, Any]:
        """A message in the chat forwarded from a channel (a notice); not pushed (privacy mode)."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id, None),
                   "from": {"id": user_id, "is_bot": False, "first_name": "李四"}, "text": text,
                   "forward_origin": {"type": "channel", "date": int(time.time()) - 60,
                                      "chat": {"id": -100999, "type": "channel", "title": "工信厅"},
                                      "message_id": 7}}
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def edit_user_message(self, message: dict[str, Any], text: str, *, after_s: float = 30.0) -> dict[str, Any]:
        """Queue an edited_message update: the member changed `message` `after_s` after sending it."""
        edited = {**message, "text": text, "edit_date": message["date"] + int(after_s)}
        self.messages[(message["chat"]["id"], message["message_id"])] = edited
        self.push_update({"edited_message": edited})
        return edited

    def bot_added(self, chat_id: int, *, by_user: int = 5, old: str = "left", new: str = "member") -> None:
        """Queue a my_chat_member update: the bot's status in a group changed."""
        bot = {"id": self.bot_id, "is_bot": True, "first_name": "RedMud", "username": self.username}
        self.push_update({"my_chat_member": {
            "chat": self._chat(chat_id, None), "from": {"id": by_user, "is_bot": False, "first_name": "张三"},
            "date": int(time.time()), "old_chat_member": member_json(old, bot), "new_chat_member": member_json(new, bot)}})

    def inline_query(self, text: str, *, user_id: int) -> str:
        query_id = str(next(self._message_ids))
        self.push_update({"inline_query": {"id": query_id, "from": {"id": user_id, "is_bot": False,
                                                                     "first_name": "王五"},
                                           "query": text, "offset": ""}})
        return query_id

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ValueError("message to edit not found")
        self._check_markup(params.get("reply_markup"))
        with self._lock:
            updated = dict(self.messages[key])
            updated.pop("reply_markup", None)
            if params.get("reply_markup"):
                updated["reply_markup"] = params["reply_markup"]
            self.messages[key] = updated
        return {k: v for k, v in updated.items() if not k.startswith("_")}

    def _m_setmessagereaction(self, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ValueError("message to react to not found")
        with self._lock:
            self.reactions[key] = list(params.get("reaction") or [])
        return True

    def _m_answerinlinequery(self, params: dict[str, Any]) -> Any:
        results = list(params.get("results") or [])
        if len(results) > 50:
            raise ValueError("RESULTS_TOO_MUCH")
        for result in results:
            content = result.get("input_message_content") or {}
            text = str(content.get("message_text", ""))
            plain = parse_telegram_html(text) if str(content.get("parse_mode", "")).upper() == "HTML" else text
            if not plain.strip() or utf16_len(plain) > 4096:
                raise ValueError("MESSAGE_TEXT_INVALID")
        with self._lock:
            self.inline_answers[str(params["inline_query_id"])] = results
        return True

    def _m_getchatmember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": "张三"}
        return member_json("administrator" if user_id in self.chat_admins.get(chat_id, set()) else "member", user)

    @staticmethod
    def _check_markup(markup: Any) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ValueError("BUTTON_DATA_INVALID")
