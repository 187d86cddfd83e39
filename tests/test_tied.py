"""A weight used in several places: one nn.Linear called twice, as `tied_layers` in a spec.

torch keeps one weight matrix and one bias, and autograd gives each the sum of its uses'
gradients; symbp's sweep gives a node the sum over its uses, so the two must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbp.api.problem import Problem
from symbp.cli import main
from symbp.core.spec import spec_from_mapping
from symbp.errors import SpecError
from tests.conftest import require_module

TIED = {
    "title": "one Linear(2, 2) called twice",
    "layers": [2, 2, 2],
    "activation": "sigmoid",
    "tied_layers": [[1, 2]],
    "inputs": [0.5, 0.3],
    "targets": [0.23, -0.07],
    "weights": [0.2, -0.4, 0.5, 0.6],
    "bias": "per-unit",
    "bias_values": [0.1, -0.2],
}


def _torch_model(seed: int = 0):  # noqa: ANN202 - torch objects
    import torch
    from torch import nn

    torch.manual_seed(seed)
    lin = nn.Linear(2, 2).double()
    return lin, nn.Sequential(lin, nn.Sigmoid(), lin, nn.Sigmoid())


def test_from_torch_gives_torchs_single_summed_gradient() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    lin, model = _torch_model()
    x = torch.tensor([[0.5, 0.3], [-1.0, 2.0]], dtype=torch.float64)
    y = torch.tensor([[0.23, -0.07], [0.5, 0.9]], dtype=torch.float64)
    spec = from_torch(model, x, y, nn.MSELoss())
    assert spec.tied_layers == ((1, 2),)
    assert spec.weight_names == ("w1_1_1", "w1_1_2", "w1_2_1", "w1_2_2")
    assert spec.bias_names == ("b_h1", "b_h2")

    nn.MSELoss()(model(x), y).backward()
    gradients = Problem(spec).parameter_gradients
    weight_grad, bias_grad = lin.weight.grad, lin.bias.grad
    for j in range(2):
        for k in range(2):
            assert gradients[f"w1_{j + 1}_{k + 1}"] == pytest.approx(
                weight_grad[j, k].item(), abs=1e-14
            )
    assert gradients["b_h1"] == pytest.approx(bias_grad[0].item(), abs=1e-14)
    assert gradients["b_h2"] == pytest.approx(bias_grad[1].item(), abs=1e-14)


def test_the_tied_gradient_is_the_sum_of_the_two_untied_ones() -> None:
    """Untie the layers (each its own copy of the same values): the tied gradient is the sum
    of the two copies' gradients, worked by symbp on the untied net (an independent path
    through the spec, the graph and the sweep) and by torch on the tied one."""
    require_module("torch")
    untied = dict(TIED)
    del untied["tied_layers"]
    untied["weights"] = TIED["weights"] * 2
    untied["bias_values"] = TIED["bias_values"] * 2
    apart = Problem(spec_from_mapping(untied)).parameter_gradients
    together = Problem(spec_from_mapping(TIED)).parameter_gradients
    for position in range(4):
        first, second = f"w{position + 1}", f"w{position + 5}"
        assert together[f"w{position + 1}"] == pytest.approx(
            apart[first] + apart[second], abs=1e-15
        )
    assert together["b_h1"] == pytest.approx(apart["b_h1"] + apart["b_o1"], abs=1e-15)
    report = Problem(spec_from_mapping(TIED)).check()
    assert report.passed


def test_derivation_says_the_weight_is_used_twice_and_shows_the_sum() -> None:
    problem = Problem(spec_from_mapping(TIED))
    text = str(problem.derive("w1"))
    assert "w1 is used in 2 places" in text
    assert "∂L/∂w1 = δ_h1·x1 + δ_o1·h1" in text
    assert "(3 in all)" in text  # x1 → h1 → o1, x1 → h1 → o2 and h1 → o1 itself
    assert "Why the sign" not in text  # its story follows one δ·a product
    zh = str(problem.handout(lang="zh", check=False))
    assert "在 2 处使用" in zh
    assert "used in 2 places" in str(problem.handout(check=False))


def test_cli_derives_a_tied_bias_and_writes_every_edge_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "tied.json"
    spec.write_text(json.dumps(TIED), encoding="utf-8")
    assert main(["derive", "--spec", str(spec), "--weight", "b_h1", "--no-check"]) == 0
    text = capsys.readouterr().out
    assert "b_h1 is used in 2 places" in text
    assert "∂L/∂b_h1 = δ_h1 + δ_o1" in text
    args = ["derive", "--spec", str(spec), "--weight", "w2", "--no-check", "--format", "json"]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    derivation = document["derivations"][0] if "derivations" in document else document
    edges = [(e["source"], e["target"]) for e in derivation["edges"]]
    assert edges == [("x1", "h2"), ("h1", "o2")]  # by-source: w2 is x1 → h2, reused h1 → o2


def test_one_sgd_step_equals_torchs() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    lin, model = _torch_model(seed=3)
    x = torch.tensor([[0.5, 0.3]], dtype=torch.float64)
    y = torch.tensor([[0.23, -0.07]], dtype=torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    spec = from_torch(model, x, y, nn.MSELoss(), optimizer=optimizer)
    step = Problem(spec).step()
    nn.MSELoss()(model(x), y).backward()
    optimizer.step()
    theirs = [*lin.weight.detach().flatten().tolist(), *lin.bias.detach().tolist()]
    assert step.new_weights == pytest.approx(theirs, abs=1e-15)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tied_layers": [[1, 2]], "layers": [2, 3, 2]}, "tied layers need one shape"),
        ({"tied_layers": [[1]]}, "ties fewer than two layers"),
        ({"tied_layers": [[1, 3]]}, "weight layer 3 is not one of 1..2"),
        ({"tied_layers": [[1, 2], [2, 1]]}, "is listed twice"),
        ({"tied_layers": "1, 2"}, "must be a list of lists"),
        ({"bias": "per-layer", "bias_values": [0.1]}, "bias 'none' or 'per-unit' only"),
        ({"weights": [0.1] * 8}, "weights has 8 values but the layers need 4"),
    ],
)
def test_bad_tied_layers_are_one_line(change: dict[str, object], message: str) -> None:
    data = dict(TIED, **change)
    with pytest.raises(SpecError, match=message):
        spec_from_mapping(data)


def test_a_tied_spec_written_for_a_student_reads_back_tied() -> None:
    from symbp.classroom.folder import spec_toml
    from symbp.core.spec import parse_toml

    spec = spec_from_mapping(TIED)
    assert parse_toml(spec_toml(spec)) == spec


def test_the_matrix_form_of_a_tied_net_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "tied.json"
    spec.write_text(json.dumps(TIED), encoding="utf-8")
    assert main(["derive", "--spec", str(spec), "--form", "matrix", "--no-check"]) == 2
    error = capsys.readouterr().err.strip()
    assert "with tied_layers one matrix's gradient is the sum" in error
    assert "\n" not in error
