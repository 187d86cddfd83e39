"""NetworkSpec: the description of one small network and one training sample.

A spec is plain data (frozen dataclasses of numbers and names). It is read from TOML or JSON,
validated field by field, and every problem is reported as a one-line SpecError naming the
field. The embedded default is the worked example of the Zhejiang University MOOC
"Introduction to AI: Models and Algorithms", section 8.3.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from symbp.core.dropout import DropoutSpec, parse_dropout
from symbp.core.operations import (
    ACTIVATION_NAMES,
    ACTIVATIONS,
    ADAGRAD,
    HALF_SSE,
    LOSS_NAMES,
    LOSSES,
    OPTIMIZER_NAMES,
    OUTPUT,
    PARAMETERS,
    RMSPROP,
    SGD,
    SIGMOID,
    activation_info,
    loss_info,
    optimizer_info,
    unknown_name,
)
from symbp.errors import SpecError, SymbpError
from symbp.files import read_small_text
from symbp.near import did_you_mean

#: Limits that keep a spec printable and a derivation tractable.
MAX_LAYERS = 8
MAX_UNITS_PER_LAYER = 128
MAX_WEIGHTS = 20_000
MAX_TITLE_LENGTH = 200
MAX_SPEC_BYTES = 1_000_000
#: The largest magnitude of any number in a spec (inputs, targets, weights, biases, learning
#: rate, slope, range): beyond it float64 sums of squares and exponentials overflow.
MAX_MAGNITUDE = 1e6
#: How deeply brackets may nest in a spec file; a spec needs 3 (checked before parsing, since
#: the parsers recurse once per level).
MAX_NESTING = 16
#: Digits an integer literal may have (Python refuses to read more than 4,300).
MAX_INTEGER_DIGITS = 30

#: how torch.optim and textbooks name the learning rate, which a spec gives as learning_rate
LEARNING_RATE_SPELLINGS = ("lr", "learning_rate", "learningrate", "step_size", "eta", "alpha")
NUMBERINGS = ("by-source", "by-target", "layered", "explicit")
BIAS_MODES = ("none", "per-layer", "per-unit")
REDUCTIONS = ("mean", "sum")
#: what the numeric path evaluates comfortably (see README, Performance); derivations still
#: show sample 1 and the reduction
MAX_SAMPLES = 10_000
#: samples × parameters (weights and biases): 10,000 samples of a network of up to 20
#: parameters, 11 of the largest ([2, 128, 128, 2], 16,896 weights)
MAX_SAMPLE_PARAMETERS = 200_000
MAX_STEPS = 10_000
#: explicit names: a letter, then letters, digits or underscores (never evaluated)
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
#: where torch's LeakyReLU puts its default
DEFAULT_NEGATIVE_SLOPE = float(PARAMETERS["negative_slope"].default)

KNOWN_KEYS = (
    "title",
    "layers",
    "activation",
    *PARAMETERS,  # each activation's parameter: negative_slope (leaky_relu), …
    "loss",
    "numbering",
    "weight_names",
    "learning_rate",
    "steps",
    "inputs",
    "targets",
    "reduction",
    "weights",
    "bias",
    "bias_values",
    "bias_trainable",
    "bias_names",
    "optimizer",
    OUTPUT.name,  # loss = "output" names the output it is under its own name: output = "o1"
    "tied_layers",
    "optimizer_state",
    "regularization",
    "dropout",
    "min_decimals",
)
#: the most decimals a spec's min_decimals may ask (handcheck/precision.py's MAX_MIN_DECIMALS)
MAX_SPEC_MIN_DECIMALS = 8

#: the objective "output": L is one network output itself (CS231n, micrograd), no targets
OUTPUT_LOSS = OUTPUT.name
OPTIMIZERS = OPTIMIZER_NAMES


@dataclass(frozen=True)
class OptimizerSpec:
    """How the parameters are updated: torch.optim.SGD, Adam or AdamW with torch's defaults.

    Plain data; the update rules themselves live in symbp.core.optim. Fields that an optimizer does
    not use keep their defaults (an SGD spec has Adam's betas, unused).
    """

    name: str = SGD.name
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    amsgrad: bool = False
    #: a given state before the first update (symbp's keys b, m, v, vmax, gbar, s: one value
    #: per trainable parameter), as torch.optim's state would hold it; empty: torch's start
    initial: tuple[tuple[str, tuple[float, ...]], ...] = ()
    initial_step: int = 0  # updates already made (torch's `step`: Adam's bias correction)
    alpha: float = 0.99  # RMSprop's smoothing constant
    centered: bool = False  # RMSprop: divide by the variance estimate v − ḡ²
    lr_decay: float = 0.0  # Adagrad: η/(1 + (t − 1)·lr_decay)
    initial_accumulator_value: float = 0.0  # Adagrad's starting sum of squared gradients

    def __post_init__(self) -> None:
        # a hand-built OptimizerSpec (the Python API) meets the rules parse_optimizer applies
        where = "optimizer"
        if not isinstance(self.name, str) or self.name not in OPTIMIZERS:
            raise SpecError(f"{where}: unknown optimizer {self.name!r}")
        for key in ("momentum", "weight_decay", "eps"):
            if _number(getattr(self, key), f"{where}: {key}") < 0:
                raise SpecError(f"{where}: {key} must be ≥ 0, not {getattr(self, key):g}")
        _number(self.dampening, f"{where}: dampening")
        if not isinstance(self.betas, tuple) or len(self.betas) != 2:
            raise SpecError(f"{where}: betas must be two numbers, e.g. (0.9, 0.999)")
        for index, beta in enumerate(self.betas):
            if not 0 <= _number(beta, f"{where}: betas[{index}]") < 1:
                raise SpecError(f"{where}: betas[{index}] must be in [0, 1), not {beta:g}")
        if not isinstance(self.nesterov, bool) or not isinstance(self.amsgrad, bool):
            raise SpecError(f"{where}: nesterov and amsgrad must be True or False")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise SpecError(f"{where}: nesterov needs momentum > 0 and dampening = 0")

    @property
    def is_plain_sgd(self) -> bool:
        """p ← p − η·∂L/∂p and nothing else: no state, no decay."""
        plain = not optimizer_info(self.name).adaptive
        return plain and self.momentum == 0 and self.weight_decay == 0

    def state_keys(self) -> tuple[str, ...]:
        """The state this optimizer keeps per parameter (symbp.core.optim's StateVariable keys)."""
        family = optimizer_info(self.name).family
        if family == SGD.family:
            return ("b",) if self.momentum != 0 else ()
        if family == RMSPROP.family:
            return (
                ("v",)
                + (("gbar",) if self.centered else ())
                + (("b",) if self.momentum != 0 else ())
            )
        if family == ADAGRAD.family:
            return ("s",)
        return ("m", "v") + (("vmax",) if self.amsgrad else ())

    def settings(self) -> dict[str, Any]:
        """The arguments torch.optim takes for this optimizer (besides the learning rate)."""
        values: dict[str, Any] = {
            "momentum": self.momentum,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "betas": self.betas,
            "eps": self.eps,
            "amsgrad": self.amsgrad,
            "alpha": self.alpha,
            "centered": self.centered,
            "lr_decay": self.lr_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
        }
        return {key: values[key] for key in optimizer_info(self.name).keys}


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
    inputs: tuple[float, ...]  # the first (or only) sample
    targets: tuple[float, ...]
    weights: tuple[float, ...]  # in numbering order
    negative_slope: float = DEFAULT_NEGATIVE_SLOPE  # leaky_relu's slope for z < 0
    #: the other activations' parameters a spec gives (symbp.core.operations.PARAMETERS), by key
    activation_parameters: tuple[tuple[str, float | str], ...] = ()
    bias: str = "none"  # none, per-layer (one shared by a layer's units) or per-unit
    bias_values: tuple[float, ...] = ()  # one per layer or one per unit, input layer excluded
    bias_trainable: bool = True  # every bias trainable (when given per bias: all of them)
    explicit_names: tuple[str, ...] = ()  # numbering = "explicit": one name per weight
    #: every sample (inputs, targets); empty means the single sample (inputs, targets)
    all_samples: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] = ()
    #: cross-entropy targets given as class indices (0-based), one per sample
    target_classes: tuple[int, ...] | None = None
    reduction: str = "mean"  # how the samples' losses combine
    steps: int = 1  # gradient-descent rounds for `symbp train`
    weight_init: str = "given"  # how the initial weights were chosen, for the reader
    #: bias_trainable given per bias (one flag per bias, in bias order); empty: all alike
    bias_trainable_each: tuple[bool, ...] = ()
    explicit_bias_names: tuple[str, ...] = ()  # bias_names = [...]: one name per bias
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    #: loss = "output": the 0-based index of the output that is the objective
    objective_output: int | None = None
    #: loss = "output" with output = ["o1", "o2"]: the 0-based indices of the outputs whose
    #: sum is L (NNFS's dvalues of ones); empty for one output or another loss
    objective_sum: tuple[int, ...] = ()
    #: regularization = { l2 = λ }: λ of the L2 penalty written into L (0: none)
    l2: float = 0.0
    #: l2_convention = "full": λΣw² rather than the default ½λΣw²
    l2_full: bool = False
    #: biases = true: the penalty covers the trainable biases too, not only the weights
    l2_biases: bool = False
    #: dropout = { keep_prob, masks | seed } on hidden layers (symbp.core.dropout), or None
    dropout: DropoutSpec | None = None
    #: groups of weight layers (1 = the weights into layer 1) that are one weight matrix and
    #: one set of biases, as one nn.Linear called twice: the first of a group owns the
    #: parameters (their names and values), the others use them
    tied_layers: tuple[tuple[int, ...], ...] = ()
    #: the fewest decimals check-hand takes a right number to be written to (None: any): an
    #: exercise writes its own into each student's spec.toml, so check-hand --spec judges a
    #: number as grade does (handcheck/precision.py)
    min_decimals: int | None = None

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every weight's place, in numbering order (the order of `weights`); a tied weight's
        place in the layer that owns it."""
        return edge_order(self.layers, self.numbering, self.tied_layers)

    @property
    def connections(self) -> tuple[tuple[Edge, int], ...]:
        """Every edge of the network with the position of the weight on it: a tied layer's
        edges carry the owning layer's weights."""
        edges = self.edges
        if not self.tied_layers:
            return tuple((edge, index) for index, edge in enumerate(edges))
        owners = layer_owners(len(self.layers), self.tied_layers)
        position = {(e.layer, e.source, e.target): index for index, e in enumerate(edges)}
        return tuple(
            (edge, position[(owners[edge.layer], edge.source, edge.target)])
            for edge in edge_order(self.layers, self.numbering)
        )

    @property
    def weight_names(self) -> tuple[str, ...]:
        return weight_names(self.layers, self.numbering, self.explicit_names, self.tied_layers)

    def activation_parameter(self, name: str) -> float | str | None:
        """The spec's value of the parameter activation `name` takes (leaky_relu's slope)."""
        parameter = activation_info(name).parameter
        return None if parameter is None else self.parameter(parameter.key)

    def parameter(self, key: str) -> float | str:
        """An activation parameter's value by its spec key: given, or the table's default."""
        if key == "negative_slope":
            return self.negative_slope
        given = dict(self.activation_parameters)
        return given.get(key, PARAMETERS[key].default)

    @property
    def objective_indices(self) -> tuple[int, ...]:
        """loss = "output": the outputs L is (the sum of); empty for other losses."""
        if self.objective_output is not None:
            return (self.objective_output,)
        return self.objective_sum

    @property
    def loss_parameter(self) -> float | str | None:
        """The loss's own parameter (huber's delta, hinge's margin), or None if it takes none."""
        info = loss_info(self.loss).parameter
        return None if info is None else self.parameter(info.key)

    @property
    def samples(self) -> tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]:
        """Every (inputs, targets) pair; one for a single-sample spec."""
        return self.all_samples or ((self.inputs, self.targets),)

    @property
    def bias_names(self) -> tuple[str, ...]:
        return self.explicit_bias_names or bias_names(self.layers, self.bias, self.tied_layers)

    @property
    def bias_trainable_flags(self) -> tuple[bool, ...]:
        """For each bias (bias order), whether gradient descent changes it."""
        return self.bias_trainable_each or (self.bias_trainable,) * len(self.bias_values)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """What gradient descent changes: the weights, then the trainable biases."""
        flags = self.bias_trainable_flags
        return self.weight_names + tuple(
            n for n, f in zip(self.bias_names, flags, strict=True) if f
        )

    @property
    def parameters(self) -> tuple[float, ...]:
        """The initial values of `parameter_names`."""
        flags = self.bias_trainable_flags
        return self.weights + tuple(v for v, f in zip(self.bias_values, flags, strict=True) if f)


