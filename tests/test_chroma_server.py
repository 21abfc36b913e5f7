"""Several bot processes share one index through a real Chroma server (`chroma run` on loopback)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env, corpus_of

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma CLI ships with chromadb and must be installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")
    proc = subprocess.Popen([exe, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600  # a server that never starts, not a slow one
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def env_for(port: int, data_dir: Path) -> dict[str, str]:
    """Three of the five documents (those the questions are answered from): the ingest embeds
    every clause through the server, and the other two add only time."""
    corpus = data_dir / "corpus"
    if not corpus.exists():
        corpus_of(corpus, ("cn-2022-industrial-resources", "guizhou-2025-redmud-plan", "jiaozuo-2022-proposal-reply"))
    return cli_env(data_dir, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port), REDMUD_CORPUS_DIR=str(corpus))


def test_ingest_through_server_then_two_processes_answer_at_once(chroma_server: int, tmp_path: Path) -> None:
    env = env_for(chroma_server, tmp_path)
    ingest = subprocess.run([sys.executable, "-m", "bot.cli", "ingest"], env=env, capture_output=True, timeout=900, cwd=ROOT)
    assert ingest.returncode == 0, ingest.stderr.decode()
    assert "chroma://127.0.0.1" in ingest.stdout.decode()
    assert not (tmp_path / "index").exists()  # nothing written locally: the server holds the index

    questions = ["焦作领导小组办公室设在哪里？", "贵州提高赤泥可利用性的责任单位是谁？", "到2025年主要再生资源品种利用量目标是多少？"] * 3
    payload = ("\n".join(questions) + "\n").encode()
    procs = [
        subprocess.Popen([sys.executable, "-m", "bot.cli", "ask", "--json", "-"], env=env, cwd=ROOT,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(payload, timeout=900) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        answers = [json.loads(line) for line in out.decode().splitlines()]
        assert len(answers) == len(questions)
        for q, a in zip(questions, answers, strict=True):
            assert a["question"] == q and a["citations"], a
        assert "市工信局" in answers[0]["answer"]
        assert answers[1]["answer"].startswith("省工业和信息化厅")
        assert "4.8亿吨" in answers[2]["answer"]

    again = subprocess.run([sys.executable, "-m", "bot.cli", "ingest"], env=env, capture_output=True, timeout=900, cwd=ROOT)
    assert "已是最新" in again.stdout.decode()  # idempotent against the server too
