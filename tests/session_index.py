"""The session index (tests/conftest.py, ``services``), built in a process of its own:

    python -m tests.session_index HOME

builds the index of the bundled corpus into HOME/data with the tests' own settings (none of the
developer's environment, no `.env`; the same that ``services`` builds with when it has to) and
writes HOME/built when it is done. Whoever starts it (``start`` below: tests/conftest.py, or
tests/shards.py for several pytest processes) takes an exclusive lock on HOME/lock and hands it
to this process, which holds it until it ends, however it ends; ``wait`` blocks on that lock.
So the minute of e5 that the build costs overlaps with the tests that do not need the index,
and the tests that do wait for it without polling and without a timeout.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(home: Path, env: dict[str, str], **popen: object) -> subprocess.Popen:
    """Start building into ``home`` (a new, empty folder); the build holds HOME/lock while it runs."""
    fd = os.open(home / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return subprocess.Popen([sys.executable, "-m", "tests.session_index", str(home)], cwd=ROOT, env=env,
                                pass_fds=(fd,), stdin=subprocess.DEVNULL, **popen)  # type: ignore[call-overload]
    finally:
        os.close(fd)  # the child's copy keeps the lock


def wait(home: Path) -> Path | None:
    """Wait for the build into ``home`` to end: the data dir with its index, or None if it failed."""
    try:
        fd = os.open(home / "lock", os.O_RDONLY)
    except FileNotFoundError:  # nothing was started there
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)
    data = home / "data"
    return data if (home / "built").exists() and (data / "index").is_dir() else None


def main(argv: list[str]) -> int:
    from bot.app import build_services
    from tests.conftest import make_settings  # clears the developer's REDMUD_* settings on import

    (home,) = argv
    built = build_services(make_settings(Path(home) / "data"), llm=False)
    built.index.snapshot()  # builds the index: it is missing
    (Path(home) / "built").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
