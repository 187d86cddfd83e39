"""RnnSpec: an Elman recurrent network, its sequences, targets and weights, read from a spec.

    layers = [1, { rnn = 1, activation = "tanh" }, { dense = 1, activation = "identity" }]
    inputs = [[1.0], [2.0]]          # one sequence, a row per time step
    targets = [[1.0], [2.0]]         # a target per step (or target_steps = "last": one)
    initial_state = [0.0]            # h₀; omitted: zeros, as torch's nn.RNN
    weights = { W_xh = [[0.5]], W_hh = [[0.1]], W_hy = [[2.0]] }
    bias = "none"                    # or { b_ih = [...], b_hh = [...], b_y = [...] }
    loss = "half_sse"

The cell is torch's nn.RNN, h_t = f(W_xh x_t + b_ih + W_hh h_{t−1} + b_hh), with the head
o_t = g(W_hy h_t + b_y) (an nn.Linear and its activation). Weight matrices have torch's shapes:
W_xh (nn.RNN's weight_ih_l0) is [hidden, inputs], W_hh [hidden, hidden], W_hy [outputs, hidden].

Decisions where torch leaves a choice:
- `initial_state` may be omitted: h₀ = 0, torch's default. With several sequences it is one
  state shared by all, or one state per sequence; then every sequence needs its own, and a
  missing one is an error naming it.
- Biases: `bias = "none"` (the default, nn.RNN(bias=False) and a Linear without bias), or a
  table of any of b_ih, b_hh (nn.RNN's two biases) and b_y (the head's). A bias left out of the
  table is not in the model; a textbook's single b_h is written b_ih (or b_hh).
- L = the loss of each (sequence, step) with a target, summed over them (`reduction = "sum"`,
  the default, as the walkthroughs write L = Σ_t L_t) or their mean (`reduction = "mean"`).

Plain data, no sympy: the CLI reads a spec, and the torch worker builds its model from it,
before sympy is imported. Every problem is one SpecError naming the key.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbp.core.operations import (
    HALF_SSE,
    LOSS_NAMES,
    OUTPUT,
    PARAMETERS,
    activation_info,
    loss_info,
    unknown_name,
)
from symbp.core.spec import (
    MAX_NESTING,
    MAX_SPEC_BYTES,
    MAX_TITLE_LENGTH,
    REDUCTIONS,
    _activation_parameters,
    _check_loss_fits_output,
    _describe,
    _is_int,
    _number,
    _refuse_unused_parameters,
    _targets,
    check_nesting,
    toml_value_error,
    unique_keys,
)
from symbp.core.training_keys import TRAINING_KEYS, read_training_keys
from symbp.errors import SpecError
from symbp.files import read_small_text
from symbp.near import did_you_mean

__all__ = [
    "BIAS_NAMES",
    "LAST",
    "RnnSpec",
    "WEIGHT_NAMES",
    "is_rnn_data",
    "load_rnn_spec",
    "rnn_spec_from_mapping",
]

#: the weight matrices, in the order symbp lists parameters
W_XH, W_HH, W_HY = "W_xh", "W_hh", "W_hy"
WEIGHT_NAMES = (W_XH, W_HH, W_HY)
#: the biases a spec may give: nn.RNN's two, and the output head's
B_IH, B_HH, B_Y = "b_ih", "b_hh", "b_y"
BIAS_NAMES = (B_IH, B_HH, B_Y)
#: target_steps: a target at every step, or at the last step only
ALL, LAST = "all", "last"
TARGET_STEPS = (ALL, LAST)
#: the spec keys
RECURRENT, DENSE = "rnn", "dense"
KNOWN_KEYS = (
    "title",
    "layers",
    "inputs",
    "targets",
    "target_steps",
    "initial_state",
    "weights",
    "bias",
    "loss",
    "reduction",
    *PARAMETERS,
    *TRAINING_KEYS,
)

#: what a derivation stays tractable at (100 steps of 16 units is the benchmark's size)
MAX_HIDDEN = 64
MAX_INPUTS = 64
MAX_OUTPUTS = 64
MAX_STEPS = 500
MAX_SEQUENCES = 100
#: hidden units summed over every step of every sequence (each one a z and an h node)
MAX_HIDDEN_NODES = 20_000
#: the recurrent cell's default activation (nn.RNN's nonlinearity), and the head's
DEFAULT_CELL, DEFAULT_HEAD = "tanh", "identity"

Row = tuple[float, ...]
Matrix = tuple[Row, ...]


@dataclass(frozen=True)
class RnnSpec:
    """One Elman network and its sequences: everything torch and symbp build the model from."""

    n_inputs: int
    n_hidden: int
    n_outputs: int
    cell_activation: str
    output_activation: str
    #: per sequence, a row of inputs per step (all sequences have the same number of steps)
    sequences: tuple[Matrix, ...]
    #: per sequence, h₀
    initial_states: tuple[Row, ...]
    weights: tuple[Matrix, Matrix, Matrix]  # W_xh, W_hh, W_hy in torch's shapes
    #: the biases the model has, by name (b_ih, b_hh, b_y), in that order
    biases: tuple[tuple[str, Row], ...] = ()
    loss: str = HALF_SSE.name
    #: per sequence, a row of targets per targeted step (every step, or the last only)
    targets: tuple[Matrix, ...] = ()
    #: class indices, when the targets were given that way, in the same arrangement
    target_classes: tuple[tuple[int, ...], ...] | None = None
    target_steps: str = ALL
    reduction: str = "sum"
    #: the activations' and the loss's parameters the spec gives (negative_slope, delta, …)
    parameters: tuple[tuple[str, float | str], ...] = ()
    title: str = "symbp recurrent network"

    @property
    def n_steps(self) -> int:
        return len(self.sequences[0])

    @property
    def n_sequences(self) -> int:
        return len(self.sequences)

    @property
    def target_step_indices(self) -> tuple[int, ...]:
        """The steps (1-based) with an output and a target."""
        if self.target_steps == LAST:
            return (self.n_steps,)
        return tuple(range(1, self.n_steps + 1))

    @property
    def has_targets(self) -> bool:
        return not loss_info(self.loss).objective

    def weight(self, name: str) -> Matrix:
        return self.weights[WEIGHT_NAMES.index(name)]

    def bias(self, name: str) -> Row | None:
        return dict(self.biases).get(name)

    def parameter(self, key: str) -> float | str:
        """An activation's or the loss's parameter by its spec key: given, or the default."""
        return dict(self.parameters).get(key, PARAMETERS[key].default)

    def activation_parameter(self, activation: str) -> float | str | None:
        found = activation_info(activation).parameter
        return None if found is None else self.parameter(found.key)

    @property
    def loss_parameter(self) -> float | str | None:
        found = loss_info(self.loss).parameter
        return None if found is None else self.parameter(found.key)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each parameter's shape, by name: the weights', then the biases'."""
        found: dict[str, tuple[int, ...]] = {
            W_XH: (self.n_hidden, self.n_inputs),
            W_HH: (self.n_hidden, self.n_hidden),
            W_HY: (self.n_outputs, self.n_hidden),
        }
        for name, _ in self.biases:
            found[name] = (self.n_outputs if name == B_Y else self.n_hidden,)
        return found


