"""The independent checks of a circuit's gradients: torch autograd and central differences.

torch evaluates the same gates with each operation's torch function from the table (torch.add,
torch.mul, torch.maximum, torch.sigmoid, …) and differentiates them itself; central differences
perturb each input of the gates' own float forward pass. Neither reads symbp's derivatives.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.core.circuit import Circuit
from symbp.core.opgraph import VARIADIC
from symbp.torchcheck.circuit_model import CircuitJob, Pending, TorchGate, gradients
from symbp.torchcheck.results import FiniteDifferenceCheck

#: central differences: the step, and the agreement asked of them (relative to max(1, |g|))
STEP = 1e-6
DIFFERENCE_TOLERANCE = 1e-5
#: torch float64 against symbp's exact arithmetic
TORCH_TOLERANCE = 1e-9
FLOAT32_TOLERANCE = 1e-4


@dataclass(frozen=True)
class CircuitCheck:
    """Each wanted node's gradient by torch autograd and by central differences (inputs only),
    and whether both agree with symbp's."""

    symbolic: dict[sp.Symbol, float]
    torch: dict[sp.Symbol, float]
    differences: dict[sp.Symbol, float]
    #: an input whose central difference straddles a kink (relu at 0, max at a tie)
    at_kink: tuple[sp.Symbol, ...] = ()
    dtype: str = "float64"
    tolerance: float = TORCH_TOLERANCE

    def torch_error(self, symbol: sp.Symbol) -> float:
        return abs(self.torch[symbol] - self.symbolic[symbol])

    def difference_error(self, symbol: sp.Symbol) -> float:
        return abs(self.differences[symbol] - self.symbolic[symbol])

    @property
    def passed(self) -> bool:
        for symbol, value in self.torch.items():
            if not self.torch_error(symbol) <= self.tolerance * max(1.0, abs(value)):
                return False
        for symbol, value in self.differences.items():
            if symbol in self.at_kink:
                continue
            if not self.difference_error(symbol) <= DIFFERENCE_TOLERANCE * max(1.0, abs(value)):
                return False
        return True


def torch_job(
    circuit: Circuit, wanted: tuple[sp.Symbol, ...], dtype: str = "float64"
) -> CircuitJob:
    """The circuit as plain data for torch (torchcheck/circuit_model.py), nothing of sympy
    in it."""
    names = circuit.names
    gates = tuple(
        TorchGate(
            names[gate.symbol],
            gate.operation.torch_function,
            gate.operation.name in VARIADIC,
            tuple(names[a] if isinstance(a, sp.Symbol) else float(a) for a in gate.args),
        )
        for gate in circuit.gates
    )
    inputs = tuple((names[s], v) for s, v in circuit.given.items())
    return CircuitJob(dtype, inputs, gates, names[circuit.root], tuple(names[s] for s in wanted))


def torch_gradients(
    circuit: Circuit, wanted: tuple[sp.Symbol, ...], dtype: str = "float64"
) -> dict[sp.Symbol, float]:
    """∂objective/∂node by torch autograd for each wanted node (inputs and intermediates)."""
    found = gradients(torch_job(circuit, wanted, dtype))
    return {symbol: found[circuit.names[symbol]] for symbol in wanted}


def central_differences(circuit: Circuit) -> dict[sp.Symbol, float]:
    """(f(x + h) − f(x − h)) / 2h for each input, through the graph's own forward pass."""
    found: dict[sp.Symbol, float] = {}
    for symbol in circuit.inputs:
        above, below = dict(circuit.given), dict(circuit.given)
        above[symbol] += STEP
        below[symbol] -= STEP
        upper = circuit.graph.forward(above)[circuit.root]
        lower = circuit.graph.forward(below)[circuit.root]
        found[symbol] = (upper - lower) / (2 * STEP)
    return found


def _kinked_inputs(circuit: Circuit) -> tuple[sp.Symbol, ...]:
    """Inputs upstream of a gate whose argument sits within a step of its kink."""
    near: set[sp.Symbol] = set()
    for gate in circuit.gates:
        if not gate.operation.kink:
            continue
        values = [circuit.values[a] if isinstance(a, sp.Symbol) else a for a in gate.args]
        at = values[0] - values[1] if len(values) == 2 else values[0]
        if abs(at) <= 10 * STEP:
            near |= _ancestors(circuit, gate.symbol)
    return tuple(s for s in circuit.inputs if s in near)


