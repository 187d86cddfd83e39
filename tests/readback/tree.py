"""What a reader makes of a displayed formula: a small expression tree, and its value.

Both readers (LaTeX and plain text) build these trees; neither knows symbp's display tree. A
name is kept as the text it was written with (`w^{(1)}_{21}`, `z_h1`), a Leibniz symbol as
"∂of/∂wrt" in the same spelling, so that a table of values keyed by spelling can evaluate it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tests.readback import interval as I
from tests.readback.interval import Interval


@dataclass(frozen=True)
class Number:
    text: str  # as printed, without thousands separators: "0.4769", "1.234e-07", "2"


@dataclass(frozen=True)
class Name:
    key: str  # the spelling: "w_{1}", "\\delta_{h_{1}}", "∂L/∂o_{1}" (LaTeX) or "w1", "∂L/∂o1"


@dataclass(frozen=True)
class Generic:
    """Something read but never evaluated: Σ_k …, an unknown function f(z), a primed name."""

    text: str


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / ^
    left: Node
    right: Node


@dataclass(frozen=True)
class Function:
    name: str  # sigma tanh exp log sqrt relu leaky_relu elu softmax softplus logsumexp max
    args: tuple[Node, ...]
    index: int | None = None  # softmax_k: 1-based k


@dataclass(frozen=True)
class Indicator:
    left: Node
    relation: str  # > < ≥ ≤ =
    right: Node


Node = Number | Name | Generic | Neg | Binary | Function | Indicator


@dataclass(frozen=True)
class Chain:
    """member relation member relation …, as read; `source` is the text it was read from."""

    members: tuple[Node, ...]
    relations: tuple[str, ...]  # "=", "←", "→", "≈", ">", …
    source: str
    where: str = ""  # the file or block it came from


def walk(node: Node) -> list[Node]:
    """The node and every node under it."""
    found = [node]
    if isinstance(node, Neg):
        found += walk(node.arg)
    elif isinstance(node, Binary):
        found += walk(node.left) + walk(node.right)
    elif isinstance(node, Function):
        for arg in node.args:
            found += walk(arg)
    elif isinstance(node, Indicator):
        found += walk(node.left) + walk(node.right)
    return found


def unknowns(node: Node, values: Mapping[str, float]) -> list[str]:
    """What in the tree has no value: names missing from `values`, and generic pieces."""
    missing: list[str] = []
    for item in walk(node):
        if isinstance(item, Name) and item.key not in values:
            missing.append(item.key)
        elif isinstance(item, Generic):
            missing.append(item.text)
    return missing


_ONE_ARGUMENT: dict[str, Callable[[Interval], Interval]] = {
    "sigma": I.sigmoid,
    "tanh": I.tanh,
    "exp": I.exp,
    "log": I.log,
    "sqrt": I.sqrt,
    "relu": I.relu,
    "softplus": I.softplus,
    "silu": I.silu,
    "gelu": I.gelu,
    "gelu_tanh": I.gelu_tanh,
    "Phi": I.normal_cdf,
    "phi": I.normal_pdf,
}
FUNCTIONS = (*_ONE_ARGUMENT, "leaky_relu", "elu", "softmax", "logsumexp", "max")
#: torch.nn.LeakyReLU's default slope, for leaky_relu(z) written without its slope
LEAKY_SLOPE = 0.01
#: torch.nn.ELU's default alpha
ELU_ALPHA = 1.0


def evaluate(node: Node, values: Mapping[str, float]) -> Interval:
    """The interval of values the written formula can have, given exact values for names."""
    if isinstance(node, Number):
        return I.from_decimal(node.text)
    if isinstance(node, Name):
        return Interval.point(values[node.key])
    if isinstance(node, Neg):
        return -evaluate(node.arg, values)
    if isinstance(node, Binary):
        left, right = evaluate(node.left, values), evaluate(node.right, values)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            return left / right
        assert node.op == "^"
        return I.power(left, right)
    if isinstance(node, Function):
        args = [evaluate(arg, values) for arg in node.args]
        if node.name in _ONE_ARGUMENT:
            if len(args) != 1:
                raise ValueError(f"{node.name} takes one argument, not {len(args)}")
            return _ONE_ARGUMENT[node.name](args[0])
        if node.name == "leaky_relu":
            slope = args[1] if len(args) == 2 else Interval.point(LEAKY_SLOPE)
            return I.leaky_relu(args[0], slope)
        if node.name == "elu":
            alpha = args[1] if len(args) == 2 else Interval.point(ELU_ALPHA)
            return I.elu(args[0], alpha)
        if node.name == "softmax":
            if node.index is None or not 1 <= node.index <= len(args):
                raise ValueError(f"softmax_{node.index} of {len(args)} arguments")
            return I.softmax(args, node.index - 1)
        if node.name == "logsumexp":
            return I.logsumexp(args)
        assert node.name == "max"
        return I.maximum(args)
    if isinstance(node, Indicator):
        left, right = evaluate(node.left, values), evaluate(node.right, values)
        return I.compare(left, node.relation, right)
    raise ValueError(f"cannot evaluate {node!r}")
