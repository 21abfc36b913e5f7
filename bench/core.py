"""Figures for the core: warm latency, cold `redmud ask`, full ingest, peak RSS, and retrieval
hit rate against the textbook recipe (RecursiveCharacterTextSplitter 500/50, same embeddings, top 5).

Run by hand (`python -m bench.run`) or `make bench`; never from the test suite.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "eval.jsonl"


def _cases() -> list[dict]:
    return [json.loads(x) for x in CASES.read_text(encoding="utf-8").splitlines() if x.strip()]


def _settings(data_dir: Path):
    from bot.settings import Settings

    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p)) if values else float("nan")


def bench_ingest(data_dir: Path) -> float:
    """A full build from scratch: parse, embed every clause, write Chroma, load BM25."""
    from knowledge.corpus import load_corpus
    from knowledge.embeddings import E5Embeddings
    from knowledge.index import ClauseStore, open_client

    started = time.perf_counter()
    store = ClauseStore(open_client(data_dir / "index"), E5Embeddings())
    store.build(load_corpus())
    store.load()
    return time.perf_counter() - started


def bench_warm(data_dir: Path, rounds: int = 3) -> dict[str, float]:
    from bot.app import build_services

    services = build_services(_settings(data_dir), llm=False)
    services.answerer.warm_up()
    latencies = measure(services, [c["q"] for c in _cases()], rounds)
    return {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "n": len(latencies)}


def measure(services: Any, questions: list[str], rounds: int) -> list[float]:
    """Milliseconds per warm answer, every question ``rounds`` times (the contention bench too)."""
    latencies = []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            services.answerer.answer(q)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDMUD_", "OPENAI_", "TELEGRAM_", "CHROMA_"))}
    env["REDMUD_DATA_DIR"] = str(data_dir)
    return env


def bench_cold(data_dir: Path, runs: int = 3) -> float:
    redmud = Path(sys.executable).with_name("redmud")
    cmd = [str(redmud)] if redmud.exists() else [sys.executable, "-m", "bot.cli"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*cmd, "ask", "--json", "赤泥综合利用企业可以享受税收优惠吗？"], env=_env(data_dir),
                       capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_rss(data_dir: Path) -> float:
    """Peak RSS (MB) of one `ask --json -` process answering every eval question."""
    from bench.bench_library import PEAK_MB

    questions = "\n".join(c["q"] for c in _cases()) + "\n"
    # the CLI itself, reporting its own peak (VmHWM) at exit: getrusage's maxrss would carry over the
    # size of this bench process, which forked it
    script = PEAK_MB + ("import atexit, runpy, sys\n"
                        "atexit.register(lambda: print('PEAK_MB', peak_mb(), file=sys.stderr))\n"
                        "sys.argv = ['redmud', 'ask', '--json', '-']\n"
                        "runpy.run_module('bot.cli', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", script], input=questions.encode(), env=_env(data_dir),
                          capture_output=True, check=True, cwd=ROOT)
    line = next(x for x in proc.stderr.decode().splitlines() if x.startswith("PEAK_MB"))
    return float(line.split()[1])


def _hit(case: dict, chunks: list[tuple[str, str]]) -> bool:
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    return all(any(doc == e["doc"] and squash(e["phrase"]) in squash(text) for doc, text in chunks) for e in case["expect"])


def bench_baseline(data_dir: Path) -> dict[str, float]:
    """Retrieval hit rate of the textbook recipe against ours, on the eval cases that expect clauses."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from bot.app import build_services
    from knowledge.corpus import BUNDLED_CORPUS, load_manifest
    from knowledge.embeddings import E5Embeddings

    cases = [c for c in _cases() if c.get("expect")]
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    chunks: list[tuple[str, str]] = []
    for meta in load_manifest(BUNDLED_CORPUS):
        raw = (BUNDLED_CORPUS / (meta.file or f"{meta.doc_id}.txt")).read_text(encoding="utf-8")
        chunks += [(meta.doc_id, c) for c in splitter.split_text(raw)]
    emb = E5Embeddings()
    matrix = np.asarray(emb.embed_documents([c for _, c in chunks]))
    baseline_hits = 0
    for case in cases:
        q = np.asarray(emb.embed_query(case["q"]))
        top = np.argsort(-(matrix @ q))[:5]
        baseline_hits += _hit(case, [chunks[i] for i in top])
    services = build_services(_settings(data_dir), llm=False)
    ours = 0
    for case in cases:
        answer = services.answerer.answer(case["q"])
        ours += _hit(case, [(c.doc_id, c.text) for c in answer.citations])
    return {"cases": len(cases), "baseline": baseline_hits / len(cases), "ours": ours / len(cases), "chunks": len(chunks)}


def run_core() -> list[tuple[str, str, str, bool | None]]:
    """Rows of (figure, measured, target, met)."""
    with tempfile.TemporaryDirectory(prefix="redmud-bench-") as tmp:
        data_dir = Path(tmp)
        ingest_s = bench_ingest(data_dir)
        warm = bench_warm(data_dir)
        cold = bench_cold(data_dir)
        rss = bench_rss(data_dir)
        base = bench_baseline(data_dir)
    return [
        ("warm answer latency p50", f"{warm['p50_ms']:.1f} ms", "<= 40 ms", warm["p50_ms"] <= 40),
        ("warm answer latency p95", f"{warm['p95_ms']:.1f} ms", "<= 120 ms", warm["p95_ms"] <= 120),
        ("cold `redmud ask` wall time", f"{cold:.2f} s", "<= 3 s", cold <= 3),
        ("full ingest (5 documents, from scratch)", f"{ingest_s:.1f} s", "<= 15 s", ingest_s <= 15),
        ("peak RSS, `ask --json -` over the eval set", f"{rss:.0f} MB", "<= 400 MB", rss <= 400),
        (f"retrieval hit rate, textbook recipe ({base['chunks']} chunks, top 5)", f"{base['baseline']:.2f}",
         f"{int(base['cases'])} cases", None),
        ("retrieval hit rate, ours (clauses, hybrid, <= 6 cited)", f"{base['ours']:.2f}", f"{int(base['cases'])} cases",
         None),
    ]
