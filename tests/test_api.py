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
    report = symbp.problem().check()
    assert report.passed
    result = report.result
    assert result.weight("w1").torch == pytest.approx(MOOC_GRADIENTS[0], abs=1e-9)
    assert result.weight("w1").torch == pytest.approx(result.weight("w1").symbolic, abs=1e-12)


def test_reprs_are_short() -> None:
    problem = symbp.problem()
    for obj in (problem, problem.forward(), problem.derive("w1"), problem.step()):
        assert "\n" not in repr(obj)
        assert len(repr(obj)) < 100


def test_unknown_weight_is_a_symbp_error() -> None:
    with pytest.raises(symbp.UnknownWeightError, match="unknown weight 'w9'"):
        symbp.problem().derive("w9")


def test_rich_display_is_well_formed_mathml() -> None:
    import xml.etree.ElementTree as ET

    problem = symbp.problem()
    for obj in (problem, problem.forward(), problem.derive("w1"), problem.step()):
        html = obj._repr_html_()
        assert "<script" not in html
        # the fragment parses as XML once wrapped: every <math> element is well-formed
        ET.fromstring(f"<div>{html}</div>")
        assert "$" in obj._repr_markdown_()  # math reaches Markdown as $...$ or $$...$$


def test_forward_pass_values_worked_by_hand() -> None:
    import math

    values = symbp.problem().forward().values
    assert values["z_h1"] == pytest.approx(0.2 * 0.5 + 0.5 * 0.3, abs=1e-15)
    assert values["h1"] == pytest.approx(1 / (1 + math.exp(-0.25)), abs=1e-15)
    assert values["L"] == pytest.approx(MOOC_LOSS, abs=1e-9)


def test_handout_from_the_api(tmp_path) -> None:  # type: ignore[no-untyped-def]
    require_module("torch")
    path = symbp.problem().handout().write(tmp_path / "h.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# MOOC 8.3 worked example")
    assert "$$" in text


def test_check_hand_from_the_api_names_the_course_mistake() -> None:
    # the course's slide numbers, rounded to 2 decimals (examples/hand_mooc_8_3.txt)
    report = symbp.check_hand_file("examples/hand_mooc_8_3.txt")
    assert report.wrong == ("dL/dw1", "dL/dw3")
    assert report.mistakes == ("added_gradients",)
    assert "<script" not in report._repr_html_()


def test_check_hand_text_worked_by_hand() -> None:
    import math

    sigmoid = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    h1 = sigmoid(0.2 * 0.5 + 0.5 * 0.3)
    report = symbp.problem().check_hand(f"h1 = {h1:.4f}\nz_h1 = 0.25")
    assert report.all_right