def unit_name(layer: int, index: int, n_layers: int) -> str:
    """x1.. for inputs, o1.. for outputs, h1.. for a single hidden layer, h<l>_<j> for several."""
    if layer == 0:
        return f"x{index + 1}"
    if layer == n_layers - 1:
        return f"o{index + 1}"
    if n_layers == 3:
        return f"h{index + 1}"
    return f"h{layer}_{index + 1}"


def layer_owners(n_layers: int, tied: tuple[tuple[int, ...], ...] = ()) -> dict[int, int]:
    """For each weight layer 1..n−1, the layer whose weights it uses (itself unless tied)."""
    owners = {layer: layer for layer in range(1, n_layers)}
    for group in tied:
        for layer in group[1:]:
            owners[layer] = group[0]
    return owners


def weight_names(
    layers: tuple[int, ...],
    numbering: str,
    explicit: tuple[str, ...] = (),
    tied: tuple[tuple[int, ...], ...] = (),
) -> tuple[str, ...]:
    """The weights' names in numbering order: w1, w2, … or w<l>_<j>_<k> (layered) or explicit."""
    if numbering == "explicit":
        return explicit
    edges = edge_order(layers, numbering, tied)
    if numbering == "layered":
        return tuple(f"w{e.layer}_{e.target + 1}_{e.source + 1}" for e in edges)
    return tuple(f"w{i + 1}" for i in range(len(edges)))


