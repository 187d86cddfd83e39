"""symbp: backpropagation derived symbolically, every step shown, every number checked.

>>> import symbp
>>> problem = symbp.problem()
>>> problem.derive("w1")
<WeightDerivation ∂L/∂w1 = -0.008421480462>
"""

from __future__ import annotations

from symbp.api import (
    CheckReport,
    ForwardPass,
    HandCheck,
    Problem,
    SampleValues,
    Step,
    Training,
    UnitGradient,
    WeightDerivation,
    check_hand_file,
    problem,
)
from symbp.derive import Derivation, UnitDerivation, derive, derive_all, derive_unit
from symbp.errors import SpecError, SymbpError, UnknownUnitError, UnknownWeightError
from symbp.graph import Network
from symbp.numeric import CompiledNetwork, Evaluation
from symbp.spec import NetworkSpec, OptimizerSpec, default_spec, load_spec
from symbp.torch_bridge import from_torch, torch_script
from symbp.torch_check import CheckResult

__version__ = "0.1.0"

__all__ = [
    "CheckReport",
    "CheckResult",
    "CompiledNetwork",
    "Derivation",
    "Evaluation",
    "ForwardPass",
    "HandCheck",
    "Network",
    "NetworkSpec",
    "OptimizerSpec",
    "Problem",
    "SampleValues",
    "SpecError",
    "Step",
    "SymbpError",
    "Training",
    "UnitDerivation",
    "UnitGradient",
    "UnknownUnitError",
    "UnknownWeightError",
    "WeightDerivation",
    "__version__",
    "check_hand_file",
    "default_spec",
    "derive",
    "derive_all",
    "derive_unit",
    "from_torch",
    "load_spec",
    "problem",
    "torch_script",
]
