"""check-hand of convolution homework with several samples: each sample's grids (δ maps,
∂L/∂a, ∂L⁽ⁿ⁾/∂W, ∂L⁽ⁿ⁾/∂b, ∂L⁽ⁿ⁾/∂x of the sample's own loss) judged against that sample's
numbers, and ∂L/∂W, ∂L/∂b of L against the spec's mean (or sum) over the samples. The truth is
this file's own torch: each sample's own loss backward, and the whole batch's L backward.

A student's correct answers are all right in every spelling of the sample mark; a sample-1-only
answer is named as such; summing where L is a mean (and the other way round) is named; an error
in sample 2's δ map is wrong where it entered and carried, naming that grid, into sample 2's
kernel gradient and into ∂L/∂W over the samples."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from symbp.api.conv_hand import check_hand_conv
from symbp.core.conv_spec import conv_spec_from_mapping
from tests.conftest import require_module


def _spec(kind: str) -> dict[str, Any]:
    """Two nets with explicit numbers: 3 samples, tanh, max pooling, sigmoid + half SSE, mean;
    2 samples of 2 channels, padding 1, relu, average pooling, softmax + cross-entropy, sum."""
    rng = np.random.default_rng(4 if kind == "mean" else 9)

    def draw(*shape: int) -> Any:
        return rng.uniform(-1, 1, size=shape).round(2).tolist()

    if kind == "mean":
        return {
            "layers": [[1, 5, 5],
                       {"conv": 2, "kernel": 2, "stride": 1, "padding": 0, "activation": "tanh"},
                       {"pool": "max", "size": 2, "stride": 2},
                       {"dense": 2, "activation": "sigmoid"}],
            "loss": "half_sse",
            "inputs": [draw(1, 5, 5) for _ in range(3)],
            "weights": {"conv1": draw(2, 1, 2, 2), "dense3": draw(2, 8)},
            "bias_values": {"conv1": draw(2), "dense3": draw(2)},
            "targets": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
        }  # fmt: skip
    return {
        "layers": [[2, 4, 4],
                   {"conv": 1, "kernel": 3, "stride": 1, "padding": 1, "activation": "relu"},
                   {"pool": "avg", "size": 2, "stride": 2},
                   {"dense": 3, "activation": "softmax"}],
        "loss": "cross_entropy",
        "reduction": "sum",
        "inputs": [draw(2, 4, 4) for _ in range(2)],
        "weights": {"conv1": draw(1, 2, 3, 3), "dense3": draw(3, 4)},
        "bias_values": {"conv1": draw(1), "dense3": draw(3)},
        "targets": [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]],
    }  # fmt: skip


def _losses(data: dict[str, Any], x: Any, w: Any, b: Any, keep: list[Any]) -> Any:
    """Each sample's loss L⁽ⁿ⁾ of a batch x, in plain torch (z and a kept for their grads)."""
    import torch
    import torch.nn.functional as F

    _, conv, pool, dense = data["layers"]
    activation = {"relu": torch.relu, "tanh": torch.tanh}[conv["activation"]]
    pooling = {"max": F.max_pool2d, "avg": F.avg_pool2d}[pool["pool"]]
    z = F.conv2d(x, w, b, stride=conv["stride"], padding=conv["padding"])
    z.retain_grad()
    a = activation(z)
    a.retain_grad()
    keep += [z, a]
    pooled = pooling(a, pool["size"], pool["stride"]).flatten(1)
    logits = pooled @ torch.tensor(data["weights"]["dense3"], dtype=torch.float64).T
    logits = logits + torch.tensor(data["bias_values"]["dense3"], dtype=torch.float64)
    y = torch.tensor(data["targets"], dtype=torch.float64)
    if data["loss"] == "half_sse":
        assert dense["activation"] == "sigmoid"
        return 0.5 * ((torch.sigmoid(logits) - y) ** 2).sum(dim=1)
    assert dense["activation"] == "softmax"
    return -(y * torch.log_softmax(logits, 1)).sum(dim=1)