def bias_names(
    layers: tuple[int, ...], mode: str, tied: tuple[tuple[int, ...], ...] = ()
) -> tuple[str, ...]:
    """b1, b2, … (one per non-input layer) or b_h1, b_o1, … (one per unit); a tied layer
    uses its owner's."""
    owners = layer_owners(len(layers), tied)
    own = [layer for layer in range(1, len(layers)) if owners[layer] == layer]
    if mode == "per-layer":
        return tuple(f"b{layer}" for layer in own)
    if mode == "per-unit":
        return tuple(
            f"b_{unit_name(layer, index, len(layers))}"
            for layer in own
            for index in range(layers[layer])
        )
    return ()


def edge_order(
    layers: tuple[int, ...], numbering: str, tied: tuple[tuple[int, ...], ...] = ()
) -> tuple[Edge, ...]:
    """The edges of a fully connected network in the order a numbering convention names them.

    by-source (the MOOC's): layer by layer, then by source unit, then by target unit, so that
    w1: x1→h1, w2: x1→h2, w3: x2→h1.  by-target (most English textbooks): layer by layer, then
    by target unit, then by source unit, so that w1: x1→h1, w2: x2→h1. layered (w^{(l)}_{jk},
    j the target and k the source) runs in by-target order; explicit names follow by-source order.
    The layers `tied` to an earlier one have no weights of their own and no edges here.
    """
    edges: list[Edge] = []
    owners = layer_owners(len(layers), tied)
    for layer in range(1, len(layers)):
        if owners[layer] != layer:
            continue
        n_source, n_target = layers[layer - 1], layers[layer]
        if numbering in ("by-source", "explicit"):
            pairs = [(s, t) for s in range(n_source) for t in range(n_target)]
        else:
            pairs = [(s, t) for t in range(n_target) for s in range(n_source)]
        edges.extend(Edge(layer, s, t) for s, t in pairs)
    return tuple(edges)


