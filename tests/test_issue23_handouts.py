"""Handouts with an L2 penalty in L and an RMSprop (or Adagrad, or a given momentum buffer)
update, and with the new losses, read back in every format (en and zh) and compile with
pdflatex (en) and xelatex (zh)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from symbp.api.problem import Problem
from symbp.cli import main
from symbp.core.spec import parse_toml

from .conftest import require_module, require_tool
from .readback.harness import handout_results

PENALTY_RMSPROP = """
title = "L2 penalty and RMSprop"
layers = [2, 2, 2]
activation = ["tanh", "sigmoid"]
loss = "bce"
learning_rate = 0.01
inputs = [0.5, -0.3]
targets = [1.0, 0.0]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, 0.3, 0.25]
bias = "per-unit"
bias_values = [0.1, -0.1, 0.05, 0.2]
regularization = { l2 = 0.1 }
optimizer = { name = "rmsprop", alpha = 0.9, momentum = 0.5, centered = true }
"""

DROPOUT = """
title = "Dropout with given masks"
layers = [2, 3, 2]
activation = ["tanh", "sigmoid"]
loss = "bce"
learning_rate = 0.5
inputs = [[0.5, -0.3], [0.1, 0.8]]
targets = [[1.0, 0.0], [0.0, 1.0]]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, 0.3, 0.25, -0.2, 0.4, 0.15, -0.35]
bias = "per-unit"
bias_values = [0.1, -0.1, 0.05, 0.2, -0.3]
dropout = { keep_prob = 0.8, masks = { 1 = [[1, 0, 1], [0, 1, 1]] } }
"""

SPECS = {
    "penalty_rmsprop": PENALTY_RMSPROP,
    "dropout": DROPOUT,
    "huber_adagrad": """
layers = [2, 2, 2]
activation = ["tanh", "identity"]
loss = "huber"
delta = 0.5
inputs = [0.5, -0.3]
targets = [1.2, 0.0]
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, 0.3, 0.25]
optimizer = { name = "adagrad", initial_accumulator_value = 0.1, lr_decay = 0.1 }
learning_rate = 0.1
""",
    "hinge_momentum": """
layers = [2, 3]
activation = "identity"
loss = "hinge"
margin = 1
inputs = [0.5, -0.3]
targets = 1
weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5]
optimizer = { name = "sgd", momentum = 0.9 }
optimizer_state = { b = [0.1, -0.2, 0.0, 0.3, 0.05, -0.1] }
learning_rate = 0.1
""",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(SPECS))
def test_handouts_read_back(name: str, lang: str) -> None:
    problem = Problem(parse_toml(SPECS[name], source=name))
    results = handout_results(problem, lang, name)
    assert not results.mismatches() and not results.mathml_problems, results.report()
    for fmt, outcome in results.outcomes.items():
        assert outcome.checked >= 10, fmt


@pytest.mark.slow
@pytest.mark.parametrize("text", [PENALTY_RMSPROP, DROPOUT], ids=["penalty", "dropout"])
@pytest.mark.parametrize(("lang", "engine"), [("en", "pdflatex"), ("zh", "xelatex")])
def test_handouts_compile(tmp_path: Path, lang: str, engine: str, text: str) -> None:
    require_module("torch")
    tool = require_tool(engine)
    spec = tmp_path / "penalty.toml"
    spec.write_text(text, encoding="utf-8")
    assert (
        main(["handout", "--spec", str(spec), "--lang", lang, "-o", str(tmp_path / "h.tex")]) == 0
    )
    done = subprocess.run(
        [tool, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "h.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (tmp_path / "h.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert (tmp_path / "h.pdf").exists()