def _torch(data: dict[str, Any]) -> dict[str, Any]:
    """Each sample's own grids (its loss L⁽ⁿ⁾ backward) and ∂L/∂W, ∂L/∂b of the batch's L."""
    require_module("torch")
    import torch

    def leaves() -> tuple[Any, Any]:
        w = torch.tensor(data["weights"]["conv1"], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(data["bias_values"]["conv1"], dtype=torch.float64, requires_grad=True)
        return w, b

    found = []
    for n, image in enumerate(data["inputs"]):
        x = torch.tensor([image], dtype=torch.float64, requires_grad=True)
        w, b = leaves()
        keep: list[Any] = []
        _losses({**data, "targets": [data["targets"][n]]}, x, w, b, keep).sum().backward()
        z, a = keep
        found.append({"delta": z.grad[0].numpy(), "dL/da": a.grad[0].numpy(),
                      "dL/dW": w.grad.numpy(), "dL/db": b.grad.numpy(),
                      "dL/dX": x.grad[0].numpy()})  # fmt: skip
    w, b = leaves()
    total = _losses(data, torch.tensor(data["inputs"], dtype=torch.float64), w, b, [])
    (total.mean() if data.get("reduction", "mean") == "mean" else total.sum()).backward()
    assert w.grad is not None and b.grad is not None
    return {"samples": found, "dL/dW": w.grad.numpy(), "dL/db": b.grad.numpy()}


def _grid(name: str, grid: np.ndarray) -> str:
    return f"{name} =\n" + "\n".join("  ".join(f"{v:.5f}" for v in row) for row in grid) + "\n"


def _sample_text(truth: dict[str, Any], n: int, mark: str) -> str:
    """Sample n's grids (1-based), the mark written as `mark` says: "(2)", "^(2)", "⁽²⁾", or
    "" for sample 1's unmarked names."""
    s = truth["samples"][n - 1]
    own = mark or "(1)"  # a parameter's gradient unmarked is L's, over the samples
    filters, channels = s["dL/dW"].shape[:2]
    lines = []
    for f in range(filters):
        i = f + 1 if filters > 1 else ""
        lines.append(_grid(f"dL/da{i}{mark}", s["dL/da"][f]))
        lines.append(_grid(f"δ{i}{mark}" if mark == "⁽²⁾" else f"delta{i}{mark}", s["delta"][f]))
        for c in range(channels):
            name = f"{f + 1}_{c + 1}" if channels > 1 else f"{i}"
            lines.append(_grid(f"dL{own}/dW{name}", s["dL/dW"][f, c]))
        lines.append(f"∂L{own}/∂b{i} = {s['dL/db'][f]:.5f}\n")
    for c in range(channels):
        lines.append(_grid(f"dL/dX{c + 1 if channels > 1 else ''}{mark}", s["dL/dX"][c]))
    return "\n".join(lines)


def _combined_text(dw: np.ndarray, db: np.ndarray) -> str:
    filters, channels = dw.shape[:2]
    lines = []
    for f in range(filters):
        i = f + 1 if filters > 1 else ""
        for c in range(channels):
            lines.append(_grid(f"dL/dW{f + 1}_{c + 1}" if channels > 1 else f"dL/dW{i}", dw[f, c]))
        lines.append(f"dL/db{i} = {db[f]:.5f}\n")
    return "\n".join(lines)


def _verdicts(data: dict[str, Any], text: str) -> dict[tuple[str, str], set[str]]:
    """{(grid name, sample): the verdicts and mistakes of its cells}."""
    report = check_hand_conv(conv_spec_from_mapping(data), text).report
    found: dict[tuple[str, str], set[str]] = {}
    for cell in report.cells:
        sample = "all" if cell.quantity.sample < 0 else str(cell.quantity.sample + 1)
        found.setdefault((cell.name, sample), set()).add(cell.mistake or cell.verdict)
    return found


@pytest.mark.parametrize("kind", ["mean", "sum"])
def test_correct_answers_of_every_sample_are_all_right(kind: str) -> None:
    data = _spec(kind)
    truth = _torch(data)
    count = len(data["inputs"])
    marks = ["", "⁽²⁾", "^(3)"][:count]  # sample 1 unmarked, then two other spellings
    text = "\n".join(_sample_text(truth, n + 1, marks[n]) for n in range(count))
    text += "\n" + _combined_text(truth["dL/dW"], truth["dL/db"])
    result = check_hand_conv(conv_spec_from_mapping(data), text)
    verdicts = _verdicts(data, text)
    assert result.all_right, {k: v for k, v in verdicts.items() if v != {"right"}}
    assert {sample for _, sample in verdicts} == {*(str(n + 1) for n in range(count)), "all"}
    assert len(result.report.cells) > 60 * count / 2
    # the same numbers with the mark after ∂L (dL(2)/dW1) and after the grid's name
    again = text.replace("dL⁽²⁾/dW", "dL(2)/dW").replace("δ1⁽²⁾", "delta1(2)")
    assert check_hand_conv(conv_spec_from_mapping(data), again).all_right


@pytest.mark.parametrize("kind", ["mean", "sum"])
def test_a_sample_one_only_answer_is_named(kind: str) -> None:
    """Sample 1's grids written unmarked (right: they are sample 1's) and its gradient given as
    ∂L/∂W over the samples: named "only sample 1"."""
    data = _spec(kind)
    truth = _torch(data)
    first = truth["samples"][0]
    assert np.max(np.abs(first["dL/dW"] - truth["dL/dW"])) > 1e-3  # a mistake to see
    text = _sample_text(truth, 1, "")
    text += "\n" + _combined_text(first["dL/dW"], first["dL/db"])
    verdicts = _verdicts(data, text)
    for (name, sample), said in verdicts.items():
        if sample == "all":
            assert said <= {"first_sample_only", "right"} and "first_sample_only" in said, name
        else:
            assert said == {"right"}, (name, sample, said)
    report = check_hand_conv(conv_spec_from_mapping(data), text)
    assert "sample 1's alone was written" in report.render("text")
    assert not report.all_right


@pytest.mark.parametrize("kind", ["mean", "sum"])
def test_the_other_reduction_is_named(kind: str) -> None:
    data = _spec(kind)
    truth = _torch(data)
    parts = truth["samples"]
    dw = np.sum([s["dL/dW"] for s in parts], axis=0)
    db = np.sum([s["dL/db"] for s in parts], axis=0)
    if kind == "sum":  # averaged where L is the sum
        dw, db = dw / len(parts), db / len(parts)
    else:
        np.testing.assert_allclose(dw / len(parts), truth["dL/dW"], atol=1e-12)  # torch's mean
    verdicts = _verdicts(data, _combined_text(dw, db))
    named = "summed_samples" if kind == "mean" else "averaged_samples"
    assert all(said == {named} for said in verdicts.values()), verdicts


def test_an_error_in_sample_2_is_named_where_it_entered_and_carried_from_there() -> None:
    data = _spec("mean")
    truth = _torch(data)
    s2 = truth["samples"][1]
    slipped = np.round(s2["delta"][0], 5)
    slipped[1, 2] += 0.25
    # sample 2's ∂L⁽²⁾/∂W1 and the mean ∂L/∂W1 worked right from the slipped δ map
    x = np.array(data["inputs"][1][0])
    own_w = np.array([[np.sum(slipped * x[u : u + 4, v : v + 4]) for v in range(2)]
                      for u in range(2)])  # fmt: skip
    others = truth["samples"][0]["dL/dW"][0, 0] + truth["samples"][2]["dL/dW"][0, 0]
    mean_w = (others + own_w) / 3
    text = (
        _grid("delta1(2)", slipped)
        + _grid("dL(2)/dW1", own_w)
        + f"dL(2)/db1 = {slipped.sum():.5f}\n"
        + _grid("dL/dW1", mean_w)
        + f"dL/dW2[1,1] = {truth['dL/dW'][1, 0, 0, 0]:.5f}\n"
    )
    result = check_hand_conv(conv_spec_from_mapping(data), text)
    cells = {(c.name, c.row, c.col): c for c in result.report.cells}
    assert cells[("delta1(2)", 1, 2)].verdict == "wrong"
    assert {c.verdict for k, c in cells.items() if k[0] == "delta1(2)"} == {"right", "wrong"}
    for name in ("dL(2)/dW1", "dL(2)/db1", "dL/dW1"):
        wrong = [c for k, c in cells.items() if k[0] == name and c.verdict != "right"]
        assert wrong and all(c.verdict == "carried" for c in wrong), name
        assert all(c.origin == ("delta1(2)",) for c in wrong), name
    assert cells[("dL/dW2[1,1]", 0, 0)].verdict == "right"
    shown = result.render("text")
    assert "carried from your delta1(2)" in shown
    data_out = json.loads(result.to_json())
    by_name = {g["name"]: g for g in data_out["grids"]}
    assert by_name["dL/dW1"]["sample"] == "all" and by_name["delta1(2)"]["sample"] == 2
    assert any(c["carried_from"] == ["delta1(2)"] for c in by_name["dL/dW1"]["cells"])


def test_a_wrong_combined_gradient_with_right_samples_is_wrong_not_carried() -> None:
    """Every sample's ∂L⁽ⁿ⁾/∂W right, their mean slipped: the error entered in the mean."""
    data = _spec("mean")
    truth = _torch(data)
    text = "\n".join(
        _grid(f"dL({n})/dW1", s["dL/dW"][0, 0]) for n, s in enumerate(truth["samples"], 1)
    )
    slipped = truth["dL/dW"][0, 0].copy()
    slipped[0, 1] += 0.1
    text += _grid("dL/dW1", slipped)
    verdicts = _verdicts(data, text)
    assert verdicts[("dL/dW1", "all")] == {"right", "wrong"}
    assert all(v == {"right"} for k, v in verdicts.items() if k[1] != "all")
