"""Writes examples/mooc_8_3.ipynb: the default example end to end, as a notebook.

Run `python examples/make_notebook.py`; the notebook is stored without outputs (CI executes
it with nbclient and checks what the cells show).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        "# Backpropagation, derived: the MOOC 8.3 example\n\n"
        "A 2-2-2 sigmoid network with x = (0.5, 0.3), y = (0.23, −0.07), "
        "L = ½(o1−y1)² + ½(o2−y2)² and learning rate 1. "
        "symbp derives every gradient symbolically and checks it against torch autograd.",
    ),
    ("code", "import symbp\n\nproblem = symbp.problem()  # the embedded MOOC 8.3 network\nproblem"),
    ("markdown", "## The forward pass"),
    ("code", "problem.forward()"),
    ("markdown", "## One weight's derivation: ∂L/∂w1\n\nThe course's slides had +0.01 here."),
    ("code", 'problem.derive("w1")'),
    ("markdown", "## Every gradient"),
    ("code", "problem.gradients"),
    ("markdown", "## The check against torch autograd and finite differences"),
    ("code", "problem.check()"),
    ("markdown", "## One gradient-descent step"),
    ("code", "problem.step()"),
    (
        "markdown",
        "## A hand calculation with a mistake, and its diagnosis\n\n"
        "The course's slides gave +0.01 for the w1 and w3 gradients. Which mistake makes that?",
    ),
    (
        "code",
        'problem.check_hand("""\n'
        "dL/dw1 = 0.01\ndL/dw2 = 0.01\ndL/dw3 = 0.01\ndL/dw4 = 0.01\n"
        "dL/dw5 = 0.03\ndL/dw6 = 0.08\ndL/dw7 = 0.03\ndL/dw8 = 0.07\n"
        '""")',
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        for kind, source in CELLS
    ]
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # stable ids: the same bytes every time
    return notebook


def main() -> None:
    path = Path(__file__).with_name("mooc_8_3.ipynb")
    path.write_text(nbformat.writes(build()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
