"""How many package files name each operation, loss and optimizer as a string literal.

`python benchmarks/name_literals.py` prints one line per name: how many files under symbp/
(Python and JavaScript) hold a string literal equal to that name, and which. A name known in
one place (the operation table) and read everywhere else shows up in few files; the target is
at most 3. Python files are read with `ast`, so only string constants count (not comments, not
identifiers, not a docstring that mentions the name); JavaScript files with a plain scan for
quoted strings. `--max N` exits 1 when any name is in more than N files.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symbp"
#: a JavaScript string literal in single, double or back quotes (no escapes in the names)
JS_STRING = re.compile(r"""(['"`])([^'"`\\\n]*)\1""")


def known_names() -> dict[str, tuple[str, ...]]:
    """The names to count, by kind, read from the table itself (so a new entry is counted)."""
    sys.path.insert(0, str(ROOT))
    from symbp.core.operations import (
        ACTIVATION_NAMES,
        ARITHMETIC_NAMES,
        LOSS_NAMES,
        OPTIMIZER_NAMES,
    )

    return {
        "operation": tuple(ARITHMETIC_NAMES) + tuple(ACTIVATION_NAMES),
        "loss": tuple(LOSS_NAMES),
        "optimizer": tuple(OPTIMIZER_NAMES),
    }


def python_literals(path: Path) -> set[str]:
    """Every string constant in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def javascript_literals(path: Path) -> set[str]:
    """Every quoted string in a JavaScript file (a plain scan: enough for names)."""
    return {match.group(2) for match in JS_STRING.finditer(path.read_text(encoding="utf-8"))}


def literals_by_file(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each package file (relative path) with the string literals it holds."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        found[str(path.relative_to(package.parent))] = python_literals(path)
    for path in sorted(package.rglob("*.js")):
        found[str(path.relative_to(package.parent))] = javascript_literals(path)
    return found


def counts(package: Path = PACKAGE) -> list[tuple[str, str, list[str]]]:
    """(kind, name, files naming it) for every known name, in the table's order."""
    files = literals_by_file(package)
    rows = []
    for kind, names in known_names().items():
        for name in names:
            holders = [path for path, literals in files.items() if name in literals]
            rows.append((kind, name, holders))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=None, help="exit 1 above this many files")
    args = parser.parse_args(argv)
    rows = counts()
    width = max(len(name) for _, name, _ in rows)
    for kind, name, holders in rows:
        print(f"{kind:<9} {name:<{width}} {len(holders):>2}  {' '.join(holders)}")
    worst = max(len(holders) for _, _, holders in rows)
    print(f"most files naming one name: {worst}")
    if args.max is not None and worst > args.max:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
