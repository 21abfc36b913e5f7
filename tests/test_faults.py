"""Faults between and during runs: a killed ingest, a damaged index, ingest while answering.

Faults between runs need real processes (a SIGKILL, a file damaged while nothing has it open,
racing ingests, an ask that cannot write), so `redmud` runs as a subprocess where the process is
the point; the runs that only look at what a fault left behind (the next ingest, an answer
afterwards, a first question with no index) run in-process. The indexes here are built over the
two-document test corpus (tests/staff_files.py): every repair embeds the whole corpus again, and
what is tested (the repair) does not depend on its size.

A killed ingest is killed at a known point, never after a guessed number of seconds: it runs
under tests/held_cli.py, which stops it for good when it reaches a named call (the second batch
of embeddings; the library write after the index swap; the moment after it), and it is killed
there.
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
import tempfile
import termios
import threading
import uuid
from pathlib import Path

import pytest

from bot.app import build_services
from knowledge.embeddings import E5Embeddings
from knowledge.index import ClauseStore, open_client
from knowledge.manager import _clear_chroma_cache
from tests import staff_files as F
from tests.conftest import OUR_PREFIXES, cli_env, make_settings, redmud_in_process
from tests.held_cli import HELD

ROOT = Path(__file__).resolve().parent.parent

QUESTION, SAYS = "赤泥建材产品标准由哪个部门负责？", "市场监管总局"  # answered from the test corpus's base-plan

# where a held `redmud` stops (tests/held_cli.py): the second embedding call of an index build
# (the first batch is embedded, the new index not yet written), and the library write of a
# document change (the new index is swapped in, the library does not say so yet)
SECOND_BATCH = ("knowledge.embeddings:E5Embeddings.embed_documents", 2)
LIBRARY_WRITE = ("knowledge.library:Library.add", 1)
LIBRARY_WRITTEN = ("knowledge.library:Library.untrash", 1)  # just after a document's files are written


def _env(data_dir: Path, corpus_dir: Path) -> dict[str, str]:
    return cli_env(data_dir, REDMUD_CORPUS_DIR=str(corpus_dir))


def _cli(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """A real `redmud` process."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, input=stdin, capture_output=True,
                          timeout=900, cwd=ROOT)


def _in_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`redmud ARGS` in this process (tests/conftest.py), with the settings of ``env``."""
    _clear_chroma_cache()  # open the index afresh, as a new process would: others have written to it
    done = redmud_in_process(*args, env={k: v for k, v in env.items() if k.startswith(OUR_PREFIXES)})
    _clear_chroma_cache()
    return done


def _store(data_dir: Path) -> ClauseStore:
    _clear_chroma_cache()
    return ClauseStore(open_client(data_dir / "index"), E5Embeddings())


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the test corpus and its index, built once in-process; tests copy it."""
    home = tmp_path_factory.mktemp("faults")
    corpus = F.make_corpus(home / "corpus")
    built = build_services(make_settings(home / "data", corpus_dir=corpus), llm=False)
    built.answerer.warm_up()
    _clear_chroma_cache()
    return home


def _copy_index(services, dest: Path) -> None:
    shutil.copytree(services.settings.data_dir / "index", dest / "index")


