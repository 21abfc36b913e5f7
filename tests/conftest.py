"""Shared fixtures: a real index over the bundled corpus, built once per test session.

Tests never read the developer's `.env` or environment: settings are built explicitly, with
a temporary REDMUD_DATA_DIR, no LLM key and no Telegram token unless a test sets them.

Two tiers (README, "Tests"). `make test` runs everything on the real model. `make test-fast`
(REDMUD_TEST_TIER=fast) deselects the tests marked `slow` or `meaning` and gives the rest, through
`model_embeddings()`, LangChain's DeterministicFakeEmbedding instead of e5: logic that does not
depend on what a text means (building, swapping and repairing an index, counting re-embedded
clauses) runs the same on it in a fraction of the time. `slow` is added here, by fixture and by
module, so that a new test on the session index is slow without anyone remembering to say so.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest

FAST_TIER = os.environ.get("REDMUD_TEST_TIER", "") == "fast"
# where tests/shards.py builds the session index for all its pytest processes (tests/session_index.py)
SHARED_INDEX = os.environ.get("REDMUD_TEST_SESSION_INDEX") or None
OUR_PREFIXES = ("REDMUD_", "OPENAI_", "TELEGRAM_", "CHROMA_")
for _name in list(os.environ):
    if _name.startswith(OUR_PREFIXES):
        os.environ.pop(_name)
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from langchain_core.embeddings import Embeddings  # noqa: E402

from bot.app import Services, build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

# Tests that use these fixtures answer over the whole bundled corpus (built once, about a minute of e5 on one
# core, in the background while the tests that do not need it run)
SLOW_FIXTURES = {"services", "answerer", "real_services", "eval_answers", "built", "make_llm_service", "llm_service"}
# Modules whose tests run `redmud` or a Chroma server as real processes, or build indexes of their own (on e5)
SLOW_MODULES = {"test_faults.py", "test_chroma_server.py", "test_staff_cli.py", "test_staff_ingest.py",
                "test_staff_telegram.py", "test_encoder_threads.py", "test_llm_superseded.py", "test_staff_places.py"}


def _uses_session_index(item: pytest.Item) -> bool:
    return bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_session_index(item) or item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
    # The modules that answer over the session index run after the others (each module whole, in
    # its own order), so that the index, built in the background meanwhile, is ready or nearly.
    later = {item.path for item in items if _uses_session_index(item)}
    items.sort(key=lambda item: item.path in later)


_background: dict[str, Any] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start building the session index (tests/session_index.py) when a selected test needs it,
    unless tests/shards.py builds it for several pytest processes."""
    from tests import session_index

    if SHARED_INDEX or session.config.option.collectonly or not any(map(_uses_session_index, session.items)):
        return
    home = Path(tempfile.mkdtemp(prefix="redmud-session-index-"))
    log = open(home / "build.log", "wb")  # noqa: SIM115 - closed at the end of the session
    proc = session_index.start(home, cli_env(home / "data"), stdout=log, stderr=subprocess.STDOUT)
    _background.update(home=home, log=log, proc=proc)


def pytest_sessionfinish(session: pytest.Session) -> None:
    proc = _background.pop("proc", None)
    if proc is not None:
        if proc.poll() is None:  # the run ended before a test needed the index
            proc.kill()
        proc.wait()
        _background.pop("log").close()
        shutil.rmtree(_background.pop("home"), ignore_errors=True)


def _prebuilt_index() -> Path | None:
    """The index that the background build made (waiting for it to end), or None if there is none
    or it failed (then ``services`` builds one itself, and says why)."""
    from tests import session_index

    home = Path(SHARED_INDEX) if SHARED_INDEX else _background.get("home")
    if home is None:
        return None
    data = session_index.wait(home)
    if data is not None:
        return data / "index"
    log = home / "build.log"
    if "log" in _background:
        _background["log"].flush()
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
    warnings.warn(f"the background build of the session index failed; building it here\n{tail}", stacklevel=2)
    return None


def model_embeddings() -> Embeddings:
    """The embedding model at the seam: e5 (`make test`), or a deterministic fake (`make test-fast`)
    for tests whose outcome does not depend on meaning. A test that needs meaning is marked `meaning`."""
    if FAST_TIER:
        from langchain_core.embeddings import DeterministicFakeEmbedding

        return DeterministicFakeEmbedding(size=384)
    from knowledge.embeddings import E5Embeddings

    return E5Embeddings()


def cli_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment for a `redmud` subprocess: none of the developer's settings, these instead."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUR_PREFIXES)}
    env["REDMUD_DATA_DIR"] = str(data_dir)
    env.update(settings)
    return env


def redmud_in_process(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """`redmud ARGS` run by ``bot.cli.main`` in this process, with the settings in ``env`` (and
    none of ours), ``stdin`` as its standard input and a directory without a `.env` as its working
    directory; what a subprocess would give back (exit code, stdout and stderr as bytes). Log
    records at the configured level (WARNING unless ``env`` says otherwise) go to its stderr too,
    as `configure_logging` sends them in a real process.

    Why: a cold interpreter costs seconds (chromadb, langchain, the model) and adds nothing to a
    test of what a command prints. A few tests keep a real process (see test_cli.py, test_hostile.py)."""
    from bot.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    for name in list(os.environ):
        if name.startswith(OUR_PREFIXES):
            del os.environ[name]
    os.environ.update(env)
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(env.get("REDMUD_LOG_LEVEL", "WARNING").strip().upper())
    to_stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(to_stderr)
    try:
        with tempfile.TemporaryDirectory(prefix="redmud-cwd-") as cwd:
            os.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            finally:
                os.chdir(saved_cwd)
                sys.stdout.flush()
                sys.stderr.flush()
        stdout, stderr = out.getvalue(), err.getvalue()  # before the wrappers (and their buffers) are closed
    finally:
        logging.getLogger().removeHandler(to_stderr)
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["redmud", *args], code, stdout, stderr)


def corpus_of(dest: Path, doc_ids: tuple[str, ...]) -> Path:
    """A corpus folder with some of the bundled documents, manifest and all: for tests whose
    index is rebuilt (every rebuild embeds every clause) and whose questions need only these."""
    import json

    from knowledge.corpus import BUNDLED_CORPUS

    dest.mkdir(parents=True)
    manifest = json.loads((BUNDLED_CORPUS / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"] = [d for d in manifest["documents"] if d["doc_id"] in doc_ids]
    assert len(manifest["documents"]) == len(doc_ids), "a document id that is not bundled"
    for doc in manifest["documents"]:
        (dest / doc.get("file", f"{doc['doc_id']}.txt")).write_bytes(
            (BUNDLED_CORPUS / doc.get("file", f"{doc['doc_id']}.txt")).read_bytes())
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return dest


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redmud-data")


@pytest.fixture(scope="session")
def settings(session_data_dir: Path) -> Settings:
    return make_settings(session_data_dir)


@pytest.fixture(scope="session")
def services(settings: Settings) -> Services:
    """A real AnswerService over a real Chroma index of the bundled corpus (extractive mode): the
    index built in the background (``pytest_collection_finish``), copied, or else built here."""
    prebuilt = _prebuilt_index()
    if prebuilt is not None:
        shutil.copytree(prebuilt, settings.data_dir / "index")
    built = build_services(settings, llm=False)
    built.answerer.warm_up()
    return built


@pytest.fixture(scope="session")
def answerer(services: Services):
    return services.answerer