def _ancestors(circuit: Circuit, symbol: sp.Symbol) -> set[sp.Symbol]:
    found: set[sp.Symbol] = set()
    stack = [symbol]
    while stack:
        node = circuit.graph.nodes[stack.pop()]
        for parent in node.inputs:
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def check_circuit(
    circuit: Circuit,
    symbolic: dict[sp.Symbol, float],
    dtype: str = "float64",
    pending: Pending | None = None,
) -> CircuitCheck:
    """symbp's gradients (`symbolic`, by node) against torch autograd (the `pending` worker's
    answer when one was started for these nodes) and central differences."""
    wanted = tuple(symbolic)
    if pending is None:
        by_torch = torch_gradients(circuit, wanted, dtype)
    else:
        found = pending.result()
        by_torch = {symbol: found[circuit.names[symbol]] for symbol in wanted}
    differences = central_differences(circuit)
    kinked = _kinked_inputs(circuit)
    tolerance = TORCH_TOLERANCE if dtype == "float64" else FLOAT32_TOLERANCE
    return CircuitCheck(dict(symbolic), by_torch, differences, kinked, dtype, tolerance)


def finite_differences_only(
    circuit: Circuit, symbolic: dict[sp.Symbol, float]
) -> FiniteDifferenceCheck:
    """Without torch: symbp's gradients of the inputs against central differences alone (an
    input whose difference straddles a kink is not compared, as in check_circuit)."""
    differences = central_differences(circuit)
    kinked = _kinked_inputs(circuit)
    compared = [s for s in circuit.inputs if s in symbolic and s not in kinked]
    errors = [abs(differences[s] - symbolic[s]) for s in compared]
    agrees = all(
        abs(differences[s] - symbolic[s]) <= DIFFERENCE_TOLERANCE * max(1.0, abs(differences[s]))
        for s in compared
    )
    return FiniteDifferenceCheck(agrees, max(errors, default=0.0))


def torch_script(circuit: Circuit) -> str:
    """A stand-alone torch script (float64) that builds the circuit gate by gate with the
    table's torch functions and prints the objective and its gradient w.r.t. every node."""
    import keyword

    def variable(symbol: sp.Symbol) -> str:
        name = circuit.names[symbol]
        return f"{name}_" if keyword.iskeyword(name) or name in ("torch", "print") else name

    root = circuit.names[circuit.root]
    title = " ".join(circuit.title.split()) or "; ".join(circuit.statements)
    lines = [
        f"# {title[:200]}",
        "# Written by `symbp export --torch`: the expression built gate by gate with torch's",
        "# functions, differentiated by autograd. float64 throughout.",
        "import torch",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
    ]
    for symbol, value in circuit.given.items():
        lines.append(f"{variable(symbol)} = torch.tensor({value!r}, requires_grad=True)")
    for gate in circuit.gates:
        args = [
            variable(a) if isinstance(a, sp.Symbol) else f"torch.tensor({a!r})" for a in gate.args
        ]
        name = variable(gate.symbol)
        function = gate.operation.torch_function
        if not function:
            lines.append(f"{name} = {args[0]}")
        elif gate.operation.name in VARIADIC and len(args) > 2:
            call = args[0]
            for arg in args[1:]:
                call = f"{function}({call}, {arg})"
            lines.append(f"{name} = {call}")
        else:
            lines.append(f"{name} = {function}({', '.join(args)})")
        lines.append(f"{name}.retain_grad()")
    lines += ["", f"{variable(circuit.root)}.backward()", ""]
    lines.append(f'print("{root} =", repr({variable(circuit.root)}.item()))')
    for symbol in circuit.graph.nodes:
        if symbol == circuit.root:
            continue
        shown = circuit.names[symbol]
        grad = f"{variable(symbol)}.grad"
        lines.append(
            f'print("d{root}/d{shown} =", repr({grad}.item() if {grad} is not None else 0.0))'
        )
    return "\n".join(lines) + "\n"
