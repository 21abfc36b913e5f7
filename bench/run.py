"""`make bench`: measure, print a table, write it to bench/results/, exit 1 if a target is missed.

The README's figures change only when asked (`make bench-readme`, i.e. `--readme`): a run on a
busy laptop must not rewrite a tracked file. Every run leaves `bench/results/latest.md` and
`latest.json` plus a dated copy of each (bench/results/ is not tracked).

Rows are (figure, measured, target) or (figure, measured, target, met): `met` is True or False
where the target is a bound this run can check, None (or absent) where it is context.
`--only NAME` runs one part (core, contention, bot, soak, library), e.g. after changing it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
PARTS = {"core": "bench.core", "contention": "bench.contention", "bot": "bench.bench_bot", "soak": "bench.soak",
         "library": "bench.bench_library"}

Row = tuple[str, str, str, bool | None]


def table(rows: list[Row]) -> str:
    lines = ["| figure | measured | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c}{' **(missed)**' if ok is False else ''} |" for a, b, c, ok in rows]
    return "\n".join(lines)


def _normalise(row: tuple) -> Row:
    return (row[0], row[1], row[2], row[3] if len(row) > 3 else None)


def collect(parts: list[str]) -> list[Row]:
    rows: list[Row] = []
    for part in parts:
        try:
            module = importlib.import_module(PARTS[part])
        except ImportError:
            continue
        make = getattr(module, "run_core", None) or module.rows
        rows += [_normalise(r) for r in make()]
    return rows


def write_results(text: str, rows: list[Row]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = [{"figure": a, "measured": b, "target": c, "met": ok} for a, b, c, ok in rows]
    for name in ("latest", stamp):
        (RESULTS / f"{name}.md").write_text(text + "\n", encoding="utf-8")
        (RESULTS / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return RESULTS / f"{stamp}.md"


def update_readme(text: str, readme: Path = ROOT / "README.md") -> bool:
    content = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if START not in content or END not in content:
        return False
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", action="store_true", help="also write the table into README.md")
    parser.add_argument("--only", choices=sorted(PARTS), action="append", help="run only this part (repeatable)")
    args = parser.parse_args(argv)
    if args.readme and args.only:
        parser.error("--readme replaces the whole table: run every part (no --only)")
    from bot.app import configure_logging

    configure_logging("WARNING")
    rows = collect(args.only or list(PARTS))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f" (load average {os.getloadavg()[0]:.1f} at the end)" if hasattr(os, "getloadavg") else ""
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} {platform.system()}, {cpus} cores, "
             f"Python {platform.python_version()}{load}.")
    text = f"{stamp}\n\n{table(rows)}"
    print(text)
    print(f"\n(written to {write_results(text, rows).relative_to(ROOT)} and bench/results/latest.md)")
    if args.readme:
        print("(README.md updated)" if update_readme(text) else "(README.md has no bench markers: not updated)")
    missed = [r[0] for r in rows if r[3] is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
