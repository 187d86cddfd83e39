"""NetworkSpec: the description of one small network and one training sample.

A spec is plain data (frozen dataclasses of numbers and names). It is read from TOML or JSON,
validated field by field, and every problem is reported as a one-line SpecError naming the
field. The embedded default is the worked example of the Zhejiang University MOOC
"Introduction to AI: Models and Algorithms", section 8.3.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbp.errors import SpecError
from symbp.functions import ACTIVATIONS, LOSSES

#: Limits that keep a spec printable and a derivation tractable.
MAX_LAYERS = 8
MAX_UNITS_PER_LAYER = 128
MAX_WEIGHTS = 20_000
MAX_TITLE_LENGTH = 200
MAX_SPEC_BYTES = 1_000_000

NUMBERINGS = ("by-source", "by-target")

KNOWN_KEYS = (
    "title",
    "layers",
    "activation",
    "loss",
    "numbering",
    "learning_rate",
    "inputs",
    "targets",
    "weights",
)


@dataclass(frozen=True)
class Edge:
    """Where one weight sits: from unit `source` of layer `layer - 1` to unit `target` of `layer`.

    Indices are 0-based; `layer` counts from the input layer (0).
    """

    layer: int
    source: int
    target: int


@dataclass(frozen=True)
class NetworkSpec:
    """A fully connected feed-forward network, one sample, and its initial weights."""

    title: str
    layers: tuple[int, ...]
    activations: tuple[str, ...]  # one per non-input layer
    loss: str
    numbering: str
    learning_rate: float
    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    weights: tuple[float, ...]  # in numbering order

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every weight's place, in numbering order (the order of `weights`)."""
        return edge_order(self.layers, self.numbering)

    @property
    def weight_names(self) -> tuple[str, ...]:
        return tuple(f"w{i + 1}" for i in range(len(self.weights)))


def edge_order(layers: tuple[int, ...], numbering: str) -> tuple[Edge, ...]:
    """The edges of a fully connected network in the order a numbering convention names them.

    by-source (the MOOC's): layer by layer, then by source unit, then by target unit, so that
    w1: x1→h1, w2: x1→h2, w3: x2→h1.  by-target (most English textbooks): layer by layer, then
    by target unit, then by source unit, so that w1: x1→h1, w2: x2→h1.
    """
    edges: list[Edge] = []
    for layer in range(1, len(layers)):
        n_source, n_target = layers[layer - 1], layers[layer]
        if numbering == "by-source":
            pairs = [(s, t) for s in range(n_source) for t in range(n_target)]
        else:
            pairs = [(s, t) for t in range(n_target) for s in range(n_source)]
        edges.extend(Edge(layer, s, t) for s, t in pairs)
    return tuple(edges)


DEFAULT_SPEC_DATA: dict[str, Any] = {
    "title": "MOOC 8.3 worked example",
    "layers": [2, 2, 2],
    "activation": "sigmoid",
    "loss": "half_sse",
    "numbering": "by-source",
    "learning_rate": 1.0,
    "inputs": [0.5, 0.3],
    "targets": [0.23, -0.07],
    "weights": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8],
}


def default_spec() -> NetworkSpec:
    """The MOOC 8.3 network: 2-2-2, sigmoid, L = ½Σ(o−y)², learning rate 1."""
    return spec_from_mapping(DEFAULT_SPEC_DATA)


