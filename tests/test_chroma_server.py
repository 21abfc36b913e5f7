"""Several bot processes share one index through a real Chroma server (`chroma run` on loopback).

The index is written through the server in-process (``bot.cli.main``); the two `redmud ask`
processes that then answer from it at once are real processes."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import staff_files as F
from tests.conftest import OUR_PREFIXES, cli_env, redmud_in_process

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
    """The two-document test corpus (tests/staff_files.py): the ingest embeds every clause and
    writes it through the server, and what is tested (the server shared by processes) does not
    depend on how many there are."""
    corpus = data_dir / "corpus"
    if not corpus.exists():
        F.make_corpus(corpus)
    return cli_env(data_dir, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port), REDMUD_CORPUS_DIR=str(corpus))


# three questions, each answered from its own clause of the test corpus
QUESTIONS = {
    "赤泥建材产品标准由哪个部门负责？": "市场监管总局",
    "赤泥综合利用有哪些税收优惠？": "增值税",
    "谁负责摸清赤泥存量？": "各省工业和信息化主管部门",
}


def test_ingest_through_server_then_two_processes_answer_at_once(chroma_server: int, tmp_path: Path) -> None:
    env = env_for(chroma_server, tmp_path)
    settings = {k: v for k, v in env.items() if k.startswith(OUR_PREFIXES)}
    ingest = redmud_in_process("ingest", env=settings)  # in-process: the two processes below are the point
    assert ingest.returncode == 0, ingest.stderr.decode()
    assert "chroma://127.0.0.1" in ingest.stdout.decode()
    assert not (tmp_path / "index").exists()  # nothing written locally: the server holds the index

    questions = list(QUESTIONS) * 3
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
            assert a["question"] == q and a["citations"] and QUESTIONS[q] in a["answer"], a

    again = redmud_in_process("ingest", env=settings)  # idempotent against the server too
    assert again.returncode == 0, again.stderr.decode()
    assert "已是最新" in again.stdout.decode()
