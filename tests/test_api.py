"""The Python API: small explicit objects with the right numbers."""

from __future__ import annotations

import subprocess
import sys

import pytest

import symbp

from .conftest import MOOC_GRADIENTS, MOOC_LOSS, MOOC_WEIGHTS, require_module


def test_import_symbp_does_not_import_torch() -> None:
    code = "import sys, symbp; symbp.problem().derive('w1'); assert 'torch' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_problem_numbers_match_the_reference() -> None:
    problem = symbp.problem()
    assert problem.loss == pytest.approx(MOOC_LOSS, abs=1e-9)
    assert list(problem.gradients.values()) == pytest.approx(MOOC_GRADIENTS, abs=1e-9)
    assert problem.weights == tuple(f"w{i}" for i in range(1, 9))


def test_derive_and_step() -> None:
    problem = symbp.problem("examples/mooc_8_3.toml")
    derivation = problem.derive("w3")
    assert derivation.value == pytest.approx(MOOC_GRADIENTS[2], abs=1e-9)
    assert derivation.derivation.weight.source.name == "x2"
    step = problem.step()
    expected = [w - g for w, g in zip(MOOC_WEIGHTS, MOOC_GRADIENTS, strict=True)]
    assert step.new_weights == pytest.approx(expected, abs=1e-9)
    assert step.new_loss < step.loss


def test_check_against_torch() -> None:
    require_module("torch")
    result = symbp.problem().check()
    assert result.passed
    assert result.weight("w1").torch == pytest.approx(MOOC_GRADIENTS[0], abs=1e-9)
    assert result.weight("w1").torch == pytest.approx(result.weight("w1").symbolic, abs=1e-12)


def test_reprs_are_short() -> None:
    problem = symbp.problem()
    for obj in (problem, problem.derive("w1"), problem.step()):
        assert "\n" not in repr(obj)
        assert len(repr(obj)) < 100


def test_unknown_weight_is_a_symbp_error() -> None:
    with pytest.raises(symbp.UnknownWeightError, match="unknown weight 'w9'"):
        symbp.problem().derive("w9")
