"""Builds the session index (tests/conftest.py, ``services``) in a process of its own:

    python -m tests.session_index DATA_DIR

The test run starts it as soon as it knows that some selected test answers over the whole
bundled corpus, and runs the tests that do not first; the ``services`` fixture waits for it and
copies the index it built. So the minute of e5 that the build costs overlaps with those tests
instead of adding to them. The settings are the tests' own (tests/conftest.py: none of the
developer's environment, no `.env`), the same that ``services`` builds with when it has to.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from bot.app import build_services
    from tests.conftest import make_settings  # clears the developer's REDMUD_* settings on import

    (data_dir,) = argv
    built = build_services(make_settings(Path(data_dir)), llm=False)
    built.index.snapshot()  # builds the index: it is missing
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
