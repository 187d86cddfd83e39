"""Activation and loss functions: their symbolic form and their local derivative.

Each activation knows its derivative in terms of the unit's own symbols (σ′ = a(1−a) rather than
e^{−z}/(1+e^{−z})²), because that is the form textbooks and handouts show. The tests prove each
such claim against sympy.diff of the function written out with exp.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symbp.core.operations import (
    ABS,
    ADD,
    BCE,
    CROSS_ENTROPY,
    DIVIDE,
    ELU,
    EXP,
    GELU,
    HALF_SSE,
    HINGE,
    HUBER,
    IDENTITY,
    L1,
    LEAKY_RELU,
    LOG,
    MAX,
    MIN,
    MSE_MEAN,
    MULTI_MARGIN,
    MULTIPLY,
    NEGATE,
    NLL,
    NORMAL_CDF,
    NORMAL_PDF,
    OUTPUT,
    POWER,
    RELU,
    SIGMOID,
    SILU,
    SMOOTH_L1,
    SOFTMAX,
    SOFTPLUS,
    SSE,
    SUBTRACT,
    TANH,
    activation_info,
    loss_info,
)


class TableFunctionBase(sp.Function):
    """An activation defined by its table entry alone (sympy's printers look methods up by a
    subclass's own name or a name ending in Base): compiled numeric code calls the entry's
    float64 forms (`_op_<name>`) rather than a printer method written for it."""

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        """A number (evalf, a graph's forward pass) by the entry's float64 form."""
        entry = next((e for e in ALL_ENTRIES if e.function is type(self)), None)
        arguments = [argument.evalf(prec) for argument in self.args]
        if entry is None or entry.evaluate is None or not all(a.is_Number for a in arguments):
            return None
        parameter = float(arguments[1]) if len(arguments) > 1 else 0.0
        return sp.Float(entry.evaluate(float(arguments[0]), parameter))


class sigmoid(sp.Function):  # noqa: N801 - sympy names functions in lower case
    """The logistic function σ(z) = 1 / (1 + e^{−z}), kept whole so closed forms stay readable."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return 1 / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        value = sigmoid(self.args[0])
        return value * (1 - value)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\sigma\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return f"σ({printer._print(self.args[0])})"


class relu(sp.Function):  # noqa: N801
    """max(0, z). Its derivative is Heaviside(z, 0): 0 at z = 0, as torch has it."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return sp.Max(0, arg)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:  # noqa: N802
        return sp.Max(0, arg)


class leaky_relu(sp.Function):  # noqa: N801
    """z for z > 0, slope·z otherwise (torch.nn.LeakyReLU); the slope is the second argument."""

    nargs = 2

    @classmethod
    def eval(cls, arg: sp.Expr, slope: sp.Expr) -> sp.Expr | None:
        if arg.is_Number and slope.is_Number:
            return arg if arg > 0 else slope * arg
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z, slope = self.args
        if argindex == 1:
            return slope + (1 - slope) * sp.Heaviside(z, 0)
        return z * (1 - sp.Heaviside(z, 0))


class elu(TableFunctionBase):  # noqa: N801
    """z for z > 0, α(e^z − 1) otherwise (torch.nn.ELU); α is the second argument."""

    nargs = 2

    @classmethod
    def eval(cls, arg: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        if arg.is_Number and alpha.is_Number:
            return arg if arg > 0 else alpha * (sp.exp(arg) - 1)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z, alpha = self.args
        step = sp.Heaviside(z, 0)  # torch's elu′(0) is α·e⁰ = α: the z ≤ 0 side
        if argindex == 1:
            return step + (1 - step) * alpha * sp.exp(z)
        return (1 - step) * (sp.exp(z) - 1)


class silu(TableFunctionBase):  # noqa: N801
    """z·σ(z) (torch.nn.SiLU, also called swish)."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return arg / (1 + sp.exp(-arg))
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z = self.args[0]
        return sigmoid(z) * (1 + z * (1 - sigmoid(z)))

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return arg / (1 + sp.exp(-arg))


#: 1/√2, √(2/π) and 1/√(2π) as torch's kernels hold them (M_SQRT1_2, M_SQRT2·M_2_SQRTPI/2)
_SQRT1_2 = 0.7071067811865476
GELU_BETA = 0.7978845608028654
GELU_KAPPA = 0.044715
_INV_SQRT_2PI = 0.3989422804014327


class normal_cdf(TableFunctionBase):  # noqa: N801
    """Φ(z) = (1 + erf(z/√2))/2, the standard normal distribution function."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return (1 + sp.erf(arg / sp.sqrt(2))) / 2
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return normal_pdf(self.args[0])


class normal_pdf(TableFunctionBase):  # noqa: N801
    """φ(z) = e^(−z²/2)/√(2π), the standard normal density."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return sp.exp(-(arg**2) / 2) / sp.sqrt(2 * sp.pi)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return -self.args[0] * normal_pdf(self.args[0])


class gelu(TableFunctionBase):  # noqa: N801
    """z·Φ(z) (torch.nn.GELU(), the exact erf form)."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return arg * normal_cdf(arg)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z = self.args[0]
        return normal_cdf(z) + z * normal_pdf(z)


def _gelu_tanh_inner(z: sp.Expr) -> sp.Expr:
    # kept as β·(z + κ·z³), as torch computes it and as it is written (sympy would distribute β)
    return sp.Mul(sp.Float(GELU_BETA), z + sp.Float(GELU_KAPPA) * z**3, evaluate=False)


class gelu_tanh(TableFunctionBase):  # noqa: N801
    """z(1 + tanh(√(2/π)(z + 0.044715 z³)))/2 (torch.nn.GELU(approximate="tanh"))."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_Number:
            return arg * (1 + sp.tanh(_gelu_tanh_inner(arg))) / 2
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return _gelu_tanh_derivative(self.args[0])


def _gelu_tanh_derivative(z: sp.Expr) -> sp.Expr:
    t = sp.tanh(_gelu_tanh_inner(z))
    slope = sp.Float(GELU_BETA) * (1 + sp.Float(3 * GELU_KAPPA) * z**2)
    return (1 + t) / 2 + z * (1 - t**2) * slope / 2


class softplus(sp.Function):  # noqa: N801
    """log(1 + e^z): the logistic loss written in the pre-activation, stable for large |z|."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(arg))

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        argument = self.args[0].evalf(prec)
        if not argument.is_Number:
            return None
        return sp.log(1 + sp.exp(argument)).evalf(prec)


class logsumexp(sp.Function):  # noqa: N801
    """log Σ_m e^{z_m}: softmax's normaliser in log space, stable for large |z|."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return softmax(sp.Integer(argindex - 1), *self.args)

    def _eval_rewrite_as_exp(self, *args: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(sp.Add(*[sp.exp(arg) for arg in args]))


class softmax(sp.Function):  # noqa: N801
    """softmax(k, z_1, …, z_K) = e^{z_k} / Σ_m e^{z_m}; k is 0-based."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex == 1:
            return sp.S.Zero
        k, zs = self.args[0], self.args[1:]
        m = argindex - 2
        own = softmax(k, *zs)
        return own * ((1 if int(k) == m else 0) - softmax(sp.Integer(m), *zs))

    def _eval_rewrite_as_exp(self, k: sp.Expr, *zs: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.exp(zs[int(k)]) / sp.Add(*[sp.exp(z) for z in zs])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        args = ", ".join(printer._print(z) for z in self.args[1:])
        return rf"\operatorname{{softmax}}_{{{int(self.args[0]) + 1}}}\left({args}\right)"

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        args = ", ".join(printer._print(z) for z in self.args[1:])
        return f"softmax_{int(self.args[0]) + 1}({args})"


class clip(TableFunctionBase):  # noqa: N801
    """x held between lo and hi: min(max(x, lo), hi), the derivative of Huber's loss."""

    nargs = 3

    @classmethod
    def eval(cls, x: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr | None:
        if x.is_Number and lo.is_Number and hi.is_Number:
            return sp.Min(sp.Max(x, lo), hi)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        raise sp.ArgumentIndexError(self, argindex)


class huber(TableFunctionBase):  # noqa: N801
    """huber_δ(d) = ½d² for |d| < δ, δ(|d| − ½δ) otherwise (torch.nn.HuberLoss of one value)."""

    nargs = 2

    @classmethod
    def eval(cls, d: sp.Expr, delta: sp.Expr) -> sp.Expr | None:
        if d.is_Number and delta.is_Number:
            return d**2 / 2 if abs(d) < delta else delta * (abs(d) - delta / 2)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        d, delta = self.args
        # d inside (−δ, δ), ±δ outside: both sides agree at |d| = δ, so no kink convention
        return clip(d, -delta, delta)


class smooth_l1(TableFunctionBase):  # noqa: N801
    """½d²/β for |d| < β, |d| − ½β otherwise (torch.nn.SmoothL1Loss of one value)."""

    nargs = 2

    @classmethod
    def eval(cls, d: sp.Expr, beta: sp.Expr) -> sp.Expr | None:
        if d.is_Number and beta.is_Number:
            return d**2 / (2 * beta) if abs(d) < beta else abs(d) - beta / 2
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        d, beta = self.args
        # d/β inside (−β, β), ±1 outside: the sides agree at |d| = β
        return clip(d / beta, -1, 1)


def _float_smooth_l1(d: float, beta: float) -> float:
    # torch's order (aten smooth_l1_loss): 0.5·d·d/β, else |d| − 0.5·β
    size = abs(d)
    return 0.5 * d * d / beta if size < beta else size - 0.5 * beta


def _smooth_l1_array(d: Any, beta: Any) -> Any:
    import numpy as np

    size = np.abs(d)
    return np.where(size < beta, 0.5 * d * d / beta, size - 0.5 * beta)


def _float_clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _clip_array(x: Any, lo: Any, hi: Any) -> Any:
    import numpy as np

    return np.minimum(np.maximum(x, lo), hi)


def _float_huber(d: float, delta: float) -> float:
    # torch's order of operations (aten huber_loss): 0.5·d·d, else δ·(|d| − 0.5·δ)
    size = abs(d)
    return 0.5 * d * d if size < delta else delta * (size - 0.5 * delta)


def _huber_array(d: Any, delta: Any) -> Any:
    import numpy as np

    size = np.abs(d)
    return np.where(size < delta, 0.5 * d * d, delta * (size - 0.5 * delta))


@dataclass(frozen=True)
class Activation:
    """The sympy half of an activation's table entry (symbp.core.operations holds the rest).

    `apply` is a = f(z) and `derivative` the local derivative ∂a/∂z as textbooks write it, with
    a and z. `evaluate` is f in float64, as a hand calculation is judged; `primitive` is the same
    f in exp, log, erf, max, abs and if-then-else alone, the form the self-check page's
    JavaScript is printed from (a test checks that the two agree).

    softmax is not elementwise: each output o_i depends on every z of its layer, so it gives
    `apply_layer` and `jacobian` (∂o_i/∂z_j written with the outputs) instead.
    """

    name: str
    apply: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Symbol, sp.Symbol], sp.Expr]  # (z, a) -> ∂a/∂z
    formula: str  # for prose: how f is defined
    elementwise: bool = True
    apply_layer: Callable[[Sequence[sp.Symbol]], list[sp.Expr]] | None = None
    jacobian: Callable[[int, int, Sequence[sp.Symbol]], sp.Expr] | None = None
    derivative_formula: str = ""  # for prose: f′ in words
    #: the sympy function a closed form holds where the activation is applied (None: none)
    function: type[sp.Function] | None = None
    #: f in float64: (z, parameter) -> a; NaN in, NaN out
    evaluate: Callable[[float, float], float] | None = None
    #: f written in primitives: (z, parameter) -> expression
    primitive: Callable[[sp.Symbol, sp.Symbol], sp.Expr] | None = None
    #: f on numpy arrays, for a TableFunctionBase: (z, parameter) -> a
    evaluate_array: Callable[[Any, Any], Any] | None = None
    #: the name displays call it by, when not the table entry's (a second form, a helper)
    display: str = ""

    @property
    def key(self) -> str:
        """Its name in formula trees and the self-check page: its sympy function's name."""
        return self.function.__name__ if self.function is not None else self.name


def float_namespace(arrays: bool) -> dict[str, Callable[..., Any]]:
    """`_op_<name>` for every table function: the entry's float64 form on Python floats or
    on numpy arrays, for code compiled from expressions that hold them."""
    found: dict[str, Callable[..., Any]] = {}
    for entry in ALL_ENTRIES:
        function = entry.function
        if function is None or not issubclass(function, TableFunctionBase):
            continue
        form = entry.evaluate_array if arrays else entry.evaluate
        assert form is not None
        found[f"_op_{function.__name__}"] = form
    return found


@dataclass(frozen=True)
class Loss:
    """A loss over the output activations and the targets of one sample."""

    name: str
    apply: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr]
    formula: str
    #: ∂L/∂o_k written with outputs and targets: (k, outputs, targets) -> expression
    derivative: Callable[[int, Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr] | None = None
    #: the same loss written with the output pre-activations z, for numbers that must not
    #: overflow (log σ(z), log softmax(z)); only for the output activation named here
    logit_form: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr] | None = None
    logit_activation: str = ""
    #: the loss as a sum of one term per output, L = Σ_k L_k (E_o1 + E_o2 in Mazur's post)
    terms: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], list[sp.Expr]] | None = None
    #: the same terms written with the pre-activations, for numbers (as logit_form)
    logit_terms: Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], list[sp.Expr]] | None = None


