"""Admins add a document by sending the file to the bot in a private chat.

The caption may carry metadata, ``title=… jurisdiction=… date=… doc_id=… supersedes=…``
(a value runs up to the next ``key=``, so titles may contain spaces; ``replace=yes`` replaces
a document with the same id). The size is checked before anything is downloaded; the file is
then read, checked and indexed off the event loop and out of the bot's process
(``knowledge.isolation.add_isolated``: ``Catalog.add`` in a child process; nothing is changed
unless all of it succeeds; ``confirm=yes`` adds a document whose text reads like instructions
to the assistant, after the admin has seen the flagged passages), and the admin hears what
was found or why it was refused.
Anyone else is refused politely; documents sent in groups are ignored (no handler matches).
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import httpx
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.telegram.download import TooBig, download_capped
from bot.telegram.runtime import reply, runtime, services, typing
from bot.telegram.seams import StaffServices
from knowledge.catalog import NeedsConfirmation, Upload
from knowledge.isolation import add_isolated
from knowledge.loaders import SUPPORTED_SUFFIXES, DocumentError

logger = logging.getLogger(__name__)

NOT_ADMIN = "抱歉，只有管理员可以向知识库添加文件。如需收录新文件，请联系协会工作人员。"
TOO_BIG = "未收录：文件太大（{size:.1f} MB），上限为 {limit:g} MB。"
REFUSED = "未收录 {name}：{reason}"
CONFIRM = "未收录 {name}：{reason}\n\n核对无误后，请在文件说明中加上 confirm=yes 重新发送。"
DOWNLOAD_FAILED = "未收录 {name}：文件下载失败，请稍后重发。"
ADDED_TAIL = "\n\n发送 /docs 查看全部文件。"
CAPTION_HELP = (
    "文件说明请写成 key=value，例如：title=河南省赤泥综合利用实施方案 jurisdiction=河南 date=2026-03-01 "
    "doc_id=henan-2026-plan supersedes=henan-2025-redmud-qa replace=yes"
)

CAPTION_KEYS: dict[str, str] = {
    "title": "title", "标题": "title", "short_title": "short_title",
    "jurisdiction": "jurisdiction", "地区": "jurisdiction",
    "date": "date", "日期": "date",
    "doc_id": "doc_id", "doc-id": "doc_id", "id": "doc_id",
    "supersedes": "supersedes", "取代": "supersedes",
    "issuer": "issuer", "发文机关": "issuer",
    "doc_number": "doc_number", "doc-number": "doc_number", "文号": "doc_number",
    "kind": "kind", "replace": "replace", "confirm": "confirm", "确认": "confirm",
}
_KEY = re.compile(
    r"(?:^|(?<=\s))(" + "|".join(sorted(map(re.escape, CAPTION_KEYS), key=len, reverse=True)) + r")\s*[=＝]",
    re.IGNORECASE,
)
_YES = {"yes", "y", "true", "1", "是", "替换"}


def parse_caption(caption: str) -> tuple[dict[str, str], bool]:
    """``title=赤泥 方案 date=2026-03-01`` -> ({"title": "赤泥 方案", "date": "2026-03-01"}, replace);
    ``confirm=yes`` is left in the values for the caller (``confirmed``)."""
    caption = caption.strip()
    matches = list(_KEY.finditer(caption))
    leading = caption[: matches[0].start()] if matches else caption
    if leading.strip():
        raise DocumentError(f"看不懂文件说明“{leading.strip()[:30]}”。{CAPTION_HELP}",
                            "caption must be key=value pairs (title= jurisdiction= date= doc_id= supersedes= replace=)")
    values: dict[str, str] = {}
    ends = [m.start() for m in matches[1:]] + [len(caption)]
    for m, end in zip(matches, ends, strict=False):  # no key at all: no values
        values[CAPTION_KEYS[m.group(1).lower()]] = caption[m.end() : end].strip()
    replace = values.pop("replace", "").lower() in _YES
    return {k: v for k, v in values.items() if v}, replace


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.document is None:  # the access gate has let the chat in
        return
    rt = runtime(context)
    settings = rt.settings  # the bot's settings: admins, upload limit, where the library lives
    user = update.effective_user
    if user is None or user.id not in settings.admin_ids:
        await reply(update, context, NOT_ADMIN)
        return
    document = message.document
    name = Path(document.file_name or "upload").name
    limit = int(settings.max_upload_mb * 1024 * 1024)
    if document.file_size is not None and document.file_size > limit:
        await reply(update, context, TOO_BIG.format(size=document.file_size / 2**20, limit=settings.max_upload_mb))
        return
    try:
        meta, replace = parse_caption(message.caption or "")
        confirm = meta.pop("confirm", "").lower() in _YES
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:  # say so before downloading it
            raise DocumentError(f"不支持的文件类型，支持：{' '.join(SUPPORTED_SUFFIXES)}", "unsupported file type")
    except DocumentError as exc:
        await reply(update, context, REFUSED.format(name=name, reason=str(exc)))
        return
    async with typing(context, message):
        try:
            data = await download_capped(await document.get_file(), limit)
        except TooBig as exc:  # counted while downloading: a message need not state the size
            await reply(update, context, TOO_BIG.format(size=exc.size / 2**20, limit=settings.max_upload_mb))
            return
        except (TelegramError, httpx.HTTPError, ValueError) as exc:
            logger.warning("downloading an upload failed: %s", type(exc).__name__)
            await reply(update, context, DOWNLOAD_FAILED.format(name=name))
            return
        svc = services(context)
        if not isinstance(svc, StaffServices):  # a bot built without a library cannot take documents
            await reply(update, context, REFUSED.format(name=name, reason="文档库未配置 / no document library"))
            return
        catalog = svc.catalog  # the catalog's own knowledge lock serialises rebuilds
        try:  # in a child process: members' questions never wait on parsing or embedding it
            (report,) = await asyncio.to_thread(add_isolated, catalog, settings.corpus_dir, [Upload(name, data, meta)],
                                                replace=replace, confirm=confirm)
        except NeedsConfirmation as exc:
            await reply(update, context, CONFIRM.format(name=name, reason=str(exc)))
            return
        except DocumentError as exc:
            await reply(update, context, REFUSED.format(name=name, reason=str(exc)))
            return
        rt.doc_titles = rt.doc_names = rt.places = None  # cached for rendering: the list changed
    logger.info("document %s added by admin %s (%s clauses)", report.doc_id, user.id, report.clauses)
    await reply(update, context, report.describe() + ADDED_TAIL)


def handler() -> MessageHandler:
    """Files sent in private chats (documents in groups are not for us)."""
    return MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_document)
