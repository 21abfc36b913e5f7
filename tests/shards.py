"""The test suite as a few pytest processes at once (`make test`, `make test-fast`):

    python -m tests.shards [--session-index] [--shard PATH[,PATH...]]... -- PYTEST_ARGS...

Each ``--shard`` names test files or folders that one pytest process runs (less what another
shard names inside them); one more process runs everything else (the configured testpaths, the
named paths ignored), so every test runs exactly once. With ``--session-index`` the session index (tests/conftest.py) is built once, in a process
of its own (tests/session_index.py), beside them all; each pytest process runs the modules that
do not need it first, then waits for it and copies it.

Why: on the 2-core machine one pytest process leaves a core idle most of the time. Much of the
suite waits (deadlines, retries and long polls against the loopback servers), or runs one
`redmud` process at a time, or one e5 thread at a time.

The first process writes to the terminal as it goes; the others' output follows, each whole, as
they end. Each process keeps its own pytest cache (.pytest_cache/shard-N), so that their
last-failed lists do not overwrite each other. The exit code is the first non-zero one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str]) -> tuple[bool, list[list[str]], list[str]]:
    if "--" not in argv:
        raise SystemExit("usage: python -m tests.shards [--session-index] [--shard PATHS]... -- PYTEST_ARGS...")
    ours, pytest_args = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    session_index, shards = False, []
    while ours:
        arg = ours.pop(0)
        if arg == "--session-index":
            session_index = True
        elif arg == "--shard" and ours:
            shards.append([p for p in ours.pop(0).split(",") if p])
        else:
            raise SystemExit(f"tests.shards: unexpected argument {arg!r}")
    for path in (p for shard in shards for p in shard):
        if not (ROOT / path).exists():
            raise SystemExit(f"tests.shards: no such test path {path!r}")
    return session_index, shards, pytest_args


def main(argv: list[str]) -> int:
    session_index, shards, pytest_args = parse(argv)
    named = [p for shard in shards for p in shard]

    def inside(path: str, folders: list[str]) -> bool:
        return any(path != folder and Path(path).is_relative_to(folder) for folder in folders)

    commands = [[*shard, *(f"--ignore={p}" for p in named if p not in shard and inside(p, shard))] for shard in shards]
    commands.append([f"--ignore={p}" for p in named])
    env = dict(os.environ)
    builder, home = None, None
    started = time.monotonic()
    procs: list[tuple[subprocess.Popen, IO[bytes] | None]] = []
    try:
        if session_index:
            from tests import session_index as index

            home = Path(tempfile.mkdtemp(prefix="redmud-session-index-"))
            builder_env = {k: v for k, v in env.items() if not k.startswith(("REDMUD_", "OPENAI_", "TELEGRAM_", "CHROMA_"))}
            log = (home / "build.log").open("wb")
            builder = index.start(home, builder_env, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            env["REDMUD_TEST_SESSION_INDEX"] = str(home)
        for n, paths in enumerate(commands):
            cmd = [sys.executable, "-m", "pytest", "-o", f"cache_dir=.pytest_cache/shard-{n}", *pytest_args, *paths]
            out = None if n == 0 else tempfile.TemporaryFile()
            procs.append((subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT), out))
        codes = []
        for n, (proc, out) in enumerate(procs):
            codes.append(proc.wait())
            label = " ".join(shards[n]) if n < len(shards) else "the rest"
            if out is not None:
                sys.stdout.write(f"\n----- tests.shards: {label} -----\n")
                sys.stdout.flush()
                out.seek(0)
                shutil.copyfileobj(out, sys.stdout.buffer)
                sys.stdout.buffer.flush()
        summary = ", ".join(f"{' '.join(shards[n]) if n < len(shards) else 'the rest'}: exit {code}"
                            for n, code in enumerate(codes))
        print(f"\n----- tests.shards: {len(procs)} pytest processes, {time.monotonic() - started:.0f} s ({summary})")
        return next((code for code in codes if code), 0)
    finally:
        for proc, out in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
            if out is not None:
                out.close()
        if builder is not None:
            if builder.poll() is None:  # no test needed the index
                builder.kill()
            builder.wait()
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
