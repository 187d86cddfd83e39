"""What keeps every accepted spec within bounded time and memory, checked for correctness (the
times themselves are printed by benchmarks/bench_limits.py): the closed form's size counted
before it is built, the print limit of `derive`, chunked finite differences, the fast symbol
products, strict JSON when numbers overflow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symbp.core import numeric
from symbp.core.derive import MAX_CLOSED_FORM_SIZE, backward_sweep, closed_form_of, derive
from symbp.core.graph import Network, symbol_product
from symbp.core.numeric import CompiledNetwork
from symbp.core.spec import spec_from_mapping

from .conftest import require_module


def network(layers: list[int], seed: int = 3, **fields: object) -> Network:
    rng = np.random.default_rng(seed)
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    data: dict[str, object] = {
        "layers": layers,
        "inputs": rng.uniform(-1, 1, layers[0]).round(3).tolist(),
        "targets": rng.uniform(0, 1, layers[-1]).round(3).tolist(),
        "weights": rng.uniform(-1, 1, n_weights).round(3).tolist(),
    }
    return Network(spec_from_mapping(data | fields))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symbp", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("layers", [[2, 2, 2], [3, 4, 2], [2, 3, 2, 2]])
def test_the_closed_forms_size_is_counted_without_building_it(layers: list[int]) -> None:
    from symbp.core.derive import closed_form_size

    net = network(layers)
    sweep = backward_sweep(net)
    for weight in net.weights[:4]:
        built = closed_form_of(net, sweep, sweep.gradients[weight.name])
        nodes = sum(1 for _ in sp.preorder_traversal(built))
        counted = closed_form_size(net, sweep, sweep.gradients[weight.name])
        # sympy flattens nested sums and products as it builds, so the count is an upper bound
        assert nodes <= counted <= 1.1 * nodes + 5


def test_a_deep_networks_closed_form_is_left_out_and_said_so(tmp_path: Path) -> None:
    deep = network([2] * 8)
    derivation = derive(deep, "w1")
    assert derivation.closed_form is None
    assert derivation.closed_form_size is not None
    assert derivation.closed_form_size > MAX_CLOSED_FORM_SIZE
    # its δ form is the same derivative: the value by the paths equals the compiled gradient
    evaluation = CompiledNetwork(deep).evaluate()
    assert evaluation.value(derivation.chain_rule) == pytest.approx(
        evaluation.gradient("w1"), rel=1e-12, abs=1e-15
    )
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(_data(deep)), encoding="utf-8")
    result = run("derive", "--weight", "w1", "--no-check", "--spec", str(path))
    assert result.returncode == 0, result.stderr
    assert "the closed form would have about" in " ".join(result.stdout.split())
    document = json.loads(
        run(
            "derive", "--weight", "w1", "--no-check", "--format", "json", "--spec", str(path)
        ).stdout
    )
    assert document["derivations"][0]["closed_form"] is None
    assert document["derivations"][0]["closed_form_omitted_size"] == derivation.closed_form_size


def _data(net: Network) -> dict[str, object]:
    spec = net.spec
    return {
        "layers": list(spec.layers),
        "inputs": list(spec.inputs),
        "targets": list(spec.targets),
        "weights": list(spec.weights),
    }


def test_derive_refuses_more_than_it_can_print_before_any_work(tmp_path: Path) -> None:
    path = tmp_path / "wide.json"
    path.write_text(
        json.dumps(
            {
                "layers": [32, 32, 32],
                "inputs": [0.1] * 32,
                "targets": [0.5] * 32,
                "weights": {"random": "uniform", "seed": 1},
            }
        ),
        encoding="utf-8",
    )
    result = run("derive", "--all", "--no-check", "--spec", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert "more than 450,000 in text" in result.stderr and result.stderr.count("\n") == 1
    one = run("derive", "--weight", "w1", "--no-check", "--spec", str(path))
    assert one.returncode == 0, one.stderr


def test_symbol_products_are_sympys_own() -> None:
    names = ["w1", "x1", "delta_h1", "h1", "w10", "w2", "a", "z_h1", "B", "b", "h1_2", "w1_2_1"]
    symbols = [sp.Symbol(n, real=True) for n in names] + [sp.Symbol("p"), sp.Integer(1)]
    for a in symbols:
        for b in symbols:
            fast, slow = symbol_product(a, b), a * b
            assert fast == slow and fast.args == slow.args and hash(fast) == hash(slow)


def test_chunked_finite_differences_match_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    require_module("torch")
    from symbp.torchcheck.model import torch_loss_and_gradients

    samples = {
        "inputs": [[0.5, -0.3, 0.8], [0.1, 0.9, -0.4]],
        "targets": [[0.2, 0.7], [0.9, 0.1]],
        "reduction": "sum",
        "bias": "per-unit",
    }
    for fields in ({}, samples):
        net = network([3, 4, 2], seed=5, **fields)
        _, autograd, _ = torch_loss_and_gradients(net.spec)
        monkeypatch.setattr(numeric, "FD_MAX_CHUNK", 3)  # 26 parameters in 9 chunks
        chunked = CompiledNetwork(net).finite_differences()
        assert len(chunked) == len(autograd)
        assert np.max(np.abs(np.subtract(chunked, autograd))) < 1e-8


def test_overflowing_numbers_stay_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(
        "layers = [2, 2, 2]\nactivation = 'identity'\nlearning_rate = 1e6\n"
        "inputs = [1e6, 1e6]\ntargets = [0, 0]\nweights = [1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6]"
        "\n",
        encoding="utf-8",
    )

    def reject(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON")

    # step refuses values past 2^53 in one line (issue 25's trial: its float64 forms can cancel)
    refused = run("step", "--format", "json", "--spec", str(path))
    assert refused.returncode == 2 and refused.stdout == "", refused.stderr
    assert refused.stderr.count("\n") == 1 and "2^53" in refused.stderr
    for command in (["check"], ["derive", "--all", "--no-check"]):
        result = run(*command, "--format", "json", "--spec", str(path))
        assert result.returncode in (0, 1), result.stderr
        assert result.stderr == ""  # no numpy warning either
        json.loads(result.stdout, parse_constant=reject)
