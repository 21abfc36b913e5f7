"""Figures for a library of hundreds of documents, beside the same at the bundled five, in one run:
full ingest from scratch, adding one document (only its clauses embedded), warm answer p50/p95,
and peak RSS of a process answering; plus the peak RSS of reading the largest upload the ingest
limits accept (issue 12: what one document may cost before it is refused).

`python -m bench.bench_library [--docs 200]` prints a table; `make bench` (bench/run.py) collects
``rows()``. The 200-document corpus is generated at bench time (bench/library_fixture.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "eval.jsonl"
# Peak RSS of the child's own memory: /proc's VmHWM, not getrusage's ru_maxrss, which Linux carries
# over fork and exec, so a child of this (large) bench process would report the parent's size.
PEAK_MB = """
def peak_mb():
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""
ANSWER_RSS = PEAK_MB + """
import sys
from bot.app import build_services
from bot.settings import Settings
services = build_services(Settings(_env_file=None), llm=False)
for line in sys.stdin:
    services.answerer.answer(line.strip())
print(peak_mb())
"""
INTAKE_RSS = PEAK_MB + """
import sys
from knowledge.intake import prepare
before = peak_mb()
candidate = prepare(sys.argv[1], open(sys.argv[2], "rb").read(), {})
print(before, peak_mb(), len(candidate.clauses))
"""


@dataclass
class Scale:
    documents: int
    clauses: int
    ingest_s: float
    embedded_texts: int  # distinct texts (titles, section paths, sentences) the full ingest embedded
    add_one_s: float
    add_one_embedded: int
    p50_ms: float
    p95_ms: float
    rss_mb: float


def _env(data_dir: Path, corpus: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDMUD_", "OPENAI_", "TELEGRAM_", "CHROMA_"))}
    env["REDMUD_DATA_DIR"] = str(data_dir)
    if corpus is not None:
        env["REDMUD_CORPUS_DIR"] = str(corpus)
    return env


def _questions() -> list[str]:
    return [json.loads(x)["q"] for x in CASES.read_text(encoding="utf-8").splitlines() if x.strip()]


def measure(data_dir: Path, corpus: Path | None) -> Scale:
    from bot.app import build_services
    from bot.settings import Settings
    from knowledge.catalog import Upload
    from tests import staff_files as F

    settings = Settings(_env_file=None, data_dir=data_dir, corpus_dir=corpus)  # type: ignore[call-arg]
    services = build_services(settings, llm=False)
    started = time.perf_counter()
    report = services.catalog.rebuild()
    ingest_s = time.perf_counter() - started
    _progress(f"{report.documents} documents, {report.clauses} clauses, {report.embedded} texts embedded:"
              f" full ingest {ingest_s:.1f} s")
    services.answerer.warm_up()

    upload = Upload("shanxi.txt", F.SHANXI.encode(), {"doc_id": "bench-added", "jurisdiction": "山西"})
    started = time.perf_counter()
    (added,) = services.catalog.add([upload])
    add_one_s = time.perf_counter() - started
    embedded = services.catalog.last_build.embedded if services.catalog.last_build else -1
    _progress(f"{report.documents} documents: adding one ({added.clauses} clauses, {embedded} embedded) {add_one_s:.1f} s")

    questions = _questions()
    latencies = []
    for _ in range(2):
        for q in questions:
            t = time.perf_counter()
            services.answerer.answer(q)
            latencies.append((time.perf_counter() - t) * 1000)
    _progress(f"{report.documents} documents: warm p50 {np.percentile(latencies, 50):.0f} ms")
    proc = subprocess.run([sys.executable, "-c", ANSWER_RSS], input="\n".join(questions) + "\n", text=True,
                          capture_output=True, env=_env(data_dir, corpus), cwd=ROOT, check=True)
    return Scale(report.documents, report.clauses, ingest_s, report.embedded, add_one_s, embedded,
                 float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95)),
                 float(proc.stdout.strip().splitlines()[-1]))


def _progress(line: str) -> None:
    """Figures as they come (a 200-document run takes many minutes on a busy machine)."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def largest_upload_rss(folder: Path) -> tuple[float, int, int]:
    """Peak RSS (MB) of reading and parsing a .docx just inside the default limits."""
    import docx

    from knowledge.refusals import DEFAULT_LIMITS

    document = docx.Document()
    paragraph = "（一）推进赤泥综合利用。支持企业建设赤泥制砖生产线，年利用赤泥100万吨，各地要加强组织实施。"
    per_heading = 20
    count = min(DEFAULT_LIMITS.max_paragraphs - 100, DEFAULT_LIMITS.max_text_chars // (len(paragraph) + 1) - 100)
    for i in range(count):
        document.add_paragraph(f"{i // per_heading % 10 + 1}、第{i}部分" if i % per_heading == 0 else paragraph)
    path = folder / "largest.docx"
    document.save(str(path))
    proc = subprocess.run([sys.executable, "-c", INTAKE_RSS, path.name, str(path)], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    _, peak, clauses = proc.stdout.split()
    return float(peak), path.stat().st_size, int(clauses)


def run(docs: int = 200) -> tuple[Scale, Scale, tuple[float, int, int]]:
    from bench.library_fixture import generate

    with tempfile.TemporaryDirectory(prefix="redmud-bench-library-") as tmp:
        root = Path(tmp)
        small = measure(root / "five", None)
        large = measure(root / "many", generate(root / "corpus", docs))
        upload = largest_upload_rss(root)
    return small, large, upload


def rows(docs: int = 200) -> list[tuple[str, str, str, bool | None]]:
    """Rows for `make bench` (bench/run.py): (figure, measured, target, met)."""
    small, large, (upload_rss, upload_bytes, upload_clauses) = run(docs)
    full = docs >= 200  # the targets are for 200 documents; a smaller run (--docs 40) is context only
    return [
        (f"full ingest, {small.documents} / {large.documents} documents ({small.clauses} / {large.clauses} clauses;"
         f" {small.embedded_texts} / {large.embedded_texts} distinct texts embedded)",
         f"{small.ingest_s:.1f} s / {large.ingest_s:.1f} s", "200 documents <= 300 s",
         large.ingest_s <= 300 if full else None),
        (f"add one document to {small.documents} / {large.documents} ({large.add_one_embedded} texts embedded)",
         f"{small.add_one_s:.1f} s / {large.add_one_s:.1f} s", "to 200: <= 20 s", large.add_one_s <= 20 if full else None),
        (f"warm answer p50 / p95 at {small.documents} documents", f"{small.p50_ms:.0f} / {small.p95_ms:.0f} ms", "—", None),
        (f"warm answer p50 / p95 at {large.documents} documents", f"{large.p50_ms:.0f} / {large.p95_ms:.0f} ms",
         f"p50 <= 1.5 x {small.p50_ms:.0f} ms", large.p50_ms <= 1.5 * small.p50_ms if full else None),
        (f"peak RSS answering, {small.documents} / {large.documents} documents",
         f"{small.rss_mb:.0f} MB / {large.rss_mb:.0f} MB", "<= 600 MB", large.rss_mb <= 600),
        (f"peak RSS reading the largest accepted upload ({upload_bytes / 2**20:.1f} MB .docx, {upload_clauses} clauses)",
         f"{upload_rss:.0f} MB", "bounded by the ingest limits", None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()
    from bot.app import configure_logging

    configure_logging("WARNING")
    for figure, measured, target, met in rows(args.docs):
        print(f"| {figure} | {measured} | {target}{' **(missed)**' if met is False else ''} |")


if __name__ == "__main__":
    main()
