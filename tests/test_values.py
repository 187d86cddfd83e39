"""Values a source prints: ∂L/∂a and ∂L/∂x, the objective "output", loss terms, every sample,
a source's own bias names and partly trainable biases."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp

from symbp.api.problem import Problem, problem
from symbp.cli import main
from symbp.core.derive import backward_sweep, derive_unit
from symbp.core.graph import Network
from symbp.core.numeric import CompiledNetwork, input_finite_differences
from symbp.core.spec import DEFAULT_SPEC_DATA, MAX_SAMPLES, load_spec, spec_from_mapping
from symbp.errors import SpecError, UnknownUnitError

from .conftest import require_module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

VARIANTS: dict[str, dict[str, Any]] = {
    "mooc": dict(DEFAULT_SPEC_DATA),
    "biases, tanh, 3 samples": {
        "layers": [2, 3, 2],
        "activation": ["tanh", "sigmoid"],
        "inputs": [[0.5, 0.3], [-0.4, 0.9], [0.2, -0.7]],
        "targets": [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]],
        "weights": {"random": "uniform", "seed": 5},
        "bias": "per-unit",
        "bias_values": [0.1, -0.2, 0.3, 0.05, -0.05],
    },
    "softmax, classes, sum": {
        "layers": [3, 4, 3],
        "activation": ["relu", "softmax"],
        "loss": "cross_entropy",
        "reduction": "sum",
        "inputs": [[0.5, -0.2, 0.1], [0.3, 0.8, -0.5]],
        "targets": [2, 0],
        "weights": {"random": "uniform", "seed": 2},
    },
    "bce": {
        "layers": [2, 2, 2],
        "loss": "bce",
        "inputs": [0.5, 0.3],
        "targets": [1, 0.25],
        "weights": {"random": "uniform", "seed": 9},
        "bias": "per-layer",
        "bias_values": [0.3, -1],
    },
    "output objective": {
        "layers": [2, 3, 2],
        "activation": ["tanh", "softmax"],
        "loss": "output",
        "output": "o2",
        "inputs": [[0.5, 0.3], [0.1, -0.4]],
        "weights": {"random": "uniform", "seed": 4},
    },
}


def _network(name: str) -> Network:
    return Network(spec_from_mapping(VARIANTS[name]))


# -- ∂L/∂a and ∂L/∂x --------------------------------------------------------------------------


@pytest.mark.parametrize("name", VARIANTS)
def test_unit_gradients_equal_torch_autograd_and_finite_differences(name: str) -> None:
    require_module("torch")
    from symbp.torchcheck.check import check_units
    from symbp.torchcheck.model import torch_unit_gradients

    network = _network(name)
    compiled = CompiledNetwork(network)
    evaluation = compiled.evaluate()
    checks = check_units(evaluation, input_finite_differences(compiled))
    assert all(check.passed for check in checks), checks
    assert {c.name for c in checks} == set(network.units)
    by_torch = torch_unit_gradients(network.spec)
    for index, sample in enumerate(evaluation.per_sample):
        for unit, value in sample.unit_gradients.items():
            assert value == pytest.approx(by_torch[unit][index], rel=1e-10, abs=1e-12)


def _loss_keeping(network: Network, kept: sp.Symbol) -> sp.Expr:
    """L written out in the inputs, targets, weights and `kept` (a unit's value left free)."""
    expanded: dict[sp.Symbol, sp.Expr] = {u.a: u.a for u in network.inputs}
    expanded |= {b.symbol: b.symbol for b in network.biases}
    for symbol, definition in network.definitions.items():
        expanded[symbol] = symbol if symbol == kept else definition.xreplace(expanded)
    return expanded[network.loss]


@pytest.mark.parametrize("name", ["mooc", "biases, tanh, 3 samples", "output objective"])
def test_unit_derivation_paths_and_delta_form_equal_sympy_diff(name: str) -> None:
    network = _network(name)
    sweep = backward_sweep(network)
    evaluation = CompiledNetwork(network, sweep).evaluate().per_sample[0]
    exact = {s: sp.Float(v, 30) for s, v in evaluation.values.items()}
    for unit in network.units.values():
        derivation = derive_unit(network, unit.name, sweep=sweep)
        written_out = _loss_keeping(network, unit.a).rewrite(sp.exp)  # σ, softmax with exp
        truth = float(sp.diff(written_out, unit.a).xreplace(exact).evalf(30))
        assert evaluation.value(derivation.chain_rule) == pytest.approx(truth, abs=1e-13)
        assert evaluation.value(derivation.delta_form) == pytest.approx(truth, abs=1e-13)
        assert evaluation.unit_gradients[unit.name] == pytest.approx(truth, abs=1e-13)
        if derivation.closed_form is not None:
            closed = derivation.closed_form.rewrite(sp.exp)
            assert evaluation.value(closed) == pytest.approx(truth, abs=1e-12)
        assert len(derivation.paths) == derivation.path_count


def test_unit_derivation_names_its_parts() -> None:
    network = _network("mooc")
    h1 = derive_unit(network, "h1")
    # ∂L/∂h1 = δ_o1·w5 + δ_o2·w6: one term per unit h1 feeds, and both output δs
    assert [t.child.name for t in h1.upstream] == ["z_o1", "z_o2"]
    assert {d.unit.name for d in h1.deltas} == {"o1", "o2"}
    assert h1.path_count == 2
    x1 = derive_unit(network, "x1")
    assert x1.path_count == 4 and [t.child.name for t in x1.upstream] == ["z_h1", "z_h2"]
    o1 = derive_unit(network, "o1")
    assert o1.path_count == 1 and o1.deltas == () and str(o1.delta_form) == "o1 - y1"
    with pytest.raises(UnknownUnitError, match="unknown unit 'h9'; this network has 6"):
        derive_unit(network, "h9")


def test_mazur_published_hidden_output_gradient_and_error_terms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Matt Mazur, "A Step by Step Backpropagation Example" (2015): ∂E_total/∂out_h1 =
    # ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = 0.055399425 + (−0.019049119) = 0.036350306;
    # ∂E_total/∂out_o1 = 0.74136507; E_o1 = 0.274811083, E_o2 = 0.023560026.
    spec = str(EXAMPLES / "mazur_2_2_2.toml")
    assert main(["derive", "--wrt", "h1", "--spec", spec, "--format", "json", "--no-check"]) == 0
    document = json.loads(capsys.readouterr().out)
    (h1,) = document["unit_derivations"]
    assert h1["gradient"] == pytest.approx(0.036350306, abs=5e-10)
    # Mazur carries rounded intermediates: his 9th decimal is off by up to 1e-9
    assert [term["value"] for term in h1["upstream"]] == pytest.approx(
        [0.055399425, -0.019049119], abs=1e-9
    )
    assert document["unit_gradients"]["o1"] == pytest.approx(0.74136507, abs=5e-9)
    assert document["loss_terms"] == pytest.approx(
        {"L_o1": 0.274811083, "L_o2": 0.023560026}, abs=5e-10
    )


def test_cs231n_neuron_published_dx_and_dw_with_no_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # CS231n "Backpropagation, Intuitions": w = [2, −3, −3], x = [−1, −2], f = σ(w·x + w2):
    # dx = [0.39, −0.59], dw = [−0.2, −0.39, 0.2] (the course rounds to two digits)
    spec = str(EXAMPLES / "cs231n_neuron.toml")
    loaded = load_spec(spec)
    assert loaded.samples[0][1] == () and Network(loaded).targets == ()
    args = ["derive", "--wrt", "x1", "--wrt", "x2", "--spec", spec, "--format", "json"]
    assert main(["derive", "--all", "--spec", spec, "--format", "json"]) == 0
    weights = json.loads(capsys.readouterr().out)
    assert main([*args, "--no-check"]) == 0
    inputs = json.loads(capsys.readouterr().out)
    dx = [round(d["gradient"], 2) for d in inputs["unit_derivations"]]
    dw = [round(d["gradient"], 2) for d in weights["derivations"]]
    dw += [round(d["gradient"], 2) for d in weights["bias_derivations"]]
    assert dx == [0.39, -0.59]
    assert dw == [-0.2, -0.39, 0.2]
    # and exactly: σ′(1)·x, σ′(1)·w, σ′(1) with σ′(1) = σ(1)(1 − σ(1))
    sigma = 1 / (1 + math.exp(-1))
    slope = sigma * (1 - sigma)
    assert [d["gradient"] for d in inputs["unit_derivations"]] == pytest.approx(
        [2 * slope, -3 * slope], rel=1e-14
    )
    assert weights["derivations"][0]["check"]["passed"]


def test_derive_wrt_text_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    require_module("torch")
    assert main(["derive", "--wrt", "x2", "--wrt", "w1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MOOC 8.3 worked example: ∂L/∂x2")
    assert "  ∂L/∂x2 = 0.0067065032" in out and "agrees" in out
    assert "MOOC 8.3 worked example: ∂L/∂w1" in out
    assert main(["derive", "--wrt", "h9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symbp: error: unknown unit 'h9'") and err.count("\n") == 1
    assert main(["derive", "--wrt", "h1", "--format", "latex", "--no-check"]) == 0
    assert r"\frac{\partial L}{\partial h_{1}}" in capsys.readouterr().out


# -- loss terms and every sample --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["mooc", "biases, tanh, 3 samples", "softmax, classes, sum", "bce"]
)
def test_loss_terms_equal_torch_elementwise_losses(name: str) -> None:
    require_module("torch")
    import torch
    from torch import nn

    network = _network(name)
    spec = network.spec
    evaluation = CompiledNetwork(network).evaluate()
    per_sample_terms = []
    for sample in evaluation.per_sample:
        outputs = torch.tensor([[sample.values[u.a] for u in network.outputs]], dtype=torch.float64)
        pre = torch.tensor([[sample.values[u.z] for u in network.outputs]], dtype=torch.float64)
        targets = torch.tensor([[sample.values[y] for y in network.targets]], dtype=torch.float64)
        k = len(network.outputs)
        if spec.loss == "half_sse":
            terms = 0.5 * nn.MSELoss(reduction="none")(outputs, targets)
        elif spec.loss == "bce":
            terms = nn.BCEWithLogitsLoss(reduction="none")(pre, targets) / k
        else:
            terms = -targets * torch.log_softmax(pre, dim=1)
        per_sample_terms.append(terms[0].tolist())
        assert list(sample.loss_terms.values()) == pytest.approx(terms[0].tolist(), abs=1e-14)
        assert math.fsum(sample.loss_terms.values()) == pytest.approx(sample.loss, abs=1e-14)
    reduced = (
        np.mean(per_sample_terms, axis=0)
        if spec.reduction == "mean"
        else np.sum(per_sample_terms, axis=0)
    )
    assert list(evaluation.loss_terms.values()) == pytest.approx(list(reduced), abs=1e-14)
    assert math.fsum(evaluation.loss_terms.values()) == pytest.approx(evaluation.loss, abs=1e-14)


@pytest.mark.parametrize("name", ["biases, tanh, 3 samples", "softmax, classes, sum"])
def test_every_sample_equals_torch_on_that_sample_alone(name: str) -> None:
    require_module("torch")
    from symbp.torchcheck.model import torch_loss_and_gradients

    spec = spec_from_mapping(VARIANTS[name])
    samples = Problem(spec).samples
    assert len(samples) == len(spec.samples)
    for index, (sample, (x, y)) in enumerate(zip(samples, spec.samples, strict=True)):
        classes = None if spec.target_classes is None else (spec.target_classes[index],)
        alone = dataclasses.replace(
            spec, inputs=x, targets=y, all_samples=(), target_classes=classes
        )
        loss, gradients, _ = torch_loss_and_gradients(alone)
        assert sample.index == index + 1
        assert sample.loss == pytest.approx(loss, abs=1e-13)
        assert list(sample.gradients.values()) == pytest.approx(gradients, abs=1e-13)
        assert list(sample.inputs.values()) == list(x)


def test_every_sample_forward_values_by_hand_in_numpy() -> None:
    spec = spec_from_mapping(VARIANTS["biases, tanh, 3 samples"])
    network = Network(spec)
    weights = np.zeros((2, 3)), np.zeros((3, 2))
    for weight in network.weights:
        weights[weight.target.layer - 1][weight.source.index, weight.target.index] = weight.value
    b_hidden, b_out = np.array(spec.bias_values[:3]), np.array(spec.bias_values[3:])
    for sample, (x, _) in zip(problem(spec).samples, spec.samples, strict=True):
        hidden = np.tanh(np.array(x) @ weights[0] + b_hidden)
        out = 1 / (1 + np.exp(-(hidden @ weights[1] + b_out)))
        assert [sample.values[f"h{j + 1}"] for j in range(3)] == pytest.approx(hidden, abs=1e-15)
        assert [sample.values[f"o{k + 1}"] for k in range(2)] == pytest.approx(out, abs=1e-15)


def test_derive_json_lists_every_sample(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    rows = [[i / 100, 1 - i / 100] for i in range(100)]
    data = dict(DEFAULT_SPEC_DATA, inputs=rows, targets=[[0.23, -0.07]] * 100)
    path.write_text(json.dumps(data))
    assert (
        main(["derive", "--weight", "w1", "--spec", str(path), "--format", "json", "--no-check"])
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    per_sample = document["per_sample"]
    assert [s["sample"] for s in per_sample] == list(range(1, 101))
    assert per_sample[37]["inputs"] == rows[37]
    mean = math.fsum(s["gradients"]["w1"] for s in per_sample) / 100
    assert document["derivations"][0]["gradient"] == pytest.approx(mean, abs=1e-15)
    assert set(per_sample[0]["forward"]) >= {"z_h1", "h1", "o2", "L"}


# -- the objective "output" -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"loss": "output"}, "loss 'output' needs output = one of o1, o2"),
        ({"loss": "output", "output": "o3"}, "output must be the name of an output unit"),
        ({"loss": "output", "output": "o1", "targets": [1, 2]}, "takes no targets"),
        ({"output": "o1"}, "output needs loss = 'output'"),
    ],
)
def test_output_objective_spec_errors(fields: dict[str, Any], message: str) -> None:
    data = {k: v for k, v in DEFAULT_SPEC_DATA.items() if k != "targets"}
    if fields.get("loss") != "output" or "targets" in fields:
        data["targets"] = DEFAULT_SPEC_DATA["targets"]
    with pytest.raises(SpecError, match=re.escape(message)):
        spec_from_mapping(data | fields)


def test_output_objective_is_that_output_and_matches_torch() -> None:
    require_module("torch")
    from symbp.torchcheck.check import check

    network = _network("output objective")
    assert network.objective is not None and network.objective.name == "o2"
    compiled = CompiledNetwork(network)
    evaluation = compiled.evaluate()
    assert evaluation.loss == pytest.approx(
        np.mean([s.values[network.objective.a] for s in evaluation.samples]), abs=1e-15
    )
    assert check(evaluation, compiled.finite_differences()).passed


# -- bias names and partly trainable biases ---------------------------------------------------

THETA = {
    **DEFAULT_SPEC_DATA,
    "numbering": "explicit",
    "weight_names": [
        "theta1",
        "theta2",
        "theta3",
        "theta4",
        "theta7",
        "theta8",
        "theta9",
        "theta10",
    ],
    "bias": "per-unit",
    "bias_names": ["theta5", "theta6", "theta11", "theta12"],
    "bias_values": [0.1, -0.1, 0.2, 0.3],
    "bias_trainable": [True, False, False, True],
}


def test_a_sources_bias_names_and_trainable_flags() -> None:
    require_module("torch")
    from symbp.torchcheck.check import check

    spec = spec_from_mapping(THETA)
    assert spec.bias_names == ("theta5", "theta6", "theta11", "theta12")
    assert spec.parameter_names[-2:] == ("theta5", "theta12")
    network = Network(spec)
    assert [b.trainable for b in network.biases] == [True, False, False, True]
    assert network.latex_names[network.bias("theta11").symbol] == r"\mathit{theta11}"
    compiled = CompiledNetwork(network)
    result = check(compiled.evaluate(), compiled.finite_differences())
    assert result.passed and [w.name for w in result.weights][-2:] == ["theta5", "theta12"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bias_names": ["b1"]}, "bias_names needs bias = 'per-layer' or 'per-unit'"),
        ({"bias": "per-layer", "bias_names": ["b1"]}, "bias_names has 1 names but there are 2"),
        ({"bias": "per-layer", "bias_names": ["b1", "2b"]}, "bias_names[1] the string '2b'"),
        ({"bias": "per-layer", "bias_names": ["b1", "w3"]}, "'w3' is used twice"),
        ({"bias": "per-layer", "bias_names": ["b1", "h1"]}, "'h1' is already the name of a unit"),
        ({"bias": "per-layer", "bias_trainable": [True]}, "bias_trainable has 1 flags"),
        ({"bias_trainable": [True, False]}, "bias_trainable as a list needs bias"),
        ({"bias": "per-layer", "bias_trainable": [1, 0]}, "bias_trainable must be true or false"),
    ],
)
def test_bias_name_and_trainable_errors(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)) as error:
        spec_from_mapping(dict(DEFAULT_SPEC_DATA, **fields))
    assert "\n" not in str(error.value)


