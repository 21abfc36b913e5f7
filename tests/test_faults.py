"""Faults between and during runs: a killed ingest, a damaged index, ingest while answering.

Faults between runs need real processes (a SIGKILL, a file damaged while nothing has it open),
so `redmud` runs as a subprocess here. They run over two of the five bundled documents: every
repair embeds the whole corpus again, and what is tested (the repair) does not depend on its size.
The ingest is killed at a known point, after its first batch of clauses is embedded (read from
its progress bar on a pseudo-terminal), never after a guessed number of seconds.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from bot.app import build_services
from knowledge.corpus import BUNDLED_CORPUS
from knowledge.embeddings import E5Embeddings
from knowledge.index import ClauseStore, open_client
from tests.conftest import cli_env, corpus_of, make_settings

ROOT = Path(__file__).resolve().parent.parent


def _env(data_dir: Path, corpus_dir: Path | None = None) -> dict[str, str]:
    return cli_env(data_dir, **({"REDMUD_CORPUS_DIR": str(corpus_dir)} if corpus_dir else {}))


def _cli(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, input=stdin, capture_output=True,
                          timeout=900, cwd=ROOT)


SMALL_DOCS = ("cn-2022-industrial-resources", "jiaozuo-2022-proposal-reply")


def _copy_index(services, dest: Path) -> None:
    shutil.copytree(services.settings.data_dir / "index", dest / "index")


def _small_corpus(dest: Path) -> Path:
    """The two bundled documents the questions below are answered from."""
    return corpus_of(dest, SMALL_DOCS)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the small corpus and its index, built once in-process; tests copy it."""
    home = tmp_path_factory.mktemp("faults")
    corpus = _small_corpus(home / "corpus")
    built = build_services(make_settings(home / "data", corpus_dir=corpus), llm=False)
    built.answerer.warm_up()
    return home


def _home(small: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small home: (data dir with a working index, corpus dir)."""
    shutil.copytree(small / "data" / "index", tmp_path / "data" / "index")
    return tmp_path / "data", small / "corpus"


def _edited_corpus(tmp_path: Path, source: Path = BUNDLED_CORPUS, copies: int = 2) -> Path:
    """The corpus, every clause changed a little and the whole repeated, so that a rebuild must
    embed every clause again, in several batches: one to wait for, more to be killed in."""
    corpus = tmp_path / "corpus"
    shutil.copytree(source, corpus)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    docs = []
    for doc in manifest["documents"]:
        text = (corpus / doc["file"]).read_text(encoding="utf-8")
        for i in range(copies):
            name = f"{doc['doc_id']}-v{i}"
            # every sentence changed (vectors are reused by text: a changed sentence must be embedded)
            (corpus / f"{name}.txt").write_text(text.replace("。", f"（第{i + 1}版）。"), encoding="utf-8")
            docs.append({**doc, "doc_id": name, "file": f"{name}.txt"})
    manifest["documents"] = docs
    (corpus / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return corpus


def _kill_after_first_batch(env: dict[str, str]) -> tuple[str, int]:
    """Start `redmud ingest` with stderr on a pseudo-terminal (so it draws its progress bar),
    SIGKILL it as soon as the bar shows some but not all clauses embedded: (the bar, exit code)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 0-column bar draws nothing
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = ""
    try:
        while proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                seen += os.read(master, 4096).decode(errors="replace")
            except OSError:  # the child closed the terminal
                break
            done = [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+)", seen)]
            if any(0 < a < b for a, b in done):
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
        os.close(master)
    return seen, proc.returncode


def test_ingest_killed_half_way_leaves_the_previous_index_answering(small, tmp_path: Path) -> None:
    data_dir, corpus = _home(small, tmp_path)
    active_before = ClauseStore(open_client(data_dir / "index"), E5Embeddings()).active_name()
    env = _env(data_dir, _edited_corpus(tmp_path, corpus))
    bar, code = _kill_after_first_batch(env)
    assert code == -signal.SIGKILL and "embedding clauses" in bar, bar[-500:]  # killed inside embedding

    from knowledge.manager import _clear_chroma_cache

    _clear_chroma_cache()
    assert ClauseStore(open_client(data_dir / "index"), E5Embeddings()).active_name() == active_before
    answer = _cli("ask", "--json", "焦作领导小组办公室设在哪里？", env=_env(data_dir, corpus))
    assert answer.returncode == 0, answer.stderr.decode()
    assert "市工信局" in json.loads(answer.stdout)["answer"]

    again = _cli("ingest", env=env)
    assert again.returncode == 0, again.stderr.decode()
    assert "索引已建立" in again.stdout.decode()
    _clear_chroma_cache()
    assert ClauseStore(open_client(data_dir / "index"), E5Embeddings()).active_name() != active_before


def test_damaged_index_is_rebuilt_with_a_clear_message(small, tmp_path: Path) -> None:
    data_dir, corpus = _home(small, tmp_path)
    db = data_dir / "index" / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])  # truncated between runs
    proc = _cli("ask", "--json", "焦作领导小组办公室设在哪里？", env=_env(data_dir, corpus))
    assert proc.returncode == 0
    err = proc.stderr.decode()
    assert "rebuilding it from the corpus" in err and "Traceback" not in err
    assert "市工信局" in json.loads(proc.stdout)["answer"]


