"""Commands (/start /help /docs /about, staff /stats /gaps /reload) and the one error handler.

Who may run what is decided once, by the access gate (`gate.py`), before any handler runs.

The error handler is the only place failures surface: it logs them (with the bot token
redacted, since network errors can carry request URLs) and tells the user one short sentence,
never a traceback or any internal detail.
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import datetime

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import ContextTypes

from bot.telegram import texts
from bot.telegram.formatting import docs_blocks, help_blocks
from bot.telegram.render import Block
from bot.telegram.runtime import is_private, reply, run_blocking, runtime, services
from bot.telegram.seams import Services, StaffServices
from knowledge.intake import place_text

logger = logging.getLogger(__name__)


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "<redacted>") if secret else text


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, texts.START if is_private(update) else texts.START_GROUP)


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, help_blocks(is_private(update)))


async def cmd_about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    documents = await run_blocking(context, services(context).answerer.documents)
    places = list(dict.fromkeys(place_text(d.meta.jurisdiction) for d in documents))  # as the gazetteer names them
    await reply(update, context, texts.ABOUT + ("\n收录文件的地区：" + "、".join(places) if places else ""))


async def cmd_docs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    documents = await run_blocking(context, services(context).answerer.documents)
    await reply(update, context, docs_blocks(documents))


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    stats = runtime(context).stats
    p50, p95 = stats.percentiles("answer_s")
    e50, e95 = stats.percentiles("end_to_end_s")
    text = texts.STATS.format(
        since=datetime.fromtimestamp(stats.started).strftime("%Y-%m-%d %H:%M"),
        answered=stats.answered,
        abstained=stats.abstained,
        fallbacks=stats.fallbacks,
        errors=stats.errors,
        limited=stats.limited,
        p50=_ms(p50),
        p95=_ms(p95),
        e2e50=_ms(e50),
        e2e95=_ms(e95),
    )
    await reply(update, context, [Block("", text)])


async def cmd_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild the index in a worker thread; answering goes on meanwhile (one reload at a time)."""
    rt = runtime(context)
    if rt.reload_lock.locked():
        await reply(update, context, texts.RELOAD_BUSY)
        return
    async with rt.reload_lock:
        await reply(update, context, texts.RELOADING)
        started = time.perf_counter()
        try:
            count = await run_blocking(context, _rebuild, services(context))
        except Exception as exc:
            logger.error("Reload failed:\n%s", redact("".join(traceback.format_exception(exc)), rt.token))
            await reply(update, context, texts.RELOAD_FAILED)
            return
        rt.doc_titles = rt.doc_names = rt.places = None
        logger.info("Index reloaded by %s: %s clauses", update.effective_user.id if update.effective_user else "?", count)
        await reply(update, context, texts.RELOADED.format(count=count, seconds=time.perf_counter() - started))


def _rebuild(svc: Services) -> int:
    """The index from the library, through the catalog where there is one: the same lock and the
    same recovery of an interrupted library change as `redmud ingest` (else the answerer's own)."""
    if isinstance(svc, StaffServices):
        return svc.catalog.rebuild(force=True).clauses
    return svc.answerer.reload()


GAPS_DAYS = 30


async def cmd_gaps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff: recent 👎, declined and "not specified" questions, most frequent first."""
    rt = runtime(context)
    gaps = await rt.db(rt.store.gaps, since=time.time() - GAPS_DAYS * 86400)
    if not gaps:
        await reply(update, context, texts.GAPS_EMPTY.format(days=GAPS_DAYS))
        return
    lines = [texts.GAPS_LINE.format(count=g.count, kind=texts.GAP_KINDS.get(g.kind, g.kind), question=g.question[:120])
             for g in gaps]
    await reply(update, context, [Block("b", texts.GAPS_HEAD.format(days=GAPS_DAYS)), Block("", "\n".join(lines))])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (token redacted) and tell the user briefly; never raise from here."""
    rt = runtime(context)
    error = context.error
    if update is None and isinstance(error, (NetworkError, TimedOut)):
        # polling hiccups: PTB retries by itself; a line, not a traceback
        logger.warning("Network problem talking to Telegram: %s", redact(str(error), rt.token))
        return
    rt.stats.errors += 1
    if isinstance(error, TimedOut) and isinstance(update, Update) and update.message is not None:
        # a send that timed out may still arrive: an error line now would precede the answer
        logger.warning("Update %s: Telegram did not confirm a send in time", update.update_id)
        return
    details = "".join(traceback.format_exception(error)) if error else "unknown error"
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Update %s failed:\n%s", update_id, redact(details, rt.token))
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR)
        else:
            await reply(update, context, texts.ERROR)
    except Exception as exc:  # the chat may be gone, or Telegram down: the log has it
        logger.warning("Could not tell the user about the error: %s", redact(repr(exc), rt.token))
