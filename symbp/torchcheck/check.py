"""The independent check: symbp's loss and gradients against torch autograd (the model in
model.py, usually run by the worker process) and central finite differences.

torch is imported only inside model.py's functions, so that `symbp derive --no-check` and
`import symbp` never load it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from symbp.torchcheck.model import torch_loss_and_gradients, torch_unit_gradients
from symbp.torchcheck.results import (
    FD_ROUNDING,
    FD_TOLERANCES,
    TOLERANCES,
    CheckResult,
    TorchGradients,
    UnitCheck,
    WeightCheck,
)

if TYPE_CHECKING:  # numeric imports sympy, which the torch worker must not load
    from symbp.core.numeric import Evaluation


def check(
    evaluation: Evaluation,
    finite_differences: Sequence[float],
    dtype: str = "float64",
    torch_side: TorchGradients | None = None,
) -> CheckResult:
    """Compare an evaluation's loss and gradients with torch autograd and finite differences.

    `torch_side` is torch's answer when it was computed elsewhere (the CLI's worker process, see
    worker.py) for the same spec, dtype and parameters; otherwise it is computed here.
    """
    spec = evaluation.network.spec
    if torch_side is None:
        torch_side = torch_loss_and_gradients(spec, dtype, evaluation.parameters)
    loss_torch, gradients_torch, version = torch_side
    atol, rtol = TOLERANCES[dtype]
    kinked = straddled_kinks(evaluation)
    checks = []
    for weight, symbolic, by_torch, by_fd in zip(
        evaluation.network.parameters,
        evaluation.gradients,
        gradients_torch,
        finite_differences,
        strict=True,
    ):
        fd_agrees = finite_difference_agrees(symbolic, by_fd, evaluation.loss)
        # a difference across a kink averages its two sides: symbp is held to torch alone there
        kink = "" if fd_agrees else kinked.get(weight.name, "")
        passed = _close(symbolic, by_torch, atol, rtol) and (fd_agrees or bool(kink))
        checks.append(WeightCheck(weight.name, symbolic, by_torch, by_fd, passed, kink))
    return CheckResult(
        dtype=dtype,
        torch_version=version,
        loss_symbolic=evaluation.loss,
        loss_torch=loss_torch,
        loss_passed=_close(evaluation.loss, loss_torch, atol, rtol),
        weights=tuple(checks),
    )


#: a unit's z this close to 0 is within reach of a central difference's step (1e-6, times
#: the inputs and weights upstream) at a kink of relu, leaky relu or elu
KINK_BAND = 1e-5


def straddled_kinks(evaluation: Evaluation) -> dict[str, str]:
    """Each parameter whose central difference may move a unit's z across its activation's
    kink (z within KINK_BAND of 0 at some sample): the parameter's name -> the unit's name.
    A parameter moves z_j when it sits on an edge into j, or into any earlier layer (a dense
    net's every unit feeds the next layer)."""
    from symbp.core.graph import Bias
    from symbp.core.operations import activation_info

    network = evaluation.network
    at_kink = []
    for sample in evaluation.per_sample:
        for layer in network.layers[1:]:
            for unit in layer:
                if unit not in at_kink and _at_kink(unit, sample.values, activation_info):
                    at_kink.append(unit)
    found: dict[str, str] = {}
    for parameter in network.parameters:
        if isinstance(parameter, Bias):  # on its units' pre-activations
            targets = parameter.targets
        else:
            edges = parameter.shared_edges or ((parameter.source, parameter.target),)
            targets = tuple(target for _, target in edges)
        for unit in at_kink:
            if any(t == unit or t.layer < unit.layer for t in targets):
                found[parameter.name] = unit.name
                break
    return found


def _at_kink(unit: Any, values: dict[Any, float], info: Any) -> bool:
    activation = unit.activation
    if activation is None or unit.z is None or not activation.elementwise:
        return False
    z = values.get(unit.z)
    return z is not None and info(activation.name).kink and abs(z) <= KINK_BAND


def units_at_kink(evaluation: Evaluation) -> list[str]:
    """The names of one sample's units whose z is within KINK_BAND of their kink."""
    from symbp.core.operations import activation_info

    network = evaluation.network
    return [
        unit.name
        for layer in network.layers[1:]
        for unit in layer
        if _at_kink(unit, evaluation.values, activation_info)
    ]


def finite_difference_agrees(symbolic: float, by_fd: float, loss: float) -> bool:
    """Whether a gradient and its central finite difference agree within FD_TOLERANCES plus
    the difference's rounding bound at this loss."""
    fd_atol, fd_rtol = FD_TOLERANCES
    return _close(symbolic, by_fd, fd_atol + FD_ROUNDING * max(1.0, abs(loss)), fd_rtol)


def _close(value: float, reference: float, atol: float, rtol: float) -> bool:
    return abs(value - reference) <= atol + rtol * abs(reference)


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
    kinked_units = units_at_kink(first)
    fd_atol += FD_ROUNDING * max(1.0, abs(first.loss))
    checks = []
    for name, symbolic in first.unit_gradients.items():
        reference = by_torch[name][0]
        passed = _close(symbolic, reference, atol, rtol) or (
            math.isnan(symbolic) and math.isnan(reference)
        )
        fd = finite_differences.get(name)
        kink = ""
        if fd is not None and not _close(symbolic, fd, fd_atol, fd_rtol):
            # an input feeds every later layer: any unit at a kink is downstream of it
            kink = kinked_units[0] if kinked_units else ""
            passed = passed and bool(kink)
        checks.append(UnitCheck(name, symbolic, reference, fd, passed, kink))
    return tuple(checks)
