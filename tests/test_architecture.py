"""The package's shape: its layers (the contracts of .importlinter) and no import cycles.

Both read the import statements of every symbp module, at the top of a file, inside functions
and under TYPE_CHECKING alike, as import-linter's graph (grimp) finds them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import require_module

ROOT = Path(__file__).resolve().parent.parent


def test_the_layer_contracts_are_kept() -> None:
    require_module("importlinter")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--config",
            str(ROOT / ".importlinter"),
            "--no-cache",
            "--no-logo",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = run.stdout + run.stderr
    broken = report[report.find("Broken contracts") :] if "Broken contracts" in report else report
    assert run.returncode == 0, f"import-linter: contracts broken\n{broken}"
    assert "0 broken" in report, report


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    # a → b → c → a and d → a: one cycle of three; d is outside it
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    require_module("grimp")
    import grimp

    imports = grimp.build_graph("symbp")
    graph = {m: set(imports.find_modules_directly_imported_by(m)) for m in imports.modules}
    cycles = _cycles(graph)
    shown = []
    for members in cycles:
        chain = imports.find_shortest_chain(members[1], members[0]) or ()
        shown.append(f"{', '.join(members)} (e.g. {' -> '.join(chain)} -> ...)")
    assert not cycles, "import cycles among symbp's modules:\n" + "\n".join(shown)


def test_no_layer_has_an_exception() -> None:
    """No module imports a higher layer, not even the mistake catalogue: its formulas are
    display trees that the formats print (the one ignore_imports entry is gone)."""
    assert "ignore_imports" not in (ROOT / ".importlinter").read_text()
    source = (ROOT / "symbp" / "content" / "mistakes.py").read_text()
    assert "symbp.formats" not in source