def is_rnn_data(data: Mapping[str, Any]) -> bool:
    """Whether a parsed spec describes a recurrent network: a table with an `rnn` key in
    `layers`."""
    layers = data.get("layers")
    return isinstance(layers, list) and any(
        isinstance(entry, dict) and RECURRENT in entry for entry in layers
    )


def read_spec_data(path: str | Path) -> dict[str, Any] | None:
    """A .toml or .json spec file's document, or None when it cannot be read as one (the
    network reader then says what is wrong with it)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        return None
    text = read_small_text(path, MAX_SPEC_BYTES, SpecError, f"spec file {str(path)!r}")
    source = str(path)
    check_nesting(text, MAX_NESTING, SpecError, source, comments="#" if suffix == ".toml" else "")
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        data = json.loads(text, object_pairs_hook=unique_keys(SpecError, source))
    except tomllib.TOMLDecodeError:
        return None
    except json.JSONDecodeError:
        return None
    except ValueError as error:
        raise SpecError(f"{source}: not valid TOML: {toml_value_error(error)}") from None
    return data if isinstance(data, dict) else None


def load_rnn_spec(path: str | Path) -> RnnSpec | None:
    """The recurrent network of a spec file, or None when the file is not an RNN's spec."""
    data = read_spec_data(path)
    if data is None or not is_rnn_data(data):
        return None
    return rnn_spec_from_mapping(data, str(path))


