"""Staff add a new province's plan, a city's task table (.docx), and a plan that supersedes an
older one, through `redmud ingest` (in-process ``bot.cli.main``: test_staff_cli.py runs a staff
ingest as a real process, test_cli.py and test_hostile.py `ask --json -`), then ask.

The knowledge side (places stored as gazetteer codes, tables, supersession in the index, the
`docs` listing) is this module's to check. Some answer-side assertions (figures and units in the
first line, place boosts for places the bundled corpus does not have) depend on the retrieval
and composer work on chains/; they are asserted here all the same, each in its own test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.app import build_services
from bot.cli import main as redmud
from tests import staff_files as F
from tests.conftest import make_settings, redmud_in_process

NO_LOCAL = "知识库中没有"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("staff-places")
    corpus = F.make_corpus(home / "corpus")
    data = home / "data"
    files = {"shanxi.txt": F.SHANXI.encode(), "smx-tasks.docx": F.task_table_docx(),
             "henan-old.txt": F.HENAN_OLD.encode(), "henan-new.txt": F.HENAN_NEW.encode()}
    for name, content in files.items():
        (home / name).write_bytes(content)
    proc = redmud_in_process("ingest", str(home / "shanxi.txt"), "--doc-id", "shanxi-2026", "--jurisdiction", "山西",
                             "--date", "2026-02-01", env={"REDMUD_DATA_DIR": str(data), "REDMUD_CORPUS_DIR": str(corpus)})
    assert proc.returncode == 0, proc.stderr.decode()
    outputs = {"shanxi": proc.stdout.decode()}
    mp = pytest.MonkeyPatch()
    mp.setenv("REDMUD_DATA_DIR", str(data))
    mp.setenv("REDMUD_CORPUS_DIR", str(corpus))
    try:
        for key, args in {
            "smx": ["smx-tasks.docx", "--doc-id", "sanmenxia-2026-tasks", "--jurisdiction", "三门峡市"],
            "henan-old": ["henan-old.txt", "--doc-id", "henan-2024-plan", "--jurisdiction", "henan", "--date", "2024-03-01"],
            "henan-new": ["henan-new.txt", "--doc-id", "henan-2026-plan", "--jurisdiction", "河南省", "--date", "2026-03-01",
                          "--supersedes", "henan-2024-plan"],
        }.items():
            assert redmud(["ingest", str(home / args[0]), *args[1:]]) == 0, key
        code = redmud(["ingest", str(home / "shanxi.txt"), "--jurisdiction", "火星"])
        assert code == 2
        assert redmud(["docs"]) == 0
    finally:
        mp.undo()
    services = build_services(make_settings(data, corpus_dir=corpus), llm=False)
    return {"home": home, "services": services, "outputs": outputs}


def ask(world: dict[str, Any], question: str) -> Any:
    return world["services"].answerer.answer(question)


def test_places_are_gazetteer_codes_with_their_names(world: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert "地区：山西省（省级）；日期：2026-02-01" in world["outputs"]["shanxi"]
    docs = {d.meta.doc_id: d.meta for d in world["services"].answerer.documents()}
    assert docs["shanxi-2026"].jurisdiction == "140000" and docs["shanxi-2026"].parent_jurisdiction is None
    assert docs["sanmenxia-2026-tasks"].jurisdiction == "411200"
    assert docs["sanmenxia-2026-tasks"].parent_jurisdiction == "410000"
    assert docs["henan-2024-plan"].jurisdiction == docs["henan-2026-plan"].jurisdiction == "410000"
    assert docs["henan-2024-plan"].superseded_by == "henan-2026-plan"
    assert docs["sanmenxia-2026-tasks"].place.label == "三门峡" and docs["sanmenxia-2026-tasks"].level == 2
    mp = pytest.MonkeyPatch()
    mp.setenv("REDMUD_DATA_DIR", str(world["services"].settings.data_dir))
    mp.setenv("REDMUD_CORPUS_DIR", str(world["services"].settings.corpus_dir))
    try:
        capsys.readouterr()
        assert redmud(["docs"]) == 0
        out = capsys.readouterr().out
        assert redmud(["ingest", str(world["home"] / "shanxi.txt"), "--doc-id", "x-plan", "--jurisdiction", "火星"]) == 2
        err = capsys.readouterr().err
    finally:
        mp.undo()
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert lines["shanxi-2026"].split()[1] == "山西省（省级）"
    assert lines["sanmenxia-2026-tasks"].split()[1] == "三门峡市（市级）"
    assert lines["base-plan"].split()[1] == "国家"
    assert "unknown place '火星'" in err and "不认识的地区" in err


def test_the_task_table_rows_are_clauses_with_their_units(world: dict[str, Any]) -> None:
    snapshot = world["services"].index.snapshot()
    rows = [c for c in snapshot.clauses if c.doc_id == "sanmenxia-2026-tasks" and c.section.startswith("一、重点任务 > ")]
    assert len(rows) == len(F.TASK_ROWS)
    assert [c.responsible_units for c in rows] == [units.split("、") for _, _, units in F.TASK_ROWS]


def test_a_new_province_plan_is_cited_for_its_province(world: dict[str, Any]) -> None:
    answer = ask(world, "山西对赤泥利用有什么补贴？")
    assert answer.citations and answer.citations[0].doc_id == "shanxi-2026"
    assert NO_LOCAL not in answer.answer


def test_a_new_province_plan_figures_open_the_answer(world: dict[str, Any]) -> None:
    """Answer side (retrieval + compose branches): the figure and its unit in the first line."""
    answer = ask(world, "山西利用赤泥每吨补贴多少钱？")
    assert "每吨20元" in answer.answer.splitlines()[0]
    target = ask(world, "山西到2028年赤泥综合利用率目标是多少？")
    assert target.citations[0].doc_id == "shanxi-2026" and "20%" in target.answer.splitlines()[0]
    assert NO_LOCAL not in target.answer


def test_a_city_task_table_is_cited_with_the_row_units(world: dict[str, Any]) -> None:
    answer = ask(world, "三门峡赤泥路基材料由哪个部门负责？")
    first = answer.citations[0]
    assert first.doc_id == "sanmenxia-2026-tasks"
    assert first.responsible_units == ["市交通运输局", "市工业和信息化局"]
    assert NO_LOCAL not in answer.answer


def test_a_city_task_table_units_open_the_answer(world: dict[str, Any]) -> None:
    """Answer side: who is responsible, in the first line."""
    answer = ask(world, "三门峡赤泥堆场生态修复的责任单位是谁？")
    assert answer.citations[0].doc_id == "sanmenxia-2026-tasks"
    assert "市生态环境局" in answer.answer.splitlines()[0]


def test_the_superseding_plan_comes_first(world: dict[str, Any]) -> None:
    answer = ask(world, "河南赤泥综合利用率目标是多少？")
    cited = [c.doc_id for c in answer.citations]
    assert cited[0] == "henan-2026-plan"
    assert NO_LOCAL not in answer.answer


def test_the_superseding_plan_figure_opens_the_answer(world: dict[str, Any]) -> None:
    """Answer side: superseding reaches the first line (25%, not the old 10%)."""
    answer = ask(world, "河南到2028年赤泥综合利用率要达到多少？")
    first_line = answer.answer.splitlines()[0]
    assert "25%" in first_line and "10%" not in first_line


def test_json_answers_from_the_cli_cite_the_new_documents(world: dict[str, Any]) -> None:
    settings = world["services"].settings
    proc = redmud_in_process("ask", "--json", "-", stdin="山西对赤泥利用有什么补贴？\n三门峡赤泥路基材料由哪个部门负责？\n".encode(),
                             env={"REDMUD_DATA_DIR": str(settings.data_dir), "REDMUD_CORPUS_DIR": str(settings.corpus_dir)})
    assert proc.returncode == 0, proc.stderr.decode()
    answers = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [a["citations"][0]["doc_id"] for a in answers] == ["shanxi-2026", "sanmenxia-2026-tasks"]


def test_a_decline_names_the_places_the_documents_cover_new_ones_included(world: dict[str, Any]) -> None:
    declined = world["services"].answerer.answer("给我讲个笑话吧")
    assert declined.abstained and "{places}" not in declined.answer
    assert "山西" in declined.answer and "三门峡" in declined.answer and declined.answer.index("国家") < declined.answer.index("山西")