# -- how many samples -------------------------------------------------------------------------


def test_sample_limit_is_ten_thousand() -> None:
    rows = [[0.5, 0.3]] * (MAX_SAMPLES + 1)
    with pytest.raises(SpecError, match="more than 10000"):
        spec_from_mapping(dict(DEFAULT_SPEC_DATA, inputs=rows, targets=[[0.2, 0.1]] * len(rows)))


def test_a_thousand_samples_train_like_torch() -> None:
    require_module("torch")
    from symbp.core.train import train
    from symbp.torchcheck.replay import torch_training

    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, (1000, 4)).round(3).tolist()
    targets = rng.integers(0, 3, 1000).tolist()
    spec = spec_from_mapping(
        {
            "layers": [4, 8, 3],
            "activation": ["tanh", "softmax"],
            "loss": "cross_entropy",
            "inputs": inputs,
            "targets": targets,
            "weights": {"random": "uniform", "seed": 1},
            "bias": "per-unit",
            "optimizer": "adam",
        }
    )
    run = train(CompiledNetwork(Network(spec)), 20, 0.01)
    losses, parameters = torch_training(spec, 20, 0.01)
    assert run.losses == pytest.approx(losses, abs=1e-12)
    assert run.final_parameters == pytest.approx(parameters, abs=1e-12)


