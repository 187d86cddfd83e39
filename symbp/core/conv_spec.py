"""ConvSpec: a small convolutional network (an input shape, conv/pool/flatten/dense layers) read
from a spec, as plain data.

A spec is a convolutional one when the first entry of `layers` is a list, the input shape
[channels, height, width]; every later entry is a table (a dense layer may be a plain int):

    layers = [[1, 4, 4], { conv = 2, kernel = 3, stride = 1, padding = 0, activation = "relu" },
              { pool = "max", size = 2 }, { dense = 2, activation = "sigmoid" }]

Layers are numbered from 1 after the input shape, every entry counting (pool and flatten too):
above, conv1, pool2 and dense3. Parameters are keyed by that name and given in torch's shapes:
`weights.conv1` is [filters][channels][kernel][kernel] (nn.Conv2d.weight), `weights.dense3` is
[outputs][inputs] (nn.Linear.weight), `bias_values.conv1` one number per filter. A layer table's
`bias = false` drops its biases (torch's bias=False); a missing bias is 0. `weights` may instead
be { random = "uniform", seed = N } (every weight from U(−1/√fan-in, 1/√fan-in), the bound of
torch's default initialisation, numpy default_rng(seed), layer by layer in torch's element
order) or "zero".

A parameter's name (derive --weight, JSON) is its layer, w or b, and its 0-based torch index:
conv1_w[0,0,1,2], conv1_b[1], dense3_w[1,7], dense3_b[0]; an input pixel is x[c,i,j] (of
sample 1; x2[c,i,j] of sample 2).

Output size: (n + 2·padding − kernel)/stride + 1. A stride "does not fit" when that division
leaves a remainder: torch floors it and silently leaves the last rows or columns out of every
window, which a derivation would hide, so symbp refuses it (one line naming the layer and the
numbers), as it refuses a kernel (or pooling window) larger than the padded input. A flatten is
implied before the first dense layer; the network may also end in a conv or pool layer, whose
every value is then an output (targets then list C·H·W numbers, flat or nested [C][H][W]).

This module imports no sympy, so that the torch worker can read the spec it is sent.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symbp.core.operations import (
    ACTIVATION_NAMES,
    HALF_SSE,
    LOSS_NAMES,
    MAX,
    OUTPUT,
    PARAMETERS,
    SGD,
    SIGMOID,
    activation_info,
    loss_info,
    optimizer_info,
    unknown_name,
)
from symbp.errors import SpecError
from symbp.files import read_small_text
from symbp.near import did_you_mean

__all__ = [
    "ConvLayer",
    "ConvSpec",
    "DenseLayer",
    "FlattenLayer",
    "PoolLayer",
    "is_conv_data",
    "load_conv_spec",
    "conv_spec_from_mapping",
]

#: limits that keep a derivation tractable: the MNIST-size first layer ([1, 28, 28], 4 filters
#: 5×5, max pool 2, dense 10) has 784 pixels, 2,304 conv positions and 57,600 kernel uses
MAX_CHANNELS = 64
MAX_SIDE = 64
MAX_KERNEL = 11
MAX_CONV_LAYERS = 6
#: the products w·x of every conv position and dense unit, over all samples: the graph's size
MAX_TERMS = 400_000
MAX_SAMPLES = 64
MAX_MAGNITUDE = 1e6

KNOWN_KEYS = (
    "title",
    "layers",
    "activation",
    *PARAMETERS,
    "loss",
    "inputs",
    "targets",
    "weights",
    "bias_values",
    "reduction",
    "learning_rate",
    "optimizer",
    "steps",
    OUTPUT.name,
)
#: the pooling kinds: the table's max, and the average of a window
POOL_KINDS = (MAX.name, "avg")
REDUCTIONS = ("mean", "sum")


#: a spec's title when it gives none
DEFAULT_TITLE = "symbp convolutional network"


@dataclass(frozen=True)
class ConvLayer:
    """nn.Conv2d(channels, filters, kernel, stride, padding) and its activation."""

    number: int  # 1-based, counting every entry after the input shape
    filters: int
    kernel: int
    stride: int
    padding: int
    activation: str
    bias: bool
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]

    @property
    def name(self) -> str:
        return f"conv{self.number}"

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.filters, self.in_shape[0], self.kernel, self.kernel)


@dataclass(frozen=True)
class PoolLayer:
    """nn.MaxPool2d(size, stride) or nn.AvgPool2d(size, stride)."""

    number: int
    kind: str  # max or avg
    size: int
    stride: int
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]

    @property
    def name(self) -> str:
        return f"pool{self.number}"


@dataclass(frozen=True)
class FlattenLayer:
    """nn.Flatten(): C×H×W values in row-major order (channel, row, column)."""

    number: int
    in_shape: tuple[int, int, int]

    @property
    def name(self) -> str:
        return f"flatten{self.number}"

    @property
    def size(self) -> int:
        return math.prod(self.in_shape)


@dataclass(frozen=True)
class DenseLayer:
    """nn.Linear(inputs, outputs) and its activation."""

    number: int
    inputs: int
    outputs: int
    activation: str
    bias: bool

    @property
    def name(self) -> str:
        return f"dense{self.number}"

    @property
    def weight_shape(self) -> tuple[int, int]:
        return (self.outputs, self.inputs)


Layer = ConvLayer | PoolLayer | FlattenLayer | DenseLayer


@dataclass(frozen=True)
class ConvSpec:
    """A convolutional network, its samples and its parameters (flat, torch's element order)."""

    title: str
    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    loss: str
    #: each sample's pixels, flat in [C][H][W] order
    inputs: tuple[tuple[float, ...], ...]
    #: each sample's targets, flat (one per output value); empty for the objective "output"
    targets: tuple[tuple[float, ...], ...]
    #: the flat values of each parameter tensor, by its key: conv1_w, conv1_b, dense3_w, …
    parameters: tuple[tuple[str, tuple[float, ...]], ...]
    weight_init: str = "given"
    reduction: str = "mean"
    activation_parameters: tuple[tuple[str, float | str], ...] = ()
    learning_rate: float = 1.0
    optimizer: str = SGD.name
    #: cross-entropy targets given as class indices, one per sample (None: given as values)
    target_classes: tuple[int, ...] | None = None
    #: loss = "output": the 0-based outputs whose sum is L
    objective: tuple[int, ...] = ()
    tensors: tuple[tuple[str, tuple[int, ...]], ...] = field(default=())

    @property
    def output_size(self) -> int:
        last = self.layers[-1]
        if isinstance(last, DenseLayer):
            return last.outputs
        if isinstance(last, FlattenLayer):
            return last.size
        return math.prod(last.out_shape)

    @property
    def output_activation(self) -> str:
        for layer in reversed(self.layers):
            if isinstance(layer, ConvLayer | DenseLayer):
                return layer.activation
        return ""

    def parameter(self, key: str) -> float | str:
        """An activation's or the loss's parameter by its spec key: given, or the default."""
        return dict(self.activation_parameters).get(key, PARAMETERS[key].default)

    def activation_parameter(self, name: str) -> float | str | None:
        info = activation_info(name).parameter
        return None if info is None else self.parameter(info.key)

    @property
    def loss_parameter(self) -> float | str | None:
        info = loss_info(self.loss).parameter
        return None if info is None else self.parameter(info.key)

    def values(self, key: str) -> tuple[float, ...]:
        return dict(self.parameters)[key]

    def shape(self, key: str) -> tuple[int, ...]:
        return dict(self.tensors)[key]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Every parameter's element name, in order: conv1_w[0,0,0,0], …, dense3_b[1]."""
        return tuple(
            element_name(key, index) for key, shape in self.tensors for index in _indices(shape)
        )


def element_name(key: str, index: tuple[int, ...]) -> str:
    """conv1_w[0,0,1,2]: a tensor's key and an element's 0-based index."""
    return f"{key}[{','.join(str(i) for i in index)}]"


def _indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    found: list[tuple[int, ...]] = [()]
    for size in shape:
        found = [index + (i,) for index in found for i in range(size)]
    return found


def tensor_indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of a tensor of `shape`, in row-major (torch's) order."""
    return _indices(shape)


def is_conv_data(data: Mapping[str, Any]) -> bool:
    """Whether parsed spec data describes a convolutional network: `layers` begins with a
    list (the input shape [C, H, W])."""
    layers = data.get("layers")
    return isinstance(layers, list) and bool(layers) and isinstance(layers[0], list)


def load_conv_spec(path: str | Path) -> ConvSpec:
    """Read a convolutional spec from a .toml or .json file."""
    from symbp.core.spec import MAX_NESTING, MAX_SPEC_BYTES, check_nesting, unique_keys

    path = Path(path)
    source = str(path)
    text = read_small_text(path, MAX_SPEC_BYTES, SpecError, f"spec file {source!r}")
    check_nesting(text, MAX_NESTING, SpecError, source, comments="#")
    try:
        if path.suffix.lower() == ".json":
            import json

            data = json.loads(text, object_pairs_hook=unique_keys(SpecError, source))
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as error:
        message = " ".join(str(error).split())
        raise SpecError(f"{source}: not valid TOML or JSON: {message}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the top level must be a table of keys")
    return conv_spec_from_mapping(data, source)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = repr(value)[:20] if isinstance(value, str) else type(value).__name__
        raise SpecError(f"{where} must be a number, not {shown}")
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        raise SpecError(f"{where} is outside ±{MAX_MAGNITUDE:.0e}")
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise SpecError(f"{where} must be a finite number within ±{MAX_MAGNITUDE:.0e}")
    return number


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise SpecError(f"{where} must be a whole number from {low} to {high}, not {value!r}"[:160])
    return int(value)


def _shape_of(value: Any) -> tuple[int, ...]:
    """The nested-list shape of `value` (raising on ragged lists is the caller's reading)."""
    shape: list[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def _tensor(value: Any, shape: tuple[int, ...], where: str) -> tuple[float, ...]:
    """A nested list of exactly `shape`, flattened in row-major order."""
    given = _shape_of(value)
    if given != shape:
        if isinstance(value, dict) and "random" in value:
            raise SpecError(
                f"{where} is a table {{ random = ... }}: random weights are given for every "
                f'layer at once (weights = {{ random = "uniform", seed = N }}); one layer\'s '
                f"weights are a nested list of shape {_shape_text(shape)}"
            )
        raise SpecError(f"{where} is {_given_text(value)} but needs {_needed_text(shape)}")
    flat: list[float] = []

    def walk(item: Any, depth: int, index: tuple[int, ...]) -> None:
        if depth == len(shape):
            flat.append(_number(item, f"{where}{list(index)}"))
            return
        if not isinstance(item, list) or len(item) != shape[depth]:
            raise SpecError(
                f"{where}{list(index)} must be a list of {shape[depth]} "
                f"({'numbers' if depth == len(shape) - 1 else 'lists'}): the lists are ragged"
            )
        for i, sub in enumerate(item):
            walk(sub, depth + 1, index + (i,))

    walk(value, 0, ())
    return tuple(flat)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]" if shape else "a number"


def _given_text(value: Any) -> str:
    """What a user wrote where a tensor belongs, said as they would: a list of shape [2, 3],
    a number, a string ('zero'), a table, true/false."""
    if isinstance(value, list):
        given = _shape_of(value)
        if len(given) == 1 and all(not isinstance(v, list) for v in value):
            return f"a list of {given[0]} value(s)"
        return f"a list of shape {_shape_text(given)}"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"a string ({value[:20]!r})"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _needed_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"a list of {shape[0]} number(s)"
    return f"a nested list of shape {_shape_text(shape)}" if shape else "a number"


def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _check_stride(
    where: str, what: str, kernel: int, stride: int, padding: int, height: int, width: int
) -> None:
    """A stride fits when the windows end exactly at the (padded) input's last row and column:
    torch would floor (n + 2p − k)/s and silently leave the rest out of every window."""
    for side, n in (("rows", height), ("columns", width)):
        span = n + 2 * padding - kernel
        if span % stride:
            raise SpecError(
                f"{where}: stride {stride} does not fit the {side}: {n} + 2·{padding} − {kernel} "
                f"({what}) = {span} is not a multiple of {stride}, so the last {span % stride} of "
                f"the {side} would be in no window (torch drops them); change the stride, the "
                "padding or the input size"
            )


def _activation(value: Any, default: str, where: str, output: bool) -> str:
    name = default if value is None else value
    if not isinstance(name, str) or name not in ACTIVATION_NAMES:
        raise SpecError(f"{where}: {unknown_name('activation', name, ACTIVATION_NAMES)}")
    if not activation_info(name).elementwise and not output:
        raise SpecError(f"{where}: activation {name!r} acts on a whole layer: the last dense only")
    return name


def _layer_keys(table: Mapping[str, Any], kind: str, known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise SpecError(
            f"{where}: unknown key {unknown[0]!r} for a {kind} layer"
            f"{did_you_mean(unknown[0], known)}; known: {', '.join(known)}"
        )


def _layers(
    value: Any, default_activation: str, source: str
) -> tuple[tuple[int, int, int], tuple[Layer, ...]]:
    if not isinstance(value, list) or len(value) < 2:
        raise SpecError(f"{source}: layers needs an input shape [C, H, W] and at least one layer")
    shape_value = value[0]
    if not (isinstance(shape_value, list) and len(shape_value) == 3):
        raise SpecError(f"{source}: layers[0], the input shape, must be [channels, height, width]")
    channels = _whole(shape_value[0], f"{source}: input channels", 1, MAX_CHANNELS)
    height = _whole(shape_value[1], f"{source}: input height", 1, MAX_SIDE)
    width = _whole(shape_value[2], f"{source}: input width", 1, MAX_SIDE)
    input_shape = (channels, height, width)
    shape: tuple[int, int, int] | None = input_shape
    flat: int | None = None  # the size of a flattened vector, after flatten or a dense layer
    layers: list[Layer] = []
    n_conv = 0
    last = len(value) - 1
    for number, entry in enumerate(value[1:], start=1):
        where = f"{source}: layer {number}"
        if _is_int(entry):
            entry = {"dense": entry}
        if not isinstance(entry, dict):
            raise SpecError(
                f"{where} must be a table such as {{ conv = 2, kernel = 3 }}, "
                '{ pool = "max", size = 2 }, { flatten = true } or a dense size'
            )
        kinds = [k for k in ("conv", "pool", "flatten", "dense") if k in entry]
        if len(kinds) != 1:
            raise SpecError(
                f"{where} must hold exactly one of conv, pool, flatten and dense"
                + (f", not {', '.join(kinds)}" if kinds else "")
            )
        kind = kinds[0]
        if kind in ("conv", "pool") and shape is None:
            raise SpecError(f"{where} ({kind}): comes after a flatten or dense layer")
        if kind == "conv":
            n_conv += 1
            if n_conv > MAX_CONV_LAYERS:
                raise SpecError(f"{where}: more than {MAX_CONV_LAYERS} conv layers")
            _layer_keys(
                entry,
                "conv",
                ("conv", "kernel", "stride", "padding", "activation", "bias"),
                where,
            )
            assert shape is not None
            filters = _whole(entry["conv"], f"{where} (conv): filters", 1, MAX_CHANNELS)
            if "kernel" not in entry:
                raise SpecError(f"{where} (conv): missing kernel (its side, e.g. kernel = 3)")
            kernel = _whole(entry["kernel"], f"{where} (conv): kernel", 1, MAX_KERNEL)
            stride = _whole(entry.get("stride", 1), f"{where} (conv): stride", 1, MAX_SIDE)
            padding = _whole(entry.get("padding", 0), f"{where} (conv): padding", 0, MAX_KERNEL)
            _, h, w = shape
            if kernel > h + 2 * padding or kernel > w + 2 * padding:
                raise SpecError(
                    f"{where} (conv): kernel {kernel}×{kernel} is larger than the padded input "
                    f"{h + 2 * padding}×{w + 2 * padding} ({h}×{w}, padding {padding})"
                )
            _check_stride(f"{where} (conv)", "kernel", kernel, stride, padding, h, w)
            out_h, out_w = (_out_size(n, kernel, stride, padding) for n in (h, w))
            bias = entry.get("bias", True)
            if not isinstance(bias, bool):
                raise SpecError(f"{where} (conv): bias must be true or false")
            activation = _activation(
                entry.get("activation"), default_activation, f"{where} (conv)", output=False
            )
            out_shape = (filters, out_h, out_w)
            layers.append(
                ConvLayer(
                    number, filters, kernel, stride, padding, activation, bias, shape, out_shape
                )
            )
            shape = out_shape
        elif kind == "pool":
            _layer_keys(entry, "pool", ("pool", "size", "stride"), where)
            assert shape is not None
            pool = entry["pool"]
            if pool not in POOL_KINDS:
                raise SpecError(f"{where}: {unknown_name('pool', pool, POOL_KINDS)}")
            if "size" not in entry:
                raise SpecError(f"{where} (pool): missing size (the window's side, e.g. size = 2)")
            size = _whole(entry["size"], f"{where} (pool): size", 1, MAX_KERNEL)
            stride = _whole(entry.get("stride", size), f"{where} (pool): stride", 1, MAX_SIDE)
            c, h, w = shape
            if size > h or size > w:
                raise SpecError(
                    f"{where} (pool): window {size}×{size} is larger than its input {h}×{w}"
                )
            _check_stride(f"{where} (pool)", "window", size, stride, 0, h, w)
            out_shape = (c, _out_size(h, size, stride, 0), _out_size(w, size, stride, 0))
            layers.append(PoolLayer(number, pool, size, stride, shape, out_shape))
            shape = out_shape
        elif kind == "flatten":
            _layer_keys(entry, "flatten", ("flatten",), where)
            if entry["flatten"] is not True:
                raise SpecError(f"{where}: flatten must be true")
            if shape is None:
                raise SpecError(f"{where} (flatten): the values are flat already")
            layers.append(FlattenLayer(number, shape))
            flat, shape = math.prod(shape), None
        else:
            _layer_keys(entry, "dense", ("dense", "activation", "bias"), where)
            outputs = _whole(entry["dense"], f"{where} (dense): size", 1, 128)
            inputs = flat if shape is None else math.prod(shape)
            assert inputs is not None
            bias = entry.get("bias", True)
            if not isinstance(bias, bool):
                raise SpecError(f"{where} (dense): bias must be true or false")
            activation = _activation(
                entry.get("activation"), default_activation, f"{where} (dense)", number == last
            )
            layers.append(DenseLayer(number, inputs, outputs, activation, bias))
            flat, shape = outputs, None
    if not any(isinstance(layer, ConvLayer | PoolLayer) for layer in layers):
        raise SpecError(f"{source}: a convolutional spec needs a conv or pool layer")
    if isinstance(layers[-1], FlattenLayer):
        raise SpecError(f"{source}: the last layer is a flatten: end with a dense, conv or pool")
    return input_shape, tuple(layers)


def _sample_inputs(value: Any, shape: tuple[int, int, int], source: str) -> list[tuple[float, ...]]:
    given = _shape_of(value)
    if len(given) == 4:
        if not 1 <= len(value) <= MAX_SAMPLES:
            raise SpecError(f"{source}: inputs lists {len(value)} samples (1 to {MAX_SAMPLES})")
        return [_tensor(v, shape, f"{source}: inputs[{n}]") for n, v in enumerate(value)]
    if len(given) == 3:
        return [_tensor(value, shape, f"{source}: inputs")]
    raise SpecError(
        f"{source}: inputs must be one sample [C][H][W] of shape {_shape_text(shape)} or a list "
        f"of such samples, not {_given_text(value)}"
    )


def _sample_targets(
    value: Any, n_samples: int, n_outputs: int, loss: str, source: str
) -> tuple[list[tuple[float, ...]], tuple[int, ...] | None]:
    from symbp.core.spec import _targets

    several = n_samples > 1
    if several:
        if not isinstance(value, list) or len(value) != n_samples:
            raise SpecError(f"{source}: targets must list one entry per sample ({n_samples})")
        listed = value
    else:
        listed = [value]
    found: list[tuple[float, ...]] = []
    classes: list[int | None] = []
    for n, item in enumerate(listed):
        where = f"{source}: targets" + (f"[{n}]" if several else "")
        if isinstance(item, list) and _shape_of(item) and len(_shape_of(item)) > 1:
            item = _flatten_numbers(item)
        values, cls = _targets(item, where, n_outputs, loss)
        found.append(values)
        classes.append(cls)
    if len({c is None for c in classes}) > 1:
        raise SpecError(f"{source}: targets mixes class indices and lists of values")
    if classes[0] is None:
        return found, None
    return found, tuple(int(c) for c in classes if c is not None)


def _flatten_numbers(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for item in value for x in _flatten_numbers(item)]
    return [value]


def _parameter_tensors(layers: tuple[Layer, ...]) -> list[tuple[str, tuple[int, ...], int]]:
    """(key, shape, fan-in) of every parameter tensor, in layer order, weight before bias."""
    found: list[tuple[str, tuple[int, ...], int]] = []
    for layer in layers:
        if isinstance(layer, ConvLayer):
            fan_in = layer.in_shape[0] * layer.kernel * layer.kernel
            found.append((f"{layer.name}_w", layer.weight_shape, fan_in))
            if layer.bias:
                found.append((f"{layer.name}_b", (layer.filters,), fan_in))
        elif isinstance(layer, DenseLayer):
            found.append((f"{layer.name}_w", layer.weight_shape, layer.inputs))
            if layer.bias:
                found.append((f"{layer.name}_b", (layer.outputs,), layer.inputs))
    return found


def _parameters(
    weights: Any, biases: Any, layers: tuple[Layer, ...], source: str
) -> tuple[tuple[tuple[str, tuple[float, ...]], ...], str]:
    tensors = _parameter_tensors(layers)
    with_weights = {
        layer.name: layer for layer in layers if isinstance(layer, ConvLayer | DenseLayer)
    }
    if biases is None:
        biases = {}
    if not isinstance(biases, dict):
        raise SpecError(f"{source}: bias_values must be a table such as {{ conv1 = [0.1, -0.2] }}")
    for key in biases:
        layer = with_weights.get(key)
        if layer is None or not layer.bias:
            known = [name for name, layer in with_weights.items() if layer.bias]
            raise SpecError(
                f"{source}: bias_values.{key}: no layer with biases is called so"
                f"{did_you_mean(key, known)} (layers with biases: {', '.join(known) or 'none'})"
            )
    if weights == "zero" or (isinstance(weights, dict) and "random" in weights):
        drawn, how = _drawn(weights, tensors, source)
        found = []
        for key, shape, _ in tensors:
            layer_name, kind = key.rsplit("_", 1)
            if kind == "b":
                given = biases.get(layer_name)
                values = (
                    _tensor(given, shape, f"{source}: bias_values.{layer_name}")
                    if given is not None
                    else (0.0,) * shape[0]
                )
                found.append((key, values))
            else:
                found.append((key, drawn[key]))
        return tuple(found), how
    if not isinstance(weights, dict):
        raise SpecError(
            f"{source}: weights must be a table of layers ({{ conv1 = [...], dense3 = [...] }}), "
            "'zero' or { random = 'uniform', seed = N }"
        )
    for key in weights:
        if key not in with_weights:
            raise SpecError(
                f"{source}: weights.{key}: no layer with weights is called so"
                f"{did_you_mean(key, with_weights)} (layers with weights: "
                f"{', '.join(with_weights)})"
            )
    found = []
    for key, shape, _ in tensors:
        layer_name, kind = key.rsplit("_", 1)
        table = weights if kind == "w" else biases
        given = table.get(layer_name)
        where = f"{source}: {'weights' if kind == 'w' else 'bias_values'}.{layer_name}"
        if given is None:
            if kind == "w":
                raise SpecError(
                    f"{where} is missing: give it in torch's shape {_shape_text(shape)}"
                )
            found.append((key, (0.0,) * shape[0]))
            continue
        found.append((key, _tensor(given, shape, where)))
    return tuple(found), "given"


def _drawn(
    weights: Any, tensors: list[tuple[str, tuple[int, ...], int]], source: str
) -> tuple[dict[str, tuple[float, ...]], str]:
    where = f"{source}: weights"
    weight_tensors = [(k, s, f) for k, s, f in tensors if k.endswith("_w")]
    if weights == "zero":
        return {k: (0.0,) * math.prod(s) for k, s, _ in weight_tensors}, "all zero"
    import numpy as np

    unknown = sorted(set(weights) - {"random", "seed", "range"})
    if unknown:
        raise SpecError(
            f"{where}: unknown key {unknown[0]!r}"
            f"{did_you_mean(unknown[0], ('random', 'seed', 'range'))}"
        )
    if weights.get("random") != "uniform":
        raise SpecError(f"{where}: random must be 'uniform'")
    seed = weights.get("seed")
    if not _is_int(seed) or not 0 <= seed < 2**63:
        raise SpecError(f"{where}: seed must be a whole number from 0 to 2^63 − 1")
    given_range = None
    if "range" in weights:
        given_range = _number(weights["range"], f"{where}: range")
        if given_range <= 0:
            raise SpecError(f"{where}: range must be positive")
    rng = np.random.default_rng(seed)
    drawn: dict[str, tuple[float, ...]] = {}
    for key, shape, fan_in in weight_tensors:
        bound = given_range if given_range is not None else 1 / math.sqrt(fan_in)
        drawn[key] = tuple(float(v) for v in rng.uniform(-bound, bound, math.prod(shape)))
    text = f"{given_range:g}" if given_range is not None else "1/√fan-in"
    return drawn, (
        f"random: each weight from U(−{text}, {text}), numpy default_rng({seed}), layer by "
        "layer in torch's element order"
    )


def conv_spec_from_mapping(data: Mapping[str, Any], source: str = "spec") -> ConvSpec:
    """Validate parsed spec data of a convolutional network; one-line SpecError otherwise."""
    from symbp.core.spec import _activation_parameters, _refuse_unused_parameters, parse_optimizer

    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise SpecError(
            f"{source}: unknown key {unknown[0]!r} for a convolutional spec"
            f"{did_you_mean(unknown[0], KNOWN_KEYS)}; known keys: {', '.join(KNOWN_KEYS)}"
        )
    title = data.get("title", DEFAULT_TITLE)
    if not isinstance(title, str) or len(title) > 200:
        raise SpecError(f"{source}: title must be a string of at most 200 characters")
    default_activation = data.get("activation", SIGMOID.name)
    if not isinstance(default_activation, str) or default_activation not in ACTIVATION_NAMES:
        raise SpecError(
            f"{source}: {unknown_name('activation', default_activation, ACTIVATION_NAMES)} "
            "(a convolutional spec gives one default activation; each layer may give its own)"
        )
    input_shape, layers = _layers(data.get("layers"), default_activation, source)
    loss = data.get("loss", HALF_SSE.name)
    if not isinstance(loss, str) or loss not in LOSS_NAMES:
        raise SpecError(f"{source}: {unknown_name('loss', loss, LOSS_NAMES)}")
    spec_for_size = ConvSpec(title, input_shape, layers, loss, (), (), ())
    n_outputs = spec_for_size.output_size
    needed = loss_info(loss).cancels_with
    output_activation = spec_for_size.output_activation
    if needed and output_activation != needed:
        raise SpecError(
            f"{source}: loss {loss!r} needs activation {needed!r} on the last layer, "
            f"not {output_activation!r}"
        )
    for key in ("inputs", "weights"):
        if key not in data:
            raise SpecError(f"{source}: missing key {key!r}")
    inputs = _sample_inputs(data["inputs"], input_shape, source)
    _check_size(layers, len(inputs), source)
    objective: tuple[int, ...] = ()
    classes = None
    if loss == OUTPUT.name:
        if "targets" in data:
            raise SpecError(f"{source}: loss 'output' takes no targets")
        objective = _objective(data.get(OUTPUT.name), n_outputs, source)
        targets: list[tuple[float, ...]] = [() for _ in inputs]
    else:
        if OUTPUT.name in data:
            raise SpecError(f"{source}: output needs loss = 'output'")
        if "targets" not in data:
            raise SpecError(f"{source}: missing key 'targets'")
        targets, classes = _sample_targets(data["targets"], len(inputs), n_outputs, loss, source)
    parameters, how = _parameters(data["weights"], data.get("bias_values"), layers, source)
    reduction = data.get("reduction", "mean")
    if reduction not in REDUCTIONS:
        raise SpecError(f"{source}: {unknown_name('reduction', reduction, REDUCTIONS)}")
    activation_parameters = _activation_parameters(data, source)
    if "negative_slope" in data:  # read apart by the dense reader, which keeps it as a field
        slope = _number(data["negative_slope"], f"{source}: negative_slope")
        activation_parameters = (("negative_slope", slope), *activation_parameters)
    used = tuple(layer.activation for layer in layers if isinstance(layer, ConvLayer | DenseLayer))
    _refuse_unused_parameters(activation_parameters, used, loss, source)
    optimizer = parse_optimizer(data.get("optimizer", SGD.name), f"{source}: optimizer")
    learning_rate = _number(
        data.get("learning_rate", optimizer_info(optimizer.name).default_learning_rate),
        f"{source}: learning_rate",
    )
    if learning_rate <= 0:
        raise SpecError(f"{source}: learning_rate must be positive, not {learning_rate:g}")
    from symbp.core.training_keys import read_training_keys

    read_training_keys(data, source)  # steps, for step and train
    return ConvSpec(
        title=title,
        input_shape=input_shape,
        layers=layers,
        loss=loss,
        inputs=tuple(inputs),
        targets=tuple(targets),
        parameters=parameters,
        weight_init=how,
        reduction=reduction,
        activation_parameters=activation_parameters,
        learning_rate=learning_rate,
        optimizer=optimizer.name,
        target_classes=classes,
        objective=objective,
        tensors=tuple((key, shape) for key, shape, _ in _parameter_tensors(layers)),
    )


def _objective(value: Any, n_outputs: int, source: str) -> tuple[int, ...]:
    names = [f"o{k + 1}" for k in range(n_outputs)]
    if value is None:
        if n_outputs > 1:
            raise SpecError(f"{source}: loss 'output' needs output = one of o1..o{n_outputs}")
        return (0,)
    listed = value if isinstance(value, list) and value else [value]
    for name in listed:
        if name not in names:
            raise SpecError(
                f"{source}: output must name outputs o1..o{n_outputs}, not {name!r}"[:160]
            )
    if len(set(listed)) != len(listed):
        raise SpecError(f"{source}: output names an output twice")
    return tuple(sorted(names.index(name) for name in listed))


def _check_size(layers: tuple[Layer, ...], samples: int, source: str) -> None:
    """Refuse a network whose graph would hold more than MAX_TERMS products w·x."""
    terms = 0
    for layer in layers:
        if isinstance(layer, ConvLayer):
            c, _, _ = layer.in_shape
            terms += math.prod(layer.out_shape) * c * layer.kernel * layer.kernel
        elif isinstance(layer, DenseLayer):
            terms += layer.inputs * layer.outputs
    if terms * samples > MAX_TERMS:
        raise SpecError(
            f"{source}: {samples} sample(s) × {terms:,} products w·x is more than {MAX_TERMS:,}: "
            "use fewer samples, fewer filters or a smaller input"
        )