def _home(small: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small home: (data dir with a working index, corpus dir)."""
    shutil.copytree(small / "data" / "index", tmp_path / "data" / "index")
    return tmp_path / "data", small / "corpus"


def _tasks(n: int) -> str:
    """A plan of ``n`` short clauses: more than one batch of embeddings (32), little to embed. Its
    text is new each time (a number drawn at random in every clause), so that no embedding cache
    can have their vectors: the build must call the model for them, where tests/held_cli.py holds it."""
    fresh = uuid.uuid4().hex[:8]
    return "\n".join(["赤泥综合利用任务清单", "一、主要任务"]
                     + [f"（{i}）赤泥利用任务第{i}项（编号{fresh}）。支持企业开展第{i}类赤泥利用示范，规模达到{i * 3}万吨。"
                        for i in range(1, n + 1)])


def _grown_corpus(tmp_path: Path, source: Path) -> Path:
    """The corpus and one more document of 40 new clauses: a rebuild reuses the vectors of the
    texts it already has and embeds the new ones in batches, one to finish and one to be killed in."""
    corpus = tmp_path / "corpus"
    shutil.copytree(source, corpus)
    (corpus / "task-list.txt").write_text(_tasks(40), encoding="utf-8")
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"].append({"doc_id": "task-list", "file": "task-list.txt", "title": "赤泥综合利用任务清单",
                                  "jurisdiction": "national", "date": "2025-01-01"})
    (corpus / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return corpus


def _kill_when_held(point: tuple[str, int], args: list[str], env: dict[str, str], *,
                    tty: bool = False) -> tuple[str, str, int]:
    """Run `redmud ARGS` held at ``point`` (tests/held_cli.py) and SIGKILL it as soon as it says it
    is held there: (its stdout, its stderr, its exit code). With ``tty`` its stderr is a terminal
    (120 columns), so that it draws its progress bar."""
    target, nth = point
    command = [sys.executable, "-m", "tests.held_cli", target, str(nth), "--", *args]
    with tempfile.TemporaryFile() as err_file:
        if tty:
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 0-column bar draws nothing
            proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=slave)
            os.close(slave)
        else:
            proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=err_file)
        assert proc.stdout is not None
        out, err = b"", b""
        streams = [proc.stdout.fileno(), *([master] if tty else [])]
        try:
            while proc.stdout.fileno() in streams:  # until it is held, or it ends without being held
                for fd in select.select(streams, [], [])[0]:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:  # the child closed its terminal
                        data = b""
                    if not data:
                        streams.remove(fd)
                    elif fd == proc.stdout.fileno():
                        out += data
                    else:
                        err += data
                if f"{HELD} {target}\n".encode() in out:
                    proc.send_signal(signal.SIGKILL)
                    break
        finally:
            if proc.poll() is None and f"{HELD} {target}\n".encode() not in out:
                proc.kill()
            proc.wait(timeout=60)
            if tty:
                while select.select([master], [], [], 0)[0]:
                    try:
                        data = os.read(master, 4096)
                    except OSError:
                        break
                    if not data:
                        break
                    err += data
                os.close(master)
            else:
                err_file.seek(0)
                err = err_file.read()
            proc.stdout.close()
    return out.decode(errors="replace"), err.decode(errors="replace"), proc.returncode


def _assert_killed_where_held(point: tuple[str, int], out: str, err: str, code: int) -> None:
    assert f"{HELD} {point[0]}" in out, (out[-500:], err[-2000:])  # it reached the point, and ...
    assert code == -signal.SIGKILL, (code, err[-2000:])  # ... died there


def test_ingest_killed_half_way_leaves_the_previous_index_answering(small, tmp_path: Path) -> None:
    data_dir, corpus = _home(small, tmp_path)
    active_before = _store(data_dir).active_name()
    env = _env(data_dir, _grown_corpus(tmp_path, corpus))
    out, bar, code = _kill_when_held(SECOND_BATCH, ["ingest"], env, tty=True)
    _assert_killed_where_held(SECOND_BATCH, out, bar, code)
    # killed inside embedding the 40 new clauses' texts - the document's title, 40 section paths and
    # 80 sentences; the rest are reused - (their first batch done: the bar may or may not have redrawn
    # it yet, tqdm redraws at most every 0.1 s), on a terminal that showed the bar
    assert "embedding clauses" in bar and re.search(r"\d+/121\b", bar), bar[-500:]

    assert _store(data_dir).active_name() == active_before
    answer = _in_process("ask", "--json", QUESTION, env=_env(data_dir, corpus))
    assert answer.returncode == 0, answer.stderr.decode()
    assert SAYS in json.loads(answer.stdout)["answer"]

    again = _in_process("ingest", env=env)
    assert again.returncode == 0, again.stderr.decode()
    assert "索引已建立" in again.stdout.decode()
    store = _store(data_dir)
    assert store.active_name() != active_before
    assert len([c for c in store.load().clauses if c.doc_id == "task-list"]) == 40


def test_damaged_index_is_rebuilt_with_a_clear_message(small, tmp_path: Path) -> None:
    data_dir, corpus = _home(small, tmp_path)
    db = data_dir / "index" / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])  # truncated between runs
    proc = _cli("ask", "--json", QUESTION, env=_env(data_dir, corpus))
    assert proc.returncode == 0
    err = proc.stderr.decode()
    assert "rebuilding it from the corpus" in err and "Traceback" not in err
    assert SAYS in json.loads(proc.stdout)["answer"]


def test_missing_index_is_built_on_first_question(small, tmp_path: Path) -> None:
    proc = _in_process("ask", "--json", QUESTION, env=_env(tmp_path, small / "corpus"))
    assert proc.returncode == 0 and SAYS in json.loads(proc.stdout)["answer"]
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
    """A data dir with a built index of the two-document test corpus (built in-process: the
    processes are what the tests below start): the environment of `redmud` there."""
    env = _env(tmp_path, F.make_corpus(tmp_path / "corpus"))
    built = _in_process("ingest", env=env)
    assert built.returncode == 0, built.stderr.decode()
    return env


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
    snapshot = _store(tmp_path).load()
    assert len(snapshot.documents) == 2 and snapshot.clauses


def test_a_write_failure_is_not_corruption(tmp_path: Path) -> None:
    """A read-only `redmud ask` that cannot write (RLIMIT_FSIZE 0: a full disk, as far as it knows)
    fails with one line and leaves the healthy index where it is (issue 12, item 5)."""
    import resource

    env = _small(tmp_path)
    active = _store(tmp_path).active_name()

    def no_writes() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    proc = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", QUESTION],
                          env=env, cwd=ROOT, capture_output=True, timeout=300, preexec_fn=no_writes)
    err = proc.stderr.decode()
    assert "rebuilding it from the corpus" not in err and "Traceback" not in err
    if proc.returncode != 0:
        assert "nothing can be written there" in err and "left as it is" in err
    assert _broken_dirs(tmp_path) == [] and (tmp_path / "index").is_dir()
    again = _in_process("ask", "--json", QUESTION, env=env)
    assert again.returncode == 0 and SAYS in json.loads(again.stdout)["answer"]
    assert _store(tmp_path).active_name() == active


def test_a_killed_ingest_never_leaves_a_document_only_in_the_library(tmp_path: Path) -> None:
    """SIGKILL at three moments of `redmud ingest FILE`: every document the library holds is in
    the index, and the next ingest finishes or forgets the interrupted change (issue 12, item 4).

    The moments: (1) while the new index is embedded (the change is journalled, nothing swapped);
    (2) the next try, after its index is swapped in and before the library is written; (3) the
    next, while it finishes the change that (2) left (the document's files just written, the
    journal still there)."""
    env = _small(tmp_path)
    plan = tmp_path / "big-plan.txt"
    plan.write_text(_tasks(40), encoding="utf-8")
    ingest = ["ingest", str(plan), "--doc-id", "big-plan", "--replace"]
    journal = tmp_path / "library" / "journal.json"

    def in_library() -> set[str]:
        return {p.stem for p in (tmp_path / "library" / "docs").glob("*.json")}

    def indexed() -> set[str]:
        record = _store(tmp_path).active_record()
        assert record is not None
        return {d["doc_id"] for d in json.loads(record["documents"])}

    seen = []
    for point in (SECOND_BATCH, LIBRARY_WRITE, LIBRARY_WRITTEN):
        out, err, code = _kill_when_held(point, ingest, env)
        _assert_killed_where_held(point, out, err, code)
        assert journal.exists()  # killed in the middle of a change
        assert in_library() <= indexed(), (point, in_library(), indexed())
        seen.append(("big-plan" in in_library(), "big-plan" in indexed()))
    # (1) nothing changed yet; (2) only the index has it; (3) both have it
    assert seen == [(False, False), (False, True), (True, True)]

    done = _in_process(*ingest, env=env)
    assert done.returncode == 0, done.stderr.decode()
    docs = _in_process("docs", env=env).stdout.decode()
    assert "big-plan" in docs and not journal.exists()
    assert in_library() <= indexed() and "big-plan" in in_library()


def test_a_fault_of_the_code_is_not_taken_for_a_damaged_index(answerer, monkeypatch) -> None:
    """A NameError in retrieval would fail again on a rebuilt index: it is raised, not repaired."""
    import chains.service as service

    repairs: list[str] = []
    monkeypatch.setattr(answerer.index, "repair", lambda reason: repairs.append(reason))

    def broken(*args, **kwargs):
        raise NameError("name '_PROVINCES' is not defined")

    monkeypatch.setattr(service, "retrieve", broken)
    with pytest.raises(NameError):
        answerer.answer("赤泥综合利用有哪些税收优惠")
    assert repairs == []
