"""Score the dev split (every eval case not in tests/data/heldout.txt), printing dev failures only.

Why: tuning must never look at the held-out fifth; this prints held-out figures as totals only
(with --heldout), never their questions or failures.
Usage: python -m bench.dev_eval [--heldout]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chains.evaluate import load_cases, score, summarise

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def heldout_ids() -> set[str]:
    lines = (DATA / "heldout.txt").read_text(encoding="utf-8").splitlines()
    return {x.strip() for x in lines if x.strip() and not x.startswith("#")}


def all_cases() -> list[dict]:
    """Every eval case: each ``tests/data/eval*.jsonl`` (a file added there counts like the others)."""
    return [c for path in sorted(DATA.glob("eval*.jsonl")) for c in load_cases(path)]


def split_cases(split: str) -> list[dict]:
    held = heldout_ids()
    cases = all_cases()
    return [c for c in cases if (c["id"] in held) == (split == "heldout")]


def main() -> None:
    from bot.app import build_services
    from bot.settings import Settings

    services = build_services(Settings(), llm=False)
    services.answerer.warm_up()
    for split in ["dev"] + (["heldout"] if "--heldout" in sys.argv else []):
        results = [score(c, services.answerer.answer(c["q"])) for c in split_cases(split)]
        if split == "dev":
            for r in results:
                if not r.correct:
                    print(f"{r.id} {'R' if not r.retrieval_ok else ' '} {r.question[:50]} :: {r.problems}")
        print(split, summarise(results))


if __name__ == "__main__":
    main()


def publish(report: dict, out: Path) -> None:
    """Print a fit's report; with ``--write`` on the command line, also write it to ``out`` (the
    data file the product reads)."""
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if "--write" in sys.argv:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written: {out}")
