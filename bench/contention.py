"""Warm answer latency when something else embeds at the same time, for `make bench`.

Three measurements of the same workload (every eval question, `ROUNDS` times, one process,
warm): quiet; while a second process answers the same questions in a loop (a second bot
replica); and while a second process ingests 50 documents into its own index (staff adding
documents while the bot serves). Target: p95 under contention <= 3x the quiet p95.

Why: the e5 engine's OpenMP teams used every core, so two processes embedding at once spun
against each other and answers went from ~17 ms to ~1.6 s. REDMUD_ENCODER_THREADS (default every
core up to four) and the engine threads' short spin (GOMP_SPINCOUNT) are what this measures. `python -m bench.contention` prints the rows alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3
INGEST_DOCS = 50
TARGET_RATIO = 3.0


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDMUD_", "OPENAI_", "TELEGRAM_", "CHROMA_"))}
    return {**env, "REDMUD_DATA_DIR": str(data_dir), **extra}


def _questions() -> list[str]:
    cases = (ROOT / "tests" / "data" / "eval.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["q"] for line in cases if line.strip()]


def _measure(services: Any, questions: list[str], rounds: int = ROUNDS) -> list[float]:
    from bench.core import measure

    return measure(services, questions, rounds)


def _fifty_documents(dest: Path, n: int = INGEST_DOCS) -> Path:
    """A corpus of `n` documents: the bundled five, each repeated with every sentence changed a
    little, so that every sentence must be embedded (vectors are reused by text)."""
    from knowledge.corpus import BUNDLED_CORPUS

    dest.mkdir(parents=True)
    manifest = json.loads((BUNDLED_CORPUS / "manifest.json").read_text(encoding="utf-8"))
    base, docs = manifest["documents"], []
    for i in range(n):
        doc = base[i % len(base)]
        text = (BUNDLED_CORPUS / doc.get("file", f"{doc['doc_id']}.txt")).read_text(encoding="utf-8")
        name = f"{doc['doc_id']}-copy{i}"
        (dest / f"{name}.txt").write_text(text.replace("。", f"（第{i // len(base) + 1}份）。"), encoding="utf-8")
        docs.append({**doc, "doc_id": name, "file": f"{name}.txt"})
    (dest / "manifest.json").write_text(json.dumps({**manifest, "documents": docs}, ensure_ascii=False),
                                        encoding="utf-8")
    return dest


def _second_replica(data_dir: Path) -> subprocess.Popen:
    """`redmud ask --json -` fed the eval questions over and over (until its stdin closes)."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.contention", "--replica"], env=_env(data_dir), cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.readline()  # "ready": warm, and answering from now on
    return proc


def _embedding_ingest(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """`redmud ingest`, returned once it is embedding: its stderr is a pseudo-terminal, so it
    draws a progress bar, and the bar's first line says that start-up is over."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = ""
    while "embedding clauses" not in seen and proc.poll() is None:
        if select.select([master], [], [], 1.0)[0]:
            seen += os.read(master, 4096).decode(errors="replace")
    _drain(master)
    return proc, master


def _drain(fd: int) -> None:
    """Keep reading the ingest's terminal so that its progress bar never blocks on a full buffer."""
    import threading

    def drain() -> None:
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()


def _replica_main() -> None:
    """The second process: answer the eval questions in a loop until stdin is closed."""
    import threading

    from bot.app import build_services
    from bot.settings import Settings

    services = build_services(Settings(), llm=False)
    services.answerer.warm_up()
    stop = threading.Event()

    def until_stdin_closes() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    print("ready", flush=True)
    questions = _questions()
    while not stop.is_set():
        for q in questions:
            services.answerer.answer(q)


def measure(data_dir: Path) -> dict[str, dict[str, float]]:
    """p50/p95 (ms) of the workload: quiet, beside a second replica, beside an ingest."""
    from bench.core import percentile
    from bot.app import build_services
    from bot.settings import Settings

    services = build_services(Settings(_env_file=None, data_dir=data_dir), llm=False)  # type: ignore[call-arg]
    services.answerer.warm_up()
    questions = _questions()
    results: dict[str, dict[str, float]] = {}

    def record(name: str, latencies: list[float], **extra: float) -> None:
        results[name] = {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), **extra}

    record("quiet", _measure(services, questions))

    replica = _second_replica(data_dir)
    try:
        record("replica", _measure(services, questions))
    finally:
        assert replica.stdin is not None
        replica.stdin.close()
        replica.wait(timeout=120)

    with tempfile.TemporaryDirectory(prefix="redmud-bench-ingest-") as tmp:
        corpus = _fifty_documents(Path(tmp) / "corpus")
        ingest, terminal = _embedding_ingest(_env(Path(tmp) / "data", REDMUD_CORPUS_DIR=str(corpus)))
        try:
            latencies = _measure(services, questions)
            still_running = ingest.poll() is None
        finally:
            ingest.terminate()
            ingest.wait(timeout=120)
            os.close(terminal)
        record("ingest", latencies, overlapped=float(still_running))
        shutil.rmtree(Path(tmp) / "data", ignore_errors=True)
    return results


def rows(data_dir: Path | None = None) -> list[tuple[str, str, str, bool | None]]:
    """(figure, measured, target, met) rows for bench/run.py."""
    if data_dir is None:
        with tempfile.TemporaryDirectory(prefix="redmud-bench-contention-") as tmp:
            return rows(Path(tmp))
    from knowledge.embeddings import E5Embeddings

    r = measure(data_dir)
    quiet = r["quiet"]["p95_ms"]
    limit = TARGET_RATIO * quiet
    threads = E5Embeddings().encoder_threads
    overlap = "" if r["ingest"]["overlapped"] else " (the ingest ended before the measurement: not overlapped)"
    return [
        (f"warm p50 / p95, quiet ({len(_questions())} questions x {ROUNDS}, encoder threads {threads})",
         f"{r['quiet']['p50_ms']:.1f} / {quiet:.1f} ms", "—", None),
        ("warm p50 / p95, a second process answering the same questions",
         f"{r['replica']['p50_ms']:.1f} / {r['replica']['p95_ms']:.1f} ms", f"p95 <= {limit:.0f} ms (3x quiet)",
         r["replica"]["p95_ms"] <= limit),
        (f"warm p50 / p95, a second process ingesting {INGEST_DOCS} documents{overlap}",
         f"{r['ingest']['p50_ms']:.1f} / {r['ingest']['p95_ms']:.1f} ms", f"p95 <= {limit:.0f} ms (3x quiet)",
         r["ingest"]["p95_ms"] <= limit and bool(r["ingest"]["overlapped"])),
    ]


if __name__ == "__main__":
    if "--replica" in sys.argv:
        _replica_main()
    else:
        from bot.app import configure_logging

        configure_logging("WARNING")
        for row in rows():
            print(" | ".join(str(x) for x in row))