def rnn_spec_from_mapping(data: Mapping[str, Any], source: str = "spec") -> RnnSpec:
    """Validate a parsed TOML/JSON document of a recurrent network and build its spec."""
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise SpecError(
            f"{source}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], KNOWN_KEYS)} for "
            f"a recurrent network; known keys: {', '.join(KNOWN_KEYS)}"
        )
    for key in ("layers", "inputs", "weights"):
        if key not in data:
            raise SpecError(f"{source}: missing key {key!r}")
    n_inputs, n_hidden, n_outputs, cell, head = _layers(data["layers"], source)
    read_training_keys(data, source)  # used by step and train; a bad one fails every command
    loss = data.get("loss", HALF_SSE.name)
    if not isinstance(loss, str) or loss not in LOSS_NAMES:
        raise SpecError(f"{source}: {unknown_name('loss', loss, LOSS_NAMES)}")
    _check_loss_fits_output(loss, head, source)
    parameters = _activation_parameters(data, source)
    if "negative_slope" in data:
        slope = _number(data["negative_slope"], f"{source}: negative_slope")
        parameters = (("negative_slope", slope), *parameters)
    _refuse_unused_parameters(parameters, (cell, head), loss, source)
    title = data.get("title", "symbp recurrent network")
    if not isinstance(title, str) or len(title) > MAX_TITLE_LENGTH:
        raise SpecError(f"{source}: title must be text of at most {MAX_TITLE_LENGTH} characters")
    target_steps = data.get("target_steps", ALL)
    if not isinstance(target_steps, str) or target_steps not in TARGET_STEPS:
        raise SpecError(f"{source}: {unknown_name('target_steps', target_steps, TARGET_STEPS)}")
    reduction = data.get("reduction", "sum")
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise SpecError(f"{source}: {unknown_name('reduction', reduction, REDUCTIONS)}")

    sequences, several = _sequences(data["inputs"], n_inputs, source)
    if len(sequences) * len(sequences[0]) * n_hidden > MAX_HIDDEN_NODES:
        raise SpecError(
            f"{source}: {len(sequences)} sequences × {len(sequences[0])} steps × {n_hidden} "
            f"hidden units is more than {MAX_HIDDEN_NODES} units to derive"
        )
    states = _initial_states(data.get("initial_state"), len(sequences), n_hidden, several, source)
    weights = _weights(data["weights"], n_inputs, n_hidden, n_outputs, source)
    biases = _biases(data.get("bias", "none"), n_hidden, n_outputs, source)
    steps = (len(sequences[0]),) if target_steps == LAST else tuple(range(1, len(sequences[0]) + 1))
    targets: tuple[Matrix, ...] = ()
    classes: tuple[tuple[int, ...], ...] | None = None
    if loss != OUTPUT.name:
        if "targets" not in data:
            raise SpecError(f"{source}: missing key 'targets'")
        targets, classes = _all_targets(
            data["targets"], len(sequences), steps, target_steps, several, n_outputs, loss, source
        )
    elif "targets" in data:
        raise SpecError(f"{source}: loss 'output' takes no targets (L is the outputs' sum)")
    return RnnSpec(
        n_inputs=n_inputs,
        n_hidden=n_hidden,
        n_outputs=n_outputs,
        cell_activation=cell,
        output_activation=head,
        sequences=sequences,
        initial_states=states,
        weights=weights,
        biases=biases,
        loss=loss,
        targets=targets,
        target_classes=classes,
        target_steps=target_steps,
        reduction=reduction,
        parameters=parameters,
        title=title,
    )


def _layers(value: Any, source: str) -> tuple[int, int, int, str, str]:
    shape = '[n_in, { rnn = n_hidden, activation = "tanh" }, { dense = n_out }]'
    if not isinstance(value, list) or len(value) != 3:
        raise SpecError(f"{source}: a recurrent network's layers are {shape}")
    n_inputs, cell, head = value
    if not _is_int(n_inputs) or not 1 <= n_inputs <= MAX_INPUTS:
        raise SpecError(f"{source}: layers[0], the inputs per step, must be 1..{MAX_INPUTS}")
    n_hidden, cell_activation = _layer(cell, RECURRENT, DEFAULT_CELL, MAX_HIDDEN, source, 1)
    n_outputs, head_activation = _layer(head, DENSE, DEFAULT_HEAD, MAX_OUTPUTS, source, 2)
    return int(n_inputs), n_hidden, n_outputs, cell_activation, head_activation