DEFAULT_SPEC_DATA: dict[str, Any] = {
    "title": "MOOC 8.3 worked example",
    "layers": [2, 2, 2],
    "activation": SIGMOID.name,
    "loss": HALF_SSE.name,
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
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a path (str or pathlib.Path), not {type(path).__name__}")
    path = Path(path)
    text = read_small_text(path, MAX_SPEC_BYTES, SpecError, f"spec file {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return parse_toml(text, source=str(path))
    if suffix == ".json":
        return parse_json(text, source=str(path))
    raise SpecError(f"spec file {str(path)!r} must end in .toml or .json")


def parse_toml(text: str, source: str = "<toml>") -> NetworkSpec:
    check_nesting(text, MAX_NESTING, SpecError, source, comments="#")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML: {_one_line(error)}") from None
    except RecursionError:
        raise SpecError(f"{source}: not valid TOML: nested too deeply") from None
    except ValueError as error:  # an integer of more than 4,300 digits, or another refusal
        raise SpecError(f"{source}: not valid TOML: {toml_value_error(error)}") from None
    return spec_from_mapping(data, source)


def parse_json(text: str, source: str = "<json>") -> NetworkSpec:
    def reject_constant(name: str) -> float:
        raise SpecError(f"{source}: {name} is not a finite number")

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
            raise SpecError(
                f"{source}: the number {digits[:12]}... has more than {MAX_INTEGER_DIGITS} digits"
            )
        return int(digits)

    check_nesting(text, MAX_NESTING, SpecError, source)
    try:
        data = json.loads(
            text,
            parse_constant=reject_constant,
            parse_int=bounded_int,
            object_pairs_hook=unique_keys(SpecError, source),
        )
    except json.JSONDecodeError as error:
        raise SpecError(f"{source}: not valid JSON: {_one_line(error)}") from None
    except RecursionError:
        raise SpecError(f"{source}: not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the top level must be an object of keys")
    return spec_from_mapping(data, source)


def spec_from_mapping(data: Mapping[str, Any], source: str = "spec") -> NetworkSpec:
    """Validate a parsed TOML/JSON document and build the spec from it."""
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise SpecError(
            f"{source}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], KNOWN_KEYS)}; "
            f"known keys: {', '.join(KNOWN_KEYS)}"
        )
    if "layers" not in data:
        raise SpecError(f"{source}: missing key 'layers'")
    layers = _layers(data["layers"], source)
    loss = data.get("loss", HALF_SSE.name)
    if not isinstance(loss, str) or loss not in LOSS_NAMES:
        raise SpecError(f"{source}: {unknown_name('loss', loss, LOSS_NAMES)}")
    # the objective "output" is a network output itself: there is nothing to aim at
    needed = ("inputs", "weights") if loss == OUTPUT_LOSS else ("inputs", "targets", "weights")
    for key in needed:
        if key not in data:
            raise SpecError(f"{source}: missing key {key!r}")
    objective = _objective_output(data, loss, layers, source)

    title = data.get("title", "symbp network")
    if not isinstance(title, str):
        raise SpecError(f"{source}: title must be a string")
    if len(title) > MAX_TITLE_LENGTH:
        raise SpecError(f"{source}: title is longer than {MAX_TITLE_LENGTH} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in title):
        raise SpecError(
            f"{source}: title holds a control character or a lone surrogate: {title[:40]!r}"
        )

    activations = _activations(data.get("activation", SIGMOID.name), len(layers) - 1, source)
    negative_slope = _number(
        data.get("negative_slope", DEFAULT_NEGATIVE_SLOPE), f"{source}: negative_slope"
    )
    parameters = _activation_parameters(data, source)
    _refuse_unused_parameters(parameters, activations, loss, source)
    _check_loss_fits_output(loss, activations[-1], source)

    numbering = data.get("numbering", "by-source")
    if not isinstance(numbering, str) or numbering not in NUMBERINGS:
        raise SpecError(f"{source}: {unknown_name('numbering', numbering, NUMBERINGS)}")
    tied = _tied_layers(data.get("tied_layers"), layers, source)
    n_weights = len(edge_order(layers, numbering, tied))
    explicit = _explicit_names(data, numbering, n_weights, source)

    optimizer = parse_optimizer(data.get("optimizer", SGD.name), f"{source}: optimizer")
    if "optimizer_state" in data:
        n_parameters = _trainable_count(data, layers, numbering, tied, source)
        optimizer = _optimizer_state(data["optimizer_state"], optimizer, n_parameters, source)
    learning_rate = _number(
        data.get("learning_rate", optimizer_info(optimizer.name).default_learning_rate),
        f"{source}: learning_rate",
    )
    if learning_rate <= 0:
        raise SpecError(f"{source}: learning_rate must be positive, not {learning_rate:g}")
    steps = data.get("steps", 1)
    if not _is_int(steps) or not 0 <= steps <= MAX_STEPS:
        raise SpecError(f"{source}: steps must be a whole number from 0 to {MAX_STEPS}")
    min_decimals = data.get("min_decimals")
    if min_decimals is not None and (
        not _is_int(min_decimals) or not 0 <= min_decimals <= MAX_SPEC_MIN_DECIMALS
    ):
        raise SpecError(
            f"{source}: min_decimals must be a whole number from 0 to {MAX_SPEC_MIN_DECIMALS}"
        )
    reduction = data.get("reduction", "mean")
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise SpecError(f"{source}: {unknown_name('reduction', reduction, REDUCTIONS)}")

    l2, l2_full, l2_biases = _regularization(data.get("regularization"), source)
    bias = data.get("bias", "none")
    if not isinstance(bias, str) or bias not in BIAS_MODES:
        raise SpecError(f"{source}: {unknown_name('bias', bias, BIAS_MODES)}")
    if tied and bias == "per-layer":
        raise SpecError(f"{source}: tied_layers works with bias 'none' or 'per-unit' only")
    n_biases = len(bias_names(layers, bias, tied))
    _check_sample_work(data["inputs"], layers, n_biases, source)
    samples, classes = _samples(data["inputs"], data.get("targets"), layers, loss, source)
    weights, weight_init = _initial_weights(data["weights"], layers, numbering, source, tied)
    dropout = None
    if "dropout" in data:
        dropout = parse_dropout(data["dropout"], layers, len(samples), source)
        for layer in dropout.layers:
            if not activation_info(activations[layer - 1]).elementwise:
                raise SpecError(
                    f"{source}: dropout on layer {layer}: its activation "
                    f"{activations[layer - 1]} is not unit by unit"
                )

    bias_values = _bias_values(data.get("bias_values"), bias, n_biases, source)
    bias_trainable, trainable_each = _bias_trainable(
        data.get("bias_trainable", True), bias, n_biases, source
    )
    explicit_biases = _explicit_bias_names(data.get("bias_names"), bias, n_biases, source)

    _check_names_distinct(
        weight_names(layers, numbering, explicit, tied)
        + (explicit_biases or bias_names(layers, bias, tied)),
        layers,
        source,
    )
    return NetworkSpec(
        title=title,
        layers=layers,
        activations=activations,
        loss=loss,
        numbering=numbering,
        learning_rate=learning_rate,
        inputs=samples[0][0],
        targets=samples[0][1],
        weights=weights,
        negative_slope=negative_slope,
        activation_parameters=parameters,
        bias=bias,
        bias_values=bias_values,
        bias_trainable=bias_trainable,
        explicit_names=explicit,
        all_samples=samples if len(samples) > 1 else (),
        target_classes=classes,
        reduction=reduction,
        steps=int(steps),
        min_decimals=None if min_decimals is None else int(min_decimals),
        weight_init=weight_init,
        bias_trainable_each=trainable_each,
        explicit_bias_names=explicit_biases,
        optimizer=optimizer,
        objective_output=objective[0] if len(objective) == 1 else None,
        objective_sum=objective if len(objective) > 1 else (),
        l2=l2,
        l2_full=l2_full,
        l2_biases=l2_biases,
        dropout=dropout,
        tied_layers=tied,
    )


def check_learning_rate(value: object, where: str = "--lr") -> float:
    """A learning rate as every command takes it: a finite number > 0 and ≤ 1e6 (0 or less
    would keep the weights or climb the loss: gradient ascent)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where} must be a number, not {_describe(value)}")
    rate = _number(value, where)
    if rate <= 0:
        raise SpecError(f"{where} must be positive, not {rate:g}")
    return rate


def parse_optimizer(value: Any, where: str = "optimizer") -> OptimizerSpec:
    """An optimizer from its name ("adam") or a table ({ name = "sgd", momentum = 0.9 }).

    torch.optim's defaults fill what is not given and torch's own validity rules apply, so
    that every accepted spec is one torch.optim accepts too.
    """
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise SpecError(f"{where} must be a name ({', '.join(OPTIMIZERS)}) or a table")
    name = value.get("name")
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise SpecError(f"{where}: {unknown_name('optimizer', name, OPTIMIZERS)}")
    info = optimizer_info(name)
    allowed = info.keys
    unknown = sorted(set(value) - {"name", *allowed})
    if unknown:
        line = f"{where}: {name} has no setting {unknown[0]!r}"
        if unknown[0].casefold() in LEARNING_RATE_SPELLINGS:  # torch.optim's lr is not a setting
            rate = "--lr" if where.startswith("--") else "the spec's top-level learning_rate"
            raise SpecError(f"{line}: the learning rate is {rate}")
        raise SpecError(f"{line}{did_you_mean(unknown[0], allowed)}; known: {', '.join(allowed)}")

    def non_negative(key: str, default: float) -> float:
        number = _number(value.get(key, default), f"{where}: {key}")
        if number < 0:
            raise SpecError(f"{where}: {key} must be ≥ 0, not {number:g}")
        return number

    def flag(key: str) -> bool:
        given = value.get(key, False)
        if not isinstance(given, bool):
            raise SpecError(f"{where}: {key} must be true or false")
        return given

    if info.family == RMSPROP.family:
        alpha = non_negative("alpha", 0.99)  # torch refuses α < 0 and lets α > 1 through
        if alpha > 1:
            raise SpecError(
                f"{where}: alpha must be in [0, 1], not {alpha:g}: with alpha > 1 the average "
                f"v = alpha·v + (1 − alpha)·g² turns negative and √v is undefined"
            )
        return OptimizerSpec(
            name=name,
            alpha=alpha,
            eps=non_negative("eps", info.default_eps),
            weight_decay=non_negative("weight_decay", 0.0),
            momentum=non_negative("momentum", 0.0),
            centered=flag("centered"),
        )
    if info.family == ADAGRAD.family:
        return OptimizerSpec(
            name=name,
            lr_decay=non_negative("lr_decay", 0.0),
            weight_decay=non_negative("weight_decay", 0.0),
            initial_accumulator_value=non_negative("initial_accumulator_value", 0.0),
            eps=non_negative("eps", info.default_eps),
        )
    if not info.adaptive:
        momentum = non_negative("momentum", 0.0)
        dampening = _number(value.get("dampening", 0.0), f"{where}: dampening")
        nesterov = flag("nesterov")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise SpecError(
                f"{where}: nesterov needs momentum > 0 and dampening = 0 (as torch.optim.SGD)"
            )
        return OptimizerSpec(
            name=name,
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=non_negative("weight_decay", 0.0),
        )
    betas = value.get("betas", [0.9, 0.999])
    if not isinstance(betas, list | tuple) or len(betas) != 2:
        raise SpecError(f"{where}: betas must be a list of two numbers, e.g. [0.9, 0.999]")
    beta1, beta2 = (_number(b, f"{where}: betas[{i}]") for i, b in enumerate(betas))
    for index, beta in enumerate((beta1, beta2)):
        if not 0 <= beta < 1:
            raise SpecError(f"{where}: betas[{index}] must be in [0, 1), not {beta:g}")
    return OptimizerSpec(
        name=name,
        betas=(beta1, beta2),
        eps=non_negative("eps", 1e-8),
        weight_decay=non_negative("weight_decay", info.default_weight_decay),
        amsgrad=flag("amsgrad"),
    )


def _objective_output(
    data: Mapping[str, Any], loss: str, layers: tuple[int, ...], source: str
) -> tuple[int, ...]:
    """loss = "output" with output = "o1" (or a list of outputs, whose sum L is): the indices
    of those outputs; empty for other losses."""
    output = data.get(OUTPUT.name)
    if loss != OUTPUT_LOSS:
        if output is not None:
            raise SpecError(f"{source}: output needs loss = 'output'")
        return ()
    if "targets" in data:
        raise SpecError(
            f"{source}: loss 'output' differentiates an output itself and takes no targets"
        )
    names = [f"o{k + 1}" for k in range(layers[-1])]
    if output is None:
        if len(names) > 1:
            raise SpecError(f"{source}: loss 'output' needs output = one of {', '.join(names)}")
        return (0,)
    listed = output if isinstance(output, list) and output else [output]
    for name in listed:
        if not isinstance(name, str) or name not in names:
            raise SpecError(
                f"{source}: output must be the name of an output unit ({', '.join(names)}) "
                f"or a list of them, not {_describe(name)}"
            )
    if len(set(listed)) != len(listed):
        raise SpecError(f"{source}: output names an output twice: {listed}")
    return tuple(sorted(names.index(name) for name in listed))


def _bias_trainable(
    value: Any, mode: str, count: int, source: str
) -> tuple[bool, tuple[bool, ...]]:
    """bias_trainable as one flag for every bias, or one flag per bias (in bias order)."""
    if isinstance(value, bool):
        return value, ()
    if not isinstance(value, list) or not all(isinstance(v, bool) for v in value):
        raise SpecError(
            f"{source}: bias_trainable must be true or false, or a list of them (one per bias)"
        )
    if mode == "none":
        raise SpecError(
            f"{source}: bias_trainable as a list needs bias = 'per-layer' or 'per-unit'"
        )
    if len(value) != count:
        raise SpecError(
            f"{source}: bias_trainable has {len(value)} flags but there are {count} biases"
        )
    return all(value), tuple(value)


def _explicit_bias_names(value: Any, mode: str, count: int, source: str) -> tuple[str, ...]:
    """bias_names = [...]: a source's own labels (θ4, b1), identifiers, never evaluated."""
    if value is None:
        return ()
    if mode == "none":
        raise SpecError(f"{source}: bias_names needs bias = 'per-layer' or 'per-unit'")
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise SpecError(f"{source}: bias_names must be a list of names")
    if len(value) != count:
        raise SpecError(f"{source}: bias_names has {len(value)} names but there are {count} biases")
    for index, name in enumerate(value):
        if not NAME_PATTERN.fullmatch(name):
            raise SpecError(
                f"{source}: bias_names[{index}] {_describe(name)} is not a name (a letter, "
                "then up to 30 letters, digits or underscores)"
            )
    return tuple(value)


def _activations(value: Any, n_layers: int, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        activations = (value,) * n_layers
    elif isinstance(value, list) and all(isinstance(a, str) for a in value):
        activations = tuple(value)
        if len(activations) != n_layers:
            raise SpecError(
                f"{source}: activation lists {len(activations)} names but the network has "
                f"{n_layers} non-input layers"
            )
    else:
        raise SpecError(f"{source}: activation must be a name or a list of names")
    for name in activations:
        if name not in ACTIVATION_NAMES:
            _refuse_spelled_form(name, source)
            raise SpecError(f"{source}: {unknown_name('activation', name, ACTIVATION_NAMES)}")
    for name in activations[:-1]:
        if not activation_info(name).elementwise:
            raise SpecError(f"{source}: activation {name!r} is allowed on the output layer only")
    return activations


def _refuse_spelled_form(name: str, source: str) -> None:
    """gelu_tanh, as derivations print gelu's tanh form, is gelu with approximate = "tanh"."""
    for info in ACTIVATIONS:
        parameter = info.parameter
        for choice in parameter.choices if parameter is not None else ():
            if name == f"{info.name}_{choice}":
                assert parameter is not None
                raise SpecError(
                    f'{source}: activation {name!r} is written activation = "{info.name}" with '
                    f'{parameter.key} = "{choice}"'
                )


def _refuse_unused_parameters(
    parameters: tuple[tuple[str, float | str], ...],
    activations: tuple[str, ...],
    loss: str,
    source: str,
) -> None:
    """alpha without elu, approximate without gelu, delta without huber: a parameter that no
    layer's activation and not the loss takes is a mistake."""
    for key, _ in parameters:
        owners = [
            entry.name
            for entry in (*ACTIVATIONS, *LOSSES)
            if entry.parameter and entry.parameter.key == key
        ]
        if not any(owner in (*activations, loss) for owner in owners):
            raise SpecError(
                f"{source}: {key} is {' or '.join(owners)}'s parameter, but neither a layer nor "
                f"the loss uses it (activation: {', '.join(dict.fromkeys(activations))}; "
                f"loss: {loss})"
            )


def _activation_parameters(
    data: Mapping[str, Any], source: str
) -> tuple[tuple[str, float | str], ...]:
    """The activation parameters the spec gives (besides negative_slope), in table order: a
    number, or one of a parameter's choices."""
    found: list[tuple[str, float | str]] = []
    for key, parameter in PARAMETERS.items():
        if key == "negative_slope" or key not in data:
            continue
        value = data[key]
        if parameter.choices:
            if not isinstance(value, str) or value not in parameter.choices:
                raise SpecError(f"{source}: {unknown_name(key, value, parameter.choices)}")
            found.append((key, value))
        else:
            number = _number(value, f"{source}: {key}")
            low = parameter.minimum
            if low is not None and (number < low or (parameter.above_minimum and number == low)):
                side = "greater than" if parameter.above_minimum else "at least"
                raise SpecError(f"{source}: {key} must be {side} {low:g}, not {number:g}")
            found.append((key, number))
    return tuple(found)


def _check_loss_fits_output(loss: str, output_activation: str, source: str) -> None:
    # torch.nn.CrossEntropyLoss applies softmax itself; symbp shows it as the output layer,
    # and BCE needs outputs in [0, 1]: each such loss names the output activation it takes
    needed = loss_info(loss).cancels_with
    if needed and output_activation != needed:
        raise SpecError(
            f"{source}: loss {loss!r} needs activation {needed!r} on the output layer, "
            f"not {output_activation!r}"
        )


def _explicit_names(
    data: Mapping[str, Any], numbering: str, n_weights: int, source: str
) -> tuple[str, ...]:
    names = data.get("weight_names")
    if numbering != "explicit":
        if names is not None:
            raise SpecError(f"{source}: weight_names needs numbering = 'explicit'")
        return ()
    if names is None:
        raise SpecError(f"{source}: numbering 'explicit' needs weight_names, one per weight")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SpecError(f"{source}: weight_names must be a list of names")
    if len(names) != n_weights:
        raise SpecError(
            f"{source}: weight_names has {len(names)} names but the layers need {n_weights}"
        )
    for index, name in enumerate(names):
        if not NAME_PATTERN.fullmatch(name):
            raise SpecError(
                f"{source}: weight_names[{index}] {_describe(name)} is not a name (a letter, "
                "then up to 30 letters, digits or underscores)"
            )
    return tuple(names)


def _check_names_distinct(names: tuple[str, ...], layers: tuple[int, ...], source: str) -> None:
    taken = {"L"}
    for layer, size in enumerate(layers):
        for index in range(size):
            unit = unit_name(layer, index, len(layers))
            taken |= {unit, f"z_{unit}", f"delta_{unit}"}
    taken |= {f"y{k + 1}" for k in range(layers[-1])}
    taken |= {f"L_o{k + 1}" for k in range(layers[-1])}  # the per-output loss terms
    seen: set[str] = set()
    for name in names:
        if name in taken:
            raise SpecError(f"{source}: weight_names: {name!r} is already the name of a unit")
        if name in seen:
            raise SpecError(f"{source}: weight_names: {name!r} is used twice")
        seen.add(name)


def _check_sample_work(inputs: Any, layers: tuple[int, ...], n_biases: int, source: str) -> None:
    """Refuse, before reading them, more samples than the network's size allows: every
    command's work and memory grow with samples × parameters (the finite-difference check with
    samples × parameters²), so their product is bounded, not each alone."""
    several = isinstance(inputs, list) and bool(inputs) and isinstance(inputs[0], list)
    if not several:
        return
    parameters = sum(a * b for a, b in zip(layers, layers[1:], strict=False)) + n_biases
    if len(inputs) * parameters > MAX_SAMPLE_PARAMETERS:
        most = max(1, MAX_SAMPLE_PARAMETERS // parameters)
        raise SpecError(
            f"{source}: {len(inputs):,} samples × {parameters:,} parameters is more than "
            f"{MAX_SAMPLE_PARAMETERS:,}: this network takes at most {most:,} samples"
        )


def _samples(
    inputs: Any, targets: Any, layers: tuple[int, ...], loss: str, source: str
) -> tuple[tuple[tuple[tuple[float, ...], tuple[float, ...]], ...], tuple[int, ...] | None]:
    """Every (inputs, targets) pair, and the class indices when targets were given that way."""
    several = isinstance(inputs, list) and bool(inputs) and isinstance(inputs[0], list)
    if loss == OUTPUT_LOSS:  # no targets: each sample is its inputs alone
        if several and len(inputs) > MAX_SAMPLES:
            raise SpecError(
                f"{source}: inputs lists {len(inputs)} samples, more than {MAX_SAMPLES}"
            )
        listed = inputs if several else [inputs]
        rows = [
            _numbers(row, f"{source}: inputs" + (f"[{i}]" if several else ""), layers[0])
            for i, row in enumerate(listed)
        ]
        return tuple((row, ()) for row in rows), None
    if several:
        if len(inputs) > MAX_SAMPLES:
            raise SpecError(
                f"{source}: inputs lists {len(inputs)} samples, more than {MAX_SAMPLES}"
            )
        if not isinstance(targets, list) or len(targets) != len(inputs):
            raise SpecError(
                f"{source}: targets must list one entry per sample ({len(inputs)} samples)"
            )
        rows = [_numbers(row, f"{source}: inputs[{i}]", layers[0]) for i, row in enumerate(inputs)]
        target_rows = [
            _targets(t, f"{source}: targets[{i}]", layers[-1], loss) for i, t in enumerate(targets)
        ]
    else:
        rows = [_numbers(inputs, f"{source}: inputs", layers[0])]
        target_rows = [_targets(targets, f"{source}: targets", layers[-1], loss)]
    kinds = {cls is None for _, cls in target_rows}
    if len(kinds) > 1:
        raise SpecError(f"{source}: targets mixes class indices and lists of values")
    classes = (
        None
        if None in {cls for _, cls in target_rows}
        else tuple(int(cls) for _, cls in target_rows if cls is not None)
    )
    samples = tuple((row, values) for row, (values, _) in zip(rows, target_rows, strict=True))
    return samples, classes


def _targets(
    value: Any, where: str, n_outputs: int, loss: str
) -> tuple[tuple[float, ...], int | None]:
    """One sample's targets, and its class index when the target is given as one."""
    info = loss_info(loss)
    if info.class_targets and _is_int(value):
        if not 0 <= value < n_outputs:
            raise SpecError(
                f"{where}: class index {value} is not a valid class (0..{n_outputs - 1})"
            )
        return tuple(1.0 if k == value else 0.0 for k in range(n_outputs)), int(value)
    if info.index_targets:
        raise SpecError(
            f"{where}: {loss} targets must be a class index (0..{n_outputs - 1}), not "
            f"{_describe(value)}"
        )
    values = _numbers(value, where, n_outputs)
    if info.class_targets and (any(v < 0 for v in values) or abs(math.fsum(values) - 1) > 1e-9):
        raise SpecError(
            f"{where}: {loss} targets must be a class index or a probability "
            f"distribution (values ≥ 0 summing to 1), not {list(values)}"
        )
    if info.unit_targets and any(not 0 <= v <= 1 for v in values):
        raise SpecError(f"{where}: {loss} targets must lie in [0, 1], not {list(values)}")
    return values, None


def _initial_weights(
    value: Any,
    layers: tuple[int, ...],
    numbering: str,
    source: str,
    tied: tuple[tuple[int, ...], ...] = (),
) -> tuple[tuple[float, ...], str]:
    """The initial weights and how they were chosen: given, zero, or uniform random."""
    n_weights = len(edge_order(layers, numbering, tied))
    if value == "zero":
        return (0.0,) * n_weights, "all zero"
    if isinstance(value, dict):
        return _random_weights(value, layers, numbering, source, tied)
    if isinstance(value, str):
        raise SpecError(
            f"{source}: weights must be a list of numbers, 'zero', or "
            "{ random = 'uniform', seed = N }"
        )
    return _numbers(value, f"{source}: weights", n_weights), "given"


def _random_weights(
    table: Mapping[str, Any],
    layers: tuple[int, ...],
    numbering: str,
    source: str,
    tied: tuple[tuple[int, ...], ...] = (),
) -> tuple[tuple[float, ...], str]:
    """Each weight drawn independently from U(−r, r), numpy's PCG64 seeded, numbering order.

    r is 1/√(fan-in of the weight's target unit) unless given: torch.nn.Linear's default range.
    """
    import numpy as np

    where = f"{source}: weights"
    unknown = sorted(set(table) - {"random", "seed", "range"})
    if unknown:
        hint = did_you_mean(unknown[0], ("random", "seed", "range"))
        raise SpecError(f"{where}: unknown key {unknown[0]!r}{hint}; known: random, seed, range")
    if table.get("random") != "uniform":
        raise SpecError(f"{where}: random must be 'uniform'")
    seed = table.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise SpecError(f"{where}: seed must be a whole number from 0 to 2^63 − 1")
    given_range = None
    if "range" in table:
        given_range = _number(table["range"], f"{where}: range")
        if given_range <= 0:
            raise SpecError(f"{where}: range must be positive")
    rng = np.random.default_rng(seed)
    weights = []
    for edge in edge_order(layers, numbering, tied):
        bound = given_range if given_range is not None else 1 / math.sqrt(layers[edge.layer - 1])
        weights.append(float(rng.uniform(-bound, bound)))
    bound_text = f"{given_range:g}" if given_range is not None else "1/√fan-in"
    return tuple(weights), (
        f"random: each weight from U(−{bound_text}, {bound_text}), numpy default_rng({seed}), "
        "in numbering order"
    )


def _tied_layers(value: Any, layers: tuple[int, ...], source: str) -> tuple[tuple[int, ...], ...]:
    """tied_layers = [[1, 2]]: groups of weight layers that are one matrix of the same shape."""
    if value is None:
        return ()
    where = f"{source}: tied_layers"
    last = len(layers) - 1
    if not isinstance(value, list) or not all(
        isinstance(group, list) and all(_is_int(v) for v in group) for group in value
    ):
        raise SpecError(f"{where} must be a list of lists of weight layers, e.g. [[1, 2]]")
    seen: set[int] = set()
    groups = []
    for group in value:
        if len(group) < 2:
            raise SpecError(f"{where}: {group} ties fewer than two layers")
        for layer in group:
            if not 1 <= layer <= last:
                raise SpecError(f"{where}: weight layer {layer} is not one of 1..{last}")
            if layer in seen:
                raise SpecError(f"{where}: weight layer {layer} is listed twice")
            seen.add(layer)
        first = group[0]
        shape = (layers[first], layers[first - 1])
        for layer in group[1:]:
            if (layers[layer], layers[layer - 1]) != shape:
                raise SpecError(
                    f"{where}: weight layer {layer} is {layers[layer]}×{layers[layer - 1]} "
                    f"but layer {first} is {shape[0]}×{shape[1]}: tied layers need one shape"
                )
        groups.append(tuple(sorted(int(v) for v in group)))
    return tuple(groups)


def _bias_values(value: Any, mode: str, count: int, source: str) -> tuple[float, ...]:
    if mode == "none":
        if value is not None:
            raise SpecError(f"{source}: bias_values needs bias = 'per-layer' or 'per-unit'")
        return ()
    if value is None or value == "zero":
        return (0.0,) * count
    return _numbers(value, f"{source}: bias_values", count)


def _layers(value: Any, source: str) -> tuple[int, ...]:
    if isinstance(value, list) and value and isinstance(value[0], list):
        raise SpecError(
            f"{source}: layers begins with an input shape [C, H, W]: a convolutional network, "
            "which symbp.conv(...) and the CLI's derive, check and export read (docs/conv.md)"
        )
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
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        # str() of an integer of more than 4,300 digits raises: estimate its length instead
        digits = int(abs(value).bit_length() * 0.30103) + 1
        shown = str(value) if digits <= 20 else f"a whole number of about {digits} digits"
        raise SpecError(f"{where} is {shown}, outside ±{MAX_MAGNITUDE:.0e}")
    number = float(value)
    if not math.isfinite(number):
        raise SpecError(f"{where} must be a finite number, not {value}")
    if abs(number) > MAX_MAGNITUDE:
        raise SpecError(f"{where} is {number:g}, outside ±{MAX_MAGNITUDE:.0e}")
    return number


def _numbers(value: Any, where: str, expected: int) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where} must be a list of {expected} numbers")
    if len(value) != expected:
        raise SpecError(f"{where} has {len(value)} values but the layers need {expected}")
    return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))


def check_nesting(
    text: str, limit: int, error: type[SymbpError], source: str, comments: str = ""
) -> None:
    """Refuse text whose brackets nest more than `limit` deep, before a recursive parser sees it.

    Brackets inside quoted strings (and after a comment character, for TOML) do not count.
    """
    depth = 0
    quote = ""
    escaped = comment = False
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in comments:
            comment = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                raise error(f"{source}: brackets nest more than {limit} levels deep")
        elif char in "]}":
            depth = max(0, depth - 1)


def toml_value_error(error: ValueError) -> str:
    """What a ValueError out of tomllib means, in a few words (one line)."""
    text = _one_line(error)
    if "digits" in text:  # int() refusing more than 4,300 digits
        return "a number is too long"
    return text or "a value it cannot read"


def unique_keys(
    error: type[SymbpError], source: str
) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A json object_pairs_hook refusing a key written twice in one object (json.loads would
    keep the last silently, where a reader of the file may see the first)."""

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for key, value in pairs:
            if key in document:
                raise error(f"{source}: the key {key[:40]!r} is written twice in one object")
            document[key] = value
        return document

    return pairs_to_dict


def _describe(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "..."
        return f"the string {shown!r}"
    return type(value).__name__


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


#: state that is a running sum or mean of squares, so never negative
_SQUARES = ("v", "vmax", "s")


def _trainable_count(
    data: Mapping[str, Any],
    layers: tuple[int, ...],
    numbering: str,
    tied: tuple[tuple[int, ...], ...],
    source: str,
) -> int:
    """How many parameters gradient descent changes: the weights and the trainable biases."""
    bias = data.get("bias", "none")
    n_biases = len(bias_names(layers, bias, tied)) if bias in BIAS_MODES else 0
    trainable = data.get("bias_trainable", True)
    if isinstance(trainable, list):
        n_biases = sum(1 for flag in trainable if flag is True)
    elif trainable is False:
        n_biases = 0
    return len(edge_order(layers, numbering, tied)) + n_biases


def _optimizer_state(
    value: Any, optimizer: OptimizerSpec, count: int, source: str
) -> OptimizerSpec:
    """optimizer_state = { b = [...], step = 3 }: the optimizer's state before the first
    update, one value per trainable parameter (weights in numbering order, then biases)."""
    where = f"{source}: optimizer_state"
    if not isinstance(value, Mapping):
        raise SpecError(f"{where} must be a table of lists, e.g. {{ b = [0.1, 0.2] }}")
    keys = optimizer.state_keys()
    allowed = keys + (("step",) if optimizer_info(optimizer.name).adaptive else ())
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        known = ", ".join(allowed) if allowed else "none: give it momentum > 0 first"
        raise SpecError(
            f"{where}: {optimizer.name} keeps no state {unknown[0]!r} with these settings "
            f"(known: {known})"
        )
    given: list[tuple[str, tuple[float, ...]]] = []
    for key in keys:
        if key not in value:
            continue
        listed = value[key]
        if not isinstance(listed, list) or len(listed) != count:
            size = f"{len(listed)} values" if isinstance(listed, list) else _describe(listed)
            raise SpecError(
                f"{where}: {key} must list one number per trainable parameter ({count}), not {size}"
            )
        numbers = _numbers(listed, f"{where}: {key}", count)
        if key in _SQUARES and any(v < 0 for v in numbers):
            raise SpecError(f"{where}: {key} holds squares and must be ≥ 0, not {list(numbers)}")
        given.append((key, numbers))
    step = value.get("step", 0)
    if not _is_int(step) or not 0 <= step <= MAX_STEPS:
        raise SpecError(f"{where}: step must be a whole number from 0 to {MAX_STEPS}")
    return replace(optimizer, initial=tuple(given), initial_step=int(step))


L2_CONVENTIONS = ("half", "full")


def _regularization(value: Any, source: str) -> tuple[float, bool, bool]:
    """regularization = { l2 = λ, l2_convention = "half", biases = false }: λ, whether the
    penalty is λΣw² (full) rather than ½λΣw², and whether it covers the biases."""
    if value is None:
        return 0.0, False, False
    where = f"{source}: regularization"
    if not isinstance(value, Mapping):
        raise SpecError(f"{where} must be a table, e.g. {{ l2 = 0.01 }}")
    known = ("l2", "l2_convention", "biases")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise SpecError(
            f"{where}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], known)}; "
            f"known: {', '.join(known)}"
        )
    if "l2" not in value:
        raise SpecError(f"{where} needs l2 = λ, the penalty's weight")
    l2 = _number(value["l2"], f"{where}: l2")
    if l2 < 0:
        raise SpecError(f"{where}: l2 must be ≥ 0, not {l2:g}")
    convention = value.get("l2_convention", "half")
    if not isinstance(convention, str) or convention not in L2_CONVENTIONS:
        raise SpecError(f"{where}: {unknown_name('l2_convention', convention, L2_CONVENTIONS)}")
    biases = value.get("biases", False)
    if not isinstance(biases, bool):
        raise SpecError(f"{where}: biases must be true or false")
    return l2, convention == "full", biases
