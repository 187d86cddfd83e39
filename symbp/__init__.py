"""symbp: backpropagation derived symbolically, every step shown, every number checked.

>>> import symbp
>>> problem = symbp.problem()
>>> problem.derive("w1")
<WeightDerivation ∂L/∂w1 = -0.008421480462>

The public names are imported on first use (PEP 562), so that `import symbp` (and the CLI's
torch worker, which reads only the spec) does not pay for sympy until something needs it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from symbp.circuit_result import CircuitResult, expression
    from symbp.derive import Derivation, UnitDerivation, derive, derive_all, derive_unit
    from symbp.errors import SpecError, SymbpError, UnknownUnitError, UnknownWeightError
    from symbp.graph import Network
    from symbp.homework import Exercises, Grades, exercises, grade
    from symbp.numeric import CompiledNetwork, Evaluation
    from symbp.spec import NetworkSpec, OptimizerSpec, default_spec, load_spec
    from symbp.torch_bridge import from_torch, torch_script
    from symbp.torch_check import CheckResult

__version__ = "0.1.0"

#: each public name and the module that defines it
_SOURCES = {
    "CheckReport": "symbp.api",
    "ForwardPass": "symbp.api",
    "HandCheck": "symbp.api",
    "Problem": "symbp.api",
    "SampleValues": "symbp.api",
    "Step": "symbp.api",
    "Training": "symbp.api",
    "UnitGradient": "symbp.api",
    "WeightDerivation": "symbp.api",
    "check_hand_file": "symbp.api",
    "CircuitResult": "symbp.circuit_result",
    "expression": "symbp.circuit_result",
    "problem": "symbp.api",
    "Derivation": "symbp.derive",
    "derive": "symbp.derive",
    "derive_all": "symbp.derive",
    "UnitDerivation": "symbp.derive",
    "derive_unit": "symbp.derive",
    "SpecError": "symbp.errors",
    "SymbpError": "symbp.errors",
    "UnknownUnitError": "symbp.errors",
    "UnknownWeightError": "symbp.errors",
    "Network": "symbp.graph",
    "Exercises": "symbp.homework",
    "Grades": "symbp.homework",
    "exercises": "symbp.homework",
    "grade": "symbp.homework",
    "CompiledNetwork": "symbp.numeric",
    "Evaluation": "symbp.numeric",
    "NetworkSpec": "symbp.spec",
    "default_spec": "symbp.spec",
    "load_spec": "symbp.spec",
    "OptimizerSpec": "symbp.spec",
    "from_torch": "symbp.torch_bridge",
    "torch_script": "symbp.torch_bridge",
    "CheckResult": "symbp.torch_check",
}

__all__ = [
    "CheckReport",
    "CheckResult",
    "CircuitResult",
    "CompiledNetwork",
    "Derivation",
    "Evaluation",
    "Exercises",
    "ForwardPass",
    "Grades",
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
    "exercises",
    "expression",
    "from_torch",
    "grade",
    "load_spec",
    "problem",
    "torch_script",
]


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'symbp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})


class _Package(types.ModuleType):
    """symbp's module object: `symbp.derive` stays the function once the submodule loads."""

    def __setattr__(self, name: str, value: Any) -> None:
        # importing symbp.derive binds the package attribute `derive` to the submodule; the
        # public name is the function, as it was when this file imported it eagerly
        if name == "derive" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
