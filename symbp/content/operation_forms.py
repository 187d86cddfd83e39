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
from symbp.core.functions import GELU_KAPPA, gelu_tanh
from symbp.core.operations import (
    ELU,
    EXP,
    GELU,
    IDENTITY,
    LEAKY_RELU,
    LOG,
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
_THREE = E.Num(3.0, "3")
_KAPPA = E.Num(GELU_KAPPA, f"{GELU_KAPPA:g}")
_PI, _ALPHA = E.Sym(E.Name("π", plain="π")), E.Sym(E.Name("α", plain="α"))
_T = E.Sym(E.Name("t", plain="t"))


@dataclass(frozen=True)
class SignRule:
    """Why f′ has its sign: a sentence (with {} for the rule, if any) in each language."""

    english: str
    chinese: str
    #: (a, z) -> f′ = … (and what it is written with: gelu_tanh′'s t = tanh(…))
    rule: Callable[[E.Node, E.Node], E.Chain | tuple[E.Chain, ...]] | None = None


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


def _step(z: E.Node) -> E.Node:
    return E.Indicator(z, ">", _ZERO)


def _root_two_over_pi() -> E.Node:
    return E.Call("sqrt", (E.Frac(_TWO, _PI),))


def _written_out_elu(z: E.Node) -> E.Node:
    # as its derivative is shown: 1[z > 0] picks the side, α(e^z − 1) for z ≤ 0
    below = E.Mul((_ALPHA, E.total(_exp(z), E.Neg(_ONE))))
    return E.total(E.Mul((_step(z), z)), E.Mul((E.total(_ONE, E.Neg(_step(z))), below)))


def _written_out_softplus(z: E.Node) -> E.Node:
    return E.Call(LOG.name, (E.total(_ONE, _exp(z)),))


def _written_out_silu(z: E.Node) -> E.Node:
    return E.Mul((z, E.Call(SIGMOID.call_name, (z,))))


def _written_out_gelu(z: E.Node) -> E.Node:
    return E.Mul((z, E.Call(NORMAL_CDF.call_name, (z,))))


def _written_out_gelu_tanh(z: E.Node) -> E.Node:
    inner = E.Mul((_root_two_over_pi(), E.total(z, E.Mul((_KAPPA, E.Pow(z, _THREE))))))
    return E.Frac(E.Mul((z, E.total(_ONE, E.Call(TANH.name, (inner,))))), _TWO)


def _written_out_normal_cdf(z: E.Node) -> E.Node:
    return E.Frac(E.total(_ONE, E.Call("erf", (E.Frac(z, E.Call("sqrt", (_TWO,))),))), _TWO)


def _written_out_normal_pdf(z: E.Node) -> E.Node:
    density = _exp(E.Neg(E.Frac(E.Pow(z, _TWO), _TWO)))
    return E.Frac(density, E.Call("sqrt", (E.Mul((_TWO, _PI)),)))


#: f(z) written with exp, log, max, …: shown beside a closed form that uses f, keyed by the
#: sympy function a closed form holds (gelu's tanh form and Φ, φ are functions of their own)
WRITTEN_OUT: dict[str, Callable[[E.Node], E.Node]] = {
    SIGMOID.name: _written_out_sigmoid,
    TANH.name: _written_out_tanh,
    RELU.name: _written_out_relu,
    ELU.name: _written_out_elu,
    SOFTPLUS.name: _written_out_softplus,
    SILU.name: _written_out_silu,
    GELU.name: _written_out_gelu,
    gelu_tanh.__name__: _written_out_gelu_tanh,
    NORMAL_CDF.name: _written_out_normal_cdf,
    NORMAL_PDF.name: _written_out_normal_pdf,
}
#: the arguments besides z a function's call shows (elu(z, α))
_PARAMETER_ARGUMENTS: dict[str, tuple[E.Node, ...]] = {ELU.name: (_ALPHA,)}

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
    # gelu's tanh form: its own derivative, with t = tanh(√(2/π)(z + 0.044715·z³))
    gelu_tanh.__name__: SignRule(
        "{} where {}, negative only for z below about −0.75",
        "{}，其中 {}，仅当 z 小于约 −0.75 时为负",
        lambda a, z: (
            E.equals(
                _prime(GELU),
                E.total(
                    E.Frac(E.total(_ONE, _T), _TWO),
                    E.Frac(
                        E.Mul(
                            (
                                z,
                                E.total(_ONE, E.Neg(E.Pow(_T, _TWO))),
                                _root_two_over_pi(),
                                E.total(_ONE, E.Mul((_THREE, _KAPPA, E.Pow(z, _TWO)))),
                            )
                        ),
                        _TWO,
                    ),
                ),
            ),
            E.equals(
                _T,
                E.Call(
                    TANH.name,
                    (E.Mul((_root_two_over_pi(), E.total(z, E.Mul((_KAPPA, E.Pow(z, _THREE)))))),),
                ),
            ),
        ),
    ),
    IDENTITY.name: SignRule("{}", "{}", lambda a, z: E.equals(_prime(IDENTITY), _ONE)),
}


def written_out(operation: Operation, z: E.Node) -> E.Node | None:
    """f(z) written with exponentials or max, if the table gives such a form."""
    form = WRITTEN_OUT.get(operation.name)
    return form(z) if form is not None else None


def definition(key: str, call: str, z: E.Node) -> E.Chain | None:
    """f(z) = its written-out form (elu(z, α) = …) for the sympy function named `key` that a
    closed form shows as `call`, if the table gives one."""
    form = WRITTEN_OUT.get(key)
    if form is None:
        return None
    return E.equals(E.Call(call, (z, *_PARAMETER_ARGUMENTS.get(key, ()))), form(z))


def sign_rule(key: str, lang: str) -> tuple[str, tuple[E.Chain, ...]] | None:
    """The sentence and the formulas saying why f′ has its sign, for the sympy function named
    `key` (gelu's two forms each have their own), if the table gives one."""
    found = SIGN_RULES.get(key)
    if found is None:
        return None
    a, z = E.Sym(E.Name("a", plain="a")), E.Sym(E.Name("z", plain="z"))
    words = found.chinese if lang == "zh" else found.english
    rule = found.rule(a, z) if found.rule is not None else ()
    return words, rule if isinstance(rule, tuple) else (rule,)