def _half_sse(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return sp.Add(
        *[sp.Rational(1, 2) * (o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]
    )


def _sse(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return sp.Add(*[(o - y) ** 2 for o, y in zip(outputs, targets, strict=True)])


def _mse_mean(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return _sse(outputs, targets) / len(outputs)


def _bce(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    terms = [y * sp.log(o) + (1 - y) * sp.log(1 - o) for o, y in zip(outputs, targets, strict=True)]
    return -sp.Add(*terms) / len(outputs)


def _bce_derivative(k: int, outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # one product, so that multiplying by σ′ = o(1 − o) cancels exactly and stays finite
    o, y = outputs[k], targets[k]
    return sp.Mul(o - y, sp.Rational(1, len(outputs)), sp.Pow(o, -1), sp.Pow(1 - o, -1))


def _bce_logits(pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z
    terms = [softplus(z) - y * z for z, y in zip(pre, targets, strict=True)]
    return sp.Add(*terms) / len(pre)


def _cross_entropy(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    return -sp.Add(*[y * sp.log(o) for o, y in zip(outputs, targets, strict=True)])


def _cross_entropy_logits(pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # −Σ y_k log softmax_k(z) = Σ y_k (logsumexp(z) − z_k)
    normaliser = logsumexp(*pre)
    return sp.Add(*[y * (normaliser - z) for z, y in zip(pre, targets, strict=True)])


def _half_sse_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [sp.Rational(1, 2) * (o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]


def _sse_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [(o - y) ** 2 for o, y in zip(outputs, targets, strict=True)]


def _mse_mean_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [term / len(outputs) for term in _sse_terms(outputs, targets)]


def _bce_terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [
        -(y * sp.log(o) + (1 - y) * sp.log(1 - o)) / len(outputs)
        for o, y in zip(outputs, targets, strict=True)
    ]


def _bce_logit_terms(pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [(softplus(z) - y * z) / len(pre) for z, y in zip(pre, targets, strict=True)]


def _cross_entropy_terms(
    outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]
) -> list[sp.Expr]:
    return [-y * sp.log(o) for o, y in zip(outputs, targets, strict=True)]


def _cross_entropy_logit_terms(
    pre: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]
) -> list[sp.Expr]:
    normaliser = logsumexp(*pre)
    return [y * (normaliser - z) for z, y in zip(pre, targets, strict=True)]


def _output_objective(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    # the graph passes only the chosen outputs (spec.objective_indices) and no targets
    return sp.Add(*outputs)


def _mean_of(
    term: Callable[[sp.Expr], sp.Expr],
) -> tuple[
    Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr],
    Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], list[sp.Expr]],
]:
    """L = (1/K) Σ_k term(o_k − y_k), as torch's elementwise losses average over the outputs,
    and its terms L_k."""

    def terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
        return [term(o - y) / len(outputs) for o, y in zip(outputs, targets, strict=True)]

    def apply(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
        return sp.Add(*terms(outputs, targets))

    return apply, terms


def _huber(delta_value: float | str) -> Loss:
    delta = sp.Float(float(delta_value))
    apply, terms = _mean_of(lambda d: huber(d, delta))
    return Loss(
        name=HUBER.name,
        apply=apply,
        formula=(
            f"L = (1/K) Σ_k huber(o_k − y_k), huber(d) = ½d² for |d| < δ, δ(|d| − ½δ) "
            f"otherwise, δ = {float(delta_value):g} (torch.nn.HuberLoss)"
        ),
        derivative=lambda k, o, y: clip(o[k] - y[k], -delta, delta) / len(o),
        terms=terms,
    )


def _smooth_l1(beta_value: float | str) -> Loss:
    beta = sp.Float(float(beta_value))
    apply, terms = _mean_of(lambda d: smooth_l1(d, beta))
    return Loss(
        name=SMOOTH_L1.name,
        apply=apply,
        formula=(
            f"L = (1/K) Σ_k smooth_l1(o_k − y_k), smooth_l1(d) = ½d²/β for |d| < β, |d| − ½β "
            f"otherwise, β = {float(beta_value):g} (torch.nn.SmoothL1Loss)"
        ),
        derivative=lambda k, o, y: clip((o[k] - y[k]) / beta, -1, 1) / len(o),
        terms=terms,
    )


def _class_score(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
    """s_y, the correct class's score, as Σ_m y_m·o_m over the one-hot targets."""
    return sp.Add(*[y * o for o, y in zip(outputs, targets, strict=True)])


def _hinge_terms(
    margin: sp.Expr, scale: sp.Expr
) -> Callable[[Sequence[sp.Symbol], Sequence[sp.Symbol]], list[sp.Expr]]:
    def terms(outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> list[sp.Expr]:
        # (1 − y_j) leaves out the correct class j = y
        s_y = _class_score(outputs, targets)
        return [
            scale * (1 - y) * sp.Max(0, o - s_y + margin)
            for o, y in zip(outputs, targets, strict=True)
        ]

    return terms


def _hinge_derivative(
    margin: sp.Expr, scale: sp.Expr
) -> Callable[[int, Sequence[sp.Symbol], Sequence[sp.Symbol]], sp.Expr]:
    def derivative(k: int, outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol]) -> sp.Expr:
        # CS231n: 1[s_k − s_y + Δ > 0] for k ≠ y, −Σ_{j≠y} 1[s_j − s_y + Δ > 0] for k = y;
        # torch's MultiMarginLoss takes 0 at the kink (a margin exactly 0): Heaviside(·, 0)
        s_y = _class_score(outputs, targets)
        active = [sp.Heaviside(o - s_y + margin, 0) for o in outputs]
        others = sp.Add(*[(1 - y) * a for y, a in zip(targets, active, strict=True)])
        return scale * ((1 - targets[k]) * active[k] - targets[k] * others)

    return derivative


def _margin_loss(name: str, margin_value: float | str, per_class: bool) -> Loss:
    margin = sp.Float(float(margin_value))
    terms = _hinge_terms(margin, sp.S.One)
    scale = sp.S.One
    formula = f"L = Σ_(j≠y) max(0, o_j − o_y + Δ), Δ = {float(margin_value):g} (CS231n's SVM loss)"
    if per_class:
        formula = (
            f"L = (1/K) Σ_(j≠y) max(0, o_j − o_y + Δ), Δ = {float(margin_value):g} "
            "(torch.nn.MultiMarginLoss)"
        )
    return Loss(
        name=name,
        apply=lambda o, y: sp.Add(*terms(o, y)) / (len(o) if per_class else 1),
        formula=formula,
        derivative=lambda k, o, y: (
            _hinge_derivative(margin, scale)(k, o, y) / (len(o) if per_class else 1)
        ),
    )


_LOSS_WITH_PARAMETER: dict[str, Callable[[float | str], Loss]] = {
    HUBER.name: _huber,
    SMOOTH_L1.name: _smooth_l1,
    HINGE.name: lambda margin: _margin_loss(HINGE.name, margin, per_class=False),
    MULTI_MARGIN.name: lambda margin: _margin_loss(MULTI_MARGIN.name, margin, per_class=True),
}
_L1_APPLY, _L1_TERMS = _mean_of(sp.Abs)


def loss(name: str, parameter: float | str | None = None) -> Loss:
    """The loss called `name`, with its parameter from the spec (huber's δ) when it takes one;
    the table's default otherwise."""
    info = loss_info(name)
    if info.parameter is None:
        return LOSSES[name]
    made = _LOSS_WITH_PARAMETER[name]
    return made(info.parameter.default if parameter is None else parameter)


def _softmax_layer(pre: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [softmax(sp.Integer(k), *pre) for k in range(len(pre))]


def _softmax_jacobian(i: int, j: int, outputs: Sequence[sp.Symbol]) -> sp.Expr:
    # ∂o_i/∂z_j = o_i (δ_ij − o_j)
    if i == j:
        return outputs[i] * (1 - outputs[i])
    return -outputs[i] * outputs[j]


def activation(name: str, parameter: float | str | None = None) -> Activation:
    """The activation called `name`, with its parameter from the spec (leaky_relu's slope for
    z < 0) when it takes one; the table's default otherwise."""
    info = activation_info(name)
    if info.parameter is None:
        return ACTIVATIONS[name]
    made = _WITH_PARAMETER[name]
    return made(info.parameter.default if parameter is None else parameter)


def _no_elementwise_form(z: sp.Expr) -> sp.Expr:
    raise TypeError("softmax acts on a whole layer: use apply_layer")


def _float_sigmoid(z: float, parameter: float = 0.0) -> float:
    if math.isnan(z):
        return math.nan
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _float_softplus(z: float, parameter: float = 0.0) -> float:
    # log(1 + e^z) = max(z, 0) + log(1 + e^(−|z|)): no overflow for large |z|
    return max(z, 0.0) + math.log1p(math.exp(-abs(z))) if math.isfinite(z) else max(z, 0.0)


def _float_silu(z: float, parameter: float = 0.0) -> float:
    # torch's own order: z / (1 + e^(−z)), which is −0.0 once e^(−z) overflows
    try:
        return z / (1.0 + math.exp(-z))
    except OverflowError:
        return z * 0.0


def _silu_array(z: Any, parameter: Any = None) -> Any:
    import numpy as np

    with np.errstate(over="ignore"):
        return z / (1.0 + np.exp(-z))


def _float_normal_cdf(z: float, parameter: float = 0.0) -> float:
    return 0.5 * math.erfc(-z * _SQRT1_2)  # 1 + erf(x) = erfc(−x), exact where it is small


def _float_normal_pdf(z: float, parameter: float = 0.0) -> float:
    return math.exp(-0.5 * z * z) * _INV_SQRT_2PI


def _float_gelu(z: float, parameter: float = 0.0) -> float:
    # torch writes z·0.5·(1 + erf(z/√2)), which cancels for z ≪ 0; erfc(−z/√2) does not
    return z * 0.5 * math.erfc(-z * _SQRT1_2)


def _float_gelu_tanh(z: float, parameter: float = 0.0) -> float:
    inner = GELU_BETA * (z + GELU_KAPPA * z**3)
    return 0.5 * z * (1.0 + math.tanh(inner))


def _elementwise(scalar: Callable[[float, float], float]) -> Callable[[Any, Any], Any]:
    """A float64 form on numpy arrays, value by value (math.erf has no numpy twin)."""

    def on_arrays(z: Any, parameter: Any = None) -> Any:
        import numpy as np

        values = np.asarray(z, dtype=np.float64)
        flat = [scalar(float(v), math.nan) for v in values.reshape(-1)]
        return np.array(flat, dtype=np.float64).reshape(values.shape)

    return on_arrays


def _helper(
    name: str,
    function: type[sp.Function],
    scalar: Callable[[float, float], float],
    primitive: Callable[[sp.Symbol, sp.Symbol], sp.Expr],
    display: str,
) -> Activation:
    return Activation(
        name=name,
        apply=function,
        derivative=lambda z, a: sp.diff(function(z), z),
        formula="",
        function=function,
        evaluate=scalar,
        evaluate_array=_elementwise(scalar),
        primitive=primitive,
        display=display,
    )


def _loss_function(
    name: str,
    function: type[sp.Function],
    scalar: Callable[..., float],
    array: Callable[..., Any],
) -> Activation:
    """A function a loss is written with (huber, smooth_l1, clip): float forms for the compiled
    numbers and a display name; it is never differentiated as an activation (the loss's own
    derivative is written with clip)."""
    return Activation(
        name=name,
        apply=function,
        derivative=lambda z, a: sp.S.Zero,
        formula="",
        function=function,
        evaluate=scalar,
        evaluate_array=array,
        display=name,
    )


def _gelu(approximate: float | str) -> Activation:
    if approximate == "tanh":
        return _GELU_TANH
    return _GELU_EXACT


_GELU_EXACT = Activation(
    name=GELU.name,
    apply=gelu,
    derivative=lambda z, a: normal_cdf(z) + z * normal_pdf(z),
    formula="gelu(z) = z·Φ(z), Φ the standard normal distribution function",
    derivative_formula="gelu′ = Φ(z) + z·φ(z), negative for z below about −0.75",
    function=gelu,
    evaluate=_float_gelu,
    evaluate_array=_elementwise(_float_gelu),
    primitive=lambda z, p: z * sp.Float(0.5) * sp.erfc(-z * sp.Float(_SQRT1_2), evaluate=False),
)
_GELU_TANH = Activation(
    name=GELU.name,
    apply=gelu_tanh,
    derivative=lambda z, a: _gelu_tanh_derivative(z),
    formula="gelu(z) = z(1 + tanh(√(2/π)(z + 0.044715·z³)))/2 (approximate = tanh)",
    derivative_formula="gelu′ of the tanh form, negative for z below about −0.75",
    function=gelu_tanh,
    evaluate=_float_gelu_tanh,
    evaluate_array=_elementwise(_float_gelu_tanh),
    primitive=lambda z, p: sp.Float(0.5) * z * (1 + sp.tanh(_gelu_tanh_inner(z))),
    display=gelu_tanh.__name__,
)


def _primitive_sigmoid(z: sp.Symbol, parameter: sp.Symbol) -> sp.Expr:
    # the two halves keep e^(−z) from overflowing, as _float_sigmoid
    return sp.Piecewise((1 / (1 + sp.exp(-z)), z >= 0), (sp.exp(z) / (1 + sp.exp(z)), True))


def _leaky_relu(negative_slope: float | str) -> Activation:
    slope_value = float(negative_slope)
    slope = sp.Float(slope_value)
    return Activation(
        name=LEAKY_RELU.name,
        apply=lambda z: leaky_relu(z, slope),
        derivative=lambda z, a: slope + (1 - slope) * sp.Heaviside(z, 0),
        formula=f"leaky_relu(z) = z for z > 0, {slope_value:g}·z otherwise",
        derivative_formula=f"1 for z > 0, {slope_value:g} for z ≤ 0 (as torch)",
        function=leaky_relu,
        evaluate=lambda z, p: z if z > 0 else p * z,
        primitive=lambda z, p: sp.Piecewise((z, z > 0), (p * z, True)),
    )


def _elu(alpha: float | str) -> Activation:
    alpha_value = float(alpha)
    scale = sp.Float(alpha_value)
    return Activation(
        name=ELU.name,
        apply=lambda z: elu(z, scale),
        # for z ≤ 0, a = α(e^z − 1), so e^z·α = a + α
        derivative=lambda z, a: sp.Heaviside(z, 0) + (1 - sp.Heaviside(z, 0)) * (a + scale),
        formula=f"elu(z) = z for z > 0, {alpha_value:g}·(e^z − 1) otherwise",
        derivative_formula=f"1 for z > 0, a + {alpha_value:g} for z ≤ 0 (as torch)",
        function=elu,
        evaluate=lambda z, p: z if z > 0 else p * math.expm1(z),
        evaluate_array=_elu_array,
        primitive=lambda z, p: sp.Piecewise((z, z > 0), (p * expm1(z), True)),
    )


def _elu_array(z: Any, alpha: Any) -> Any:
    import numpy as np

    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


_WITH_PARAMETER: dict[str, Callable[[float | str], Activation]] = {
    GELU.name: _gelu,
    LEAKY_RELU.name: _leaky_relu,
    ELU.name: _elu,
}

ACTIVATIONS: dict[str, Activation] = {
    SIGMOID.name: Activation(
        name=SIGMOID.name,
        apply=sigmoid,
        derivative=lambda z, a: a * (1 - a),
        formula="σ(z) = 1/(1 + e^(−z))",
        derivative_formula="σ′ is always positive",
        function=sigmoid,
        evaluate=_float_sigmoid,
        primitive=_primitive_sigmoid,
    ),
    TANH.name: Activation(
        name=TANH.name,
        apply=sp.tanh,
        derivative=lambda z, a: 1 - a**2,
        formula="tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))",
        derivative_formula="tanh′ = 1 − a² is positive",
        function=sp.tanh,
        evaluate=lambda z, p: math.tanh(z),
        primitive=lambda z, p: sp.tanh(z),
    ),
    RELU.name: Activation(
        name=RELU.name,
        apply=relu,
        derivative=lambda z, a: sp.Heaviside(z, 0),
        formula="relu(z) = max(0, z)",
        derivative_formula="relu′ = Heaviside(z, 0): 1 for z > 0, 0 for z ≤ 0 (as torch)",
        function=relu,
        evaluate=lambda z, p: max(0.0, z),
        primitive=lambda z, p: sp.Piecewise((z, z > 0), (0, True)),
    ),
    LEAKY_RELU.name: _leaky_relu(0.01),
    IDENTITY.name: Activation(
        name=IDENTITY.name,
        apply=lambda z: z,
        derivative=lambda z, a: sp.S.One,
        formula="identity(z) = z",
        derivative_formula="identity′ is 1",
        evaluate=lambda z, p: z,
        primitive=lambda z, p: z,
    ),
    SOFTMAX.name: Activation(
        name=SOFTMAX.name,
        apply=_no_elementwise_form,
        derivative=lambda z, a: a * (1 - a),
        formula="softmax_k(z) = e^(z_k) / Σ_m e^(z_m)",
        elementwise=False,
        apply_layer=_softmax_layer,
        jacobian=_softmax_jacobian,
        derivative_formula="∂o_i/∂z_j = o_i(δ_ij − o_j)",
        function=softmax,
    ),
    ELU.name: _elu(1.0),
    SOFTPLUS.name: Activation(
        name=SOFTPLUS.name,
        apply=softplus,
        derivative=lambda z, a: sigmoid(z),
        formula="softplus(z) = log(1 + e^z)",
        derivative_formula="softplus′ = σ(z) is always positive",
        function=softplus,
        evaluate=_float_softplus,
        primitive=lambda z, p: sp.Max(z, 0) + log1p(sp.exp(-sp.Abs(z))),
    ),
    SILU.name: Activation(
        name=SILU.name,
        apply=silu,
        # σ(z)(1 + z(1 − σ(z))) with z·σ(z) = a
        derivative=lambda z, a: a + sigmoid(z) * (1 - a),
        formula="silu(z) = z·σ(z)",
        derivative_formula="silu′ = a + σ(z)(1 − a), negative for z below about −1.28",
        function=silu,
        evaluate=_float_silu,
        evaluate_array=_silu_array,
        primitive=lambda z, p: z / (1 + sp.exp(-z)),
    ),
    GELU.name: _GELU_EXACT,
}

LOSSES: dict[str, Loss] = {
    HALF_SSE.name: Loss(
        name=HALF_SSE.name,
        apply=_half_sse,
        formula="L = ½ Σ_k (o_k − y_k)²",
        derivative=lambda k, o, y: o[k] - y[k],
        terms=_half_sse_terms,
    ),
    SSE.name: Loss(
        name=SSE.name,
        apply=_sse,
        formula="L = Σ_k (o_k − y_k)²",
        derivative=lambda k, o, y: 2 * (o[k] - y[k]),
        terms=_sse_terms,
    ),
    MSE_MEAN.name: Loss(
        name=MSE_MEAN.name,
        apply=_mse_mean,
        formula="L = (1/K) Σ_k (o_k − y_k)² over the K outputs (torch.nn.MSELoss)",
        derivative=lambda k, o, y: sp.Rational(2, len(o)) * (o[k] - y[k]),
        terms=_mse_mean_terms,
    ),
    BCE.name: Loss(
        name=BCE.name,
        apply=_bce,
        formula="L = −(1/K) Σ_k [y_k log o_k + (1 − y_k) log(1 − o_k)] (torch.nn.BCELoss)",
        derivative=_bce_derivative,
        logit_form=_bce_logits,
        logit_activation=BCE.cancels_with,
        terms=_bce_terms,
        logit_terms=_bce_logit_terms,
    ),
    CROSS_ENTROPY.name: Loss(
        name=CROSS_ENTROPY.name,
        apply=_cross_entropy,
        formula="L = −Σ_k y_k log o_k with o = softmax(z) (torch.nn.CrossEntropyLoss)",
        derivative=lambda k, o, y: -y[k] / o[k],
        logit_form=_cross_entropy_logits,
        logit_activation=CROSS_ENTROPY.cancels_with,
        terms=_cross_entropy_terms,
        logit_terms=_cross_entropy_logit_terms,
    ),
    OUTPUT.name: Loss(
        name=OUTPUT.name,
        apply=_output_objective,
        formula="L = o_k: the objective is one output itself, or the sum of several (no targets)",
    ),
    HUBER.name: _huber(1.0),
    SMOOTH_L1.name: _smooth_l1(1.0),
    L1.name: Loss(
        name=L1.name,
        apply=_L1_APPLY,
        formula="L = (1/K) Σ_k |o_k − y_k| (torch.nn.L1Loss)",
        # torch's sign(0) = 0: no gradient where an output equals its target
        derivative=lambda k, o, y: sp.sign(o[k] - y[k]) / len(o),
        terms=_L1_TERMS,
    ),
    HINGE.name: _margin_loss(HINGE.name, 1.0, per_class=False),
    MULTI_MARGIN.name: _margin_loss(MULTI_MARGIN.name, 1.0, per_class=True),
    NLL.name: Loss(
        name=NLL.name,
        apply=lambda o, y: -_class_score(o, y),
        formula="L = −o_y: the outputs are log-probabilities (torch.nn.NLLLoss)",
        derivative=lambda k, o, y: -y[k],
    ),
}

#: every sympy function the table defines, with its float forms: the activations, their other
#: forms (gelu's tanh form) and the helpers they are written with (Φ, φ)
ALL_ENTRIES: tuple[Activation, ...] = (
    *ACTIVATIONS.values(),
    _GELU_TANH,
    _loss_function(clip.__name__, clip, _float_clip, _clip_array),
    _loss_function(SMOOTH_L1.name, smooth_l1, _float_smooth_l1, _smooth_l1_array),
    _loss_function(HUBER.name, huber, _float_huber, _huber_array),
    _helper(
        NORMAL_CDF.name,
        normal_cdf,
        _float_normal_cdf,
        lambda z, p: sp.Float(0.5) * sp.erfc(-z * sp.Float(_SQRT1_2), evaluate=False),
        NORMAL_CDF.call_name,
    ),
    _helper(
        NORMAL_PDF.name,
        normal_pdf,
        _float_normal_pdf,
        lambda z, p: sp.exp(sp.Float(-0.5) * z * z) * sp.Float(_INV_SQRT_2PI),
        NORMAL_PDF.call_name,
    ),
)

#: each operation's sympy function, by name, for readers of hand formulas (σ(z), exp(z))
SYMPY_FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    EXP.name: sp.exp,
    LOG.name: sp.log,
    **{name: entry.apply for name, entry in ACTIVATIONS.items() if entry.elementwise},
}

#: the sympy forward of each arithmetic operation on its inputs, by name (a graph's gates);
#: add and multiply take any number of inputs
ARITHMETIC_FORMS: dict[str, Callable[[Sequence[sp.Expr]], sp.Expr]] = {
    ADD.name: lambda a: sp.Add(*a),
    MULTIPLY.name: lambda a: sp.Mul(*a),
    SUBTRACT.name: lambda a: a[0] - a[1],
    DIVIDE.name: lambda a: a[0] / a[1],
    POWER.name: lambda a: a[0] ** a[1],
    NEGATE.name: lambda a: -a[0],
    EXP.name: lambda a: sp.exp(a[0]),
    LOG.name: lambda a: sp.log(a[0]),
    MAX.name: lambda a: sp.Max(a[0], a[1]),
    MIN.name: lambda a: sp.Min(a[0], a[1]),
    ABS.name: lambda a: sp.Abs(a[0]),
}
