"""`make bench`: measure, print a table, and write it into the README between markers."""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| figure | measured | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    args = parser.parse_args()
    from bot.app import configure_logging

    configure_logging("WARNING")
    from bench.core import run_core

    rows = run_core()
    for extra in ("bench.bench_bot", "bench.soak", "bench.bench_library"):
        try:
            module = __import__(extra, fromlist=["rows"])
        except ImportError:
            continue
        rows += module.rows()
    cpus = len(__import__("os").sched_getaffinity(0))
    stamp = f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} Linux, {cpus} cores, Python {platform.python_version()}."
    text = f"{stamp}\n\n{table(rows)}"
    print(text)
    readme = ROOT / "README.md"
    if not args.no_readme and readme.exists():
        content = readme.read_text(encoding="utf-8")
        if START in content and END in content:
            head, rest = content.split(START, 1)
            _, tail = rest.split(END, 1)
            readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
            print("\n(README.md updated)")


if __name__ == "__main__":
    main()
