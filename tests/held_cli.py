"""`redmud ARGS` in a real process that stops for good at a named point, so that a test can
SIGKILL it exactly there rather than after a guessed number of seconds.

    python -m tests.held_cli MODULE:QUALNAME N -- ARGS...

runs ``bot.cli.main(ARGS)`` unchanged, except that the N-th call of ``MODULE.QUALNAME`` (a
function or method, e.g. ``knowledge.library:Library.add``) never starts: the process writes
``HELD MODULE:QUALNAME`` on a line of its standard output and waits there, holding whatever
it holds (the knowledge lock, a half-built index), until it is killed. Calls before the N-th
run as usual. A process that never reaches the point runs to the end and exits as `redmud`
would; the tests assert that it was held, so a renamed function fails them instead of letting
them pass without a kill.
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading
from typing import Any

HELD = "HELD"


def hold_at(target: str, nth: int) -> None:
    module_name, _, qualname = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = 0

    @functools.wraps(original)
    def held(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth:
            sys.stdout.write(f"{HELD} {target}\n")
            sys.stdout.flush()
            threading.Event().wait()  # until SIGKILL
        return original(*args, **kwargs)

    setattr(owner, name, held)


def main(argv: list[str]) -> int:
    target, nth, sep, *args = argv
    if sep != "--":
        raise SystemExit("usage: python -m tests.held_cli MODULE:QUALNAME N -- ARGS...")
    hold_at(target, int(nth))
    from bot.cli import main as redmud

    return redmud(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
