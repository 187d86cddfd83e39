"""Conv check-hand with numbers worked in full precision and rounded at the end: a value it
recomputes from the student's rounded grids (carried, a catalogue mistake, L's gradient from the
per-sample grids) is judged within the rounding those grids carry; decimal commas and ≈; the
report's smaller promises. The homework forms are a TA trial's (tests/conv_trial21b, trial
t21b); every expected number here is plain torch's, worked in this file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import require_module

HERE = Path(__file__).parent / "conv_trial21b"


def by_torch(spec: Path) -> list[dict[str, Any]]:
    """Each sample's grids of its own loss L⁽ⁿ⁾ (conv → tanh → max pool → dense sigmoid, half
    SSE) in plain torch: δ (∂L/∂z), ∂L/∂W, ∂L/∂b, ∂L/∂x, and ∂L/∂x with the kernel not
    rotated (the classic mistake, as δ full-correlated with the kernel as it is)."""
    require_module("torch")
    import torch
    import torch.nn.functional as F

    data = tomllib.loads(spec.read_text(encoding="utf-8"))
    inputs, targets = data["inputs"], data["targets"]
    if not isinstance(inputs[0][0][0], list):  # one sample
        inputs, targets = [inputs], [targets]
    found = []
    for image, target in zip(inputs, targets, strict=True):
        x = torch.tensor(image, dtype=torch.float64, requires_grad=True)
        w = torch.tensor(data["weights"]["conv1"], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(data["bias_values"]["conv1"], dtype=torch.float64, requires_grad=True)
        wd = torch.tensor(data["weights"]["dense3"], dtype=torch.float64)
        bd = torch.tensor(data["bias_values"]["dense3"], dtype=torch.float64)
        z = F.conv2d(x[None], w, b)[0]
        z.retain_grad()
        pooled = F.max_pool2d(torch.tanh(z)[None], 2)[0]
        out = torch.sigmoid(wd @ pooled.reshape(-1) + bd)
        (0.5 * ((out - torch.tensor(target, dtype=torch.float64)) ** 2).sum()).backward()
        assert z.grad is not None and w.grad is not None and b.grad is not None
        assert x.grad is not None
        delta = z.grad.detach()
        not_rotated = F.conv_transpose2d(delta[None], w.detach().flip(-1, -2))[0]
        found.append(
            {
                "delta": delta.numpy(),
                "dW": w.grad.numpy(),
                "db": b.grad.numpy(),
                "dX": x.grad.numpy(),
                "dX_not_rotated": not_rotated.numpy(),
            }
        )
    return found


def grids(path: Path) -> dict[str, np.ndarray]:
    """The grids of a homework file, by name (a plain reading: name = then rows)."""
    found: dict[str, list[list[float]]] = {}
    name = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line:
            name, _, rest = (part.strip() for part in line.partition("="))
            found[name] = [[float(rest)]] if rest else []
        elif line.strip():
            found[name].append([float(v) for v in line.split()])
    return {k: np.array(v) for k, v in found.items()}


def check(spec: str, text: str) -> Any:
    from symbp.api.conv_hand import check_hand_conv

    return check_hand_conv(HERE / spec, text).report


def verdicts(report: Any, name: str) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(c.verdict, c.mistake, c.origin) for c in report.cells if c.name == name}


def test_kernel_not_rotated_worked_in_full_precision_is_named() -> None:
    """Two filters' δ written to 6 decimals, ∂L/∂x worked from the unrounded δ with the kernel
    as it is: one cell missed the mistake recomputed from the rounded δ by 5.5e-7."""
    truth = by_torch(HERE / "ex_single.toml")[0]
    homework = HERE / "S_not_rot.txt"
    written = grids(homework)
    assert np.abs(written["delta1"] - truth["delta"][0]).max() <= 5e-7
    assert np.abs(written["delta2"] - truth["delta"][1]).max() <= 5e-7
    assert np.abs(written["dL/dX"] - truth["dX_not_rotated"][0]).max() <= 5e-7
    report = check("ex_single.toml", homework.read_text(encoding="utf-8"))
    assert verdicts(report, "delta1") == verdicts(report, "delta2") == {("right", "", ())}
    wrong = {(c.row, c.col) for c in report.cells if c.name == "dL/dX" and c.verdict != "right"}
    away = np.abs(truth["dX_not_rotated"][0] - truth["dX"][0]) > 5e-7
    assert wrong == {tuple(int(i) for i in rc) for rc in np.argwhere(away)}
    assert verdicts(report, "dL/dX") - {("right", "", ())} == {("wrong", "kernel_not_rotated", ())}


@pytest.mark.parametrize("homework", ["A4_slip_carried.txt", "A4b_slip_carried_4dp.txt"])
def test_a_slip_carried_forward_is_carried_everywhere_and_named_where_it_entered(
    homework: str,
) -> None:
    truth = by_torch(HERE / "a_mean.toml")
    written = grids(HERE / homework)
    decimals = 6 if homework.startswith("A4_") else 4
    slipped = np.abs(written["delta1(2)"] - truth[1]["delta"][0]) > 0.5 * 10.0**-decimals
    assert slipped.sum() == 1  # the slip: one cell of sample 2's δ1
    report = check("a_mean.toml", (HERE / homework).read_text(encoding="utf-8"))
    assert ("wrong", "", ()) in verdicts(report, "delta1(2)")
    carried = {("carried", "", ("delta1(2)",))}
    for name in ("dL(2)/dW1", "dL(2)/db1", "dL/dW1", "dL/db1"):
        assert verdicts(report, name) == carried, name
    assert verdicts(report, "dL/dX(2)") - {("right", "", ())} == carried
    for name in ("dL/dW2", "dL/db2"):  # filter 2 was right throughout
        assert verdicts(report, name) == {("right", "", ())}


@pytest.mark.parametrize("homework", ["A6_summed.txt", "A6b_summed_only.txt"])
def test_summed_samples_is_named_with_and_without_the_per_sample_grids(homework: str) -> None:
    truth = by_torch(HERE / "a_mean.toml")
    written = grids(HERE / homework)
    summed_w = sum(t["dW"] for t in truth)
    summed_b = sum(t["db"] for t in truth)
    for f in range(2):  # the combined grids are the samples' sum, at 6 decimals
        assert np.abs(written[f"dL/dW{f + 1}"] - summed_w[f, 0]).max() <= 5e-7
        assert abs(written[f"dL/db{f + 1}"][0, 0] - summed_b[f]) <= 5e-7
    report = check("a_mean.toml", (HERE / homework).read_text(encoding="utf-8"))
    for name in ("dL/dW1", "dL/db1", "dL/dW2", "dL/db2"):
        assert verdicts(report, name) == {("wrong", "summed_samples", ())}, name


def test_decimal_commas_and_approximately_are_read_as_dense_check_hand_reads_them() -> None:
    from symbp.errors import SymbpError

    truth = by_torch(HERE / "ex_single.toml")[0]

    def comma(v: float) -> str:
        return f"{v:.4f}".replace(".", ",").replace("-", "\u2212")

    rows = ["  ".join(comma(v) for v in row) for row in truth["dX"][0]]
    text = (
        f"dL/db1 = {comma(truth['db'][0])}\n"
        f"dL/db2 ≈ {truth['db'][1]:.4f}\n"
        f"dL/dW1 = ~{truth['dW'][0, 0, 0, 0]:.4f}, {truth['dW'][0, 0, 0, 1]:.4f}; "
        f"{truth['dW'][0, 0, 1, 0]:.4f}, {truth['dW'][0, 0, 1, 1]:.4f}\n"
        "dL/dX =\n" + "\n".join(rows) + "\n"
    )
    report = check("ex_single.toml", text)
    assert len(report.cells) == 2 + 4 + 25
    assert {c.verdict for c in report.cells} == {"right"}
    with pytest.raises(SymbpError, match=r"^line 1: 1,234 could be 1234 or 1\.234"):
        check("ex_single.toml", "dL/db1 = 1,234\n")
    with pytest.raises(SymbpError, match="its row 1 has 10$"):  # ", " separates the cells
        check("ex_single.toml", "dL/dX =\n" + "\n".join(r.replace("  ", ", ") for r in rows))


def test_the_report_says_what_was_left_out_and_refuses_a_grid_written_twice() -> None:
    from symbp.api.conv_hand import check_hand_conv
    from symbp.errors import SymbpError

    truth = by_torch(HERE / "a_mean.toml")
    dx = ["  ".join(f"{v:.6f}" for v in row) for row in truth[0]["dX"][0]]
    text = "dL/dX(1) =\n" + "\n".join(dx) + "\n\ndL/dX(3) =\n" + "\n".join(dx) + "\n"
    result = check_hand_conv(HERE / "a_mean.toml", text)
    assert result.report.unwritten == ("dL/dX(2)",)
    assert "Not written, so not judged: dL/dX(2)." in result.render()
    twice = "dL(1)/db1 = 0.1\nδ1⁽²⁾ =\n" + "0 0 0 0\n" * 4 + "\ndL⁽¹⁾/db1 = 0.1\n"
    with pytest.raises(SymbpError) as refused:
        check("a_mean.toml", twice)
    assert re.fullmatch(
        r"line 8: 'dL\(1\)/db1' is written twice \(first as 'dL\(1\)/db1' on line 1\): "
        r"keep the one to be judged",
        str(refused.value),
    )
    first_only = f"dL(1)/db1 = {truth[0]['db'][0]:.6f}\ndL/db1 = {truth[0]['db'][0]:.6f}\n"
    said = check_hand_conv(HERE / "a_mean.toml", first_only).render()
    assert "∂L/∂b of L over the samples takes every sample's gradient" in said
    echoed = check_hand_conv(HERE / "a_mean.toml", "δ1⁽²⁾ =\n" + "0 0 0 0\n" * 4).render()
    assert "δ1(2) — " in echoed and "(²)" not in echoed
