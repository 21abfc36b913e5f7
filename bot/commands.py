"""What each ``redmud`` sub-command does; ``bot.cli`` parses arguments and handles errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.app import Services, build_services
from bot.settings import Settings
from bot.terminal import render, stdin_lines, to_json_line
from chains.models import Answer, Turn
from knowledge.catalog import NeedsConfirmation, RebuildFailed, Upload
from knowledge.intake import place_text, read_sidecar
from knowledge.loaders import DocumentError


class UserError(Exception):
    """A problem the user can fix (bad file, unknown document): shown as one line, exit 2."""


def _answering_services(settings: Settings, llm: bool | None) -> Services:
    """Services for answering; `--llm` without a key says so instead of silently answering offline."""
    if llm and settings.openai_api_key is None:
        print("提示 / note: OPENAI_API_KEY is not set; answering extractively (offline).", file=sys.stderr)
    return build_services(settings, llm=llm)


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    services = _answering_services(settings, args.llm)
    answerer = services.answerer
    if args.question == ["-"]:
        for line in stdin_lines():
            answer = answerer.answer(line)
            _write(to_json_line(answer) if args.json else render(answer, full=args.full) + "\n")
        return 0
    answer = answerer.answer(" ".join(args.question))
    _write(to_json_line(answer) if args.json else render(answer, full=args.full))
    return 0


CHAT_BANNER = "赤泥政策问答（输入问题后回车；以“+”或“追问”开头表示追问上一个回答；输入“全部”看上一个回答的全部依据；输入 exit 退出）"
FOLLOW_UP_PREFIXES = ("+", "＋", "追问")
# typed alone, these show the previous answer in full instead of asking a question
SHOW_FULL = {"全部", "展开", "展开全部", "完整", "full", "more"}
MORE_HINT = "输入“全部”查看完整回答"


def split_follow_up(line: str) -> tuple[bool, str]:
    stripped = line.strip()
    for prefix in FOLLOW_UP_PREFIXES:
        if stripped.startswith(prefix):
            return True, stripped[len(prefix):].lstrip(" ：:")
    return False, stripped


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()
    services = _answering_services(settings, args.llm)
    if interactive:
        print(CHAT_BANNER)
        services.answerer.warm_up()
    last: Turn | None = None
    shown: Answer | None = None  # the previous answer, for "全部"
    lines = _prompted_lines() if interactive else stdin_lines()
    for line in lines:
        command = line.strip().lower()
        if command in {"exit", "quit", "q", "退出"}:
            break
        if command in SHOW_FULL and shown is not None:
            _write(render(shown, full=True) + "\n")
            continue
        follow, question = split_follow_up(line)
        if not question and not line.strip():
            continue
        answer = services.answerer.answer(question, previous=last if follow else None)
        _write(render(answer, more_hint=MORE_HINT) + "\n")
        shown = answer
        if not answer.abstained:
            last = Turn(question=answer.standalone_question or answer.question, answer=answer.answer)
    return 0


def _prompted_lines() -> Any:
    while True:
        try:
            yield input("问 > ")
        except EOFError:
            print()
            return
        except UnicodeDecodeError:
            print("（输入无法解码为 UTF-8，请重新输入）")


PER_DOCUMENT_FLAGS = ("title", "doc_id", "doc_number", "date", "supersedes")
SHARED_FLAGS = ("jurisdiction", "issuer")


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """`redmud ingest` rebuilds the index (under the knowledge lock); `redmud ingest FILE…` adds documents."""
    services = build_services(settings, llm=False)
    if args.files:
        return _ingest_files(services, args)
    report = services.catalog.rebuild(force=args.force, progress=sys.stderr.isatty())
    if report.skipped:
        _write(f"索引已是最新：{report.documents} 份文件，{report.clauses} 个条款（{services.index.location}）")
    else:
        _write(
            f"索引已建立：{report.documents} 份文件，{report.clauses} 个条款，新计算向量 {report.embedded} 个，"
            f"用时 {report.seconds:.1f} 秒（{services.index.location}）"
        )
    return 0


def _ingest_files(services: Services, args: argparse.Namespace) -> int:
    """`redmud ingest FILE… [--title …] [--replace] [--confirm]`: flags win over each file's sidecar meta."""
    files: list[Path] = list(args.files)
    flags = {key: getattr(args, key, None) for key in (*PER_DOCUMENT_FLAGS, *SHARED_FLAGS)}
    flags = {k: v for k, v in flags.items() if v is not None}
    per_document = [k for k in PER_DOCUMENT_FLAGS if k in flags]
    if len(files) > 1 and per_document:
        names = ", ".join("--" + k.replace("_", "-") for k in per_document)
        raise UserError(f"{names} 只能用于单个文件 / {names} apply to one file at a time")
    try:
        uploads = []
        for path in files:
            if not path.is_file():
                raise DocumentError(f"找不到文件 {path}", f"no such file: {path}")
            uploads.append(Upload(path.name, path.read_bytes(), {**read_sidecar(path), **flags}))
        reports = services.catalog.add(uploads, replace=bool(args.replace), confirm=bool(args.confirm))
    except RebuildFailed as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    except NeedsConfirmation as exc:
        print(f"需要确认 / confirmation needed: {exc}", file=sys.stderr)
        for doc_id, flagged in exc.flagged.items():
            for flag in flagged:
                print(f"  {doc_id}: {flag}", file=sys.stderr)
        return 3
    except (DocumentError, OSError) as exc:
        raise UserError(str(exc)) from exc
    for report in reports:
        sys.stdout.write(report.describe() + "\n\n")
    return 0


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    """Each document with its place as the gazetteer names it, and that place's level."""
    services = build_services(settings, llm=False)
    docs = services.answerer.documents()
    _write(f"{'doc_id':32} {'place':16} {'date':10} {'clauses':>7}  status   title")
    for info in docs:
        m = info.meta
        status = f"superseded by {m.superseded_by}" if m.superseded_by else "current"
        _write(f"{m.doc_id:32} {place_text(m.jurisdiction):16} {m.date or '-':10} {info.clause_count:>7}  {status:8} {m.title}")
    removed = services.catalog.restorable()
    if removed:
        _write("removed (redmud restore DOC_ID): " + ", ".join(m.doc_id for m in removed))
    return 0


