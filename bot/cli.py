"""The ``redmud`` command: ask, chat, ingest, docs, eval, bot, run.

Every command builds its services through ``bot.app.build_services`` and reports problems as
one clear line on stderr with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import traceback
from pathlib import Path

from pydantic import ValidationError

from bot.settings import Settings, describe_errors

logger = logging.getLogger(__name__)

# the shape of a Telegram bot token (digits, a colon, 30+ URL-safe characters): redacted even when
# it is not the configured one (a token from a stale .env, or one quoted back by the library)
_TOKEN_SHAPE = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}")


def redact(text: str, settings: Settings | None = None) -> str:
    """`text` with every configured secret and anything shaped like a bot token replaced by ***.

    Why: the final error line is the one place an exception's own words reach stderr, and some
    libraries quote the secret back (python-telegram-bot: "The token `…` was rejected").
    """
    secrets = []
    if settings is not None:
        for field in ("telegram_bot_token", "openai_api_key", "webhook_secret"):
            value = getattr(settings, field, None)
            if value is not None and value.get_secret_value():
                secrets.append(value.get_secret_value())
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _TOKEN_SHAPE.sub("***", text)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="redmud", description="赤泥政策问答助手 / red-mud policy assistant")
    sub = p.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question (or one per stdin line with '-')")
    ask.add_argument("question", nargs="+", help="the question; '-' reads one question per stdin line")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer (answer: brief, answer_full: full)")
    ask.add_argument("--full", action="store_true", help="print the full answer (every cited clause) instead of the brief one")
    _llm_flags(ask)

    chat = sub.add_parser("chat", help="interactive questions on the terminal ('+ …' follows up, '全部' shows the full answer)")
    _llm_flags(chat)

    ingest = sub.add_parser("ingest", help="(re)build the index from the corpus, or add documents")
    ingest.add_argument("files", nargs="*", type=Path, help="documents to add (.txt .md .docx .pdf .html)")
    ingest.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    ingest.add_argument("--replace", action="store_true", help="replace a document with the same doc id")
    ingest.add_argument("--confirm", "--yes", dest="confirm", action="store_true",
                        help="add it even though some text reads like instructions to the assistant (after checking)")
    for name in ("title", "jurisdiction", "issuer", "date", "doc-number", "doc-id", "supersedes"):
        ingest.add_argument(f"--{name}")

    sub.add_parser("docs", help="list the documents in the index")
    remove = sub.add_parser("remove", help="take a document out of the index")
    remove.add_argument("doc_id")
    restore = sub.add_parser("restore", help="bring back a removed document with its original metadata")
    restore.add_argument("doc_id")

    ev = sub.add_parser("eval", help="score a case file (JSON lines)")
    ev.add_argument("cases", type=Path, nargs="+", help="case files (JSON lines); their cases are scored together")
    ev.add_argument("--split", choices=["all", "dev", "heldout"], default=None,
                    help="score only the held-out cases, or only the others (see --split-file)")
    ev.add_argument("--split-file", type=Path, default=Path("tests/data/heldout.txt"),
                    help="the held-out case ids, one per line (default: tests/data/heldout.txt)")
    ev.add_argument("--min-retrieval", type=float, default=None)
    ev.add_argument("--min-correct", type=float, default=None)
    ev.add_argument("--quiet", action="store_true", help="print only the summary")
    _llm_flags(ev)

    bot = sub.add_parser("bot", help="run the Telegram bot")
    bot.add_argument("--webhook", action="store_true", help="use a webhook instead of long polling")
    sub.add_parser("run", help="build the index if needed, then the bot if a token is set, else chat")

    feedback = sub.add_parser("feedback", help="staff records: 👍/👎, declined and 'not specified' questions")
    feedback_sub = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_sub.add_parser("export", help="write the records as CSV (stdout, or --out FILE)")
    export.add_argument("--since", required=True, help="first day to include, e.g. 2026-11-01 (UTC)")
    export.add_argument("--out", type=Path, help="write here instead of stdout")
    return p


def _llm_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--llm", dest="llm", action="store_true", default=None, help="use the configured LLM")
    g.add_argument("--no-llm", dest="llm", action="store_false", help="extractive answers only")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:  # one line per bad setting, named as the user set it
        for line in describe_errors(exc):
            print(redact(f"配置错误 / configuration error: {line}"), file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. an unreadable .env
        print(redact(f"配置错误 / configuration error: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return 2
    from bot.app import configure_logging

    configure_logging(settings.log_level)
    from bot import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return int(handler(settings, args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except commands.UserError as exc:
        print(redact(f"错误 / error: {exc}", settings), file=sys.stderr)
        return 2
    except Exception as exc:
        trace = "".join(traceback.format_exception(exc))
        logger.debug("command failed:\n%s", redact(trace, settings))  # the traceback quotes it too
        print(redact(f"错误 / error: {type(exc).__name__}: {exc}", settings), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