def _layer(
    value: Any, kind: str, default: str, limit: int, source: str, index: int
) -> tuple[int, str]:
    where = f"{source}: layers[{index}]"
    if not isinstance(value, dict) or kind not in value:
        raise SpecError(f'{where} must be a table {{ {kind} = size, activation = "..." }}')
    unknown = sorted(set(value) - {kind, "activation"})
    if unknown:
        raise SpecError(
            f"{where}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], (kind, 'activation'))}"
        )
    size = value[kind]
    if not _is_int(size) or not 1 <= size <= limit:
        raise SpecError(f"{where}: {kind} must be a whole number 1..{limit}")
    name = value.get("activation", default)
    info = activation_info(name) if isinstance(name, str) else None
    if info is None:
        raise SpecError(f"{where}: activation must be a name, not {_describe(name)}")
    if not info.elementwise and kind == RECURRENT:
        raise SpecError(f"{where}: {name} acts on a whole layer; a recurrent cell's is elementwise")
    return int(size), info.name


def _row(value: Any, where: str, size: int, what: str) -> Row:
    if not isinstance(value, list):
        raise SpecError(
            f"{where} must be a list of {size} numbers ({what}), not {_describe(value)}"
        )
    if len(value) != size:
        raise SpecError(f"{where} has {len(value)} numbers but {what} needs {size}")
    return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))


def _sequences(value: Any, n_inputs: int, source: str) -> tuple[tuple[Matrix, ...], bool]:
    """Every sequence (a row per step), and whether the spec listed several."""
    where = f"{source}: inputs"
    if not isinstance(value, list) or not value or not isinstance(value[0], list):
        raise SpecError(f"{where} must list a row of {n_inputs} numbers per time step")
    several = bool(value[0]) and isinstance(value[0][0], list)
    listed = value if several else [value]
    if len(listed) > MAX_SEQUENCES:
        raise SpecError(f"{where} lists {len(listed)} sequences, more than {MAX_SEQUENCES}")
    sequences: list[Matrix] = []
    for s, sequence in enumerate(listed):
        at = f"{where}[{s}]" if several else where
        if not isinstance(sequence, list) or not sequence:
            raise SpecError(f"{at} must list a row of {n_inputs} numbers per time step")
        if len(sequence) > MAX_STEPS:
            raise SpecError(f"{at} has {len(sequence)} steps, more than {MAX_STEPS}")
        if sequences and len(sequence) != len(sequences[0]):
            raise SpecError(
                f"{where}: sequences of unequal length: sequence {s + 1} has {len(sequence)} "
                f"steps, sequence 1 has {len(sequences[0])}"
            )
        sequences.append(
            tuple(
                _row(row, f"{at}[{t}]", n_inputs, "a step's inputs")
                for t, row in enumerate(sequence)
            )
        )
    return tuple(sequences), several


def _states(count: int) -> str:
    return "1 state" if count == 1 else f"{count} states"


def _initial_states(
    value: Any, n_sequences: int, n_hidden: int, several: bool, source: str
) -> tuple[Row, ...]:
    where = f"{source}: initial_state"
    if value is None:  # torch's default h₀
        return tuple((0.0,) * n_hidden for _ in range(n_sequences))
    if isinstance(value, list) and value and isinstance(value[0], list):
        if not several:
            raise SpecError(f"{where} must be one state of {n_hidden} numbers for one sequence")
        if len(value) < n_sequences:
            raise SpecError(
                f"{where} gives {_states(len(value))} for {n_sequences} sequences: the initial "
                f"state of sequence {len(value) + 1} is missing"
            )
        if len(value) > n_sequences:
            raise SpecError(f"{where} gives {_states(len(value))} for {n_sequences} sequences")
        return tuple(
            _row(state, f"{where}[{s}]", n_hidden, "the hidden state")
            for s, state in enumerate(value)
        )
    state = _row(value, where, n_hidden, "the hidden state")
    return tuple(state for _ in range(n_sequences))


def _matrix(value: Any, where: str, rows: int, columns: int, shape: str) -> Matrix:
    if (
        not isinstance(value, list)
        or len(value) != rows
        or not all(isinstance(row, list) and len(row) == columns for row in value)
    ):
        got = _shape_of(value)
        raise SpecError(f"{where} must be a {rows}×{columns} matrix ({shape}), not {got}")
    return tuple(
        tuple(_number(v, f"{where}[{r}][{c}]") for c, v in enumerate(row))
        for r, row in enumerate(value)
    )


def _shape_of(value: Any) -> str:
    if not isinstance(value, list):
        return _describe(value)
    if value and all(isinstance(row, list) for row in value):
        lengths = sorted({len(row) for row in value})
        if len(lengths) == 1:
            return f"{len(value)}×{lengths[0]}"
        return f"{len(value)} rows of unequal length"
    return f"a list of {len(value)}"


