"""A property: random small convolutional networks (channels, kernels, strides, padding, max
and average pooling, dense heads, activations, losses, samples) — symbp's sweep gives every
parameter's and every pixel's gradient as torch autograd does, to 1e-10."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.core.conv import ConvNet
from symbp.core.conv_spec import conv_spec_from_mapping
from symbp.core.operations import ACTIVATIONS
from tests.conftest import require_module

EXAMPLES = 40
TOLERANCE = 1e-10
#: every elementwise activation of the table
ELEMENTWISE = [op.name for op in ACTIVATIONS if op.elementwise]
#: losses whose targets are any numbers, and those that need an output activation
FREE_LOSSES = ["half_sse", "sse", "mse_mean", "l1", "huber", "smooth_l1"]

values = st.floats(-2, 2, allow_nan=False, allow_infinity=False)


def _fitting(draw: st.DrawFn, side: int, padding: int, largest: int) -> tuple[int, int]:
    """A kernel that fits the padded side and a stride that fits exactly."""
    kernel = draw(st.integers(1, min(largest, side + 2 * padding)))
    span = side + 2 * padding - kernel
    stride = draw(st.sampled_from([s for s in (1, 2, 3) if span % s == 0]))
    return kernel, stride


@st.composite
def conv_networks(draw: st.DrawFn) -> dict[str, Any]:
    channels = draw(st.integers(1, 2))
    height, width = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    layers: list[Any] = [[channels, height, width]]
    shape = [channels, height, width]
    for _ in range(draw(st.integers(1, 2))):
        if draw(st.booleans()):
            padding = draw(st.integers(0, 1))
            kernel, stride = _fitting(draw, min(shape[1], shape[2]), padding, 3)
            # the other side must fit the same kernel and stride
            if (shape[1] + 2 * padding - kernel) % stride or (
                shape[2] + 2 * padding - kernel
            ) % stride:
                stride = 1
            filters = draw(st.integers(1, 2))
            layers.append(
                {
                    "conv": filters,
                    "kernel": kernel,
                    "stride": stride,
                    "padding": padding,
                    "activation": draw(st.sampled_from(ELEMENTWISE)),
                    "bias": draw(st.booleans()),
                }
            )
            shape = [
                filters,
                (shape[1] + 2 * padding - kernel) // stride + 1,
                (shape[2] + 2 * padding - kernel) // stride + 1,
            ]
        else:
            size, stride = _fitting(draw, min(shape[1], shape[2]), 0, 2)
            if (shape[1] - size) % stride or (shape[2] - size) % stride:
                stride = 1
            layers.append(
                {"pool": draw(st.sampled_from(["max", "avg"])), "size": size, "stride": stride}
            )
            shape = [shape[0], (shape[1] - size) // stride + 1, (shape[2] - size) // stride + 1]
    loss = draw(st.sampled_from([*FREE_LOSSES, "bce", "cross_entropy"]))
    dense = loss in ("bce", "cross_entropy") or draw(st.booleans())
    if dense:
        outputs = draw(st.integers(2 if loss == "cross_entropy" else 1, 3))
        activation = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(
            loss, draw(st.sampled_from(ELEMENTWISE))
        )
        layers.append({"dense": outputs, "activation": activation, "bias": draw(st.booleans())})
    else:
        outputs = shape[0] * shape[1] * shape[2]
    samples = draw(st.integers(1, 2))
    inputs = [
        [[[draw(values) for _ in range(width)] for _ in range(height)] for _ in range(channels)]
        for _ in range(samples)
    ]
    if loss == "cross_entropy":
        targets: list[Any] = [draw(st.integers(0, outputs - 1)) for _ in range(samples)]
    elif loss == "bce":
        targets = [[draw(st.floats(0, 1)) for _ in range(outputs)] for _ in range(samples)]
    else:
        targets = [[draw(values) for _ in range(outputs)] for _ in range(samples)]
    return {
        "layers": layers,
        "inputs": inputs if samples > 1 else inputs[0],
        "targets": targets if samples > 1 else targets[0],
        "weights": {"random": "uniform", "seed": draw(st.integers(0, 2**32)), "range": 1.0},
        "loss": loss,
        "reduction": draw(st.sampled_from(["mean", "sum"])),
    }


def test_random_conv_networks_agree_with_torch_autograd() -> None:
    require_module("torch")
    from symbp.torchcheck.conv_model import torch_conv_check

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(conv_networks())
    def agrees(data: dict[str, Any]) -> None:
        spec = conv_spec_from_mapping(data)
        numbers = ConvNet(spec).evaluate()
        by_torch = torch_conv_check(spec)
        assert abs(numbers.loss - by_torch.loss) <= TOLERANCE * max(1.0, abs(by_torch.loss))
        ours = list(numbers.parameter_gradients.values())
        for value, reference in zip(ours, by_torch.parameter_gradients, strict=True):
            assert abs(value - reference) <= TOLERANCE * max(1.0, abs(reference)), data
        for sample, reference_sample in enumerate(by_torch.input_gradients):
            pixels = list(numbers.input_gradients(sample).values())
            for value, reference in zip(pixels, reference_sample, strict=True):
                assert abs(value - reference) <= TOLERANCE * max(1.0, abs(reference)), data

    agrees()