def test_missing_index_is_built_on_first_question(small, tmp_path: Path) -> None:
    proc = _cli("ask", "--json", "到2025年主要再生资源品种利用量目标是多少？", env=_env(tmp_path, small / "corpus"))
    assert proc.returncode == 0 and "4.8亿吨" in json.loads(proc.stdout)["answer"]
    assert (tmp_path / "index").exists()


def test_ingest_while_answering_gives_old_or_new_never_an_error(services, tmp_path: Path) -> None:
    _copy_index(services, tmp_path)
    running = build_services(make_settings(tmp_path), llm=False)
    running.index.refresh_interval_s = 0.0  # look for a new index before every question
    running.answerer.warm_up()
    errors: list[BaseException] = []
    answers = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                answers.append(running.answerer.answer("贵州提高赤泥可利用性的责任单位是谁？"))
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        writer = build_services(make_settings(tmp_path), llm=False)
        for _ in range(3):
            writer.index.rebuild(force=True)  # a new collection each time, swapped in atomically
        # and a rebuild in this very process
        running.index.rebuild(force=True)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(answers) > 5
    assert all(a.answer.startswith("省工业和信息化厅") for a in answers)


def _broken_dirs(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("index.broken-*"))


def _small(tmp_path: Path) -> dict[str, str]:
    """A data dir with a built index of the two-document test corpus (cheap to rebuild)."""
    from tests.staff_files import make_corpus

    env = _env(tmp_path, make_corpus(tmp_path / "corpus"))
    built = _cli("ingest", env=env)
    assert built.returncode == 0, built.stderr.decode()
    return env


QUESTION, SAYS = "赤泥建材产品标准由哪个部门负责？", "市场监管总局"


def test_concurrent_forced_ingests_queue_on_one_lock(tmp_path: Path) -> None:
    """Several `redmud ingest --force` at once (and a reader meanwhile): each exits cleanly, the
    index stays readable, and nothing is moved aside (issue 12, item 1)."""
    env = _small(tmp_path)
    for _round in range(2):
        procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", "--force"], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
        reader = _cli("ask", "--json", QUESTION, env=env)
        results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
        for code, out, err in results:
            assert code == 0, err.decode()[-2000:]
            assert "索引已建立" in out.decode() and b"NotFoundError" not in err and b"Traceback" not in err
        assert reader.returncode == 0 and b"rebuilding it from the corpus" not in reader.stderr, reader.stderr.decode()
        assert SAYS in json.loads(reader.stdout)["answer"]
    assert _broken_dirs(tmp_path) == []
    from knowledge.manager import _clear_chroma_cache

    _clear_chroma_cache()
    snapshot = ClauseStore(open_client(tmp_path / "index"), E5Embeddings()).load()
    assert len(snapshot.documents) == 2 and snapshot.clauses


def test_a_write_failure_is_not_corruption(tmp_path: Path) -> None:
    """A read-only `redmud ask` that cannot write (RLIMIT_FSIZE 0: a full disk, as far as it knows)
    fails with one line and leaves the healthy index where it is (issue 12, item 5)."""
    import resource

    env = _small(tmp_path)
    from knowledge.manager import _clear_chroma_cache

    _clear_chroma_cache()
    active = ClauseStore(open_client(tmp_path / "index"), E5Embeddings()).active_name()

    def no_writes() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    proc = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", QUESTION],
                          env=env, cwd=ROOT, capture_output=True, timeout=300, preexec_fn=no_writes)
    err = proc.stderr.decode()
    assert "rebuilding it from the corpus" not in err and "Traceback" not in err
    if proc.returncode != 0:
        assert "nothing can be written there" in err and "left as it is" in err
    assert _broken_dirs(tmp_path) == [] and (tmp_path / "index").is_dir()
    again = _cli("ask", "--json", QUESTION, env=env)
    assert again.returncode == 0 and SAYS in json.loads(again.stdout)["answer"]
    _clear_chroma_cache()
    assert ClauseStore(open_client(tmp_path / "index"), E5Embeddings()).active_name() == active


def test_a_killed_ingest_never_leaves_a_document_only_in_the_library(tmp_path: Path) -> None:
    """SIGKILL at several moments of `redmud ingest FILE`: every document the library holds is in
    the index, and the next ingest finishes or forgets the interrupted change (issue 12, item 4)."""
    env = _small(tmp_path)
    plan = tmp_path / "big-plan.txt"
    lines = ["一、主要任务"] + [f"（{i}）赤泥综合利用任务第{i}项。支持企业开展第{i}类赤泥利用示范，规模达到{i * 3}万吨。"
                               for i in range(1, 61)]
    plan.write_text("\n".join(lines), encoding="utf-8")
    from knowledge.manager import _clear_chroma_cache

    for delay in (4.0, 8.0, 12.0):
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", str(plan), "--doc-id", "big-plan",
                                 "--replace"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        _clear_chroma_cache()
        record = ClauseStore(open_client(tmp_path / "index"), E5Embeddings()).active_record()
        indexed = {d["doc_id"] for d in json.loads(record["documents"])}
        in_library = {p.stem for p in (tmp_path / "library" / "docs").glob("*.json")}
        assert in_library <= indexed, (delay, in_library, indexed)
    done = _cli("ingest", str(plan), "--doc-id", "big-plan", "--replace", env=env)
    assert done.returncode == 0, done.stderr.decode()
    docs = _cli("docs", env=env).stdout.decode()
    assert "big-plan" in docs and not (tmp_path / "library" / "journal.json").exists()
