"""The bot's lasting state in one embedded SQLite database (`REDMUD_DATA_DIR/bot.sqlite3`).

Why a database and not PTB's PicklePersistence: a pickle is rewritten whole on every flush (the
event loop stalled 14-25 s in a 200-chat burst) and all of it lives in memory. Here each change
is one small row, written when it happens, and nothing is cached in the process, so memory stays
flat and several replicas behind one webhook can share the file (WAL mode, short transactions).

What it holds: the answers the bot sent (follow-ups, "展开全部", edits of a question), per-group
settings, feedback and the records staff read in `/gaps` (question, answer mode, cited clause
ids, chat id, time: no names), and long callback keys. The Telegram front end calls it through
`AsyncStore` (one worker thread), never from the event loop itself; the CLI uses `Store` directly.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

RECORD_KINDS = ("declined", "not_specified", "down", "up")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, question TEXT NOT NULL,
    brief TEXT NOT NULL, full TEXT, mode TEXT NOT NULL, clause_ids TEXT NOT NULL,
    scope TEXT NOT NULL, abstained INTEGER NOT NULL, not_specified INTEGER NOT NULL, at REAL NOT NULL,
    sources TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS answers_at ON answers(at);
CREATE TABLE IF NOT EXISTS sent (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, answer_id INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id));
CREATE INDEX IF NOT EXISTS sent_answer ON sent(answer_id);
CREATE TABLE IF NOT EXISTS asked (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, answer_id INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (chat_id, message_id));
CREATE TABLE IF NOT EXISTS last_turn (chat_id INTEGER PRIMARY KEY, answer_id INTEGER NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chat_settings (
    chat_id INTEGER PRIMARY KEY, place TEXT, form TEXT, language TEXT);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, question TEXT NOT NULL, mode TEXT,
    clause_ids TEXT NOT NULL, chat_id INTEGER NOT NULL, answer_id INTEGER, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS records_at ON records(at);
CREATE TABLE IF NOT EXISTS votes (
    answer_id INTEGER NOT NULL, voter TEXT NOT NULL, PRIMARY KEY (answer_id, voter));
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, value TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS shown (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, data TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (chat_id, message_id, data));
"""


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    chat_id: int
    question: str
    brief: str
    full: str | None
    mode: str
    clause_ids: list[str]
    at: float
    sources: str = ""

    @property
    def full_text(self) -> str:
        return self.full or self.brief


@dataclass(frozen=True)
class ChatSettings:
    """A group's choices in /settings; None means "not set" (the bot's defaults apply)."""

    place: str | None = None
    form: str | None = None  # "brief" | "full"
    language: str | None = None  # "zh" | "en"


@dataclass(frozen=True)
class Gap:
    kind: str
    question: str
    count: int
    last_at: float


