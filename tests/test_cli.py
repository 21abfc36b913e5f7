"""The `redmud` command as users and scripts run it, over the real session index.

Most commands run in-process (``bot.cli.main``): what they print is the same, without a cold
interpreter each. Two stay real processes end to end, as a user and a script run them: a plain
`redmud ask`, and `ask --json -` with invalid UTF-8 on its standard input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.conftest import cli_env, redmud_in_process


def run_process(settings: Settings, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """A real `redmud` process (python -m bot.cli): end to end, start-up and standard streams included."""
    env = cli_env(settings.data_dir)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, timeout=600, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


def run(settings: Settings, *args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess:
    return redmud_in_process(*args, env={"REDMUD_DATA_DIR": str(settings.data_dir), **env}, stdin=stdin)


@pytest.fixture(scope="module")
def built(services):
    """The session index exists before any subprocess starts."""
    return services.settings


def test_ask_prints_answer_and_sources(built) -> None:
    proc = run_process(built, "ask", "贵州提高赤泥可利用性的责任单位是谁？")
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.startswith("省工业和信息化厅")
    assert "依据" in out
    assert re.search(r"^\[\d+\] 《贵州省赤泥综合利用行动方案（2025—2030年）》 二、主要任务 > （二）提高赤泥可利用性$", out, re.MULTILINE)
    assert "Traceback" not in proc.stderr.decode()


def test_ask_json_prints_one_object(built) -> None:
    proc = run(built, "ask", "--json", "强耐新材拿到了多少贷款支持？")
    assert proc.returncode == 0
    lines = proc.stdout.decode().strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["mode"] == "extractive" and "1.85亿元" in data["answer"]
    assert data["citations"][0]["doc_id"] == "jiaozuo-2022-proposal-reply"


def _sources(out: str) -> set[int]:
    return {int(n) for n in re.findall(r"^\[(\d+)\] ", out.split("依据", 1)[1], re.MULTILINE)} if "依据" in out else set()


def _used(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_ask_brief_by_default_full_on_request_sources_match_the_text(built) -> None:
    question = "赤泥综合利用企业可以享受税收优惠吗？"
    brief = run(built, "ask", question).stdout.decode()
    full = run(built, "ask", "--full", question).stdout.decode()
    data = json.loads(run(built, "ask", "--json", question).stdout)
    assert data["answer"] and data["answer_full"] and len(data["answer"]) < len(data["answer_full"])
    assert brief.startswith(data["answer"]) and full.startswith(data["answer_full"])
    assert _sources(brief) == _used(data["answer"])  # the sources list covers exactly what the text cites
    assert _sources(full) == _used(data["answer_full"]) == {c["n"] for c in data["citations"]}


def test_chat_shows_the_full_answer_on_request(built) -> None:
    script = "贵州用哪些资金渠道支持赤泥综合利用？\n全部\nexit\n"
    out = run(built, "chat", stdin=script.encode()).stdout.decode()
    first, rest = out.split("输入“全部”查看完整回答", 1)
    assert "依据" in first and "依据" in rest
    assert len(rest.strip()) > len(first.split("依据")[0].strip())  # the full form follows the brief one


def test_ask_json_stdin_one_object_per_line_in_order(built) -> None:
    questions = [
        "焦作领导小组办公室设在哪里？",
        "",
        "   ",
        "给我讲个笑话吧",
        "赤泥综合利用有哪些税收优惠？" + "啊" * 100_000,
        "\x00\x07控制字符\x1b[0m 赤泥能做砖吗",
        "到2025年主要再生资源品种利用量目标是多少？",
    ]
    payload = "\n".join(questions).encode() + b"\n\xff\xfe invalid utf-8 \xc3\x28\n"
    proc = run_process(built, "ask", "--json", "-", stdin=payload)
    assert proc.returncode == 0, proc.stderr.decode()
    objects = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(objects) == len(questions) + 1
    assert "市工信局" in objects[0]["answer"]
    assert objects[1]["abstained"] and objects[2]["abstained"]  # empty and whitespace: a clear prompt
    assert objects[3]["abstained"] and objects[3]["citations"] == []
    assert objects[4]["notice"] and len(objects[4]["question"]) <= 500
    assert "\x00" not in objects[5]["question"] and objects[5]["citations"]
    assert "4.8亿吨" in objects[6]["answer"]
    assert isinstance(objects[7]["answer"], str)  # invalid UTF-8: answered, not crashed
    assert "Traceback" not in proc.stderr.decode()


def test_chat_reads_stdin_and_follows_up(built) -> None:
    script = "贵州用哪些资金渠道支持赤泥综合利用？\n+ 那河南呢？\n\n\x00\xff\nexit\n"
    proc = run(built, "chat", stdin=script.encode("utf-8", errors="surrogateescape"))
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "中央资金" in out
    assert "理解为：" in out and "河南" in out.split("理解为：", 1)[1]
    assert "Traceback" not in proc.stderr.decode()


def test_docs_lists_documents_with_counts(built) -> None:
    proc = run(built, "docs")
    out = proc.stdout.decode()
    assert proc.returncode == 0
    for doc_id in ("cn-2024-redmud-plan", "cn-2022-industrial-resources", "henan-2025-redmud-qa",
                   "guizhou-2025-redmud-plan", "jiaozuo-2022-proposal-reply"):
        assert doc_id in out
    assert "2022-07-26" in out and "current" in out


def test_ingest_is_idempotent(built) -> None:
    proc = run(built, "ingest")
    assert proc.returncode == 0
    assert "已是最新" in proc.stdout.decode()


def test_eval_thresholds_set_the_exit_code(built, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "x1", "q": "焦作2021年工业固废综合利用率提高到了多少？",
                    "expect": [{"doc": "jiaozuo-2022-proposal-reply", "phrase": "提高到82.8%"}], "must": ["82.8%"]},
                   ensure_ascii=False) + "\n" +
        json.dumps({"id": "x2", "q": "给我讲个笑话吧", "expect": [], "must": ["不存在的词"]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    ok = run(built, "eval", str(cases), "--min-retrieval", "1.0", "--min-correct", "0.5")
    assert ok.returncode == 0, ok.stdout.decode()
    assert "retrieval: 1.000  fully correct: 0.500" in ok.stdout.decode()
    assert "FAIL x2" in ok.stdout.decode()
    strict = run(built, "eval", str(cases), "--min-correct", "0.9")
    assert strict.returncode == 1
    missing = run(built, "eval", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()


def test_llm_flag_without_a_key_says_it_answers_offline(built) -> None:
    proc = run(built, "ask", "--llm", "--json", "焦作领导小组办公室设在哪里？")
    assert proc.returncode == 0
    assert "OPENAI_API_KEY" in proc.stderr.decode()
    assert json.loads(proc.stdout)["mode"] == "extractive"


def test_bot_without_token_says_so(built) -> None:
    proc = run(built, "bot")
    assert proc.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


def test_webhook_without_secret_is_refused_clearly(built) -> None:
    proc = run(built, "bot", "--webhook", TELEGRAM_BOT_TOKEN="123:abc", REDMUD_WEBHOOK_URL="https://x.example/hook")
    assert proc.returncode == 2, proc.stderr.decode()
    assert "REDMUD_WEBHOOK_SECRET" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()
    assert "123:abc" not in proc.stderr.decode()


def test_bad_setting_is_reported_clearly(built) -> None:
    proc = run(built, "docs", REDMUD_TOP_K="many")
    assert proc.returncode == 2 and "REDMUD_TOP_K" in proc.stderr.decode()
