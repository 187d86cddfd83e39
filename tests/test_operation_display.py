"""What a derivation says of the table's newer functions: the closed form's "where …" defines
every function it uses, gelu's tanh form shows its constants as written (√(2/π), 0.044715),
and each gelu form explains its own derivative's sign."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from symbp.cli import main

from .conftest import require_module

_SPEC = """title = "display"
layers = [1, 1, 1]
activation = {activation}
{extra}
loss = "half_sse"
learning_rate = 0.1
inputs = [0.5]
targets = [0.4]
weights = [0.2, -0.4]
"""


def _derive(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    activation: str,
    extra: str = "",
    fmt: str = "text",
) -> str:
    path = tmp_path / "spec.toml"
    path.write_text(_SPEC.format(activation=activation, extra=extra))
    main(["derive", "--weight", "w1", "--spec", str(path), "--no-check", "--format", fmt])
    return " ".join(capsys.readouterr().out.split())


def test_the_closed_form_defines_every_function_it_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _derive(tmp_path, capsys, '["elu", "softplus"]', "alpha = 0.3")
    assert "elu(z, α) = 1[z > 0]·z + (1 - 1[z > 0])·α·(exp(z) - 1)" in out
    assert "softplus(z) = log(1 + exp(z))" in out
    out = _derive(tmp_path, capsys, '["gelu", "silu"]')
    assert "silu(z) = z·σ(z)" in out
    assert "gelu(z) = z·Φ(z)" in out
    assert "Φ(z) = (1 + erf(z/sqrt(2)))/2" in out
    assert "φ(z) = exp(-z²/2)/sqrt(2·π)" in out
    assert "σ(z) = 1/(1 + exp(-z))" in out  # silu′ uses σ


def test_gelu_tanh_shows_its_constants_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # torch's kernel holds √(2/π) as M_SQRT2·M_2_SQRTPI/2 = 0.7978845608028654
    assert math.sqrt(2 / math.pi) == pytest.approx(0.7978845608028654, rel=1e-15)
    out = _derive(tmp_path, capsys, '["gelu", "softplus"]', 'approximate = "tanh"')
    assert "0.7978845608028654" not in out
    assert "0.035677408136300125" not in out
    assert "gelu_tanh(z) = z·(1 + tanh(sqrt(2/π)·(z + 0.044715·z³)))/2" in out
    assert "tanh(sqrt(2/π)·(z_h1 + 0.044715·z_h1³))" in out
    latex = _derive(tmp_path, capsys, '["gelu", "softplus"]', 'approximate = "tanh"', "latex")
    assert r"\sqrt{\frac{2}{\pi}}" in latex


def test_each_gelu_form_explains_its_own_derivatives_sign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exact = _derive(tmp_path, capsys, '["gelu", "softplus"]')
    assert "(gelu′ = Φ(z) + z·φ(z), negative only for z below about −0.75)" in exact
    tanh = _derive(tmp_path, capsys, '["gelu", "softplus"]', 'approximate = "tanh"')
    assert "Φ(z) + z·φ(z)" not in tanh
    assert (
        "(gelu′ = (1 + t)/2 + z·(1 - t²)·sqrt(2/π)·(1 + 3 × 0.044715·z²)/2 where "
        "t = tanh(sqrt(2/π)·(z + 0.044715·z³)), negative only for z below about −0.75)"
    ) in tanh


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_torch_puts_gelus_negative_slope_below_about_minus_075(approximate: str) -> None:
    """The sentence's −0.75, from torch's autograd: gelu′ < 0 at −0.76, > 0 at −0.74."""
    require_module("torch")
    import torch

    z = torch.tensor([-0.76, -0.74], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.gelu(z, approximate=approximate).sum().backward()
    assert z.grad is not None
    assert z.grad[0].item() < 0 < z.grad[1].item()