def _weights(
    value: Any, n_inputs: int, n_hidden: int, n_outputs: int, source: str
) -> tuple[Matrix, Matrix, Matrix]:
    where = f"{source}: weights"
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be a table {{ W_xh = ..., W_hh = ..., W_hy = ... }}")
    unknown = sorted(set(value) - set(WEIGHT_NAMES))
    if unknown:
        raise SpecError(
            f"{where}: unknown weight {unknown[0]!r}{did_you_mean(unknown[0], WEIGHT_NAMES)} "
            f"(known: {', '.join(WEIGHT_NAMES)})"
        )
    shapes = {
        W_XH: (n_hidden, n_inputs, "[hidden, inputs], torch's weight_ih_l0"),
        W_HH: (n_hidden, n_hidden, "[hidden, hidden], torch's weight_hh_l0"),
        W_HY: (n_outputs, n_hidden, "[outputs, hidden], the head's nn.Linear weight"),
    }
    found = []
    for name in WEIGHT_NAMES:
        if name not in value:
            raise SpecError(f"{where}: missing {name}")
        rows, columns, shape = shapes[name]
        found.append(_matrix(value[name], f"{where}: {name}", rows, columns, shape))
    return found[0], found[1], found[2]


def _biases(value: Any, n_hidden: int, n_outputs: int, source: str) -> tuple[tuple[str, Row], ...]:
    where = f"{source}: bias"
    if value == "none":
        return ()
    if not isinstance(value, dict):
        raise SpecError(f'{where} must be "none" or a table of b_ih, b_hh and b_y')
    unknown = sorted(set(value) - set(BIAS_NAMES))
    if unknown:
        raise SpecError(
            f"{where}: unknown bias {unknown[0]!r}{did_you_mean(unknown[0], BIAS_NAMES)} "
            f"(known: {', '.join(BIAS_NAMES)})"
        )
    found = []
    for name in BIAS_NAMES:
        if name in value:
            size = n_outputs if name == B_Y else n_hidden
            what = "the outputs" if name == B_Y else "the hidden state"
            found.append((name, _row(value[name], f"{where}: {name}", size, what)))
    return tuple(found)


def _one_row(value: Any, n_outputs: int, loss: str) -> Any:
    """A step's target written as a row of one entry, as "a row per step" reads: `[2]` for
    the class index 2 (with more than one output, where a row of one value cannot be meant),
    `[[0.5]]` for the row [0.5]; and one sequence's last-step target as the one row of a
    list of rows per sequence (`[[2]]`)."""
    for _ in range(2):
        if not isinstance(value, list) or len(value) != 1:
            return value
        inner = value[0]
        if isinstance(inner, list):
            value = inner
        elif n_outputs > 1 and _is_int(inner) and loss_info(loss).class_targets:
            return inner
        else:
            return value
    return value


def _all_targets(
    value: Any,
    n_sequences: int,
    steps: tuple[int, ...],
    target_steps: str,
    several: bool,
    n_outputs: int,
    loss: str,
    source: str,
) -> tuple[tuple[Matrix, ...], tuple[tuple[int, ...], ...] | None]:
    """Per sequence, a target per step (`steps` lists them) or the last step's alone; and the
    class indices when the targets were given so."""
    where = f"{source}: targets"
    if several and (not isinstance(value, list) or len(value) != n_sequences):
        raise SpecError(f"{where} must list one entry per sequence ({n_sequences} sequences)")
    listed = value if several else [value]
    every_step = target_steps == ALL
    rows: list[Matrix] = []
    classes: list[tuple[int, ...]] = []
    kinds: set[bool] = set()
    for s, entry in enumerate(listed):
        at = f"{where}[{s}]" if several else where
        if every_step:
            if not isinstance(entry, list) or len(entry) != len(steps):
                raise SpecError(
                    f"{at} must give a target per step ({len(steps)} steps), not {_shape_of(entry)}"
                )
            found = [
                _targets(_one_row(target, n_outputs, loss), f"{at}[{i}]", n_outputs, loss)
                for i, target in enumerate(entry)
            ]
        else:
            found = [_targets(_one_row(entry, n_outputs, loss), at, n_outputs, loss)]
        rows.append(tuple(row for row, _ in found))
        kinds |= {cls is None for _, cls in found}
        classes.append(tuple(cls for _, cls in found if cls is not None))
    if len(kinds) > 1:
        raise SpecError(f"{where} mixes class indices and lists of values")
    return tuple(rows), (None if True in kinds else tuple(classes))
