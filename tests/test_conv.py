"""Convolutional networks (issue 21): the builder's numbers against torch autograd (nn.Conv2d,
MaxPool2d, AvgPool2d, Flatten, Linear) and central differences; max pooling's ties routed as
torch routes them; the sweep's exact terms equal the float numbers.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sympy as sp

from symbp.core.conv import ConvNet
from symbp.core.conv_spec import conv_spec_from_mapping
from symbp.core.operations import LOSSES, loss_info
from tests.conftest import require_module

TEACHING: dict[str, Any] = {
    "layers": [
        [1, 4, 4],
        {"conv": 2, "kernel": 3, "stride": 1, "padding": 0, "activation": "relu"},
        {"pool": "max", "size": 2},
        {"dense": 2, "activation": "sigmoid"},
    ],
    "inputs": [
        [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2], [1.3, 1.4, 1.5, 1.6]]
    ],
    "weights": {
        "conv1": [
            [[[0.1, 0.2, -0.1], [0.0, 0.3, 0.1], [-0.2, 0.1, 0.2]]],
            [[[0.2, -0.1, 0.1], [0.1, 0.1, -0.3], [0.2, 0.0, 0.1]]],
        ],
        "dense3": [[0.5, -0.4], [0.3, 0.8]],
    },
    "bias_values": {"conv1": [0.1, -0.2], "dense3": [0.0, 0.0]},
    "targets": [1.0, 0.0],
}


def _agree(data: dict[str, object], tolerance: float = 1e-10) -> None:
    require_module("torch")
    from symbp.torchcheck.conv_model import torch_conv_check

    spec = conv_spec_from_mapping(data)
    numbers = ConvNet(spec).evaluate()
    by_torch = torch_conv_check(spec)
    assert abs(numbers.loss - by_torch.loss) <= tolerance * max(1.0, abs(by_torch.loss))
    ours = list(numbers.parameter_gradients.values())
    for value, reference in zip(ours, by_torch.parameter_gradients, strict=True):
        assert abs(value - reference) <= tolerance * max(1.0, abs(reference))
    for sample, reference_sample in enumerate(by_torch.input_gradients):
        pixels = list(numbers.input_gradients(sample).values())
        for value, reference in zip(pixels, reference_sample, strict=True):
            assert abs(value - reference) <= tolerance * max(1.0, abs(reference))


def test_teaching_net_agrees_with_torch() -> None:
    _agree(TEACHING)


def test_max_pool_ties_go_to_the_first_maximum_as_in_torch() -> None:
    # a constant image and a kernel of ones: every conv output is equal, every window a tie
    data = {
        "layers": [
            [1, 4, 4],
            {"conv": 1, "kernel": 1, "activation": "identity", "bias": False},
            {"pool": "max", "size": 2},
            {"dense": 1, "activation": "identity"},
        ],
        "inputs": [[[1.0] * 4] * 4],
        "weights": {"conv1": [[[[2.0]]]], "dense3": [[1.0, 2.0, 3.0, 4.0]]},
        "targets": [0.0],
    }
    _agree(data)
    net = ConvNet(conv_spec_from_mapping(data))
    numbers = net.evaluate()
    a = net.maps[(0, 1)].symbols[0]
    # the top-left of each window takes the whole gradient, the other three none
    assert numbers.gradient(a[0][1]) == 0.0 and numbers.gradient(a[1][0]) == 0.0
    assert numbers.gradient(a[0][0]) != 0.0


def test_exact_sweep_equals_the_float_numbers() -> None:
    net = ConvNet(conv_spec_from_mapping(TEACHING))
    numbers = net.evaluate()
    exact = net.sweep.values(net.leaf_values)
    for name, symbol in net.parameters.items():
        assert abs(exact[symbol] - numbers.gradient(symbol)) <= 1e-14, name
    assert isinstance(net.sweep.formula(net.parameter_symbol("conv1_w[0,0,1,2]")), sp.Expr)


@pytest.mark.parametrize("loss", [entry.name for entry in LOSSES])
def test_every_loss_of_the_table_agrees_with_torch(loss: str) -> None:
    entry = loss_info(loss)
    data = copy.deepcopy(TEACHING)
    data["loss"] = loss
    data["layers"][-1] = {"dense": 2, "activation": entry.cancels_with or "identity"}
    if entry.index_targets or entry.class_targets:
        data["targets"] = 1
    if entry.objective:
        del data["targets"]
        data["output"] = "o2"
    _agree(data)
