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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symbp.api.circuit import CircuitResult, expression
    from symbp.api.conv import ConvResult, conv
    from symbp.api.conv_hand import ConvHandCheck, check_hand_conv
    from symbp.api.conv_handout import conv_handout
    from symbp.api.conv_homework import ConvExercises, conv_exercises
    from symbp.api.homework import Exercises, Grades, exercises, grade
    from symbp.api.problem import (
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
    from symbp.api.rnn import RnnResult, rnn
    from symbp.api.rnn_exercise import RnnExercises, rnn_exercises
    from symbp.api.rnn_hand import RnnHandCheck, check_rnn_hand
    from symbp.core.derive import Derivation, UnitDerivation, derive, derive_all, derive_unit
    from symbp.core.graph import Network
    from symbp.core.numeric import CompiledNetwork, Evaluation
    from symbp.core.rnn_spec import RnnSpec
    from symbp.core.spec import NetworkSpec, OptimizerSpec, default_spec, load_spec
    from symbp.errors import SpecError, SymbpError, UnknownUnitError, UnknownWeightError
    from symbp.torchcheck.bridge import torch_script
    from symbp.torchcheck.conv_bridge import from_torch
    from symbp.torchcheck.results import CheckResult
    from symbp.torchcheck.rnn_bridge import rnn_from_torch
    from symbp.torchcheck.worker import TorchMissingError

__version__ = "0.1.0"

#: each public name and the module that defines it
_SOURCES = {
    "CheckReport": "symbp.api.problem",
    "ForwardPass": "symbp.api.problem",
    "HandCheck": "symbp.api.problem",
    "Problem": "symbp.api.problem",
    "SampleValues": "symbp.api.problem",
    "Step": "symbp.api.problem",
    "Training": "symbp.api.problem",
    "UnitGradient": "symbp.api.problem",
    "WeightDerivation": "symbp.api.problem",
    "check_hand_file": "symbp.api.problem",
    "problem": "symbp.api.problem",
    "Derivation": "symbp.core.derive",
    "derive": "symbp.core.derive",
    "derive_all": "symbp.core.derive",
    "UnitDerivation": "symbp.core.derive",
    "derive_unit": "symbp.core.derive",
    "CircuitResult": "symbp.api.circuit",
    "expression": "symbp.api.circuit",
    "ConvResult": "symbp.api.conv",
    "conv": "symbp.api.conv",
    "ConvHandCheck": "symbp.api.conv_hand",
    "check_hand_conv": "symbp.api.conv_hand",
    "conv_handout": "symbp.api.conv_handout",
    "ConvExercises": "symbp.api.conv_homework",
    "conv_exercises": "symbp.api.conv_homework",
    "RnnResult": "symbp.api.rnn",
    "rnn": "symbp.api.rnn",
    "RnnExercises": "symbp.api.rnn_exercise",
    "rnn_exercises": "symbp.api.rnn_exercise",
    "RnnHandCheck": "symbp.api.rnn_hand",
    "check_rnn_hand": "symbp.api.rnn_hand",
    "RnnSpec": "symbp.core.rnn_spec",
    "rnn_from_torch": "symbp.torchcheck.rnn_bridge",
    "SpecError": "symbp.errors",
    "SymbpError": "symbp.errors",
    "UnknownUnitError": "symbp.errors",
    "UnknownWeightError": "symbp.errors",
    "TorchMissingError": "symbp.torchcheck.worker",
    "Network": "symbp.core.graph",
    "Exercises": "symbp.api.homework",
    "Grades": "symbp.api.homework",
    "exercises": "symbp.api.homework",
    "grade": "symbp.api.homework",
    "CompiledNetwork": "symbp.core.numeric",
    "Evaluation": "symbp.core.numeric",
    "NetworkSpec": "symbp.core.spec",
    "default_spec": "symbp.core.spec",
    "load_spec": "symbp.core.spec",
    "OptimizerSpec": "symbp.core.spec",
    "from_torch": "symbp.torchcheck.conv_bridge",  # dense models go on to bridge.py
    "torch_script": "symbp.torchcheck.bridge",
    "CheckResult": "symbp.torchcheck.results",
}

__all__ = [
    "CheckReport",
    "CheckResult",
    "CircuitResult",
    "CompiledNetwork",
    "ConvExercises",
    "ConvHandCheck",
    "ConvResult",
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
    "RnnExercises",
    "RnnHandCheck",
    "RnnResult",
    "RnnSpec",
    "SampleValues",
    "SpecError",
    "Step",
    "SymbpError",
    "TorchMissingError",
    "Training",
    "UnitDerivation",
    "UnitGradient",
    "UnknownUnitError",
    "UnknownWeightError",
    "WeightDerivation",
    "__version__",
    "check_hand_conv",
    "check_rnn_hand",
    "check_hand_file",
    "conv",
    "conv_exercises",
    "conv_handout",
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
    "rnn",
    "rnn_exercises",
    "rnn_from_torch",
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