def load_spec(path: str | Path) -> NetworkSpec:
    """Read a spec from a .toml or .json file (decided by the extension)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SpecError(f"cannot read spec file {str(path)!r}: {error.strerror}") from None
    if size > MAX_SPEC_BYTES:
        raise SpecError(f"spec file {str(path)!r} is larger than {MAX_SPEC_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"cannot read spec file {str(path)!r}: {error}") from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return parse_toml(text, source=str(path))
    if suffix == ".json":
        return parse_json(text, source=str(path))
    raise SpecError(f"spec file {str(path)!r} must end in .toml or .json")


def parse_toml(text: str, source: str = "<toml>") -> NetworkSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML: {_one_line(error)}") from None
    return spec_from_mapping(data, source)


def parse_json(text: str, source: str = "<json>") -> NetworkSpec:
    def reject_constant(name: str) -> float:
        raise SpecError(f"{source}: {name} is not a finite number")

    try:
        data = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise SpecError(f"{source}: not valid JSON: {_one_line(error)}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the top level must be an object of keys")
    return spec_from_mapping(data, source)


def spec_from_mapping(data: Mapping[str, Any], source: str = "spec") -> NetworkSpec:
    """Validate a parsed TOML/JSON document and build the spec from it."""
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise SpecError(
            f"{source}: unknown key {unknown[0]!r} (known keys: {', '.join(KNOWN_KEYS)})"
        )
    if "layers" not in data:
        raise SpecError(f"{source}: missing key 'layers'")
    layers = _layers(data["layers"], source)
    for key in ("inputs", "targets", "weights"):
        if key not in data:
            raise SpecError(f"{source}: missing key {key!r}")

    title = data.get("title", "symbp network")
    if not isinstance(title, str):
        raise SpecError(f"{source}: title must be a string")
    if len(title) > MAX_TITLE_LENGTH:
        raise SpecError(f"{source}: title is longer than {MAX_TITLE_LENGTH} characters")

    n_layers = len(layers) - 1

    activation = data.get("activation", "sigmoid")
    if isinstance(activation, str):
        activations = (activation,) * n_layers
    elif isinstance(activation, list) and all(isinstance(a, str) for a in activation):
        activations = tuple(activation)
        if len(activations) != n_layers:
            raise SpecError(
                f"{source}: activation lists {len(activations)} names but the network has "
                f"{n_layers} non-input layers"
            )
    else:
        raise SpecError(f"{source}: activation must be a name or a list of names")
    for name in activations:
        if name not in ACTIVATIONS:
            raise SpecError(
                f"{source}: unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})"
            )

    loss = data.get("loss", "half_sse")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise SpecError(f"{source}: unknown loss {loss!r} (known: {', '.join(LOSSES)})")

    numbering = data.get("numbering", "by-source")
    if not isinstance(numbering, str) or numbering not in NUMBERINGS:
        raise SpecError(
            f"{source}: unknown numbering {numbering!r} (known: {', '.join(NUMBERINGS)})"
        )

    learning_rate = _number(data.get("learning_rate", 1.0), f"{source}: learning_rate")
    inputs = _numbers(data["inputs"], f"{source}: inputs", layers[0])
    targets = _numbers(data["targets"], f"{source}: targets", layers[-1])
    n_weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    weights = _numbers(data["weights"], f"{source}: weights", n_weights)

    return NetworkSpec(
        title=title,
        layers=layers,
        activations=activations,
        loss=loss,
        numbering=numbering,
        learning_rate=learning_rate,
        inputs=inputs,
        targets=targets,
        weights=weights,
    )


def _layers(value: Any, source: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(_is_int(v) for v in value):
        raise SpecError(f"{source}: layers must be a list of whole numbers, e.g. [2, 2, 2]")
    if not 2 <= len(value) <= MAX_LAYERS:
        raise SpecError(f"{source}: layers must list 2 to {MAX_LAYERS} layers, not {len(value)}")
    for size in value:
        if not 1 <= size <= MAX_UNITS_PER_LAYER:
            raise SpecError(
                f"{source}: a layer of {size} units is outside 1..{MAX_UNITS_PER_LAYER}"
            )
    n_weights = sum(a * b for a, b in zip(value, value[1:], strict=False))
    if n_weights > MAX_WEIGHTS:
        raise SpecError(
            f"{source}: layers {value} have {n_weights} weights, more than the limit {MAX_WEIGHTS}"
        )
    return tuple(int(v) for v in value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where} must be a number, not {_describe(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise SpecError(f"{where} must be a finite number, not {value}")
    return number


def _numbers(value: Any, where: str, expected: int) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where} must be a list of {expected} numbers")
    if len(value) != expected:
        raise SpecError(f"{where} has {len(value)} values but the layers need {expected}")
    return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))


def _describe(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "..."
        return f"the string {shown!r}"
    return type(value).__name__


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
