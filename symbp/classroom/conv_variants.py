"""Each student's variant of a small convolutional network: their own image and parameters,
drawn as nice numbers, redrawn when they would make a poor exercise; and the variant written
back as a spec file that `symbp check-hand --spec` reads.

A student's numbers come from a random stream seeded by the exercise's seed and the student's
id alone (SHA-256 of both), so regenerating a class gives every student the same numbers
whatever the roster's order. Every pixel, kernel weight, bias and dense weight is drawn
uniformly from the teacher's range at the given decimals, never 0; the targets stay the base
spec's. A draw is rejected when
- a max pooling window's two largest values lie within ten half-units of the answers' decimals
  (a tie by hand: the student could not tell the winner);
- a unit with a kink (relu, leaky relu) has z within ten half-units of 0;
- a filter's δ map is all 0 at the answers' decimals (nothing reaches its kernel);
- a kernel's gradient rounds to 0 in every cell.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from symbp.classroom.csvfiles import Student
from symbp.classroom.variants import Range
from symbp.core.conv import ConvNet
from symbp.core.conv_spec import ConvLayer, ConvSpec, DenseLayer, PoolLayer
from symbp.core.operations import activation_info
from symbp.errors import SymbpError
from symbp.handcheck import conv_layer as C
from symbp.handcheck.conv import first_conv_layer

MAX_DRAWS = 400
#: a near tie or a near kink: within this many half-units of the answers' decimals
HALF_UNITS = 10


@dataclass(frozen=True)
class ConvVariant:
    student: Student
    spec: ConvSpec
    layer: C.ConvLayer  # the first convolution layer's numbers: the answers
    draws: int  # how many draws it took


@dataclass(frozen=True)
class ConvSettings:
    seed: int = 0
    decimals: int = 1
    answer_decimals: int = 4
    inputs: Range = Range(-1.0, 1.0)
    weights: Range = Range(-1.0, 1.0)


def _stream(seed: int, student_id: str) -> random.Random:
    digest = hashlib.sha256(f"symbp-conv-exercise\0{seed}\0{student_id}".encode()).digest()
    return random.Random(digest)


def _draw(rng: random.Random, span: Range, decimals: int) -> float:
    scale = 10**decimals
    low, high = math.ceil(span.low * scale - 1e-9), math.floor(span.high * scale + 1e-9)
    if high - low + 1 - (low <= 0 <= high) < 2:
        raise SymbpError(f"the range {span} holds fewer than two nonzero numbers of {decimals} "
                         "decimals")  # fmt: skip
    while True:
        units = rng.randint(low, high)
        if units:
            return units / scale


def draw_conv_variants(
    base: ConvSpec, students: Sequence[Student], settings: ConvSettings
) -> tuple[ConvVariant, ...]:
    """Every student's variant, in the roster's order."""
    if len(base.inputs) != 1:
        raise SymbpError("a convolution exercise has one sample: give one input")
    if not isinstance(base.layers[0], ConvLayer):
        raise SymbpError("a convolution exercise needs a convolution as the first layer")
    return tuple(_variant(base, student, settings) for student in students)


def _variant(base: ConvSpec, student: Student, settings: ConvSettings) -> ConvVariant:
    rng = _stream(settings.seed, student.id)
    for draw in range(1, MAX_DRAWS + 1):
        pixels = tuple(_draw(rng, settings.inputs, settings.decimals) for _ in base.inputs[0])
        parameters = tuple(
            (key, tuple(_draw(rng, settings.weights, settings.decimals) for _ in values))
            for key, values in base.parameters
        )
        spec = replace(base, inputs=(pixels,), parameters=parameters, weight_init="given")
        net = ConvNet(spec)
        layer = first_conv_layer(net, net.evaluate())
        if not poor_exercise(spec, layer, settings.answer_decimals):
            return ConvVariant(student, spec, layer, draw)
    raise SymbpError(
        f"no good variant for student {student.id!r} in {MAX_DRAWS} draws: widen the ranges "
        "or give more decimals"
    )


def poor_exercise(spec: ConvSpec, layer: C.ConvLayer, answer_decimals: int) -> bool:
    """Whether the drawn numbers make a poor exercise (see the module's docstring)."""
    margin = HALF_UNITS * 0.5 * 10.0**-answer_decimals
    conv = spec.layers[0]
    assert isinstance(conv, ConvLayer)
    if activation_info(conv.activation).kink and np.any(np.abs(layer.z) < margin):
        return True
    pool = layer.pool
    if pool is not None and pool.kind == C.MAX_POOL:
        for f in range(layer.a.shape[0]):
            for i in range(pool.upstream.shape[1]):
                for j in range(pool.upstream.shape[2]):
                    window = layer.a[f, i * pool.stride : i * pool.stride + pool.size,
                                     j * pool.stride : j * pool.stride + pool.size]  # fmt: skip
                    top = np.sort(window.ravel())[::-1]
                    if top.size > 1 and top[0] - top[1] < margin:
                        return True
    shown = 0.5 * 10.0**-answer_decimals
    for f in range(layer.filters):
        if np.all(np.abs(layer.delta_z[f]) < shown):
            return True
        if np.all(np.abs(layer.grad_kernels[f]) < shown):
            return True
    return False


# -- the variant as a spec file --------------------------------------------------------------------


def _nested(values: Sequence[float], shape: Sequence[int]) -> Any:
    if len(shape) == 1:
        return list(values)
    step = math.prod(shape[1:])
    return [_nested(values[k * step : (k + 1) * step], shape[1:]) for k in range(shape[0])]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"


def spec_text(spec: ConvSpec, title: str) -> str:
    """The variant as a convolutional spec file (TOML) with its numbers given."""
    layers: list[Any] = [list(spec.input_shape)]
    for layer in spec.layers:
        if isinstance(layer, ConvLayer):
            entry: dict[str, Any] = {"conv": layer.filters, "kernel": layer.kernel,
                                     "stride": layer.stride, "padding": layer.padding,
                                     "activation": layer.activation}  # fmt: skip
            if not layer.bias:
                entry["bias"] = False
            layers.append(entry)
        elif isinstance(layer, PoolLayer):
            layers.append({"pool": layer.kind, "size": layer.size, "stride": layer.stride})
        elif isinstance(layer, DenseLayer):
            layers.append({"dense": layer.outputs, "activation": layer.activation})
    weights: dict[str, Any] = {}
    biases: dict[str, Any] = {}
    shapes = dict(spec.tensors)
    for key, values in spec.parameters:
        layer_name, kind = key.rsplit("_", 1)
        (weights if kind == "w" else biases)[layer_name] = _nested(values, shapes[key])
    lines = [
        f"title = {_toml(title)}",
        "layers = [",
        *(f"  {_toml(entry)}," for entry in layers),
        "]",
        f"loss = {_toml(spec.loss)}",
        f"inputs = [{_toml(_nested(spec.inputs[0], spec.input_shape))}]",
        f"weights = {_toml(weights)}",
    ]
    if biases:
        lines.append(f"bias_values = {_toml(biases)}")
    lines.append(f"targets = [{_toml(list(spec.targets[0]))}]")
    for key, value in spec.activation_parameters:
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"
