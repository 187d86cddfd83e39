"""The findings of the independent trial of issue 21 (a lecturer and a student), each on the
trial's own inputs, with expected values worked without symbp (by hand or numpy in the test,
or torch autograd)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symbp import formats
from symbp.api.conv_handout import conv_handout
from symbp.cli import main
from symbp.core.conv_spec import conv_spec_from_mapping
from tests.conftest import require_tool
from tests.layout_tools import compile_latex
from tests.readback import latex_reader
from tests.readback.harness import latex_sources, read_and_check
from tests.test_conv_handout import _torch_values

#: the classic exam question: a 3 × 3 input, one 2 × 2 kernel, the conv layer's output the
#: network's output (t21's classic.toml)
CLASSIC = {
    "layers": [[1, 3, 3], {"conv": 1, "kernel": 2, "activation": "identity"}],
    "inputs": [[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [1.0, 2.0, -1.0]]],
    "loss": "half_sse",
    "targets": [[[1.0, 0.0], [0.0, 1.0]]],
    "bias_values": {"conv1": [0.05]},
    "weights": {"conv1": [[[[0.3, -0.2], [0.4, 0.1]]]]},
}


def _classic_by_hand() -> dict[str, float]:
    """L, ∂L/∂w₁₁, ∂L/∂b, ∂L/∂x₂₂ (1-based) of CLASSIC, by the definitions, loop by loop."""
    x = np.array(CLASSIC["inputs"][0])
    w = np.array([[0.3, -0.2], [0.4, 0.1]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    z = np.array([[np.sum(x[i : i + 2, j : j + 2] * w) + 0.05 for j in range(2)] for i in range(2)])
    delta = z - y  # ½Σ(z − y)² with the identity
    dx = np.zeros_like(x)
    for i in range(2):
        for j in range(2):
            dx[i : i + 2, j : j + 2] += delta[i, j] * w
    return {
        "L": 0.5 * float(np.sum((z - y) ** 2)),
        "dw11": float(np.sum(delta * x[:2, :2])),
        "db": float(np.sum(delta)),
        "dx22": float(dx[1, 1]),
    }


def test_the_hand_values_are_the_trials() -> None:
    worked = _classic_by_hand()
    assert worked["L"] == pytest.approx(0.86125)
    assert worked["dw11"] == pytest.approx(2.35)
    assert worked["db"] == pytest.approx(0.25)
    assert worked["dx22"] == pytest.approx(-0.545)


@pytest.mark.parametrize("suffix", ["tex", "html", "md"])
def test_a_net_ending_in_its_convolution_has_a_handout(tmp_path: Path, suffix: str) -> None:
    # finding 1: `ValueError: max() arg is an empty sequence` for every such net
    spec = tmp_path / "classic.toml"
    spec.write_text(
        'layers = [[1, 3, 3], { conv = 1, kernel = 2, activation = "identity" }]\n'
        "inputs = [[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [1.0, 2.0, -1.0]]]\n"
        'loss = "half_sse"\ntargets = [[[1.0, 0.0], [0.0, 1.0]]]\n'
        "bias_values = { conv1 = [0.05] }\n[weights]\nconv1 = [[[[0.3, -0.2], [0.4, 0.1]]]]\n",
        encoding="utf-8",
    )
    out = tmp_path / f"h.{suffix}"
    assert main(["handout", "--spec", str(spec), "-o", str(out), "--no-check"]) == 0
    written = out.read_text(encoding="utf-8")
    worked = _classic_by_hand()
    for value in worked.values():
        assert f"{value:.4g}" in written.replace("−", "-"), value


def test_the_classic_handout_reads_back_against_torch() -> None:
    spec = conv_spec_from_mapping(CLASSIC)
    document = conv_handout(spec, check=False).document()
    latex_values, _ = _torch_values(spec)
    worked = _classic_by_hand()
    assert latex_values["L"] == pytest.approx(worked["L"])
    outcome = read_and_check(
        latex_sources(formats.render(document, "latex")), latex_reader.read, latex_values, "classic"
    )
    assert not outcome.mismatches, outcome.report(5)
    assert outcome.checked >= 15, outcome  # every equation of the handout


def test_the_classic_handout_compiles(tmp_path: Path) -> None:
    engine = require_tool("pdflatex")
    tex = conv_handout(conv_spec_from_mapping(CLASSIC), check=False).write(tmp_path / "c.tex")
    compiled = compile_latex(tex, Path(engine).name)
    assert compiled.returncode == 0, compiled.log[-3000:]
    assert not compiled.overfull, compiled.overfull
