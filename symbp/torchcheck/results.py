"""What the independent check finds: torch's answer, each weight's and unit's gradient three ways,
and the tolerances they are held to. Plain data: neither torch nor sympy is imported here.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from typing import NamedTuple

#: the CPU build of torch, without the CUDA libraries PyPI's Linux build pulls in, installed by
#: the Python running symbp: a bare `pip` is refused on Debian and Ubuntu outside a virtual
#: environment, or installs into another Python
INSTALL_HINT = (
    f"{shlex.quote(sys.executable)} -m pip install torch "
    "--index-url https://download.pytorch.org/whl/cpu"
)

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
    #: the unit at a kink (relu, leaky relu or elu with z = 0) whose kink this weight's central
    #: difference straddles, where it disagrees: it averages the two sides, so it is not compared
    #: (symbp must still equal torch); "" where the finite difference is compared
    kink: str = ""

    @property
    def largest_difference(self) -> float:
        if self.kink:
            return abs(self.symbolic - self.torch)
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


@dataclass(frozen=True)
class FiniteDifferenceCheck:
    """The check without torch: derived gradients against central finite differences only."""

    agrees: bool
    largest_difference: float

    @property
    def notice(self) -> str:
        verdict = "agree" if self.agrees else "DISAGREE"
        return (
            f"torch is not installed: checked by central finite differences only, which "
            f"{verdict} (largest |difference| {self.largest_difference:.1e}); for the torch "
            f"check: {INSTALL_HINT}"
        )


@dataclass(frozen=True)
class UnitCheck:
    """One unit's ∂L/∂a (sample 1) by symbp, torch autograd and, for inputs, central differences."""

    name: str
    symbolic: float
    torch: float
    finite_difference: float | None  # inputs only: a hidden value cannot be nudged alone
    passed: bool
    #: the unit at a kink whose kink this input's central difference straddles, where it
    #: disagrees (not compared then; symbp must still equal torch), as WeightCheck.kink
    kink: str = ""
