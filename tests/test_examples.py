"""The example specs are valid, agree with torch, and their derivations are up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import load_spec

from .conftest import require_module

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "examples").glob("*.toml"))


@pytest.mark.slow
def test_generated_examples_are_up_to_date() -> None:
    # handouts, derivations and the notebook: python3 examples/generate.py --check
    require_module("torch")
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_every_example_has_its_derivation() -> None:
    names = {path.stem for path in SPECS}
    assert names >= {
        "mooc_8_3", "relu", "mse_mean", "cross_entropy", "step_size_and_rounds",
        "random_init", "zero_init", "mazur_2_2_2", "two_hidden_layers",
    }  # fmt: skip
    assert {p.stem for p in (ROOT / "examples" / "derivations").glob("*.txt")} == names


def test_zero_init_example_explains_its_zero_hidden_gradients() -> None:
    text = (ROOT / "examples" / "derivations" / "zero_init.txt").read_text(encoding="utf-8")
    assert text.count("exactly 0 by symmetry") == 4  # w1..w4 lead into hidden units
    evaluation = CompiledNetwork(Network(load_spec(ROOT / "examples" / "zero_init.toml")))
    assert evaluation.evaluate().gradients[:4] == (0.0, 0.0, 0.0, 0.0)


def test_mazur_example_gives_the_published_numbers() -> None:
    compiled = CompiledNetwork(Network(load_spec(ROOT / "examples" / "mazur_2_2_2.toml")))
    evaluation = compiled.evaluate()
    assert evaluation.loss == pytest.approx(0.298371109, abs=1e-9)
    assert evaluation.gradient("w5") == pytest.approx(0.082167041, abs=1e-9)
