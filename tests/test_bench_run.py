"""`make bench` (bench/run.py): results go to bench/results/, the README changes only when asked,
and a missed target is an exit code, not a line to be noticed. The parts here are tiny stand-ins
for bench.core & co. (which take minutes): what is tested is the runner, not the figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench import run

PART = '''
def rows():
    return [("warm p95", "10 ms", "<= 120 ms", True), ("context", "0.74", "53 cases"),
            ("contention p95", "{p95} ms", "<= 90 ms", {met})]
'''


@pytest.fixture
def bench_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def make(*, met: bool) -> Path:
        (tmp_path / "fake_part.py").write_text(PART.format(p95=40 if met else 400, met=met), encoding="utf-8")
        sys.modules.pop("fake_part", None)
        return tmp_path

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(run, "PARTS", {"fake": "fake_part"})
    monkeypatch.setattr(run, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    return make


def test_targets_met_exit_0_and_results_are_written(bench_home, capsys) -> None:
    home = bench_home(met=True)
    assert run.main([]) == 0
    latest = json.loads((home / "results" / "latest.json").read_text(encoding="utf-8"))
    assert [r["met"] for r in latest] == [True, None, True]
    assert "| contention p95 | 40 ms | <= 90 ms |" in (home / "results" / "latest.md").read_text(encoding="utf-8")
    assert len(list((home / "results").glob("2*.md"))) == 1  # and a dated copy
    assert "missed" not in capsys.readouterr().err


def test_a_missed_target_exits_1_and_says_which(bench_home, capsys) -> None:
    bench_home(met=False)
    assert run.main([]) == 1
    out, err = capsys.readouterr()
    assert "| contention p95 | 400 ms | <= 90 ms **(missed)** |" in out
    assert "1 target(s) missed: contention p95" in err


def test_readme_changes_only_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{run.START}\nold table\n{run.END}\nrest\n", encoding="utf-8")
    assert run.update_readme("new table", readme)
    assert readme.read_text(encoding="utf-8") == f"intro\n{run.START}\nnew table\n{run.END}\nrest\n"
    plain = tmp_path / "OTHER.md"
    plain.write_text("no markers\n", encoding="utf-8")
    assert not run.update_readme("new table", plain) and plain.read_text(encoding="utf-8") == "no markers\n"


def test_readme_is_not_rewritten_from_part_of_the_bench() -> None:
    with pytest.raises(SystemExit):
        run.main(["--readme", "--only", "core"])
