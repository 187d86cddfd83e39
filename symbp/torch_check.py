"""The independent check: the same network built directly in torch, differentiated by autograd.

This is the only module that imports torch, and it does so inside the functions that need it,
so that `symbp derive --no-check` and `import symbp` never load it. The torch model is built
from the spec (weight matrices filled by the numbering convention), not from symbp's sympy graph,
so that it checks the derivation rather than repeating it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from symbp.spec import NetworkSpec

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

    linears: list[Any]  # nn.Linear per layer (its own bias when biases are per unit)
    shared_biases: list[Any]  # one 0-d tensor per layer when biases are per layer
    activations: list[Any]  # one module per layer; the output's is skipped for logit losses
    loss: Any  # a callable (outputs or logits, targets) -> loss
    logits_loss: bool  # the loss takes the output pre-activations (BCEWithLogits, CrossEntropy)
    inputs: Any  # (samples, inputs)
    targets: Any  # (samples, outputs), or class indices

    def forward(self) -> Any:
        activation = self.inputs
        last = len(self.linears) - 1
        for layer, linear in enumerate(self.linears):
            pre = linear(activation)
            if self.shared_biases:
                pre = pre + self.shared_biases[layer]
            if layer == last and self.logits_loss:
                return self.loss(pre, self.targets)
            activation = self.activations[layer](pre)
        return self.loss(activation, self.targets)

    def trainable(self, spec: NetworkSpec) -> list[Any]:
        """torch.optim's parameter list (weights, then biases when trainable)."""
        found = [linear.weight for linear in self.linears]
        if spec.bias_trainable:
            found += [linear.bias for linear in self.linears if linear.bias is not None]
            found += self.shared_biases
        return found

    def flat_values(self, spec: NetworkSpec, gradients: bool) -> tuple[float, ...]:
        """Values (or gradients) in symbp's parameter order: numbering order, then biases."""

        def read(tensor: Any) -> Any:
            return tensor.grad if gradients else tensor.detach()

        # one gather per layer (a layer's weights are consecutive in every numbering): indexing
        # 20,000 tensor elements one by one took a second
        values = []
        for layer, (rows, columns) in _edge_indices(spec).items():
            matrix = read(self.linears[layer - 1].weight).numpy()
            values += [float(v) for v in matrix[rows, columns]]
        if spec.bias_trainable:
            if spec.bias == "per-unit":
                values += [float(v) for linear in self.linears for v in read(linear.bias)]
            elif spec.bias == "per-layer":
                values += [float(read(b)) for b in self.shared_biases]
        return tuple(values)


def _build(spec: NetworkSpec, dtype: str, parameters: Sequence[float] | None) -> _TorchNetwork:
    import torch
    from torch import nn

    torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
    values = list(spec.parameters if parameters is None else parameters)
    n_weights = len(spec.weights)
    biases = values[n_weights:] if spec.bias_trainable else list(spec.bias_values)
    linears = []
    for layer in range(1, len(spec.layers)):
        linears.append(
            nn.Linear(
                spec.layers[layer - 1],
                spec.layers[layer],
                bias=spec.bias == "per-unit",
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
        if spec.bias == "per-unit":
            offset = 0
            for linear in linears:
                size = linear.out_features
                linear.bias.copy_(torch.tensor(biases[offset : offset + size], dtype=torch_dtype))
                offset += size
    shared = []
    if spec.bias == "per-layer":
        shared = [torch.tensor(value, dtype=torch_dtype) for value in biases]
    for linear in linears:
        if linear.bias is not None:
            linear.bias.requires_grad_(spec.bias_trainable)
    for bias in shared:
        bias.requires_grad_(spec.bias_trainable)

    inputs = torch.tensor([list(x) for x, _ in spec.samples], dtype=torch_dtype)
    logits_loss = spec.loss in ("bce", "cross_entropy")
    if spec.loss == "cross_entropy" and spec.target_classes is not None:
        targets = torch.tensor(list(spec.target_classes), dtype=torch.long)
    else:
        targets = torch.tensor([list(y) for _, y in spec.samples], dtype=torch_dtype)
    return _TorchNetwork(
        linears=linears,
        shared_biases=shared,
        activations=[_torch_activation(name, spec.negative_slope) for name in spec.activations],
        loss=_torch_loss(spec.loss, spec.reduction, len(spec.samples), spec.layers[-1]),
        logits_loss=logits_loss,
        inputs=inputs,
        targets=targets,
    )


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


def torch_training(
    spec: NetworkSpec, steps: int, learning_rate: float, dtype: str = "float64"
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """torch.optim.SGD for `steps` updates: the loss before each step and after the last, and
    the final parameters (symbp's order)."""
    import torch

    network = _build(spec, dtype, None)
    optimizer = torch.optim.SGD(network.trainable(spec), lr=learning_rate)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = network.forward()
        loss.backward()
        losses.append(float(loss.item()))
        optimizer.step()
    with torch.no_grad():
        losses.append(float(network.forward().item()))
    return tuple(losses), network.flat_values(spec, gradients=False)


def _torch_activation(name: str, negative_slope: float) -> Any:
    from torch import nn

    modules = {
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "relu": nn.ReLU,
        "identity": nn.Identity,
    }
    if name in modules:
        return modules[name]()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=negative_slope)
    if name == "softmax":
        return nn.Softmax(dim=1)
    raise ValueError(f"no torch activation for {name!r}")


def _torch_loss(name: str, reduction: str, n_samples: int, n_outputs: int) -> Any:
    """torch's own loss module, scaled to symbp's definition and reduction over samples."""
    from torch import nn

    per_samples = 1.0 / n_samples if reduction == "mean" else 1.0
    if name in ("half_sse", "sse"):
        factor = (0.5 if name == "half_sse" else 1.0) * per_samples
        sse = nn.MSELoss(reduction="sum")
        return lambda outputs, targets: factor * sse(outputs, targets)
    if name == "mse_mean":
        if reduction == "mean":
            return nn.MSELoss()  # the default: mean over outputs and samples
        summed = nn.MSELoss(reduction="sum")
        return lambda outputs, targets: summed(outputs, targets) / n_outputs
    if name == "bce":
        # BCEWithLogitsLoss is BCELoss(sigmoid(z)) computed without overflow
        if reduction == "mean":
            return nn.BCEWithLogitsLoss()
        summed_bce = nn.BCEWithLogitsLoss(reduction="sum")
        return lambda logits, targets: summed_bce(logits, targets) / n_outputs
    if name == "cross_entropy":
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