class Store:
    """Synchronous access; one connection guarded by a lock (SQLite serialises writers anyway)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Store:
        return cls(data_dir / "bot.sqlite3")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, tuple(args))

    def _many(self, steps: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in steps:
                    self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- answers ----------------------------------------------------------------------------
    def add_answer(self, chat_id: int, question: str, brief: str, full: str | None, *, mode: str,
                   clause_ids: list[str], scope: str = "policy", abstained: bool = False,
                   not_specified: bool = False, sources: str = "", now: float | None = None) -> int:
        """Store an answer (and its staff records: declined / not specified); returns its id."""
        now = time.time() if now is None else now
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO answers (chat_id, question, brief, full, mode, clause_ids, scope, abstained,"
                    " not_specified, at, sources) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (chat_id, question, brief, full, mode, json.dumps(clause_ids), scope, int(abstained),
                     int(not_specified), now, sources))
                answer_id = int(cur.lastrowid or 0)
                for kind, flag in (("declined", abstained and scope == "policy"), ("not_specified", not_specified)):
                    if flag:
                        self._db.execute(
                            "INSERT INTO records (kind, question, mode, clause_ids, chat_id, answer_id, at)"
                            " VALUES (?,?,?,?,?,?,?)", (kind, question, mode, json.dumps(clause_ids), chat_id,
                                                        answer_id, now))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return answer_id

    def link_messages(self, chat_id: int, answer_id: int, sent_ids: list[int], question_id: int | None,
                      *, now: float | None = None) -> None:
        """Which bot messages show the answer (replies to them follow it up), which message asked it."""
        now = time.time() if now is None else now
        steps: list[tuple[str, tuple[Any, ...]]] = [
            ("INSERT OR REPLACE INTO sent VALUES (?,?,?)", (chat_id, m, answer_id)) for m in sent_ids]
        if question_id is not None:
            steps.append(("INSERT OR REPLACE INTO asked VALUES (?,?,?,?)", (chat_id, question_id, answer_id, now)))
        steps.append(("INSERT OR REPLACE INTO last_turn VALUES (?,?,?)", (chat_id, answer_id, now)))
        self._many(steps)

    def _answer(self, where: str, args: tuple[Any, ...]) -> StoredAnswer | None:
        row = self._run("SELECT a.id, a.chat_id, a.question, a.brief, a.full, a.mode, a.clause_ids, a.at, a.sources"
                        f" FROM answers a {where}", args).fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8])

    def answer(self, answer_id: int) -> StoredAnswer | None:
        return self._answer("WHERE a.id = ?", (answer_id,))

    def answer_for_message(self, chat_id: int, message_id: int) -> StoredAnswer | None:
        """The answer one of the bot's messages shows (None: not ours, or forgotten)."""
        return self._answer("JOIN sent s ON s.answer_id = a.id WHERE s.chat_id = ? AND s.message_id = ?",
                            (chat_id, message_id))

    def last_answer(self, chat_id: int, max_age_s: float, *, now: float | None = None) -> StoredAnswer | None:
        now = time.time() if now is None else now
        return self._answer("JOIN last_turn t ON t.answer_id = a.id WHERE t.chat_id = ? AND t.at >= ?",
                            (chat_id, now - max_age_s))

    def answered_question(self, chat_id: int, question_id: int) -> tuple[int, list[int], float] | None:
        """(answer id, the bot's message ids, when) for a question message the bot answered."""
        row = self._run("SELECT answer_id, at FROM asked WHERE chat_id = ? AND message_id = ?",
                        (chat_id, question_id)).fetchone()
        if row is None:
            return None
        ids = [r[0] for r in self._run("SELECT message_id FROM sent WHERE chat_id = ? AND answer_id = ?"
                                       " ORDER BY message_id", (chat_id, row[0]))]
        return row[0], ids, row[1]

    def mark_shown(self, chat_id: int, message_id: int, data: str) -> bool:
        """True the first time (chat, message, button) is shown; False after."""
        cur = self._run("INSERT OR IGNORE INTO shown VALUES (?,?,?,?)", (chat_id, message_id, data, time.time()))
        return cur.rowcount == 1

    # --- callback keys ------------------------------------------------------------------------
    def key_for(self, value: str) -> str:
        """A short stable key for a long value (callback data has 64 bytes)."""
        key = hashlib.sha1(value.encode()).hexdigest()[:20]
        self._run("INSERT OR REPLACE INTO keys VALUES (?,?,?)", (key, value, time.time()))
        return key

    def value_of(self, key: str) -> str | None:
        row = self._run("SELECT value FROM keys WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- per-chat settings ---------------------------------------------------------------------
    def chat_settings(self, chat_id: int) -> ChatSettings:
        row = self._run("SELECT place, form, language FROM chat_settings WHERE chat_id = ?", (chat_id,)).fetchone()
        return ChatSettings(*row) if row else ChatSettings()

    def set_chat_setting(self, chat_id: int, name: str, value: str | None) -> ChatSettings:
        if name not in ("place", "form", "language"):
            raise ValueError(name)
        self._run("INSERT OR IGNORE INTO chat_settings (chat_id) VALUES (?)", (chat_id,))
        self._run(f"UPDATE chat_settings SET {name} = ? WHERE chat_id = ?", (value, chat_id))
        return self.chat_settings(chat_id)

    # --- feedback and staff records -------------------------------------------------------------
    def vote(self, answer_id: int, voter: str, up: bool, *, now: float | None = None) -> bool:
        """Record 👍/👎 once per voter and answer (`voter` is a hash, not a name). False if a repeat."""
        answer = self.answer(answer_id)
        if answer is None:
            return False
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO votes VALUES (?,?)", (answer_id, voter))
            if cur.rowcount != 1:
                return False
            self._db.execute(
                "INSERT INTO records (kind, question, mode, clause_ids, chat_id, answer_id, at) VALUES (?,?,?,?,?,?,?)",
                ("up" if up else "down", answer.question, answer.mode, json.dumps(answer.clause_ids),
                 answer.chat_id, answer_id, time.time() if now is None else now))
        return True

    def gaps(self, *, since: float, limit: int = 20) -> list[Gap]:
        """Recent 👎, declined and "not specified" questions, most frequent first."""
        rows = self._run(
            "SELECT kind, question, COUNT(*) AS n, MAX(at) FROM records WHERE kind != 'up' AND at >= ?"
            " GROUP BY kind, question ORDER BY n DESC, MAX(at) DESC LIMIT ?", (since, limit)).fetchall()
        return [Gap(*row) for row in rows]

    def export_csv(self, since: float) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["time_utc", "kind", "question", "mode", "clause_ids", "chat_id"])
        for kind, question, mode, clause_ids, chat_id, at in self._run(
            "SELECT kind, question, mode, clause_ids, chat_id, at FROM records WHERE at >= ? ORDER BY at", (since,)
        ):
            stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow([stamp, kind, question, mode or "", " ".join(json.loads(clause_ids)), chat_id])
        return out.getvalue()

    def purge(self, older_than_days: float, *, now: float | None = None) -> int:
        """Delete records, answers and their links older than the retention; returns rows deleted."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            deleted = 0
            for sql in (
                "DELETE FROM records WHERE at < ?",
                "DELETE FROM sent WHERE answer_id IN (SELECT id FROM answers WHERE at < ?)",
                "DELETE FROM votes WHERE answer_id IN (SELECT id FROM answers WHERE at < ?)",
                "DELETE FROM asked WHERE at < ?",
                "DELETE FROM last_turn WHERE at < ?",
                "DELETE FROM answers WHERE at < ?",
                "DELETE FROM keys WHERE at < ?",
                "DELETE FROM shown WHERE at < ?",
            ):
                deleted += self._db.execute(sql, (cutoff,)).rowcount
            self._db.execute("COMMIT")
        return deleted


class AsyncStore:
    """The store for the event loop: every call runs on one dedicated thread, so a slow disk
    (or a busy writer in another replica) never blocks sending and receiving."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="redmud-store")

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.store.close()


def parse_since(value: str) -> float:
    """`2026-11-01` (UTC midnight) or a full ISO time -> epoch seconds."""
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()
