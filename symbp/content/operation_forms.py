"""The operation table's display half: how an activation is written out and why f′ has its sign.

Content is the only layer that builds display trees, so the parts of an operation's entry that
are display trees live here, keyed by the table's own entries (symbp.core.operations): the
definition with exponentials a reader can check (σ(z) = 1/(1 + e^(−z))), and the textbook rule
for f′ with the sentence saying what its sign is (σ′ = a(1 − a) is always positive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from symbp.content import expr as E
from symbp.core.operations import (
    ELU,
    EXP,
    GELU,
    IDENTITY,
    LEAKY_RELU,
    MAX,
    NORMAL_CDF,
    NORMAL_PDF,
    RELU,
    SIGMOID,
    SILU,
    SOFTPLUS,
    TANH,
    Operation,
)

_ONE, _ZERO, _TWO = E.Num(1.0, "1"), E.Num(0.0, "0"), E.Num(2.0, "2")


@dataclass(frozen=True)
class SignRule:
    """Why f′ has its sign: a sentence (with {} for the rule, if any) in each language."""

    english: str
    chinese: str
    rule: Callable[[E.Node, E.Node], E.Chain] | None = None  # (a, z) -> f′ = …


def _prime(operation: Operation) -> E.Sym:
    stem = operation.prime_stem + "′"
    return E.Sym(E.Name(stem, plain=stem))


def _exp(node: E.Node) -> E.Call:
    return E.Call(EXP.name, (node,))


def _written_out_sigmoid(z: E.Node) -> E.Node:
    return E.Frac(_ONE, E.total(_ONE, _exp(E.Neg(z))))


def _written_out_tanh(z: E.Node) -> E.Node:
    e_z, e_minus_z = _exp(z), _exp(E.Neg(z))
    return E.Frac(E.total(e_z, E.Neg(e_minus_z)), E.total(e_z, e_minus_z))


def _written_out_relu(z: E.Node) -> E.Node:
    return E.Call(MAX.name, (_ZERO, z))


#: f(z) written with exp, max, …: shown beside a closed form that uses f
WRITTEN_OUT: dict[str, Callable[[E.Node], E.Node]] = {
    SIGMOID.name: _written_out_sigmoid,
    TANH.name: _written_out_tanh,
    RELU.name: _written_out_relu,
}

SIGN_RULES: dict[str, SignRule] = {
    SIGMOID.name: SignRule(
        "{} is always positive",
        "{} 总是正的",
        lambda a, z: E.equals(_prime(SIGMOID), E.Mul((a, E.total(_ONE, E.Neg(a))))),
    ),
    TANH.name: SignRule(
        "{} is positive",
        "{} 为正",
        lambda a, z: E.equals(_prime(TANH), E.total(_ONE, E.Neg(E.Pow(a, _TWO)))),
    ),
    RELU.name: SignRule(
        "{}, as torch",
        "{}，与 torch 相同",
        lambda a, z: E.equals(_prime(RELU), E.Indicator(z, ">", _ZERO)),
    ),
    LEAKY_RELU.name: SignRule(
        "1 for z > 0 and the slope otherwise, as torch", "z > 0 时为 1，否则为斜率，与 torch 相同"
    ),
    ELU.name: SignRule(
        "1 for z > 0 and a + α = α·e^z otherwise, as torch",
        "z > 0 时为 1，否则为 a + α = α·e^z，与 torch 相同",
    ),
    SOFTPLUS.name: SignRule(
        "{} is always positive",
        "{} 总是正的",
        lambda a, z: E.equals(_prime(SOFTPLUS), E.Call(SIGMOID.call_name, (z,))),
    ),
    SILU.name: SignRule(
        "{}, negative only for z below about −1.28",
        "{}，仅当 z 小于约 −1.28 时为负",
        lambda a, z: E.equals(
            _prime(SILU),
            E.total(a, E.Mul((E.Call(SIGMOID.call_name, (z,)), E.total(_ONE, E.Neg(a))))),
        ),
    ),
    GELU.name: SignRule(
        "{}, negative only for z below about −0.75",
        "{}，仅当 z 小于约 −0.75 时为负",
        lambda a, z: E.equals(
            _prime(GELU),
            E.total(
                E.Call(NORMAL_CDF.call_name, (z,)),
                E.Mul((z, E.Call(NORMAL_PDF.call_name, (z,)))),
            ),
        ),
    ),
    IDENTITY.name: SignRule("{}", "{}", lambda a, z: E.equals(_prime(IDENTITY), _ONE)),
}


def written_out(operation: Operation, z: E.Node) -> E.Node | None:
    """f(z) written with exponentials or max, if the table gives such a form."""
    form = WRITTEN_OUT.get(operation.name)
    return form(z) if form is not None else None


def sign_rule(operation: Operation, lang: str) -> tuple[str, E.Chain | None] | None:
    """The sentence and the rule saying why f′ has its sign, if the table gives one."""
    found = SIGN_RULES.get(operation.name)
    if found is None:
        return None
    a, z = E.Sym(E.Name("a", plain="a")), E.Sym(E.Name("z", plain="z"))
    words = found.chinese if lang == "zh" else found.english
    return words, found.rule(a, z) if found.rule is not None else None
