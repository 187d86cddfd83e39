"""The independent check: the same network built directly in torch, differentiated by autograd.

This is the only module that imports torch, and it does so inside the functions that need it,
so that `symbp derive --no-check` and `import symbp` never load it. The torch model is built
from the spec (weight matrices filled by the numbering convention), not from symbp's sympy graph,
so that it checks the derivation rather than repeating it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from symbp.operations import (
    BCE,
    CROSS_ENTROPY,
    HALF_SSE,
    MSE_MEAN,
    OUTPUT,
    RMSPROP,
    SSE,
    activation_info,
    loss_info,
    optimizer_info,
)
from symbp.spec import NetworkSpec, OptimizerSpec, layer_owners, unit_name

if TYPE_CHECKING:  # numeric imports sympy, which the torch worker must not load
    from symbp.numeric import Evaluation

#: |symbolic − torch| must be within ATOL + RTOL·|torch| (per dtype).
TOLERANCES = {"float64": (1e-10, 1e-8), "float32": (1e-5, 1e-4)}
#: |symbolic − finite difference| must be within these (central differences, h = 1e-6), plus
#: the rounding bound of a central difference, FD_ROUNDING · max(1, |L|): at weights of ±1000
#: the loss can be 1e10 and a difference of two such losses loses that many digits.
FD_TOLERANCES = (1e-7, 1e-5)
FD_ROUNDING = 1e-8
DTYPES = tuple(TOLERANCES)


class TorchGradients(NamedTuple):
    """What torch autograd says: L, ∂L/∂p for every parameter (symbp's order), torch's version."""

    loss: float
    gradients: tuple[float, ...]
    version: str


@dataclass(frozen=True)
class WeightCheck:
    """One weight's gradient three ways, and whether they agree."""

    name: str
    symbolic: float
    torch: float
    finite_difference: float
    passed: bool

    @property
    def largest_difference(self) -> float:
        return max(abs(self.symbolic - self.torch), abs(self.symbolic - self.finite_difference))


@dataclass(frozen=True)
class CheckResult:
    """symbp's loss and gradients against torch autograd and finite differences."""

    dtype: str
    torch_version: str
    loss_symbolic: float
    loss_torch: float
    loss_passed: bool
    weights: tuple[WeightCheck, ...]

    @property
    def passed(self) -> bool:
        return self.loss_passed and all(check.passed for check in self.weights)

    def weight(self, name: str) -> WeightCheck:
        for check in self.weights:
            if check.name == name:
                return check
        raise KeyError(name)


@dataclass
class _TorchNetwork:
    """The spec's network as torch modules: nn.Linear layers, activation modules, a loss module."""

    linears: list[Any]  # nn.Linear per layer (its own bias when a layer's biases are alike)
    #: per layer, a tensor added to the pre-activations, or None: a layer's shared bias (0-d),
    #: or its units' biases stacked from scalars when only some of them are trainable
    extra_biases: list[Any]
    #: per bias (spec order): where its value lives, (tensor, index or None for a scalar)
    bias_slots: list[tuple[Any, int | None]]
    activations: list[Any]  # one module per layer; the output's is skipped for logit losses
    loss: Any  # a callable (outputs or logits, targets) -> loss
    logits_loss: bool  # the loss takes the output pre-activations (BCEWithLogits, CrossEntropy)
    inputs: Any  # (samples, inputs)
    targets: Any  # (samples, outputs), or class indices
    scalar_biases: list[Any]  # the 0-d bias tensors that torch.optim updates directly
    #: regularization: the factor of Σp² added to the batch's loss (½λ or λ),
    #: and which tensors it squares (weights, and the trainable biases with biases = true)
    l2_factor: float = 0.0
    penalized: tuple[Any, ...] = ()

    def pre_activation(self, layer: int, activation: Any) -> Any:
        pre = self.linears[layer](activation)
        extra = self.extra_biases[layer]
        return pre if extra is None else pre + extra()

    def forward(self) -> Any:
        return self._data_loss() + self.penalty()

    def penalty(self) -> Any:
        """The L2 penalty written into L (0 without regularization)."""
        if not self.l2_factor:
            return 0.0
        return self.l2_factor * sum((tensor**2).sum() for tensor in self.penalized)

    def _data_loss(self) -> Any:
        activation = self.inputs
        last = len(self.linears) - 1
        for layer in range(len(self.linears)):
            pre = self.pre_activation(layer, activation)
            if layer == last and self.logits_loss:
                return self.loss(pre, self.targets)
            activation = self.activations[layer](pre)
        return self.loss(activation, self.targets)

    def trainable(self, spec: NetworkSpec) -> list[Any]:
        """torch.optim's parameter list (weights, then the trainable biases)."""
        linears = list({id(linear): linear for linear in self.linears}.values())  # tied once
        found = [linear.weight for linear in linears]
        found += [
            linear.bias
            for linear in linears
            if linear.bias is not None and linear.bias.requires_grad
        ]
        found += [bias for bias in self.scalar_biases if bias.requires_grad]
        return found

    def flat_values(self, spec: NetworkSpec, gradients: bool) -> tuple[float, ...]:
        """Values (or gradients) in symbp's parameter order: numbering order, then biases."""
        return self.flat(spec, lambda tensor: tensor.grad if gradients else tensor.detach())

    def unflat(self, spec: NetworkSpec, values: Sequence[float]) -> dict[Any, Any]:
        """For every trainable tensor, a tensor of its shape holding `values` (symbp's parameter
        order) where `flat` reads them: the inverse of flat."""
        import torch

        made: dict[Any, Any] = {}
        position = 0
        for layer, (rows, columns) in _edge_indices(spec).items():
            weight = self.linears[layer - 1].weight
            held = made.setdefault(weight, torch.zeros_like(weight.detach()))
            count = len(rows)
            chunk = torch.tensor(values[position : position + count], dtype=weight.dtype)
            held[rows, columns] = chunk
            position += count
        for (tensor, index), trainable in zip(
            self.bias_slots, spec.bias_trainable_flags, strict=True
        ):
            if trainable:
                held = made.setdefault(tensor, torch.zeros_like(tensor.detach()))
                if index is None:
                    held.fill_(values[position])
                else:
                    held[index] = values[position]
                position += 1
        return made

    def flat(self, spec: NetworkSpec, read: Any) -> tuple[float, ...]:
        """read(tensor) for every parameter tensor, in symbp's parameter order."""
        # one gather per layer (a layer's weights are consecutive in every numbering): indexing
        # 20,000 tensor elements one by one took a second
        values: list[float] = []
        for layer, (rows, columns) in _edge_indices(spec).items():
            matrix = read(self.linears[layer - 1].weight).detach().numpy()
            values += [float(v) for v in matrix[rows, columns]]
        for (tensor, index), trainable in zip(
            self.bias_slots, spec.bias_trainable_flags, strict=True
        ):
            if trainable:
                value = read(tensor)
                values.append(float(value if index is None else value[index]))
        return tuple(values)


def _build(spec: NetworkSpec, dtype: str, parameters: Sequence[float] | None) -> _TorchNetwork:
    import torch
    from torch import nn

    torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
    values = list(spec.parameters if parameters is None else parameters)
    n_weights = len(spec.weights)
    flags = spec.bias_trainable_flags
    given = iter(values[n_weights:])
    biases = [
        next(given) if flag else fixed for flag, fixed in zip(flags, spec.bias_values, strict=True)
    ]
    # a layer's per-unit biases live in nn.Linear's own bias when they are all trainable or
    # all fixed; when only some are, each is its own scalar so that torch.optim skips the rest
    # a tied layer is its owner's nn.Linear itself, called again (its biases are the owner's)
    owners = layer_owners(len(spec.layers), spec.tied_layers)
    offsets = [0]
    for layer, size in enumerate(spec.layers[1:], start=1):
        offsets.append(offsets[-1] + (size if owners[layer] == layer else 0))
    linear_bias = [
        spec.bias == "per-unit" and len(set(flags[offsets[i] : offsets[i + 1]])) == 1
        for i in range(len(spec.layers) - 1)
    ]
    linears: list[Any] = []
    for layer in range(1, len(spec.layers)):
        if owners[layer] != layer:
            linears.append(linears[owners[layer] - 1])
            continue
        linears.append(
            nn.Linear(
                spec.layers[layer - 1],
                spec.layers[layer],
                bias=linear_bias[layer - 1],
                dtype=torch_dtype,
            )
        )
    with torch.no_grad():
        import numpy as np

        start = 0
        for layer, (rows, columns) in _edge_indices(spec).items():
            matrix = np.zeros((spec.layers[layer], spec.layers[layer - 1]))
            matrix[rows, columns] = values[start : start + len(rows)]
            start += len(rows)
            linears[layer - 1].weight.copy_(torch.tensor(matrix, dtype=torch_dtype))
    extra: list[Any] = [None] * len(linears)
    slots: list[tuple[Any, int | None]] = []
    scalars: list[Any] = []

    def scalar(value: float, trainable: bool) -> Any:
        tensor = torch.tensor(value, dtype=torch_dtype, requires_grad=trainable)
        scalars.append(tensor)
        return tensor

    if spec.bias == "per-layer":
        for layer, (value, trainable) in enumerate(zip(biases, flags, strict=True)):
            tensor = scalar(value, trainable)
            extra[layer] = lambda tensor=tensor: tensor
            slots.append((tensor, None))
    elif spec.bias == "per-unit":
        for layer, linear in enumerate(linears):
            start, stop = offsets[layer], offsets[layer + 1]
            if owners[layer + 1] != layer + 1:
                extra[layer] = extra[owners[layer + 1] - 1]
                continue
            if linear.bias is not None:
                with torch.no_grad():
                    linear.bias.copy_(torch.tensor(biases[start:stop], dtype=torch_dtype))
                linear.bias.requires_grad_(flags[start])
                slots += [(linear.bias, j) for j in range(stop - start)]
                continue
            units = [scalar(biases[k], flags[k]) for k in range(start, stop)]
            extra[layer] = lambda units=units: torch.stack(units)
            slots += [(unit, None) for unit in units]

    inputs = torch.tensor([list(x) for x, _ in spec.samples], dtype=torch_dtype)
    logits_loss = loss_info(spec.loss).cancels_with != ""
    if spec.target_classes is not None:
        targets = torch.tensor(list(spec.target_classes), dtype=torch.long)
    else:
        targets = torch.tensor([list(y) for _, y in spec.samples], dtype=torch_dtype)
    built = _TorchNetwork(
        linears=linears,
        extra_biases=extra,
        bias_slots=slots,
        activations=[_torch_activation(name, spec) for name in spec.activations],
        loss=_torch_loss(
            spec.loss,
            spec.reduction,
            len(spec.samples),
            spec.layers[-1],
            spec.objective_indices,
            spec.loss_parameter,
        ),
        logits_loss=logits_loss,
        inputs=inputs,
        targets=targets,
        scalar_biases=scalars,
    )
    if spec.l2:
        # torch's L is the whole batch's: the penalty joins it once
        built.l2_factor = spec.l2 * (1.0 if spec.l2_full else 0.5)
        weights = list({id(lin.weight): lin.weight for lin in built.linears}.values())
        tensors = built.trainable(spec)
        built.penalized = tuple(tensors if spec.l2_biases else weights)
    return built


def _edge_indices(spec: NetworkSpec) -> dict[int, tuple[list[int], list[int]]]:
    """Per layer, the (target, source) index of each of its weights, in numbering order (the
    weights of a layer are consecutive in every numbering)."""
    found: dict[int, tuple[list[int], list[int]]] = {}
    for edge in spec.edges:
        targets, sources = found.setdefault(edge.layer, ([], []))
        targets.append(edge.target)
        sources.append(edge.source)
    return found


def torch_loss_and_gradients(
    spec: NetworkSpec,
    dtype: str = "float64",
    weights: Sequence[float] | None = None,
) -> TorchGradients:
    """L and ∂L/∂p for every parameter (weights in numbering order, then trainable biases) by
    torch autograd, over all the spec's samples; and torch's version."""
    import torch

    network = _build(spec, dtype, weights)
    loss = network.forward()
    loss.backward()
    return TorchGradients(
        float(loss.item()), network.flat_values(spec, gradients=True), torch.__version__
    )


def _torch_optimizer(
    spec: NetworkSpec, learning_rate: float, dtype: str, optimizer: OptimizerSpec | None
) -> tuple[_TorchNetwork, Any]:
    """The spec's network in torch and torch.optim's optimizer over its trainable tensors."""
    import torch

    network = _build(spec, dtype, None)
    settings = spec.optimizer if optimizer is None else optimizer
    optimizer_class = getattr(torch.optim, optimizer_info(settings.name).label)
    arguments = dict(settings.settings())
    if "betas" in arguments:
        arguments["betas"] = tuple(arguments["betas"])
    torch_optimizer = optimizer_class(network.trainable(spec), lr=learning_rate, **arguments)
    if settings.initial or settings.initial_step:
        _load_state(spec, network, torch_optimizer, settings)
    return network, torch_optimizer


#: torch.optim's state names for each family's state, in the order torch creates them
_TORCH_STATE_OF_FAMILY = {
    "m": "exp_avg",
    "vmax": "max_exp_avg_sq",
    "gbar": "grad_avg",
    "b": "momentum_buffer",
    "s": "sum",
}


def torch_state_names(settings: OptimizerSpec) -> dict[str, str]:
    """torch.optim's name for each state this optimizer keeps, by symbp's key."""
    family = optimizer_info(settings.name).family
    return {
        key: ("square_avg" if family == RMSPROP.family else "exp_avg_sq")
        if key == "v"
        else _TORCH_STATE_OF_FAMILY[key]
        for key in settings.state_keys()
    }


def _load_state(spec: NetworkSpec, network: _TorchNetwork, optimizer: Any, settings: Any) -> None:
    """A given optimizer_state put where torch.optim keeps it (as a loaded state_dict would):
    every state the optimizer keeps, the given values or torch's own start, and `step`."""
    import torch

    given = dict(settings.initial)
    names = torch_state_names(settings)
    for key in settings.state_keys():
        name = names[key]
        start = settings.initial_accumulator_value if key == "s" else 0.0
        values = given.get(key, (start,) * len(spec.parameters))
        for tensor, held in network.unflat(spec, values).items():
            optimizer.state[tensor][name] = held
    if optimizer_info(settings.name).adaptive:
        for tensor in network.trainable(spec):
            dtype = tensor.dtype
            optimizer.state[tensor]["step"] = torch.tensor(
                float(settings.initial_step), dtype=dtype
            )


def torch_training(
    spec: NetworkSpec,
    steps: int,
    learning_rate: float,
    dtype: str = "float64",
    optimizer: OptimizerSpec | None = None,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """torch.optim (the spec's optimizer unless one is given) for `steps` updates: the loss
    before each step and after the last, and the final parameters (symbp's order)."""
    import torch

    network, torch_optimizer = _torch_optimizer(spec, learning_rate, dtype, optimizer)
    losses = []
    for _ in range(steps):
        torch_optimizer.zero_grad()
        loss = network.forward()
        loss.backward()
        losses.append(float(loss.item()))
        torch_optimizer.step()
    with torch.no_grad():
        losses.append(float(network.forward().item()))
    return tuple(losses), network.flat_values(spec, gradients=False)


#: torch.optim's state names for symbp's state keys (symbp.optim.StateVariable.key)
TORCH_STATE_NAMES = {
    "b": "momentum_buffer",
    "m": "exp_avg",
    "v": "exp_avg_sq",
    "vmax": "max_exp_avg_sq",
    "gbar": "grad_avg",
    "s": "sum",
}
#: RMSprop keeps its running mean of squared gradients (symbp's v) under another name
_TORCH_STATE_ALIASES = {"v": ("square_avg",)}


@dataclass(frozen=True)
class TorchRound:
    """One torch.optim update: the loss and gradients before it, then parameters and state after."""

    loss: float
    gradients: tuple[float, ...]
    parameters: tuple[float, ...]  # after the update, symbp's order
    state: dict[str, tuple[float, ...]]  # symbp's state keys (b, m, v, vmax), after the update


def torch_rounds(
    spec: NetworkSpec,
    rounds: int,
    learning_rate: float,
    optimizer: OptimizerSpec | None = None,
    dtype: str = "float64",
) -> tuple[TorchRound, ...]:
    """`rounds` updates by torch.optim, with everything it holds after each (for the tests and
    anyone checking symbp's optimizer state against torch's)."""
    network, torch_optimizer = _torch_optimizer(spec, learning_rate, dtype, optimizer)
    found = []
    for _ in range(rounds):
        torch_optimizer.zero_grad()
        loss = network.forward()
        loss.backward()
        gradients = network.flat_values(spec, gradients=True)
        torch_optimizer.step()
        state: dict[str, tuple[float, ...]] = {}
        for key, torch_name in TORCH_STATE_NAMES.items():

            def read(tensor: Any, torch_name: str = torch_name) -> Any:
                return torch_optimizer.state[tensor][torch_name]

            for name in (torch_name, *_TORCH_STATE_ALIASES.get(key, ())):
                try:
                    state[key] = network.flat(spec, lambda t, name=name: read(t, name))
                    break
                except KeyError:
                    continue
        found.append(
            TorchRound(
                float(loss.item()),
                gradients,
                network.flat_values(spec, gradients=False),
                state,
            )
        )
    return tuple(found)


def _torch_activation(name: str, spec: NetworkSpec) -> Any:
    """torch.nn's module for the activation, with the spec's parameter (LeakyReLU's slope)."""
    from torch import nn

    info = activation_info(name)
    arguments: dict[str, Any] = {}
    if info.parameter is not None:
        arguments[info.parameter.key] = spec.parameter(info.parameter.key)
    if not info.elementwise:  # a layer's units are the features, dim 1
        arguments["dim"] = 1
    return getattr(nn, info.torch_module)(**arguments)


def _torch_loss(
    name: str,
    reduction: str,
    n_samples: int,
    n_outputs: int,
    objective: tuple[int, ...] = (),
    parameter: float | str | None = None,
) -> Any:
    """torch's own loss module, scaled to symbp's definition and reduction over samples."""
    from torch import nn

    per_samples = 1.0 / n_samples if reduction == "mean" else 1.0
    info = loss_info(name)
    if info.torch_module:  # the table says how torch's summed loss relates to symbp's L
        arguments: dict[str, Any] = {"reduction": "sum"}
        if info.parameter is not None:
            arguments[info.parameter.key] = parameter
        module = getattr(nn, info.torch_module)(**arguments)
        scale = per_samples * float(n_outputs) ** info.torch_outputs_power
        return lambda outputs, targets: scale * module(outputs, targets)
    if name == OUTPUT.name:  # the objective is output `objective` itself, summed over samples
        return lambda outputs, targets: per_samples * outputs[:, list(objective)].sum()
    if name in (HALF_SSE.name, SSE.name):
        factor = (0.5 if name == HALF_SSE.name else 1.0) * per_samples
        sse = nn.MSELoss(reduction="sum")
        return lambda outputs, targets: factor * sse(outputs, targets)
    if name == MSE_MEAN.name:
        if reduction == "mean":
            return nn.MSELoss()  # the default: mean over outputs and samples
        summed = nn.MSELoss(reduction="sum")
        return lambda outputs, targets: summed(outputs, targets) / n_outputs
    if name == BCE.name:
        # BCEWithLogitsLoss is BCELoss(sigmoid(z)) computed without overflow
        if reduction == "mean":
            return nn.BCEWithLogitsLoss()
        summed_bce = nn.BCEWithLogitsLoss(reduction="sum")
        return lambda logits, targets: summed_bce(logits, targets) / n_outputs
    if name == CROSS_ENTROPY.name:
        return nn.CrossEntropyLoss(reduction=reduction)
    raise ValueError(f"no torch loss for {name!r}")


def check(
    evaluation: Evaluation,
    finite_differences: Sequence[float],
    dtype: str = "float64",
    torch_side: TorchGradients | None = None,
) -> CheckResult:
    """Compare an evaluation's loss and gradients with torch autograd and finite differences.

    `torch_side` is torch's answer when it was computed elsewhere (the CLI's worker process, see
    torch_worker.py) for the same spec, dtype and parameters; otherwise it is computed here.
    """
    spec = evaluation.network.spec
    if torch_side is None:
        torch_side = torch_loss_and_gradients(spec, dtype, evaluation.parameters)
    loss_torch, gradients_torch, version = torch_side
    atol, rtol = TOLERANCES[dtype]
    checks = []
    for weight, symbolic, by_torch, by_fd in zip(
        evaluation.network.parameters,
        evaluation.gradients,
        gradients_torch,
        finite_differences,
        strict=True,
    ):
        passed = _close(symbolic, by_torch, atol, rtol) and finite_difference_agrees(
            symbolic, by_fd, evaluation.loss
        )
        checks.append(WeightCheck(weight.name, symbolic, by_torch, by_fd, passed))
    return CheckResult(
        dtype=dtype,
        torch_version=version,
        loss_symbolic=evaluation.loss,
        loss_torch=loss_torch,
        loss_passed=_close(evaluation.loss, loss_torch, atol, rtol),
        weights=tuple(checks),
    )


def finite_difference_agrees(symbolic: float, by_fd: float, loss: float) -> bool:
    """Whether a gradient and its central finite difference agree within FD_TOLERANCES plus
    the difference's rounding bound at this loss."""
    fd_atol, fd_rtol = FD_TOLERANCES
    return _close(symbolic, by_fd, fd_atol + FD_ROUNDING * max(1.0, abs(loss)), fd_rtol)


def _close(value: float, reference: float, atol: float, rtol: float) -> bool:
    return abs(value - reference) <= atol + rtol * abs(reference)


@dataclass(frozen=True)
class FiniteDifferenceCheck:
    """The check without torch: derived gradients against central finite differences only."""

    agrees: bool
    largest_difference: float

    @property
    def notice(self) -> str:
        from symbp.torch_worker import INSTALL_HINT

        verdict = "agree" if self.agrees else "DISAGREE"
        return (
            f"torch is not installed: checked by central finite differences only, which "
            f"{verdict} (largest |difference| {self.largest_difference:.1e}); for the torch "
            f"check: {INSTALL_HINT}"
        )


def torch_unit_gradients(
    spec: NetworkSpec, dtype: str = "float64", weights: Sequence[float] | None = None
) -> dict[str, tuple[float, ...]]:
    """∂L/∂a for every unit (x1, h1, o1, …) by torch autograd, one value per sample.

    Each value is of the sample's own loss, as symbp's Evaluation.unit_gradients are: torch
    differentiates the reduced loss, so a mean over N samples is scaled back by N. Where the
    loss module takes logits (BCEWithLogits, CrossEntropy) the outputs' gradients come from
    the same loss on the probabilities (nn.BCELoss, nn.NLLLoss of their log).
    """
    import torch

    network = _build(spec, dtype, weights)
    inputs = network.inputs.clone().requires_grad_(True)
    recorded = [inputs]
    activation = inputs
    for layer in range(len(network.linears)):
        activation = network.activations[layer](network.pre_activation(layer, activation))
        activation.retain_grad()
        recorded.append(activation)
    loss = _probability_loss(spec, activation, network.targets)
    loss.backward()
    scale = len(spec.samples) if spec.reduction == "mean" else 1
    found: dict[str, tuple[float, ...]] = {}
    for layer, tensor in enumerate(recorded):
        grad = tensor.grad if tensor.grad is not None else torch.zeros_like(tensor)
        for index in range(spec.layers[layer]):
            name = unit_name(layer, index, len(spec.layers))
            found[name] = tuple(float(v) * scale for v in grad[:, index])
    return found


def _probability_loss(spec: NetworkSpec, outputs: Any, targets: Any) -> Any:
    """The spec's loss on the output activations (not logits), so that ∂L/∂o exists."""
    import torch
    from torch import nn

    n_samples, n_outputs = len(spec.samples), spec.layers[-1]
    if spec.loss == BCE.name:
        if spec.reduction == "mean":
            return nn.BCELoss()(outputs, targets)
        return nn.BCELoss(reduction="sum")(outputs, targets) / n_outputs
    if spec.loss == CROSS_ENTROPY.name:
        log_outputs = torch.log(outputs)
        if spec.target_classes is not None:
            return nn.NLLLoss(reduction=spec.reduction)(log_outputs, targets)
        per_sample = -(targets * log_outputs).sum(dim=1)
        return per_sample.mean() if spec.reduction == "mean" else per_sample.sum()
    return _torch_loss(spec.loss, spec.reduction, n_samples, n_outputs, spec.objective_indices)(
        outputs, targets
    )


@dataclass(frozen=True)
class UnitCheck:
    """One unit's ∂L/∂a (sample 1) by symbp, torch autograd and, for inputs, central differences."""

    name: str
    symbolic: float
    torch: float
    finite_difference: float | None  # inputs only: a hidden value cannot be nudged alone
    passed: bool


def check_units(
    evaluation: Evaluation,
    finite_differences: dict[str, float],
    dtype: str = "float64",
    by_torch: dict[str, tuple[float, ...]] | None = None,
) -> tuple[UnitCheck, ...]:
    """Every unit's ∂L/∂a at sample 1 against torch autograd (and inputs' central differences);
    `by_torch` is torch's answer when a worker computed it already."""
    if by_torch is None:
        by_torch = torch_unit_gradients(evaluation.network.spec, dtype, evaluation.parameters)
    first = evaluation.per_sample[0]
    atol, rtol = TOLERANCES[dtype]
    fd_atol, fd_rtol = FD_TOLERANCES
    fd_atol += FD_ROUNDING * max(1.0, abs(first.loss))
    checks = []
    for name, symbolic in first.unit_gradients.items():
        reference = by_torch[name][0]
        passed = _close(symbolic, reference, atol, rtol) or (
            math.isnan(symbolic) and math.isnan(reference)
        )
        fd = finite_differences.get(name)
        if fd is not None:
            passed = passed and _close(symbolic, fd, fd_atol, fd_rtol)
        checks.append(UnitCheck(name, symbolic, reference, fd, passed))
    return tuple(checks)