def test_many_samples_evaluate_in_one_pass_like_one_at_a_time() -> None:
    # beyond SCALAR_SAMPLES samples evaluate() runs numpy once; each sample must still be what
    # the one-sample path gives, and the reduction what torch gives
    require_module("torch")
    from symbp.core.numeric import SCALAR_SAMPLES
    from symbp.torchcheck.model import torch_loss_and_gradients

    rng = np.random.default_rng(3)
    count = SCALAR_SAMPLES + 36
    spec = spec_from_mapping(
        {
            **VARIANTS["softmax, classes, sum"],
            "inputs": rng.uniform(-1, 1, (count, 3)).tolist(),
            "targets": rng.integers(0, 3, count).tolist(),
        }
    )
    compiled = CompiledNetwork(Network(spec))
    evaluation = compiled.evaluate()
    assert len(evaluation.samples) == count
    for sample, (x, y) in zip(evaluation.samples, spec.samples, strict=True):
        alone = compiled.evaluate(inputs=x, targets=y)
        assert sample.loss == pytest.approx(alone.loss, rel=1e-14, abs=1e-15)
        assert sample.gradients == pytest.approx(alone.gradients, rel=1e-13, abs=1e-15)
        assert sample.unit_gradients == pytest.approx(alone.unit_gradients, rel=1e-13, abs=1e-15)
        assert sample.loss_terms == pytest.approx(alone.loss_terms, rel=1e-14, abs=1e-15)
        assert sample.forward_values == pytest.approx(alone.forward_values, rel=1e-14, abs=1e-15)
    loss, gradients, _ = torch_loss_and_gradients(spec)
    assert evaluation.loss == pytest.approx(loss, rel=1e-13)
    assert evaluation.gradients == pytest.approx(gradients, rel=1e-12, abs=1e-13)
