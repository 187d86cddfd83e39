"""check-hand of a second convolution layer: grids prefixed by the layer's name (conv3.delta1,
conv3.dL/dW1_2, conv3.dL/dX1 — its input is the pooled map of the layer before) judged against
this file's own torch; the first layer's grids keep their names; the catalogue and carried
errors work there as in the first layer; several samples too."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symbp.api.conv_hand import check_hand_conv
from symbp.core.conv_spec import conv_spec_from_mapping
from symbp.errors import HandInputError
from tests.conftest import require_module


def _spec(samples: int = 1) -> dict[str, Any]:
    """[1, 7, 7] → conv1 2×(2×2) tanh → max pool 2 → conv3 2×(2×2) over 2 channels, tanh →
    flatten → dense 2 sigmoid, half SSE; explicit numbers."""
    rng = np.random.default_rng(21)

    def draw(*shape: int) -> Any:
        return rng.uniform(-1, 1, size=shape).round(2).tolist()

    return {
        "layers": [[1, 7, 7],
                   {"conv": 2, "kernel": 2, "stride": 1, "padding": 0, "activation": "tanh"},
                   {"pool": "max", "size": 2, "stride": 2},
                   {"conv": 2, "kernel": 2, "stride": 1, "padding": 0, "activation": "tanh"},
                   {"dense": 2, "activation": "sigmoid"}],
        "loss": "half_sse",
        "inputs": [draw(1, 7, 7) for _ in range(samples)],
        "weights": {"conv1": draw(2, 1, 2, 2), "conv3": draw(2, 2, 2, 2), "dense4": draw(2, 8)},
        "bias_values": {"conv1": draw(2), "conv3": draw(2), "dense4": draw(2)},
        "targets": [[1.0, 0.0], [0.0, 1.0]][:samples],
    }  # fmt: skip


def _torch(data: dict[str, Any], sample: int | None = 0) -> dict[str, np.ndarray]:
    """conv3's grids in plain torch: of sample `sample`'s own loss, or (None) ∂L/∂W3, ∂L/∂b3
    of the mean over every sample."""
    require_module("torch")
    import torch
    import torch.nn.functional as F

    def t(value: Any, grad: bool = False) -> Any:
        return torch.tensor(value, dtype=torch.float64, requires_grad=grad)

    images = data["inputs"] if sample is None else [data["inputs"][sample]]
    targets = data["targets"] if sample is None else [data["targets"][sample]]
    w1, b1 = t(data["weights"]["conv1"]), t(data["bias_values"]["conv1"])
    w3, b3 = t(data["weights"]["conv3"], True), t(data["bias_values"]["conv3"], True)
    a1 = torch.tanh(F.conv2d(t(images), w1, b1))
    p2 = F.max_pool2d(a1, 2).detach().requires_grad_(True)
    z3 = F.conv2d(p2, w3, b3)
    z3.retain_grad()
    a3 = torch.tanh(z3)
    a3.retain_grad()
    out = torch.sigmoid(
        a3.flatten(1) @ t(data["weights"]["dense4"]).T + t(data["bias_values"]["dense4"])
    )
    losses = 0.5 * ((out - t(targets)) ** 2).sum(dim=1)
    losses.mean().backward()
    grads = (z3.grad, a3.grad, w3.grad, b3.grad, p2.grad)
    assert all(g is not None for g in grads)
    return {
        "x": p2.detach().numpy()[0],
        "kernels": w3.detach().numpy(),
        "delta": z3.grad[0].numpy(),  # type: ignore[index]
        "dL/da": a3.grad[0].numpy(),  # type: ignore[index]
        "dL/dW": w3.grad.numpy(),  # type: ignore[union-attr]
        "dL/db": b3.grad.numpy(),  # type: ignore[union-attr]
        "dL/dX": p2.grad[0].numpy(),  # type: ignore[index]
    }


def _grid(name: str, grid: np.ndarray) -> str:
    return f"{name} =\n" + "\n".join("  ".join(f"{v:.6f}" for v in row) for row in grid) + "\n"


def _conv3_text(t: dict[str, np.ndarray], mark: str = "", own: str = "") -> str:
    lines = []
    for f in range(2):
        lines.append(_grid(f"conv3.delta{f + 1}{mark}", t["delta"][f]))
        for c in range(2):
            lines.append(_grid(f"conv3.dL{own}/dW{f + 1}_{c + 1}", t["dL/dW"][f, c]))
        lines.append(f"conv3.dL{own}/db{f + 1} = {t['dL/db'][f]:.6f}\n")
    for c in range(2):
        lines.append(_grid(f"conv3.dL/dX{c + 1}{mark}", t["dL/dX"][c]))
    return "\n".join(lines)


def _said(data: dict[str, Any], text: str) -> dict[str, set[str]]:
    report = check_hand_conv(conv_spec_from_mapping(data), text).report
    found: dict[str, set[str]] = {}
    for cell in report.cells:
        found.setdefault(cell.name, set()).add(cell.mistake or cell.verdict)
    return found


def test_the_second_layers_right_grids_are_right() -> None:
    data = _spec()
    t = _torch(data)
    result = check_hand_conv(conv_spec_from_mapping(data), _conv3_text(t))
    assert result.all_right, {k: v for k, v in _said(data, _conv3_text(t)).items()}
    assert len(result.report.cells) == 2 * (4 + 8 + 1) + 2 * 9
    assert {c.quantity.layer for c in result.report.cells} == {"conv3"}
    # the first layer's grids keep their names beside them
    first = "dL/db1 = 0.123\n"
    said = _said(data, _conv3_text(t) + "\n" + first)
    assert said["dL/db1"] == {"wrong"} and said["conv3.dL/db1"] == {"right"}


def test_the_second_layers_mistakes_and_carried_errors_are_named() -> None:
    data = _spec()
    t = _torch(data)
    x, kernels = t["x"], t["kernels"]
    # ∂L/∂X with the kernel not rotated: each weight lands on the mirrored input
    flipped = np.zeros((2, 3, 3))
    for f in range(2):
        for i in range(2):
            for j in range(2):
                flipped[:, i : i + 2, j : j + 2] += t["delta"][f, i, j] * kernels[f, :, ::-1, ::-1]
    assert np.max(np.abs(flipped - t["dL/dX"])) > 1e-3
    said = _said(data, _grid("conv3.dL/dX1", flipped[0]) + _grid("conv3.dL/dX2", flipped[1]))
    assert all(v <= {"kernel_not_rotated", "right"} for v in said.values()), said
    assert "kernel_not_rotated" in said["conv3.dL/dX1"] | said["conv3.dL/dX2"]
    # conv3's kernel gradient from its last position alone
    last = t["delta"][0, 1, 1] * x[1, 1:3, 1:3]
    said = _said(data, _grid("conv3.dL/dW1_2", last))["conv3.dL/dW1_2"]
    assert "one_position" in said and said <= {"one_position", "right"}
    # a slip in conv3's δ1, its kernel gradient worked from it: carried, naming the δ map
    slipped = np.round(t["delta"][0], 6)
    slipped[0, 1] += 0.3
    own = np.array([[np.sum(slipped * x[0, u : u + 2, v : v + 2]) for v in range(2)]
                    for u in range(2)])  # fmt: skip
    text = _grid("conv3.delta1", slipped) + _grid("conv3.dL/dW1_1", own)
    result = check_hand_conv(conv_spec_from_mapping(data), text)
    carried = [
        c for c in result.report.cells if c.name == "conv3.dL/dW1_1" and c.verdict != "right"
    ]
    assert carried and {c.verdict for c in carried} == {"carried"}
    assert {c.origin for c in carried} == {("conv3.delta1",)}


def test_an_unknown_layer_is_refused_in_one_line() -> None:
    data = _spec()
    with pytest.raises(HandInputError, match="line 1: 'conv2.delta1'.*conv1, conv3"):
        check_hand_conv(conv_spec_from_mapping(data), "conv2.delta1 = 0\n")


def test_the_second_layer_with_several_samples() -> None:
    data = _spec(samples=2)
    per = [_torch(data, n) for n in range(2)]
    total = _torch(data, None)
    text = _conv3_text(per[0], "", "(1)") + "\n" + _conv3_text(per[1], "(2)", "(2)")
    combined = "".join(
        _grid(f"conv3.dL/dW{f + 1}_{c + 1}", total["dL/dW"][f, c])
        for f in range(2)
        for c in range(2)
    ) + "".join(f"conv3.dL/db{f + 1} = {total['dL/db'][f]:.6f}\n" for f in range(2))
    result = check_hand_conv(conv_spec_from_mapping(data), text + "\n" + combined)
    assert result.all_right
    assert {c.quantity.sample for c in result.report.cells} == {-1, 0, 1}
    # sample 1's kernel gradients given as L's: named
    only = "".join(
        _grid(f"conv3.dL/dW{f + 1}_{c + 1}", per[0]["dL/dW"][f, c])
        for f in range(2)
        for c in range(2)
    )
    said = _said(data, only)
    assert all(v <= {"first_sample_only", "right"} for v in said.values())
    assert any("first_sample_only" in v for v in said.values())
