"""Hostile and broken input (tests/data/hostile.jsonl) through `ask --json -`, `chat` and the service.

`ask --json -` runs as a real process (bytes on a real stdin); `chat` in-process. The same
question asked 500 times is a soak, with the others in `make bench` (bench/soak.py)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, cli_env, redmud_in_process

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_LIMIT = 4096


def hostile_entries() -> list[dict]:
    return [json.loads(line) for line in (DATA / "hostile.jsonl").read_text(encoding="utf-8").splitlines() if line]


def raw_bytes(entry: dict) -> bytes:
    if "b64" in entry:
        return base64.b64decode(entry["b64"])
    return entry["text"].encode("utf-8", errors="surrogatepass")


ENTRIES = hostile_entries()


def test_corpus_is_big_enough() -> None:
    assert len(ENTRIES) >= 40
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)


def _env(services) -> dict[str, str]:
    return cli_env(services.settings.data_dir)


def _one_line(entry: dict) -> bytes:
    return raw_bytes(entry).replace(b"\r", b" ").replace(b"\n", b" ")


def test_every_hostile_input_through_ask_json_stdin(services) -> None:
    payload = b"\n".join(_one_line(e) for e in ENTRIES) + b"\n"
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "-"], input=payload, env=_env(services),
                          capture_output=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in proc.stderr
    answers = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(answers) == len(ENTRIES)
    for entry, answer in zip(ENTRIES, answers, strict=True):
        assert answer["answer"].strip(), entry["id"]
        assert len(answer["answer"]) <= TELEGRAM_LIMIT, entry["id"]
        assert len(answer["question"]) <= 500, entry["id"]
        assert answer["abstained"] or answer["citations"], entry["id"]
        if len(_one_line(entry).decode("utf-8", errors="replace").strip()) > 500:
            assert answer["notice"], entry["id"]
    by_id = {e["id"]: a for e, a in zip(ENTRIES, answers, strict=True)}
    for refused in ("injection-zh", "injection-en", "token-request", "fake-system"):
        assert by_id[refused]["abstained"] and not by_id[refused]["citations"], refused
    for empty in ("empty", "spaces", "tabs", "punct", "emoji"):
        assert by_id[empty]["abstained"], empty


def test_every_hostile_input_through_chat(services) -> None:
    payload = b"\n".join(_one_line(e) for e in ENTRIES) + b"\n"
    proc = redmud_in_process("chat", env={"REDMUD_DATA_DIR": str(services.settings.data_dir)}, stdin=payload)
    assert proc.returncode == 0
    assert b"Traceback" not in proc.stderr and b"Traceback" not in proc.stdout
    assert proc.stdout.decode().count("请输入您的问题") >= 3  # empty lines skipped, punctuation-only prompted


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_every_hostile_input_through_the_service(answerer, entry: dict) -> None:
    text = entry.get("text")
    raw = text if text is not None else raw_bytes(entry)
    answer = answerer.answer(raw)
    assert answer.answer and len(answer.answer) <= TELEGRAM_LIMIT
    assert all("\x00" not in c.text for c in answer.citations)