def cmd_remove(settings: Settings, args: argparse.Namespace) -> int:
    """`redmud remove DOC_ID` (undone by `redmud restore DOC_ID`)."""
    return _library_change(settings, "remove", args.doc_id, "已移除")


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """`redmud restore DOC_ID`: a removed document comes back with its original metadata."""
    return _library_change(settings, "restore", args.doc_id, "已恢复")


def _library_change(settings: Settings, action: str, doc_id: str, done: str) -> int:
    catalog = build_services(settings, llm=False).catalog
    try:
        meta = getattr(catalog, action)(doc_id)
    except RebuildFailed as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    except DocumentError as exc:
        raise UserError(str(exc)) from exc
    _write(f"{done}《{meta.title}》（{meta.doc_id}，{place_text(meta.jurisdiction)}）")
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from chains.evaluate import load_cases, read_split, score, select, summarise, summary_line

    cases: list[dict] = []
    for path in args.cases:
        if not path.exists():
            raise UserError(f"no such file: {path}")
        try:
            cases += load_cases(path)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    if args.split not in (None, "all") and not args.split_file.exists():
        raise UserError(f"no such split file: {args.split_file}")
    held_out = read_split(args.split_file) if args.split not in (None, "all") else set()
    cases = select(cases, held_out, args.split)
    services = _answering_services(settings, args.llm)
    results = [score(case, services.answerer.answer(case.get("q", ""))) for case in cases]
    for r in results:
        if not r.correct and not args.quiet:
            _write(f"FAIL {r.id} {r.question}\n     " + "\n     ".join(r.problems))
    summary = summarise(results)
    _write(summary_line(summary))
    if args.min_retrieval is not None and summary["retrieval"] < args.min_retrieval:
        return 1
    if args.min_correct is not None and summary["correct"] < args.min_correct:
        return 1
    return 0


def cmd_feedback(settings: Settings, args: argparse.Namespace) -> int:
    """`redmud feedback export --since DATE [--out FILE]`: the bot's staff records as CSV
    (time, kind, question, answer mode, cited clause ids, chat id; no names)."""
    from bot.state import Store, parse_since

    try:
        since = parse_since(args.since)
    except ValueError as exc:
        raise UserError(f"--since: not a date (YYYY-MM-DD): {args.since}") from exc
    store = Store.in_data_dir(settings.data_dir)
    try:
        text = store.export_csv(since)
    finally:
        store.close()
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_bot(settings: Settings, args: argparse.Namespace) -> int:
    if settings.telegram_bot_token is None:
        raise UserError("TELEGRAM_BOT_TOKEN is not set (put it in .env or the environment)")
    _start_bot(build_services(settings), webhook=args.webhook)
    return 0


def _start_bot(services: Services, *, webhook: bool) -> None:
    from bot.telegram import run_bot
    from bot.telegram.application import BotConfigError

    try:
        run_bot(services, webhook=webhook)
    except BotConfigError as exc:
        raise UserError(str(exc)) from exc


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    services: Services = build_services(settings)
    if not services.index.exists():
        _write("首次运行：正在建立索引……")
        services.catalog.rebuild()  # under the knowledge lock, like every other build
    services.answerer.warm_up()
    if settings.telegram_bot_token is not None:
        _start_bot(services, webhook=bool(settings.webhook_url))
        return 0
    return cmd_chat(settings, argparse.Namespace(llm=None))
