"""The independent check: the same network built directly in torch, differentiated by autograd.

This is the only module that imports torch, and it does so inside the functions that need it,
so that `symbp derive --no-check` and `import symbp` never load it. The torch model is built
from the spec (weight matrices filled by the numbering convention), not from symbp's sympy graph,
so that it checks the derivation rather than repeating it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from symbp.numeric import Evaluation
from symbp.spec import NetworkSpec

#: |symbolic − torch| must be within ATOL + RTOL·|torch| (per dtype).
TOLERANCES = {"float64": (1e-10, 1e-8), "float32": (1e-5, 1e-4)}
#: |symbolic − finite difference| must be within these (central differences, h = 1e-6).
FD_TOLERANCES = (1e-7, 1e-5)
DTYPES = tuple(TOLERANCES)


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


def torch_loss_and_gradients(
    spec: NetworkSpec,
    dtype: str = "float64",
    weights: Sequence[float] | None = None,
) -> tuple[float, tuple[float, ...], str]:
    """L and ∂L/∂w for every weight (numbering order) by torch autograd; and torch's version."""
    import torch

    torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
    values = spec.weights if weights is None else weights
    flat = torch.tensor(list(values), dtype=torch_dtype, requires_grad=True)
    activation = torch.tensor(list(spec.inputs), dtype=torch_dtype)
    edges = spec.edges
    for layer in range(1, len(spec.layers)):
        # matrix[target][source] holds the position of that edge's weight in `flat`
        matrix = [[0] * spec.layers[layer - 1] for _ in range(spec.layers[layer])]
        for position, edge in enumerate(edges):
            if edge.layer == layer:
                matrix[edge.target][edge.source] = position
        weight_matrix = flat[torch.tensor(matrix, dtype=torch.long)]
        pre_activation = weight_matrix @ activation
        activation = _torch_activation(spec.activations[layer - 1], pre_activation)
    targets = torch.tensor(list(spec.targets), dtype=torch_dtype)
    loss = _torch_loss(spec.loss, activation, targets)
    loss.backward()
    assert flat.grad is not None
    return float(loss.item()), tuple(float(g) for g in flat.grad.tolist()), torch.__version__


def _torch_activation(name: str, z: Any) -> Any:
    import torch

    if name == "sigmoid":
        return torch.sigmoid(z)
    raise ValueError(f"no torch activation for {name!r}")


def _torch_loss(name: str, outputs: Any, targets: Any) -> Any:
    if name == "half_sse":
        return 0.5 * ((outputs - targets) ** 2).sum()
    raise ValueError(f"no torch loss for {name!r}")


def check(
    evaluation: Evaluation,
    finite_differences: Sequence[float],
    dtype: str = "float64",
) -> CheckResult:
    """Compare an evaluation's loss and gradients with torch autograd and finite differences."""
    spec = evaluation.network.spec
    loss_torch, gradients_torch, version = torch_loss_and_gradients(spec, dtype, evaluation.weights)
    atol, rtol = TOLERANCES[dtype]
    fd_atol, fd_rtol = FD_TOLERANCES
    checks = []
    for weight, symbolic, by_torch, by_fd in zip(
        evaluation.network.weights,
        evaluation.gradients,
        gradients_torch,
        finite_differences,
        strict=True,
    ):
        passed = _close(symbolic, by_torch, atol, rtol) and _close(
            symbolic, by_fd, fd_atol, fd_rtol
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


def _close(value: float, reference: float, atol: float, rtol: float) -> bool:
    return abs(value - reference) <= atol + rtol * abs(reference)
