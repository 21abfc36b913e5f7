"""The modules of bot/, chains/ and knowledge/ import each other without cycles (module-level and
function-level imports alike: a lazy import that closes a cycle is still a cycle in the design),
and there is one composition root: only bot/app.py builds services, and only front ends call it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "chains", "knowledge")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                # the module itself, else the package it names (``from bot.telegram import texts``)
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "knowledge.catalog" in graph["bot.app"] and "knowledge.manager" in graph["knowledge.catalog"]
    assert "knowledge.catalog" in graph["bot.telegram.upload"]


def test_cycles_are_found_when_there_are_some() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_no_import_cycles_among_bot_chains_knowledge() -> None:
    assert cycles(import_graph()) == []


def test_one_composition_root() -> None:
    """Services are built in bot/app.py and asked for only by front ends (CLI commands, the bot's main)."""
    callers = {name for name, path in ((module_name(p), p) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))
               if "build_services(" in path.read_text(encoding="utf-8")}
    assert callers <= {"bot.app", "bot.commands"}, callers
